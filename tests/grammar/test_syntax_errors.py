"""Syntax errors: each code with its exact French message, line, column and help."""

from __future__ import annotations

import pytest

from tamis.grammar.diagnostics import Severity, render
from tamis.grammar.parse import lark_parser, parse_policy
from tamis.grammar.syntax_errors import MISTAKES, _sample_errors
from tamis.grammar.to_ast import MAX_DEPTH


def only_error(text: str):
    policy, diagnostics = parse_policy(text, "p.tamis")
    assert policy is None
    (diagnostic,) = diagnostics
    assert diagnostic.severity is Severity.ERREUR
    assert diagnostic.path == "p.tamis"
    return diagnostic


NUL = "caractère inattendu U+0000 (caractère nul) : une politique est du texte"

CASES = [
    # (source, code, message, line, column)
    (
        "refuser si a b",
        "E001",
        "« b » inattendu : il manque « et », « ou » ou un opérateur",
        1,
        14,
    ),
    (
        "x",
        "E001",
        "« x » inattendu ; attendu : une instruction (politique, résolution, paramètre, "
        "définir, règle, une action ou sinon)",
        1,
        1,
    ),
    (
        "définir si si a",
        "E001",
        "« si » inattendu ; attendu : un nom",
        1,
        9,
    ),
    ('refuser si "abc\nsinon accepter', "E002", "chaîne non terminée", 1, 12),
    ("refuser si « abc", "E002", "chaîne non terminée", 1, 12),
    ("refuser si a $ b", "E003", "caractère inattendu « $ »", 1, 14),
    ("refuser si a\n\n  && b", "E003", "caractère inattendu « & »", 3, 3),
    ("refuser si a\x00", "E003", NUL, 1, 13),
    ('règle "a\x00b" : refuser si a', "E003", NUL, 1, 9),  # in a string, then the journal
    ("# note\x00\nrefuser si a", "E003", NUL, 1, 7),  # in a comment: kept in the journal
    ("r\x00e\x00f\x00", "E003", NUL, 1, 2),  # UTF-16 read as UTF-8
    ("refuser si a\u200b", "E003", "caractère inattendu U+200B (ZERO WIDTH SPACE)", 1, 13),
    (
        "refuser si a =",
        "E004",
        "fin de fichier inattendue ; attendu : une valeur (nombre, chaîne, vrai, faux ou "
        "liste [ … ]), un nom ou « ( »",
        1,
        15,
    ),
    (
        "refuser si non  ",
        "E004",
        "fin de fichier inattendue ; attendu : une condition (un nom, une valeur, "
        "« non » ou « ( »)",
        1,
        15,
    ),
    ("refuser sans_photo", "E005", "il manque « si » après l'action", 1, 9),
    ('règle "a" :\n  accepter x = 1', "E005", "il manque « si » après l'action", 2, 12),
    ("sinon accepter\nrefuser (a)", "E005", "il manque « si » après l'action", 2, 9),
    ("définir suspect connu", "E005", "il manque « si » après le nom défini", 1, 17),
    ("refuser si (a et b\nsinon accepter", "E006", "parenthèse non fermée", 1, 12),
    ("refuser si ((a ou b) et c", "E006", "parenthèse non fermée", 1, 12),
    (
        "refuser si a)",
        "E006",
        "parenthèse fermante « ) » sans parenthèse ouvrante",
        1,
        13,
    ),
    (
        'règle "r" priorité 1.5 : refuser si a',
        "E007",
        "la priorité doit être un nombre entier, pas « 1.5 »",
        1,
        20,
    ),
    (
        "paramètre a.b = 1",
        "E008",
        "le nom du paramètre « a.b » ne peut pas contenir de point",
        1,
        11,
    ),
    (
        "définir x.y si vrai",
        "E008",
        "le nom défini « x.y » ne peut pas contenir de point",
        1,
        9,
    ),
]


@pytest.mark.parametrize(("source", "code", "message", "line", "column"), CASES)
def test_syntax_error(source, code, message, line, column):
    diagnostic = only_error(source)
    assert (diagnostic.code, diagnostic.message) == (code, message)
    assert (diagnostic.span.line, diagnostic.span.column) == (line, column)


LABELLED = [
    # (source, message, help, line, column)
    ("refuser si", "il manque la condition après « si »", None, 1, 11),
    ('règle "a" refuser si b', "il manque « : » après le nom de la règle", None, 1, 11),
    ("règle vente : refuser si b", "le nom d'une règle s'écrit entre guillemets", None, 1, 7),
    (
        'règle "a" priorité : refuser si b',
        "la priorité d'une règle est un nombre entier",
        None,
        1,
        20,
    ),
    ("politique Mon réseau", "le nom de la politique s'écrit entre guillemets", None, 1, 11),
    ("résolution premiere", "stratégie de résolution inconnue", None, 1, 12),
    ("paramètre n 50", "il manque « = » après le nom du paramètre", None, 1, 13),
    ("paramètre n = m", "la valeur d'un paramètre est une constante", None, 1, 15),
    (
        "paramètre l = [1 2]",
        "une liste ne contient que des constantes séparées par des virgules",
        None,
        1,
        18,
    ),
    ("refuser si a\nsinon", "il manque l'action après « sinon »", None, 2, 6),
    ("sinon accepter si a", "« sinon » ne prend pas de condition", None, 1, 16),
    ("refuser si a motif b", "« motif » attend une chaîne entre guillemets", None, 1, 20),
    ("refuser si a entre 1 2", "il manque « et » dans « entre … et … »", None, 1, 22),
    (
        "refuser si a == 1",
        "« == » n'existe pas en tamis",
        "pour l'égalité, écrivez un seul « = »",
        1,
        15,
    ),
]


@pytest.mark.parametrize(("source", "message", "help", "line", "column"), LABELLED)
def test_labelled_mistakes(source, message, help, line, column):
    diagnostic = only_error(source)
    assert diagnostic.code == "E001"
    assert diagnostic.message == message
    assert (diagnostic.span.line, diagnostic.span.column) == (line, column)
    assert diagnostic.help
    if help is not None:
        assert diagnostic.help == help


@pytest.mark.parametrize(
    "prefix",
    ["", "refuser si a\n", 'politique "x"\nrésolution priorité\n', "définir z si c\n"],
)
@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.message)
def test_each_mistake_is_recognised_wherever_it_appears(mistake, prefix):
    for example in mistake.examples:
        diagnostic = only_error(prefix + example)
        assert (diagnostic.code, diagnostic.message) == (mistake.code, mistake.message)


def test_every_sample_mistake_is_a_syntax_error():
    sampled = {id(mistake) for mistake, _ in _sample_errors(lark_parser().parse)}
    assert sampled == {id(mistake) for mistake in MISTAKES}
    assert len(_sample_errors(lark_parser().parse)) == 2 * sum(len(m.examples) for m in MISTAKES)


def test_help_lines():
    assert only_error("refuser si a && b").help == "pour « et » logique, écrivez « et »"
    assert only_error('refuser si "abc').help == 'fermez la chaîne par « " » sur la même ligne'
    assert only_error("refuser si a = 'x'").help == (
        'les chaînes s\'écrivent entre guillemets droits "…" ou entre « … »'
    )
    assert only_error("paramètre si = 1").help == (
        "« si » est un mot réservé : il ne peut pas servir de nom"
    )
    assert only_error('définir x si a motif "m"').help == (
        "« motif » ne suit qu'une règle de décision (ACTION si condition)"
    )


@pytest.mark.parametrize(
    ("source", "hint"),
    [
        ("refusr si sans_photo", "vouliez-vous dire « refuser » ?"),
        ("sinon accepter\nsinn refuser", "vouliez-vous dire « sinon » ?"),
        ("refuser si connu\nsinn accepter", "vouliez-vous dire « sinon » ?"),
        ("définr x si connu", "vouliez-vous dire « définir » ?"),
        ('politque "p"', "vouliez-vous dire « politique » ?"),
        ('règle "a" : refuser si connu\n    motiv "m"', "vouliez-vous dire « motif » ?"),
        ("refuser si a ett b", "vouliez-vous dire « et » ?"),
        ("bonjour tout le monde", None),  # nothing close: no guess
    ],
)
def test_a_misspelt_keyword_gets_a_did_you_mean(source, hint):
    """A name where a keyword was expected, close to one of them: « vouliez-vous dire … ? »,
    as for an unknown fact (« refusr si sans_photo » only said what an instruction is)."""
    diagnostic = only_error(source)
    assert diagnostic.code == "E001"
    assert diagnostic.help == hint


def test_unterminated_string_span_runs_to_the_end_of_its_line():
    diagnostic = only_error('refuser si message = "abc\nsinon accepter')
    assert (diagnostic.span.line, diagnostic.span.column) == (1, 22)
    assert (diagnostic.span.end_line, diagnostic.span.end_column) == (1, 26)


def test_unclosed_parenthesis_points_at_the_opening_one():
    diagnostic = only_error("refuser si a et (b ou (c et d)\nsinon examiner")
    assert diagnostic.code == "E006"
    assert (diagnostic.span.line, diagnostic.span.column) == (1, 17)


def test_end_of_file_points_just_after_the_last_token():
    diagnostic = only_error("refuser si a contient\n\n")
    assert diagnostic.code == "E004"
    assert (diagnostic.span.line, diagnostic.span.column) == (1, 22)


def test_too_deep_nesting_is_a_diagnostic():
    depth = MAX_DEPTH + 1
    diagnostic = only_error("refuser si " + "non " * depth + "a")
    assert diagnostic.code == "E009"
    assert diagnostic.message == f"condition trop imbriquée (plus de {MAX_DEPTH} niveaux)"
    assert (diagnostic.span.line, diagnostic.span.column) == (1, 12 + 4 * MAX_DEPTH)
    deep = "refuser si " + "(" * 5000 + "non a" + ")" * 5000
    assert parse_policy(deep)[0] is not None  # parentheses alone do not nest the AST
    assert only_error("refuser si " + "non " * 20_000 + "a").code == "E009"
    assert only_error("refuser si " + "(a et " * 2000 + "b" + ")" * 2000).code == "E009"


def test_nesting_at_the_limit_is_accepted():
    policy, diagnostics = parse_policy("refuser si " + "non " * (MAX_DEPTH - 1) + "a")
    assert diagnostics == [] and policy is not None


def test_rendering_of_a_syntax_error():
    source = "refuser si sans_photo\naccepter connu"
    (diagnostic,) = parse_policy(source, "p.tamis")[1]
    assert render(diagnostic, source) == (
        "p.tamis:2:10: erreur[E005]: il manque « si » après l'action\n"
        " 2 | accepter connu\n"
        "   |          ^^^^^\n"
        "  aide : une règle s'écrit « ACTION si condition », par exemple « refuser si sans_photo »"
    )
