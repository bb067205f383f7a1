"""What to do on LinkedIn for each decision: the step a person takes in their inbox.

The chamber of commerce: refusing is never announced — « la demande de contact restera
simplement "en suspens" » — so on LinkedIn both ``refuser`` and ``ignorer`` mean clicking
« Ignorer »; ``signaler`` adds reporting the profile; ``examiner`` leaves the decision to the
person, with what would settle it. For a request the user is about to send (``sens =
"sortante"``) nothing is accepted or refused: the decision is advice on sending it. The
CLI's and the web pages' wording share these tables.
"""

from __future__ import annotations

from tamis.grammar.ast import Action
from tamis.invitations.models import OUTGOING

STEP: dict[Action, str] = {
    Action.ACCEPTER: "Accepter",
    Action.REFUSER: "Ignorer",
    Action.IGNORER: "Ignorer",
    Action.SIGNALER: "Ignorer, puis signaler le profil",
    Action.EXAMINER: "À examiner vous-même",
}
OUTGOING_STEP: dict[Action, str] = {
    Action.ACCEPTER: "Envoyer la demande",
    Action.REFUSER: "Ne pas envoyer",
    Action.IGNORER: "Ne pas envoyer",
    Action.SIGNALER: "Ne pas envoyer",
    Action.EXAMINER: "Retoucher la demande avant de l'envoyer",
}


def linkedin_step(action: str, sens: str | None = None) -> str:
    """The step for a decision word as recorded (« refuser » -> « Ignorer »); for an
    outgoing request, what to do with it (« accepter » -> « Envoyer la demande »)."""
    table = OUTGOING_STEP if sens == OUTGOING else STEP
    return table[Action(action)]


def either_step(action: str) -> str:
    """The step when the direction is no longer known (the invitation was erased, its
    ``sens`` with it): « Ignorer (invitation reçue) ou ne pas envoyer (demande à envoyer) »."""
    received, sent = STEP[Action(action)], OUTGOING_STEP[Action(action)]
    return f"{received} (invitation reçue) ou {sent[0].lower()}{sent[1:]} (demande à envoyer)"
