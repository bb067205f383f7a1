"""Text normalisation: case, accents, punctuation, spacing, stems."""

from __future__ import annotations

import pytest

from tamis.invitations.text import fold, normalise, related_name, stem, stems


def test_fold_and_normalise():
    assert fold("Médias SOCIAUX") == "medias sociaux"
    assert (
        normalise("  Je vous invite… à faire—partie, l’équipe!! ")
        == "je vous invite a faire partie l equipe"
    )
    assert normalise("I’d like") == normalise("I'd like") == "i d like"


@pytest.mark.parametrize(
    ("word", "expected"),
    [("marketing", "market"), ("marketeur", "market"), ("sociaux", "social"), ("medias", "media"),
     ("strategies", "strateg"), ("contenus", "contenu"), ("blogue", "blogu"), ("art", "art")],
)  # fmt: skip
def test_stem(word, expected):
    assert stem(word) == expected


def test_stems_meet_across_languages_and_drop_stop_words():
    assert stems("médias sociaux") <= stems("Social Media Manager")
    assert stems("le marketing de contenu") == {"market", "contenu"}


def test_related_names():
    assert related_name("Ludis Media", "LUDIS MÉDIA inc.")
    assert related_name("UQAM", "Université du Québec à Montréal (UQAM)")
    assert not related_name("Media", "Ludis Medias")
    assert not related_name("", "UQAM")
