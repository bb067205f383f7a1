"""A request the user is about to send is advised (« À envoyer selon la règle … »), never
« Acceptée » or « Refusée »: in the explanation printed, journaled and replayed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tamis.engine.engines import EngineName
from tamis.invitations.validation import validate
from tamis.triage.pipeline import SetupOptions, decide_invitation, prepare

ROOT = Path(__file__).resolve().parents[2]
CHAMBRE = str(ROOT / "policies" / "chambre.tamis")
CONTEXT = str(ROOT / "policies" / "exemples" / "tamis.toml")


def explanation(raw: dict) -> str:
    setup = prepare(SetupOptions(CHAMBRE, CONTEXT, EngineName.NATIF, ()))
    invitation, errors, _ = validate(raw)
    assert not errors
    return decide_invitation(setup, invitation)[0].explanation


@pytest.mark.parametrize(
    ("message", "head"),
    [
        ("Bonjour Sophie, ravie de notre rencontre au congrès ; au plaisir!", "À envoyer selon"),
        ("", "À retoucher selon la règle « personnaliser »"),
    ],
)
def test_outgoing_requests_are_advice(message, head):
    raw = {
        "id": "s-1", "sens": "sortante", "message": message,
        "destinataire": {"nom": "Sophie Lavoie",
                         "profil_url": "https://www.linkedin.com/in/sophie-lavoie-mtl"},
    }  # fmt: skip
    text = explanation(raw)
    assert text.startswith(head)
    assert "Acceptée" not in text and "Refusée" not in text


def test_a_stranger_is_not_to_be_sent_and_received_invitations_keep_their_words():
    outgoing = {"id": "s-2", "sens": "sortante", "message": "Bonjour, au congrès on s'est parlé.",
                "destinataire": {"nom": "Inconnue Totale"}}  # fmt: skip
    assert explanation(outgoing).startswith("À ne pas envoyer selon la règle « pénalités »")
    received = {**outgoing, "sens": "entrante", "expediteur": {"nom": "Inconnue Totale"}}
    assert explanation(received).startswith("Ignorée par la règle « hors réseau réel »")
