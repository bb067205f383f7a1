"""What deciding returns: the action, the rules that decided, and what they read.

Engines (``natif``, ``durable``) return the same ``Decision`` for the same inputs; the
differential tests compare them field by field. A decision keeps the values it was computed
from (``facts``, ``parameters``), so its trace can be rebuilt exactly and lazily: evaluation
is deterministic, and the fast path need not build trees nobody reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tamis.grammar.ast import Action, Strategy
from tamis.grammar.vocabulary import Value


@dataclass(frozen=True)
class RuleRef:
    """A decision rule as the decision names it."""

    index: int  # position among the policy's decision rules (file order)
    label: str  # the rule's name, or "ligne N" for an unnamed rule
    line: int
    action: Action
    motif: str | None = None
    priority: int | None = None


@dataclass(frozen=True)
class Decision:
    action: Action
    rule: RuleRef | None  # the deciding rule; None when ``sinon`` (or the implicit default) decided
    strategy: Strategy
    fired: tuple[RuleRef, ...]  # every rule whose condition was vrai, file order
    unknown: tuple[RuleRef, ...]  # every rule whose condition was inconnu, file order
    derived: Mapping[str, bool | None]  # each ``définir`` -> vrai / faux / inconnu (None)
    facts: Mapping[str, Value]  # the base facts and fields the policy read (None = inconnu)
    parameters: Mapping[str, Value]  # the parameter values in force
    engine: str  # "natif" | "durable"

    @property
    def label(self) -> str:
        """The deciding rule as users see it: its name, ``ligne N``, or ``sinon``."""
        return self.rule.label if self.rule is not None else "sinon"

    @property
    def motif(self) -> str | None:
        return self.rule.motif if self.rule is not None else None
