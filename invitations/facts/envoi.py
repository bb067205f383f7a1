"""Facts about a note you are about to send: what only an outgoing request can get wrong.

The chamber of commerce: personalise your requests, and « il serait donc prudent de limiter
votre message à une invitation à rejoindre son réseau ». The other checks of a draft reuse
the facts of received invitations, turned around by ``sens = "sortante"`` (``connu`` looks
up the recipient, ``mensonge`` checks your claims against your own context); this module
adds the one LinkedIn enforces itself: the length of the note.

LinkedIn refuses an invitation note over 300 characters (``NOTE_MAX``). Since 2023 a free
account gets 200 characters and a few personalised notes a month: the evidence says so when
a note falls between the two. (A fixed limit, not a parameter: the parameters in force are
recorded with every decision, and one that no received invitation reads would only add noise.)
"""

from __future__ import annotations

from tamis.grammar.numbers import french
from tamis.invitations.registry import Inputs, Result, fact

NOTE_MAX = 300  # characters LinkedIn accepts in an invitation note
FREE_NOTE_MAX = 200  # what a free account gets since 2023


@fact("note_trop_longue")
def note_trop_longue(inputs: Inputs) -> Result:
    """vrai: the note has more than ``NOTE_MAX`` characters; faux: it fits (an empty note
    fits); inconnu: the note is unknown (``message`` absent)."""
    note = inputs.invitation.message
    if note is None:
        return None, f"message absent : longueur inconnue (limite de LinkedIn : {NOTE_MAX})"
    length = len(note.strip())
    if length > NOTE_MAX:
        shown = french(length)
        return True, f"note de {shown} caractères, plus que les {NOTE_MAX} acceptés par LinkedIn"
    if length > FREE_NOTE_MAX:
        return False, (
            f"note de {french(length)} caractères ≤ {NOTE_MAX}, mais plus que les {FREE_NOTE_MAX}"
            " d'un compte gratuit"
        )
    return False, f"note de {french(length)} caractères ≤ {NOTE_MAX}"
