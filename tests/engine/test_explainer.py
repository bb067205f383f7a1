"""An ``Explained`` built from a cached skeleton is exactly the one the evaluator builds."""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from native_helpers import load
from policy_strategies import facts_for, parameters_for, scenarios

from tamis.engine.compile import compile_policy
from tamis.engine.explainer import MARK, Explainer
from tamis.invitations.validation import invitation_from
from tamis.triage.pipeline import SetupOptions, decide_invitation, prepare

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import generer

EXEMPLES = files("tamis.policies.exemples")


def fresh(explainer: Explainer) -> Explainer:
    """An explainer of the same policy that keeps no skeleton: the evaluator every time."""
    reference = Explainer(explainer.policy)
    reference.LIMIT = reference.OUTCOMES = 0
    return reference


def assert_same(found, expected) -> None:
    assert found.explanation == expected.explanation
    assert found.trace == expected.trace
    assert found.evidence == expected.evidence
    assert found.json == expected.json
    assert list(found.json) == list(expected.json)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_policies_explained_from_skeletons_as_from_the_evaluator(data) -> None:
    scenario = data.draw(scenarios())
    engine, explainer = compile_policy(scenario.checked), Explainer(scenario.checked)
    reference = fresh(explainer)
    names = sorted(scenario.vocabulary.names)
    notes = st.dictionaries(st.sampled_from(names), st.sampled_from(["", "vu", "a; b", MARK]))
    for _ in range(6):  # the same combinations come back: skeletons are reused
        facts = data.draw(facts_for(scenario.vocabulary))
        decision = engine.decide(facts, data.draw(parameters_for(scenario.checked)))
        evidence = data.draw(notes) if names else {}
        assert_same(explainer(decision, evidence), reference(decision, evidence))


def test_shipped_policies_on_generated_invitations() -> None:
    for policy in ("blogue.tamis", "chambre.tamis"):
        options = SetupOptions(str(files("tamis.policies") / policy), str(EXEMPLES / "tamis.toml"))
        setup = prepare(options)
        reference = fresh(setup.explainer)
        for raw in generer.generate(1500, seed=3):
            explained, _ = decide_invitation(setup, invitation_from(raw))
            assert_same(explained, reference(explained.decision, explained.evidence))
        kept = len(setup.explainer.skeletons)
        assert 0 < kept < 300, kept  # a few hundred combinations at most, for 1,500 invitations


def test_each_decision_gets_its_own_notes_and_facts() -> None:
    policy = load('refuser si sans_photo ou message contient "offre"\nsinon accepter\n')
    engine, explainer = compile_policy(policy), Explainer(policy)
    first = explainer(engine.decide({"sans_photo": True, "message": "a"}), {"sans_photo": "un"})
    second = explainer(engine.decide({"sans_photo": True, "message": "b"}), {"sans_photo": "deux"})
    assert first.explanation.endswith("sans_photo est vrai (un).")
    assert second.explanation.endswith("sans_photo est vrai (deux).")
    assert (first.evidence, second.evidence) == ({"sans_photo": "un"}, {"sans_photo": "deux"})
    assert first.json["faits"]["message"] == "a" and second.json["faits"]["message"] == "b"
    assert len(explainer.skeletons) == 2  # the message is read by a comparison: in the key


def test_a_skeleton_is_shared_by_the_decisions_that_read_the_same_values() -> None:
    policy = load("refuser si sans_photo\nsinon accepter\n")
    engine, explainer = compile_policy(policy), Explainer(policy)
    first = explainer(engine.decide({"sans_photo": True, "connu": True}), {})
    second = explainer(engine.decide({"sans_photo": True, "connu": False}), {})
    assert second.trace is first.trace and second.json["trace"] is first.json["trace"]
    assert len(explainer.skeletons) == 1


def test_skeletons_share_the_trace_of_a_rule_that_reads_the_same_values() -> None:
    """Two skeletons (the comparison reads 5, then 3) hold the same objects for the rule
    they have in common: the cache grows by what differs, not by whole traces."""
    policy = load("refuser si sans_photo\nrefuser si expediteur.connexions < 10\nsinon accepter\n")
    engine, explainer = compile_policy(policy), Explainer(policy)
    reference = fresh(explainer)
    found = []
    for connexions in (5, 3):
        decision = engine.decide({"sans_photo": True, "expediteur.connexions": connexions})
        found.append(explainer(decision, {}))
        assert_same(found[-1], reference(decision, {}))
    first, second = found
    assert len(explainer.skeletons) == 2 and len(first.trace) == 2
    assert second.trace[0] is first.trace[0]
    assert second.json["trace"][0] is first.json["trace"][0]
    assert second.trace[1] is not first.trace[1] and second.trace[1] != first.trace[1]


def test_values_python_finds_equal_are_told_apart() -> None:
    policy = load("refuser si expediteur.connexions < 10\nsinon accepter\n")
    engine, explainer = compile_policy(policy), Explainer(policy)
    reference = fresh(explainer)
    for value, shown in ((0, "0"), (0.0, "0,0"), (-0.0, "-0,0"), (0, "0"), (0.0, "0,0")):
        decision = engine.decide({"expediteur.connexions": value})
        found = explainer(decision, {})
        assert_same(found, reference(decision, {}))
        assert f"expediteur.connexions ({shown}) < 10" in found.explanation


def test_the_kept_combinations_share_their_recurring_parts() -> None:
    """What thousands of cached combinations have in common is kept once (memory that grows
    with the input: docs/faits.md, « Mémoire »): each set of rules, its JSON list, and the
    parts of skeleton keys that recur (the traced rules, the values' types, the names noted)."""
    options = SetupOptions(
        str(files("tamis.policies") / "blogue.tamis"), str(EXEMPLES / "tamis.toml")
    )
    setup = prepare(options)
    decisions = [
        decide_invitation(setup, invitation_from(raw))[0].decision
        for raw in generer.generate(3000, seed=5)
    ]
    sets: dict[tuple, set[int]] = {}
    for decision in decisions:
        for rules in (decision.fired, decision.unknown):
            sets.setdefault(rules, set()).add(id(rules))
    assert all(len(ids) == 1 for ids in sets.values())  # one tuple per set of rules
    outcomes = list(setup.explainer.outcomes.values())
    lists = {id(o.fired_json) for o in outcomes} | {id(o.unknown_json) for o in outcomes}
    assert len(lists) <= len(sets) < len(outcomes)
    keys = list(setup.explainer.skeletons)
    for part in (2, 4):  # the traced rules, the names noted
        assert len({id(key[part]) for key in keys}) == len({key[part] for key in keys})
    types = [key[3][1] for key in keys if len(key[3]) == 2 and type(key[3][1]) is tuple]
    assert len({id(t) for t in types}) == len(set(types)) < len(types)
