"""What a decision shows: the decision, its trace, its French explanation and the evidence shown.

Sits right after deciding: ``Decision`` -> **``Explained``** (built once per decision by
:mod:`tamis.engine.explainer`) -> printed by the shells (``tamis.cli``, ``tamis.service``)
and serialised by the journal (``tamis.audit.record``), which never re-runs the engine.

This module holds data only, no evaluation, so that the audit layer can read an ``Explained``
without importing the evaluator or the explanation. It also owns the one JSON form of a
trace (French keys): the form the journal records and ``--trace`` prints. Values keep the
run-time convention (``None`` is *inconnu*); a trace node's JSON names what it read
(``lu``) but holds no values: those are in the decision's facts, derived facts and
parameters.
"""

# No ``from __future__ import annotations``: typing builds NamedTuple and TypedDict classes
# from their annotations and compiles each one written as a string (≈ 0.07M instructions a
# field, every start); evaluated at import, only the two naming ``TraceNode`` are strings.
from collections.abc import Iterator, Mapping
from enum import Enum
from typing import Any, NamedTuple, NotRequired, TypedDict

from tamis.engine.decision import Decision, RuleRef
from tamis.engine.semantics import truth_word
from tamis.grammar.vocabulary import Value


class NodeKind(Enum):
    """What a trace node is; the value is the word the code has always used for it."""

    AND = "et"
    OR = "ou"
    NOT = "non"
    NAME = "nom"  # a fact, field, parameter or derived fact used as a condition
    TEST = "test"  # a comparison, ``entre``, ``est renseigné``
    VALUE = "valeur"  # a literal used as a condition


class TraceNode(NamedTuple):
    """One condition node: its text, its value, and for leaves what it read.

    A ``NamedTuple`` rather than a frozen dataclass: a decision's trace holds several, and a
    frozen dataclass costs about three times as much to construct."""

    kind: NodeKind
    text: str  # the condition, in canonical form
    value: Value  # vrai / faux / inconnu (None) for conditions
    detail: str  # leaves: "expediteur.connexions (12) < connexions_min (50)"; else the text
    reads: tuple[tuple[str, Value], ...] = ()  # the names this node reads itself, with values
    children: tuple["TraceNode", ...] = ()
    definition: "TraceNode | None" = None  # a derived fact's own condition

    @property
    def line(self) -> str:
        return f"{self.detail} → {truth_word(self.value)}"  # type: ignore[arg-type]


class RuleTrace(NamedTuple):
    rule: RuleRef
    decisive: bool  # this rule made the decision
    condition: TraceNode


class TraceEntry(TypedDict):
    """A rule's trace in its JSON form (the journal's ``trace`` items)."""

    regle: str
    ligne: int
    decisive: bool  # this rule decided
    condition: dict[str, Any]  # node: condition, valeur, [detail], [lu], [enfants], [definition]


class RuleEntry(TypedDict):
    """A rule in its JSON form (the ``declenchees`` and ``inconnues`` items)."""

    regle: str  # name, or "ligne N" (its motif is in the recorded policy source)
    ligne: int
    decision: str  # the rule's action
    priorite: NotRequired[int]


class DecisionJson(TypedDict):
    """What ``--trace`` prints after a decision's explanation, and what its journal record
    holds under the same keys."""

    resolution: str
    declenchees: list[RuleEntry]  # every rule whose condition was vrai, file order
    inconnues: list[RuleEntry]  # every rule whose condition was inconnu, file order
    faits: dict[str, Any]  # base facts and fields the policy read (null = inconnu)
    faits_derives: dict[str, bool | None]
    parametres: dict[str, Any]
    preuves: dict[str, str]  # fact -> what the domain read, for the facts the trace shows
    trace: list[TraceEntry]


class Explained(NamedTuple):
    """A decision with everything shown about it, built once right after deciding.

    ``trace`` holds the rules worth showing (the deciding and fired rules, or the rules left
    inconnu when none fired); ``evidence`` the domain's notes for the names that trace shows,
    by name; ``json`` the decision's JSON form, with that trace and evidence. The parts that
    do not depend on one invitation's values (trace nodes, their JSON) may be shared with
    other decisions of the same policy: never mutate them."""

    decision: Decision
    trace: tuple[RuleTrace, ...]
    explanation: str  # French, one or two sentences
    evidence: dict[str, str]
    json: DecisionJson


def rule_entry(rule: RuleRef) -> RuleEntry:
    """A rule's JSON form (the ``declenchees`` and ``inconnues`` items)."""
    entry: RuleEntry = {"decision": rule.action.value, "ligne": rule.line, "regle": rule.label}
    if rule.priority is not None:
        entry["priorite"] = rule.priority
    return entry


def trace_json(traces: tuple[RuleTrace, ...] | list[RuleTrace]) -> list[TraceEntry]:
    """The JSON form of rule traces, in order."""
    return [trace_entry(trace) for trace in traces]


def trace_entry(trace: RuleTrace) -> TraceEntry:
    return {
        "condition": node_entry(trace.condition),
        "decisive": trace.decisive,
        "ligne": trace.rule.line,
        "regle": trace.rule.label,
    }


def node_entry(node: TraceNode) -> dict[str, Any]:
    """A trace node's JSON form: ``detail`` only where it is not the ``condition``, ``lu``
    only where the node read other names than its own text."""
    out: dict[str, Any] = {"condition": node.text}
    if node.definition is not None:
        out["definition"] = node_entry(node.definition)
    if node.detail != node.text:
        out["detail"] = node.detail
    if node.children:
        out["enfants"] = [node_entry(child) for child in node.children]
    names = [name for name, _ in node.reads]
    if names and names != [node.text]:
        out["lu"] = names
    value = node.value
    out["valeur"] = truth_word(value) if value is None or isinstance(value, bool) else str(value)
    return out


def shown_names(traces: tuple[RuleTrace, ...] | list[RuleTrace]) -> set[str]:
    """The names a trace shows: what each node read, or a lone name's own text."""
    return {name for trace in traces for name in _node_names(trace.condition)}


def _node_names(node: TraceNode) -> Iterator[str]:
    if node.definition is not None:
        yield from _node_names(node.definition)
    for child in node.children:
        yield from _node_names(child)
    if node.reads:
        yield from (name for name, _ in node.reads)
    elif not node.children and node.detail == node.text:
        yield node.text


def shown_evidence(names: set[str], evidence: Mapping[str, str]) -> dict[str, str]:
    """The evidence notes of ``names``, sorted by name (the others explain nothing here)."""
    if not evidence:
        return {}
    return {name: evidence[name] for name in sorted(names) if name in evidence}
