"""Building the ``Explained`` of each decision: trace, JSON trace, explanation, evidence shown.

Sits right after the engine decides (``Decision`` -> **``Explainer``** -> ``Explained`` ->
shells and journal). One ``Explainer`` per policy and run: the application layer
(``tamis.triage``) builds it with the engine and calls it once per decision, so nothing
downstream evaluates a condition or words an explanation again.
"""

from __future__ import annotations

from collections.abc import Mapping

from tamis.engine.decision import Decision
from tamis.engine.explain import explain
from tamis.engine.explained import (
    Explained,
    shown_evidence,
    shown_names,
    trace_json,
)
from tamis.engine.trace import Evaluator, trace_decision
from tamis.grammar.checked import CheckedPolicy


class Explainer:
    """``explainer(decision, evidence) -> Explained`` for the decisions of one policy."""

    def __init__(self, policy: CheckedPolicy) -> None:
        self.policy = policy

    def __call__(self, decision: Decision, evidence: Mapping[str, str]) -> Explained:
        """``decision`` explained; ``evidence`` holds the domain's notes (read only for the
        names the trace shows)."""
        policy = self.policy
        evaluator = Evaluator.of(policy, decision)  # one evaluation for trace and explanation
        traces = tuple(trace_decision(policy, decision, evaluator=evaluator))
        notes = shown_evidence(shown_names(traces), evidence)
        explanation = explain(decision, policy, notes, evaluator=evaluator)
        return Explained(decision, traces, trace_json(traces), explanation, notes)
