"""Asking the solver, and confirming every answer with the real engine.

Sits between the questions (``analyse``, ``compare``) and the solver. ``possible`` and
``core`` are proofs: "no invitation makes this rule decide", with the earlier rules that are
enough to show it (an unsat core). ``witness`` finds an invitation for a property and checks
it: the model becomes a concrete case (``oracle``), the real engine decides it, and the
property is tested on the engine's decisions. A model the oracle cannot build, or one the
engine does not confirm, is excluded (its values of the policy's comparisons and facts are
blocked) and the solver asked again, a few times.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import z3
from z3.z3core import Z3_solver_check_assumptions
from z3.z3types import Ast

from tamis.analysis.assignment import Assignment, read_model
from tamis.analysis.encode import PolicyModel
from tamis.analysis.oracle import Case, Judged, Oracle
from tamis.analysis.tri import Tri
from tamis.analysis.universe import Universe
from tamis.engine.decision import Decision
from tamis.grammar import ast
from tamis.grammar.format import format_expr

TRIES = 6
MINIMIZED_RULES = 200
"""Up to this many rules, unsat cores are minimized (slower; beyond, cores stay as found)."""
Confirm = Callable[[Sequence[Decision]], bool]


@dataclass(frozen=True)
class Witness:
    assignment: Assignment
    case: Case | None  # None: no concrete case could be built for the assignment
    decisions: tuple[Decision, ...]
    model: z3.ModelRef  # the solver's answer it was built from
    tris: Mapping[ast.Expr, Tri]  # the comparisons and facts the policies read

    @cached_property
    def leaves(self) -> dict[ast.Expr, bool | None]:
        """The model's value of each comparison and fact the policies read."""
        return {expr: _value(self.model, tri) for expr, tri in self.tris.items()}

    @property
    def confirmed(self) -> bool:
        return self.case is not None


class Prover:
    def __init__(
        self, universe: Universe, models: list[PolicyModel], judged: list[Judged], oracle: Oracle
    ) -> None:
        self.universe, self.models, self.judged, self.oracle = universe, models, judged, oracle
        self.solver = z3.Solver(ctx=universe.ctx)
        small = sum(len(m.fires) for m in models) <= MINIMIZED_RULES
        self.solver.set("core.minimize", small)  # the fewest rules in A001, when affordable
        self._added = 0
        self._guards: dict[str, z3.BoolRef] = {}
        self._labels: dict[int, str] = {}

    def guard(self, label: str, formula: Callable[[], z3.BoolRef]) -> z3.BoolRef:
        """A literal that, assumed, asserts ``formula()`` (made once; cores name it)."""
        if label not in self._guards:
            tracker = z3.Bool(f"garde:{label}", self.universe.ctx)
            self.solver.add(z3.Implies(tracker, formula()))
            self._guards[label] = tracker
            self._labels[tracker.get_id()] = label
        return self._guards[label]

    def _sync(self) -> None:
        constraints = self.universe.constraints
        self.solver.add(constraints[self._added :])
        self._added = len(constraints)

    def possible(self, *formulas: z3.BoolRef) -> bool:
        return self._check(formulas) == z3.sat

    def core(self, formula: z3.BoolRef, guards: Sequence[z3.BoolRef]) -> list[str] | None:
        """None when ``formula`` and the ``guard`` literals can hold together; else the
        labels of guards that are enough to make it impossible."""
        if self._check([formula, *guards]) != z3.unsat:
            return None
        core = self.solver.unsat_core()
        return [self._labels[t.get_id()] for t in core if t.get_id() in self._labels]

    def _check(self, formulas: Sequence[z3.BoolRef]) -> z3.CheckSatResult:
        """``solver.check(*formulas)``, the same question in the same order, without z3's
        ``cast`` of each formula (sort checks in Python, ≈ 25 µs each; ours are booleans of
        this context already): A001 assumes every earlier rule silent, so a policy of 1,000
        rules made half a million casts, most of ``analyser``'s time."""
        self._sync()
        raw = (Ast * len(formulas))(*(f.as_ast() for f in formulas))
        ctx = self.universe.ctx.ref()
        return z3.CheckSatResult(
            Z3_solver_check_assumptions(ctx, self.solver.solver, len(formulas), raw)
        )

    def _disposable_core(self, formula: z3.BoolRef, guards: Mapping[str, z3.BoolRef]) -> list[str]:
        """``core`` for guards used once: added in a scope that is dropped afterwards."""
        self._sync()
        self.solver.push()
        trackers = {}
        for label, guard in guards.items():
            tracker = z3.Bool(f"une-fois:{label}", self.universe.ctx)
            self.solver.add(z3.Implies(tracker, guard))
            trackers[tracker.get_id()] = (label, tracker)
        result = self.solver.check(formula, *(t for _, t in trackers.values()))
        core = self.solver.unsat_core() if result == z3.unsat else []
        self.solver.pop()
        return [trackers[t.get_id()][0] for t in core if t.get_id() in trackers]

    def witness(self, formula: z3.BoolRef, confirm: Confirm) -> Witness | None:
        """A concrete case where ``formula`` holds and the engine confirms it; else, when no
        case could be built, the assignment alone; None when the engine refuted every one."""
        self._sync()
        self.solver.push()
        self.solver.add(formula)
        unbuilt = None
        try:
            for _ in range(TRIES):
                if self.solver.check() != z3.sat:
                    break
                model = self.solver.model()
                found = self._try(
                    Witness(read_model(model, self.universe), None, (), model, self._leaves())
                )
                if found.case is not None and confirm(found.decisions):
                    return found
                unbuilt = unbuilt or (found if found.case is None else None)
                self.solver.add(self._exclusion(model, found.case is None))
        finally:
            self.solver.pop()
        return unbuilt

    def _try(self, witness: Witness) -> Witness:
        case = self.oracle.build(witness.assignment, self.judged)
        if case is None:
            return witness
        decisions = tuple(self.oracle.decide(case, j) for j in self.judged)
        return Witness(witness.assignment, case, decisions, witness.model, witness.tris)

    def _leaves(self) -> dict[ast.Expr, Tri]:
        leaves: dict[ast.Expr, Tri] = {}
        for model in self.models:
            leaves.update(model.conditions.leaves)
        return leaves

    def _exclusion(self, model: z3.ModelRef, unbuilt: bool) -> z3.BoolRef:
        """What the next model must change: the value the oracle could not produce, when
        it says which and it is a truth value; else some truth value of this model."""
        base = self.universe.bases.get(self.oracle.failed or "") if unbuilt else None
        if base is None or (base.value is not None and not z3.is_bool(base.value)):
            return z3.Not(self._cube(model))
        literals = [_same(model, base.known)]
        if base.value is not None and z3.is_true(model.eval(base.known, model_completion=True)):
            literals.append(_same(model, base.value))
        return z3.Not(z3.And(literals))

    def _cube(self, model: z3.ModelRef) -> z3.BoolRef:
        """The model's truth values: what is known, each boolean, each text atom."""
        literals = []
        for base in self.universe.bases.values():
            literals.append(_same(model, base.known))
            if base.value is not None and z3.is_bool(base.value):
                literals.append(_same(model, base.value))
        literals += [_same(model, atom.variable) for atom in self.universe.atoms.values()]
        return z3.And(literals, self.universe.ctx)

    def describe(self, formula: z3.BoolRef, witness: Witness) -> list[str]:
        """A few of the witness's values that are enough for ``formula``, in French."""
        leaves = self._leaves()
        exprs = [e for e in leaves if e in witness.leaves]
        guards = {str(i): leaves[e].holds(witness.leaves[e]) for i, e in enumerate(exprs)}
        core = self._disposable_core(z3.Not(formula), guards)
        return [_sentence(exprs[int(i)], witness.leaves[exprs[int(i)]]) for i in sorted(core or ())]


def _value(model: z3.ModelRef, tri: Tri) -> bool | None:
    if z3.is_true(model.eval(tri.true, model_completion=True)):
        return True
    if z3.is_true(model.eval(tri.false, model_completion=True)):
        return False
    return None


def _same(model: z3.ModelRef, variable: z3.BoolRef) -> z3.BoolRef:
    return variable if z3.is_true(model.eval(variable, model_completion=True)) else z3.Not(variable)


def _sentence(expr: ast.Expr, value: bool | None) -> str:
    word = {True: "vrai", False: "faux", None: "inconnu"}[value]
    return f"« {format_expr(expr)} » est {word}"
