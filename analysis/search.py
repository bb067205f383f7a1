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

import z3

from tamis.analysis.assignment import Assignment, read_model
from tamis.analysis.encode import PolicyModel
from tamis.analysis.oracle import Case, Judged, Oracle
from tamis.analysis.universe import Universe
from tamis.engine.decision import Decision
from tamis.grammar import ast
from tamis.grammar.format import format_expr

TRIES = 4
Confirm = Callable[[Sequence[Decision]], bool]


@dataclass(frozen=True)
class Witness:
    assignment: Assignment
    case: Case | None  # None: no concrete case could be built for the assignment
    decisions: tuple[Decision, ...]
    leaves: Mapping[ast.Expr, bool | None]  # the model's value of each comparison and fact

    @property
    def confirmed(self) -> bool:
        return self.case is not None


class Prover:
    def __init__(
        self, universe: Universe, models: list[PolicyModel], judged: list[Judged], oracle: Oracle
    ) -> None:
        self.universe, self.models, self.judged, self.oracle = universe, models, judged, oracle
        self.solver = z3.Solver()
        self.solver.set("core.minimize", True)
        self._added = 0

    def _sync(self) -> None:
        constraints = self.universe.constraints
        self.solver.add(constraints[self._added :])
        self._added = len(constraints)

    def possible(self, *formulas: z3.BoolRef) -> bool:
        self._sync()
        return self.solver.check(*formulas) == z3.sat

    def core(self, formula: z3.BoolRef, guards: Mapping[str, z3.BoolRef]) -> list[str] | None:
        """None when ``formula`` and every guard can hold together; else guards that cannot."""
        self._sync()
        self.solver.push()
        names = {}
        for label, guard in guards.items():
            tracker = z3.Bool(f"garde:{label}")
            self.solver.add(z3.Implies(tracker, guard))
            names[tracker.get_id()] = label
        trackers = [z3.Bool(f"garde:{label}") for label in guards]
        result = self.solver.check(formula, *trackers)
        core = self.solver.unsat_core() if result == z3.unsat else None
        self.solver.pop()
        if core is None:
            return None
        return [names[t.get_id()] for t in core if t.get_id() in names]

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
                leaves = {e: _value(model, t) for e, t in self._leaves().items()}
                found = self._try(Witness(read_model(model, self.universe), None, (), leaves))
                if found.case is not None and confirm(found.decisions):
                    return found
                unbuilt = unbuilt or (found if found.case is None else None)
                self.solver.add(z3.Not(self._cube(model)))
        finally:
            self.solver.pop()
        return unbuilt

    def _try(self, witness: Witness) -> Witness:
        case = self.oracle.build(witness.assignment, self.judged)
        if case is None:
            return witness
        decisions = tuple(self.oracle.decide(case, j) for j in self.judged)
        return Witness(witness.assignment, case, decisions, witness.leaves)

    def _leaves(self) -> dict[ast.Expr, object]:
        leaves: dict[ast.Expr, object] = {}
        for model in self.models:
            leaves.update(model.conditions.leaves)
        return leaves

    def _cube(self, model: z3.ModelRef) -> z3.BoolRef:
        """The values the model gives every comparison and fact the policies read."""
        return z3.And([_literal(model, value) for value in self._leaves().values()] or [True])

    def describe(self, formula: z3.BoolRef, witness: Witness) -> list[str]:
        """A few of the witness's values that are enough for ``formula``, in French."""
        leaves = self._leaves()
        exprs = [e for e in leaves if e in witness.leaves]
        guards = {str(i): leaves[e].holds(witness.leaves[e]) for i, e in enumerate(exprs)}
        core = self.core(z3.Not(formula), guards)
        return [_sentence(exprs[int(i)], witness.leaves[exprs[int(i)]]) for i in sorted(core or ())]


def _value(model: z3.ModelRef, tri) -> bool | None:
    if z3.is_true(model.eval(tri.true, model_completion=True)):
        return True
    if z3.is_true(model.eval(tri.false, model_completion=True)):
        return False
    return None


def _literal(model: z3.ModelRef, tri) -> z3.BoolRef:
    return tri.holds(_value(model, tri))


def _sentence(expr: ast.Expr, value: bool | None) -> str:
    word = {True: "vrai", False: "faux", None: "inconnu"}[value]
    return f"« {format_expr(expr)} » est {word}"
