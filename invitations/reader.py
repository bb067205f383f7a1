"""Read a batch of invitations from a file or stream, never raising on bad input.

The entry of the domain flow: bytes -> ``Record`` (validated ``Invitation`` or French errors)
-> ``extract`` -> engine. The format is detected from the start of the input: a JSON array,
JSON Lines (the first line is one JSON object), JSON texts one after another (a
pretty-printed invitation), or LinkedIn's Invitations.csv. Every format is read as it comes
(``source``, ``json_values``): memory holds one invitation and the ids already seen
(``seen``), never the file, so a file of a million invitations or an endless stream is read
in bounded memory, and a live feed on stdin is answered line by line. Each record carries its
location (« invitations.jsonl:3 ») so that a bad record is reported and the batch goes on; an
invitation past the limits of ``limits`` costs only itself.
"""

from __future__ import annotations

import errno
import itertools
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, TextIO

import orjson

from tamis.grammar.numbers import group
from tamis.invitations import linkedin
from tamis.invitations.french import ZIP_SIGNATURE, os_error, zip_archive
from tamis.invitations.json_values import Values
from tamis.invitations.limits import (
    LONG_INVITATION,
    MAX_CHARS,
    ReadError,
    check_depth,
    decode,
    parse,
)
from tamis.invitations.models import INCOMING, OUTGOING, Invitation
from tamis.invitations.quick import known_invitation, quick
from tamis.invitations.seen import SeenIds
from tamis.invitations.source import CHUNK, TOO_LONG, Source
from tamis.invitations.validation import validate

SENS = (INCOMING, OUTGOING, "toutes")
BLANK_START = f"plus de {group(MAX_CHARS)} caractères blancs au début : lecture arrêtée"
TOO_FAR = "plus haut"  # where an id was first met, past the places ``SeenIds`` keeps
_HEAD_LINES = 10  # lines read to recognise Invitations.csv (its header may follow notes)


class Record(NamedTuple):
    """One input record: its invitation if valid, else its errors (French, without location).

    A ``NamedTuple`` rather than a frozen dataclass: one is built per invitation, and a frozen
    dataclass costs about three times as much to construct."""

    location: str
    invitation: Invitation | None
    raw: dict[str, Any] | None
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    line: int | None = None


class Unread(NamedTuple):
    """A text not read yet (``read_texts``): one JSON Lines line, one element of a JSON array
    or one JSON text of a sequence. ``unread_record`` reads it, in the process that decides
    it; never blank, never over the length limit."""

    name: str  # the input's name
    number: int  # what a duplicate's warning names it by: its line, or its element's rank
    text: str
    line: int  # where it starts, from 1
    column: int
    element: int | None = None  # its rank in a JSON array

    @property
    def location(self) -> str:
        """« name:line », « name:line (élément n) » in an array."""
        if self.element is None:
            return f"{self.name}:{self.line}"
        return f"{self.name}:{self.line} (élément {self.element})"

    def place(self) -> Callable[[int], str]:
        """How a duplicate's warning names where the same id was first met."""
        return _element_place if self.element is not None else line_place(self.name)


def read_invitations(
    source: str | Path | TextIO | BinaryIO,
    *,
    name: str,
    sens: str = INCOMING,
    seen: SeenIds | None = None,
) -> Iterator[Record]:
    """The records of ``source`` in order; ``sens`` filters LinkedIn CSV rows by direction.

    ``seen`` keeps the ids met, with their place (a new table when None): a caller that
    also remembers what it decided of each id (``tamis.triage.repeat``) passes its own, so
    that one table serves both."""
    return _records(source, name, sens, seen, unread=False)  # type: ignore[return-value]


def read_texts(
    source: str | Path | TextIO | BinaryIO,
    *,
    name: str,
    sens: str = INCOMING,
    seen: SeenIds | None = None,
) -> Iterator[Record | Unread]:
    """``read_invitations``, but each JSON text comes as it is (``Unread``: a JSON Lines line,
    an array's element, a text of a sequence), to be read elsewhere (``unread_record``:
    worker processes): the caller then notes their duplicates (``noted_duplicate``, in input
    order). LinkedIn's CSV rows, a line over the limit, a syntax error between texts and a
    read failure come as records, as from ``read_invitations``."""
    return _records(source, name, sens, seen, unread=True)


def _records(
    source: str | Path | TextIO | BinaryIO,
    name: str,
    sens: str,
    seen: SeenIds | None,
    *,
    unread: bool,
) -> Iterator[Record | Unread]:
    if sens not in SENS:
        raise ValueError(f"sens must be one of {SENS}, not {sens!r}")
    seen = SeenIds() if seen is None else seen
    if not isinstance(source, str | Path):
        yield from _read(Source(source), name, sens, seen, unread)
        return
    try:
        stream = Path(source).open("rb")  # noqa: SIM115 - closed below, after the last record
    except (OSError, ValueError) as error:
        yield Record(name, None, None, (os_error(error),))
        return
    with stream:
        yield from _read(Source(stream), name, sens, seen, unread)


def _read(
    source: Source, name: str, sens: str, seen: SeenIds, unread: bool
) -> Iterator[Record | Unread]:
    start = _first_char(source)
    if start == "[":
        records: Iterator[Record | Unread] = _json_array(source, name, seen, unread)
    elif start == "{":
        records = _json_objects(source, name, seen, unread)
    elif start:
        records = _csv_or_unknown(source, name, sens, seen)
    else:
        records = iter(())
    yield from records
    if source.problem is not None:  # JSON Lines report it at its line, and clear it
        yield Record(name, None, None, (source.problem,))


def _first_char(source: Source) -> str:
    """The first character that is not blank ("" for an empty input); what was read is
    given back, blank lines as their line ends (an endless blank input is cut short)."""
    newlines = blank = 0
    while piece := source.piece():
        if piece.strip():
            source.give_back(["\n" * newlines, piece])
            return piece.lstrip()[0]
        newlines, blank = newlines + piece.count("\n"), blank + len(piece)
        if blank > MAX_CHARS:
            source.problem = BLANK_START
            return ""
    return ""


def _json_objects(
    source: Source, name: str, seen: SeenIds, unread: bool
) -> Iterator[Record | Unread]:
    """JSON Lines when the first line is one JSON object alone, or when the next non-blank
    line starts another object (the first line is then an error); else JSON texts one after
    another (a pretty-printed invitation)."""
    lines = _through_non_blank(source)
    if not _one_json_object(lines[-1]) and not _next_starts_object(source, lines):
        source.give_back(lines)
        return _json_sequence(source, name, seen, unread)
    every = itertools.chain(lines, iter(source.line, ""))
    if unread:
        return _json_lines_unread(every, source, name)
    return _json_lines(every, source, name, seen)


def _next_starts_object(source: Source, lines: list[str]) -> bool:
    """Whether the next non-blank line starts a JSON object (read into ``lines``), or a line
    was too long: JSON Lines, whose first line is wrong."""
    lines += _through_non_blank(source)
    if any(line is TOO_LONG for line in lines):
        return True
    return lines[-1].lstrip().startswith("{") and len(lines) > 1 and lines[-1] is not lines[0]


def _through_non_blank(source: Source) -> list[str]:
    """Lines up to and including the next non-blank one (fewer at the end)."""
    lines: list[str] = []
    while line := source.line():
        lines.append(line)
        if line is TOO_LONG or line.strip():
            break
    return lines


def _one_json_object(line: str) -> bool:
    """Whether ``line`` alone is a JSON object: the input is then JSON Lines."""
    if line is TOO_LONG or not line.lstrip().startswith("{"):
        return False
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False


def _json_lines(lines: Iterable[str], source: Source, name: str, seen: SeenIds) -> Iterator[Record]:
    """One record per non-blank line (lines split on ``\\n`` only: a JSON text may hold
    other line separators, such as U+2028, inside its strings)."""
    counter = _Counter()
    yield from _with_duplicates(
        _read_now(_unread_texts(lines, counter, name)), line_place(name), seen
    )
    yield from _problem(source, name, counter)


def _json_lines_unread(
    lines: Iterable[str], source: Source, name: str
) -> Iterator[Record | Unread]:
    counter = _Counter()
    yield from _unread_texts(lines, counter, name)
    yield from _problem(source, name, counter)


def _problem(source: Source, name: str, counter: _Counter) -> Iterator[Record]:
    """The record of a read failure, at the line after the last one read."""
    if source.problem is not None:
        after = counter.count + 1
        yield Record(f"{name}:{after}", None, None, (source.problem,), line=after)
        source.problem = None


def line_place(name: str) -> Callable[[int], str]:
    """How a duplicate's warning names a line of ``name``."""
    return lambda number: f"{name}:{number}"


def _element_place(number: int) -> str:
    return f"élément {number}"


def _read_now(items: Iterable[Record | Unread]) -> Iterator[tuple[Record, int]]:
    """Each text read here, with the number its duplicate's warning names it by (a record
    read already is never an invitation: the number does not matter)."""
    for item in items:
        if type(item) is Record:
            yield item, 0  # type: ignore[misc]
        else:
            yield unread_record(item), item.number  # type: ignore[union-attr, arg-type]


class _Counter:
    """How many lines were read so far (``_unread_texts`` counts them)."""

    def __init__(self) -> None:
        self.count = 0


def _unread_texts(lines: Iterable[str], counter: _Counter, name: str) -> Iterator[Record | Unread]:
    """Each non-blank line as a ``Line``; one over the limit as its record."""
    for number, line in enumerate(lines, start=1):
        counter.count = number
        if line is TOO_LONG:
            location = f"{name}:{number}"
            yield _unreadable(ReadError(LONG_INVITATION), location, number)
        elif not line.isspace():  # not blank (no stripped copy: lines are long)
            yield Unread(name, number, line, number, 1)


def unread_record(unread: Unread) -> Record:
    """The record of one text: its invitation, or why it is none (no duplicate check: the
    caller's, in input order)."""
    text = unread.text.rstrip("\r\n")  # a line's end: an error there is on this line
    try:
        value = parse(text)
    except ReadError as error:
        return _unreadable(error.shifted(unread.line, unread.column), unread.location, unread.line)
    return _json_record(value, text, unread.location, unread.line)


def usual_invitation(text: str) -> tuple[Invitation, dict[str, Any]] | None:
    """The invitation of one text (an ``Unread``'s) and its JSON object, when the quick path
    vouches for it and every key is a declared field: then ``unread_record`` would give a
    record with this invitation, this object, and neither errors nor warnings. None for
    any other text, which ``unread_record`` reads and words. For worker processes, which
    need no ``Record`` (nor its location) of the usual text."""
    try:
        value = parse(text.rstrip("\r\n"))
    except ReadError:
        return None
    invitation = known_invitation(value)
    return None if invitation is None else (invitation, value)


def parsed_record(unread: Unread, value: object) -> Record:
    """``unread_record`` of a text whose JSON ``value`` the caller has parsed already."""
    return _json_record(value, unread.text.rstrip("\r\n"), unread.location, unread.line)


def _json_array(
    source: Source, name: str, seen: SeenIds, unread: bool
) -> Iterator[Record | Unread]:
    """Elements of a JSON array, each at « name:line (élément n) » (line where it starts,
    n from 1), so that elements sharing a line are told apart; a syntax error between
    elements ends the array."""
    elements = _elements(Values(source), name)
    if unread:
        return elements
    return _with_duplicates(_read_now(elements), _element_place, seen)


def _elements(values: Values, name: str) -> Iterator[Record | Unread]:
    try:
        for text in values.array():
            if isinstance(text, ReadError):  # a comma too many: the array goes on
                yield _unreadable(text, f"{name}:{text.line}", text.line)
                continue
            assert text.element is not None
            yield Unread(name, text.element, text.text, text.line, text.column, text.element)
        if values.next_char():  # « cat janvier.json fevrier.json »: nothing may follow
            line = values.rest().line
            yield Record(f"{name}:{line}", None, None, (AFTER_ARRAY,), line=line)
    except ReadError as error:
        yield _unreadable(error, f"{name}:{error.line}", error.line)


AFTER_ARRAY = (
    "texte après la fin du tableau JSON, non lu : un fichier JSON ne tient qu'un tableau"
    " (deux fichiers mis bout à bout ?) ; mettez toutes les invitations dans un seul tableau,"
    " ou une par ligne (JSON Lines)"
)


def _json_sequence(
    source: Source, name: str, seen: SeenIds, unread: bool
) -> Iterator[Record | Unread]:
    """JSON texts one after another (one pretty-printed invitation, or several): each at
    « name:line »; a syntax error ends the input (nothing tells where the next text starts)."""
    texts = _texts(Values(source), name)
    if unread:
        return texts
    return _with_duplicates(_read_now(texts), line_place(name), seen)


def _texts(values: Values, name: str) -> Iterator[Record | Unread]:
    try:
        for text in values.sequence():
            yield Unread(name, text.line, text.text, text.line, text.column)
    except ReadError as error:
        error = _worded_by_orjson(values, error)
        yield _unreadable(error, f"{name}:{error.line}", error.line)


def _worded_by_orjson(values: Values, error: ReadError) -> ReadError:
    """The error as orjson words it, as for a JSON Lines line (``json`` words it otherwise)."""
    if error.column is None:
        return error
    rest = values.rest()
    try:
        decode(rest.text)
    except ReadError as worded:
        return worded.shifted(rest.line, rest.column)
    return error


def _unreadable(error: ReadError, location: str, line: int | None) -> Record:
    return Record(location, None, None, (error.problem,), line=line)


def _csv_or_unknown(source: Source, name: str, sens: str, seen: SeenIds) -> Iterator[Record]:
    head = _head(source)
    source.give_back(head)
    if linkedin.sniff_invitations("".join(head)):
        lines = iter(source.line, "")
        rows = (_LONG_ROW if line is TOO_LONG else line for line in lines)
        yield from _csv(rows, name, sens, seen)
        return
    if source.problem is None:
        problem = "format non reconnu : ni JSON, ni JSON Lines, ni Invitations.csv de LinkedIn"
        if _utf16("".join(head)):
            problem = f"{problem} ; {UTF16}"
        elif "".join(head).startswith(ZIP_START):
            problem = f"{problem} ; {zip_archive('son fichier Invitations.csv')}"
        elif network := _network_export("".join(head)):
            problem = f"{problem} ; {network}"
        yield Record(name, None, None, (problem,))


def _network_export(head: str) -> str:
    """What to do with Connections.csv or messages.csv given as invitations ("" for neither):
    they describe the user's network, which the context names."""
    for columns, export in (
        (linkedin.CONNECTION_COLUMNS, "Connections.csv"),
        (linkedin.MESSAGE_COLUMNS, "messages.csv"),
    ):
        if all(column in head for column in columns):
            return (
                f"c'est l'export {export} (votre réseau), pas des invitations : nommez-le dans"
                f' votre contexte ([reseau] fichiers = ["{export}"], --contexte) et donnez'
                " Invitations.csv ici"
            )
    return ""


ZIP_START = ZIP_SIGNATURE.decode("ascii")  # as the head reads it
UTF16 = "le fichier semble en UTF-16 (« Texte Unicode » d'Excel) : réenregistrez-le en UTF-8"


def _utf16(head: str) -> bool:
    """Whether ``head`` (decoded as UTF-8 with ``surrogateescape``) looks like UTF-16: a
    byte-order mark, or a NUL byte beside nearly every character, as UTF-16 writes ASCII
    (NULs on one side only: a file of NULs is no text at all)."""
    if head.startswith(("\udcff\udcfe", "\udcfe\udcff")):
        return True
    sample = head[:1024]
    sides = [sample[side::2] for side in (0, 1)]
    nuls = [side.count("\x00") / max(1, len(side)) for side in sides]
    return len(sample) >= 16 and max(nuls) >= 0.9 and min(nuls) <= 0.1


def _head(source: Source) -> list[str]:
    """The first pieces, through ``_HEAD_LINES`` lines or ``CHUNK`` characters at most."""
    pieces: list[str] = []
    newlines = size = 0
    while newlines < _HEAD_LINES and size < CHUNK and (piece := source.piece()):
        pieces.append(piece)
        newlines, size = newlines + piece.count("\n"), size + len(piece)
    return pieces


_LONG_ROW = "ligne trop longue\n"  # one cell: reported as a row with the wrong column count


def unreadable(path: str | Path) -> str | None:
    """Why ``path`` cannot be opened for reading (French, as for a record), else None.

    Lets a command refuse an unreadable input file before it starts anything else. A named
    pipe is not opened here: its writer would give its data to this open, and the reader's
    own open would then wait for a second writer for ever. Its permission is checked instead.
    """
    try:
        if stat.S_ISFIFO(os.stat(path).st_mode):
            if os.access(path, os.R_OK):
                return None
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        with Path(path).open("rb"):
            return None
    except (OSError, ValueError) as error:
        return os_error(error)


def _json_record(value: object, text: str, location: str, line: int) -> Record:
    """The record of the JSON ``value`` read from ``text``: an invitation the quick path
    accepts with every key a declared field is a few levels deep, so only the other values
    are checked against the nesting limit (``limits.check_depth``), before validation."""
    found = quick(value)
    if found.invitation is not None and found.all_known:  # what ``validate`` would say
        return Record(location, found.invitation, value, (), (), line)  # type: ignore[arg-type]
    try:
        check_depth(value, text)
    except ReadError as error:
        return _unreadable(error, location, line)
    return _record(value, location, line)


def _record(raw: object, location: str, line: int | None) -> Record:
    invitation, errors, warnings = validate(raw)  # ``location`` names the record already
    kept = raw if isinstance(raw, dict) else None
    return Record(location, invitation, kept, tuple(errors), tuple(warnings), line)


def _with_duplicates(
    records: Iterable[tuple[Record, int]], place: Callable[[int], str], seen: SeenIds
) -> Iterator[Record]:
    """Warn on an id already seen in the input (decisions would share it in the journal);
    each record comes with the number ``place`` words (a line, an element)."""
    for record, where in records:
        yield noted_duplicate(record, where, place, seen)


def noted_duplicate(
    record: Record, where: int, place: Callable[[int], str], seen: SeenIds
) -> Record:
    """``record`` with a warning if its id was met before (else the id is kept, at ``where``)."""
    ident = record.invitation.id if record.invitation is not None else None
    first = seen.first(ident, where) if ident is not None else None
    if first is None:
        return record
    return record._replace(warnings=(*record.warnings, duplicate(ident, first, place)))


def duplicate(ident: str, first: int, place: Callable[[int], str]) -> str:
    """The warning on an id met again, first met at the number ``first`` (0: too far)."""
    where_first = place(first) if first else TOO_FAR
    return f"invitation « {ident} » : id déjà utilisé ({where_first})"


def _csv(lines: Iterable[str], name: str, sens: str, seen: SeenIds) -> Iterator[Record]:
    try:
        header, rows = linkedin.invitation_header(lines)  # type: ignore[arg-type]
    except linkedin.ExportError as error:
        yield Record(f"{name}:1", None, None, (str(error),), line=1)
        return
    known = linkedin.INVITATION_COLUMNS + linkedin.INVITATION_URL_COLUMNS
    extra = linkedin.unknown_columns(header, known)
    unknown = [f"colonne « {c} » inconnue : ignorée" for c in extra]
    records = (r for r in (_csv_record(row, name) for row in rows) if _keep(r, sens))
    numbered = ((record, record.line or 0) for record in records)
    for record in _with_duplicates(numbered, lambda number: f"{name}:{number}", seen):
        if unknown:
            record, unknown = record._replace(warnings=(*unknown, *record.warnings)), []
        yield record


def _csv_record(row: linkedin.Row, name: str) -> Record:
    location = f"{name}:{row.line}"
    if row.error is not None:
        return Record(location, None, None, (row.error,), line=row.line)
    raw, problem = linkedin.invitation_record(row)
    if raw is None:
        return Record(location, None, None, (problem or "",), line=row.line)
    return _record(raw, location, row.line)


def _keep(record: Record, sens: str) -> bool:
    if sens == "toutes" or record.raw is None:
        return True
    return record.raw.get("sens") == sens
