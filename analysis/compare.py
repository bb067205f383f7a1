"""``tamis comparer``: do two policies decide every possible invitation the same way?

Both policies are translated into one ``Universe`` (the same invitation for both: a fact
they both read is one variable, unless they read it with different parameter values). "They
differ" is one formula; if the solver finds it impossible, the policies are equivalent — a
proof over every invitation. Otherwise each *kind* of difference (which rule decides in the
old policy, which in the new) is found, confirmed on an invitation the real engine decides
with both policies, described by a few values that are enough for it, then excluded, until
``max_kinds`` kinds are found or none is left.

With ``by_rule``, a difference is also the same action decided by another rule. A rule is
recognised across versions by its name, or, unnamed, by its action and its condition as
``tamis formater`` writes it (so moving a rule to another line changes nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import z3

from tamis.analysis.domain import Domain
from tamis.analysis.encode import DEFAULT_WINNER, PolicyModel, model_policy
from tamis.analysis.oracle import Judged, Oracle
from tamis.analysis.search import Prover, Witness
from tamis.engine.decision import Decision, RuleRef
from tamis.grammar.checked import CheckedPolicy
from tamis.grammar.format import format_expr

MAX_KINDS = 5


@dataclass(frozen=True)
class Difference:
    old: Decision | None  # the engine's decisions on the example (None: not confirmed)
    new: Decision | None
    old_rule: RuleRef | None  # the kind: who decides in each (None: sinon)
    new_rule: RuleRef | None
    condition: tuple[str, ...]
    witness: Witness


@dataclass(frozen=True)
class Comparison:
    differences: tuple[Difference, ...]
    more: bool  # other kinds may exist beyond ``max_kinds``

    @property
    def equivalent(self) -> bool:
        return not self.differences


def identity(policy: CheckedPolicy, ref: RuleRef) -> str:
    rule = policy.rules[ref.index]
    if rule.name is not None:
        return f"« {rule.name} »"
    return f"{rule.action.value} si {format_expr(rule.condition)}"


@dataclass
class Comparer:
    old: PolicyModel
    new: PolicyModel
    prover: Prover
    by_rule: bool

    def differ(self) -> z3.BoolRef:
        different = self.old.action() != self.new.action()
        if not self.by_rule:
            return different
        return z3.Or(different, self.rule_id(self.old) != self.rule_id(self.new))

    def rule_id(self, model: PolicyModel) -> z3.ArithRef:
        """The deciding rule's identity, numbered the same way in both policies."""
        ctx = model.conditions.ctx
        result: z3.ArithRef = z3.IntVal(-1, ctx)
        for ref in reversed(model.order):
            number = self.numbers.setdefault(identity(model.policy, ref), len(self.numbers))
            result = z3.If(model.fires[ref.index], z3.IntVal(number, ctx), result)
        return result

    def __post_init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def confirms(self, decisions: Sequence[Decision]) -> bool:
        old, new = decisions
        if old.action is not new.action:
            return True
        return self.by_rule and self.label(self.old, old) != self.label(self.new, new)

    def label(self, model: PolicyModel, decision: Decision) -> str | None:
        return None if decision.rule is None else identity(model.policy, decision.rule)

    def kinds(self, max_kinds: int) -> Comparison:
        differ, found = self.differ(), []
        blocked: list[z3.BoolRef] = []
        while len(found) < max_kinds:
            kind = self.next_kind(differ, blocked)
            if kind is None:
                return Comparison(tuple(found), more=False)
            formula, old_index, new_index = kind
            blocked.append(
                z3.Not(z3.And(self.old.winner() == old_index, self.new.winner() == new_index))
            )
            witness = self.prover.witness(z3.And(differ, formula), self.confirms)
            if witness is not None:
                found.append(self.difference(formula, old_index, new_index, witness))
        return Comparison(tuple(found), more=self.next_kind(differ, blocked) is not None)

    def next_kind(self, differ: z3.BoolRef, blocked: list[z3.BoolRef]) -> tuple | None:
        """A (old winner, new winner) pair not seen yet, with the formula that fixes it."""
        if not self.prover.possible(differ, *blocked):
            return None
        model = self.prover.solver.model()
        old_index = model.eval(self.old.winner(), model_completion=True).as_long()
        new_index = model.eval(self.new.winner(), model_completion=True).as_long()
        formula = z3.And(self.old.winner() == old_index, self.new.winner() == new_index)
        return formula, old_index, new_index

    def difference(
        self, formula: z3.BoolRef, old_index: int, new_index: int, witness: Witness
    ) -> Difference:
        condition = tuple(self.prover.describe(formula, witness)) if witness.confirmed else ()
        old, new = witness.decisions if witness.confirmed else (None, None)
        return Difference(
            old, new, _ref(self.old, old_index), _ref(self.new, new_index), condition, witness
        )


def _ref(model: PolicyModel, index: int) -> RuleRef | None:
    return None if index == DEFAULT_WINNER else model.refs[index]


def compare_policies(
    old: CheckedPolicy,
    new: CheckedPolicy,
    domain: Domain,
    oracle: Oracle,
    *,
    by_rule: bool = False,
    max_kinds: int = MAX_KINDS,
) -> Comparison:
    """The kinds of difference between ``old`` and ``new`` (none: equivalent, proven)."""
    universe = domain.universe()
    models = [model_policy(universe, p, domain.reads) for p in (old, new)]
    judged = [Judged(p, dict(p.parameters)) for p in (old, new)]
    prover = Prover(universe, models, judged, oracle)
    return Comparer(models[0], models[1], prover, by_rule).kinds(max_kinds)
