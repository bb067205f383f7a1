"""The head of the hash chain: what the next record must continue from.

Shared by the processors (which number and link the next record) and the sink (which
refreshes it from the file under the lock, and advances it as records are written). It is
rebuilt from the last complete line of the journal, so several processes keep one chain.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from tamis.audit import advice
from tamis.audit.errors import JournalError
from tamis.audit.layout import GENESIS
from tamis.audit.personal import KEY, PERSONAL, is_tombstone, merged


@dataclass(slots=True)
class ChainHead:
    """Where the chain stands: the last record written, as the next record links to it."""

    seq: int = 0  # the last record's number (0: empty journal)
    empreinte: str = GENESIS  # the last record's digest
    politique: str | None = None  # the policy sha256 the last record names, if any
    size: int = -1  # file size this head describes; -1: unknown, re-read before writing

    def advance(self, record: dict, nbytes: int) -> None:
        """Move past ``record`` (already sealed), which takes ``nbytes`` in the file."""
        self.seq, self.empreinte = record["seq"], record["empreinte"]
        policy = record["contenu"].get("politique")
        if isinstance(policy, dict):
            self.politique = policy.get("sha256") or self.politique
        self.size += nbytes

    def copy(self) -> ChainHead:
        return ChainHead(self.seq, self.empreinte, self.politique, self.size)

    def restore(self, other: ChainHead) -> None:
        self.seq, self.empreinte = other.seq, other.empreinte
        self.politique, self.size = other.politique, other.size


def policy_sha(record: dict) -> str | None:
    """The sha256 of the policy a ``politique`` or ``decision`` record names (None if it
    names none as a text: a line edited by hand)."""
    policy = record.get("contenu", {}).get("politique")
    sha = policy.get("sha256") if isinstance(policy, dict) else None
    return sha if isinstance(sha, str) else None


def head_from_line(line: bytes, size: int, where: str) -> ChainHead:
    """The head after the complete ``line`` ending at offset ``size``; ``where`` names it."""
    record = parse_record(line)
    if record is None:
        raise JournalError(
            f"{where} : ce n'est pas un enregistrement de journal tamis ; le fichier n'est pas "
            "un journal ou il est endommagé (« tamis journal verifier » le localise). "
            "Rien n'a été écrit."
        )
    return ChainHead(record["seq"], record["empreinte"], policy_sha(record), size)


def parse_record(line: bytes | memoryview) -> dict | None:
    """The record on one line (without its ``\\n``), or None if it is not one."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if isinstance(record, dict) and KEY in record:
        record = merged(record)  # format 3: the personal data put back, as readers want it
    return record if is_record(record) else None


def is_record(value: object) -> bool:
    """True for a parsed line that has the journal's envelope and, for a decision, the shape
    every reader relies on (``decision_flaw``; ``advice.shape`` for a ``conseil``): a line
    edited into another shape is reported as damaged, in French, instead of failing deep
    inside a query. A format 3 record is judged as readers see it (``personal.merged``)."""
    return record_flaw(value) is None


def claimed_seq(line: bytes) -> str:
    """The number a line claims, for a message about a line that does not parse."""
    start = line.rfind(b'"seq":')
    if start < 0:
        return "?"
    rest = line[start + 6 :]
    ends = [end for end in (rest.find(b","), rest.find(b"}")) if end >= 0]
    return rest[: min(ends, default=len(rest))].decode(errors="replace")


_ENVELOPE = (
    ("seq", int, "un entier"),
    *((key, str, "un texte") for key in ("empreinte", "evenement", "horodatage")),
)


def record_flaw(value: object) -> str | None:
    """What keeps a parsed line from being a record every reader can read, in French (« son
    champ « faits » n'est pas un objet »), or None if it is one (``is_record``)."""
    if not isinstance(value, dict):
        return "ce n'est pas un objet JSON"
    for key, kind, said in _ENVELOPE:
        if not isinstance(value.get(key), kind):
            return f"son champ « {key} » n'est pas {said}"
    return content_flaw(value)


def content_flaw(record: dict) -> str | None:
    """``record_flaw`` of a record's ``contenu`` and personal part (as readers see them,
    ``personal.merged``) for its ``evenement``: what a row's columns are checked for too."""
    content, event = record.get("contenu"), record.get("evenement")
    if not isinstance(content, dict):
        return "son champ « contenu » n'est pas un objet"
    if event == "decision":  # the personal fields looked up where they are, never merged
        extra = personal_fields(record.get(KEY))
        return _PART_FLAW if extra is None else decision_flaw(content, extra)
    if KEY in record:
        whole = merged(record)
        if whole is None:
            return _PART_FLAW
        content = whole["contenu"]
    if event == advice.EVENT and not advice.shape(content):
        return "son contenu n'a pas la forme d'un conseil"
    return None


_PART_FLAW = f"sa partie personnelle (« {KEY} ») n'a pas la forme que tamis écrit"
_NONE: dict = {}


def personal_fields(part: object) -> dict | None:
    """The fields ``personal.merged`` puts over a decision's content whose shapes
    ``decision_flaw`` reads (facts and trace details put back keep their shapes), from a
    parsed personal part (None: there is none); None for a part of neither shape."""
    if part is None:
        return _NONE
    if is_tombstone(part):
        return {"effacement": part["effacement"]}  # type: ignore[index]
    data = part.get("donnees") if isinstance(part, dict) else None
    if not isinstance(data, dict):
        return None
    return {key: data[key] for key in PERSONAL if key in data}


_TEXTS = ("decision", "id", "resolution", "regle")
_MAPPINGS = ("faits", "faits_derives", "parametres")


def decision_shape(content: dict) -> bool:
    """The keys and types of a decision's content that queries, ``pourquoi`` and ``rejouer``
    read without further checks (``record.DecisionContent`` is the whole schema)."""
    return decision_flaw(content) is None


def decision_flaw(content: dict, extra: dict = _NONE) -> str | None:
    """``decision_shape``'s first unmet requirement, in French; None if all are met.
    ``extra``: the personal fields that stand over ``content`` (``personal_fields``)."""
    get = content.get
    for key in _TEXTS:
        if not isinstance(get(key), str):
            return f"son champ « {key} » n'est pas un texte"
    erased = "effacement" in extra or "effacement" in content  # its explanation quoted people
    if not erased and not isinstance(extra.get("explication", get("explication")), str):
        return "son champ « explication » n'est pas un texte"
    if not isinstance(get("politique"), dict):
        return "son champ « politique » n'est pas un objet"
    for key in _MAPPINGS:
        if not isinstance(get(key, _NONE), dict):
            return f"son champ « {key} » n'est pas un objet"
    if not isinstance(extra.get("preuves", get("preuves", _NONE)), dict):
        return "son champ « preuves » n'est pas un objet"
    invitation = extra.get("invitation", get("invitation", _NONE))
    if not isinstance(invitation, dict):
        return "son champ « invitation » n'est pas un objet"
    if not isinstance(invitation.get("expediteur", _NONE), dict | None):
        return "son champ « invitation.expediteur » n'est pas un objet"
    for key in ("declenchees", "inconnues"):
        if not _rules(get(key)):
            return f"son champ « {key} » n'est pas une liste de règles"
    if not _trace(get("trace", [])):
        return "son champ « trace » n'est pas une liste d'objets dont la « condition » est un objet"
    return None


def _trace(entries: object) -> bool:
    """A trace as ``record`` writes it: rules, each with its condition's node."""
    if not isinstance(entries, list):
        return False
    for entry in entries:  # a loop, not ``all``: every line of a journal is checked
        if not isinstance(entry, dict) or not isinstance(entry.get("condition"), dict):
            return False
    return True


def _rules(entries: object) -> bool:
    """A list of rule entries as ``record.rule_entry`` writes them."""
    if not isinstance(entries, list):
        return False
    for entry in entries:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("regle"), str)
            and isinstance(entry.get("ligne"), int)
            and isinstance(entry.get("decision"), str)
        ):
            return False
    return True
