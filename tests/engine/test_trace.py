"""The trace rebuilt from a decision: values of every node, inputs read, derived sub-traces."""

from __future__ import annotations

import gc
import weakref

import pytest
from native_helpers import build, load

from tamis.engine import trace as trace_module
from tamis.engine.compile import compile_policy
from tamis.engine.explain import explain
from tamis.engine.explained import trace_json
from tamis.engine.trace import (
    Evaluator,
    expression_text,
    policy_shapes,
    render_trace,
    trace_decision,
    value_text,
)
from tamis.grammar import ast

POLICY = """paramètre connexions_min = 50
définir suspect si expediteur.connexions < connexions_min et sans_recommandations
règle "photo" : refuser si sans_photo ou profil_entreprise
refuser si suspect et non connu
accepter si connu
sinon examiner
"""

FACTS = {
    "expediteur.connexions": 12,
    "sans_recommandations": True,
    "connu": False,
    "sans_photo": False,
    "profil_entreprise": False,
}


def traced(facts, **options):
    policy = load(POLICY)
    decision = compile_policy(policy).decide(facts)
    return policy, decision, trace_decision(policy, decision, **options)


def test_deciding_rule_with_values_inputs_and_derived_sub_trace():
    _, _, traces = traced(FACTS)
    assert [(t.rule.label, t.decisive) for t in traces] == [("ligne 4", True)]
    root = traces[0].condition
    assert root.line == "suspect et non connu → vrai"
    suspect, negation = root.children
    assert suspect.reads == (("suspect", True),)
    assert suspect.definition.children[0].line == (
        "expediteur.connexions (12) < connexions_min (50) → vrai"
    )
    assert suspect.definition.children[0].reads == (
        ("expediteur.connexions", 12),
        ("connexions_min", 50),
    )
    assert negation.line == "non connu → vrai"
    assert negation.children[0].line == "connu → faux"


def test_every_fired_rule_is_traced_and_on_request_every_rule():
    facts = {**FACTS, "connu": True, "sans_photo": True}
    _, _, traces = traced(facts)
    assert [(t.rule.label, t.decisive) for t in traces] == [("photo", True), ("ligne 5", False)]
    _, _, everything = traced(facts, every_rule=True)
    assert [t.rule.label for t in everything] == ["photo", "ligne 4", "ligne 5"]
    assert everything[1].condition.value is False


def test_when_sinon_decides_the_unknown_rules_are_traced():
    _, decision, traces = traced({"sans_photo": False})
    assert decision.rule is None
    assert [t.rule.label for t in traces] == ["photo", "ligne 4", "ligne 5"]
    assert traces[0].condition.children[1].line == "profil_entreprise → inconnu"


def test_rendered_text():
    _, _, traces = traced(FACTS)
    assert render_trace(traces) == "\n".join(
        [
            "règle de la ligne 4 : refuser, décisive",
            "  suspect et non connu → vrai",
            "    suspect → vrai",
            "      suspect est défini par :",
            "        expediteur.connexions < connexions_min et sans_recommandations → vrai",
            "          expediteur.connexions (12) < connexions_min (50) → vrai",
            "          sans_recommandations → vrai",
            "    non connu → vrai",
            "      connu → faux",
        ]
    )


def test_long_texts_are_shortened_in_rendered_lines_only():
    policy = load('examiner si message contient "poste"\n')
    message = "Bonjour, " + "x" * 80 + " poste"
    decision = compile_policy(policy).decide({"message": message})
    traces = trace_decision(policy, decision)
    assert traces[0].condition.reads == (("message", message),)
    line = render_trace(traces).splitlines()[1]
    assert line == "  message (« Bonjour, " + "x" * 50 + '… ») contient "poste" → vrai'


def test_trace_as_json_names_what_each_node_read_without_values():
    _, _, traces = traced(FACTS)
    (rule,) = trace_json(traces)
    assert (rule["regle"], rule["ligne"], rule["decisive"]) == ("ligne 4", 4, True)
    suspect = rule["condition"]["enfants"][0]
    assert "lu" not in suspect and suspect["valeur"] == "vrai"  # a lone name: its own text
    assert suspect["definition"]["enfants"][0] == {
        "condition": "expediteur.connexions < connexions_min",
        "valeur": "vrai",
        "detail": "expediteur.connexions (12) < connexions_min (50)",
        "lu": ["expediteur.connexions", "connexions_min"],
    }


def test_other_leaves_read_like_the_language():
    policy = load(
        "ignorer si expediteur.relations_communes entre 0 et 2 "
        "et expediteur.photo n'est pas renseigné "
        'et expediteur.secteur dans ["TI", "RH"]\n'
    )
    facts = {"expediteur.relations_communes": 1, "expediteur.secteur": "TI"}
    decision = compile_policy(policy).decide(facts)
    lines = [c.line for c in trace_decision(policy, decision)[0].condition.children]
    assert lines == [
        "expediteur.relations_communes (1) entre 0 et 2 → vrai",
        "expediteur.photo (inconnu) n'est pas renseigné → vrai",
        'expediteur.secteur (« TI ») dans ["TI", "RH"] → vrai',
    ]


def test_expression_text_puts_back_the_needed_parentheses():
    a, b, c = ast.Ref("sans_photo"), ast.Ref("connu"), ast.Ref("pertinent")
    assert expression_text(ast.And((ast.Or((a, b)), ast.Not(c)))) == (
        "(sans_photo ou connu) et non pertinent"
    )
    assert expression_text(ast.Not(ast.And((a, b)))) == "non (sans_photo et connu)"
    assert expression_text(ast.Or((a, ast.And((b, c))))) == "sans_photo ou connu et pertinent"
    compare = ast.Compare(ast.Op.EQ, ast.Or((a, b)), ast.Literal(True))
    assert expression_text(compare) == "(sans_photo ou connu) = vrai"


def test_expression_text_reparses_to_the_same_tree():
    policy = load(POLICY)
    rebuilt = load(
        "".join(f"définir {d.name} si {expression_text(d.condition)}\n" for d in policy.definitions)
        + "".join(f"{r.action.value} si {expression_text(r.condition)}\n" for r in policy.rules)
    )
    assert [r.condition for r in rebuilt.rules] == [r.condition for r in policy.rules]


def test_values_as_shown():
    assert [value_text(v) for v in (None, True, False, 12, 999, 0.5, 25000, -12500.25)] == [
        "inconnu",
        "vrai",
        "faux",
        "12",
        "999",
        "0,5",
        "25\u202f000",
        "-12\u202f500,25",
    ]
    assert value_text(('a "b"', "c")) == '["a \\"b\\"", "c"]'


def test_numbers_in_a_list_keep_their_point_so_the_list_stays_unambiguous():
    assert value_text((0.5, 1.5)) == "[0.5, 1.5]"
    assert value_text((1, 10000, 2.25)) == "[1, 10\u202f000, 2.25]"


def test_hand_built_policies_without_source_are_traced_too():
    policy = build(ast.Rule(ast.Action.REFUSER, ast.Not(ast.Ref("connu"))))
    decision = compile_policy(policy).decide({"connu": False})
    assert trace_decision(policy, decision)[0].condition.line == "non connu → vrai"


def test_trace_and_explanation_share_one_evaluation():
    policy, decision, _ = traced(FACTS)
    evaluator = Evaluator.of(policy, decision)
    traces = trace_decision(policy, decision, evaluator=evaluator)
    fresh = explain(decision, policy)

    def evaluated_again(expr):
        raise AssertionError(f"evaluated twice: {expr}")

    evaluator.condition = evaluated_again  # the explanation must reuse the traced nodes
    assert explain(decision, policy, evaluator=evaluator) == fresh
    assert evaluator.rule(traces[0].rule.index) is traces[0].condition


def test_an_evaluator_serves_only_its_own_decision():
    policy, decision, _ = traced(FACTS)
    _, other, _ = traced({**FACTS, "connu": True})
    with pytest.raises(ValueError):
        trace_decision(policy, other, evaluator=Evaluator.of(policy, decision))
    with pytest.raises(ValueError):
        explain(decision, load(POLICY), evaluator=Evaluator.of(policy, decision))


def test_node_texts_are_formatted_once_per_policy_and_follow_policy_changes():
    first = load(POLICY)
    shapes = policy_shapes(first)
    assert policy_shapes(first) is shapes
    condition = first.rules[0].condition
    assert shapes.texts[id(condition)] == "sans_photo ou profil_entreprise"
    assert shapes.texts[id(condition.operands[1])] == "profil_entreprise"
    edited = load(POLICY.replace("sans_photo ou profil_entreprise", "profil_entreprise"))
    decision = compile_policy(edited).decide({**FACTS, "profil_entreprise": True})
    assert trace_decision(edited, decision)[0].condition.line == "profil_entreprise → vrai"


def test_a_policy_s_texts_go_with_it():
    policy = load(POLICY)
    key, alive = id(policy), weakref.ref(policy)
    policy_shapes(policy)
    assert key in trace_module._SHAPES
    del policy
    gc.collect()
    assert alive() is None and key not in trace_module._SHAPES


def test_a_node_from_outside_the_policy_is_formatted_not_cached():
    policy = load(POLICY)
    outside = ast.Not(ast.Ref("connu"))
    evaluator = Evaluator(policy, {"connu": False}, policy.parameters, {})
    assert evaluator.condition(outside).line == "non connu → vrai"
    assert id(outside) not in policy_shapes(policy).texts


# Each value read follows its name in parentheses, apart from the comparison: it was glossed
# « = valeur », so that ``expediteur.titre = "Dev" = "Recruteur"`` read as Dev = Recruteur,
# ``expediteur.titre = "Recruteur" = "Recruteur"`` as a tautology and
# ``expediteur.connexions = 400 < 50`` as « (connexions = 400) < 50 ».
GLOSSED = {
    'expediteur.titre = "Recruteur"': ({"expediteur.titre": "Dev"},
        'expediteur.titre (« Dev ») = "Recruteur" → faux'),
    'expediteur.titre != "Dev"': ({"expediteur.titre": "Recruteur"},
        'expediteur.titre (« Recruteur ») != "Dev" → vrai'),
    "expediteur.connexions < 50": ({"expediteur.connexions": 400},
        "expediteur.connexions (400) < 50 → faux"),
    "expediteur.connexions <= minimum": ({"expediteur.connexions": 12000},
        "expediteur.connexions (12\u202f000) <= minimum (50) → faux"),
    "expediteur.connexions > 0,5": ({"expediteur.connexions": 1},
        "expediteur.connexions (1) > 0,5 → vrai"),
    "expediteur.connexions >= minimum": ({},
        "expediteur.connexions (inconnu) >= minimum (50) → inconnu"),
    'expediteur.competences contient "vente"': ({"expediteur.competences": ("a", "vente")},
        'expediteur.competences ([« a », « vente »]) contient "vente" → vrai'),
    'expediteur.titre commence par "Rec"': ({"expediteur.titre": " Rec"},
        'expediteur.titre (" Rec") commence par "Rec" → faux'),
    'message correspond à "^Bon"': ({"message": "« Bon »\njour"},
        'message ("« Bon »\njour") correspond à "^Bon" → faux'),
    'expediteur.secteur dans ["TI", "RH"]': ({"expediteur.secteur": "TI"},
        'expediteur.secteur (« TI ») dans ["TI", "RH"] → vrai'),
    "expediteur.connexions entre 1 et minimum": ({"expediteur.connexions": 3},
        "expediteur.connexions (3) entre 1 et minimum (50) → vrai"),
    "expediteur.titre est renseigné": ({"expediteur.titre": ""},
        'expediteur.titre ("") est renseigné → vrai'),
    "expediteur.photo n'est pas renseigné": ({},
        "expediteur.photo (inconnu) n'est pas renseigné → vrai"),
    "sans_photo = faux": ({"sans_photo": True}, "sans_photo (vrai) = faux → faux"),
    "(expediteur.connexions > 5) = faux": ({"expediteur.connexions": 9},
        "(expediteur.connexions > 5) (vrai) = faux → faux"),
}  # fmt: skip


@pytest.mark.parametrize("condition", GLOSSED)
def test_each_value_read_is_glossed_in_parentheses_apart_from_the_comparison(condition):
    facts, line = GLOSSED[condition]
    policy = load(f"paramètre minimum = 50\nsignaler si {condition}\n")
    decision = compile_policy(policy).decide(facts)
    [leaf] = [trace.condition for trace in trace_decision(policy, decision, every_rule=True)]
    assert leaf.line == line


def test_the_explanation_of_the_issue_no_longer_reads_as_a_tautology():
    policy = load('refuser si expediteur.titre = "Recruteur" ou expediteur.connexions < 50\n')
    engine = compile_policy(policy)
    said = [
        explain(engine.decide(facts), policy)
        for facts in ({"expediteur.titre": "Recruteur", "expediteur.connexions": 400},
                      {"expediteur.titre": "Dev", "expediteur.connexions": 10})
    ]  # fmt: skip
    assert said == [
        'Refusée par la règle de la ligne 1 : expediteur.titre (« Recruteur ») = "Recruteur".',
        "Refusée par la règle de la ligne 1 : expediteur.connexions (10) < 50.",
    ]
