# ruff: noqa: E501  (the table quotes whole French messages)
"""Every checker diagnostic code, through policy text: exact message, help, line and column.

Each case is a small policy with one mistake; the other diagnostics it produces are listed
too, so that a change in positions or a new cascade of errors shows up here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest

from tamis.grammar.check_codes import CODES
from tamis.grammar.load import load_policy
from tamis.invitations.vocabulary import vocabulary

ROOT = Path(__file__).resolve().parents[2]
VOCABULARY = vocabulary()


class Case(NamedTuple):
    code: str
    source: str
    line: int
    column: int
    message: str
    help: str | None
    others: list[tuple[str, int, int]]


CASES = [
    Case(
        "E010",
        'politique "a"\npolitique "b"\nrefuser si sans_photo\nsinon examiner\n',
        2,
        1,
        "l'instruction « politique » apparaît plus d'une fois",
        "elle est déjà écrite à la ligne 1 ; gardez-en une seule",
        [],
    ),
    Case(
        "E011",
        "refuser si sans_phot\nsinon examiner\n",
        1,
        12,
        "fait ou paramètre inconnu « sans_phot »",
        "vouliez-vous dire « sans_photo » ?",
        [],
    ),
    Case(
        "E012",
        "refuser si expediteur.conexions > 5\nsinon examiner\n",
        1,
        12,
        "champ inconnu « expediteur.conexions »",
        "vouliez-vous dire « expediteur.connexions » ?",
        [],
    ),
    Case(
        "E013",
        'refuser si expediteur.connexions = "cent"\nsinon examiner\n',
        1,
        12,
        'comparaison impossible entre « expediteur.connexions » (de type nombre) et « "cent" » (de type texte)',
        "les deux côtés de « = » doivent être du même type",
        [],
    ),
    Case(
        "E014",
        "refuser si expediteur.titre < 5\nsinon examiner\n",
        1,
        12,
        "« < » compare des nombres, mais « expediteur.titre » est de type texte",
        "pour du texte, utilisez « = », « contient », « commence par » ou « dans »",
        [],
    ),
    Case(
        "E015",
        "refuser si expediteur.titre entre 1 et 5\nsinon examiner\n",
        1,
        12,
        "« entre » s'applique à des nombres, mais « expediteur.titre » est de type texte",
        "pour du texte, utilisez « = », « contient », « commence par » ou « dans »",
        [],
    ),
    Case(
        "E016",
        'refuser si expediteur.connexions contient "5"\nsinon examiner\n',
        1,
        12,
        "« contient » s'applique à du texte ou à une liste, mais « expediteur.connexions » est de type nombre",
        "pour un nombre, utilisez « = », « < » ou « entre »",
        [],
    ),
    Case(
        "E017",
        "refuser si message commence par 5\nsinon examiner\n",
        1,
        33,
        "« commence par » s'applique à du texte, mais « 5 » est de type nombre",
        'écrivez le texte entre guillemets, par exemple « "vente" »',
        [],
    ),
    Case(
        "E018",
        'refuser si message dans "vente"\nsinon examiner\n',
        1,
        25,
        '« dans » attend une liste, mais « "vente" » est de type texte',
        'écrivez la liste entre crochets, par exemple « dans ["vente", "marketing"] »',
        [],
    ),
    Case(
        "E019",
        'refuser si expediteur.connexions dans ["a", "b"]\nsinon examiner\n',
        1,
        12,
        "« expediteur.connexions » est de type nombre, mais la liste contient des éléments de type texte",
        "les éléments de la liste doivent être du même type que ce qu'on y cherche",
        [],
    ),
    Case(
        "E020",
        "refuser si expediteur.connexions\nsinon examiner\n",
        1,
        12,
        "une condition doit être vraie ou fausse, mais « expediteur.connexions » est de type nombre",
        "comparez-le à une valeur, par exemple « expediteur.connexions < 50 »",
        [],
    ),
    Case(
        "E021",
        'examiner si message correspond à "(?i)poste|(emploi"\nsinon examiner\n',
        1,
        45,
        "expression régulière invalide : parenthèse ouverte jamais fermée (caractère 11 du motif)",
        "vérifiez parenthèses et crochets ; pour chercher un caractère spécial tel quel (. * + ? ( ) [ ] |), faites-le précéder de « \\ »",
        [],
    ),
    Case(
        "E022",
        "définir a si b\ndéfinir b si a\nrefuser si a\nsinon examiner\n",
        1,
        9,
        "la définition « a » dépend d'elle-même : a → b → a",
        "une définition ne peut pas se lire elle-même, ni directement ni par d'autres définitions ; cassez le cycle",
        [],
    ),
    Case(
        "E023",
        'règle "photo" : refuser si sans_photo\nrègle "photo" : refuser si profil_entreprise\nsinon examiner\n',
        2,
        1,
        "une autre règle s'appelle déjà « photo »",
        "la première est à la ligne 1 ; donnez un nom différent à chaque règle",
        [],
    ),
    Case(
        "E024",
        "définir a si connu\ndéfinir a si pertinent\naccepter si a\nsinon examiner\n",
        2,
        9,
        "« a » est déjà défini",
        "première définition à la ligne 1 ; gardez-en une seule ou renommez-la",
        [],
    ),
    Case(
        "E025",
        "paramètre n = 1\nparamètre n = 2\nrefuser si expediteur.connexions < n\nsinon examiner\n",
        2,
        11,
        "le paramètre « n » est déjà déclaré",
        "première déclaration à la ligne 1 ; gardez-en une seule",
        [],
    ),
    Case(
        "E026",
        "paramètre a = 1\ndéfinir a si connu\naccepter si a\nsinon examiner\n",
        2,
        9,
        "« a » est à la fois un paramètre et une définition",
        "l'autre déclaration est à la ligne 1 ; renommez l'une des deux",
        [],
    ),
    Case(
        "E027",
        'paramètre connexions_min = "cinquante"\nrefuser si peu_de_connexions\nsinon examiner\n',
        1,
        28,
        "le paramètre intégré « connexions_min » attend une valeur de type nombre, pas de type texte",
        f"par défaut, « connexions_min » vaut 50 ({VOCABULARY.parameters['connexions_min'].description})",
        [],
    ),
    Case(
        "E028",
        'règle "a" priorité 3 : refuser si sans_photo\nsinon examiner\n',
        1,
        1,
        "la règle « a » a une priorité, mais la politique utilise « résolution première_applicable »",
        "ajoutez « résolution priorité » en tête de politique, ou retirez « priorité 3 »",
        [],
    ),
    Case(
        "E029",
        "résolution priorité\nrefuser si sans_photo\nsinon examiner\n",
        2,
        1,
        "la règle de la ligne 2 n'a pas de priorité, alors que la politique utilise « résolution priorité »",
        'écrivez-la « règle "nom" priorité 10 : refuser si … »',
        [],
    ),
    Case(
        "E030",
        "résolution priorité\nrésolution refus_prioritaire\nrefuser si sans_photo\nsinon examiner\n",
        2,
        1,
        "l'instruction « résolution » apparaît plus d'une fois",
        "elle est déjà écrite à la ligne 1 ; gardez-en une seule",
        [("E029", 3, 1)],
    ),
    Case(
        "E031",
        "refuser si sans_photo\nsinon examiner\nsinon accepter\n",
        3,
        1,
        "l'instruction « sinon » apparaît plus d'une fois",
        "elle est déjà écrite à la ligne 2 ; gardez-en une seule",
        [],
    ),
    Case(
        "E032",
        'refuser si expediteur.secteur dans ["vente", 3]\nsinon examiner\n',
        1,
        36,
        "la liste mélange des types (nombre et texte)",
        "tous les éléments d'une liste doivent être du même type",
        [],
    ),
    Case(
        "E033",
        'refuser si expediteur.secteur = ["vente"]\nsinon examiner\n',
        1,
        33,
        "une liste entre crochets ne s'utilise pas avec « = »",
        'une liste s\'écrit seulement après « dans », par exemple « expediteur.secteur dans ["vente", "marketing"] »',
        [],
    ),
    Case(
        "E034",
        "paramètre sans_photo = 3\nrefuser si sans_photo\nsinon examiner\n",
        1,
        11,
        "le paramètre « sans_photo » porte le nom d'un fait intégré",
        f"« sans_photo » désigne déjà : {VOCABULARY.names['sans_photo'].description} ; choisissez un autre nom",
        [],
    ),
    Case(
        "E035",
        "définir vedette_min si connu\naccepter si vedette_min\nsinon examiner\n",
        1,
        9,
        "la définition « vedette_min » porte le nom d'un paramètre intégré",
        "choisissez un autre nom, ou écrivez « paramètre vedette_min = … » pour changer sa valeur",
        [],
    ),
    Case(
        "E036",
        'paramètre secteurs = ["vente", 3]\nrefuser si expediteur.secteur dans secteurs\nsinon examiner\n',
        1,
        32,
        "la liste du paramètre « secteurs » ne doit contenir que du texte",
        'écrivez chaque élément entre guillemets, par exemple « "vente" »',
        [],
    ),
    Case(
        "E037",
        'examiner si message correspond à "(?i)poste(?!s)"\nsinon examiner\n',
        1,
        44,
        "expression régulière non prise en charge : assertion avant « (?! » (caractère 10 du motif)",
        "tamis évalue les expressions régulières en temps linéaire (RE2), sans retour arrière : réécrivez le motif sans cette construction (voir « Les expressions régulières » dans docs/langage.md), ou découpez la condition avec « et » / « non »",
        [],
    ),
    Case(
        "E038",
        "paramètre connexions_min = -5\nrefuser si peu_de_connexions\nsinon examiner\n",
        1,
        28,
        "le paramètre intégré « connexions_min » ne doit pas être négatif (reçu : -5)",
        "par défaut, « connexions_min » vaut 50 (en deçà, peu_de_connexions est vrai)",
        [],
    ),
    Case(
        "W001",
        "définir a si connu\nrefuser si sans_photo\nsinon examiner\n",
        1,
        9,
        "la définition « a » n'est utilisée par aucune règle",
        "supprimez-la, ou utilisez-la dans la condition d'une règle",
        [],
    ),
    Case(
        "W002",
        "paramètre n = 1\nrefuser si sans_photo\nsinon examiner\n",
        1,
        11,
        "le paramètre « n » n'est utilisé nulle part",
        "supprimez-le, ou utilisez-le dans une condition",
        [],
    ),
    Case(
        "W003",
        "refuser si sans_photo\n",
        1,
        22,
        "la politique n'a pas de « sinon » : quand aucune règle ne s'applique, la décision sera « examiner »",
        "ajoutez « sinon examiner » (ou une autre action) à la fin de la politique pour rendre ce choix explicite",
        [],
    ),
    Case(
        "W004",
        "refuser si vrai\naccepter si connu\nsinon examiner\n",
        2,
        1,
        "la règle de la ligne 2 ne décidera jamais : la règle de la ligne 1 s'applique toujours et passe avant elle",
        "avec « résolution première_applicable », la première règle vraie décide ; déplacez ou supprimez l'une des deux",
        [],
    ),
    Case(
        "W005",
        "refuser si sans_photo\naccepter si sans_photo\nsinon examiner\n",
        2,
        1,
        "la règle de la ligne 2 a la même condition que la règle de la ligne 1 mais une autre action (accepter au lieu de refuser)",
        "précisez les conditions ou supprimez l'une des deux ; telle quelle, seule la première décidera",
        [],
    ),
    Case(
        "W006",
        "définir connu si pertinent\naccepter si connu\nsinon examiner\n",
        1,
        9,
        "la définition « connu » remplace le fait intégré du même nom",
        f"le fait intégré « connu » — {VOCABULARY.names['connu'].description} — ne sera plus utilisé ; renommez la définition pour garder les deux",
        [],
    ),
    Case(
        "W007",
        "refuser si faux\nsinon examiner\n",
        1,
        12,
        "la condition de la règle de la ligne 1 n'est jamais vraie",
        "cette règle ne s'appliquera à aucune invitation ; corrigez ou supprimez-la",
        [],
    ),
    Case(
        "W008",
        "refuser si expediteur.connexions entre 10 et 2\nsinon examiner\n",
        1,
        12,
        "les bornes de « entre » sont inversées : 10 est plus grand que 2",
        "écrivez « entre 2 et 10 » ; telle quelle, la condition n'est jamais vraie",
        [],
    ),
    Case(
        "W009",
        "sinon accepter\n",
        1,
        1,
        "la politique ne contient aucune règle de décision",
        "toutes les invitations recevront la décision « accepter » ; ajoutez une règle, par exemple « refuser si sans_photo »",
        [],
    ),
    Case(
        "W011",
        "refuser si expediteur.connexions dans [0,5, 2]\nsinon examiner\n",
        1,
        40,
        "dans une liste, « 0,5 » se lit comme deux nombres, 0 et 5",
        "dans une liste, la virgule sépare les éléments : écrivez « 0.5 » pour un nombre décimal, ou « 0, 5 » pour deux",
        [],
    ),
    Case(
        "W012",
        'règle "vente" : refuser si message contient "x" # \u202e\u2066 ou connu\u2069\u2066\nsinon examiner\n',
        1,
        51,
        "caractère de contrôle de direction U+202E (RIGHT-TO-LEFT OVERRIDE) : le texte affiché n'est pas dans l'ordre où tamis le lit",
        "retirez-le : un éditeur ou une relecture montrerait une autre condition que celle qui décide ; l'arabe ou l'hébreu s'affichent de droite à gauche sans lui",
        [],
    ),
    Case(
        "W010",
        'examiner si message correspond à "(?i)\\bété\\b"\nsinon examiner\n',
        1,
        39,
        "dans une expression régulière, « \\b » ne connaît que les lettres sans accent (ASCII) : « é », « à », « ç »… n'en sont pas pour lui (caractère 5 du motif)",
        "pour une lettre quelconque, écrivez « \\p{L} » (« [\\p{L}\\p{N}_] » au lieu de « \\w ») ; à la place de « \\b » devant ou après une lettre accentuée, écrivez « (^|\\P{L}) » ou « (\\P{L}|$) »",
        [],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.code for c in CASES])
def test_code(case: Case) -> None:
    checked, diagnostics = load_policy(case.source, "p.tamis", VOCABULARY)
    mine = [d for d in diagnostics if d.code == case.code]
    assert len(mine) == 1, diagnostics
    (diagnostic,) = mine
    assert (diagnostic.span.line, diagnostic.span.column) == (case.line, case.column)
    assert diagnostic.message == case.message
    assert diagnostic.help == case.help
    assert diagnostic.path == "p.tamis"
    others = [(d.code, d.span.line, d.span.column) for d in diagnostics if d is not diagnostic]
    assert others == case.others
    assert (checked is None) == any(d.is_error for d in diagnostics)


def test_every_checker_code_has_a_case() -> None:
    tested = {case.code for case in CASES} | {"E000"}  # E000: tests/grammar/test_load.py
    assert tested == set(CODES)


def test_every_code_is_documented() -> None:
    documented = set(
        re.findall(r"^\| ([EW]\d{3}) \|", (ROOT / "docs/diagnostics.md").read_text(), re.M)
    )
    assert set(CODES) <= documented


def test_severity_follows_the_code_letter() -> None:
    for case in CASES:
        _, diagnostics = load_policy(case.source, "p.tamis", VOCABULARY)
        for diagnostic in diagnostics:
            assert diagnostic.is_error == diagnostic.code.startswith("E")


def test_direction_controls_are_warned_once_per_line_in_strings_and_comments() -> None:
    """W012 at the first U+202A-U+202E or U+2066-U+2069 of each line (a string, a rule name,
    a comment); a left-to-right mark or Arabic letters are not warned. Before, valider said
    « OK » of a rule whose shown text was not what tamis read."""
    source = (
        'règle "a\u202eb" : refuser si message = "\u2067x\u2069" # \u2066\n'
        'refuser si message = "\u200eمرحبا"\n'
        "sinon examiner # \u202b\n"
    )
    _, diagnostics = load_policy(source, "p.tamis", VOCABULARY)
    assert [(d.code, d.span.line, d.span.column) for d in diagnostics] == [
        ("W012", 1, 9),
        ("W012", 3, 18),
    ]
