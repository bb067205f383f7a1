"""The query index: a SQLite projection of a journal's decision records, kept current by readers.

Sits beside the queries (journal lines -> **index rows** -> the rows of ``chercher`` and the
counts of ``stats``; the records of ``pourquoi``, ``exporter`` and ``rejouer``). Parsing each
kept 3 kB line is what makes a broad scan slow; the index holds, per decision record, exactly
what ``Filter.matches``, ``summary`` and ``compute_stats`` read, so that filtering and counting
run in SQLite's C code and answers are the ones a scan gives (same rows, journal order, same
counts and key order). It also knows where each decision and each ``politique`` record lies
(offset, line number, length): the full records a filter selects, and the policy sources, are
read back from the journal itself (``records``, ``policies``), never from a copy; a line read
back that is not the record expected means the index is stale (``Failed``: the caller scans).

The file is ``<journal>.index.sqlite`` (mode 0600: it holds personal data). The writer never
touches it: before answering, a reader brings it up to date (``current``) by parsing only the
journal bytes after what it covers (``blocks.map_ranges``, on every core), in one transaction
taken with ``BEGIN IMMEDIATE`` (the covered offset is read again inside it, so two readers
never index the same lines twice). What it covers is trusted only while the journal still has
the same first record and, at the covered offset, the same last indexed line (byte for byte);
otherwise (journal replaced, truncated, rewritten) it is rebuilt from nothing. A line that is
not a record stops the catch-up there, and the scan answers (with its own error). The index is
an optimisation only: whatever goes wrong with it (read-only folder, full disk, corrupt file,
SQLite error), ``current`` returns None or a query raises ``Failed``, and the caller scans.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import tzinfo
from functools import partial
from pathlib import Path
from typing import NamedTuple, TypeAlias

import orjson

from tamis.audit import blocks, inputs, layout
from tamis.audit.chain import parse_record, policy_sha
from tamis.audit.filters import Filter, Json, Outcome, Sender, merged_facts
from tamis.audit.reader import PathLike, Warn
from tamis.audit.rows import sent_to, summary_row
from tamis.audit.stats import Stats, day_of, fact_profile, period_of
from tamis.audit.torn import torn_message
from tamis.audit.verify import sealed

SUFFIX = ".index.sqlite"
SCHEMA = "tamis-index-8"
_BATCH = 1000  # rows fetched at a time
_WAIT = 600.0  # seconds to wait for another reader's catch-up before scanning instead
NOTICE_FROM = 128 << 20  # journal bytes to index from which the reader is told (≈ 1 s and more)
_TABLES = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value)",
    "CREATE TABLE decisions (pos INTEGER PRIMARY KEY, seq, moment, invitation, sender,"
    " outcome INTEGER, profile INTEGER, line INTEGER, size INTEGER, outgoing, recipient)",
    "CREATE INDEX decisions_invitation ON decisions (invitation)",
    "CREATE TABLE policies (pos INTEGER PRIMARY KEY, seq, line INTEGER, size INTEGER)",
    "CREATE TABLE details (pos INTEGER PRIMARY KEY, name, url, facts TEXT, setting, inputs)",
    "CREATE TABLE outcomes (num INTEGER PRIMARY KEY, data TEXT UNIQUE)",
    "CREATE TABLE profiles (num INTEGER PRIMARY KEY, data TEXT UNIQUE)",
)
POLICY_MARK = b'"evenement":"politique"'  # in every ``politique`` line as written
_ROW_SQL = (
    "d.seq, d.moment, d.invitation, d.sender, d.outcome, d.outgoing, d.recipient,"
    " typeof(d.moment) = 'blob' OR typeof(d.invitation) = 'blob' OR typeof(d.sender) = 'blob'"
    " OR typeof(d.recipient) = 'blob'"
)


Cell: TypeAlias = "str | int | float | bytes | None"
"""What a column holds: a JSON string or number as itself, any other value as JSON bytes."""


class Failed(Exception):
    """The index could not answer; the caller scans the journal instead."""


def index_path(journal: PathLike) -> Path:
    return Path(os.fspath(journal) + SUFFIX)


# --- cells: what a JSON value becomes in a column ------------------------------------------


def cell(value: Json) -> Cell:
    """Strings and numbers as themselves; anything else (true, a list…) as its JSON in a BLOB,
    which never equals a text in SQL and comes back as the same value (``value``)."""
    if value is None or type(value) in (str, int, float):
        return value
    return bytes(memoryview(orjson.dumps(value)))  # an exact-size copy (see ``_json``)


def value(stored: Cell) -> Json:
    return orjson.loads(stored) if type(stored) is bytes else stored


# --- reading journal lines into rows (a worker's job) ----------------------------------------


class Chunk(NamedTuple):
    """What one range of the journal gave: rows to insert and where the range stopped."""

    rows: list[tuple]  # decisions, with the outcome and the fact profile as JSON texts, then
    # the line number (counted from the chunk's start) and the line's length
    details: list[tuple]  # (pos, casefolded name, casefolded URL, merged facts as JSON text,
    # the ``inputs`` setting and digest: None once the personal data is erased)
    policies: list[tuple]  # ``politique`` records: (pos, seq, line in the chunk, length)
    end: int  # offset just past the last line indexed
    lines: int  # complete lines indexed
    last: tuple[int, str] | None  # (offset, SHA-256 of the bytes) of the last line indexed
    bad: bool  # stopped at a line that is not a record (at ``end``)
    torn: int  # bytes after the last ``\\n`` (last range only)


def index_range(path: PathLike, part: blocks.Range, covered: int = 0) -> Chunk:
    """The rows of the lines of ``part`` that start at or after ``covered``."""
    start = max(part.start, covered)
    reader = _RangeReader(start)
    if part.end > start:
        with open(path, "rb") as stream:
            for data, stop in blocks.raw_blocks(stream.fileno(), start, part.end):
                if not stop:
                    return reader.chunk(torn=len(data) if part.last else 0)
                if not reader.read(data, stop):
                    return reader.chunk(bad=True)
    return reader.chunk()


class _RangeReader:
    def __init__(self, offset: int) -> None:
        self.offset, self.rows, self.details, self.policies = offset, [], [], []
        self.lines, self.last = 0, None

    def read(self, data: bytes, stop: int) -> bool:
        """Index the lines of ``data[:stop]``; False at a line that is not a record."""
        view, pos, last = memoryview(data), 0, None
        while pos < stop:
            end = data.find(b"\n", pos, stop)
            record = parse_record(view[pos:end])
            if record is None:
                break
            self.lines += 1
            where = (self.offset + pos, self.lines, end - pos)
            if record["evenement"] == "decision":
                self.add(where, record)
            elif is_policy(data, pos, end, record):
                self.policies.append((where[0], record["seq"], *where[1:]))
            last, pos = (pos, end), end + 1
        if last is not None:
            digest = hashlib.sha256(view[last[0] : last[1]]).hexdigest()
            self.last = (self.offset + last[0], digest)
        self.offset += pos
        return pos >= stop

    def add(self, where: tuple[int, int, int], record: dict) -> None:
        """One decision row; ``where``: its offset, line in the chunk and length. The
        columns hold what ``summary_row`` and the ``Filter`` tests read, nothing else."""
        pos, content = where[0], record["contenu"]
        sender, facts = Sender.of(content), merged_facts(content)
        person = Sender.person(content)  # whom ``--expediteur`` names
        recipient = Sender.request(content)  # None: not a request to send
        self.rows.append(
            (
                *(pos, record["seq"], cell(record.get("horodatage", ""))),
                cell(content.get("id")),
                cell(sender.shown),
                _json(list(Outcome.of(content))),
                _json(fact_profile(content)),
                *where[1:],
                *((None, None) if recipient is None else (1, cell(recipient.shown))),
            )
        )
        setting, digest = inputs.setting_of(content), inputs.of_content(content)
        self.details.append(
            (pos, _text(person.name), _text(person.url), _json(facts), setting, digest)
        )

    def chunk(self, *, bad: bool = False, torn: int = 0) -> Chunk:
        return Chunk(
            self.rows, self.details, self.policies, self.offset, self.lines, self.last, bad, torn
        )


def is_policy(data: bytes, start: int, end: int, record: dict) -> bool:
    """True for a ``politique`` record on ``data[start:end]`` that ``why.policy_sources``
    keeps when it scans (it looks for ``POLICY_MARK`` before parsing a line)."""
    return record["evenement"] == "politique" and data.find(POLICY_MARK, start, end) >= 0


def _text(value: Json) -> str | None:
    """A sender's name or URL as the ``expediteur`` test reads it: text, or nothing."""
    return value if isinstance(value, str) else None


def _json(data: Json) -> str:
    """JSON as text (``orjson.dumps`` returns bytes of 4 kB capacity whatever their length:
    kept by the thousand, they would take a hundred times the memory they need)."""
    return orjson.dumps(data).decode()


# --- the file, its freshness, and the catch-up ------------------------------------------------


class Meta(NamedTuple):
    identity: str | None  # empreinte of the journal's first record
    offset: int  # bytes covered (a line boundary)
    lines: int  # complete lines covered
    last_start: int  # offset of the last line covered
    last_digest: str | None  # SHA-256 of that line's bytes


EMPTY = Meta(None, 0, 0, 0, None)


def current(path: PathLike, pool: dict, notice: Warn | None = None) -> Index | None:
    """The journal's index, brought up to date; None when it cannot be used (scan instead).

    ``notice`` is told, in French, before a long catch-up (``NOTICE_FROM`` bytes or more:
    the first query on a large journal builds the whole index)."""
    try:
        return _current(path, pool, notice)
    except Exception:  # the index is an optimisation: whatever fails, the scan answers
        return None


def _current(path: PathLike, pool: dict, notice: Warn | None) -> Index:
    where = index_path(path)
    connection = _connect(where)
    try:
        with open(path, "rb") as stream:
            meta, size = _meta(connection), os.fstat(stream.fileno()).st_size
            torn = 0
            if meta is None or meta.offset != size or not covers(stream.fileno(), meta):
                meta, torn = _catch_up(connection, path, stream.fileno(), pool, notice)
    except BaseException:
        connection.close()
        raise
    return Index(connection, where, path, meta.lines, torn)


def _connect(where: Path) -> sqlite3.Connection:
    """A connection to the index file, created 0600 if missing, replaced if it is not a
    database (or not one of ours)."""
    if not where.exists():
        os.close(os.open(where, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o600))
    connection = sqlite3.connect(where, timeout=_WAIT, isolation_level=None)
    try:
        _meta(connection)
    except sqlite3.OperationalError:
        connection.close()
        raise
    except sqlite3.DatabaseError:  # garbage: "file is not a database", "malformed"
        connection.close()
        where.unlink()
        os.close(os.open(where, os.O_RDONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
        connection = sqlite3.connect(where, timeout=_WAIT, isolation_level=None)
    connection.execute("PRAGMA cache_size = -32000")
    return connection


def discard(where: Path) -> None:
    """Delete an index file found corrupt (the next query builds a new one)."""
    with contextlib.suppress(OSError):
        where.unlink()


def _meta(connection: sqlite3.Connection) -> Meta | None:
    """What the index covers; None if it has no tables yet, or not ours."""
    try:
        found = dict(connection.execute("SELECT key, value FROM meta"))
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return None
        raise
    if found.get("schema") != SCHEMA:
        return None
    return Meta(*(found.get(key) for key in Meta._fields))


def covers(fd: int, meta: Meta | None) -> bool:
    """True if the journal on ``fd`` still holds what ``meta`` says the index covers."""
    if meta is None:
        return False
    if meta.offset == 0:
        return meta.identity is None
    if os.fstat(fd).st_size < meta.offset or identity(fd) != meta.identity:
        return False
    line = os.pread(fd, meta.offset - meta.last_start, meta.last_start)
    return line.endswith(b"\n") and hashlib.sha256(line[:-1]).hexdigest() == meta.last_digest


def identity(fd: int) -> str | None:
    """The ``empreinte`` of the journal's first complete line, if it is a record."""
    first = os.pread(fd, 1 << 16, 0)
    end = first.find(b"\n")
    while end < 0 and len(first) < os.fstat(fd).st_size:
        first += os.pread(fd, 1 << 20, len(first))
        end = first.find(b"\n")
    tail = layout.read_tail(first[:end]) if end >= 0 else None
    if tail is not None:
        return tail.empreinte
    record = parse_record(memoryview(first[:end])) if end >= 0 else None
    return record["empreinte"] if record is not None else None


def _catch_up(
    connection: sqlite3.Connection, path: PathLike, fd: int, pool: dict, notice: Warn | None
) -> tuple[Meta, int]:
    """Index the lines after what is covered (everything, if stale), in one transaction."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        before = _meta(connection)
        meta = before if covers(fd, before) else _reset(connection)
        todo = os.fstat(fd).st_size - meta.offset
        if notice is not None and todo >= NOTICE_FROM:
            notice(CatchUp(path, todo, whole=not meta.offset))
        meta, torn, bad = _insert(connection, _chunks(path, meta.offset, pool), meta)
        if meta.offset and meta.identity is None:
            meta = meta._replace(identity=identity(fd))
        if meta != before:
            _save(connection, meta)
        connection.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):  # a failed COMMIT may have ended it already
            connection.execute("ROLLBACK")
        raise
    if bad:
        raise Failed("a line that is not a record: the scan reports it")
    return meta, torn


class CatchUp(str):
    """The French notice before indexing ``nbytes`` of the journal (``whole``: from the
    start). It names no command option; it carries its data, so that the shell can add how to
    do without the index (``--sans-index`` on the command line)."""

    path: PathLike
    nbytes: int
    whole: bool

    def __new__(cls, path: PathLike, nbytes: int, *, whole: bool) -> CatchUp:
        size = f"{nbytes / 2**20:.0f}"
        if whole:
            text = (
                f"{path} : construction de l'index de recherche ({size} Mo du journal à lire, "
                "une seule fois ; ensuite, seuls les ajouts seront lus)."
            )
        else:
            text = (
                f"{path} : mise à jour de l'index de recherche ({size} Mo ajoutés au journal "
                "à lire)."
            )
        notice = super().__new__(cls, text)
        notice.path, notice.nbytes, notice.whole = path, nbytes, whole
        return notice


def _reset(connection: sqlite3.Connection) -> Meta:
    tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    for (name,) in tables.fetchall():
        connection.execute(f'DROP TABLE "{name}"')
    for statement in _TABLES:
        connection.execute(statement)
    return EMPTY


def _chunks(path: PathLike, covered: int, pool: dict) -> Iterator[Chunk]:
    """The chunks after ``covered``: here for a short tail, else on every core."""
    with open(path, "rb") as stream:
        size = os.fstat(stream.fileno()).st_size
    if size - covered < pool.get("parallel_from", blocks.PARALLEL_FROM):
        yield index_range(path, blocks.Range(covered, size, True))
        return
    yield from blocks.map_ranges(path, partial(index_range, covered=covered), **pool)


def _insert(
    connection: sqlite3.Connection, chunks: Iterator[Chunk], meta: Meta
) -> tuple[Meta, int, bool]:
    keys = _Keys(connection)
    torn = 0
    with contextlib.closing(chunks):  # type: ignore[type-var]
        for chunk in chunks:
            before = meta.lines  # lines ahead of the chunk: its line numbers start after them
            rows = [
                (*row[:5], keys.outcome(row[5]), keys.profile(row[6]), before + row[7], *row[8:])
                for row in chunk.rows
            ]
            connection.executemany("INSERT INTO decisions VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            connection.executemany("INSERT INTO details VALUES (?,?,?,?,?,?)", chunk.details)
            policies = [(pos, seq, before + line, size) for pos, seq, line, size in chunk.policies]
            connection.executemany("INSERT INTO policies VALUES (?,?,?,?)", policies)
            meta = _advanced(meta, chunk)
            torn = chunk.torn
            if chunk.bad:
                return meta, 0, True
    return meta, torn, False


def _advanced(meta: Meta, chunk: Chunk) -> Meta:
    if not chunk.lines:
        return meta
    start, digest = chunk.last  # type: ignore[misc]
    return meta._replace(
        offset=chunk.end, lines=meta.lines + chunk.lines, last_start=start, last_digest=digest
    )


class _Keys:
    """Numbers for the distinct outcomes (decision, rule, motif, policy) and fact profiles
    (the true/false/unknown facts): a few hundred per journal at most."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.known = {
            table: dict((data, num) for num, data in connection.execute(f"SELECT * FROM {table}"))
            for table in ("outcomes", "profiles")
        }

    def outcome(self, data: str) -> int:
        return self._number("outcomes", data)

    def profile(self, data: str) -> int:
        return self._number("profiles", data)

    def _number(self, table: str, data: str) -> int:
        known = self.known[table]
        if data not in known:
            cursor = self.connection.execute(f"INSERT INTO {table} (data) VALUES (?)", (data,))
            known[data] = cursor.lastrowid
        return known[data]


def _save(connection: sqlite3.Connection, meta: Meta) -> None:
    pairs = [("schema", SCHEMA), *zip(Meta._fields, meta, strict=True)]
    connection.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", pairs)


# --- answering -------------------------------------------------------------------------------


class Index:
    """An up-to-date index, open: rows and counts for a ``Filter``."""

    def __init__(
        self, connection: sqlite3.Connection, where: Path, path: PathLike, lines: int, torn: int
    ) -> None:
        self.connection, self.where, self.path = connection, where, path
        self.lines, self.torn = lines, torn

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *_: object) -> None:
        self.connection.close()

    def report(self, warn: Warn) -> None:
        """The scan's warning for a torn last line, if the catch-up saw one."""
        if self.torn:
            warn(torn_message(self.path, self.lines + 1, self.torn, None))

    def rows(self, flt: Filter) -> Iterator[dict[str, Json]]:
        """``summary`` rows of the matching decisions, in journal order; ``Failed`` if the
        index breaks down (rows already given stay valid: the caller skips them)."""
        with self._failing():
            outcomes = self._outcomes()
            where, args = self._where(flt)
            cursor = self.connection.execute(f"SELECT {_ROW_SQL} {where} ORDER BY d.pos", args)
        while True:
            with self._failing():
                batch = cursor.fetchmany(_BATCH)
            if not batch:
                return
            for seq, moment, invitation, sender, outcome, outgoing, recipient, exotic in batch:
                if exotic:
                    moment, invitation, sender = value(moment), value(invitation), value(sender)
                    recipient = value(recipient)
                row = summary_row(seq, moment, invitation, sender, outcomes[outcome])
                yield row if outgoing is None else sent_to(row, recipient)

    def records(
        self, flt: Filter, altered: Callable[[int, object], None] | None = None
    ) -> Iterator[tuple[int, dict]]:
        """``(line number, record)`` of the decisions ``rows(flt)`` gives, in journal order,
        each read back from the journal at its offset. ``Failed`` if the index breaks down, or
        if a line read back is not the record the index expects, or no longer passes ``flt``
        (the journal was rewritten: the index is stale); records already given stay valid.
        With ``altered``, each line's digest is checked, and ``altered(line, seq)`` told of a
        record edited in place (which the index cannot see), as the scan tells it."""
        with self._failing():
            where, args = self._where(flt)
            sql = f"SELECT d.pos, d.seq, d.line, d.size {where} ORDER BY d.pos"
            cursor = self.connection.execute(sql, args)
        with self._journal() as fd:
            while True:
                with self._failing():
                    batch = cursor.fetchmany(_BATCH)
                if not batch:
                    return
                for pos, seq, line, size in batch:
                    data, record = _read_line(fd, (pos, seq, line, size))
                    if not flt.matches(record):
                        raise Failed(f"line {line} no longer passes the filter: stale index")
                    if altered is not None and not sealed(data):
                        altered(line, seq)
                    yield line, record

    def latest(self, ids: Sequence[str]) -> dict[str, inputs.Previous]:
        """The latest decision of each of ``ids`` the index holds (``inputs.Previous``), in
        one query; ``Failed`` if the index breaks down."""
        marks = ", ".join("?" * len(ids))
        with self._failing():
            outcomes = self._outcomes()
            found = self.connection.execute(
                "SELECT d.invitation, d.seq, d.moment, d.outcome, x.setting, x.inputs"
                " FROM decisions d JOIN details x ON x.pos = d.pos WHERE d.pos IN"
                f" (SELECT max(pos) FROM decisions WHERE invitation IN ({marks})"
                " GROUP BY invitation)",
                list(ids),
            ).fetchall()
            return {
                str(value(ident)): inputs.Previous(
                    str(value(ident)),
                    seq,
                    str(value(moment)),
                    str(outcomes[outcome].decision),
                    setting,
                    digest,
                )
                for ident, seq, moment, outcome, setting, digest in found
            }

    def policies(self, altered: Callable[[int, object], None] | None = None) -> dict[str, dict]:
        """sha256 -> the ``politique`` content recorded for it, as ``why.policy_sources``
        gives it (the last record of a sha256 wins), each read back from the journal (and its
        digest checked, with ``altered``, as ``records`` does)."""
        with self._failing(), self._journal() as fd:
            sources: dict[str, dict] = {}
            for where in self.connection.execute("SELECT * FROM policies ORDER BY pos"):
                data, record = _read_line(fd, where)
                if altered is not None and not sealed(data):
                    altered(where[2], where[1])
                sha = policy_sha(record)
                if record["evenement"] != "politique" or sha is None:
                    raise Failed(f"line {where[2]}: no policy there (stale index, or damaged)")
                sources[sha] = record["contenu"]["politique"]
            return sources

    def stats(
        self, flt: Filter, per: str, *, local: bool = False, zone: tzinfo | None = None
    ) -> Stats:
        """``compute_stats`` of the matching decisions, from GROUP BY queries (days in the
        local time zone if ``local``: SQLite's ``localtime`` and ``stats.local_day`` both ask
        the C library; days of ``zone``, which SQLite does not know, grouped by the minute,
        then turned into days here, as ``stats.day_in`` does)."""
        day = "coalesce(date(d.moment, 'localtime'), substr(d.moment, 1, 10))"
        day = day if local else "substr(d.moment, 1, 10)"
        day = "substr(d.moment, 1, 16)" if zone is not None else day
        with self._failing():
            where, args = self._where(flt)
            groups = self.connection.execute(
                f"SELECT d.outcome, {day}, COUNT(*), MIN(d.pos), MAX(d.pos)"
                f" {where} GROUP BY 1, 2 ORDER BY 4",
                args,
            ).fetchall()  # one row per (outcome, day): small
            profiles = self.connection.execute(
                f"SELECT d.profile, COUNT(*) {where} GROUP BY 1 ORDER BY MIN(d.pos)", args
            ).fetchall()
            return self._counted(groups, profiles, per, zone)

    def _counted(self, groups: list, profiles: list, per: str, zone: tzinfo | None) -> Stats:
        """The counts, added in the order the scan meets them (each group in the order of its
        first decision), so that every counter lists its keys as ``compute_stats`` does."""
        stats, outcomes = Stats(), self._outcomes()
        for outcome, day, count, _first, _last in groups:
            decision, rule = outcomes[outcome].decision, outcomes[outcome].rule
            stats.total += count
            stats.by_decision[decision] += count
            stats.by_rule[(rule, decision)] += count
            stats.by_period[period_of(day_of(value(day), zone=zone), per)][decision] += count
        pairs = dict(self.connection.execute("SELECT num, data FROM profiles"))
        for profile, count in profiles:
            for name, truth in orjson.loads(pairs[profile]):
                stats.by_fact[name][truth] += count
        if groups:
            stats.first = self._moment(min(group[3] for group in groups))
            stats.last = self._moment(max(group[4] for group in groups))
        return stats

    def _moment(self, pos: int) -> Json:
        (moment,) = self.connection.execute(
            "SELECT moment FROM decisions WHERE pos = ?", (pos,)
        ).fetchone()
        return value(moment)

    def _outcomes(self) -> dict[int, Outcome]:
        rows = self.connection.execute("SELECT num, data FROM outcomes")
        return {num: Outcome(*orjson.loads(data)) for num, data in rows}

    def _where(self, flt: Filter) -> tuple[str, list[str | int]]:
        """``FROM … WHERE …`` for the filter, and its arguments. The filter's own tests decide
        (``Filter.outcome_ok`` on each distinct outcome, here; ``sender_ok`` and ``facts_ok``
        called from SQL); only its plain data, an invitation id and time bounds, are compared
        in SQL."""
        clauses, args = ["1"], list[str | int]()
        if flt.on_outcome:
            chosen = [num for num, o in self._outcomes().items() if flt.outcome_ok(o)]
            clauses.append(f"d.outcome IN ({', '.join(map(str, chosen))})")
        for clause, bound in (
            ("d.invitation = ?", flt.invitation),
            ("d.moment >= ?", flt.since),
            ("d.moment < ?", flt.until),
        ):
            if bound is not None:
                clauses.append(clause)
                args.append(bound)
        if flt.latest:
            clauses.append("d.pos IN (SELECT max(pos) FROM decisions GROUP BY invitation)")
        if flt.invitation_prefix is not None:  # TEXT only: substr of a BLOB counts bytes
            clauses.append("typeof(d.invitation) = 'text' AND substr(d.invitation, 1, ?) = ?")
            args.extend([len(flt.invitation_prefix), flt.invitation_prefix])
        source = "FROM decisions d"
        if flt.sender is not None or flt.facts:
            source += " JOIN details x ON x.pos = d.pos"
            clauses.extend(self._detail_clauses(flt))
        return f"{source} WHERE {' AND '.join(clauses)}", args

    def _detail_clauses(self, flt: Filter) -> list[str]:
        clauses = []
        if flt.sender is not None:
            self.connection.create_function("tamis_sender", 2, flt.sender_ok, deterministic=True)
            clauses.append("tamis_sender(x.name, x.url)")
        if flt.facts:
            test = partial(_facts_ok, flt)
            self.connection.create_function("tamis_facts", 1, test, deterministic=True)
            clauses.append("tamis_facts(x.facts)")
        return clauses

    @contextlib.contextmanager
    def _journal(self) -> Iterator[int]:
        """The journal, open for ``read_back``."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as error:
            raise Failed(str(error)) from error
        try:
            yield fd
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def _failing(self) -> Iterator[None]:
        """Errors as ``Failed`` (the scan answers, and raises what it raises); a corrupt file
        is deleted, to be built anew by the next query."""
        try:
            yield
        except sqlite3.OperationalError as error:
            raise Failed(str(error)) from error
        except sqlite3.DatabaseError as error:
            discard(self.where)
            raise Failed(str(error)) from error
        except (sqlite3.Error, ValueError, TypeError, KeyError, AttributeError) as error:
            raise Failed(str(error)) from error


def read_back(fd: int, where: tuple[int, int, int, int]) -> dict:
    """The record at ``where`` (offset, seq, line number, length) of the journal open on
    ``fd``; ``Failed`` unless a whole line lies there and holds a record with that seq."""
    return _read_line(fd, where)[1]


def _read_line(fd: int, where: tuple[int, int, int, int]) -> tuple[bytes, dict]:
    """``read_back``, with the line's bytes (without its ``\\n``)."""
    pos, seq, line, size = where
    start = max(pos - 1, 0)
    try:
        data = os.pread(fd, pos - start + size + 1, start)
    except OSError as error:
        raise Failed(str(error)) from error
    whole = data.endswith(b"\n") and len(data) == pos - start + size + 1
    record = parse_record(memoryview(data)[pos - start : -1]) if whole else None
    if (pos and data[:1] != b"\n") or record is None or record["seq"] != seq:
        raise Failed(f"line {line} is not the record indexed: stale index")
    return data[pos - start : -1], record


def _facts_ok(flt: Filter, data: str) -> bool:
    return flt.facts_ok(orjson.loads(data))
