"""Selecting decision records: the filters of ``chercher``, ``stats`` and ``exporter``.

Sits on the reader (lines -> **selected records** -> tables, CSV, counts). A ``Filter`` is
parsed from the command's options (``parse_filter``: bad values raise ``FilterError`` with a
French message). ``select`` streams the journal: each filter's exact JSON bytes must occur in
the line, then its envelope is read from its bytes (``layout``: event, date bounds on
``horodatage``), before it is parsed; only then is the record tested in full. Memory stays
flat, and lines a filter rules out are never parsed. ``search`` (the rows of ``chercher``) and
``journal_stats`` do the same in ranges on every core (``blocks.map_ranges``), in file order.
All three first ask the journal's query index (``index``: SQLite, kept current by these
readers), ``select`` reading back only the lines it names, and scan only when it cannot be
used (``index=False`` never uses it).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import PurePath
from typing import Any, NamedTuple, TypeVar

import orjson

from tamis.audit import blocks
from tamis.audit import index as query_index
from tamis.audit.chain import parse_record
from tamis.audit.errors import JournalError, warn_on_stderr
from tamis.audit.reader import PathLike, Warn, check_first_line, open_journal_file
from tamis.audit.stats import Stats, compute_stats, word
from tamis.audit.torn import torn_message

DECISIONS = ("accepter", "refuser", "ignorer", "signaler", "examiner")
_TRUTH = {"vrai": True, "faux": False, "inconnu": None}
T = TypeVar("T")


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
        return (
            record.get("evenement") == "decision"
            and self.in_period(record.get("horodatage", ""))
            and (not self.decisions or content.get("decision") in self.decisions)
            and (not self.rules or content.get("regle") in self.rules)
            and (self.invitation is None or content.get("id") == self.invitation)
            and (not self.facts or self._facts_match(content))
            and (self.sender is None or sender_matches(content, self.sender))
            and self.policy_ok(content.get("politique") or {})
        )

    def _facts_match(self, content: dict) -> bool:
        return self.facts_ok({**content.get("faits", {}), **content.get("faits_derives", {})})

    def facts_ok(self, facts: dict[str, Any]) -> bool:
        """The ``--fait`` tests on a decision's facts and derived facts, merged."""
        return all(test.matches(facts) for test in self.facts)

    def policy_ok(self, policy: dict) -> bool:
        """The ``--politique`` test on a decision's recorded policy (``{}`` if none)."""
        return self.policy is None or policy_matches(policy, self.policy)


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
    tests = tuple(_fact(_text(f, "--fait")) for f in facts)
    low = _bound(since, "--depuis", end=False) if since else None
    high = _bound(until, "--jusqu-a", end=True) if until else None
    rules = frozenset(_text(rule, "--regle") for rule in rules)
    sender, policy = _text(sender, "--expediteur"), _text(policy, "--politique")
    flt = Filter(chosen, rules, tests, sender, low, high, policy, _text(invitation, "ID"))
    return Filter(**{**flt.__dict__, "needles": _needles(flt)})


def _text(value: Any, option: str) -> Any:
    """``value`` unless it holds bytes that are not UTF-8 text (a terminal in another
    encoding: the shell hands them over as lone surrogates), which no record can contain."""
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise FilterError(
                f"{option} : « {shown} » n'est pas du texte UTF-8 ; vérifiez l'encodage de "
                "votre terminal (LANG, LC_ALL)."
            ) from None
    return value


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
    """Bytes every matching canonical line must contain, the most selective first.

    A ``decision`` content's keys sort as ``… decision, declenchees … id, inconnues … regle,
    resolution …``, so the top-level value is followed by that next key: nested rule
    entries (``declenchees``, ``inconnues``, ``trace``) never match by accident.
    """
    needles = []
    if flt.invitation is not None:
        needles.append(b'"id":' + orjson.dumps(flt.invitation) + b',"inconnues":')
    if len(flt.rules) == 1:
        needles.append(b'"regle":' + orjson.dumps(next(iter(flt.rules))) + b',"resolution":')
    needles.extend(orjson.dumps(test.name) + b":" for test in flt.facts)
    if len(flt.decisions) == 1:
        needles.append(
            b'"decision":' + orjson.dumps(next(iter(flt.decisions))) + b',"declenchees":'
        )
    return tuple(needles)


def select(
    path: PathLike, flt: Filter, warn: Warn = warn_on_stderr, *, index: bool = True, **pool: Any
) -> Iterator[dict]:
    """The ``decision`` records that pass ``flt``, in journal order, streamed: read back
    from the journal at the offsets the query index gives if it can answer (``index``;
    ``pool`` tunes its catch-up), else by a scan in one process."""
    for _line, record in select_numbered(path, flt, warn, index=index, **pool):
        yield record


def select_numbered(
    path: PathLike, flt: Filter, warn: Warn = warn_on_stderr, *, index: bool = True, **pool: Any
) -> Iterator[tuple[int, dict]]:
    """``select``, each record with its line number (1-based) in the journal."""
    scan = partial(_scan_numbered, path, flt, warn)
    found = current_index(path, index, pool, warn)
    yield from scan() if found is None else _indexed(found, partial(found.records, flt), scan, warn)


def _scan_numbered(path: PathLike, flt: Filter, warn: Warn) -> Iterator[tuple[int, dict]]:
    check_first_line(path)
    found: list = []
    with open_journal_file(path) as stream:
        size = os.fstat(stream.fileno()).st_size
    yield from _numbered(path, blocks.Range(0, size, True), flt, found)
    _report(path, _Found(None, *found[0]), 0, warn)


def _candidates(data: bytes, stop: int, needle: bytes | None) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line of ``data[:stop]`` that holds ``needle`` (every line if
    None): one ``find`` over the whole block jumps from one candidate to the next."""
    find, pos = data.find, 0
    while pos < stop:
        if needle is not None:
            hit = find(needle, pos, stop)
            if hit < 0:
                return
            pos = data.rfind(b"\n", 0, hit) + 1
        end = find(b"\n", pos, stop)
        yield pos, end
        pos = end + 1


def _may_match(data: bytes, start: int, end: int, flt: Filter) -> bool:
    """The byte pre-filter on one line: the other needles, then the envelope's event and time
    read from the tail's fixed layout; a line not laid out as written is left to the parser."""
    for needle in flt.needles[1:]:
        if data.find(needle, start, end) < 0:
            return False
    tail = data.rfind(b',"empreinte":"', start, end)
    if tail < 0 or not data.startswith(b'","evenement":"', tail + 78):
        return True
    event_end = data.find(b'"', tail + 93, end)
    if data[tail + 93 : event_end] != b"decision":
        return False
    if not data.startswith(b'","horodatage":"', event_end):
        return True
    moment = data[event_end + 16 : data.find(b'"', event_end + 16, end)]
    return flt.in_period(moment.decode("ascii", "replace"))


def search(
    path: PathLike,
    flt: Filter,
    warn: Warn = warn_on_stderr,
    *,
    index: bool = True,
    **pool: Any,
) -> Iterator[dict[str, Any]]:
    """``summary`` rows of the records ``select`` gives, in journal order: from the query
    index if it can answer (``index``), else computed on every core for a large journal
    (``blocks.map_ranges``; ``pool`` tunes it, for the index's catch-up too)."""
    scan = partial(_collect, path, partial(_search_range, flt=flt), warn, pool, orjson.loads)
    found = current_index(path, index, pool, warn)
    yield from scan() if found is None else _indexed(found, partial(found.rows, flt), scan, warn)


def _indexed(
    found: query_index.Index,
    answer: Callable[[], Iterator[T]],
    scan: Callable[[], Iterator[T]],
    warn: Warn,
) -> Iterator[T]:
    """What ``answer`` gives from the open index (closed at the end), then its warning; if
    it fails midway, the rest from ``scan``, which gives the same items in the same order."""
    given = 0
    with found:
        try:
            for item in answer():
                yield item
                given += 1
        except query_index.Failed:  # skip the items already given
            yield from itertools.islice(scan(), given, None)
            return
        found.report(warn)


def journal_stats(
    path: PathLike,
    flt: Filter,
    per: str = "jour",
    warn: Warn = warn_on_stderr,
    *,
    index: bool = True,
    **pool: Any,
) -> Stats:
    """``stats.compute_stats`` of the selected records: from GROUP BY queries on the query
    index if it can answer, else counted on every core and merged."""
    found = current_index(path, index, pool, warn)
    if found is not None:
        with found:
            try:
                counted = found.stats(flt, per)
            except query_index.Failed:
                pass
            else:
                found.report(warn)
                return counted
    total = Stats()
    for part in _collect(path, partial(_stats_range, flt=flt, per=per), warn, pool, _one):
        total.merge(part)
    return total


def current_index(path: PathLike, wanted: bool, pool: dict, warn: Warn) -> query_index.Index | None:
    """The journal's query index, up to date, if ``wanted`` and usable (the journal is
    checked first: a missing or foreign file is the scan's error, and gets no index);
    ``warn`` is told before a long catch-up."""
    if not wanted:
        return None
    check_first_line(path)
    return query_index.current(path, pool, warn)


def _one(value: Any) -> list[Any]:
    return [value]


def _collect(path: PathLike, job: Any, warn: Warn, pool: dict, unpack: Any) -> Iterator[Any]:
    """Run ``job`` over the ranges; yield what each found, raise or warn as one pass would."""
    check_first_line(path)
    lines = 0
    for found in blocks.map_ranges(path, job, **pool):
        yield from unpack(found.value)
        lines = _report(path, found, lines, warn)


def _report(path: PathLike, found: _Found, lines: int, warn: Warn) -> int:
    """Raise for an unreadable line, warn of a torn one; the lines counted so far."""
    if found.bad is not None:
        raise JournalError(
            f"{path}:{lines + found.bad + 1} : ligne illisible, le journal est endommagé ; "
            "« tamis journal verifier » localise le problème."
        )
    if found.torn:
        warn(torn_message(path, lines + found.lines + 1, found.torn, None))
    return lines + found.lines


class _Found(NamedTuple):
    value: Any  # what the job made of the range
    lines: int  # complete lines in the range
    bad: int | None  # index (in the range) of a line that is not a record
    torn: int  # bytes of a torn last line


def _records(path: PathLike, part: blocks.Range, flt: Filter, found: list) -> Iterator[dict]:
    """The selected records of one range; ``found`` receives (lines, bad, torn) at the end."""
    for _line, record in _numbered(path, part, flt, found):
        yield record


def _numbered(
    path: PathLike, part: blocks.Range, flt: Filter, found: list
) -> Iterator[tuple[int, dict]]:
    """``(line in the range, 1-based; record)`` of the selected records of one range."""
    lines, torn, needle = 0, 0, flt.needles[0] if flt.needles else None
    with open(path, "rb") as stream:
        for data, stop in blocks.raw_blocks(stream.fileno(), part.start, part.end):
            if not stop:
                torn = len(data) if part.last else 0
                break
            view, counted, before = memoryview(data), 0, lines
            for start, end in _candidates(data, stop, needle):
                if not _may_match(data, start, end, flt):
                    continue
                before, counted = before + data.count(b"\n", counted, start), start
                record = parse_record(view[start:end])
                if record is None:
                    found.append((lines, before, 0))
                    return
                if flt.matches(record):
                    yield before + 1, record
            lines += data.count(b"\n", 0, stop)
    found.append((lines, None, torn))


def _search_range(path: PathLike, part: blocks.Range, flt: Filter) -> _Found:
    found: list = []
    rows = [summary(record) for record in _records(path, part, flt, found)]
    return _Found(orjson.dumps(rows), *found[0])


def _stats_range(path: PathLike, part: blocks.Range, flt: Filter, per: str) -> _Found:
    found: list = []
    counted = compute_stats(_records(path, part, flt, found), per)
    return _Found(counted, *found[0])


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
