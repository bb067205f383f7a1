"""Text -> AST: every construct of the language, keyword spellings, spans and comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from tamis.grammar import ast
from tamis.grammar.ast import (
    Action,
    And,
    Between,
    Compare,
    IsSet,
    ListLiteral,
    Literal,
    Not,
    Op,
    Or,
    Ref,
    Span,
    Strategy,
)
from tamis.grammar.parse import parse_policy

CORPUS = Path(__file__).parent.parent / "corpus" / "format"


def parse_ok(text: str) -> ast.Policy:
    policy, diagnostics = parse_policy(text)
    assert diagnostics == [], diagnostics
    assert policy is not None
    return policy


def condition(text: str) -> ast.Expr:
    """The condition of the single rule ``refuser si <text>``."""
    (rule,) = parse_ok(f"refuser si {text}").statements
    return rule.condition


def test_users_one_liner_is_a_complete_policy():
    policy = parse_ok("refuser si sans_photo ou message_par_defaut")
    assert policy.statements == (
        ast.Rule(Action.REFUSER, Or((Ref("sans_photo"), Ref("message_par_defaut")))),
    )
    assert policy.comments == ()


def test_issue_example_parses_to_the_expected_statements():
    policy = parse_ok((CORPUS / "issue2_exemple.tamis").read_text(encoding="utf-8"))
    s = policy.statements
    assert s[0] == ast.PolicyName("Mon réseau")
    assert s[1] == ast.Resolution(Strategy.PREMIERE_APPLICABLE)
    assert s[2] == ast.Parameter("connexions_min", Literal(50))
    assert s[3] == ast.Parameter("vedette_min", Literal(10000))
    assert s[4] == ast.Definition(
        "suspect",
        And(
            (
                Compare(Op.LT, Ref("expediteur.connexions"), Ref("connexions_min")),
                Ref("sans_recommandations"),
            )
        ),
    )
    assert s[5] == ast.Definition(
        "fausse_vedette",
        And(
            (
                Compare(Op.GT, Ref("expediteur.connexions"), Ref("vedette_min")),
                Not(Ref("connu")),
            )
        ),
    )
    assert s[6] == ast.Rule(
        Action.SIGNALER,
        Or((Ref("pitch_de_vente"), Ref("message_commercial"))),
        name="vente",
        motif="Une invitation n'est pas un argumentaire de vente.",
    )
    assert s[7] == ast.Rule(
        Action.REFUSER, Or((Ref("sans_photo"), Ref("profil_entreprise"))), name="photo"
    )
    assert s[9] == ast.Rule(Action.REFUSER, And((Ref("suspect"), Not(Ref("connu")))))
    assert s[10] == ast.Rule(
        Action.ACCEPTER,
        And((Or((Ref("pertinent"), Ref("connu"))), Not(Ref("fausse_vedette")))),
    )
    assert s[11] == ast.Rule(
        Action.EXAMINER,
        Or(
            (
                Compare(Op.CONTAINS, Ref("expediteur.titre"), Literal("recruteur")),
                Compare(Op.MATCHES, Ref("message"), Literal("(?i)poste|emploi")),
            )
        ),
    )
    assert s[12] == ast.Rule(
        Action.IGNORER,
        And(
            (
                Between(Ref("expediteur.relations_communes"), Literal(0), Literal(2)),
                IsSet(Ref("expediteur.photo"), negated=True),
            )
        ),
    )
    assert s[13] == ast.Default(Action.EXAMINER)
    assert len(s) == 14
    assert [c.text for c in policy.comments] == [
        " Politique inspirée de « Pourquoi je n'accepterai pas votre invitation »"
    ]


@pytest.mark.parametrize(
    ("text", "strategy"),
    [
        ("résolution première_applicable", Strategy.PREMIERE_APPLICABLE),
        ("resolution premiere_applicable", Strategy.PREMIERE_APPLICABLE),
        ("RÉSOLUTION PREMIÈRE_APPLICABLE", Strategy.PREMIERE_APPLICABLE),
        ("résolution refus_prioritaire", Strategy.REFUS_PRIORITAIRE),
        ("Résolution Priorité", Strategy.PRIORITE),
        ("resolution priorite", Strategy.PRIORITE),
    ],
)
def test_resolution_strategies(text, strategy):
    assert parse_ok(text).statements == (ast.Resolution(strategy),)


@pytest.mark.parametrize("action", list(Action))
def test_every_action_in_rules_and_sinon(action):
    word = action.value
    policy = parse_ok(f"{word} si vrai\n{word.upper()} SI faux\nsinon {word.capitalize()}")
    assert policy.statements == (
        ast.Rule(action, Literal(True)),
        ast.Rule(action, Literal(False)),
        ast.Default(action),
    )


@pytest.mark.parametrize(
    ("text", "op"),
    [
        ("=", Op.EQ),
        ("!=", Op.NE),
        ("≠", Op.NE),
        ("<", Op.LT),
        ("<=", Op.LE),
        ("≤", Op.LE),
        (">", Op.GT),
        (">=", Op.GE),
        ("≥", Op.GE),
        ("contient", Op.CONTAINS),
        ("CONTIENT", Op.CONTAINS),
        ("commence par", Op.STARTS_WITH),
        ("Commence  Par", Op.STARTS_WITH),
        ("correspond à", Op.MATCHES),
        ("correspond a", Op.MATCHES),
        ("CORRESPOND À", Op.MATCHES),
        ("dans", Op.IN),
    ],
)
def test_comparison_operators(text, op):
    assert condition(f"x {text} 1") == Compare(op, Ref("x"), Literal(1))


def test_operators_need_no_spaces():
    assert condition("x<=1") == Compare(Op.LE, Ref("x"), Literal(1))
    assert condition("x>-1") == Compare(Op.GT, Ref("x"), Literal(-1))


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("est renseigné", False),
        ("est renseigne", False),
        ("EST RENSEIGNÉ", False),
        ("n'est pas renseigné", True),
        ("n’est pas renseigné", True),
        ("n'est pas renseigne", True),
        ("N’EST PAS RENSEIGNE", True),
    ],
)
def test_presence_tests(text, negated):
    assert condition(f"expediteur.photo {text}") == IsSet(Ref("expediteur.photo"), negated=negated)


def test_between_inside_a_conjunction():
    assert condition("a entre 1 et 2 et b") == And(
        (Between(Ref("a"), Literal(1), Literal(2)), Ref("b"))
    )
    assert condition("a ENTRE -1.5 et x") == Between(Ref("a"), Literal(-1.5), Ref("x"))


def test_literals():
    assert condition('x = "a \\"b\\" \\\\ c"') == Compare(Op.EQ, Ref("x"), Literal('a "b" \\ c'))
    assert condition('x correspond à "\\bposte\\b"') == Compare(
        Op.MATCHES, Ref("x"), Literal("\\bposte\\b")
    )
    assert condition("x = «  recruteur  »") == condition('x = "recruteur"')
    assert condition("x = «\u202frecruteur\u202f»") == condition('x = "recruteur"')
    assert condition("x = 12") == Compare(Op.EQ, Ref("x"), Literal(12))
    assert condition("x = -0.25") == Compare(Op.EQ, Ref("x"), Literal(-0.25))
    assert isinstance(condition("x = 3").right.value, int)
    assert isinstance(condition("x = 3.0").right.value, float)
    assert condition("x = VRAI") == Compare(Op.EQ, Ref("x"), Literal(True))
    assert condition("x = Faux") == Compare(Op.EQ, Ref("x"), Literal(False))


def test_lists():
    assert condition('x dans ["a", « b », 3, vrai]') == Compare(
        Op.IN,
        Ref("x"),
        ListLiteral((Literal("a"), Literal("b"), Literal(3), Literal(True))),
    )
    assert parse_ok("paramètre vide = []").statements == (ast.Parameter("vide", ListLiteral(())),)
    assert parse_ok("paramètre l = [1, 2,]").statements == (
        ast.Parameter("l", ListLiteral((Literal(1), Literal(2)))),
    )


def test_precedence_non_et_ou():
    a, b, c, d = (Ref(n) for n in "abcd")
    assert condition("a ou b et c") == Or((a, And((b, c))))
    assert condition("non a et b") == And((Not(a), b))
    assert condition("non a = 1") == Not(Compare(Op.EQ, a, Literal(1)))
    assert condition("non non a") == Not(Not(a))
    assert condition("a et b ou c et d") == Or((And((a, b)), And((c, d))))


def test_user_grouping_is_kept():
    a, b, c = Ref("a"), Ref("b"), Ref("c")
    assert condition("a et b et c") == And((a, b, c))
    assert condition("(a et b) et c") == And((And((a, b)), c))
    assert condition("a et (b et c)") == And((a, And((b, c))))
    assert condition("(a ou b) et c") == And((Or((a, b)), c))
    assert condition("((a))") == a


def test_keyword_spellings_without_accents_and_in_capitals():
    accented = parse_ok(
        'politique "p"\nparamètre n = 1\ndéfinir d si vrai\n'
        'règle "r" priorité 2 : refuser si d\nsinon accepter'
    )
    plain = parse_ok(
        'POLITIQUE "p"\nPARAMETRE n = 1\nDefinir d SI VRAI\n'
        'REGLE "r" PRIORITE 2 : REFUSER SI d\nSINON ACCEPTER'
    )
    assert plain == accented


@pytest.mark.parametrize(
    "name",
    [
        "connu",
        "pertinent",
        "message",
        "sans_photo",
        "premiere",
        "première",
        "sinon_x",
        "si2",
        "etat",
        "ouvert",
        "nonce",
        "dansant",
        "entrees",
        "vraiment",
        "est",
        "commence",
        "correspond",
        "motifs",
        "règles",
        "expéditeur.relations_communes",
        "_interne",
        "Éléonore",
    ],
)
def test_names_that_start_like_keywords_are_names(name):
    assert condition(name) == Ref(name)
    assert condition(f"{name} et {name}") == And((Ref(name), Ref(name)))


def test_rule_header_and_motif_forms():
    policy = parse_ok(
        'règle "a" priorité 10 : refuser si x motif "m"\n'
        "règle « b » : accepter si y\n"
        "    motif « pourquoi »\n"
        'règle "c" priorité -1 : ignorer si z\n'
    )
    assert policy.statements == (
        ast.Rule(Action.REFUSER, Ref("x"), name="a", priority=10, motif="m"),
        ast.Rule(Action.ACCEPTER, Ref("y"), name="b", motif="pourquoi"),
        ast.Rule(Action.IGNORER, Ref("z"), name="c", priority=-1),
    )


def test_parameters_of_every_type():
    policy = parse_ok(
        'paramètre n = 50\nparamètre f = 0.5\nparamètre t = "x"\nparamètre b = faux\n'
        'paramètre l = ["a", "b"]'
    )
    assert [p.value for p in policy.statements] == [
        Literal(50),
        Literal(0.5),
        Literal("x"),
        Literal(False),
        ListLiteral((Literal("a"), Literal("b"))),
    ]


def test_empty_and_comment_only_policies():
    assert parse_ok("").statements == ()
    only = parse_ok("# rien\n\n   # encore  \n")
    assert only.statements == ()
    assert [c.text for c in only.comments] == [" rien", " encore"]


def test_byte_order_mark_and_crlf_are_whitespace():
    policy = parse_ok("\ufeffrefuser si a\r\nsinon accepter\r\n")
    assert policy.statements == (ast.Rule(Action.REFUSER, Ref("a")), ast.Default(Action.ACCEPTER))


def test_hash_inside_a_string_is_not_a_comment():
    policy = parse_ok('refuser si message contient "#promo" # vrai commentaire')
    assert policy.statements[0].condition == Compare(Op.CONTAINS, Ref("message"), Literal("#promo"))
    assert [c.text for c in policy.comments] == [" vrai commentaire"]


def test_spans_are_exact():
    text = (
        "# tête\n"
        "paramètre seuil = 5\n"
        'règle "r" : refuser si non a.b < seuil  # fin\n'
        '    motif "m"\n'
        "sinon accepter\n"
    )
    policy = parse_ok(text)
    parameter, rule, default = policy.statements
    assert parameter.span == Span(2, 1, 2, 20, 7, 26)
    assert parameter.name_span == Span(2, 11, 2, 16, 17, 22)
    assert parameter.value.span == Span(2, 19, 2, 20, 25, 26)
    assert rule.span == Span(3, 1, 4, 14, 27, 86)
    assert text[rule.span.start : rule.span.end].endswith('motif "m"')
    negation = rule.condition
    assert negation.span == Span(3, 24, 3, 39, 50, 65)
    assert text[negation.span.start : negation.span.end] == "non a.b < seuil"
    assert negation.operand.span == Span(3, 28, 3, 39, 54, 65)
    assert negation.operand.left.span == Span(3, 28, 3, 31, 54, 57)
    assert default.span == Span(5, 1, 5, 15, 87, 101)
    head, tail = policy.comments
    assert (head.text, head.span) == (" tête", Span(1, 1, 1, 7, 0, 6))
    assert (tail.text, tail.span) == (" fin", Span(3, 41, 3, 46, 67, 72))
    assert policy.span.start == 0 and policy.span.end == len(text)


def test_definition_name_span():
    policy = parse_ok("définir  suspect si a")
    assert policy.statements[0].name_span == Span(1, 10, 1, 17, 9, 16)


def test_spans_are_not_part_of_equality():
    assert parse_ok("refuser si a") == parse_ok("\n\n   refuser   si\n a")


RESERVED = [
    "politique", "résolution", "resolution", "paramètre", "parametre", "définir", "definir",
    "règle", "regle", "priorité", "priorite", "motif", "si", "sinon", "accepter", "refuser",
    "ignorer", "signaler", "examiner", "première_applicable", "premiere_applicable",
    "refus_prioritaire", "et", "ou", "non", "vrai", "faux", "contient", "dans", "entre",
]  # fmt: skip


@pytest.mark.parametrize("spelling", [str.lower, str.upper, str.capitalize])
@pytest.mark.parametrize("word", RESERVED)
def test_reserved_words_are_never_names(word, spelling):
    policy, diagnostics = parse_policy(f"paramètre {spelling(word)} = 1")
    assert policy is None
    assert diagnostics[0].code == "E001"
    assert (
        diagnostics[0].help
        == f"« {spelling(word)} » est un mot réservé : il ne peut pas servir de nom"
    )
