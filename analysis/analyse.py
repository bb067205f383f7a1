"""``tamis analyser``'s questions about one policy, each a proof or a confirmed example.

Reads like the list of codes: rules that never decide (A001) or never apply (A002), rules
with different actions that apply together (A003), definitions never vrai or never faux
(A004, A005), conditions vrai only when a fact is inconnu (A006), and where ``sinon``
decides (A007). Proofs come from the solver (``Prover.possible`` / ``core``); every example
comes with the invitation the real engine decided (``Prover.witness``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import z3

from tamis.analysis.domain import Domain
from tamis.analysis.encode import PolicyModel, model_policy
from tamis.analysis.findings import Finding, rule_words
from tamis.analysis.oracle import FactsOracle, Judged, Oracle
from tamis.analysis.search import Prover
from tamis.engine.decision import RuleRef
from tamis.grammar import ast
from tamis.grammar.checked import CheckedPolicy, Kind
from tamis.grammar.vocabulary import Value

MAX_OVERLAPS = 20
"""A003 findings shown per policy (a long policy has many harmless ones)."""
MAX_OVERLAP_CHECKS = 500
MAX_EXAMPLES = 20
"""Proofs (A001) beyond this many per policy come without their illustrating example."""
"""Pairs of rules examined for A003, at most: the check is quadratic in the rules."""


@dataclass
class Analyser:
    policy: CheckedPolicy
    model: PolicyModel
    prover: Prover
    max_overlaps: int = MAX_OVERLAPS
    max_examples: int = MAX_EXAMPLES
    examples: dict[str, int] = field(default_factory=dict)
    _silents: list[z3.BoolRef] = field(default_factory=list)

    def examples_left(self, code: str) -> bool:
        """Examples of one code are built for the first ``max_examples`` findings only."""
        self.examples[code] = self.examples.get(code, 0) + 1
        return self.examples[code] <= self.max_examples

    @property
    def rules(self) -> tuple[ast.Rule, ...]:
        return self.policy.rules

    def finding(self, code: str, message: str, span: ast.Span, **more) -> Finding:
        return Finding(code, message, span, self.policy.path, **more)

    def findings(self) -> list[Finding]:
        decisive = list(self.never_decides())
        silent = {f.span for f in decisive}
        found = [
            *decisive,
            *self.definitions(),
            *self.overlaps(silent),
            *self.only_when_unknown(silent),
            *self.default_decides(),
        ]
        return sorted(found, key=lambda f: (f.span.line, f.span.column, f.code))

    # --- A001, A002 ---------------------------------------------------------------------

    def never_decides(self) -> Iterator[Finding]:
        order = self.model.order
        for position, ref in enumerate(order):
            rule, fires = self.rules[ref.index], self.model.fires[ref.index]
            if not self.prover.possible(fires):
                yield self.finding(
                    "A002",
                    f"la condition de {rule_words(ref)} n'est jamais vraie",
                    rule.span,
                    help="aucune invitation ne la rend vraie : corrigez-la ou supprimez la règle",
                )
                continue
            winners = self.prover.core(fires, self.silents(position))
            if winners is not None:
                refs = [self.ref(int(label.split()[1])) for label in winners]
                yield self.never_decides_finding(ref, sorted(refs, key=order.index))

    def silents(self, count: int) -> list[z3.BoolRef]:
        """``silent`` of the first ``count`` rules in order, made once each, in order: A001
        asks with every earlier rule's, and rebuilding that list per rule was quadratic."""
        order = self.model.order
        while len(self._silents) < count:
            self._silents.append(self.silent(order[len(self._silents)]))
        return self._silents[:count]

    def silent(self, ref: RuleRef) -> z3.BoolRef:
        """The assumption "this rule does not fire" (one literal per rule, made once)."""
        return self.prover.guard(f"non {ref.index}", lambda: z3.Not(self.model.fires[ref.index]))

    def ref(self, index: int) -> RuleRef:
        return self.model.refs[index]

    def never_decides_finding(self, ref: RuleRef, winners: list[RuleRef]) -> Finding:
        names = " et ".join(f"{rule_words(w)} ({w.action.value})" for w in winners)
        verb = "passe" if len(winners) == 1 else "passent"
        fires = self.model.fires[ref.index]
        witness = None
        if self.examples_left("A001"):
            witness = self.prover.witness(fires, lambda d: ref in d[0].fired and d[0].rule != ref)
        return self.finding(
            "A001",
            f"{rule_words(ref)} ne décidera jamais : dès qu'elle s'applique, {names} {verb}"
            " avant elle",
            self.rules[ref.index].span,
            help="déplacez-la avant, précisez les conditions, ou supprimez-la"
            + (
                ""
                if witness is None
                else " ; l'exemple montre une invitation où elle s'applique sans décider"
            ),
            witness=witness,
        )

    # --- A004, A005 ---------------------------------------------------------------------

    def definitions(self) -> Iterator[Finding]:
        for definition in self.policy.definitions:
            value = self.model.definition(definition.name)
            span = definition.name_span if definition.name_span.line else definition.span
            for code, rail, word in (
                ("A004", value.true, "vraie"),
                ("A005", value.false, "fausse"),
            ):
                if not self.prover.possible(rail):
                    yield self.finding(
                        code,
                        f"la définition « {definition.name} » n'est jamais {word}",
                        span,
                        help="aucune invitation ne la rend "
                        f"{word} : vérifiez sa condition (un fait inconnu la rend inconnue)",
                    )

    # --- A003 ---------------------------------------------------------------------------

    def overlaps(self, silent: set[ast.Span]) -> Iterator[Finding]:
        order, checks, shown = self.model.order, 0, 0
        for position, loser in enumerate(order):
            if self.rules[loser.index].span in silent:
                continue
            for before, winner in enumerate(order[:position]):
                if winner.action is loser.action or shown >= self.max_overlaps:
                    continue
                checks += 1
                if checks > MAX_OVERLAP_CHECKS:
                    return
                found = self.overlap(order[:before], winner, loser)
                if found is not None:
                    shown += 1
                    yield found

    def overlap(
        self, ahead: tuple[RuleRef, ...], winner: RuleRef, loser: RuleRef
    ) -> Finding | None:
        fires = self.model.fires
        guards = self.silents(len(ahead))
        if not self.prover.possible(fires[winner.index], fires[loser.index], *guards):
            return None
        both = z3.And(
            fires[winner.index], fires[loser.index], *(z3.Not(fires[r.index]) for r in ahead)
        )
        witness = self.prover.witness(both, lambda d: d[0].rule == winner and loser in d[0].fired)
        if witness is None:
            return None
        return self.finding(
            "A003",
            f"{rule_words(loser)} ({loser.action.value}) et {rule_words(winner)}"
            f" ({winner.action.value}) peuvent s'appliquer ensemble : {rule_words(winner)}"
            " l'emporte",
            self.rules[loser.index].span,
            help="si ce n'est pas voulu, précisez l'une des conditions ou changez l'ordre",
            witness=witness,
            condition=tuple(self.prover.describe(both, witness)) if witness.confirmed else (),
        )

    # --- A006 ---------------------------------------------------------------------------

    def only_when_unknown(self, silent: set[ast.Span]) -> Iterator[Finding]:
        for ref, rule in zip(self.model.refs, self.rules, strict=True):
            fires = self.model.fires[ref.index]
            if rule.span in silent or not self.prover.possible(fires):
                continue
            for name in sorted(self.read_untested(rule.condition)):
                base = self.model.conditions.base(name)
                if self.prover.possible(fires, base.known):
                    continue
                yield self.unknown_finding(ref, name, base.key)

    def unknown_finding(self, ref: RuleRef, name: str, key: str) -> Finding:
        fires = self.model.fires[ref.index]
        witness = self.prover.witness(
            fires, lambda d: ref in d[0].fired and d[0].facts.get(name) is None
        )
        return self.finding(
            "A006",
            f"la condition de {rule_words(ref)} n'est vraie que si « {name} » est inconnu",
            self.rules[ref.index].span,
            help=f"une valeur inconnue rend d'ordinaire une condition inconnue ; si c'est voulu,"
            f" écrivez-le : « {name} n'est pas renseigné »",
            witness=witness,
        )

    def read_untested(self, condition: ast.Expr) -> set[str]:
        """Base names the condition reads (through definitions), minus those it tests with
        ``est renseigné`` (where being inconnu is the point)."""
        read, tested = set(), set()
        for node in self.walk(condition, set()):
            if isinstance(node, ast.IsSet):
                tested |= {r.name for r in ast.iter_refs(node.subject)}
            elif isinstance(node, ast.Ref) and self.policy.kinds[node.name] in (
                Kind.FAIT,
                Kind.CHAMP,
            ):
                read.add(node.name)
        return read - tested

    def walk(self, expr: ast.Expr, seen: set[str]) -> Iterator[ast.Expr]:
        for node in ast.walk(expr):
            yield node
            if self.is_new_definition(node, seen):
                seen.add(node.name)  # type: ignore[union-attr]
                definition = next(d for d in self.policy.definitions if d.name == node.name)  # type: ignore[union-attr]
                yield from self.walk(definition.condition, seen)

    def is_new_definition(self, node: ast.Expr, seen: set[str]) -> bool:
        return (
            isinstance(node, ast.Ref)
            and self.policy.kinds[node.name] is Kind.DEFINI
            and node.name not in seen
        )

    # --- A007 ---------------------------------------------------------------------------

    def default_decides(self) -> Iterator[Finding]:
        none = z3.And([z3.Not(f) for f in self.model.fires], self.model.conditions.ctx)
        if not self.rules or not self.prover.possible(none):
            return
        witness = self.prover.witness(none, lambda d: d[0].rule is None)
        if witness is None:
            return
        action = self.policy.default.value
        span = self.policy.default_span or ast.Span(0, 0, 0, 0)
        yield self.finding(
            "A007",
            f"aucune règle ne s'applique à certaines invitations : « sinon » ({action}) les décide",
            span,
            help="l'exemple est une invitation qu'aucune règle ne décide",
            witness=witness,
            condition=tuple(self.prover.describe(none, witness)) if witness.confirmed else (),
        )


def analyse_policy(
    policy: CheckedPolicy,
    domain: Domain,
    oracle: Oracle,
    parameters: Mapping[str, Value] | None = None,
    max_overlaps: int = MAX_OVERLAPS,
) -> list[Finding]:
    """Every finding about ``policy``, sorted by position."""
    values = dict(parameters or policy.parameters)
    universe = domain.universe()
    model = model_policy(universe, policy, domain.reads, values)
    prover = Prover(universe, [model], [Judged(policy, values)], oracle)
    return Analyser(policy, model, prover, max_overlaps).findings()


def proofs(
    policy: CheckedPolicy, domain: Domain, parameters: Mapping[str, Value] | None = None
) -> list[Finding]:
    """The cheap part, for ``tamis valider --analyse``: what never happens (A001, A002, A004,
    A005), proven by the solver alone, without building any example."""
    values = dict(parameters or policy.parameters)
    universe = domain.universe()
    model = model_policy(universe, policy, domain.reads, values)
    prover = Prover(universe, [model], [Judged(policy, values)], FactsOracle())
    analyser = Analyser(policy, model, prover, max_examples=0)
    found = [*analyser.never_decides(), *analyser.definitions()]
    return sorted(found, key=lambda f: (f.span.line, f.span.column, f.code))
