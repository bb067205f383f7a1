"""Building the ``Explained`` of each decision, from skeletons cached per policy.

Sits right after the engine decides (``Decision`` -> **``Explainer``** -> ``Explained`` ->
shells and journal). One ``Explainer`` per policy and run: the application layer
(``tamis.triage``) builds it with the engine and calls it once per decision, so nothing
downstream evaluates a condition or words an explanation again.

Most of an ``Explained`` does not depend on the invitation itself but only on which rules
the trace shows and the values those rules read: a policy of named facts has a few dozen such
combinations for thousands of invitations. The first decision of each combination is
traced and explained by the reference evaluator (:mod:`tamis.engine.trace`,
:mod:`tamis.engine.explain`) into a ``Skeleton``: the trace nodes, their JSON form and the
explanation with a mark where each evidence note goes. The next decisions with the same
combination reuse it and fill in only their own notes, facts and rules. The key holds the
exact values the shown rules read (the booleans of named facts, but also the numbers and
texts comparisons read, which the trace prints), so a reused skeleton is byte for byte
what the evaluator would build; a policy whose comparisons read ever-new values simply
stops caching at ``LIMIT`` skeletons and builds each one.

Skeletons are many (≈ 600 for 100,000 generated invitations of ``blogue.tamis``, ≈ 770 for
300,000) but their rules' traces are few (≈ 40): the trace of one rule depends only on the
values that rule reads, so each rule's trace and its JSON are kept once per read values and
every skeleton holds those same objects. A skeleton then costs ≈ 1.3 KB (its explanation,
its tuples) instead of ≈ 4.5 KB, and the cache grows little with the input.
"""

# No ``from __future__ import annotations``: typing builds NamedTuple and TypedDict classes
# from their annotations and compiles each one written as a string (≈ 0.07M instructions a
# field, 12 here, every start).
from collections.abc import Iterable, Iterator, Mapping
from typing import NamedTuple

from tamis.engine.compile import Outcomes
from tamis.engine.decision import Decision, RuleRef
from tamis.engine.explain import explain
from tamis.engine.explained import (
    DecisionJson,
    Explained,
    RuleEntry,
    RuleTrace,
    TraceEntry,
    rule_entry,
    shown_names,
    trace_entry,
)
from tamis.engine.trace import Evaluator, policy_shapes, trace_decision
from tamis.grammar import ast
from tamis.grammar.checked import CheckedPolicy, Kind
from tamis.grammar.vocabulary import Value

MARK = "\ue000"  # a private-use character: where an evidence note goes in a skeleton's text
FACTS, PARAMETERS, DERIVED = 0, 1, 2  # where a decision keeps a name's value


class Skeleton(NamedTuple):
    """What every decision with the same shown rules and read values shares."""

    trace: tuple[RuleTrace, ...]
    trace_json: list[TraceEntry]
    explanation: tuple[str, ...]  # texts, and at odd positions the name whose note goes there


class Shown(NamedTuple):
    """What a set of traced rules shows and reads, whatever the values."""

    names: tuple[str, ...]  # the names the trace shows, sorted (their notes are ``preuves``)
    reads: tuple[tuple[int, str], ...]  # where each value these rules read is kept, and its name


class Outcome(NamedTuple):
    """What every decision with the same fired and unknown rules shares (never mutated)."""

    fired: tuple[RuleRef, ...]
    unknown: tuple[RuleRef, ...]
    traced: tuple[int, ...]  # the rules the trace shows (``traced_rules``)
    decisive: int  # the deciding rule's index; -1: the default decided
    shown: Shown
    fired_json: list[RuleEntry]  # ``declenchees``
    unknown_json: list[RuleEntry]  # ``inconnues``


class Explainer:
    """``explainer(decision, evidence) -> Explained`` for the decisions of one policy."""

    LIMIT = 1024
    """Skeletons (and shared parts, rule lists…) kept; beyond, each decision is traced and
    explained afresh. ``blogue.tamis`` over the benchmarks' generated invitations makes 322
    skeletons in 10,000 invitations, 411 in 20,000, 712 in 200,000 (998 shared parts): a
    policy of named facts stays well under it, and one whose comparisons read ever-new
    values would find nothing to reuse in a larger cache, only keep more of it."""
    OUTCOMES = Outcomes.LIMIT
    """Outcomes kept: as many as the engine keeps combinations (``compile.Outcomes``, which
    says why that many), since only those share their tuples (``_outcome``): the outcomes
    are more numerous than the skeletons (2,107 against 712 in 200,000 invitations)."""

    def __init__(self, policy: CheckedPolicy) -> None:
        self.policy = policy
        self.rules = tuple(rule_entry(ref) for ref in policy_shapes(policy).refs)
        self.shown: dict[tuple[int, ...], Shown] = {}
        self.skeletons: dict[tuple, Skeleton] = {}
        self.outcomes: dict[tuple[int, int], Outcome] = {}
        self.rule_reads: dict[int, tuple[tuple[int, str], ...]] = {}
        self.rule_shows: dict[int, frozenset[str]] = {}  # per rule, whatever the values
        self.rule_names: dict[int, tuple[str, ...]] = {}  # per rule: ``_reads``, in order
        self.rule_traces: dict[tuple, tuple[RuleTrace, TraceEntry]] = {}
        self.rule_lists: dict[tuple[RuleRef, ...], list[RuleEntry]] = {}
        self.parts: dict[tuple, tuple] = {}  # recurring parts of keys (``_kept``)
        self.texts: dict[str, str] = {}  # recurring pieces of explanations (``_text``)
        self.parameters: tuple[Mapping[str, Value] | None, dict[str, Value]] = (None, {})

    def __call__(
        self, decision: Decision, evidence: Mapping[str, str], *, outgoing: bool = False
    ) -> Explained:
        """``decision`` explained; ``evidence`` holds the domain's notes (read only for the
        names the trace shows); ``outgoing``: a request to send, explained as advice."""
        outcome = self._outcome(decision)
        shown = outcome.shown
        notes = shown_notes(evidence, shown.names)
        values = read_values(shown.reads, decision)
        key = (outgoing, outcome.decisive, outcome.traced, values, _noted(notes))
        try:
            skeleton = self.skeletons.get(key)
        except TypeError:  # a value that cannot be a key (never one of the language's)
            skeleton, key = None, None
        if skeleton is None:
            return self._build(decision, notes, key, outgoing)
        text = fill(skeleton.explanation, notes)
        json = self._json(decision, outcome, notes, skeleton.trace_json)
        return Explained(decision, skeleton.trace, text, notes, json)

    def _outcome(self, decision: Decision) -> Outcome:
        """What the decision's fired and unknown rules give, whatever the values: kept by
        the identity of its two tuples, which the native engine shares between the
        decisions of one combination of rule values (``compile.Outcomes``)."""
        fired, unknown = decision.fired, decision.unknown
        found = self.outcomes.get((id(fired), id(unknown)))
        if found is not None and found.fired is fired and found.unknown is unknown:
            return found
        traced, decisive = traced_rules(decision)
        shown = self.shown.get(traced) or self._shown(traced)
        traced = self._kept(traced)
        found = Outcome(fired, unknown, traced, decisive, shown, self._json_rules(fired),
                        self._json_rules(unknown))  # fmt: skip
        if len(self.outcomes) < self.OUTCOMES:  # the tuples are kept: their ids stay theirs
            self.outcomes[(id(fired), id(unknown))] = found
        return found

    def _json_rules(self, rules: tuple[RuleRef, ...]) -> list[RuleEntry]:
        """The JSON list of ``rules``: one list per set of rules, shared by every outcome
        where that set fired (or stayed unknown); never mutated."""
        found = self.rule_lists.get(rules)
        if found is None:
            found = [self.rules[r.index] for r in rules]
            if len(self.rule_lists) < self.LIMIT:
                self.rule_lists[rules] = found
        return found

    def _kept(self, part: tuple) -> tuple:
        """``part`` of a key, or the equal one kept already: the traced rules, the values'
        types and the names noted recur across thousands of keys, kept once each."""
        if len(self.parts) >= self.LIMIT:
            return part
        return self.parts.setdefault(part, part)

    def _text(self, piece: str) -> str:
        """A piece of a skeleton's explanation, or the equal one kept already: the same
        sentences (a rule's motif, what a fact says) recur across skeletons."""
        if len(self.texts) >= self.LIMIT:
            return piece
        return self.texts.setdefault(piece, piece)

    def _lasting(self, key: tuple) -> tuple:
        """A skeleton's key as kept (``__call__`` builds it), its recurring parts shared."""
        outgoing, decisive, traced, values, noted = key
        if len(values) == 2 and type(values[1]) is tuple:  # (values, their types)
            values = (values[0], self._kept(values[1]))
        return (outgoing, decisive, self._kept(traced), values, self._kept(noted))

    def _json(
        self,
        decision: Decision,
        outcome: Outcome,
        notes: dict[str, str],
        trace: list[TraceEntry],
    ) -> DecisionJson:
        """The decision's JSON form, keys in the order ``--trace`` prints them; the parts
        shared by the decisions of one outcome (its rules' lists) and of one run (the
        parameters' copy) are built once, and the journal renders each of them once."""
        parameters = decision.parameters
        if self.parameters[0] is not parameters:
            self.parameters = (parameters, dict(parameters))
        return {
            "resolution": decision.strategy._value_,  # enum's ``.value`` property: 0.2 µs
            "declenchees": outcome.fired_json,
            "inconnues": outcome.unknown_json,
            "faits": dict(decision.facts),
            "faits_derives": dict(decision.derived),
            "parametres": self.parameters[1],
            "preuves": notes,
            "trace": trace,
        }

    def _shown(self, traced: tuple[int, ...]) -> Shown:
        """What the traced rules show and read: the union of what each rule does, traced
        once per rule (a few per policy) rather than once per set of traced rules (hundreds,
        each worker process tracing its own)."""
        names = set().union(*[self._rule_shows(i) for i in traced])
        reads = dict.fromkeys(name for i in traced for name in self._rule_names(i))
        shown = Shown(self._kept(tuple(sorted(names))), self._where(reads))
        if len(self.shown) < self.LIMIT:
            self.shown[traced] = shown
        return shown

    def _rule_shows(self, index: int) -> frozenset[str]:
        """The names rule ``index``'s trace shows: they do not depend on values."""
        found = self.rule_shows.get(index)
        if found is None:
            evaluator = Evaluator(self.policy, {}, {}, {})
            rule = RuleTrace(policy_shapes(self.policy).refs[index], False, evaluator.rule(index))
            found = self.rule_shows[index] = frozenset(shown_names([rule]))
        return found

    def _rule_names(self, index: int) -> tuple[str, ...]:
        """Every name rule ``index``'s trace reads (``_reads``), each once, in order."""
        found = self.rule_names.get(index)
        if found is None:
            reads = self._reads(self.policy.rules[index])
            found = self.rule_names[index] = tuple(dict.fromkeys(reads))
        return found

    def _where(self, names: Iterable[str]) -> tuple[tuple[int, str], ...]:
        """Where a decision keeps each of ``names``' values."""
        kinds = {Kind.PARAMETRE: PARAMETERS, Kind.DEFINI: DERIVED}
        policy_kinds = self.policy.kinds
        kept = self._kept
        return kept(tuple(kept((kinds.get(policy_kinds.get(n), FACTS), n)) for n in names))

    def _reads(self, statement: ast.Rule | ast.Definition) -> Iterator[str]:
        """Every name a statement's trace reads, through the definitions it uses."""
        definitions = policy_shapes(self.policy).definitions
        for node in ast.walk(statement.condition):
            if isinstance(node, ast.Ref):
                yield node.name
                if node.name in definitions:
                    yield from self._reads(definitions[node.name])

    def _build(
        self, decision: Decision, notes: dict[str, str], key: tuple | None, outgoing: bool
    ) -> Explained:
        """Trace and explain with the reference evaluator; keep the skeleton under ``key``."""
        policy = self.policy
        evaluator = Evaluator.of(policy, decision)
        traced = trace_decision(policy, decision, evaluator=evaluator)
        traces, entries = self._shared(traced, decision)
        text = explain(decision, policy, notes, evaluator=evaluator, outgoing=outgoing)
        skeleton = Skeleton(traces, entries, (text,))
        if key is not None and len(self.skeletons) < self.LIMIT:
            marked = {name: f"{MARK}{name}{MARK}" for name in key[-1]}
            explained = explain(decision, policy, marked, evaluator=evaluator, outgoing=outgoing)
            template = tuple([self._text(piece) for piece in explained.split(MARK)])
            if fill(template, notes) == text:  # no mark in the policy's or the input's texts
                self.skeletons[self._lasting(key)] = skeleton._replace(explanation=template)
        json = self._json(decision, self._outcome(decision), notes, skeleton.trace_json)
        return Explained(decision, traces, text, notes, json)

    def _shared(
        self, traces: list[RuleTrace], decision: Decision
    ) -> tuple[tuple[RuleTrace, ...], list[TraceEntry]]:
        """The rules' traces and their JSON, each one the object already kept for the same
        rule reading the same values: skeletons share what they have in common (most of a
        skeleton's bytes), and the cache grows by little more than each one's explanation."""
        shared = [self._rule_trace(trace, decision) for trace in traces]
        return tuple([trace for trace, _ in shared]), [entry for _, entry in shared]

    def _rule_trace(self, trace: RuleTrace, decision: Decision) -> tuple[RuleTrace, TraceEntry]:
        """``trace`` and its JSON, or the equal pair kept for the same rule, role and read
        values (the trace of a rule depends on nothing else)."""
        index = trace.rule.index
        reads = self.rule_reads.get(index)
        if reads is None:
            reads = self.rule_reads[index] = self._where(self._rule_names(index))
        key = (index, trace.decisive, read_values(reads, decision))
        try:
            found = self.rule_traces.get(key)
        except TypeError:  # a value that cannot be a key (never one of the language's)
            return trace, trace_entry(trace)
        if found is None:
            found = (trace, trace_entry(trace))
            if len(self.rule_traces) < self.LIMIT:
                self.rule_traces[key] = found
        return found


def traced_rules(decision: Decision) -> tuple[tuple[int, ...], int]:
    """The indexes of the rules a decision's trace shows (``trace_decision``'s choice), and
    the deciding rule's (-1: the default decided)."""
    rule = decision.rule
    if rule is None:  # nothing fired: the rules left inconnu say what was missing
        return tuple([r.index for r in decision.unknown]), -1
    fired = decision.fired  # file order, the deciding rule among them
    if len(fired) == 1:
        return (rule.index,), rule.index
    return tuple([r.index for r in fired]), rule.index


def read_values(reads: tuple[tuple[int, str], ...], decision: Decision) -> tuple:
    """The values ``reads`` names, from the decision's facts, parameters and derived facts,
    as a key that tells apart values Python finds equal but the trace prints differently
    (``0``, ``0.0``, ``-0.0`` and ``faux``; the same inside lists)."""
    where = (decision.facts, decision.parameters, decision.derived)
    values = tuple([where[place].get(name) for place, name in reads])
    types = tuple(map(type, values))
    if float in types or tuple in types:
        return tuple(map(repr, values))
    return values, types


def shown_notes(evidence: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    """The notes of ``names`` that ``evidence`` holds, in that order: through its own
    ``picked`` when it has one (the domain's ``Notes``, which words each note when first
    read: one loop instead of two look-ups per name through the ``Mapping`` methods)."""
    picked = getattr(evidence, "picked", None)
    if picked is not None:
        return picked(names)
    return {n: evidence[n] for n in names if n in evidence} if evidence else {}


def _noted(notes: dict[str, str]) -> tuple[str, ...]:
    """The names with a note to show (an empty note shows nothing)."""
    return tuple([name for name, note in notes.items() if note])


def fill(template: tuple[str, ...], notes: Mapping[str, str]) -> str:
    """A skeleton's explanation with each mark replaced by its name's note."""
    if len(template) == 1:
        return template[0]
    parts = list(template)
    for i in range(1, len(parts), 2):
        parts[i] = notes[parts[i]]
    return "".join(parts)
