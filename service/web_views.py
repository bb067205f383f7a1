"""What the web pages show, shaped from the journal's and the policy's JSON: no HTML here.

Sits between ``calls`` (the application layer's JSON) and the Jinja2 templates: it turns a
search row and its record into an inbox line, a ``pourquoi`` explanation into a condition
tree with vrai / faux / inconnu, a policy source into highlighted tokens, the stats into the
bars of a chart, and the form of « Nouvelle invitation » into the invitation JSON of
``tamis decider``. Every value goes to the templates as text: Jinja2 escapes it there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from tamis.audit.filters import Criterion, FilterError, Problem
from tamis.audit.stats import utc_days
from tamis.invitations.models import INCOMING, OUTGOING
from tamis.triage import moments
from tamis.triage.linkedin import either_step, linkedin_step

DECISIONS = ("accepter", "refuser", "ignorer", "signaler", "examiner")
TRUTH = {"vrai": "vrai", "faux": "faux", "inconnu": "inconnu"}


@dataclass(frozen=True)
class InboxLine:
    seq: int
    id: str
    when: str
    name: str
    initials: str
    title: str
    company: str
    photo: str  # « photo », « sans photo », « photo inconnue », « demande à envoyer », or
    # when it was erased
    decision: str
    step: str  # what to do on LinkedIn
    rule: str
    motif: str


def inbox_line(row: Mapping[str, Any], recorded: Any, zone: tzinfo) -> InboxLine:
    """One decision as a line of a person's inbox (``recorded``: ``calls.Recorded``, or None
    when the index does not find the record), its time in ``zone`` (the workspace's
    ``fuseau``). An erased one says so, and when: « Expéditeur inconnu · photo inconnue »
    would claim the invitation never said. A request to send names its recipient and says
    what it is: its sender, the user, was « Expéditeur inconnu »."""
    invitation = recorded.invitation if recorded is not None else None
    erasure = recorded.erasure if recorded is not None else None
    sender = (invitation or {}).get("expediteur") or {}
    name = str(row.get("expediteur") or sender.get("nom") or "Expéditeur inconnu")
    about = _photo(sender.get("photo"))
    if outgoing(invitation if invitation is not None else row):  # its expediteur is the user
        sender = (invitation or {}).get("destinataire") or {}
        name = sender.get("nom") or sender.get("profil_url") or row.get("destinataire")
        name, about = str(name or "Destinataire inconnu"), REQUEST_LABEL
    if erasure:
        name = "Données personnelles effacées"
    return InboxLine(
        seq=int(row["seq"]),
        id=str(row["id"]),
        when=stamped(str(row.get("horodatage", "")), zone, seconds=False),
        name=name,
        initials="?" if erasure else initials(name),
        title=str(sender.get("titre") or ""),
        company=str(sender.get("entreprise") or ""),
        photo=_erased(erasure, zone) if erasure else about,
        decision=str(row["decision"]),
        step=step(str(row["decision"]), invitation, erasure),
        rule=str(row.get("regle") or ""),
        motif=str(row.get("motif") or ""),
    )


REQUEST_LABEL = "demande à envoyer"  # where a received invitation shows its photo


def outgoing(invitation: Mapping[str, Any]) -> bool:
    """A request the user sends (``sens = "sortante"``): the person it is about is its
    ``destinataire``; its ``expediteur``, if given, is the user. A search row says it too
    (``rows.sent_to``)."""
    return invitation.get("sens") == OUTGOING


def stamped(horodatage: str, zone: tzinfo, *, seconds: bool = True) -> str:
    """``2026-02-01 09:37:00 EST``: a journal time as the pages show it, in the workspace's
    ``fuseau`` (``2026-02-01 14:37:00 UTC`` unless it names one, ``tamis journal pourquoi
    --utc``'s form; the server's local zone is no reader's in particular)."""
    return moments.stamped_in(horodatage, zone, seconds=seconds)


def zoned_bound(text: str, zone: tzinfo, *, end: bool) -> str:
    """The inbox's « Depuis » (``end`` False) or « Jusqu'au » (inclusive) as the journal's
    filter reads it, once read in the workspace's ``fuseau``: a day is from its midnight
    there to the next (``2026-02-01T00:00:00-05:00``), a time without an offset is one of
    that zone (``FilterError`` for one the zone skips or has twice, ``zone_time``). A text
    that is neither (the filter refuses it, in its own words) or the zone UTC (the
    filter's own days) is left as typed."""
    if utc_days(zone):
        return text
    try:
        if len(text) == 10:
            day = date.fromisoformat(text) + timedelta(days=1 if end else 0)
            before = timedelta(microseconds=1 if end else 0)  # the filter adds it back
            moment = datetime.combine(day, time(0), zone) - before
        else:
            moment = datetime.fromisoformat(text)
            moment = moment if moment.tzinfo else zone_time(moment, zone, end=end)
        return moment.isoformat()
    except FilterError:
        raise
    except (ValueError, OverflowError):
        return text


def zone_time(moment: datetime, zone: tzinfo, *, end: bool) -> datetime:
    """``moment``, a time typed without an offset, as a time of ``zone``. Where the clocks
    change, a time may not exist (02:30 on 2026-03-08 in America/Toronto, skipped) or exist
    twice (01:30 on 2026-11-01): ``datetime`` would silently take it one hour off, or the
    first of the two, and the inbox show decisions outside the period asked. Each is a
    ``FilterError`` instead, with the zone's names on either side of the change (and, for
    a time there twice, both times with their offsets, to type one of them)."""
    criterion = Criterion.UNTIL if end else Criterion.SINCE
    first, second = moment.replace(tzinfo=zone, fold=0), moment.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    names = (str(first.tzname()), str(second.tzname()))
    typed = moment.isoformat(timespec="auto" if moment.second or moment.microsecond else "minutes")
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment:
        raise FilterError(criterion, typed, Problem.NO_SUCH_TIME, names)
    offsets = tuple(f"{typed}{_offset(m)}" for m in (first, second))
    raise FilterError(criterion, typed, Problem.AMBIGUOUS_TIME, (*names, *offsets))


def _offset(moment: datetime) -> str:
    """``-04:00``: ``moment``'s offset as ISO 8601 writes it after a time."""
    return moment.isoformat()[-6:]


def step(decision: str, invitation: Mapping[str, Any] | None, erasure: Any) -> str:
    """What to do on LinkedIn; for an erased invitation, whose direction (received or to
    send) went with it, both readings: « Ignorer » alone was false of a request to send."""
    if invitation is None and erasure:
        return either_step(decision)
    return linkedin_step(decision, (invitation or {}).get("sens"))


def initials(name: str) -> str:
    letters = [part[0] for part in re.split(r"[\s\-]+", name) if part[:1].isalpha()]
    return "".join(letters[:2]).upper() or "?"


def _erased(erasure: Mapping[str, Any], zone: tzinfo) -> str:
    when = stamped(str(erasure.get("le", "")), zone, seconds=False)
    motif = f" ({erasure['motif']})" if erasure.get("motif") else ""
    return f"effacées le {when}{motif}"


def _photo(value: Any) -> str:
    if value is None:
        return "photo inconnue"
    return "sans photo" if value is False else "photo"


@dataclass(frozen=True)
class TreeNode:
    condition: str
    value: str  # vrai, faux, inconnu, or a value read
    detail: str
    evidence: str
    children: tuple[TreeNode, ...]


def tree(node: Mapping[str, Any], evidence: Mapping[str, str]) -> TreeNode:
    """A recorded condition node, with the evidence of the names it read."""
    read = node.get("lu") or {}
    notes = [evidence[name] for name in read if name in evidence]
    detail = str(node.get("detail") or "")
    return TreeNode(
        condition=str(node.get("condition", "")),
        value=str(node.get("valeur", "")),
        detail=detail if detail != node.get("condition") else "",
        evidence=" ; ".join(notes),
        children=tuple(tree(child, evidence) for child in node.get("enfants") or ()),
    )


def unknown_leaves(nodes: Iterable[TreeNode]) -> list[tuple[str, str]]:
    """The names left inconnu in the condition trees, each once, with what their evidence
    says was missing: what the person could look up to settle the decision."""
    found: dict[str, str] = {}
    stack = list(nodes)
    while stack:
        node = stack.pop(0)
        if node.children:
            stack[:0] = node.children
        elif node.value == "inconnu":
            found.setdefault(node.condition, node.evidence)
    return list(found.items())


def truth_word(value: Any) -> str:
    """A recorded value as users read it: vrai, faux, inconnu, or the value itself."""
    if value is None:
        return "inconnu"
    if isinstance(value, bool):
        return "vrai" if value else "faux"
    return str(value)


def truth_class(value: str) -> str:
    """The CSS class of a value: its truth word, or « valeur » for a number or a text."""
    return TRUTH.get(value, "valeur")


# --- the policy's text, highlighted -----------------------------------------------

_TOKEN = re.compile(
    r"(?P<commentaire>#.*)"
    r'|(?P<texte>"(?:[^"\\]|\\.)*"?)'
    r"|(?P<nombre>\b\d[\d  ]*(?:[.,]\d+)?\b)"
    r"|(?P<mot>[\wÀ-ÿ'’]+)"
    r"|(?P<autre>.)",
)
KEYWORDS = {
    "politique", "résolution", "resolution", "paramètre", "parametre", "définir", "definir",
    "règle", "regle", "motif", "priorité", "priorite", "sinon", "si", "et", "ou", "non",
    "vrai", "faux", "contient", "commence", "par", "correspond", "à", "a", "dans", "entre",
    "est", "renseigné", "renseigne", "n'est", "pas",
}  # fmt: skip
ACTIONS = set(DECISIONS)


def highlighted(source: str) -> list[list[tuple[str, str]]]:
    """Each line of ``source`` as (css class, text) pieces; the text is shown escaped."""
    return [list(_pieces(line)) for line in source.splitlines()]


def _pieces(line: str) -> Iterable[tuple[str, str]]:
    for match in _TOKEN.finditer(line):
        kind, text = match.lastgroup or "autre", match.group()
        if kind == "mot":
            lowered = text.lower()
            kind = "action" if lowered in ACTIONS else "motcle" if lowered in KEYWORDS else "nom"
        yield kind, text


# --- the chart of decisions over time ----------------------------------------------


@dataclass(frozen=True)
class Bar:
    period: str
    segments: tuple[tuple[str, int, float, float], ...]  # decision, count, y, height
    total: int
    x: float


CHART_HEIGHT = 160.0
BAR_WIDTH = 28.0
GAP = 12.0
MIN_WIDTH = 600.0  # a few bars stay narrow instead of filling the page


def chart(per_period: Mapping[str, Mapping[str, int]]) -> tuple[list[Bar], float]:
    """Stacked bars (decisions per period), scaled to ``CHART_HEIGHT``; and the width."""
    tallest = max((sum(counts.values()) for counts in per_period.values()), default=0) or 1
    bars = []
    for position, (period, counts) in enumerate(sorted(per_period.items())):
        y, segments = CHART_HEIGHT, []
        for decision in DECISIONS:
            count = counts.get(decision, 0)
            if count:
                height = CHART_HEIGHT * count / tallest
                y -= height
                segments.append((decision, count, round(y, 2), round(height, 2)))
        x = position * (BAR_WIDTH + GAP)
        bars.append(Bar(period, tuple(segments), sum(counts.values()), x))
    return bars, max(len(bars) * (BAR_WIDTH + GAP), MIN_WIDTH)


# --- « Nouvelle invitation »: the form as an invitation ------------------------------

FORM_FIELDS = ("nom", "profil_url", "titre", "entreprise")


class FormProblem(ValueError):
    """A form value that cannot be read; ``field`` names the form field (None: the form)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


def invitation_from_form(form: Mapping[str, str], ident: str) -> dict[str, Any]:
    """The invitation JSON (docs/faits.md) of the hand-decided invitation form.

    An empty field is left out (*inconnu*), never guessed; « 500+ » connections (what
    LinkedIn shows) is 500, the least the sender has. A form with nothing filled in (sent
    by mistake, or a body that is no form: JSON) is refused: it would journal a decision
    about no one.
    """
    sender: dict[str, Any] = {k: form[k].strip() for k in FORM_FIELDS if form.get(k, "").strip()}
    if form.get("photo") in ("oui", "non"):
        sender["photo"] = form["photo"] == "oui"
    for key in ("connexions", "relations_communes"):
        if form.get(key, "").strip():
            sender[key] = _count(key, form[key])
    if not sender and not form.get("message", "").strip():
        raise FormProblem(None, EMPTY_FORM)
    invitation: dict[str, Any] = {"id": ident, "sens": INCOMING, "expediteur": sender}
    if "message" in form:
        invitation["message"] = form["message"].replace("\r\n", "\n")
    return invitation


EMPTY_FORM = (
    "Le formulaire est vide : recopiez au moins une donnée de l'invitation (le nom de "
    "l'expéditeur, son profil, son message…) ; rien n'a été décidé."
)


def _count(field: str, text: str) -> int:
    cleaned = text.strip().replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    cleaned = cleaned.removesuffix("+")
    if not cleaned.isdecimal() or len(cleaned) > 9:  # int() reads no « ² »
        raise FormProblem(field, "un nombre entier est attendu (p. ex. 120 ou « 500+ »)")
    return int(cleaned)
