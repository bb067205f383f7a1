"""Key places in a TOML document: every key and value where the text has it, whatever the
strings, comments, arrays and tables around it."""

from __future__ import annotations

import tomllib

from tamis.cases.locate import locate

DOCUMENT = '''\
# [pas une table] = "commentaire"
politique = "a#b.tamis"  # commentaire
"clé spéciale".x = 1

[[cas]]
nom = """plusieurs
lignes avec [crochets] et # dièse et \\" fin"""
invitation = { expediteur = { "nom" = 'Jean "J" Roy', connexions = 3 }, message = "}" }
liste = [
  "a", # commentaire
  { b = 2 },
]

[[cas]]
nom = 'deux'
[cas.attendu]
decision = "refuser"
[cas.attendu.faits]
suspect = "vrai"
'''


def test_every_key_is_placed_where_it_is_written() -> None:
    tomllib.loads(DOCUMENT)  # the scanner only ever sees documents tomllib accepted
    places = locate(DOCUMENT)

    def at(*path):
        place = places.get(path)
        assert place is not None, path
        return (place.key.line, place.key.column), (place.value.line, place.value.column)

    assert at("politique") == ((2, 1), (2, 13))
    assert at("clé spéciale", "x") == ((3, 1), (3, 20))
    assert at("cas", 0) == ((5, 1), (5, 1))
    assert at("cas", 0, "nom") == ((6, 1), (6, 7))
    assert at("cas", 0, "invitation", "expediteur", "nom") == ((8, 31), (8, 39))
    assert at("cas", 0, "invitation", "expediteur", "connexions") == ((8, 55), (8, 68))
    assert at("cas", 0, "invitation", "message") == ((8, 73), (8, 83))
    assert at("cas", 0, "liste", 1, "b") == ((11, 5), (11, 9))
    assert at("cas", 1, "nom") == ((15, 1), (15, 7))
    assert at("cas", 1, "attendu", "decision") == ((17, 1), (17, 12))
    assert at("cas", 1, "attendu", "faits", "suspect") == ((19, 1), (19, 11))


def test_a_path_not_written_is_placed_at_its_closest_ancestor() -> None:
    places = locate(DOCUMENT)
    assert places.near(("cas", 1, "attendu", "regle")) == places.get(("cas", 1, "attendu"))
    assert places.near(("absent",)) is None
