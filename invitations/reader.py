"""Read a batch of invitations from a file or stream, never raising on bad input.

The entry of the domain flow: bytes -> ``Record`` (validated ``Invitation`` or French errors)
-> ``extract`` -> engine. The format is detected from the content: one JSON object, a JSON
array, JSON Lines, or LinkedIn's Invitations.csv. Each record carries its location
(« invitations.jsonl:3 ») so that a bad record is reported and the batch goes on; a JSON
syntax error in JSON Lines costs only its line. From a stream (stdin), JSON Lines are read
one line at a time as they arrive (a live feed is answered at once); the other formats need
the whole text and are read whole.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import count, islice
from pathlib import Path
from typing import Any, TextIO

import orjson

from tamis.invitations import linkedin
from tamis.invitations.french import json_reason, not_utf8, os_error
from tamis.invitations.models import Invitation
from tamis.invitations.validation import validate

SENS = ("entrante", "sortante", "toutes")


@dataclass(frozen=True)
class Record:
    """One input record: its invitation if valid, else its errors (French, without location)."""

    location: str
    invitation: Invitation | None
    raw: dict[str, Any] | None
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    line: int | None = None


def read_invitations(
    source: str | Path | TextIO, *, name: str, sens: str = "entrante"
) -> Iterator[Record]:
    """The records of ``source`` in order; ``sens`` filters LinkedIn CSV rows by direction."""
    if sens not in SENS:
        raise ValueError(f"sens must be one of {SENS}, not {sens!r}")
    if not isinstance(source, str | Path):
        yield from _stream(source, name, sens)
        return
    text, problem = _read_text(source)
    if problem is not None:
        yield Record(name, None, None, (problem,))
        return
    yield from _dispatch(text.removeprefix("\ufeff"), name, sens)


def _read_text(source: str | Path | TextIO) -> tuple[str, str | None]:
    try:
        if isinstance(source, str | Path):
            return Path(source).read_text(encoding="utf-8-sig"), None
        return source.read(), None
    except UnicodeDecodeError as error:
        return "", f"le fichier {not_utf8(error)}"
    except (OSError, ValueError) as error:
        return "", os_error(error)


def _stream(source: TextIO, name: str, sens: str) -> Iterator[Record]:
    """A stream (stdin): JSON Lines are read and yielded line by line as they arrive, so a
    live feed is answered at once and memory holds one line; other formats are read whole."""
    lines = _decoded_lines(source)
    head: list[str | Unreadable] = []
    for line in lines:
        head.append(line)
        if not isinstance(line, str) or line.strip():
            break
    if head and _one_json_object(head[-1]):
        yield from _with_duplicates(_json_lines(itertools.chain(head, lines), name))
        return
    text = [*head, *lines]
    if text and isinstance(text[-1], Unreadable):
        yield Record(name, None, None, (text[-1].problem,))
        return
    yield from _dispatch("".join(text).removeprefix("\ufeff"), name, sens)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Unreadable:
    """Where a stream could no longer be read (not UTF-8, an I/O error): why, in French."""

    problem: str


def _decoded_lines(source: TextIO) -> Iterator[str | Unreadable]:
    """The stream's lines (a leading BOM dropped), ended by an ``Unreadable`` if reading
    fails."""
    first = True
    try:
        for line in source:
            yield line.removeprefix("\ufeff") if first else line
            first = False
    except UnicodeDecodeError:
        yield Unreadable("l'entrée n'est pas en UTF-8 ; réenregistrez-la en UTF-8")
    except (OSError, ValueError) as error:
        yield Unreadable(os_error(error))


def _one_json_object(line: str | Unreadable) -> bool:
    """Whether ``line`` alone is a JSON object: the stream is then JSON Lines."""
    if not isinstance(line, str) or not line.lstrip().startswith("{"):
        return False
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False


def _dispatch(text: str, name: str, sens: str) -> Iterator[Record]:
    start = text.lstrip()[:1]
    if not start:
        return
    if start == "[":
        yield from _json_array(text, name)
    elif start == "{":
        yield from _json_object_or_lines(text, name)
    elif linkedin.sniff_invitations(text):
        yield from _csv(text, name, sens)
    else:
        problem = "format non reconnu : ni JSON, ni JSON Lines, ni Invitations.csv de LinkedIn"
        yield Record(name, None, None, (problem,))


def unreadable(path: str | Path) -> str | None:
    """Why ``path`` cannot be opened for reading (French, as for a record), else None.

    Lets a command refuse an unreadable input file before it starts anything else.
    """
    try:
        with Path(path).open("rb"):
            return None
    except (OSError, ValueError) as error:
        return os_error(error)


def _record(raw: object, location: str, line: int | None) -> Record:
    invitation, errors, warnings = validate(raw)  # ``location`` names the record already
    kept = raw if isinstance(raw, dict) else None
    return Record(location, invitation, kept, tuple(errors), tuple(warnings), line)


def _syntax_error(error: json.JSONDecodeError, name: str, line_offset: int = 0) -> Record:
    line = error.lineno + line_offset
    problem = f"JSON invalide, colonne {error.colno} ({json_reason(error.msg)})"
    return Record(f"{name}:{line}", None, None, (problem,), line=line)


def _json_object_or_lines(text: str, name: str) -> Iterator[Record]:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        if _looks_like_lines(text):
            yield from _with_duplicates(_json_lines(io.StringIO(text), name))
        else:
            yield _syntax_error(error, name)
        return
    yield _record(value, f"{name}:1", 1)


def _looks_like_lines(text: str) -> bool:
    """Whether ``text`` reads as JSON Lines, judged on its first two non-blank lines."""
    lines = list(islice(filter(None, (line.strip() for line in text.splitlines())), 2))
    if len(lines) < 2:
        return False
    try:
        orjson.loads(lines[0])
        return True
    except orjson.JSONDecodeError:
        return lines[1].startswith("{")


def _json_lines(lines: Iterable[str | Unreadable], name: str) -> Iterator[Record]:
    """One record per non-blank line (lines split on ``\\n`` only: a JSON text may hold
    other line separators, such as U+2028, inside its strings)."""
    for number, line in enumerate(lines, start=1):
        if isinstance(line, Unreadable):
            yield Record(f"{name}:{number}", None, None, (line.problem,), line=number)
            return
        line = line.rstrip("\r\n")  # an error at the end is on this line, not the next
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            yield _syntax_error(error, name, number - 1)
            continue
        yield _record(value, f"{name}:{number}", number)


def _json_array(text: str, name: str) -> Iterator[Record]:
    """Elements of a JSON array, each at « name:line (élément n) » (line where it starts,
    n from 1), so that elements sharing a line are told apart."""
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    records = []
    try:
        for element in count(1):
            position = _skip(text, position, ",")
            if text[position : position + 1] == "]":
                break
            value, end = decoder.raw_decode(text, position)
            line = text.count("\n", 0, position) + 1
            records.append(_record(value, f"{name}:{line} (élément {element})", line))
            position = _skip(text, end, "")
            if text[position : position + 1] not in (",", "]"):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, position)
    except json.JSONDecodeError as error:
        records.append(_syntax_error(error, name))
    yield from _with_duplicates(iter(records))


def _skip(text: str, position: int, also: str) -> int:
    while position < len(text) and (text[position].isspace() or text[position] in also):
        position += 1
    return position


def _with_duplicates(records: Iterator[Record]) -> Iterator[Record]:
    """Warn on an id already seen in the batch (decisions would share it in the journal)."""
    seen: dict[str, str] = {}
    for record in records:
        ident = record.invitation.id if record.invitation is not None else None
        if ident is not None and ident in seen:
            warning = f"invitation « {ident} » : id déjà utilisé ({seen[ident]})"
            record = replace(record, warnings=(*record.warnings, warning))
        elif ident is not None:
            seen[ident] = record.location
        yield record


def _csv(text: str, name: str, sens: str) -> Iterator[Record]:
    try:
        header, rows = linkedin.invitation_header(io.StringIO(text, newline=""))
    except linkedin.ExportError as error:
        yield Record(f"{name}:1", None, None, (str(error),), line=1)
        return
    known = linkedin.INVITATION_COLUMNS + linkedin.INVITATION_URL_COLUMNS
    extra = linkedin.unknown_columns(header, known)
    unknown = [f"colonne « {c} » inconnue : ignorée" for c in extra]
    records = (r for r in (_csv_record(row, name) for row in rows) if _keep(r, sens))
    for record in _with_duplicates(records):
        if unknown:
            record, unknown = replace(record, warnings=(*unknown, *record.warnings)), []
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
