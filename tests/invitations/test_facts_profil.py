"""Profile facts: sans_photo, profil_entreprise, profil_incomplet, peu_de_connexions,
sans_recommandations — each vrai, faux and inconnu."""

from __future__ import annotations

import pytest
from invitation_helpers import fact, sender

GHOSTS = [
    "https://static.licdn.com/aero-v1/sc/h/9c8pery4andzj6ohjkjp54ma2",
    "https://static-exp1.licdn.com/sc/h/244xhbkr7g40x6bsu4gi6q4ry",
    "https://static.licdn.com/scds/common/u/images/themes/katy/ghosts/person/ghost_person_100x100_v1.png",
]


@pytest.mark.parametrize("photo", [False, *GHOSTS])
def test_sans_photo_vrai_without_photo_or_with_a_default_avatar(photo):
    value, evidence = fact("sans_photo", expediteur=sender(photo=photo))
    assert value is True
    assert "expediteur.photo" in evidence


@pytest.mark.parametrize("photo", [True, "https://media.licdn.com/dms/image/v2/C4E03AQ/photo/0/1"])
def test_sans_photo_faux_with_a_photo(photo):
    assert fact("sans_photo", expediteur=sender(photo=photo))[0] is False


def test_sans_photo_inconnu_when_photo_absent():
    value, evidence = fact("sans_photo", expediteur=sender(photo=...))
    assert value is None
    assert evidence == "expediteur.photo absente : on ne sait pas si le profil a une photo"


def test_field_photo_is_false_for_a_default_avatar():
    assert fact("expediteur.photo", expediteur=sender(photo=GHOSTS[0]))[0] is False


@pytest.mark.parametrize(
    "changes",
    [
        {"type": "entreprise"},
        {"type": ..., "nom": "Imprimerie Laval Ltée"},
        {"type": ..., "nom": "Brandly Inc."},
        {"type": ..., "profil_url": "https://www.linkedin.com/company/brandly/"},
    ],
)
def test_profil_entreprise_vrai(changes):
    assert fact("profil_entreprise", expediteur=sender(**changes))[0] is True


def test_profil_entreprise_faux_for_a_person():
    assert fact("profil_entreprise", expediteur=sender(type="personne"))[0] is False


def test_profil_entreprise_inconnu_without_type_or_company_sign():
    value, evidence = fact(
        "profil_entreprise", expediteur=sender(type=..., nom="Incorporated Jones")
    )
    assert value is None
    assert "expediteur.type absent" in evidence


def test_profil_incomplet_vrai_when_work_and_studies_are_missing():
    profile = sender(entreprise="", formation=[], experiences=[])
    value, evidence = fact("profil_incomplet", expediteur=profile)
    assert value is True
    assert "sections manquantes : travail, études" in evidence


def test_profil_incomplet_faux_when_only_one_section_could_be_missing():
    profile = sender(centres_interet=[], competences=...)
    assert fact("profil_incomplet", expediteur=profile)[0] is False


def test_profil_incomplet_inconnu_when_sections_are_unknown():
    profile = sender(entreprise=..., formation=..., centres_interet=[])
    assert fact("profil_incomplet", expediteur=profile)[0] is None


def test_profil_incomplet_reads_its_parameter():
    profile = sender(centres_interet=[])
    assert fact("profil_incomplet", expediteur=profile)[0] is False
    parameters = {"sections_manquantes_min": 1}
    assert fact("profil_incomplet", parameters=parameters, expediteur=profile)[0] is True


def test_profil_incomplet_current_experience_counts_as_work():
    work = [{"entreprise": "Metro", "poste": "Analyste", "debut": "2020"}]
    profile = sender(entreprise=..., experiences=work, formation=[])
    assert fact("profil_incomplet", expediteur=profile)[0] is False


@pytest.mark.parametrize(("count", "expected"), [(12, True), (49, True), (50, False), (900, False)])
def test_peu_de_connexions_against_the_default(count, expected):
    value, evidence = fact("peu_de_connexions", expediteur=sender(connexions=count))
    assert value is expected
    sign = "<" if expected else "≥"
    assert evidence == f"expediteur.connexions ({count}) {sign} connexions_min (50)"


def test_peu_de_connexions_reads_its_parameter_and_is_inconnu_without_count():
    assert fact(
        "peu_de_connexions", parameters={"connexions_min": 100}, expediteur=sender(connexions=80)
    )[0]
    assert fact("peu_de_connexions", expediteur=sender(connexions=...))[0] is None


@pytest.mark.parametrize(("count", "expected"), [(0, True), (1, False), (..., None)])
def test_sans_recommandations(count, expected):
    assert fact("sans_recommandations", expediteur=sender(recommandations=count))[0] is expected
