"""Selecting decision records: the filters of ``chercher``, ``stats`` and ``exporter``.

Sits on the reader (lines -> **selected records** -> rows, CSV, counts). A ``Filter``
(``filters``: parsed from the command's options, bad values raise ``FilterError`` carrying
which filter and which value) selects them. ``select`` streams the journal: each filter's
exact JSON bytes must occur in the line (``layout.member``), then its envelope is peeked from
its bytes (``layout.peek``: event, date bounds on ``horodatage``), before it is parsed; only
then is the record tested in full (``Filter.matches``). Memory stays
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
from dataclasses import replace
from datetime import tzinfo
from functools import partial
from typing import Any, NamedTuple, TypeVar

import orjson

from tamis.audit import blocks, layout
from tamis.audit import index as query_index
from tamis.audit.chain import parse_record
from tamis.audit.errors import Altered, DamagedLine, warn_on_stderr
from tamis.audit.filters import (
    DECISIONS,
    Filter,
    FilterError,
    Json,
    parse_filter,
    value_matches,
)
from tamis.audit.reader import PathLike, Warn, check_first_line, open_journal_file
from tamis.audit.rows import (
    EXPORT_COLUMNS,
    SUMMARY_COLUMNS,
    export_row,
    pairs,
    summary,
    summary_row,
)
from tamis.audit.stats import Stats, compute_stats
from tamis.audit.torn import torn_message
from tamis.audit.verify import sealed

T = TypeVar("T")
__all__ = [  # the filter's names stay importable from here, where queries are asked
    "DECISIONS",
    "EXPORT_COLUMNS",
    "SUMMARY_COLUMNS",
    "Filter",
    "FilterError",
    "current_index",
    "export_row",
    "journal_stats",
    "pairs",
    "parse_filter",
    "search",
    "select",
    "select_numbered",
    "summary",
    "summary_row",
    "value_matches",
]


def _needles(flt: Filter) -> tuple[bytes, ...]:
    """Bytes every matching canonical line must contain, the most selective first.

    A ``decision`` content's keys sort as ``… decision, declenchees … id, inconnues … regle,
    resolution …``, so the top-level value is followed by that next key: nested rule
    entries (``declenchees``, ``inconnues``, ``trace``) never match by accident.
    """
    needles = []
    if flt.invitation is not None:
        needles.append(layout.member(b"id", flt.invitation, b"inconnues"))
    elif flt.invitation_prefix:
        needles.append(layout.text_start(b"id", flt.invitation_prefix))
    if len(flt.rules) == 1:
        needles.append(layout.member(b"regle", next(iter(flt.rules)), b"resolution"))
    needles.extend(layout.key(test.name) for test in flt.facts)
    if len(flt.decisions) == 1:
        needles.append(layout.member(b"decision", next(iter(flt.decisions)), b"declenchees"))
    return tuple(needles)


def select(
    path: PathLike, flt: Filter, warn: Warn = warn_on_stderr, *, index: bool = True, **pool: int
) -> Iterator[dict]:
    """The ``decision`` records that pass ``flt``, in journal order, streamed: read back
    from the journal at the offsets the query index gives if it can answer (``index``;
    ``pool`` tunes its catch-up), else by a scan in one process."""
    for _line, record in select_numbered(path, flt, warn, index=index, **pool):
        yield record


def select_numbered(
    path: PathLike, flt: Filter, warn: Warn = warn_on_stderr, *, index: bool = True, **pool: int
) -> Iterator[tuple[int, dict]]:
    """``select``, each record with its line number (1-based) in the journal. Each line's
    digest is checked as it is read back: a record edited after it was written is shown as
    the journal now holds it, and ``warn`` is told (``Altered``), by the index and the scan
    alike."""
    altered = partial(_altered, path, warn)
    scan = partial(_scan_numbered, path, flt, warn, altered)
    found = current_index(path, index, pool, warn)
    if found is None:
        yield from scan()
    else:
        yield from _indexed(found, partial(found.records, flt, altered), scan, warn)


def _altered(path: PathLike, warn: Warn, line: int, seq: object) -> None:
    warn(Altered(path, line, seq))


def _scan_numbered(
    path: PathLike, flt: Filter, warn: Warn, altered: Callable[[int, object], None]
) -> Iterator[tuple[int, dict]]:
    check_first_line(path)
    found: list = []
    with open_journal_file(path) as stream:
        size = os.fstat(stream.fileno()).st_size
    yield from _numbered(path, blocks.Range(0, size, True), flt, found, altered)
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


def _may_match(data: bytes, start: int, end: int, flt: Filter, needles: tuple[bytes, ...]) -> bool:
    """The byte pre-filter on one line: the other needles, then the envelope's event and time
    as ``layout.peek`` reads them; a line not laid out as written is left to the parser."""
    for needle in needles[1:]:
        if data.find(needle, start, end) < 0:
            return False
    seen = layout.peek(data, start, end)
    if seen is None:
        return True
    event, moment = seen
    if event != b"decision":
        return False
    return moment is None or flt.in_period(moment.decode("ascii", "replace"))


def search(
    path: PathLike,
    flt: Filter,
    warn: Warn = warn_on_stderr,
    *,
    index: bool = True,
    **pool: int,
) -> Iterator[dict[str, Json]]:
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
    local: bool = False,
    zone: tzinfo | None = None,
    index: bool = True,
    **pool: int,
) -> Stats:
    """``stats.compute_stats`` of the selected records, each invitation counted once (its
    latest decision, ``Filter.latest``): from GROUP BY queries on the query index if it can
    answer, else from two scans (the latest line of each id, then the counts)."""
    flt = replace(flt, latest=True)
    found = current_index(path, index, pool, warn)
    if found is not None:
        with found:
            try:
                counted = found.stats(flt, per, local=local, zone=zone)
            except query_index.Failed:
                pass
            else:
                found.report(warn)
                return counted
    return compute_stats(_latest_scan(path, flt, warn), per, local=local, zone=zone)


def _silent(_message: str) -> None:
    pass


def _latest_scan(path: PathLike, flt: Filter, warn: Warn) -> Iterator[dict]:
    """The records ``flt`` selects that are their invitation's latest decision, by two
    scans: the line of each id's latest decision (memory: one entry per invitation), then
    the selected records on those lines."""
    latest = {
        record["contenu"].get("id"): line
        for line, record in select_numbered(path, Filter(), _silent, index=False)
    }  # its warnings (a torn last line…) are the second scan's to give
    chosen = select_numbered(path, replace(flt, latest=False), warn, index=False)
    return (record for line, record in chosen if latest.get(record["contenu"].get("id")) == line)


def current_index(path: PathLike, wanted: bool, pool: dict, warn: Warn) -> query_index.Index | None:
    """The journal's query index, up to date, if ``wanted`` and usable (the journal is
    checked first: a missing or foreign file is the scan's error, and gets no index);
    ``warn`` is told before a long catch-up."""
    if not wanted:
        return None
    check_first_line(path)
    return query_index.current(path, pool, warn)


def _collect(
    path: PathLike,
    job: Callable[[PathLike, blocks.Range], _Found],
    warn: Warn,
    pool: dict[str, int],
    unpack: Callable[[Any], Iterable[T]],
) -> Iterator[T]:
    """Run ``job`` over the ranges; yield what each found, raise or warn as one pass would."""
    check_first_line(path)
    lines = 0
    for found in blocks.map_ranges(path, job, **pool):
        yield from unpack(found.value)
        lines = _report(path, found, lines, warn)


def _report(path: PathLike, found: _Found, lines: int, warn: Warn) -> int:
    """Raise for an unreadable line, warn of a torn one; the lines counted so far."""
    if found.bad is not None:
        raise DamagedLine(path, lines + found.bad + 1)
    if found.torn:
        warn(torn_message(path, lines + found.lines + 1, found.torn, None))
    return lines + found.lines


class _Found(NamedTuple):
    value: bytes | Stats  # what the job made of the range: rows as JSON, or counts
    lines: int  # complete lines in the range
    bad: int | None  # index (in the range) of a line that is not a record
    torn: int  # bytes of a torn last line


def _records(path: PathLike, part: blocks.Range, flt: Filter, found: list) -> Iterator[dict]:
    """The selected records of one range; ``found`` receives (lines, bad, torn) at the end."""
    for _line, record in _numbered(path, part, flt, found):
        yield record


def _numbered(
    path: PathLike,
    part: blocks.Range,
    flt: Filter,
    found: list,
    altered: Callable[[int, object], None] | None = None,
) -> Iterator[tuple[int, dict]]:
    """``(line in the range, 1-based; record)`` of the selected records of one range; with
    ``altered``, each one's digest is checked and ``altered(line, seq)`` told of a mismatch."""
    needles = _needles(flt)
    lines, torn, needle = 0, 0, needles[0] if needles else None
    with open(path, "rb") as stream:
        for data, stop in blocks.raw_blocks(stream.fileno(), part.start, part.end):
            if not stop:
                torn = len(data) if part.last else 0
                break
            view, counted, before = memoryview(data), 0, lines
            for start, end in _candidates(data, stop, needle):
                if not _may_match(data, start, end, flt, needles):
                    continue
                before, counted = before + data.count(b"\n", counted, start), start
                record = parse_record(view[start:end])
                if record is None:
                    found.append((lines, before, 0))
                    return
                if flt.matches(record):
                    if altered is not None and not sealed(bytes(view[start:end])):
                        altered(before + 1, record["seq"])
                    yield before + 1, record
            lines += data.count(b"\n", 0, stop)
    found.append((lines, None, torn))


def _search_range(path: PathLike, part: blocks.Range, flt: Filter) -> _Found:
    found: list = []
    rows = [summary(record) for record in _records(path, part, flt, found)]
    return _Found(orjson.dumps(rows), *found[0])
