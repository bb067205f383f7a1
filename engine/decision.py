"""What deciding returns: the action, the rules that decided, and what they read.

Engines (``natif``, ``durable``) return the same ``Decision`` for the same inputs; the
differential tests compare them field by field. A decision keeps the values it was computed
from (``facts``, ``parameters``), so its trace can be rebuilt exactly and lazily: evaluation
is deterministic, and the fast path need not build trees nobody reads.

``Decision`` is an immutable ``NamedTuple`` rather than a frozen dataclass: the native engine
builds one per invitation, and a frozen dataclass costs about 1.4 µs to construct, more than
the whole rest of a decision. Build it with keywords; copy it with ``_replace``.
"""

# No ``from __future__ import annotations``: typing builds NamedTuple and TypedDict classes
# from their annotations and compiles each one written as a string (≈ 0.07M instructions a
# field, 9 here, every start).
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from tamis.grammar.ast import Action, Strategy
from tamis.grammar.vocabulary import Value


class EngineName(Enum):
    """The engines that decide (``--moteur``); the value is the name users write."""

    NATIF = "natif"
    DURABLE = "durable"


SEVERITY: dict[Action, int] = {
    Action.SIGNALER: 0,
    Action.REFUSER: 1,
    Action.IGNORER: 2,
    Action.EXAMINER: 3,
    Action.ACCEPTER: 4,
}
"""``refus_prioritaire``: the lower, the more severe (signaler > refuser > … > accepter)."""


@dataclass(frozen=True)
class RuleRef:
    """A decision rule as the decision names it."""

    index: int  # position among the policy's decision rules (file order)
    label: str  # the rule's name, or "ligne N" for an unnamed rule
    line: int
    action: Action
    motif: str | None = None
    priority: int | None = None
    named: bool = True  # False: the rule has no name and ``label`` is "ligne N"


class Decision(NamedTuple):
    action: Action
    rule: RuleRef | None  # the deciding rule; None when ``sinon`` (or the implicit default) decided
    strategy: Strategy
    fired: tuple[RuleRef, ...]  # every rule whose condition was vrai, file order
    unknown: tuple[RuleRef, ...]  # every rule whose condition was inconnu, file order
    derived: Mapping[str, bool | None]  # each ``définir`` -> vrai / faux / inconnu (None)
    # the base facts and fields the policy read (None = inconnu); the native engine keeps the
    # caller's own mapping when it holds exactly those names: do not mutate it afterwards
    facts: Mapping[str, Value]
    parameters: Mapping[str, Value]  # the parameter values in force
    engine: EngineName

    @property
    def label(self) -> str:
        """The deciding rule as users see it: its name, ``ligne N``, or ``sinon``."""
        return self.rule.label if self.rule is not None else "sinon"

    @property
    def motif(self) -> str | None:
        return self.rule.motif if self.rule is not None else None
