"""A checked policy as z3 formulas: each condition a ``Tri``, each rule "fires", the decision.

Sits between the checked policy (``tamis.grammar.checked``) and the questions asked by
``analyse`` and ``compare``. Names are resolved the way the engine resolves them: a parameter
is its value in force (a constant), a ``définir`` is its own condition, substituted (memoized,
so a definition read by ten rules is one formula), a field or built-in fact is a ``Base`` of
the ``Universe``. Comparisons on numbers and texts, ``entre`` and ``dans`` over constants are
exact; ``contient``, ``commence par``, ``correspond à`` are atoms (see ``universe``).

The decision follows ``engine.compile.preference``: rules are ordered as the resolution
prefers them, and the first one that fires decides, else ``sinon``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import z3

from tamis.analysis import tri
from tamis.analysis.tri import Tri
from tamis.analysis.universe import TEXT_ATOMS, Base, Constant, Operand, Universe, z3_constant
from tamis.engine import semantics
from tamis.engine.compile import preference, rule_refs
from tamis.engine.decision import RuleRef
from tamis.grammar import ast
from tamis.grammar.checked import CheckedPolicy, Kind
from tamis.grammar.vocabulary import Type, Value, type_of

ACTIONS = tuple(ast.Action)
DEFAULT_WINNER = -1  # the winner index when ``sinon`` decides


def action_code(action: ast.Action) -> int:
    return ACTIONS.index(action)


@dataclass(frozen=True)
class Term:
    """A value operand: known or not, and its value (a z3 term, or a Python constant)."""

    known: z3.BoolRef
    operand: Operand
    type: Type | None

    @property
    def value(self) -> z3.ExprRef:
        if isinstance(self.operand, Constant):
            return z3_constant(self.operand.value, self.known.ctx)
        return self.operand.value  # type: ignore[return-value]


@dataclass
class Conditions:
    """Translates conditions that read one scope of names (a policy, or a relation)."""

    universe: Universe
    kinds: Mapping[str, Kind]
    types: Mapping[str, Type]
    parameters: Mapping[str, Value]  # values in force
    definitions: Mapping[str, ast.Expr] = field(default_factory=dict)
    reads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # fact -> parameters
    leaves: dict[ast.Expr, Tri] = field(default_factory=dict)  # comparisons, facts, tests
    _defined: dict[str, Tri] = field(default_factory=dict)

    @property
    def ctx(self) -> z3.Context:
        return self.universe.ctx

    def tri(self, expr: ast.Expr) -> Tri:
        """The condition's value, exactly as the engine computes it."""
        value = self._tri(expr)
        if self._is_leaf(expr):
            self.leaves.setdefault(expr, value)
        return value

    def _is_leaf(self, expr: ast.Expr) -> bool:
        """Comparisons, tests and base facts: what a counterexample is described with."""
        if isinstance(expr, ast.Ref):
            return self.kinds[expr.name] in (Kind.FAIT, Kind.CHAMP)
        return isinstance(expr, ast.IsSet | ast.Between | ast.Compare)

    def _tri(self, expr: ast.Expr) -> Tri:
        match expr:
            case ast.Literal(value=value):
                return tri.constant(value if isinstance(value, bool) else None, self.ctx)
            case ast.Ref(name=name):
                return self.name(name)
            case ast.Not(operand=operand):
                return tri.not_(self.tri(operand))
            case ast.And(operands=operands):
                return tri.and_(self.tri(o) for o in operands)
            case ast.Or(operands=operands):
                return tri.or_(self.tri(o) for o in operands)
            case ast.IsSet(subject=subject, negated=negated):
                return _two_valued(self.known(subject), negated)
            case ast.Between():
                return self.between(expr)
            case ast.Compare():
                return self.compare(expr)
        raise TypeError(f"not a condition: {expr!r}")

    def name(self, name: str) -> Tri:
        kind = self.kinds[name]
        if kind is Kind.DEFINI:
            if name not in self._defined:
                self._defined[name] = self.tri(self.definitions[name])
            return self._defined[name]
        if kind is Kind.PARAMETRE:
            value = self.parameters[name]
            return tri.constant(value if isinstance(value, bool) else None, self.ctx)
        base = self.base(name)
        return tri.guarded(base.known, base.value)  # type: ignore[arg-type]

    def base(self, name: str) -> Base:
        reads = {p: self.parameters[p] for p in self.reads.get(name, ())}
        return self.universe.base(name, reads)

    def known(self, expr: ast.Expr) -> z3.BoolRef:
        """``est renseigné``: never inconnu."""
        if isinstance(expr, ast.Ref) and self.kinds[expr.name] in (Kind.FAIT, Kind.CHAMP):
            return self.base(expr.name).known
        if self.is_boolean(expr):
            return self.tri(expr).known
        return self.term(expr).known

    # --- values -------------------------------------------------------------------------

    def term(self, expr: ast.Expr) -> Term:
        if isinstance(expr, ast.Literal):
            return Term(self.universe.true(), Constant(expr.value), type_of(expr.value))
        if isinstance(expr, ast.ListLiteral):
            items = tuple(item.value for item in expr.items)
            return Term(self.universe.true(), Constant(items), Type.LISTE)
        if isinstance(expr, ast.Ref) and self.kinds[expr.name] is Kind.PARAMETRE:
            value = self.parameters[expr.name]
            return Term(self.universe.true(), Constant(value), type_of(value))
        if isinstance(expr, ast.Ref):
            base = self.base(expr.name)
            return Term(base.known, base, base.type)
        raise TypeError(f"not a value: {expr!r}")

    def is_boolean(self, expr: ast.Expr) -> bool:
        if isinstance(expr, ast.Ref):
            return self.types.get(expr.name) is Type.BOOLEEN or self.kinds[expr.name] is Kind.DEFINI
        if isinstance(expr, ast.Literal):
            return isinstance(expr.value, bool)
        return not isinstance(expr, ast.ListLiteral)

    # --- comparisons --------------------------------------------------------------------

    def between(self, expr: ast.Between) -> Tri:
        subject, low, high = (self.term(e) for e in (expr.subject, expr.low, expr.high))
        known = z3.And(subject.known, low.known, high.known)
        inside = z3.And(low.value <= subject.value, subject.value <= high.value)
        return tri.guarded(known, inside)

    def compare(self, expr: ast.Compare) -> Tri:
        if self.is_boolean(expr.left) or self.is_boolean(expr.right):
            return self.boolean_compare(expr)
        left, right = self.term(expr.left), self.term(expr.right)
        if isinstance(left.operand, Constant) and isinstance(right.operand, Constant):
            folded = semantics.compare(expr.op, left.operand.value, right.operand.value)
            return tri.constant(folded, self.ctx)
        if expr.op in TEXT_ATOMS or _atom_in(expr.op, left, right):
            atom = self.universe.atom(expr.op, left.operand, right.operand)
            return tri.guarded(atom.known, atom.variable)
        known = z3.And(left.known, right.known)
        return tri.guarded(known, self.exact(expr.op, left, right))

    def exact(self, op: ast.Op, left: Term, right: Term) -> z3.BoolRef:
        """The comparison of two known values of the same type (numbers or texts)."""
        self._note_texts(left, right)
        if op is ast.Op.IN:
            items = right.operand.value  # a constant list (else an atom)
            equal = [left.value == z3_constant(item, self.ctx) for item in items]  # type: ignore[union-attr]
            return z3.Or(equal, self.ctx)
        a, b = left.value, right.value
        return {
            ast.Op.EQ: lambda: a == b,
            ast.Op.NE: lambda: a != b,
            ast.Op.LT: lambda: a < b,
            ast.Op.LE: lambda: a <= b,
            ast.Op.GT: lambda: a > b,
            ast.Op.GE: lambda: a >= b,
        }[op]()

    def _note_texts(self, left: Term, right: Term) -> None:
        for one, other in ((left, right), (right, left)):
            if isinstance(one.operand, Base) and isinstance(other.operand, Constant):
                values = other.operand.value
                for value in values if isinstance(values, tuple) else (values,):
                    if isinstance(value, str):
                        self.universe.compared_text(one.operand, value)

    def boolean_compare(self, expr: ast.Compare) -> Tri:
        left = self.tri(expr.left)
        if expr.op is ast.Op.IN:
            items = expr.right.items if isinstance(expr.right, ast.ListLiteral) else ()
            equal = [tri.equal(left, self.tri(item)) for item in items]
            return tri.Tri(
                z3.Or([e.true for e in equal], self.ctx),
                z3.And([left.known, *(e.false for e in equal)]),
            )
        result = tri.equal(left, self.tri(expr.right))
        return result if expr.op is ast.Op.EQ else tri.not_(result)


def _two_valued(known: z3.BoolRef, negated: bool) -> Tri:
    value = z3.Not(known) if negated else known
    return Tri(value, z3.Not(value))


def _atom_in(op: ast.Op, left: Term, right: Term) -> bool:
    """``dans`` is exact on a value and a constant list; an atom on a list or a list field."""
    return op is ast.Op.IN and (left.type is Type.LISTE or not isinstance(right.operand, Constant))


@dataclass
class PolicyModel:
    """One policy in a universe: its definitions, its rules, and what it decides."""

    policy: CheckedPolicy
    conditions: Conditions
    refs: tuple[RuleRef, ...]
    fires: tuple[z3.BoolRef, ...]  # file order: the rule's condition is vrai
    values: tuple[Tri, ...]  # file order: each rule condition's value
    _terms: dict[str, z3.ArithRef] = field(default_factory=dict)

    @property
    def order(self) -> tuple[RuleRef, ...]:
        return preference(self.policy.strategy, self.refs)

    def action(self) -> z3.ArithRef:
        """The action decided, as ``action_code``."""
        if "action" not in self._terms:
            self._terms["action"] = self._action()
        return self._terms["action"]

    def winner(self) -> z3.ArithRef:
        """The index of the deciding rule (file order), ``DEFAULT_WINNER`` for sinon."""
        if "winner" not in self._terms:
            self._terms["winner"] = self._winner()
        return self._terms["winner"]

    def _action(self) -> z3.ArithRef:
        ctx = self.conditions.ctx
        result: z3.ArithRef = z3.IntVal(action_code(self.policy.default), ctx)
        for ref in reversed(self.order):
            result = z3.If(self.fires[ref.index], z3.IntVal(action_code(ref.action), ctx), result)
        return result

    def _winner(self) -> z3.ArithRef:
        ctx = self.conditions.ctx
        result: z3.ArithRef = z3.IntVal(DEFAULT_WINNER, ctx)
        for ref in reversed(self.order):
            result = z3.If(self.fires[ref.index], z3.IntVal(ref.index, ctx), result)
        return result

    def definition(self, name: str) -> Tri:
        return self.conditions.name(name)


def model_policy(
    universe: Universe,
    policy: CheckedPolicy,
    reads: Mapping[str, tuple[str, ...]],
    parameters: Mapping[str, Value] | None = None,
) -> PolicyModel:
    """Translate ``policy`` with its parameter values in force (default: the policy's)."""
    definitions = {d.name: d.condition for d in policy.definitions}
    conditions = Conditions(
        universe, policy.kinds, policy.types, parameters or policy.parameters, definitions, reads
    )
    values = tuple(conditions.tri(rule.condition) for rule in policy.rules)
    fires = tuple(v.true for v in values)
    return PolicyModel(policy, conditions, rule_refs(policy), fires, values)
