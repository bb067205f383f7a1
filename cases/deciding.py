"""The one door from policy tests into the pipeline: load, validate, decide, explain, evaluate.

Every call the test runner makes into ``tamis.triage``, ``tamis.engine`` and
``tamis.invitations`` goes through here, so a change in those layers' interfaces is absorbed
in this module alone. A case is decided exactly as ``tamis decider`` decides an invitation:
the same checked policy, facts extracted for the names the policy reads, the same engines,
the same explanation; nothing is journaled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tamis.engine.decision import Decision
from tamis.engine.engines import Engine, EngineUnavailable, make_engine, parse_engine
from tamis.engine.explainer import Explainer
from tamis.engine.parameters import (
    ParameterError,
    effective_parameters,
    parameter_type,
    regex_parameters,
    value_problem,
)
from tamis.engine.trace import Evaluator
from tamis.grammar import ast
from tamis.grammar.check_regex import regex_problem
from tamis.grammar.checked import CheckedPolicy
from tamis.grammar.vocabulary import Type, Value
from tamis.invitations.context import Context, ContextError, context_from_document, load_context
from tamis.invitations.extract import extract_facts
from tamis.invitations.models import Invitation
from tamis.invitations.validation import unknown_fields, validate
from tamis.invitations.vocabulary import vocabulary
from tamis.triage.pipeline import (
    PolicyInvalid,
    Setup,
    check_declared_parameters,
    decide_invitation,
    load_checked_policy,
)

# re-exported for the runner: the errors it turns into diagnostics
__all__ = ["ContextError", "EngineUnavailable", "ParameterError", "PolicyInvalid"]


def load_policy(path: Path) -> CheckedPolicy:
    """The checked policy; raises ``PolicyInvalid`` with every diagnostic rendered."""
    policy, _warnings = load_checked_policy(str(path))
    return policy


@dataclass(frozen=True)
class Decider:
    """One policy with one engine: the ``decide`` half of the pipeline's ``Setup``."""

    policy: CheckedPolicy
    engine: Engine
    explainer: Explainer


def decider(name: str, policy: CheckedPolicy) -> Decider:
    """``policy`` with the engine ``natif`` or ``durable``; raises ``EngineUnavailable``."""
    engine = make_engine(parse_engine(name), policy)
    return Decider(policy, engine, Explainer(policy))


def validated(raw: Mapping[str, Any]) -> tuple[Invitation | None, list[str], list[str]]:
    """(invitation or None, French errors, unknown field paths)."""
    invitation, errors, _warnings = validate(dict(raw))
    return invitation, errors, unknown_fields(Invitation, raw)


def invitation_fields() -> list[str]:
    """The invitation fields a policy can read, for « vouliez-vous dire » hints."""
    return [name for name, spec in vocabulary().names.items() if spec.is_field]


def context_file(path: Path) -> Context:
    return load_context(path)


def inline_context(tables: Mapping[str, Any], anchor: Path) -> Context:
    """The context of inline ``[moi]``/``[reseau]`` tables; exports are relative to ``anchor``."""
    data = orjson.dumps(tables, option=orjson.OPT_SORT_KEYS)
    return context_from_document(dict(tables), anchor, data)


def check_context_parameters(policy: CheckedPolicy, context: Context) -> None:
    """Raises ``ContextError`` when the context gives a declared parameter the wrong type."""
    check_declared_parameters(policy, context)


def name_types(policy: CheckedPolicy) -> dict[str, Type]:
    """Every name a case may expect a value for: fields, built-in facts, definitions."""
    types = {name: spec.type for name, spec in vocabulary().names.items()}
    types.update((d.name, Type.BOOLEEN) for d in policy.definitions)
    return types


def parameter_names(policy: CheckedPolicy) -> list[str]:
    return sorted(policy.parameters)


def expected_type(policy: CheckedPolicy, name: str) -> Type:
    return parameter_type(policy, name)


def parameter_value_problem(policy: CheckedPolicy, name: str, value: Value) -> str | None:
    """Why ``value`` cannot be parameter ``name`` (French: too many digits, not finite, out
    of a built-in parameter's bounds), as ``decider`` would refuse it, or None."""
    return value_problem(policy, name, value)


def regex_parameter_problem(policy: CheckedPolicy, name: str, value: Value) -> str | None:
    """Why ``value`` cannot be the pattern of ``correspond à`` here, or None."""
    if name not in regex_parameters(policy) or not isinstance(value, str):
        return None
    problem = regex_problem(value)
    return None if problem is None else problem[0]


def parameters_for(
    policy: CheckedPolicy, context: Context, overrides: Mapping[str, Value]
) -> dict[str, Value]:
    """The parameters in force: as ``decider`` computes them, then the case's own values."""
    values = effective_parameters(policy, context.parameters, [])
    values.update(overrides)
    return values


@dataclass(frozen=True)
class Outcome:
    """A case decided: the decision, its explanation, and the values its expectations read."""

    decision: Decision
    explanation: str
    values: Mapping[str, Value]  # base facts and fields read or asked for, and definitions

    @property
    def engine(self) -> str:
        """The engine that really decided, as users write it."""
        return self.decision.engine.value


def decide(
    decider: Decider,
    invitation: Invitation,
    context: Context,
    parameters: Mapping[str, Value],
    asked: Iterable[str] = (),
) -> Outcome:
    """Decide one case through the pipeline, as ``decider`` decides an invitation, then
    compute the names its expectations ask that the policy does not read."""
    setup = Setup(decider.policy, decider.engine, decider.explainer, context, parameters, "")
    explained, _duration_ms = decide_invitation(setup, invitation)
    decision = explained.decision
    values: dict[str, Value] = dict(decision.facts)
    extra = set(asked) - set(values) - set(decision.derived)
    if extra:
        values.update(extract_facts(invitation, context, extra, parameters).values)
    values.update(decision.derived)
    return Outcome(decision, explained.explanation, values)


def same_decision(first: Decision, second: Decision) -> bool:
    """True when two engines decided alike (everything but the engine's name)."""
    return first._replace(engine="") == second._replace(engine="")


def atom_values(
    policy: CheckedPolicy, decision: Decision, atoms: Iterable[ast.Expr]
) -> list[Value]:
    """The value of each condition atom for ``decision``, by the reference evaluator."""
    evaluator = Evaluator.of(policy, decision)
    return [evaluator.condition(atom).value for atom in atoms]
