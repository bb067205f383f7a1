"""Turning the solver's answer into a concrete case, and having the real engine decide it.

Every answer of ``analyser`` and ``comparer`` is confirmed this way: a model becomes a
``Case`` that the compiled policy decides (``tamis.engine.compile``). ``FactsOracle`` hands the
engine the facts directly (for vocabularies without a domain, in tests); the invitation
oracle (``invitation_oracle``) writes a real invitation JSON and context and lets the domain
compute the facts first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from tamis.analysis.assignment import UNBUILDABLE, Assignment
from tamis.engine.compile import NativePolicy, compile_policy
from tamis.engine.decision import Decision
from tamis.grammar.checked import CheckedPolicy
from tamis.grammar.vocabulary import Value


@dataclass(frozen=True)
class Case:
    """A concrete input: the facts (tests), or an invitation and its context (real use)."""

    facts: Mapping[str, Value] = field(default_factory=dict)
    invitation: Mapping[str, Any] | None = None
    context: str | None = None  # TOML text, None when the empty context will do
    files: Mapping[str, str] = field(default_factory=dict)  # exports the context cites


@dataclass
class Judged:
    """One policy as the oracle runs it."""

    policy: CheckedPolicy
    parameters: Mapping[str, Value]

    @cached_property
    def engine(self) -> NativePolicy:
        return compile_policy(self.policy)


class Oracle(Protocol):
    failed: str | None  # after a failed ``build``: the base key it could not produce, if one

    def build(self, assignment: Assignment, judged: list[Judged]) -> Case | None:
        """A concrete case with the assignment's values, or None."""

    def decide(self, case: Case, judged: Judged) -> Decision:
        """What the real engine decides on ``case``."""


class FactsOracle:
    """Facts straight from the assignment (every fact free: no domain to compute them)."""

    failed: str | None = None

    def build(self, assignment: Assignment, judged: list[Judged]) -> Case | None:
        if any(v is UNBUILDABLE for v in assignment.values.values()):
            return None
        facts = {assignment.bases[k].name: v for k, v in assignment.values.items()}
        return Case(facts=facts)

    def decide(self, case: Case, judged: Judged) -> Decision:
        facts = {name: case.facts.get(name) for name in judged.policy.base_names}
        return judged.engine.decide(facts, judged.parameters)
