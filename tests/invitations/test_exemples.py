"""The shipped examples: each invitation gets its expected decision under each shipped
policy (policies/exemples/attendus.json), and together they cover every built-in fact."""

from __future__ import annotations

import json
from functools import cache

import pytest
from invitation_helpers import EXAMPLES, ROOT, example_context

from tamis.engine.compile import compile_policy
from tamis.grammar.load import load_policy_file
from tamis.invitations.extract import extract_facts
from tamis.invitations.reader import read_invitations
from tamis.invitations.vocabulary import FACTS, vocabulary

FILES = ("invitations.jsonl", "Invitations.csv", "Invitations-2022.csv")
EXPECTED = json.loads((EXAMPLES / "attendus.json").read_text(encoding="utf-8"))


@cache
def records():
    return tuple(
        r for name in FILES for r in read_invitations(EXAMPLES / name, name=name, sens="toutes")
    )


@cache
def policy(name):
    checked, diagnostics, _ = load_policy_file(ROOT / "policies" / f"{name}.tamis", vocabulary())
    assert checked is not None, diagnostics
    return checked, compile_policy(checked)


def test_at_least_forty_invitations_all_expected_in_french_and_english():
    ids = [r.invitation.id for r in records()]
    assert len(ids) >= 40 and len(set(ids)) == len(ids)
    assert set(ids) == set(EXPECTED)


@pytest.mark.parametrize("name", ["blogue", "chambre"])
def test_each_invitation_gets_its_expected_decision(name):
    checked, native = policy(name)
    context = example_context()
    parameters = {**checked.parameters}
    got, want = {}, {}
    for record in records():
        facts = extract_facts(record.invitation, context, checked.base_names, parameters)
        decision = native.decide(facts.values, parameters)
        got[record.invitation.id] = {"decision": decision.action.value, "regle": decision.label}
        want[record.invitation.id] = EXPECTED[record.invitation.id][name]
    assert got == want


def test_examples_cover_every_fact_as_vrai_faux_and_inconnu():
    context = example_context()
    names = [name for name, _, _ in FACTS if name != "message.score_commercial"]
    seen = {name: set() for name in names}
    for record in records():
        values = extract_facts(record.invitation, context, names, context.parameters).values
        for name, value in values.items():
            seen[name].add(value)
    assert {name: values for name, values in seen.items() if values != {True, False, None}} == {}


def test_every_decision_of_both_policies_is_exercised():
    for name in ("blogue", "chambre"):
        decisions = {expected[name]["decision"] for expected in EXPECTED.values()}
        assert {"accepter", "refuser", "ignorer", "examiner"} <= decisions
    assert "signaler" in {e["chambre"]["decision"] for e in EXPECTED.values()}
