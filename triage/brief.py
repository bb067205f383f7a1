"""The daily view of one decision: a line a person reads over their morning coffee.

``Marie Gagnon (linkedin.com/in/marie-gagnon) — refuser — photo : Pas de photo de vous. →
Ignorer``: who (the sender, or the recipient of a request to send), the decision, the rule and
its motif, then what to do on LinkedIn (``linkedin``). A decision left to the person
(``examiner``) also says what is missing: the facts that stayed *inconnu* and what their
evidence says is absent, so the person knows which fields would settle it. Built from the
``Explained`` already made for the journal: nothing is evaluated again. The CLI makes the line
safe for a terminal (``cli.human.safe``): invitation data is written by strangers.
"""

from __future__ import annotations

from tamis.grammar.ast import Action
from tamis.invitations.models import OUTGOING, Invitation
from tamis.invitations.text import blank
from tamis.triage.linkedin import linkedin_step
from tamis.triage.pipeline import Decided

DASH = " — "
MAX_MISSING = 4  # unknown facts listed on the line; the rest are counted


def brief_line(decided: Decided) -> str:
    """One line: who — decision — rule : motif → step (; what is missing, for examiner)."""
    decision = decided.decision
    rule = decision.label + (f" : {decision.motif}" if decision.motif else "")
    action = decision.action.value
    line = DASH.join((who(decided.invitation), action, rule))
    line += f" → {linkedin_step(action, decided.invitation.sens)}"
    if decision.action is Action.EXAMINER:
        missing = missing_facts(decided)
        if missing:
            line += " ; il manque : " + missing
    return line


def who(invitation: Invitation) -> str:
    """« Name (linkedin.com/in/…) », for the sender, or the recipient of an outgoing request;
    an outgoing request without one is « invitation ID (destinataire inconnu) »: its sender is
    the user, whom the line must not name as the person it goes to."""
    person = invitation.expediteur
    if invitation.sens == OUTGOING:
        if invitation.destinataire is None:
            return f"invitation {invitation.id} (destinataire inconnu)"
        person = invitation.destinataire
    name = person.nom.strip() if person.nom and not blank(person.nom) else ""
    name = name or f"invitation {invitation.id}"  # spaces or invisible only: no name to show
    return f"{name} ({short_url(person.profil_url)})" if person.profil_url else name


def short_url(url: str) -> str:
    """``https://www.linkedin.com/in/x/`` -> ``linkedin.com/in/x``."""
    short = url.strip().removeprefix("https://").removeprefix("http://").removeprefix("www.")
    return short.rstrip("/")


def missing_facts(decided: Decided) -> str:
    """The base facts and fields the policy read that stayed inconnu, with what was absent."""
    explained = decided.explained
    unknown = [name for name, value in explained.decision.facts.items() if value is None]
    shown = [_with_evidence(name, explained.evidence) for name in unknown[:MAX_MISSING]]
    extra = len(unknown) - MAX_MISSING
    return " ; ".join(shown) + (f" ; et {extra} autre(s)" if extra > 0 else "")


def _with_evidence(name: str, evidence: dict[str, str]) -> str:
    note = evidence.get(name)
    if note:
        return f"{name} ({note})"
    return f"{name} (absent)" if "." in name else name
