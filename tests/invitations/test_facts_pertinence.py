"""The pertinent fact: the sender's profile against the user's domains."""

from __future__ import annotations

import pytest
from invitation_helpers import context, fact, sender

from tamis.invitations.context import Context


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"titre": "Stagiaire en MARKETING numérique"}, "expediteur.titre"),
        ({"titre": "Marketeur"}, "expediteur.titre"),
        ({"titre": "Gestionnaire de communauté, médias sociaux"}, "expediteur.titre"),
        ({"titre": "SEO", "competences": ["Social Media Strategy"]}, "expediteur.competences"),
        ({"titre": "Analyste", "secteur": "Marketing et publicité"}, "expediteur.secteur"),
        (
            {"titre": "Rédactrice", "centres_interet": ["création de contenus"]},
            "expediteur.centres_interet",
        ),
    ],
)
def test_pertinent_vrai_when_a_domain_matches(changes, field):
    value, evidence = fact("pertinent", expediteur=sender(**changes))
    assert value is True
    assert evidence.startswith(field)


def test_pertinent_vrai_when_working_for_one_of_your_employers():
    profile = sender(titre="Comptable", entreprise="Ludis Media inc.")
    value, evidence = fact("pertinent", expediteur=profile)
    assert value is True
    assert "est aussi votre employeur" in evidence


def test_pertinent_faux_when_nothing_matches():
    profile = sender(
        titre="Technicien en plomberie", secteur="Construction", entreprise="Plomberie Lachance"
    )
    value, evidence = fact("pertinent", expediteur=profile)
    assert value is False
    assert evidence.startswith("aucun de vos domaines (marketing, médias sociaux, contenu)")


def test_pertinent_inconnu_without_domains_or_profile():
    assert fact("pertinent", ctx=Context.empty(), expediteur=sender())[0] is None
    assert fact("pertinent", ctx=context(), expediteur={"nom": "X"})[0] is None
