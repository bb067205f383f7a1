"""The mensonge fact: claims of a shared past checked against the context."""

from __future__ import annotations

import pytest
from invitation_helpers import context, fact, sender

from tamis.invitations.facts.mensonge import find_claims


def test_vrai_former_colleagues_without_common_employer():
    profile = sender(entreprise="Desjardins", experiences=[{"entreprise": "Vidéotron"}])
    value, evidence = fact(
        "mensonge", message="Bonjour Jade, en tant qu'anciens collègues, gardons contact!",
        expediteur=profile,
    )  # fmt: skip
    assert value is True
    assert evidence == (
        "affirmation « anciens collègues » (message) : aucun en commun — "
        "expéditeur : Desjardins, Vidéotron ; vous : Ludis Media, Agence Cible"
    )


def test_vrai_named_employer_not_among_yours():
    note = "Salut! Nous avons travaillé ensemble chez Cossette il y a quelques années."
    value, evidence = fact("mensonge", message=note, expediteur=sender(entreprise=...))
    assert value is True
    assert "« Cossette » n'est pas parmi vos employeurs (Ludis Media, Agence Cible)" in evidence


def test_vrai_studied_together_at_another_school():
    note = "On a étudié ensemble à HEC Montréal, ce serait bien de se reconnecter!"
    value, evidence = fact("mensonge", message=note, expediteur=sender())
    assert value is True
    assert "« HEC Montréal » n'est pas parmi vos établissements (UQAM)" in evidence


def test_vrai_from_relation_declaree_even_when_the_note_is_unknown():
    profile = sender(entreprise="Shopify")
    assert fact("mensonge", relation_declaree="Colleague", expediteur=profile)[0] is True


@pytest.mark.parametrize(
    ("note", "relation", "profile"),
    [
        ("Nous avons travaillé ensemble chez Ludis Media en 2016.", None, sender(entreprise=...)),
        ("It's been years, former colleague!", None, sender(entreprise="Ludis Media inc.")),
        ("Salut!", "Camarade de classe", sender(formation=["UQAM"])),
        ("Nous n'avons jamais été collègues, mais votre blogue m'inspire.", None, sender()),
        ("We have never met, but I enjoy your posts.", None, sender()),
        ("Suite à notre rencontre d'hier, au plaisir!", None, sender(nom="Julie Tremblay")),
        ("Bonjour Jade, j'aime votre blogue.", None, sender()),
        ("", None, sender()),
    ],
)
def test_faux_when_no_claim_or_it_checks_out(note, relation, profile):
    fields = {"message": note, "expediteur": profile}
    if relation:
        fields["relation_declaree"] = relation
    assert fact("mensonge", **fields)[0] is False


def test_inconnu_when_a_meeting_cannot_be_checked():
    value, evidence = fact(
        "mensonge", message="Nous nous sommes rencontrés au Salon RH.", expediteur=sender()
    )
    assert value is None
    assert "votre contexte ne permet pas de la vérifier" in evidence


def test_inconnu_without_employers_in_context_or_note():
    ctx = context(entreprises=())
    assert fact("mensonge", ctx=ctx, message="Anciens collègues!", expediteur=sender())[0] is None
    assert (
        fact("mensonge", message="Anciens collègues!", expediteur=sender(entreprise=...))[0] is None
    )
    assert fact("mensonge", expediteur=sender())[0] is None


def test_claims_are_found_per_sentence_in_both_languages():
    claims = find_claims(
        "Hello! We worked together at Ludis. Puis on s'est rencontrés au 5 à 7.", "message"
    )
    assert [(c.kind, c.phrase) for c in claims] == [
        ("collègues", "worked together"),
        ("rencontre", "on s'est rencontrés"),
    ]
