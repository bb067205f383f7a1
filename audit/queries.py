"""Selecting decision records: the filters of ``chercher``, ``stats`` and ``exporter``.

Sits on the reader (lines -> **selected records** -> tables, CSV, counts). A ``Filter`` is
parsed from the command's options (``parse_filter``: bad values raise ``FilterError`` with a
French message). ``select`` streams the journal: each line's envelope is read from its bytes
(``layout``), the date bounds are checked on ``horodatage`` and each filter's exact JSON bytes
must occur in the line before it is parsed; only then is the record tested in full. Memory
stays flat, and most lines of a large journal are never parsed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import PurePath
from typing import Any

import orjson

from tamis.audit import layout
from tamis.audit.errors import warn_on_stderr
from tamis.audit.reader import PathLike, Warn, iter_lines, parse_line

DECISIONS = ("accepter", "refuser", "ignorer", "signaler", "examiner")
_TRUTH = {"vrai": True, "faux": False, "inconnu": None}


class FilterError(ValueError):
    """A filter value that cannot be used; ``str`` is French and names the option."""


@dataclass(frozen=True)
class FactTest:
    name: str
    expected: str | None = None  # None: the fact must be vrai

    def matches(self, facts: dict[str, Any]) -> bool:
        if self.name not in facts:
            return False
        return value_matches(facts[self.name], "vrai" if self.expected is None else self.expected)


@dataclass(frozen=True)
class Filter:
    decisions: frozenset[str] = frozenset()
    rules: frozenset[str] = frozenset()
    facts: tuple[FactTest, ...] = ()
    sender: str | None = None
    since: str | None = None  # horodatage >= since
    until: str | None = None  # horodatage < until
    policy: str | None = None
    invitation: str | None = None
    needles: tuple[bytes, ...] = field(default=(), compare=False)

    def in_period(self, horodatage: str) -> bool:
        return (self.since is None or horodatage >= self.since) and (
            self.until is None or horodatage < self.until
        )

    def matches(self, record: dict) -> bool:
        """The full test on a parsed ``decision`` record."""
        content = record["contenu"]
        facts = {**content.get("faits", {}), **content.get("faits_derives", {})}
        return (
            record.get("evenement") == "decision"
            and self.in_period(record.get("horodatage", ""))
            and (not self.decisions or content.get("decision") in self.decisions)
            and (not self.rules or content.get("regle") in self.rules)
            and (self.invitation is None or content.get("id") == self.invitation)
            and all(test.matches(facts) for test in self.facts)
            and (self.sender is None or sender_matches(content, self.sender))
            and (self.policy is None or policy_matches(content.get("politique") or {}, self.policy))
        )


def value_matches(value: Any, expected: str) -> bool:
    """``--fait NOM=VALEUR``: vrai/faux/inconnu, a number, a text, or a member of a list."""
    word = expected.strip().casefold()
    if word in _TRUTH:
        return value is _TRUTH[word] if isinstance(value, bool) or value is None else False
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = _number(expected)
        return number is not None and value == number
    if isinstance(value, list):
        return any(str(item).casefold() == word for item in value)
    return isinstance(value, str) and value.casefold() == word


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def sender_matches(content: dict, query: str) -> bool:
    sender = (content.get("invitation") or {}).get("expediteur") or {}
    wanted = query.casefold()
    return any(
        isinstance(sender.get(key), str) and wanted in sender[key].casefold()
        for key in ("nom", "profil_url")
    )


def policy_matches(policy: dict, query: str) -> bool:
    """By name, by path (or file name), or by a prefix of at least 6 of the sha256's digits."""
    path = policy.get("chemin") or ""
    sha = policy.get("sha256") or ""
    return query in (policy.get("nom"), path, PurePath(path).name) or (
        len(query) >= 6 and sha.startswith(query.lower())
    )


def parse_filter(
    *,
    decisions: Iterable[str] = (),
    rules: Iterable[str] = (),
    facts: Iterable[str] = (),
    sender: str | None = None,
    since: str | None = None,
    until: str | None = None,
    policy: str | None = None,
    invitation: str | None = None,
) -> Filter:
    """A ``Filter`` from the commands' option values; raises ``FilterError`` (French)."""
    chosen = frozenset(_decision(d) for d in decisions)
    tests = tuple(_fact(f) for f in facts)
    low = _bound(since, "--depuis", end=False) if since else None
    high = _bound(until, "--jusqu-a", end=True) if until else None
    flt = Filter(chosen, frozenset(rules), tests, sender, low, high, policy, invitation)
    return Filter(**{**flt.__dict__, "needles": _needles(flt)})


def _decision(text: str) -> str:
    word = text.strip().lower()
    if word not in DECISIONS:
        raise FilterError(
            f"--decision : décision inconnue « {text} » ; choisissez parmi {', '.join(DECISIONS)}."
        )
    return word


def _fact(text: str) -> FactTest:
    name, sep, value = text.partition("=")
    if not name.strip():
        raise FilterError(f"--fait : « {text} » n'est pas de la forme NOM ou NOM=VALEUR.")
    return FactTest(name.strip(), value.strip() if sep else None)


def _bound(text: str, option: str, *, end: bool) -> str:
    """An ISO string bound on ``horodatage`` (UTC): a day, or a date and time."""
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip()) + timedelta(days=1 if end else 0)
            return day.isoformat()
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise FilterError(
            f"{option} : date illisible « {text} » ; écrivez AAAA-MM-JJ ou AAAA-MM-JJTHH:MM "
            "(heure UTC)."
        ) from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    moment += timedelta(microseconds=1 if end else 0)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _needles(flt: Filter) -> tuple[bytes, ...]:
    """Bytes every matching canonical line must contain.

    A ``decision`` content's keys sort as ``… decision, declenchees … id, inconnues … regle,
    resolution …``, so the top-level value is followed by that next key: nested rule
    entries (``declenchees``, ``inconnues``, ``trace``) never match by accident.
    """
    needles = []
    if len(flt.decisions) == 1:
        needles.append(
            b'"decision":' + orjson.dumps(next(iter(flt.decisions))) + b',"declenchees":'
        )
    if len(flt.rules) == 1:
        needles.append(b'"regle":' + orjson.dumps(next(iter(flt.rules))) + b',"resolution":')
    if flt.invitation is not None:
        needles.append(b'"id":' + orjson.dumps(flt.invitation) + b',"inconnues":')
    needles.extend(orjson.dumps(test.name) + b":" for test in flt.facts)
    return tuple(needles)


def select(path: PathLike, flt: Filter, warn: Warn = warn_on_stderr) -> Iterator[dict]:
    """The ``decision`` records that pass ``flt``, in journal order, streamed."""
    for number, line in iter_lines(path, warn):
        tail = layout.read_tail(line)
        if tail is not None and not _may_match(tail, line, flt):
            continue
        record = parse_line(path, number, line)
        if flt.matches(record):
            yield record


def _may_match(tail: layout.Tail, line: bytes, flt: Filter) -> bool:
    return (
        tail.evenement == "decision"
        and flt.in_period(tail.horodatage)
        and all(needle in line for needle in flt.needles)
    )


def summary(record: dict) -> dict[str, Any]:
    """The row ``chercher`` shows for one decision record."""
    content = record["contenu"]
    sender = (content.get("invitation") or {}).get("expediteur") or {}
    return {
        "seq": record["seq"],
        "horodatage": record["horodatage"],
        "id": content.get("id"),
        "expediteur": sender.get("nom") or sender.get("profil_url"),
        "decision": content.get("decision"),
        "regle": content.get("regle"),
        "motif": content.get("motif"),
        "politique": (content.get("politique") or {}).get("nom"),
    }


SUMMARY_COLUMNS = (
    *("seq", "horodatage", "id", "expediteur"),
    *("decision", "regle", "motif", "politique"),
)

EXPORT_COLUMNS = (
    *SUMMARY_COLUMNS[:4],
    "expediteur_profil_url",
    "decision",
    "regle",
    "ligne",
    "motif",
    "resolution",
    "declenchees",
    "inconnues",
    "faits",
    "faits_derives",
    "explication",
    "politique",
    "politique_chemin",
    "politique_sha256",
    "parametres",
    "contexte_sha256",
    "moteur",
    "duree_ms",
    "version_tamis",
    "empreinte",
)


def export_row(record: dict) -> dict[str, Any]:
    """A flat row for a spreadsheet (lists and mappings as ``nom=valeur`` text)."""
    content = record["contenu"]
    policy = content.get("politique") or {}
    sender = (content.get("invitation") or {}).get("expediteur") or {}
    return {
        **summary(record),
        **{key: content.get(key) for key in ("ligne", "resolution", "explication", "moteur")},
        **{key: content.get(key) for key in ("contexte_sha256", "duree_ms", "version_tamis")},
        "expediteur_profil_url": sender.get("profil_url"),
        "declenchees": " ; ".join(r["regle"] for r in content.get("declenchees", [])),
        "inconnues": " ; ".join(r["regle"] for r in content.get("inconnues", [])),
        "faits": pairs(content.get("faits", {})),
        "faits_derives": pairs(content.get("faits_derives", {})),
        "parametres": pairs(content.get("parametres", {})),
        "politique_chemin": policy.get("chemin"),
        "politique_sha256": policy.get("sha256"),
        "empreinte": record["empreinte"],
    }


def pairs(values: dict[str, Any]) -> str:
    return " ; ".join(f"{name}={word(value)}" for name, value in values.items())


def word(value: Any) -> str:
    """A value as users read it: vrai, faux, inconnu, a number, a text, a list."""
    if value is None or isinstance(value, bool):
        return {True: "vrai", False: "faux", None: "inconnu"}[value]
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)
