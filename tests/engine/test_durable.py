"""The durable-rules engine on its own: Kleene logic, resolutions, the durable traps.

Policies are written as text and loaded with the real parser, checker and vocabulary; each
decision is also compared with the native engine's where that says more than a constant.
"""

from __future__ import annotations

import importlib
import sys

import pytest

pytest.importorskip("durable")

from tamis.engine import durable_engine
from tamis.engine.compile import compile_policy
from tamis.engine.decision import EngineName
from tamis.engine.durable_engine import DurablePolicy
from tamis.engine.durable_translate import translate
from tamis.engine.nnf import AllOf, AnyOf, Const, Known, Normalizer, Truth, Unknown
from tamis.grammar import ast
from tamis.grammar.load import load_policy
from tamis.grammar.vocabulary import Type
from tamis.invitations.vocabulary import vocabulary

A = ast.Action


def checked(source: str):
    policy, diagnostics = load_policy(source, "test.tamis", vocabulary())
    assert policy is not None, [d.message for d in diagnostics]
    return policy


def durable(source: str) -> DurablePolicy:
    return DurablePolicy(checked(source))


def agree(source: str, facts: dict, parameters: dict | None = None):
    """Decide with both engines, check they agree, return the durable decision."""
    policy = checked(source)
    found = DurablePolicy(policy).decide(facts, parameters)
    native = compile_policy(policy).decide(facts, parameters)
    assert found == native._replace(engine=EngineName.DURABLE)
    return found


# --- Kleene logic -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "value"),
    [
        ({"sans_photo": False}, False),  # faux et inconnu = faux
        ({"sans_photo": True}, None),  # vrai et inconnu = inconnu
        ({"sans_photo": True, "connu": False}, True),
        ({}, None),
    ],
)
def test_and_is_kleene(facts: dict, value: bool | None) -> None:
    decision = durable("définir d si sans_photo et non connu\nrefuser si d\nsinon accepter").decide(
        facts
    )
    assert decision.derived == {"d": value}
    assert [r.label for r in decision.unknown] == (["ligne 2"] if value is None else [])


def test_or_with_one_true_operand_is_true_even_if_the_other_is_unknown() -> None:
    decision = durable("refuser si sans_photo ou connu\nsinon accepter").decide({"connu": True})
    assert (decision.action, decision.label) == (A.REFUSER, "ligne 1")


def test_negation_of_unknown_is_unknown_and_does_not_fire() -> None:
    decision = durable("accepter si non connu\nsinon ignorer").decide({"connu": None})
    assert (decision.action, decision.label) == (A.IGNORER, "sinon")
    assert [r.label for r in decision.unknown] == ["ligne 1"]


@pytest.mark.parametrize(
    ("connexions", "fired"),
    [(10, "bas"), (50, "haut"), (None, None)],
)
def test_comparison_and_its_negation_need_a_known_value(connexions, fired) -> None:
    source = (
        'règle "bas" : refuser si expediteur.connexions < connexions_min\n'
        'règle "haut" : accepter si non (expediteur.connexions < connexions_min)\n'
        "sinon examiner"
    )
    decision = agree(source, {"expediteur.connexions": connexions})
    assert [r.label for r in decision.fired] == ([fired] if fired else [])
    assert len(decision.unknown) == (2 if connexions is None else 0)


def test_est_renseigne_is_never_unknown() -> None:
    source = "refuser si expediteur.photo n'est pas renseigné\naccepter si message est renseigné"
    decision = durable(source).decide({})
    assert [r.label for r in decision.fired] == ["ligne 1"]
    assert decision.unknown == ()


def test_unknown_derived_facts_are_tested_by_stratified_rounds() -> None:
    """``n'est pas renseigné`` on a derived fact, itself read by a second-level one."""
    source = (
        "définir a si sans_photo et connu\n"
        "définir b si a n'est pas renseigné\n"
        "définir c si (b ou faux) n'est pas renseigné\n"
        "refuser si a n'est pas renseigné et non c\n"
        "sinon accepter"
    )
    assert durable(source).ruleset(checked(source).parameters).translation.rounds == 2
    decision = agree(source, {"sans_photo": True})
    assert decision.derived == {"a": None, "b": True, "c": False}
    assert decision.action is A.REFUSER
    assert agree(source, {"sans_photo": False}).derived == {"a": False, "b": False, "c": False}


def test_text_operators_follow_the_shared_semantics() -> None:
    source = (
        'règle "titre" : examiner si expediteur.titre contient « RECRUTEUR »\n'
        'règle "regex" : signaler si message correspond à "(?i)poste|emploi"\n'
        'règle "début" : ignorer si expediteur.titre commence par "chef"\n'
        'règle "secteur" : refuser si expediteur.secteur dans ["vente", "marketing"]\n'
        'règle "compétence" : accepter si expediteur.competences contient "python"'
    )
    facts = {
        "expediteur.titre": "Chef recruteur",
        "message": "Un POSTE pour vous",
        "expediteur.secteur": "Vente",
        "expediteur.competences": ("Python", "SQL"),
    }
    decision = agree(source, facts)
    assert [r.label for r in decision.fired] == ["titre", "regex", "début", "compétence"]


def test_texts_are_compared_exactly_with_quotes_and_accents() -> None:
    source = 'refuser si expediteur.titre = "« Dé\\"cor »\\\\"\nsinon accepter'
    policy = checked(source)
    title = policy.rules[0].condition.right.value
    assert agree(source, {"expediteur.titre": title}).action is A.REFUSER
    assert agree(source, {"expediteur.titre": title.upper()}).action is A.ACCEPTER


def test_two_fields_compared_together() -> None:
    source = "refuser si expediteur.relations_communes >= expediteur.connexions\nsinon accepter"
    facts = {"expediteur.relations_communes": 3, "expediteur.connexions": 2}
    assert agree(source, facts).action is A.REFUSER
    assert agree(source, {"expediteur.connexions": 2}).unknown


def test_between_is_unknown_when_a_bound_is() -> None:
    source = "refuser si expediteur.connexions entre 0 et connexions_min\nsinon accepter"
    assert agree(source, {"expediteur.connexions": 70}).action is A.ACCEPTER
    assert agree(source, {"expediteur.connexions": 50}).action is A.REFUSER
    decision = agree(source, {"expediteur.connexions": 5}, {"connexions_min": None})
    assert decision.unknown and decision.action is A.ACCEPTER


# --- resolution ---------------------------------------------------------------------------

RULES = (
    'règle "a" priorité 1 : accepter si connu\n'
    'règle "b" priorité 5 : refuser si connu\n'
    'règle "c" priorité 5 : signaler si connu\n'
)


@pytest.mark.parametrize(
    ("strategy", "label"),
    [("première_applicable", "a"), ("refus_prioritaire", "c"), ("priorité", "b")],
)
def test_each_resolution_picks_its_rule(strategy: str, label: str) -> None:
    rules = RULES if strategy == "priorité" else RULES.replace(" priorité 1", "")
    rules = rules if strategy == "priorité" else rules.replace(" priorité 5", "")
    decision = agree(f"résolution {strategy}\n{rules}sinon examiner", {"connu": True})
    assert decision.label == label
    assert [r.label for r in decision.fired] == ["a", "b", "c"]


def test_no_rule_fires_and_sinon_decides() -> None:
    decision = durable("refuser si sans_photo\nsinon ignorer").decide({"sans_photo": False})
    assert (decision.action, decision.rule, decision.fired, decision.unknown) == (
        A.IGNORER,
        None,
        (),
        (),
    )


def test_without_sinon_the_decision_is_examiner() -> None:
    assert durable("refuser si sans_photo").decide({}).action is A.EXAMINER


def test_decision_records_inputs_and_engine() -> None:
    decision = durable("refuser si expediteur.connexions < connexions_min").decide(
        {"expediteur.connexions": 3, "autre": 1}, {"connexions_min": 5}
    )
    assert decision.engine is EngineName.DURABLE
    assert decision.facts == {"expediteur.connexions": 3}
    assert decision.parameters == {"connexions_min": 5}


# --- parameters, rulesets, sessions -------------------------------------------------------


def test_parameters_get_their_own_ruleset_once() -> None:
    policy = durable("refuser si expediteur.connexions < connexions_min\nsinon accepter")
    facts = {"expediteur.connexions": 70}
    assert policy.decide(facts).action is A.ACCEPTER
    assert policy.decide(facts, {"connexions_min": 100}).action is A.REFUSER
    assert policy.decide(facts, {"connexions_min": 100}).action is A.REFUSER
    assert len(policy._rulesets) == 2


def test_two_compilations_of_one_policy_do_not_share_a_ruleset() -> None:
    first, second = durable("refuser si connu"), durable("refuser si connu")
    names = {first.ruleset({}).name, second.ruleset({}).name}
    assert len(names) == 2
    assert first.decide({"connu": True}).action is A.REFUSER


def test_a_policy_that_reads_nothing_still_decides() -> None:
    """Facts no pattern accepts would make durable raise MessageNotHandledException."""
    policy = durable("refuser si vrai\naccepter si faux")
    decision = policy.decide({"connu": True})
    assert (decision.action, [r.label for r in decision.fired]) == (A.REFUSER, ["ligne 1"])


def test_sessions_are_deleted_so_any_number_of_invitations_can_be_decided() -> None:
    """Past 1,024 live sessions, and past ~46,000 facts, durable-rules fails; we never do.

    16,000 invitations of three initial facts each (plus the facts the rules derive) put
    more than 48,000 facts through one ruleset.
    """
    policy = durable(
        "définir faible si expediteur.connexions < connexions_min\n"
        'règle "faible" : refuser si faible et non connu\n'
        "accepter si connu\nsinon examiner"
    )
    count = 16_000
    per_invitation = 1 + len(policy.ruleset(policy.policy.parameters).translation.names)
    assert count * per_invitation > 46_000
    actions = [
        policy.decide({"expediteur.connexions": i % 100, "connu": None if i % 3 else False}).action
        for i in range(count)
    ]
    assert actions.count(A.REFUSER) == sum(1 for i in range(count) if i % 100 < 50 and not i % 3)


def test_an_exception_inside_durable_is_raised_not_swallowed() -> None:
    with pytest.raises(durable_engine.DurableFailed, match="boom"):
        durable_engine._check({"sid": "i0", "exception": "exception caught boom"})


def test_import_fails_cleanly_without_durable_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "durable", None)
    monkeypatch.setitem(sys.modules, "durable.engine", None)
    monkeypatch.delitem(sys.modules, "tamis.engine.durable_engine")
    with pytest.raises(ImportError):
        importlib.import_module("tamis.engine.durable_engine")


# --- translation -------------------------------------------------------------------------


def test_negation_normal_form_pushes_negations_to_positive_leaves() -> None:
    normal = Normalizer({"a": Type.BOOLEEN, "x": Type.NOMBRE, "d": Type.BOOLEEN})
    a, x = ast.Ref("a"), ast.Ref("x")
    expr = ast.Not(ast.And((a, ast.Compare(ast.Op.GT, x, ast.Literal(5)))))
    assert normal.condition(expr, True) == AnyOf(
        (Truth(a, False), Truth(ast.Compare(ast.Op.LE, x, ast.Literal(5)), True))
    )
    between = ast.Between(x, ast.Literal(1), ast.Literal(3))
    assert normal.condition(between, False) == AllOf(
        (
            Known(x),
            AnyOf(
                (
                    Truth(ast.Compare(ast.Op.LT, x, ast.Literal(1)), True),
                    Truth(ast.Compare(ast.Op.GT, x, ast.Literal(3)), True),
                )
            ),
        )
    )
    assert normal.condition(ast.IsSet(a, negated=True), True) == Unknown(a)
    assert normal.condition(ast.Compare(ast.Op.EQ, ast.Ref("d"), ast.Literal(False)), True) == (
        Truth(ast.Ref("d"), False)
    )
    assert normal.condition(ast.Or((a, ast.Literal(True))), False) == Const(False)


def test_translation_inlines_parameters_and_splits_or_into_rules() -> None:
    policy = checked("refuser si expediteur.connexions < connexions_min ou sans_photo")
    translation = translate(policy, {"connexions_min": 50})
    conclusions = [(rule["run"], rule["all"]) for rule in translation.rules.values()]
    assert conclusions == [
        (
            ("#règle0", True),
            [{"m0": {"$and": [{"n": "expediteur.connexions"}, {"$lt": {"v": 50}}]}}],
        ),
        (("#règle0", True), [{"m0": {"$and": [{"n": "sans_photo"}, {"v": True}]}}]),
        (
            ("#règle0", False),
            [
                {"m0": {"$and": [{"n": "expediteur.connexions"}, {"$gte": {"v": 50}}]}},
                {"m1": {"$and": [{"n": "sans_photo"}, {"v": False}]}},
            ],
        ),
    ]
