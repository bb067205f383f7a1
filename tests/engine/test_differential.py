"""Both engines, one behaviour: random well-typed policies and invitations, equal decisions.

Each example draws a vocabulary and a policy (``policy_strategies``), checks it with the real
checker, compiles it with the native engine and the durable-rules engine, and decides several
random invitations with both: the whole ``Decision`` must be equal (action, deciding rule,
fired and unknown rules, derived fact values, facts and parameters read), except ``engine``.

The fixed corpus ``tests/corpus/decisions/<politique>.jsonl`` holds hand-written cases over
the shipped policies (``policies/<politique>.tamis``): base facts, expected action and
expected deciding rule; both engines must give exactly that.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tamis.engine.compile import compile_policy
from tamis.engine.decision import EngineName
from tamis.grammar import ast
from tamis.grammar.load import load_policy
from tamis.invitations.vocabulary import vocabulary

pytest.importorskip("durable")

from policy_strategies import Scenario, facts_for, parameters_for, scenarios

from tamis.engine.durable_engine import DurablePolicy

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _same(scenario: Scenario, facts, parameters) -> None:
    native = compile_policy(scenario.checked).decide(facts, parameters)
    durable = DurablePolicy(scenario.checked).decide(facts, parameters)
    assert durable.engine is EngineName.DURABLE
    expected = native._replace(engine=EngineName.DURABLE)
    assert durable == expected, _differences(durable, expected, scenario, facts, parameters)


def _differences(found, expected, scenario: Scenario, facts, parameters) -> str:
    """Only what differs, then the inputs: hypothesis prints the minimal failing case."""
    fields = [
        f"{name}: durable={a!r} natif={b!r}"
        for name, a, b in zip(found._fields, found, expected, strict=True)
        if a != b
    ]
    rules = [s for s in scenario.policy.statements if isinstance(s, ast.Definition | ast.Rule)]
    lines = [*fields, *map(repr, rules), f"facts={facts!r}", f"parameters={parameters!r}"]
    return "\n".join(lines)


@SETTINGS
@given(data=st.data())
def test_random_policies_decide_alike(data: st.DataObject) -> None:
    scenario = data.draw(scenarios())
    native = compile_policy(scenario.checked)
    durable = DurablePolicy(scenario.checked)
    for _ in range(4):
        facts = data.draw(facts_for(scenario.vocabulary))
        parameters = data.draw(parameters_for(scenario.checked))
        expected = native.decide(facts, parameters)._replace(engine=EngineName.DURABLE)
        found = durable.decide(facts, parameters)
        assert found == expected, _differences(found, expected, scenario, facts, parameters)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_all_unknown_facts_decide_alike(data: st.DataObject) -> None:
    """Nothing known: every comparison is inconnu, only presence tests and constants hold."""
    scenario = data.draw(scenarios())
    _same(scenario, {}, None)


def test_the_strategies_reach_every_resolution_and_operator() -> None:
    """The generator is not stuck in a corner: over many draws, every feature appears.

    600 draws, not 150: at 150 a feature went missing about once in eight random runs, and
    even derandomized the draws moved with what earlier tests of the same session loaded,
    so the full suite failed now and then; at 600 a miss is below one in a million."""
    seen: set[object] = set()

    @settings(max_examples=600, deadline=None, database=None, derandomize=True)
    @given(scenarios())
    def collect(scenario: Scenario) -> None:
        seen.add(scenario.checked.strategy)
        seen.update(_features(scenario.policy))

    collect()
    wanted = {*_STRATEGIES, *_OPS, "définir lu", "est renseigné", "sous-condition comparée"}
    wanted.add("renseigné sur un définir ou une sous-condition")
    assert wanted <= seen, wanted - seen


_STRATEGIES = set(ast.Strategy)
_OPS = set(ast.Op)


def _features(policy: ast.Policy) -> set[object]:
    found: set[object] = set()
    definitions = {s.name for s in policy.statements if isinstance(s, ast.Definition)}

    def walk(expr) -> None:
        match expr:
            case ast.Compare(op=op, left=left, right=right):
                found.add(op)
                if not isinstance(left, ast.Ref | ast.Literal):
                    found.add("sous-condition comparée")
                walk(left)
                walk(right)
            case ast.IsSet(subject=subject):
                found.add("est renseigné")
                derived = isinstance(subject, ast.Ref) and subject.name in definitions
                if derived or not isinstance(subject, ast.Ref | ast.Literal):
                    found.add("renseigné sur un définir ou une sous-condition")
                walk(subject)
            case ast.Ref(name=name) if name in definitions:
                found.add("définir lu")
            case ast.Not(operand=operand):
                walk(operand)
            case ast.And(operands=operands) | ast.Or(operands=operands):
                for operand in operands:
                    walk(operand)
            case ast.Between(subject=s, low=lo, high=hi):
                for operand in (s, lo, hi):
                    walk(operand)

    for statement in policy.statements:
        if isinstance(statement, ast.Definition | ast.Rule):
            walk(statement.condition)
    return found


# --- the fixed corpus over the shipped policies --------------------------------------------

CORPUS = Path(__file__).parents[1] / "corpus" / "decisions"


def _corpus() -> list:
    """One ``pytest.param(name, case)`` per line, with id ``politique:ligne``."""
    cases = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines, 1):
            cases.append(pytest.param(path.stem, json.loads(line), id=f"{path.stem}:{n}"))
    return cases


_ENGINES: dict[str, tuple[object, object]] = {}


def _engines(name: str):
    if name not in _ENGINES:
        source = (files("tamis.policies") / f"{name}.tamis").read_text(encoding="utf-8")
        policy, diagnostics = load_policy(source, f"{name}.tamis", vocabulary())
        assert policy is not None, diagnostics
        _ENGINES[name] = (compile_policy(policy), DurablePolicy(policy))
    return _ENGINES[name]


def test_the_corpus_is_large_enough() -> None:
    assert len(_corpus()) >= 200
    assert {param.values[0] for param in _corpus()} == {"blogue", "chambre"}


@pytest.mark.parametrize(("name", "case"), _corpus())
def test_corpus_case(name: str, case: dict) -> None:
    native, durable = _engines(name)
    facts = case["faits"]
    expected = native.decide(facts)
    assert (expected.action.value, expected.label) == (case["decision"], case["regle"])
    assert durable.decide(facts) == expected._replace(engine=EngineName.DURABLE)
