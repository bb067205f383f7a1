"""What to do on LinkedIn for each decision: the step a person takes in their inbox.

The chamber of commerce: refusing is never announced — « la demande de contact restera
simplement "en suspens" » — so on LinkedIn both ``refuser`` and ``ignorer`` mean clicking
« Ignorer »; ``signaler`` adds reporting the profile; ``examiner`` leaves the decision to the
person, with what would settle it. The CLI's and the web pages' wording share this table.
"""

from __future__ import annotations

from tamis.grammar.ast import Action

STEP: dict[Action, str] = {
    Action.ACCEPTER: "Accepter",
    Action.REFUSER: "Ignorer",
    Action.IGNORER: "Ignorer",
    Action.SIGNALER: "Ignorer, puis signaler le profil",
    Action.EXAMINER: "À examiner vous-même",
}


def linkedin_step(action: str) -> str:
    """The step for a decision word as recorded (« refuser » -> « Ignorer »)."""
    return STEP[Action(action)]
