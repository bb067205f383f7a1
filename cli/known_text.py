"""What ``tamis decider`` prints for an invitation it does not decide again (``Known``).

Sits at the end of ``decider`` (``triage.repeat`` -> ``Known`` -> **these lines**): the court
line names the sender like every other line, the texte line starts with the id, the JSON
object says ``"statut": "deja_decidee"`` with the earlier decision's time as journaled (UTC)
and its ``seq`` (both null for an id decided earlier in the same input: that record's time
and number are the journal's). Times a person reads are local unless ``--utc``
(``human.when``); every text from the invitation goes through ``human.safe``.
"""

from __future__ import annotations

from typing import Any

from tamis.cli import human
from tamis.triage.brief import DASH, who
from tamis.triage.known import Known, Reason
from tamis.triage.repeat import Rerun

_WHY = {
    Reason.SAME_INPUTS: ", même politique et mêmes entrées",
    Reason.ERASED: ", même politique ; ses données personnelles ont été effacées depuis",
    Reason.SEEN: "",
    Reason.SAME_RUN: "",
}
HINTS = {
    Rerun.CHANGED: " (--redecider pour les décider à nouveau)",
    Rerun.NEW: " (--nouvelles : seules les invitations jamais décidées le sont)",
    Rerun.ALL: "",
}


def known_words(known: Known, *, utc: bool) -> str:
    """« déjà décidée le 2026-02-01 09:37 EST : refuser, même politique et mêmes entrées »."""
    if known.reason is Reason.SAME_RUN:
        return f"déjà décidée plus haut dans cette entrée : {known.previous.decision}"
    moment = known.previous.horodatage
    when = f"{human.when(moment, utc=utc, seconds=False)} {human.zone(moment, utc=utc)}"
    return f"déjà décidée le {when} : {known.previous.decision}{_WHY[known.reason]}"


def known_court(known: Known, *, utc: bool) -> str:
    return human.safe(who(known.invitation) + DASH + known_words(known, utc=utc))


def known_texte(known: Known, *, utc: bool) -> str:
    return human.safe(f"{known.invitation.id} : {known_words(known, utc=utc)}.")


def known_json(known: Known) -> dict[str, Any]:
    """The JSON object of a known invitation: exact, UTC, as the journal holds it."""
    previous = known.previous
    return {
        "id": known.invitation.id,
        "statut": "deja_decidee",
        "raison": known.reason.value,
        "decision": previous.decision,
        "decidee_le": previous.horodatage,
        "seq": previous.seq,
    }
