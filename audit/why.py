"""``pourquoi``: the full French explanation of a recorded decision, from the journal alone.

Sits on the queries: the source of each policy the journal recorded (``politique`` records,
by sha256) and the decision records of one invitation come from the journal's query index
when it can answer (``index.Index.policies`` and ``records``: a few lines read back at their
offsets), else from a streamed pass over the journal. Each is then explained from what it
recorded: the rule's text as the policy read *then* (not the file as it is now), each
condition with its values (the recorded trace), the derived facts, the other rules that fired
and why they lost, the rules that stayed unknown.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from functools import partial
from typing import Any

from tamis.audit.chain import policy_sha
from tamis.audit.errors import Altered, DamagedLine, warn_on_stderr
from tamis.audit.filters import Json, Sender
from tamis.audit.index import POLICY_MARK, Failed
from tamis.audit.queries import current_index, parse_filter, search, select
from tamis.audit.reader import PathLike, Warn, iter_lines, parse_line
from tamis.audit.record import SCHEMA_VERSION, node_line, node_names
from tamis.audit.verify import sealed
from tamis.engine.decision import SEVERITY

# « signaler > refuser > … »: refus_prioritaire's order, most severe first, from the engine
SEVERITY_ORDER = " > ".join(action.value for action in sorted(SEVERITY, key=SEVERITY.__getitem__))


@dataclass(frozen=True)
class Found:
    record: dict
    policy: dict | None  # the ``politique`` content in force (with ``source``), if recorded


def find_decisions(
    path: PathLike,
    invitation_id: str,
    warn: Warn = warn_on_stderr,
    *,
    index: bool = True,
    **pool: int,
) -> list[Found]:
    """Every decision recorded for ``invitation_id``, with the policy source it was made
    under: from the query index if it can answer (``index``; ``pool`` tunes its catch-up),
    else from the journal read whole."""
    flt = parse_filter(invitation=invitation_id)
    found = current_index(path, index, pool, warn)
    if found is not None:
        with found:
            told: list[str] = []  # warnings wait: the scan may answer instead
            altered = partial(_altered, path, told.append)
            try:
                policies = found.policies(altered)
                records = [r for _n, r in found.records(flt, altered)]
            except Failed:
                pass
            else:
                found.report(warn)  # the torn last line first, as the scan tells it
                for message in told:
                    warn(message)
                return _with_policies(records, policies)
    policies = policy_sources(path, warn)
    return _with_policies(select(path, flt, _only_altered(warn), index=False), policies)


class Designation(Enum):
    """How ``pourquoi``'s argument designated the invitation."""

    ID = "id"  # its exact id
    PREFIX = "prefixe"  # the start of its id, shared by no other invitation
    SENDER = "expediteur"  # part of its sender's name or profile URL
    NOTHING = "rien"


@dataclass(frozen=True)
class Candidate:
    """An invitation a ``pourquoi`` argument may mean, as its latest decision shows it."""

    invitation: str
    sender: Json
    decision: Json
    horodatage: str
    decisions: int  # how many decisions the journal holds for it
    sens: Json = None  # « sortante » for a request to send (the sender is the user) …
    recipient: Json = None  # … and whom it goes to (``rows.sent_to``)


@dataclass(frozen=True)
class Lookup:
    """What ``pourquoi``'s argument designates: one invitation's decisions (``found``), or
    the invitations it may mean (``candidates``, at most ``MAX_CANDIDATES`` + 1)."""

    designation: Designation
    found: list[Found]
    candidates: list[Candidate]


MAX_CANDIDATES = 20


def look_up(
    path: PathLike, query: str, warn: Warn = warn_on_stderr, *, index: bool = True, **pool: int
) -> Lookup:
    """The invitation ``query`` designates: the one with that id; else the only one whose id
    starts with it; else the only one whose sender's name or profile URL contains it (case
    left aside, ``https://www.`` and a final ``/`` of a URL too). When several invitations
    match, their ``candidates``, the first ``MAX_CANDIDATES`` + 1 in journal order."""
    found = find_decisions(path, query, warn, index=index, **pool)
    if found or not query.strip():
        return Lookup(Designation.ID if found else Designation.NOTHING, found, [])
    for designation, flt in (
        (Designation.PREFIX, parse_filter(invitation_prefix=query)),
        (Designation.SENDER, parse_filter(sender=query)),  # a pasted URL: filters.sender_part
    ):
        candidates = _candidates(search(path, flt, _quiet, index=index, **pool))
        if len(candidates) == 1:
            only = candidates[0].invitation
            return Lookup(designation, find_decisions(path, only, _quiet, index=index, **pool), [])
        if candidates:
            return Lookup(designation, [], candidates)
    return Lookup(Designation.NOTHING, [], [])


def _candidates(rows: Iterator[dict[str, Json]]) -> list[Candidate]:
    """The distinct invitations of ``rows`` (journal order), each with its latest decision;
    stops reading once more than ``MAX_CANDIDATES`` are known."""
    seen: dict[str, Candidate] = {}
    with contextlib.closing(rows):  # type: ignore[type-var]
        for row in rows:
            invitation = str(row["id"])
            earlier = seen.get(invitation)
            if earlier is None and len(seen) > MAX_CANDIDATES:
                break
            count = earlier.decisions + 1 if earlier else 1
            seen[invitation] = Candidate(
                *(invitation, row["expediteur"], row["decision"], str(row["horodatage"]), count),
                *(row["sens"], row["destinataire"]),
            )
    return list(seen.values())


def _with_policies(records: Iterable[dict], policies: dict[str, dict]) -> list[Found]:
    return [Found(r, policies.get(r["contenu"]["politique"].get("sha256"))) for r in records]


def _quiet(_message: str) -> None:
    """No second warning: reading the policies already reported a torn last line."""


def _only_altered(warn: Warn) -> Warn:
    """``warn`` for edited records only (a torn last line was reported already)."""

    def told(message: str) -> None:
        if isinstance(message, Altered):
            warn(message)

    return told


def _altered(path: PathLike, warn: Warn, line: int, seq: object) -> None:
    warn(Altered(path, line, seq))


def policy_sources(path: PathLike, warn: Warn) -> dict[str, dict]:
    """sha256 -> the ``politique`` content recorded for it (one small dict per policy; the
    last record of a sha256 wins), from one pass over the journal."""
    sources: dict[str, dict] = {}
    for number, line in iter_lines(path, warn):
        if POLICY_MARK in line:
            record = parse_line(path, number, line)
            if record["evenement"] == "politique" and not sealed(line):
                warn(Altered(path, number, record["seq"]))
            if record["evenement"] == "politique":
                sources[recorded_sha(path, number, record)] = record["contenu"]["politique"]
    return sources


def recorded_sha(path: PathLike, number: int, record: dict) -> str:
    """The sha256 a ``politique`` record names; a ``JournalError`` naming the line if it
    names none (a line edited by hand)."""
    sha = policy_sha(record)
    if sha is None:
        raise DamagedLine(path, number)
    return sha


def rule_text(source: str, line: int | None) -> list[tuple[int, str]]:
    """The rule written at ``line``: that line and its indented continuation lines."""
    lines = source.splitlines()
    if line is None or not 1 <= line <= len(lines):
        return []
    text = [(line, lines[line - 1])]
    for number in range(line + 1, len(lines) + 1):
        current = lines[number - 1]
        if not current.strip() or not current[:1].isspace():
            break
        text.append((number, current))
    return text


def lost_reason(rule: dict, winner: dict, resolution: str) -> str:
    """Why a rule that fired did not decide (French)."""
    name = f"« {winner['regle']} » (ligne {winner['ligne']})"
    if resolution == "refus_prioritaire" and rule["decision"] != winner["decision"]:
        return (
            f"« {winner['decision']} » l'emporte sur « {rule['decision']} » avec refus_prioritaire "
            f"({SEVERITY_ORDER})"
        )
    if resolution == "priorité" and (rule.get("priorite") or 0) != (winner.get("priorite") or 0):
        return (
            f"sa priorité ({rule.get('priorite') or 0}) est inférieure à celle de {name} "
            f"({winner.get('priorite') or 0})"
        )
    if resolution == "première_applicable":
        return f"{name} la précède ; avec première_applicable, la première règle vraie décide"
    return f"à égalité, {name} la précède dans le fichier"


def _person(content: dict[str, Any], role: str) -> dict[str, Json]:
    return dict(zip(("nom", "profil_url"), Sender.of(content, role), strict=True))


def _direction(content: dict[str, Any]) -> Json:
    """The recorded ``sens`` (None when absent, or erased with the invitation)."""
    invitation = content.get("invitation")
    return invitation.get("sens") if isinstance(invitation, dict) else None


def explanation(found: Found) -> dict[str, Any]:
    """Everything ``pourquoi`` shows, as JSON-ready data."""
    record, content = found.record, found.record["contenu"]
    version = record.get("version", SCHEMA_VERSION)
    line = content.get("ligne")
    winner = next((r for r in content["declenchees"] if r["ligne"] == line), None)
    source = (found.policy or {}).get("source")
    return {
        "seq": record["seq"],
        "horodatage": record["horodatage"],
        "id": content["id"],
        "expediteur": _person(content, "expediteur"),
        "sens": _direction(content),  # « sortante »: a request to send, to its destinataire
        "destinataire": _person(content, "destinataire"),
        "decision": content["decision"],
        "regle": content["regle"],
        "ligne": line,
        "motif": content.get("motif"),
        "texte_regle": [{"ligne": n, "texte": t} for n, t in rule_text(source or "", line)],
        "explication": content.get("explication"),  # absent once erased
        "effacement": content.get("effacement"),  # {le, motif, seq} once erased
        "conditions": [
            {**trace, "condition": expanded(trace["condition"], values(content), version)}
            for trace in content.get("trace", [])
        ],
        "preuves": content.get("preuves", {}),
        "faits_derives": content.get("faits_derives", {}),
        "autres_regles": [
            {**rule, "raison": lost_reason(rule, winner, content["resolution"])}
            for rule in content["declenchees"]
            if winner is not None and rule is not winner
        ],
        "inconnues": content["inconnues"],
        "resolution": content["resolution"],
        "politique": {
            k: v for k, v in (found.policy or content["politique"]).items() if k != "source"
        },
        "source_enregistree": source is not None,
        "parametres": content.get("parametres", {}),
    }


def values(content: dict[str, Any]) -> dict[str, Any]:
    """Every value a condition may read: parameters, facts and fields, derived facts."""
    return {
        **content.get("parametres", {}),
        **content.get("faits", {}),
        **content.get("faits_derives", {}),
    }


def expanded(node: dict, known: dict[str, Any], version: int) -> dict[str, Any]:
    """A recorded trace node in full: its line (``detail``) and what it read, with values."""
    out = {"condition": node["condition"], "valeur": node["valeur"]}
    out["detail"] = node_line(node, version)
    names = node_names(node)
    if names:
        out["lu"] = {name: known.get(name) for name in names}
    if "enfants" in node:
        out["enfants"] = [expanded(child, known, version) for child in node["enfants"]]
    if "definition" in node:
        out["definition"] = expanded(node["definition"], known, version)
    return out
