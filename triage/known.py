"""An invitation the journal has already decided, and why it is not decided again.

Sits beside ``pipeline``'s ``Decided`` and ``Rejected``: the third outcome of a record,
made by ``repeat`` before deciding (no fact extracted, nothing journaled). Shells word it
(« déjà décidée le … ») from ``previous``: the journal's latest decision for the same id.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tamis.audit.inputs import Previous
from tamis.invitations.models import Invitation


class Reason(Enum):
    """Why a known invitation is not decided again; the value is what JSON output says."""

    SAME_INPUTS = "memes_entrees"  # same policy, parameters, context and invitation
    ERASED = "donnees_effacees"  # same policy, parameters, context; the invitation was erased
    SEEN = "deja_vue"  # ``--nouvelles``: any earlier decision, whatever the policy
    SAME_RUN = "meme_entree"  # the same id earlier in the same input


@dataclass(frozen=True, slots=True)
class Known:
    """A valid invitation not decided again: the journal's ``previous`` decision stands."""

    location: str
    invitation: Invitation
    previous: Previous
    reason: Reason
    warnings: tuple[str, ...] = ()
