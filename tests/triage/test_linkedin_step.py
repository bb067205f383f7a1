"""The step on LinkedIn for each decision: received invitations and requests to send."""

from __future__ import annotations

import pytest

from tamis.grammar.ast import Action
from tamis.triage.linkedin import OUTGOING_STEP, STEP, linkedin_step


@pytest.mark.parametrize(
    ("action", "received", "outgoing"),
    [
        ("accepter", "Accepter", "Envoyer la demande"),
        ("refuser", "Ignorer", "Ne pas envoyer"),
        ("ignorer", "Ignorer", "Ne pas envoyer"),
        ("signaler", "Ignorer, puis signaler le profil", "Ne pas envoyer"),
        ("examiner", "À examiner vous-même", "Retoucher la demande avant de l'envoyer"),
    ],
)
def test_each_decision_has_its_step(action, received, outgoing):
    assert linkedin_step(action) == linkedin_step(action, "entrante") == received
    assert linkedin_step(action, "sortante") == outgoing


def test_refusing_is_never_announced():
    """Nothing in either table tells the sender: « Refuser » is not a LinkedIn button."""
    assert set(STEP) == set(OUTGOING_STEP) == set(Action)
    assert not any("efuse" in step for step in (*STEP.values(), *OUTGOING_STEP.values()))
