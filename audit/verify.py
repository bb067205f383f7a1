"""``verifier``: the whole hash chain and sequence, streamed, or the first broken record.

Sits on the reader's lines. For each line: its digest must match (``modifie``), its ``seq``
must follow the previous one (else ``supprime`` when the missing number never comes back,
``deplace`` when it appears elsewhere: a reordering or a duplicate), and its ``precedente``
must be the previous digest (``chainage``: the record before it was rewritten). A line that
does not parse is ``illisible``; a journal that is empty, or whose first record is not its
``ouverture``, is ``ouverture`` (its beginning was cut off or replaced); a torn last line is
``dechire`` (what a crash leaves; the
records before it are intact and the next write sets it aside). Well-laid-out lines are
checked from their bytes (``layout``), others by parsing and re-rendering: such a record is
intact, but its line was rewritten by another program (spaces, key order, escapes), and the
searches that read the journal's bytes without the index can miss it, so it is counted
(``rewritten``) for ``verifier`` to report.

A large journal is checked in ranges on every core (``blocks.map_ranges``): each worker
checks that its lines seal and chain to one another, the parent checks the seams (each
range's first record follows the previous range's last). The parallel pass only says
« intact »; at the first range in doubt, the check starts over line by line from that range
(the ranges before it being intact) to name the first broken record and its line exactly.

Erasures are checked in the same read: each pass hands ``tombstones`` the lines of the blocks
it has checked that mention ``effacement`` (a worker, parsed, numbered within its range; the
parent puts them in journal order), whose verdict counts once the chain is intact.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import orjson

from tamis.audit import blocks, layout, personal, tombstones
from tamis.audit.chain import claimed_seq, is_record, parse_record, record_flaw
from tamis.audit.errors import JournalError, os_error_message
from tamis.audit.reader import PathLike, iter_lines, open_journal_file


@dataclass(frozen=True)
class Problem:
    """The first thing wrong with a journal: its kind, its line, the French message."""

    kind: str  # modifie | supprime | deplace | chainage | illisible | ouverture | dechire |
    # effacement (an erasure that is not what it says: data restored, tombstone changed) |
    # vide (no record yet: ``empty``)
    line: int
    message: str  # French, names the line and the record

    @property
    def only_torn(self) -> bool:
        """A torn last line and nothing else: an interrupted write, never acknowledged. The
        records before it are the whole journal, as every reader takes them (``torn``)."""
        return self.kind == "dechire"

    @property
    def empty(self) -> bool:
        """No record at all: a journal not written yet (a PostgreSQL one just initialised,
        an empty file), which its first writer opens with ``ouverture``; nothing damaged,
        nothing to verify or seal either."""
        return self.kind == "vide"


EMPTY = "journal vide, aucun enregistrement encore"
"""A journal without any record, as every command names it (« rien à copier »…)."""


def empty_journal() -> Problem:
    """What a journal without any record is, file or PostgreSQL alike."""
    return Problem("vide", 1, "journal vide : aucun enregistrement encore.")


@dataclass(frozen=True)
class Verification:
    """What a verification found: records checked, the chain's end, the problem if any."""

    count: int  # complete records whose chain checked out
    last_seq: int
    last_digest: str
    problem: Problem | None
    rewritten: int = 0  # intact records whose line is not laid out as tamis writes it
    first_rewritten: int | None = None  # the line of the first of them
    erased: int = 0  # decisions and advice whose personal data was erased (``tombstones``)
    erased_advice: int = 0  # how many of ``erased`` are advice (``conseil``)

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class _Link:
    """One record's place in the chain, as the range checks compare them."""

    seq: int
    precedente: str
    empreinte: str
    exact: bool = True  # laid out as tamis writes it (else: parsed and re-rendered to check)


@dataclass(slots=True)
class _State:
    """Where the check stands: the last good record and how many lines were read."""

    seq: int = 0
    digest: bytes = layout.GENESIS.encode()
    count: int = 0  # records checked
    line: int = 0  # lines read (the last good record's line)
    rewritten: int = 0  # records checked by parsing: not laid out as tamis writes them
    first_rewritten: int | None = None
    contents: bool = False  # also parse each sealed line (``readable``): ``--contenu``
    erasures: tombstones.Erasures | None = None  # fed the lines that mention erasures

    def note_erasures(self, data: bytes, stop: int, before: int) -> None:
        """Hand the erasure check the lines of a checked block (``data[:stop]``, after line
        ``before``) that mention ``effacement``, if this pass feeds one."""
        if self.erasures is not None:
            for found in tombstones.mentions(data, stop, before):
                self.erasures.add(found)

    def advance(self, link: _Link) -> None:
        self.seq, self.digest = link.seq, link.empreinte.encode()
        self.count, self.line = self.count + 1, self.line + 1
        if not link.exact:
            self.rewritten += 1
            self.first_rewritten = self.first_rewritten or self.line

    def result(self, problem: Problem | None) -> Verification:
        return Verification(
            self.count,
            self.seq,
            self.digest.decode(),
            problem,
            self.rewritten,
            self.first_rewritten,
        )


class RangeCheck(NamedTuple):
    """What a worker found in one range: its chain ends, its lines, whether all held, and
    what the erasure check needs of the lines that mention ``effacement``."""

    first: _Link | None  # the range's first record (None: no line, or unreadable)
    last_seq: int
    last_digest: bytes
    lines: int
    ok: bool  # every line sealed and chained to the one before, within the range
    torn: int  # bytes of a torn last line (last range only)
    mentions: tuple[tombstones.Mention, ...] = ()  # numbered from the range's first line


def verify_journal(
    path: PathLike, *, parallel: bool = True, contents: bool = False, **pool: Any
) -> Verification:
    """Check the whole chain: in ranges on every core for a large journal, then, only if
    something is wrong, line by line from the first range in doubt to name the first broken
    record exactly. ``pool`` is passed to ``blocks.map_ranges`` (range length, threshold).

    With ``contents``, each sealed line must also be a record every reader can read
    (``readable``), as the PostgreSQL verifier checks with ``contents``, its copies needing
    the parse: a digest proves the bytes, not that they parse. It costs a parse per line, about as
    much as the rest of the check (``verifier --contenu``; ``copier`` and ``migrer``, which
    parse every record anyway, always ask for it).

    A first line that is not a record is a failure at line 1 (``illisible``), as it is of a
    table's first row, not an error: the verdict does not depend on the backend."""
    first = _first_line(path)  # a French ``JournalError`` if the journal cannot be read
    erasures = tombstones.Erasures()  # fed by the chain check, as it reads: one read
    result = _verify_chain(path, parallel, pool, contents, erasures)
    if result.problem is not None and result.problem.line == 1:
        return result  # the first line's own problem says more (deleted, altered, torn)
    opening = _opening_problem(first)
    if opening is not None:
        return Verification(0, 0, layout.GENESIS, opening)
    return _with_erasures(result, erasures.result()) if result.ok else result


def _with_erasures(result: Verification, found: tombstones.ErasureCheck) -> Verification:
    """An intact chain, then its erasures (``tombstones``): counted, and each one genuine."""
    problem = None
    if found.message is not None:
        problem = Problem("effacement", found.line or 0, found.message)
    return replace(result, problem=problem, erased=found.erased, erased_advice=found.advice)


def verify_after(path: PathLike, start: int, seq: int, digest: str) -> Verification:
    """Check only what follows offset ``start``, where a record ``seq`` with that ``digest``
    ends a prefix already found intact (its lines numbered as its records: line = seq)."""
    return _sequential(path, start, _State(seq, digest.encode(), seq, seq))


def _first_line(path: PathLike) -> bytes:
    with open_journal_file(path) as stream:
        try:
            return stream.readline()
        except OSError as error:
            raise JournalError(os_error_message(path, error, "lire")) from None


def _opening_problem(first: bytes) -> Problem | None:
    """Every journal starts with an ``ouverture`` record: an empty one, or one that starts
    with another record, lost its beginning."""
    if not first:
        return empty_journal()
    record = parse_record(first.rstrip(b"\n"))
    if record is None:  # sealed, but not a record (``verifier`` without ``--contenu``)
        line = first.rstrip(b"\n")
        return Problem("illisible", 1, f"ligne 1 : {unreadable(line, claimed_seq(line))}.")
    if record["evenement"] == "ouverture":
        return None
    return Problem(
        "ouverture",
        1,
        f"ligne 1 : le premier enregistrement (n° {record['seq']}) est « "
        f"{record['evenement']} » et non « ouverture » — le début du journal a été "
        "supprimé ou remplacé.",
    )


def _verify_chain(
    path: PathLike, parallel: bool, pool: dict, contents: bool, erasures: tombstones.Erasures
) -> Verification:
    """The chain, ``erasures`` fed the lines that mention erasures on the way."""
    state = _State(contents=contents, erasures=erasures)
    if not parallel:
        return _sequential(path, 0, state)
    job = check_range_contents if contents else check_range
    for part, found in blocks.map_ranges(path, job, **pool):
        if not found.ok or not _continues(state, found):
            return _sequential(path, part.start, state)
        for mention in found.mentions:
            erasures.add(mention.shifted(state.line))
        if found.lines:
            state.seq, state.digest = found.last_seq, found.last_digest
            state.count, state.line = state.count + found.lines, state.line + found.lines
        if found.torn:
            return state.result(_torn(state.line + 1, found.torn, state.count))
    return state.result(None)


def _continues(state: _State, found: RangeCheck) -> bool:
    if found.first is None:
        return found.lines == 0
    return found.first.seq == state.seq + 1 and found.first.precedente.encode() == state.digest


def check_range(path: PathLike, part: blocks.Range) -> tuple[blocks.Range, RangeCheck]:
    """Check one range on its own (a worker's job): its lines must seal and chain."""
    return _check_range(path, part, False)


def check_range_contents(path: PathLike, part: blocks.Range) -> tuple[blocks.Range, RangeCheck]:
    """``check_range``, each line also ``readable`` (``verify_journal(contents=True)``)."""
    return _check_range(path, part, True)


def _check_range(
    path: PathLike, part: blocks.Range, contents: bool
) -> tuple[blocks.Range, RangeCheck]:
    torn = [0]

    def complete() -> Iterator[tuple[bytes, int]]:
        for data, stop in blocks.raw_blocks(stream.fileno(), part.start, part.end):
            if not stop:
                torn[0] = len(data) if part.last else 0
                return
            yield data, stop

    with open(path, "rb") as stream:
        found = check_blocks(complete(), contents)
    return part, found._replace(torn=torn[0])


def check_blocks(lines: Iterable[tuple[bytes, int]], contents: bool = False) -> RangeCheck:
    """Check blocks of lines on their own (``data[:stop]``, complete lines, in order): they
    must seal and chain to one another (and be ``readable``, with ``contents``), the first
    one taken as it is; the lines that mention erasures come back as ``mentions``. The work
    of one worker on a file's byte range."""
    state, first, mentions = _State(contents=contents), None, []
    for data, stop in lines:
        if first is None:
            first = _link(data[: data.find(b"\n")])
            if first is None:
                return RangeCheck(None, 0, b"", 0, False, 0)
            state.seq, state.digest = first.seq - 1, first.precedente.encode()
        before = state.line
        if not _links(data, stop, state):
            return RangeCheck(first, 0, b"", 0, False, 0)
        mentions.extend(tombstones.mentions(data, stop, before))
    return RangeCheck(first, state.seq, state.digest, state.line, True, 0, tuple(mentions))


def _links(data: bytes, stop: int, state: _State) -> bool:
    """True if every line of ``data[:stop]`` seals and chains as tamis writes it: the fast
    byte check, else (format 3 decisions) ``_link``; a line rewritten by another program
    makes it False, for the line-by-line pass to count it."""
    pos = _scan(data, 0, stop, state)
    while pos < stop:
        end = data.find(b"\n", pos, stop)
        link = _link(data[pos:end])
        if link is None or not link.exact or link.seq != state.seq + 1:
            return False
        if state.contents and not readable(data[pos:end]):
            return False
        if link.precedente.encode() != state.digest:
            return False
        state.advance(link)
        pos = _scan(data, end + 1, stop, state)
    return True


def _scan(data: bytes, pos: int, stop: int, state: _State) -> int:
    """Check the lines of ``data[pos:stop]`` from their bytes while they hold
    (``layout.check_lines``), then, with ``state.contents``, that each is a record every
    reader can read (``readable``); the offset of the first line that does not pass
    (``stop`` if none). ``state`` follows along."""
    end, seq, digest = layout.check_lines(data, pos, stop, state.seq, state.digest)
    if state.contents:
        end, seq, digest = _readable_until(data, pos, end, state.seq, seq, digest)
    checked = seq - state.seq
    state.seq, state.digest = seq, digest
    state.count, state.line = state.count + checked, state.line + checked
    return end


def _readable_until(
    data: bytes, pos: int, end: int, seq: int, last_seq: int, last_digest: bytes
) -> tuple[int, int, bytes]:
    """Where the first line of ``data[pos:end]`` (sealed lines following record ``seq``)
    that is not ``readable`` starts, with the number and digest of the record before it;
    ``end``, ``last_seq`` and ``last_digest`` (the range's last record) if every one is."""
    view = memoryview(data)
    while pos < end:
        after = data.find(b"\n", pos, end)
        if not readable(view[pos:after]):
            tail = layout.read_tail(data[pos:after])
            return pos, seq, tail.precedente.encode()  # type: ignore[union-attr]
        pos, seq = after + 1, seq + 1
    return end, last_seq, last_digest


def readable(line: bytes | memoryview) -> bool:
    """True if a sealed line is also a record every reader can read: JSON, of the record
    format (``chain.record_flaw``). The PostgreSQL verifier with ``contents`` checks the same
    of each row, as it computes its copies (``rowcheck``): a journal verifies alike in either,
    with or without ``contents``."""
    try:
        return record_flaw(orjson.loads(line)) is None
    except orjson.JSONDecodeError:
        return False


def _sequential(path: PathLike, start: int, state: _State) -> Verification:
    """Line by line from offset ``start`` (where ``state`` stands): the first problem, exactly."""
    with open_journal_file(path) as stream:
        fd = stream.fileno()
        for data, stop in blocks.raw_blocks(fd, start, os.fstat(fd).st_size):
            if not stop:
                return state.result(_torn(state.line + 1, len(data), state.count))
            before = state.line
            problem = _check_block(path, data, stop, state)
            if problem is not None:
                return state.result(problem)
            state.note_erasures(data, stop, before)
    return state.result(None)


def _check_block(path: PathLike, data: bytes, stop: int, state: _State) -> Problem | None:
    pos = _scan(data, 0, stop, state)
    while pos < stop:
        end = data.find(b"\n", pos, stop)
        line, number = data[pos:end], state.line + 1
        link = _link(line)
        problem = _check(path, number, line, link, state)
        if problem is not None:
            return problem
        state.advance(link)  # type: ignore[arg-type]
        pos = _scan(data, end + 1, stop, state)
    return None


def _torn(line: int, size: int, count: int) -> Problem:
    message = (
        f"ligne {line} : dernière ligne incomplète ({size} octets) — écriture interrompue ; "
        f"les {count} enregistrements précédents sont intacts et la prochaine écriture "
        "mettra ces octets de côté."
    )
    return Problem("dechire", line, message)


def _link(line: bytes) -> _Link | None:
    """The chain fields of a line whose digest matches; None if it was altered or unreadable."""
    tail = layout.read_tail(line)
    if tail is not None and _exact_digest(line, tail) == tail.empreinte:
        return _Link(tail.seq, tail.precedente, tail.empreinte)
    try:
        record = orjson.loads(line)
        if is_record(record) and layout.record_digest(record) == record["empreinte"]:
            return _Link(record["seq"], str(record.get("precedente")), record["empreinte"], False)
    except (orjson.JSONDecodeError, ValueError):  # ValueError: a personal part out of shape
        return None
    return None


def sealed(line: bytes) -> bool:
    """True if ``line`` (without its ``\\n``) holds a record whose ``empreinte`` still matches
    its content, whatever its format or layout: what the readers that show whole records
    (``pourquoi``, ``exporter``, ``rejouer``) check of each line they read back."""
    return _link(line) is not None


def _exact_digest(line: bytes, tail: layout.Tail) -> str:
    """The digest of a line laid out as tamis writes it (format 3: ``personal.line_digest``
    puts the commitment where the personal part stands)."""
    return personal.line_digest(line, tail) or layout.line_digest(line, tail)


def _check(
    path: PathLike, number: int, line: bytes, link: _Link | None, state: _State
) -> Problem | None:
    seq, digest = state.seq, state.digest.decode()
    if link is None:
        return _unsealed(number, line)
    if link.seq != seq + 1:
        return _out_of_sequence(path, number, link.seq, seq + 1)
    if link.precedente != digest:
        return Problem(
            "chainage",
            number,
            f"ligne {number} : l'enregistrement n° {link.seq} ne suit pas l'empreinte de "
            f"l'enregistrement précédent — la ligne {number - 1} a été réécrite ou remplacée.",
        )
    # sealed, but not a record (``_link`` parsed the other layouts already)
    if state.contents and link.exact and not readable(line):
        return Problem("illisible", number, f"ligne {number} : {unreadable(line, link.seq)}.")
    return None


def _unsealed(number: int, line: bytes) -> Problem:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        record = None
    if not is_record(record):
        message = f"ligne {number} : ligne illisible (pas un enregistrement de journal)."
        return Problem("illisible", number, message)
    return Problem(
        "modifie",
        number,
        f"ligne {number} : l'enregistrement n° {record['seq']} a été modifié — son empreinte ne "
        "correspond plus à son contenu.",
    )


def unreadable(line: bytes, seq: object) -> str:
    """« enregistrement n° 9 illisible : <why> », for a line that is not a record every
    reader can read (``chain.record_flaw``): both verifiers word it so, the file's after
    its line number."""
    try:
        why = record_flaw(orjson.loads(line))
    except orjson.JSONDecodeError:
        why = "ce n'est pas du JSON valide"
    return f"enregistrement n° {seq} illisible : {why or 'forme inattendue'}"


def _out_of_sequence(path: PathLike, number: int, found: int, expected: int) -> Problem:
    if found < expected:
        return Problem(
            "deplace",
            number,
            f"ligne {number} : l'enregistrement n° {found} arrive après le n° {expected - 1} — "
            "ordre modifié ou enregistrement dupliqué.",
        )
    elsewhere = _line_of_seq(path, expected, after=number)
    if elsewhere is not None:
        return Problem(
            "deplace",
            number,
            f"ligne {number} : l'enregistrement n° {found} est à la place du n° {expected}, qui se "
            f"trouve à la ligne {elsewhere} — ordre modifié.",
        )
    missing = f"n° {expected}" if found == expected + 1 else f"n° {expected} à {found - 1}"
    return Problem(
        "supprime",
        number,
        f"ligne {number} : enregistrement(s) supprimé(s) avant cette ligne ({missing} manquant).",
    )


def _line_of_seq(path: PathLike, seq: int, *, after: int) -> int | None:
    for number, line in _later_lines(path, after):
        tail = layout.read_tail(line)
        found = tail.seq if tail is not None else _parsed_seq(line)
        if found == seq:
            return number
    return None


def _later_lines(path: PathLike, after: int) -> Iterator[tuple[int, bytes]]:
    for number, line in iter_lines(path, on_torn=lambda *_: None):
        if number > after:
            yield number, line


def _parsed_seq(line: bytes) -> int | None:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return record.get("seq") if isinstance(record, dict) else None
