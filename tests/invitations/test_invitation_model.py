"""Validation of the JSON input: French errors naming record and field, warnings for
unknown fields."""

# ruff: noqa: E501 - expected French messages and sample texts stay on one line, as users see them

from __future__ import annotations

import unicodedata

import pytest

from tamis.invitations.validation import validate


def errors_of(raw):
    invitation, errors, _ = validate(raw, "ligne 3")
    assert invitation is None
    return errors


def test_only_id_is_required():
    invitation, errors, warnings = validate({"id": "a"}, "ligne 1")
    assert invitation is not None and errors == [] and warnings == []
    assert invitation.message is None and invitation.expediteur.photo is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"expediteur": {}}, "invitation sans id (ligne 3), champ « id » : champ obligatoire manquant"),
        ({"id": 7}, "invitation sans id (ligne 3), champ « id » : doit être un texte (reçu : 7)"),
        ({"id": "a", "expediteur": {"connexions": -5}},
         "invitation « a », champ « expediteur.connexions » : ne doit pas être négatif (reçu : -5)"),
        ({"id": "a", "expediteur": {"connexions": "12"}},
         "invitation « a », champ « expediteur.connexions » : doit être un nombre entier (reçu : \"12\")"),
        ({"id": "a", "expediteur": {"recommandations": True}},
         "invitation « a », champ « expediteur.recommandations » : doit être un nombre entier (reçu : true)"),
        ({"id": "a", "sens": "in"},
         "invitation « a », champ « sens » : doit valoir « entrante » ou « sortante » (reçu : \"in\")"),
        ({"id": "a", "recue_le": "hier"},
         "invitation « a », champ « recue_le » : date illisible : attendu une date ISO 8601, "
         "p. ex. « 2026-01-29T14:37:00 » (reçu : \"hier\")"),
        ({"id": "a", "expediteur": {"experiences": [{"debut": "mars 2015"}]}},
         "invitation « a », champ « expediteur.experiences[0].debut » : date illisible : attendu une "
         "année « 2015 » ou une année-mois « 2015-03 » (reçu : \"mars 2015\")"),
        ({"id": "a", "expediteur": {"experiences": [{"fin": "2015-13"}]}},
         "invitation « a », champ « expediteur.experiences[0].fin » : date illisible : attendu une "
         "année « 2015 » ou une année-mois « 2015-03 » (reçu : \"2015-13\")"),
        ({"id": "a", "expediteur": {"photo": "moi.png"}},
         "invitation « a », champ « expediteur.photo » : doit être l'adresse (URL http…) de la photo, "
         "true ou false (reçu : \"moi.png\")"),
        ({"id": "a", "expediteur": {"photo": 1}},
         "invitation « a », champ « expediteur.photo » : doit être l'adresse (URL http…) de la photo, "
         "true ou false (reçu : 1)"),
        ({"id": "a", "expediteur": {"formation": ["UQAM", 4]}},
         "invitation « a », champ « expediteur.formation[1] » : doit être le nom d'un établissement "
         "(texte) ou un objet {ecole, diplome, …} (reçu : 4)"),
        ({"id": "a", "expediteur": {"formation": [{"ecole": 4}]}},
         "invitation « a », champ « expediteur.formation[0].ecole » : doit être un texte (reçu : 4)"),
        ({"id": "a", "expediteur": "Jean"},
         "invitation « a », champ « expediteur » : doit être un objet JSON (reçu : \"Jean\")"),
        ({"id": "a", "expediteur": {"competences": "SEO"}},
         "invitation « a », champ « expediteur.competences » : doit être une liste (reçu : \"SEO\")"),
        ({"id": "a", "expediteur": {"type": "robot"}},
         "invitation « a », champ « expediteur.type » : doit valoir « personne » ou « entreprise » "
         "(reçu : \"robot\")"),
    ],
)  # fmt: skip
def test_error_messages(raw, message):
    assert errors_of(raw) == [message]


def test_all_errors_of_a_record_are_reported():
    raw = {"id": "a", "sens": "x", "expediteur": {"connexions": -1, "relations_communes": -2}}
    assert len(errors_of(raw)) == 3


def test_a_non_object_is_an_error():
    assert errors_of([1]) == ["ligne 3 : un objet JSON était attendu, reçu une liste"]


def test_unknown_fields_are_warnings_and_kept_out():
    raw = {
        "id": "a",
        "humeur": "joyeuse",
        "expediteur": {"age": 40, "experiences": [{"salaire": 1}]},
    }
    invitation, errors, warnings = validate(raw, "ligne 1")
    assert errors == []
    assert warnings == [
        "invitation « a », champ « humeur » inconnu : ignoré",
        "invitation « a », champ « expediteur.age » inconnu : ignoré",
        "invitation « a », champ « expediteur.experiences[0].salaire » inconnu : ignoré",
    ]
    assert not hasattr(invitation, "humeur")


@pytest.mark.parametrize("date", ["2015", "2015-03", "1999-12"])
def test_year_and_year_month_dates_are_accepted(date):
    assert validate({"id": "a", "expediteur": {"experiences": [{"debut": date}]}}, "l")[1] == []


def test_message_null_is_no_note_and_absent_is_unknown():
    assert validate({"id": "a", "message": None}, "l")[0].message == ""
    assert validate({"id": "a"}, "l")[0].message is None


def test_recue_le_accepts_iso_with_zone_or_z():
    invitation = validate({"id": "a", "recue_le": "2026-01-29T14:37:00Z"}, "l")[0]
    assert invitation.recue_le_iso() == "2026-01-29T14:37:00+00:00"


def test_texts_are_composed_like_policies():
    decomposed = unicodedata.normalize("NFD", "Rencontrée au café")
    raw = {"id": "a", "message": decomposed, "expediteur": {"competences": [decomposed]}}
    invitation, errors, _ = validate(raw, "ligne 1")
    assert errors == []
    assert invitation.message == "Rencontrée au café" != decomposed
    assert invitation.expediteur.competences == ["Rencontrée au café"]
