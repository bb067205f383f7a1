"""Coverage: which rules, definitions and condition atoms a policy's cases exercised.

Fed one decision at a time by ``tamis.cases.run`` (the first engine's: with ``--moteur tous``
any difference fails the case anyway). For each decision rule it counts the cases where the
rule decided, fired but lost to another rule (the resolution chose another), stayed
*inconnu*, or was false; for each ``définir``, vrai / faux / inconnu; for each condition
atom (a name, a comparison, ``est renseigné``…, in rules and definitions), the values it took,
computed by the reference evaluator (``deciding.atom_values``). ``gaps`` says what was never
exercised and why, in French: a rule never fired names the atoms whose needed value no case
gave (« jamais vraie : aucun cas n'a pitch_de_vente = vrai »).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from tamis.cases import deciding
from tamis.engine.decision import Decision
from tamis.grammar import ast
from tamis.grammar.checked import CheckedPolicy
from tamis.grammar.format import format_expr
from tamis.grammar.vocabulary import Value

_FEMININE = {True: "vraie", False: "fausse"}  # une règle, une définition, une condition


@dataclass(frozen=True)
class Atom:
    """A leaf of a condition, where it sits, and the value a rule needs from it."""

    node: ast.Expr
    owner: str  # « règle « photo » » or « définition peu_etabli »
    needed: bool  # True under an even number of « non », else False

    @property
    def text(self) -> str:
        return format_expr(self.node)

    @property
    def line(self) -> int:
        return self.node.span.line


@dataclass
class RuleCounts:
    decisive: int = 0
    lost: int = 0  # fired, but the resolution chose another rule
    unknown: int = 0
    false: int = 0

    @property
    def fired(self) -> int:
        return self.decisive + self.lost


@dataclass(frozen=True)
class Gap:
    """Something no case exercised, with its line and why (French)."""

    line: int
    what: str
    why: str


@dataclass
class Coverage:
    policy: CheckedPolicy
    cases: int = 0
    by_default: int = 0  # cases where ``sinon`` decided
    rules: list[RuleCounts] = field(default_factory=list)
    definitions: dict[str, Counter] = field(default_factory=dict)
    atoms: list[Atom] = field(default_factory=list)
    atom_values: list[Counter] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rules = [RuleCounts() for _ in self.policy.rules]
        self.definitions = {d.name: Counter() for d in self.policy.definitions}
        self.atoms = list(policy_atoms(self.policy))
        self.atom_values = [Counter() for _ in self.atoms]

    def add(self, decision: Decision) -> None:
        self.cases += 1
        self.by_default += decision.rule is None
        self._count_rules(decision)
        for name, value in decision.derived.items():
            self.definitions[name][value] += 1
        values = deciding.atom_values(self.policy, decision, (a.node for a in self.atoms))
        for counter, value in zip(self.atom_values, values, strict=True):
            counter[_truth(value)] += 1

    def _count_rules(self, decision: Decision) -> None:
        fired = {r.index for r in decision.fired}
        unknown = {r.index for r in decision.unknown}
        deciding_index = decision.rule.index if decision.rule is not None else None
        for index, counts in enumerate(self.rules):
            if index == deciding_index:
                counts.decisive += 1
            elif index in fired:
                counts.lost += 1
            elif index in unknown:
                counts.unknown += 1
            else:
                counts.false += 1

    @property
    def fired_rules(self) -> int:
        return sum(1 for counts in self.rules if counts.fired)

    @property
    def percent(self) -> float | None:
        """Rules fired at least once, in percent; None for a policy without decision rules:
        there is nothing to cover, and 0 out of 0 is no percentage."""
        if not self.rules:
            return None
        return 100.0 * self.fired_rules / len(self.rules)

    def gaps(self) -> list[Gap]:
        """Rules never fired, definitions and atoms never vrai or never faux, by line."""
        found = list(self._rule_gaps()) + list(self._definition_gaps()) + list(self._atom_gaps())
        return sorted(found, key=lambda gap: gap.line)

    def _rule_gaps(self) -> Iterator[Gap]:
        for index, counts in enumerate(self.rules):
            rule = self.policy.rules[index]
            if counts.lost and not counts.decisive:
                yield Gap(
                    rule.span.line,
                    f"règle {_rule_name(rule)}",
                    f"jamais décisive : vraie dans {counts.lost} cas, chaque fois battue par une"
                    " autre règle",
                )
            if counts.fired:
                continue
            why = "jamais vraie : " + self._why(_rule_owner(rule))
            yield Gap(rule.span.line, f"règle {_rule_name(rule)}", why)

    def _why(self, owner: str, want: bool = True) -> str:
        """Which atoms of ``owner``'s condition never took the value that makes it ``want``,
        else that they took it in different cases only."""
        missing = [
            f"aucun cas n'a {_atom_words(atom)} = {_word(atom.needed == want)}"
            for atom, seen in zip(self.atoms, self.atom_values, strict=True)
            if atom.owner == owner and seen[atom.needed == want] == 0
        ]
        if not self.cases:
            return "aucun cas"
        if missing:
            return " ; ".join(dict.fromkeys(missing))
        return "chaque condition a pris la valeur voulue dans un cas, jamais toutes ensemble"

    def _definition_gaps(self) -> Iterator[Gap]:
        for definition in self.policy.definitions:
            seen = self.definitions[definition.name]
            for value in (True, False):
                if seen[value] == 0:
                    yield Gap(
                        definition.span.line,
                        f"définition {definition.name}",
                        f"jamais {_FEMININE[value]} : "
                        + self._why(f"définition {definition.name}", value),
                    )

    def _atom_gaps(self) -> Iterator[Gap]:
        for atom, seen in zip(self.atoms, self.atom_values, strict=True):
            never = [_FEMININE[value] for value in (True, False) if seen[value] == 0]
            if never:
                yield Gap(
                    atom.line,
                    f"condition {atom.text} ({atom.owner})",
                    "jamais " + " ni ".join(never),
                )


def policy_atoms(policy: CheckedPolicy) -> Iterator[Atom]:
    """Every atom of every definition and rule, in file order."""
    statements = sorted(
        [*policy.definitions, *policy.rules], key=lambda s: (s.span.line, s.span.column)
    )
    for statement in statements:
        owner = (
            _rule_owner(statement)
            if isinstance(statement, ast.Rule)
            else f"définition {statement.name}"
        )
        yield from _atoms(statement.condition, owner, True)


def _atoms(expr: ast.Expr, owner: str, needed: bool) -> Iterator[Atom]:
    if isinstance(expr, ast.Not):
        yield from _atoms(expr.operand, owner, not needed)
    elif isinstance(expr, ast.And | ast.Or):
        for operand in expr.operands:
            yield from _atoms(operand, owner, needed)
    else:
        yield Atom(expr, owner, needed)


def _rule_owner(rule: ast.Rule) -> str:
    return f"règle {_rule_name(rule)}"


def _rule_name(rule: ast.Rule) -> str:
    return f"« {rule.name} »" if rule.name is not None else f"de la ligne {rule.span.line}"


def _atom_words(atom: Atom) -> str:
    return atom.text if isinstance(atom.node, ast.Ref) else f"« {atom.text} »"


def _truth(value: Value) -> bool | None:
    return value if isinstance(value, bool) else None


def _word(value: bool | None) -> str:
    return {True: "vrai", False: "faux", None: "inconnu"}[value]
