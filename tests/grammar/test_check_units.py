"""The checker on hand-built ASTs and a small fixed vocabulary: passes, ordering, results."""

from __future__ import annotations

import pytest

from tamis.grammar import ast
from tamis.grammar.check import check_policy
from tamis.grammar.check_always import constant
from tamis.grammar.check_codes import Reporter
from tamis.grammar.check_regex import regex_problem
from tamis.grammar.checked import Kind
from tamis.grammar.diagnostics import Severity
from tamis.grammar.load import load_policy
from tamis.grammar.stratify import dependencies, report_cycles, stratify
from tamis.grammar.suggest import closest, hint_for
from tamis.grammar.vocabulary import NameSpec, ParameterSpec, Type, Vocabulary
from tamis.invitations.vocabulary import vocabulary

R, L, A = ast.Ref, ast.Literal, ast.Action
VOCAB = Vocabulary(
    names={
        "sans_photo": NameSpec("sans_photo", Type.BOOLEEN, "pas de photo"),
        "connu": NameSpec("connu", Type.BOOLEEN, "déjà rencontré"),
        "message": NameSpec("message", Type.TEXTE, "la note", is_field=True),
        "expediteur.connexions": NameSpec("expediteur.connexions", Type.NOMBRE, "n", True),
        "expediteur.titre": NameSpec("expediteur.titre", Type.TEXTE, "titre", True),
        "expediteur.competences": NameSpec("expediteur.competences", Type.LISTE, "c", True),
    },
    parameters={"connexions_min": ParameterSpec("connexions_min", Type.NOMBRE, 50, "seuil")},
)


VOCABULARY = vocabulary()


def check(*statements: ast.Statement):
    return check_policy(ast.Policy(statements), VOCAB, source="", path="t.tamis")


def codes(*statements: ast.Statement) -> list[str]:
    return [d.code for d in check(*statements)[1]]


def rule(condition: ast.Expr, action: A = A.REFUSER, **kw) -> ast.Rule:
    return ast.Rule(action, condition, **kw)


def definition(name: str, condition: ast.Expr) -> ast.Definition:
    return ast.Definition(name, condition)


SINON = ast.Default(A.EXAMINER)


def test_clean_policy_fills_every_field_of_the_checked_policy() -> None:
    policy = ast.Policy(
        (
            ast.PolicyName("p"),
            ast.Parameter("connexions_min", L(10)),
            ast.Parameter("mots", ast.ListLiteral((L("vente"), L("achat")))),
            definition("b", ast.And((R("a"), R("connu")))),
            definition(
                "a", ast.Compare(ast.Op.LT, R("expediteur.connexions"), R("connexions_min"))
            ),
            rule(R("b")),
            rule(ast.Compare(ast.Op.IN, R("message"), R("mots")), A.SIGNALER),
            ast.Default(A.ACCEPTER),
        )
    )
    checked, diagnostics = check_policy(policy, VOCAB, source="x", path="t.tamis")
    assert diagnostics == []
    assert checked is not None
    assert checked.name == "p"
    assert checked.strategy is ast.Strategy.PREMIERE_APPLICABLE
    assert [d.name for d in checked.definitions] == ["a", "b"]  # a before b, which reads it
    assert checked.rules == policy.statements[5:7]
    assert checked.default is A.ACCEPTER
    assert checked.parameters == {"connexions_min": 10, "mots": ("vente", "achat")}
    assert checked.kinds == {
        "a": Kind.DEFINI,
        "b": Kind.DEFINI,
        "connu": Kind.FAIT,
        "expediteur.connexions": Kind.CHAMP,
        "connexions_min": Kind.PARAMETRE,
        "message": Kind.CHAMP,
        "mots": Kind.PARAMETRE,
    }
    assert checked.types["mots"] is Type.LISTE
    assert checked.types["a"] is Type.BOOLEEN
    assert checked.base_names == {"connu", "expediteur.connexions", "message"}
    assert checked.declared_parameters == {"connexions_min", "mots"}


def test_defaults_without_sinon_and_builtin_parameter_values() -> None:
    checked, diagnostics = check(rule(R("sans_photo")))
    assert [d.code for d in diagnostics] == ["W003"]
    assert checked is not None
    assert checked.default is A.EXAMINER
    assert checked.default_span is None
    assert checked.parameters == {"connexions_min": 50}


def test_all_problems_are_reported_not_only_the_first() -> None:
    found = codes(
        rule(R("inconnu")),
        rule(ast.Compare(ast.Op.LT, R("message"), L(3))),
        rule(ast.Compare(ast.Op.MATCHES, R("message"), L("(a"))),
        SINON,
    )
    assert sorted(found) == ["E011", "E014", "E021"]


def test_unknown_names_do_not_cascade_into_type_errors() -> None:
    assert codes(rule(ast.Compare(ast.Op.EQ, R("nimporte"), L("texte"))), SINON) == ["E011"]


def test_comparison_types() -> None:
    num, text, lst = R("expediteur.connexions"), R("message"), R("expediteur.competences")
    assert codes(rule(ast.Compare(ast.Op.EQ, num, L(3))), SINON) == []
    assert codes(rule(ast.Compare(ast.Op.EQ, L(True), R("connu"))), SINON) == []
    assert codes(rule(ast.Compare(ast.Op.GE, R("connu"), L(1))), SINON) == ["E014"]
    assert codes(rule(ast.Compare(ast.Op.CONTAINS, lst, L("python"))), SINON) == []
    assert codes(rule(ast.Compare(ast.Op.CONTAINS, text, L("emploi"))), SINON) == []
    assert codes(rule(ast.Compare(ast.Op.CONTAINS, lst, L(3))), SINON) == ["E017"]
    assert codes(rule(ast.Compare(ast.Op.NE, lst, L("x"))), SINON) == ["E013"]
    assert codes(rule(ast.Compare(ast.Op.IN, text, R("expediteur.competences"))), SINON) == []
    assert codes(rule(ast.Compare(ast.Op.IN, num, R("expediteur.competences"))), SINON) == ["E019"]
    assert codes(rule(ast.Compare(ast.Op.IN, num, ast.ListLiteral((L(1), L(2))))), SINON) == []
    assert codes(rule(ast.Between(num, L(1), R("connexions_min"))), SINON) == []
    assert codes(rule(ast.IsSet(lst, negated=True)), SINON) == []


def test_boolean_positions_require_booleans() -> None:
    assert codes(rule(ast.Not(R("message"))), SINON) == ["E020"]
    assert codes(rule(ast.Or((R("connu"), L(3)))), SINON) == ["E020"]
    assert codes(definition("d", L("x")), rule(R("d")), SINON) == ["E020"]


def test_regex_from_a_text_parameter_is_checked() -> None:
    found = codes(
        ast.Parameter("motif_re", L("[abc")),
        rule(ast.Compare(ast.Op.MATCHES, R("message"), R("motif_re"))),
        SINON,
    )
    assert found == ["E021"]


def test_priorities_under_each_strategy() -> None:
    prio = ast.Resolution(ast.Strategy.PRIORITE)
    assert codes(prio, rule(R("connu"), name="a", priority=1), SINON) == []
    assert codes(rule(R("connu"), name="a", priority=1), SINON) == ["E028"]
    refus = ast.Resolution(ast.Strategy.REFUS_PRIORITAIRE)
    assert codes(refus, rule(R("connu"), name="a", priority=1), SINON) == ["E028"]


def test_shadowing_only_matters_under_first_applicable() -> None:
    rules = (rule(L(True)), rule(R("connu"), A.ACCEPTER), SINON)
    assert codes(*rules) == ["W004"]
    assert codes(ast.Resolution(ast.Strategy.REFUS_PRIORITAIRE), *rules) == []


def test_same_condition_warns_once_per_rule() -> None:
    same = ast.And((R("connu"), R("sans_photo")))
    found = codes(rule(same), rule(same), rule(same, A.ACCEPTER), SINON)
    assert found == ["W004", "W005"]
    refus = ast.Resolution(ast.Strategy.REFUS_PRIORITAIRE)
    assert codes(refus, rule(same), rule(same, A.ACCEPTER), SINON) == ["W005"]


def test_the_earliest_hiding_rule_is_the_one_named() -> None:
    source = (
        'règle "a" : refuser si connu\nrègle "b" : examiner si vrai\n'
        'règle "c" : accepter si connu\nrègle "d" : examiner si sans_photo\nsinon examiner\n'
    )
    _, found = load_policy(source, "p.tamis", VOCABULARY)
    assert [(d.code, d.span.line, d.message) for d in found] == [
        ("W005", 3, "la règle « c » a la même condition que la règle « a » (ligne 1) mais une "
         "autre action (accepter au lieu de refuser)"),
        ("W004", 4, "la règle « d » ne décidera jamais : la règle « b » (ligne 2) s'applique "
         "toujours et passe avant elle"),
    ]  # fmt: skip


def test_same_condition_is_found_among_many_rules_by_hashing() -> None:
    rules = [rule(ast.Compare(ast.Op.LT, R("expediteur.connexions"), L(i))) for i in range(3000)]
    found = codes(*rules, rule(ast.Compare(ast.Op.LT, R("expediteur.connexions"), L(7))), SINON)
    assert found == ["W004"]


def test_unused_definitions_are_transitive_and_builtin_parameters_are_used() -> None:
    found = check(
        ast.Parameter("connexions_min", L(3)),
        ast.Parameter("seuil", L(3)),
        definition("a", R("connu")),
        definition("b", R("a")),
        rule(R("sans_photo")),
        SINON,
    )[1]
    assert [(d.code, d.message) for d in found] == [  # no spans: sorted by code
        ("W001", "la définition « a » n'est utilisée par aucune règle"),
        ("W001", "la définition « b » n'est utilisée par aucune règle"),
        ("W002", "le paramètre « seuil » n'est utilisé nulle part"),
    ]


def test_duplicate_definitions_still_have_their_conditions_checked() -> None:
    found = codes(definition("a", R("connu")), definition("a", R("inconnu")), rule(R("a")), SINON)
    assert sorted(found) == ["E011", "E024"]


def test_checked_policy_is_none_iff_an_error() -> None:
    checked, diagnostics = check(rule(R("connu"), name="x"), rule(R("sans_photo"), name="x"))
    assert checked is None
    assert {d.severity for d in diagnostics} == {Severity.ERREUR, Severity.AVERTISSEMENT}


# --- definitions: cycles and order --------------------------------------------


def _defs(**conditions: ast.Expr) -> dict[str, ast.Definition]:
    return {name: definition(name, expr) for name, expr in conditions.items()}


def test_self_cycle_and_long_cycle_one_diagnostic_each() -> None:
    defs = _defs(
        a=ast.Not(R("a")),
        b=ast.And((R("c"), R("connu"))),
        c=R("d"),
        d=ast.Or((R("b"), R("c"))),
        e=R("b"),
    )
    reporter = Reporter("t.tamis")
    cyclic = report_cycles(defs, dependencies(defs), reporter)
    assert cyclic == {"a", "b", "c", "d"}
    assert [d.message for d in reporter.diagnostics] == [
        "la définition « a » dépend d'elle-même : a → a",
        "la définition « b » dépend d'elle-même : b → c → d → b",
    ]


def test_stratify_keeps_file_order_when_free() -> None:
    defs = _defs(z=R("connu"), y=ast.And((R("x"), R("z"))), x=R("w"), w=R("connu"))
    order = [d.name for d in stratify(defs, dependencies(defs))]
    assert order == ["z", "w", "x", "y"]


# --- small helpers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (L(True), True),
        (L(False), False),
        (ast.Not(L(False)), True),
        (ast.Or((R("connu"), L(True))), True),
        (ast.And((R("connu"), L(False))), False),
        (ast.And((L(True), L(True))), True),
        (ast.Or((R("connu"), ast.Not(R("connu")))), None),  # unknown when connu is
        (ast.Or((ast.IsSet(R("message")), ast.IsSet(R("message"), negated=True))), True),
        (ast.And((ast.IsSet(R("message")), ast.IsSet(R("message"), negated=True))), False),
        (ast.Compare(ast.Op.LT, L(1), L(2)), True),
        (ast.Compare(ast.Op.EQ, L("a"), L("b")), False),
        (ast.Compare(ast.Op.LT, L("a"), L("b")), None),
        (R("connu"), None),
    ],
)
def test_constant(expr: ast.Expr, expected: bool | None) -> None:
    assert constant(expr) is expected


def test_regex_problem_in_french_with_position() -> None:
    assert regex_problem("(?i)poste|emploi") is None
    assert regex_problem("a(b") == ("parenthèse ouverte jamais fermée", 1, False)
    assert regex_problem("*a") == ("rien à répéter avant ce quantificateur", 0, False)
    assert regex_problem("[z-a]") == ("intervalle de caractères à l'envers", 1, False)


def test_suggestions() -> None:
    known = ["sans_photo", "expediteur.connexions", "expediteur.nom", "connexions_min"]
    assert closest("SANS_PHOTO", known) == ["sans_photo"]
    assert hint_for("sans_phot", known) == "vouliez-vous dire « sans_photo » ?"
    assert hint_for("expediteur.conexions", known) == (
        "vouliez-vous dire « expediteur.connexions » ?"
    )
    assert hint_for("expediteur.zzz", known) == (
        "champs connus de « expediteur » : « expediteur.connexions », « expediteur.nom »"
    )
    assert hint_for("nom", known) == "vouliez-vous dire « expediteur.nom » ?"
    assert hint_for("qwerty", known) is None


def test_regex_messages_never_fall_back_to_english():
    from tamis.grammar.check_regex import regex_problem

    assert regex_problem("(?L)a") == ("drapeaux « (? » incompatibles ou impossibles ici", 3, False)
    reason, _, _ = regex_problem("(?i-i:a")
    assert reason == "drapeaux « (? » incompatibles ou impossibles ici"


def _naive_order(graph: dict[str, list[str]]) -> list[str]:
    """The definition of the order: repeatedly the first pending name whose reads are done."""
    done: list[str] = []
    pending = list(graph)
    while ready := next((n for n in pending if all(d in done for d in graph[n])), None):
        done.append(ready)
        pending.remove(ready)
    return done + pending


def _naive_cyclic(graph: dict[str, list[str]]) -> set[str]:
    def reach(start: str) -> set[str]:
        seen, todo = set(), list(graph[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(graph[node])
        return seen

    return {name for name in graph if name in reach(name)}


@pytest.mark.parametrize("seed", range(40))
def test_linear_stratify_and_cycles_agree_with_their_definition(seed: int) -> None:
    import random

    chance = random.Random(seed)
    names = [f"d{i}" for i in range(chance.randint(1, 12))]
    graph = {n: chance.sample(names, chance.randint(0, min(3, len(names)))) for n in names}
    definitions = {n: definition(n, R("connu")) for n in names}
    ordered = [d.name for d in stratify(definitions, graph)]
    assert ordered == _naive_order(graph)
    reporter = Reporter("p.tamis", "")
    assert report_cycles(definitions, graph, reporter) == _naive_cyclic(graph)
