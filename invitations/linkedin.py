"""Readers for LinkedIn's own data export: Invitations.csv, Connections.csv, messages.csv.

Sits beside ``reader`` (invitations) and ``context`` (the user's network): each function
turns one export file into plain rows with their line numbers, never raising on a bad row
(``Row.error`` says what went wrong, in French, without the line: ``Row.line`` holds it
and each caller places it). The export gives only names, URLs, dates,
directions and messages; everything else about a sender stays *inconnu*.

Quirks handled: a UTF-8 BOM, "Notes:" lines before the header (Connections.csv), quoted
newlines inside messages, a file a spreadsheet saved with semicolons (or tabs) instead of
commas and its dates in its own form (« 2026-01-29 14:37 », « 29/01/2026 14:37 »; a day and
a month that could be taken for each other are refused), unknown or reordered columns, and
both generations of Invitations.csv (before late 2023 it lacked ``inviterProfileUrl``/
``inviteeProfileUrl``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TextIO

from tamis.invitations.french import not_utf8_at
from tamis.invitations.limits import escaped_byte
from tamis.invitations.models import INCOMING, OUTGOING
from tamis.invitations.text import same_name

INVITATION_COLUMNS = ("From", "To", "Sent At", "Message", "Direction")
INVITATION_URL_COLUMNS = ("inviterProfileUrl", "inviteeProfileUrl")
CONNECTION_COLUMNS = ("First Name", "Last Name", "URL")
MESSAGE_COLUMNS = ("CONVERSATION ID", "FROM", "TO")
_MESSAGE_TEXT = ("CONTENT", "SUBJECT", "CONVERSATION TITLE")  # messages.csv: free text
_READ_COLUMNS = frozenset(
    (
        *INVITATION_COLUMNS,
        *INVITATION_URL_COLUMNS,
        *CONNECTION_COLUMNS,
        *MESSAGE_COLUMNS,
        *_MESSAGE_TEXT,
        "SENDER PROFILE URL",
        "RECIPIENT PROFILE URLS",
        "Connected On",
    )
)  # the columns some reader of tamis reads
DIRECTIONS = {"INCOMING": INCOMING, "OUTGOING": OUTGOING}
_SENT_AT_FORMATS = (
    "%m/%d/%y, %I:%M %p",  # LinkedIn's own, month first
    "%m/%d/%Y, %I:%M %p",
    "%m/%d/%y, %H:%M",
    "%m/%d/%Y, %H:%M",
    "%Y-%m-%d %H:%M:%S UTC",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",  # a spreadsheet set to French (Québec) re-saved it
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
)
_CONNECTED_ON_FORMATS = (
    "%d %b %Y",  # LinkedIn's own: « 05 Mar 2024 »
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
)
# A date a spreadsheet re-saved with slashes and no comma: « 03/12/2026 14:05 » (day first,
# in French), « 12/3/2026 14:05 » (month first, in English), the time left out in a column of
# dates alone: which comes first is told by a number over 12, or by both being the same.
_SLASHED = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([AP]M))?)?",
    re.IGNORECASE,
)
_MONTHS = (
    *("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août"),
    *("septembre", "octobre", "novembre", "décembre"),
)
# A date a spreadsheet in French wrote with its month's name: « 5 mars 2024 », « 5 janv. 2024 »
_NAMED = re.compile(r"(\d{1,2}) ([^\W\d_]{3,})\.? (\d{4})")
SENT_AT_FORMS = (
    "Formes acceptées : celle de LinkedIn (« 1/29/26, 2:37 PM »), AAAA-MM-JJ HH:MM"
    " (« 2026-01-29 14:37 ») et, quand le jour dépasse 12, JJ/MM/AAAA HH:MM ou MM/JJ/AAAA"
    " HH:MM ; dans le tableur, donnez à la colonne le format AAAA-MM-JJ HH:MM avant"
    " d'enregistrer"
)
CONNECTED_ON_FORMS = (
    "Formes acceptées : celle de LinkedIn (« 05 Mar 2024 »), AAAA-MM-JJ (« 2024-03-05 »),"
    " « 5 mars 2024 » et, quand le jour dépasse 12, JJ/MM/AAAA ou MM/JJ/AAAA ; dans le"
    " tableur, donnez à la colonne le format AAAA-MM-JJ avant d'enregistrer"
)


class ExportError(Exception):
    """A file that is not the expected LinkedIn export (no header found, missing column)."""


@dataclass(frozen=True)
class Row:
    """One data row: its first physical line, its cells by column name, or an error."""

    line: int
    cells: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def sniff_invitations(text: str) -> bool:
    """Whether ``text`` looks like LinkedIn's Invitations.csv (its header in the first lines)."""
    head = text.lstrip("\ufeff").splitlines()[:10]
    return any(all(col in line for col in INVITATION_COLUMNS) for line in head)


def read_rows(
    stream: TextIO, required: Sequence[str], what: str, multiline: Sequence[str] | None = None
) -> tuple[list[str], Iterator[Row]]:
    """The header and the data rows of a LinkedIn CSV export.

    Lines before the header (the "Notes:" preamble) are skipped; raises ``ExportError`` when no
    line holds every ``required`` column. ``multiline`` names the columns whose cells may hold
    a line break (a message); in any other column a line break means a quote left open that
    swallowed the next lines, and the row is an error (``None``: every column may).
    """
    lines = _without_bom(stream)
    head = list(itertools.islice(lines, _HEADER_WITHIN))
    separator = _separator(head, required)
    reader = csv.reader(itertools.chain(head, lines), delimiter=separator)
    last_line = 0
    for cells in _safe_rows(reader):
        if cells is not None and all(col in (c.strip() for c in cells) for col in required):
            header = [c.strip() for c in cells]
            if any("\n" in c or "\r" in c for c in header):
                line = reader.line_num
                raise ExportError(
                    f"en-tête de {what} illisible : un guillemet mal fermé l'étend jusqu'à la"
                    f" ligne {line} et avale les lignes suivantes"
                )
            _check_unique(header, what)
            allowed = frozenset(header if multiline is None else multiline)
            return header, _data_rows(reader, header, reader.line_num, allowed)
        last_line = reader.line_num
    missing = ", ".join(f"« {c} »" for c in required)
    lines = f"{last_line} lignes lues"
    hint = f"est-ce bien le fichier {what} de l'export LinkedIn ?"
    raise ExportError(f"en-tête de {what} introuvable (colonnes {missing}), {lines} ; {hint}")


_HEADER_WITHIN = 50  # lines where the header is looked for its separator (after the notes)
SEPARATORS = (",", ";", "\t")
"""LinkedIn writes commas; a spreadsheet set to French saves « CSV » with semicolons (Excel's
« CSV (séparateur : point-virgule) », LibreOffice's default in French), or tabs."""


def _separator(head: Sequence[str], required: Sequence[str]) -> str:
    """The separator of the first line of ``head`` that splits into every ``required``
    column (a comma when none does: the header is then reported missing, as before)."""
    for line in head:
        if all(col in line for col in required):
            for separator in SEPARATORS:
                try:
                    cells = next(csv.reader([line], delimiter=separator), [])
                except csv.Error:  # a carriage return inside the line (« \rFrom,To,… »)
                    continue
                if all(col in (c.strip() for c in cells) for col in required):
                    return separator
    return ","


def _check_unique(header: list[str], what: str) -> None:
    """A column named twice (« Message » again at the end of an edited file) makes each row
    ambiguous: the last cell silently replaced the first (an invitation with a note read
    as one without). Only the columns tamis reads count: another one twice is ignored."""
    places: dict[str, list[int]] = {}
    for place, column in enumerate(header, start=1):
        if column in _READ_COLUMNS:
            places.setdefault(column, []).append(place)
    for column, found in places.items():
        if len(found) > 1:
            where = " et ".join(str(p) for p in found)
            raise ExportError(
                f"en-tête de {what} : la colonne « {column} » y est {len(found)} fois (colonnes"
                f" {where}) ; gardez-en une seule"
            )


def _without_bom(stream: TextIO) -> Iterator[str]:
    first = True
    for line in stream:
        yield line.removeprefix("\ufeff") if first else line
        first = False


def _safe_rows(reader: csv.Reader) -> Iterator[list[str] | None]:
    """Rows of ``reader``; ``None`` for a row the csv module cannot read."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield None


_UNREADABLE_ROW = (
    "ligne CSV illisible (champ de plus de 131 072 caractères : guillemet mal fermé ?)"
)


def _data_rows(
    reader: csv.Reader, header: list[str], header_line: int, multiline: frozenset[str]
) -> Iterator[Row]:
    previous = header_line
    for cells in _safe_rows(reader):
        start, previous = previous + 1, reader.line_num
        if cells is None:
            yield Row(start, error=_UNREADABLE_ROW)
        elif not any(c.strip() for c in cells):
            continue
        elif len(cells) != len(header):
            count = f"{len(cells)} colonnes au lieu de {len(header)}"
            yield Row(start, error=f"{count} (guillemets mal fermés ?)")
        elif broken := _broken_column(header, cells, multiline):
            yield Row(start, error=_swallowed(broken, reader.line_num))
        elif not_utf8 := _not_utf8(header, cells):
            yield Row(start, error=not_utf8)
        else:
            yield Row(start, dict(zip(header, cells, strict=True)))


def _broken_column(header: list[str], cells: list[str], multiline: frozenset[str]) -> str:
    """The first column that holds a line break where none belongs ("" when none does)."""
    for column, cell in zip(header, cells, strict=True):
        if column not in multiline and ("\n" in cell or "\r" in cell):
            return column
    return ""


def _not_utf8(header: list[str], cells: list[str]) -> str:
    """Why a row holds a byte that is not UTF-8, naming its column ("" when none does): a
    file saved by Excel as « CSV » (Windows-1252) rather than « CSV UTF-8 ». Only that row
    is refused; a row without accents reads the same in both encodings."""
    for column, cell in zip(header, cells, strict=True):
        found = escaped_byte(cell)
        if found is not None:
            where = f"octet 0x{found[1]:02x} dans la colonne « {column} »"
            return f"le fichier {not_utf8_at(where)} (dans Excel : « CSV UTF-8 »)"
    return ""


def _swallowed(column: str, last: int) -> str:
    return f"la colonne « {column} » continue jusqu'à la ligne {last} (guillemet mal fermé ?)"


def unknown_columns(header: Sequence[str], known: Sequence[str]) -> list[str]:
    """The named columns of ``header`` not in ``known``, each once (a spreadsheet's empty
    columns at the end of each row have no name, and hold nothing worth a warning)."""
    return [c for c in dict.fromkeys(header) if c and c not in known]


# --- Invitations.csv ---------------------------------------------------------


def invitation_header(stream: TextIO) -> tuple[list[str], Iterator[Row]]:
    return read_rows(stream, INVITATION_COLUMNS, "Invitations.csv", multiline=("Message",))


def invitation_record(row: Row) -> tuple[dict[str, object] | None, str | None]:
    """The raw invitation (issue-4 JSON shape) for one Invitations.csv row, or an error."""
    cells = {k: v.strip() for k, v in row.cells.items()}
    sent_at = read_sent_at(cells["Sent At"])
    if isinstance(sent_at, str):
        return None, sent_at
    direction = DIRECTIONS.get(cells["Direction"].upper())
    if direction is None:
        got = f"« Direction » vaut « {cells['Direction']} »"
        return None, f"{got}, attendu INCOMING ou OUTGOING"
    inviter = _person(cells["From"], cells.get("inviterProfileUrl", ""))
    if not inviter:
        return None, "ni nom (« From ») ni adresse de profil pour l'expéditeur"
    raw: dict[str, object] = {
        "id": stable_id(inviter, sent_at),
        "recue_le": sent_at.isoformat(),
        "sens": direction,
        "message": row.cells["Message"].strip(),
        "expediteur": inviter,
    }
    invitee = _person(cells["To"], cells.get("inviteeProfileUrl", ""))
    if invitee:
        raw["destinataire"] = invitee
    return raw, None


def _person(name: str, url: str) -> dict[str, str]:
    person = {"nom": name, "profil_url": url}
    return {k: v for k, v in person.items() if v}


def parse_sent_at(text: str) -> datetime | None:
    """``"1/29/26, 2:37 PM"`` -> 2026-01-29 14:37 (no time zone in the export); None if
    ``read_sent_at`` has no date for it."""
    sent_at = read_sent_at(text)
    return None if isinstance(sent_at, str) else sent_at


def read_sent_at(text: str) -> datetime | str:
    """The date of a « Sent At » cell, or why there is none (French, naming the column and
    the forms accepted): LinkedIn's own form, ISO forms, and the forms a spreadsheet writes
    (``_read_date``)."""
    return _read_date(text, _SENT_AT_FORMATS, "Sent At", SENT_AT_FORMS)


def read_connected_on(text: str) -> date | str:
    """The day of a « Connected On » cell of Connections.csv, or why there is none, read as
    « Sent At » is: LinkedIn's « 05 Mar 2024 », and what a spreadsheet re-saved it as."""
    found = _read_date(text, _CONNECTED_ON_FORMATS, "Connected On", CONNECTED_ON_FORMS)
    return found if isinstance(found, str) else found.date()


def _read_date(text: str, formats: Sequence[str], column: str, forms: str) -> datetime | str:
    """``formats`` first (LinkedIn's own form, ISO forms), then what a spreadsheet writes: a
    slashed date whose day and month cannot be taken for each other, or a French month's
    name. Otherwise why not, in French, naming ``column`` and the ``forms`` accepted."""
    cleaned = " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())
    for fmt in formats:
        try:
            return datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    slashed = _SLASHED.fullmatch(cleaned)
    if slashed is not None:
        return _slashed(slashed, text, column, forms)
    named = _NAMED.fullmatch(cleaned)
    found = None if named is None else _named(*named.groups())
    return found or f"date « {column} » illisible : « {text} ». {forms}"


def _slashed(found: re.Match[str], text: str, column: str, forms: str) -> datetime | str:
    one, two, year, hour, minute, second, noon = found.groups()
    first, then = int(one), int(two)
    if first <= 12 and then <= 12 and first != then:
        return (
            f"date ambiguë dans la colonne « {column} » : « {text} », le {first}"
            f" {_MONTHS[then - 1]} ou le {then} {_MONTHS[first - 1]} ? {forms}"
        )
    day, month = (first, then) if first > 12 else (then, first)
    full_year = int(year) + (0 if len(year) == 4 else 2000 if int(year) < 69 else 1900)
    clock = int(hour or 0)
    if noon and 1 <= clock <= 12:  # 12 AM is midnight, 12 PM noon
        clock = clock % 12 + (12 if noon.upper() == "PM" else 0)
    elif noon:
        clock = 24  # « 13:05 PM »: no such time
    try:
        return datetime(full_year, month, day, clock, int(minute or 0), int(second or 0))
    except ValueError:
        return f"date « {column} » illisible : « {text} ». {forms}"


def _named(day: str, name: str, year: str) -> datetime | None:
    """« 5 mars 2024 », « 5 janv 2024 »: a French month named in full or by the start of its
    name that no other month shares; None for anything else."""
    months = [i for i, month in enumerate(_MONTHS, 1) if month.startswith(name.lower())]
    try:
        return datetime(int(year), months[0], int(day)) if len(months) == 1 else None
    except ValueError:
        return None


def stable_id(person: dict[str, str], sent_at: datetime) -> str:
    """An id stable across runs: the inviter's URL (or name) and the sending time, hashed."""
    who = person.get("profil_url") or person.get("nom", "")
    digest = hashlib.sha256(f"{who}|{sent_at.isoformat()}".encode()).hexdigest()
    return f"li-{digest[:16]}"


# --- Connections.csv and messages.csv (the user's network) --------------------


@dataclass(frozen=True)
class Contact:
    """A person of Connections.csv: name, profile URL, and the row it came from."""

    name: str
    url: str
    line: int


def read_connections(text: str) -> tuple[list[Contact], list[str]]:
    """The people of Connections.csv, and the French errors of rows that could not be read."""
    _, rows = read_rows(
        io.StringIO(text, newline=""), CONNECTION_COLUMNS, "Connections.csv", multiline=()
    )
    contacts, errors = [], []
    for row in rows:
        if row.error:
            errors.append(f"ligne {row.line} : {row.error}")
            continue
        name = f"{row.cells['First Name'].strip()} {row.cells['Last Name'].strip()}".strip()
        contacts.append(Contact(name, row.cells["URL"].strip(), row.line))
    return contacts, errors


def read_message_contacts(text: str, me: str | None) -> tuple[list[Contact], list[str]]:
    """People you exchanged messages with, from messages.csv.

    A person counts when the conversation also holds a message from you (``me``, your name in
    the context), so an unanswered InMail does not make its sender « en contact ». Without
    your name, every participant counts.
    """
    _, rows = read_rows(
        io.StringIO(text, newline=""), MESSAGE_COLUMNS, "messages.csv", multiline=_MESSAGE_TEXT
    )
    by_conversation: dict[str, list[Row]] = {}
    errors = []
    for row in rows:
        if row.error:
            errors.append(f"ligne {row.line} : {row.error}")
        else:
            by_conversation.setdefault(row.cells["CONVERSATION ID"], []).append(row)
    contacts = []
    for conversation in by_conversation.values():
        if me is None or any(_is_me(r.cells["FROM"], me) for r in conversation):
            people = (c for r in conversation for c in _participants(r))
            contacts += [c for c in people if not _is_me(c.name, me)]
    return contacts, errors


def _participants(row: Row) -> list[Contact]:
    sender_url = row.cells.get("SENDER PROFILE URL", "").strip()
    sender = Contact(row.cells["FROM"].strip(), sender_url, row.line)
    names = [n.strip() for n in re.split(r",(?![^()]*\))", row.cells["TO"]) if n.strip()]
    urls = [u.strip() for u in row.cells.get("RECIPIENT PROFILE URLS", "").split(",") if u.strip()]
    if len(urls) != len(names):
        urls = [""] * len(names)
    return [sender, *(Contact(n, u, row.line) for n, u in zip(names, urls, strict=True))]


def _is_me(name: str, me: str | None) -> bool:
    return me is not None and same_name(name, me)
