"""The benchmark's hand-written if/elif function decides exactly as blogue.tamis does."""

from __future__ import annotations

import sys
from collections import Counter
from importlib.resources import files
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tamis.engine.compile import compile_policy
from tamis.grammar.load import load_policy_file
from tamis.invitations.context import load_context
from tamis.invitations.extract import extract_facts
from tamis.invitations.validation import invitation_from
from tamis.invitations.vocabulary import vocabulary

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import baseline
import generer


@pytest.fixture(scope="module")
def blogue():
    policy, diagnostics, _ = load_policy_file(
        files("tamis.policies") / "blogue.tamis", vocabulary()
    )
    assert policy is not None, diagnostics
    return policy


@pytest.fixture(scope="module")
def engine(blogue):
    return compile_policy(blogue)


def test_agrees_with_the_engine_on_the_bench_invitations(blogue, engine) -> None:
    context = load_context(files("tamis.policies.exemples") / "tamis.toml")
    parameters = dict(blogue.parameters) | dict(context.parameters)
    outcomes: Counter = Counter()
    for raw in generer.generate(4_000, seed=7):
        invitation = invitation_from(raw)
        facts = extract_facts(invitation, context, blogue.base_names, parameters).values
        decision = engine.decide(facts, parameters)
        expected = (decision.action.value, decision.label)
        assert baseline.decide(facts) == expected, (raw, facts)
        outcomes[expected] += 1
    # the generated mix reaches most rules, so agreement is not trivial
    assert len(outcomes) >= 8, outcomes


truth = st.sampled_from([True, False, None])


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_agrees_with_the_engine_on_any_fact_values(blogue, engine, data) -> None:
    facts = {name: data.draw(truth, label=name) for name in sorted(blogue.base_names)}
    decision = engine.decide(facts, blogue.parameters)
    assert baseline.decide(facts) == (decision.action.value, decision.label)
