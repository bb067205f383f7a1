"""Your own acceptance rate, from LinkedIn's export: what became of the requests you sent.

Reads the outgoing rows of Invitations.csv (``Direction = OUTGOING``) and the people of
Connections.csv with their « Connected On » date. A request whose recipient is now among your
connections (same profile address, or same name when an address is missing) was accepted; the
others are still pending, since LinkedIn never tells a sender that a request was ignored (the
chamber of commerce: « la demande de contact restera simplement "en suspens" »). A refused
request and an unanswered one therefore look the same: both stay pending.

The chamber warns that LinkedIn penalises a profile whose requests are refused in large
numbers or whose recipients say they do not know the sender. LinkedIn publishes no figure, so
the thresholds below are ours, chosen to warn early, and documented in docs/conseiller.md.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from tamis.invitations.context import profile_key
from tamis.invitations.files import read_bounded
from tamis.invitations.french import ZIP_SIGNATURE, not_utf8, os_error, zip_archive
from tamis.invitations.linkedin import (
    CONNECTION_COLUMNS,
    ExportError,
    invitation_header,
    read_connected_on,
    read_rows,
    read_sent_at,
)
from tamis.invitations.text import normalise

WINDOW_DAYS = 90  # the recent period the warnings look at
MIN_SENT = 20  # fewer requests than this in the window: too few to judge a rate
LOW_RATE = 0.30  # acceptance below 30 % in the window: warn
PENDING_SHARE = 0.50  # half or more of the window's requests still pending: warn
WEEKLY_MAX = 100  # LinkedIn's help centre speaks of a weekly limit of about 100 invitations
WITHDRAW_AFTER_DAYS = 21  # a request unanswered for three weeks will most likely stay so


class BilanError(Exception):
    """An export folder that cannot be read; ``str`` is the French message."""


@dataclass(frozen=True)
class Sent:
    """One request you sent: to whom, when, and where it is in Invitations.csv."""

    name: str
    url: str
    sent_at: datetime
    line: int
    accepted: bool = False  # the recipient is now among your connections
    accepted_on: date | None = None  # their « Connected On » date, when the export gives it


@dataclass(frozen=True)
class Week:
    start: date  # Monday
    sent: int
    accepted: int

    @property
    def rate(self) -> float:
        return self.accepted / self.sent if self.sent else 0.0


@dataclass(frozen=True)
class Bilan:
    today: date
    requests: tuple[Sent, ...]
    weeks: tuple[Week, ...]
    warnings: tuple[str, ...]  # the patterns LinkedIn penalises, in French
    to_withdraw: tuple[Sent, ...]  # pending for more than WITHDRAW_AFTER_DAYS, oldest first
    problems: tuple[str, ...] = field(default=())  # « Fichier:ligne : … », and what was done

    @property
    def accepted(self) -> int:
        return sum(r.accepted for r in self.requests)

    @property
    def pending(self) -> int:
        return len(self.requests) - self.accepted


SKIPPED = "(ligne ignorée)"


def read_bilan(folder: str | Path, today: date) -> Bilan:
    """The bilan of the export in ``folder`` (Invitations.csv and Connections.csv)."""
    folder = Path(folder)
    _check_archive(folder)
    problems: list[str] = []
    sent = _outgoing(_text(folder / "Invitations.csv"), problems)
    connections = _connections(_text(folder / "Connections.csv"), problems)
    return compute(list(_matched(sent, connections)), today, tuple(problems))


def _check_archive(folder: Path) -> None:
    """The export as LinkedIn sends it (a ZIP archive) given for its folder: say so."""
    if not folder.is_file():  # a folder, or nothing there: the files' own errors say so
        return
    try:
        with folder.open("rb") as stream:
            start = stream.read(len(ZIP_SIGNATURE))
    except OSError:
        start = b""
    if start == ZIP_SIGNATURE:
        raise BilanError(f"{folder} : {zip_archive('le dossier obtenu')}")
    raise BilanError(f"{folder} : c'est un fichier ; donnez le dossier de l'export décompressé")


def compute(requests: list[Sent], today: date, problems: tuple[str, ...] = ()) -> Bilan:
    requests.sort(key=lambda r: r.sent_at)
    old = today - timedelta(days=WITHDRAW_AFTER_DAYS)
    withdraw = tuple(r for r in requests if not r.accepted and r.sent_at.date() < old)
    weeks = tuple(_weeks(requests))
    warnings = _warnings(requests, weeks, today, bool(withdraw))
    return Bilan(today, tuple(requests), weeks, warnings, withdraw, problems)


def _text(path: Path) -> str:
    try:
        return read_bounded(path).decode("utf-8-sig")
    except FileNotFoundError:
        raise BilanError(f"{path} : fichier introuvable dans l'export LinkedIn") from None
    except UnicodeDecodeError as error:
        raise BilanError(f"{path} : ce fichier {not_utf8(error)}") from None
    except (OSError, ValueError) as error:
        raise BilanError(f"{path} : illisible ({os_error(error)})") from None


Connection = tuple[str, str, date | None]  # normalised name, profile key, connected on


def _connections(text: str, problems: list[str]) -> list[Connection]:
    try:
        _, rows = read_rows(io.StringIO(text, newline=""), CONNECTION_COLUMNS, "Connections.csv")
    except ExportError as error:
        raise BilanError(f"Connections.csv : {error}") from None
    found = []
    for row in rows:
        if row.error:
            problems.append(f"Connections.csv:{row.line} : {row.error} {SKIPPED}")
            continue
        name = f"{row.cells['First Name'].strip()} {row.cells['Last Name'].strip()}"
        url = row.cells["URL"].strip()
        when = _connected_on(row.cells, row.line, problems)
        found.append((normalise(name), profile_key(url) if url else "", when))
    return found


def _connected_on(cells: dict[str, str], line: int, problems: list[str]) -> date | None:
    """The row's « Connected On » day; an unreadable one is said, the connection kept."""
    text = cells.get("Connected On", "").strip()
    when = read_connected_on(text) if text else None
    if isinstance(when, str):
        problems.append(f"Connections.csv:{line} : {when} (connexion comptée, sans sa date)")
        return None
    return when


def _outgoing(text: str, problems: list[str]) -> list[Sent]:
    try:
        _, rows = invitation_header(io.StringIO(text, newline=""))
    except ExportError as error:
        raise BilanError(f"Invitations.csv : {error}") from None
    sent = []
    for row in rows:
        if row.error:
            problems.append(f"Invitations.csv:{row.line} : {row.error} {SKIPPED}")
        elif _outgoing_row(row.cells) and (request := _request(row.cells, row.line, problems)):
            sent.append(request)
    return sent


def _outgoing_row(cells: dict[str, str]) -> bool:
    return cells["Direction"].strip().upper() == "OUTGOING"


def _request(cells: dict[str, str], line: int, problems: list[str]) -> Sent | None:
    sent_at = read_sent_at(cells["Sent At"])
    if isinstance(sent_at, str):
        problems.append(f"Invitations.csv:{line} : {sent_at} {SKIPPED}")
        return None
    return Sent(cells["To"].strip(), cells.get("inviteeProfileUrl", "").strip(), sent_at, line)


def _matched(sent: Iterable[Sent], connections: list[Connection]) -> Iterator[Sent]:
    """Each request, with the date its recipient became a connection (if they did)."""
    by_url = {key: when for _, key, when in connections if key}
    by_name = {name: when for name, _, when in connections if name}
    for request in sent:
        key = profile_key(request.url) if request.url else ""
        if key and key in by_url:
            when = by_url[key]
        elif not key and normalise(request.name) in by_name:
            when = by_name[normalise(request.name)]
        else:
            yield request
            continue
        yield Sent(request.name, request.url, request.sent_at, request.line, True, when)


def _weeks(requests: list[Sent]) -> Iterator[Week]:
    counts: dict[date, list[int]] = {}
    for request in requests:
        day = request.sent_at.date()
        monday = day - timedelta(days=day.weekday())
        pair = counts.setdefault(monday, [0, 0])
        pair[0] += 1
        pair[1] += request.accepted
    for monday in sorted(counts):
        yield Week(monday, *counts[monday])


def _warnings(
    requests: list[Sent], weeks: tuple[Week, ...], today: date, to_withdraw: bool
) -> tuple[str, ...]:
    """``to_withdraw``: some requests are old enough to be listed for withdrawal."""
    since = today - timedelta(days=WINDOW_DAYS)
    recent = [r for r in requests if r.sent_at.date() > since]
    out = []
    if len(recent) >= MIN_SENT:
        accepted = sum(r.accepted for r in recent)
        rate, pending = accepted / len(recent), 1 - accepted / len(recent)
        if rate < LOW_RATE:
            out.append(
                f"Seulement {percent(rate)} de vos {len(recent)} demandes des {WINDOW_DAYS}"
                f" derniers jours ont été acceptées (seuil : {percent(LOW_RATE)}). Des demandes"
                " refusées en grand nombre exposent votre profil aux pénalités de LinkedIn."
            )
        if pending >= PENDING_SHARE:
            what = (
                "retirez les plus anciennes (liste ci-dessous)"
                if to_withdraw  # else no list follows: none is old enough yet
                else f"retirez celles qui seront encore sans réponse après {WITHDRAW_AFTER_DAYS}"
                " jours"
            )
            out.append(
                f"{percent(pending)} de vos demandes des {WINDOW_DAYS} derniers jours sont"
                f" encore en attente : {what}."
            )
    for week in weeks:
        if week.sent > WEEKLY_MAX:
            out.append(
                f"Semaine du {week.start.isoformat()} : {week.sent} demandes envoyées, plus que"
                f" la limite d'environ {WEEKLY_MAX} par semaine dont parle LinkedIn."
            )
    return tuple(out)


def percent(ratio: float) -> str:
    """``0.3`` -> « 30 % » (French: a no-break space before the sign)."""
    return f"{round(ratio * 100)}\u00a0%"
