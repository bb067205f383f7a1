"""The registry binding each built-in name to the code that computes it.

The declaration side is ``tamis.invitations.vocabulary`` (names, types, French help), read by
the checker; this is the computation side, read by ``extract``. Fact modules
(``tamis.invitations.facts.*``) register with ``@fact("nom")``; invitation fields with
``@field("expediteur.nom")``. A registered name must be declared, and a test checks that every
declared name is registered.

An extractor receives an ``Inputs`` and returns ``(value, evidence)``: the value is
``True``/``False``/``None`` (*inconnu*) or a number for scores, the evidence a short French
note of the inputs it read. ``Inputs.fact`` lets one fact reuse another, computed once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from tamis.grammar.vocabulary import Value
from tamis.invitations.vocabulary import FACTS, FIELDS, PARAMETERS

if TYPE_CHECKING:
    from tamis.invitations.context import Context
    from tamis.invitations.models import Expediteur, Invitation

Result = tuple[Value, str]
Extractor = Callable[["Inputs"], Result]
FieldGetter = Callable[["Invitation"], Value]

FACT_EXTRACTORS: dict[str, Extractor] = {}
FIELD_GETTERS: dict[str, FieldGetter] = {}
_DECLARED_FACTS = {name for name, _, _ in FACTS}
_DECLARED_FIELDS = {name for name, _, _ in FIELDS}
_DEFAULTS = {p.name: p.default for p in PARAMETERS}


def fact(name: str) -> Callable[[Extractor], Extractor]:
    """Register ``function`` as the extractor of the built-in fact ``name``."""
    if name not in _DECLARED_FACTS:
        raise ValueError(f"built-in fact {name!r} is not declared in vocabulary.FACTS")

    def register(function: Extractor) -> Extractor:
        FACT_EXTRACTORS[name] = function
        return function

    return register


def field(name: str) -> Callable[[FieldGetter], FieldGetter]:
    """Register ``function`` as the getter of the invitation field ``name``."""
    if name not in _DECLARED_FIELDS:
        raise ValueError(f"field {name!r} is not declared in vocabulary.FIELDS")

    def register(function: FieldGetter) -> FieldGetter:
        FIELD_GETTERS[name] = function
        return function

    return register


class Inputs:
    """What an extractor may read: the invitation, the context, parameters, other facts."""

    def __init__(
        self, invitation: Invitation, context: Context, parameters: Mapping[str, Value]
    ) -> None:
        self.invitation = invitation
        self.sender: Expediteur = invitation.expediteur
        self.context = context
        self._parameters = parameters
        self.values: dict[str, Value] = {}
        self.evidence: dict[str, str] = {}

    def param(self, name: str) -> Value:
        """A parameter's value in force, or its built-in default."""
        return self._parameters.get(name, _DEFAULTS[name])

    def get(self, name: str) -> Value:
        """The value of a field or fact, computed on first use only."""
        if name not in self.values:
            if name in FIELD_GETTERS:
                self.values[name] = FIELD_GETTERS[name](self.invitation)
            elif name in FACT_EXTRACTORS:
                self.values[name], self.evidence[name] = FACT_EXTRACTORS[name](self)
            else:
                raise KeyError(f"nom inconnu des faits intégrés : « {name} »")
        return self.values[name]
