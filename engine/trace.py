"""The trace of a decision: each condition node with its value and the inputs it read.

Sits after deciding (``Decision`` -> trace -> explanation, JSON): the trace is rebuilt lazily
from what the decision recorded (``facts``, ``parameters``, ``derived``), since evaluation is
deterministic, by a plain tree-walking evaluator over :mod:`tamis.engine.semantics`. The
fast engines never build it. A leaf reads like
``expediteur.connexions (12) < connexions_min (50) → vrai``: each name read is followed by its
value in parentheses (``glossed``), so that the value is never read as part of the comparison
(``expediteur.titre (« Dev ») = "Recruteur"``, not ``expediteur.titre = "Dev" = "Recruteur"``). A
derived fact (``définir``) used in a condition carries its own sub-trace. Numbers in a leaf's line
are written the French way (``expediteur.connexions (25 000) > vedette_min (10 000)``), which the
language also reads; the condition's own text stays in the formatter's canonical form.

One ``Evaluator`` per decision evaluates each rule's condition at most once: the trace and
the explanation (:mod:`tamis.engine.explain`) read the same nodes when they are handed the same
evaluator (``Evaluator.of``), as :mod:`tamis.engine.explainer` does when it builds a decision's
``Explained``, the one value the shells print and the journal records. The canonical text of
every condition node is formatted once per checked policy (``policy_shapes``), not once per
decision. The node types (``TraceNode``, ``RuleTrace``) live in :mod:`tamis.engine.explained`.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from typing import NamedTuple

from tamis.engine import semantics
from tamis.engine.decision import Decision, RuleRef
from tamis.engine.explained import NodeKind, RuleTrace, TraceNode
from tamis.grammar import ast
from tamis.grammar.checked import CheckedPolicy, Kind
from tamis.grammar.format import format_expr, format_value
from tamis.grammar.numbers import french
from tamis.grammar.vocabulary import Value

_LONG = 60  # longer texts are shortened in rendered lines (never in the data)


def trace_decision(
    policy: CheckedPolicy,
    decision: Decision,
    *,
    every_rule: bool = False,
    evaluator: Evaluator | None = None,
) -> list[RuleTrace]:
    """Traces of the deciding rule and each fired rule, in file order.

    When no rule fired, the rules that stayed inconnu are traced instead (they say which data
    was missing); ``every_rule`` traces all the decision rules. ``evaluator`` (from
    ``Evaluator.of(policy, decision)``) shares its evaluated conditions with other readers.
    """
    evaluator = Evaluator.checked(evaluator, policy, decision)
    chosen = {r.index for r in decision.fired}
    if decision.rule is not None:
        chosen.add(decision.rule.index)
    if every_rule:
        chosen = set(range(len(policy.rules)))
    elif not chosen:
        chosen = {r.index for r in decision.unknown}
    return [_rule_trace(evaluator, policy, decision, i) for i in sorted(chosen)]


def _rule_trace(evaluator: Evaluator, policy: CheckedPolicy, decision: Decision, index: int):
    decisive = decision.rule is not None and decision.rule.index == index
    return RuleTrace(evaluator.shapes.refs[index], decisive, evaluator.rule(index))


class Evaluator:
    """Evaluates conditions node by node, from recorded values (the reference semantics)."""

    def __init__(
        self,
        policy: CheckedPolicy,
        facts: Mapping[str, Value],
        parameters: Mapping[str, Value],
        derived: Mapping[str, Value],
    ) -> None:
        self.policy = policy
        self.facts, self.parameters, self.derived = facts, parameters, derived
        self.shapes = policy_shapes(policy)
        self.texts, self.definitions = self.shapes.texts, self.shapes.definitions
        self.memo: dict[str, TraceNode] = {}
        self.rules: dict[int, TraceNode] = {}

    @classmethod
    def of(cls, policy: CheckedPolicy, decision: Decision) -> Evaluator:
        """The evaluator of ``decision``'s recorded values, to share between its readers."""
        return cls(policy, decision.facts, decision.parameters, decision.derived)

    @classmethod
    def checked(
        cls, evaluator: Evaluator | None, policy: CheckedPolicy, decision: Decision
    ) -> Evaluator:
        """``evaluator`` if it was built for ``decision`` under ``policy``, else a new one."""
        if evaluator is None:
            return cls.of(policy, decision)
        if not evaluator.serves(policy, decision):
            raise ValueError("this evaluator was built for another decision or policy")
        return evaluator

    def serves(self, policy: CheckedPolicy, decision: Decision) -> bool:
        """True when this evaluator reads ``decision``'s own values under ``policy``."""
        return (
            self.policy is policy
            and self.facts is decision.facts
            and self.parameters is decision.parameters
            and self.derived is decision.derived
        )

    def rule(self, index: int) -> TraceNode:
        """The trace of decision rule ``index``'s condition (evaluated once per evaluator)."""
        node = self.rules.get(index)
        if node is None:
            node = self.rules[index] = self.condition(self.policy.rules[index].condition)
        return node

    def text(self, expr: ast.Expr) -> str:
        """The node's canonical text: from the policy's shapes, else formatted now."""
        return self.texts.get(id(expr)) or expression_text(expr)

    def value_of(self, name: str) -> Value:
        kind = self.policy.kinds.get(name)
        if kind is Kind.DEFINI:
            return self.derived.get(name)
        if kind is Kind.PARAMETRE:
            return self.parameters.get(name)
        return self.facts.get(name)

    def definition(self, name: str) -> TraceNode:
        """The sub-trace of a ``définir`` (computed once per trace)."""
        if name not in self.memo:
            self.memo[name] = self.condition(self.definitions[name].condition)
        return self.memo[name]

    def condition(self, expr: ast.Expr) -> TraceNode:
        text = self.texts.get(id(expr)) or expression_text(expr)  # ``text``, inlined
        if isinstance(expr, ast.Not):
            child = self.condition(expr.operand)
            value = semantics.not_(child.value)  # type: ignore[arg-type]
            return TraceNode(NodeKind.NOT, text, value, text, children=(child,))
        if isinstance(expr, ast.And | ast.Or):
            children = tuple(self.condition(o) for o in expr.operands)
            is_and = isinstance(expr, ast.And)
            value = (semantics.and_ if is_and else semantics.or_)(c.value for c in children)  # type: ignore[misc]
            kind = NodeKind.AND if is_and else NodeKind.OR
            return TraceNode(kind, text, value, text, children=children)
        if isinstance(expr, ast.Ref):
            return self._ref(expr, text)
        return self._leaf(expr, text)

    def _ref(self, expr: ast.Ref, text: str) -> TraceNode:
        value = self.value_of(expr.name)
        is_defined = self.policy.kinds.get(expr.name) is Kind.DEFINI
        sub = self.definition(expr.name) if is_defined else None
        return TraceNode(NodeKind.NAME, text, value, text, ((expr.name, value),), definition=sub)

    def _leaf(self, expr: ast.Expr, text: str) -> TraceNode:
        if isinstance(expr, ast.Compare):
            left, right = self.operand(expr.left), self.operand(expr.right)
            value = semantics.compare(expr.op, left[0], right[0])
            detail = f"{left[1]} {expr.op.value} {right[1]}"
            return TraceNode(NodeKind.TEST, text, value, detail, left[2] + right[2])
        if isinstance(expr, ast.Between):
            parts = [self.operand(e) for e in (expr.subject, expr.low, expr.high)]
            value = semantics.between(parts[0][0], parts[1][0], parts[2][0])
            detail = f"{parts[0][1]} entre {parts[1][1]} et {parts[2][1]}"
            return TraceNode(NodeKind.TEST, text, value, detail, sum((p[2] for p in parts), ()))
        if isinstance(expr, ast.IsSet):
            subject = self.operand(expr.subject)
            value = semantics.is_set(subject[0]) != expr.negated
            detail = f"{subject[1]} {_is_set_words(expr)}"
            return TraceNode(NodeKind.TEST, text, value, detail, subject[2])
        value, shown, reads = self.operand(expr)
        return TraceNode(NodeKind.VALUE, text, value, shown, reads)

    def operand(self, expr: ast.Expr) -> tuple[Value, str, tuple[tuple[str, Value], ...]]:
        """(value, how the trace shows it, names read)."""
        if isinstance(expr, ast.Literal | ast.ListLiteral):
            value = literal_value(expr)
            return value, value_text(value), ()
        if isinstance(expr, ast.Ref):
            value = self.value_of(expr.name)
            return value, glossed(expr.name, value), ((expr.name, value),)
        node = self.condition(expr)
        return node.value, glossed(f"({node.text})", node.value), ()


def literal_value(expr: ast.Literal | ast.ListLiteral) -> Value:
    if isinstance(expr, ast.ListLiteral):
        return tuple(item.value for item in expr.items)  # type: ignore[misc]
    return expr.value


def _is_set_words(expr: ast.IsSet) -> str:
    return "n'est pas renseigné" if expr.negated else "est renseigné"


# --- text ----------------------------------------------------------------------


def value_text(
    value: Value, *, limit: int | None = None, in_list: bool = False, read: bool = False
) -> str:
    """A value as the trace shows it: vrai, faux, inconnu, 12, 25 000, 0,5, "texte", ["a", "b"].

    Numbers the French way (:func:`tamis.grammar.numbers.french`): a person reads them, and
    the language reads them back; inside a list a decimal keeps its point (``[0.5, 1 000]``),
    the comma separating the items. Texts are quoted as the formatter quotes them, or, for a
    value ``read`` from the input, between French quotes (« Dev »), which the language also
    reads, so that it stands apart from the policy's own texts; a text that French quotes
    would not give back as it is (one holding « or », a line break, outer spaces) and the
    empty text keep the formatter's quotes.
    """
    if value is None or isinstance(value, bool):
        return semantics.truth_word(value)
    if isinstance(value, tuple | list):
        items = (value_text(v, limit=limit, in_list=True, read=read) for v in value)
        return "[" + ", ".join(items) + "]"
    if isinstance(value, int | float):
        return french(value, in_list=in_list)
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    if read and value and value == value.strip() and _NOT_IN_GUILLEMETS.isdisjoint(value):
        return f"« {value} »"
    return format_value(value)


_NOT_IN_GUILLEMETS = frozenset("«»\n\r")


def glossed(operand: str, value: Value) -> str:
    """An operand followed by the value it read, in parentheses: ``expediteur.connexions (400)``,
    ``expediteur.titre (« Dev »)``, ``expediteur.photo (inconnu)``, ``(a ou b) (vrai)``.

    The one wording of a read value in trace lines and explanations: the parentheses keep the
    value apart from the comparison that follows (``expediteur.titre (« Dev ») = "Recruteur"``),
    where ``expediteur.titre = "Dev" = "Recruteur"`` read as one more equality."""
    return f"{operand} ({value_text(value, read=True)})"


def expression_text(expr: ast.Expr) -> str:
    """A condition in the language's canonical spelling (the formatter's)."""
    return format_expr(expr)


class Shapes(NamedTuple):
    """What every trace under one policy shares: computed once per checked policy."""

    texts: dict[int, str]  # id(expression node) -> its canonical text
    definitions: dict[str, ast.Definition]  # derived fact -> its ``définir``
    refs: tuple[RuleRef, ...]  # each decision rule as a trace names it, file order


_SHAPES: dict[int, Shapes] = {}  # id(policy) -> its shapes; see ``policy_shapes``


def policy_shapes(policy: CheckedPolicy) -> Shapes:
    """The ``Shapes`` of ``policy``: node texts keyed by node identity, definitions, rules.

    Built once per policy object and dropped when the policy is (a finalizer removes the
    entry before the policy's id can be reused). The policy and its AST are immutable and
    keep their nodes alive, so no entry can go stale; a node from elsewhere is not in it.
    """
    shapes = _SHAPES.get(id(policy))
    if shapes is None:
        shapes = _SHAPES[id(policy)] = Shapes(
            {id(node): format_expr(node) for node in _policy_nodes(policy)},
            {d.name: d for d in policy.definitions},
            tuple(_rule_ref(policy, index) for index in range(len(policy.rules))),
        )
        weakref.finalize(policy, _SHAPES.pop, id(policy), None)
    return shapes


def _rule_ref(policy: CheckedPolicy, index: int) -> RuleRef:
    rule = policy.rules[index]
    named = rule.name is not None
    return RuleRef(index, rule.label, rule.span.line, rule.action, rule.motif, rule.priority, named)


def _policy_nodes(policy: CheckedPolicy) -> Iterator[ast.Expr]:
    for statement in (*policy.definitions, *policy.rules):
        yield from ast.walk(statement.condition)


# --- rendering -------------------------------------------------------------------


def render_trace(traces: list[RuleTrace]) -> str:
    """The traces as indented French text, one node per line."""
    lines: list[str] = []
    for trace in traces:
        suffix = ", décisive" if trace.decisive else ""
        lines.append(f"{rule_words(trace.rule)} : {trace.rule.action.value}{suffix}")
        lines += _render_node(trace.condition, 1)
    return "\n".join(lines)


def rule_words(rule: RuleRef) -> str:
    """``règle « photo » (ligne 12)``, or ``règle de la ligne 14`` for an unnamed rule."""
    if not rule.named:
        return f"règle de la ligne {rule.line}"
    return f"règle « {rule.label} » (ligne {rule.line})"


def _render_node(node: TraceNode, depth: int) -> list[str]:
    lines = ["  " * depth + _short_line(node)]
    for child in node.children:
        lines += _render_node(child, depth + 1)
    if node.definition is not None:
        lines.append("  " * (depth + 1) + f"{node.text} est défini par :")
        lines += _render_node(node.definition, depth + 2)
    return lines


def _short_line(node: TraceNode) -> str:
    if not node.reads:
        return node.line
    shortened = node.detail
    for _, value in node.reads:
        if isinstance(value, str) and len(value) > _LONG:
            long, short = value_text(value, read=True), value_text(value, limit=_LONG, read=True)
            shortened = shortened.replace(long, short)
    return f"{shortened} → {semantics.truth_word(node.value)}"  # type: ignore[arg-type]
