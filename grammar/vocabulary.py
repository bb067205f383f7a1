"""The names a policy may read, with their types: the contract between domain and language.

The checker resolves and type-checks names against a ``Vocabulary``; the engine reads the
same names from an invitation's facts. The domain (``tamis.invitations``) builds the real
vocabulary from its registry of built-in facts; the language knows nothing of invitations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from tamis.grammar.numbers import digits_problem


class Type(Enum):
    """Value types; the value is the French word used in diagnostics."""

    NOMBRE = "nombre"
    TEXTE = "texte"
    BOOLEEN = "booléen"
    LISTE = "liste"  # a list of texts


Value = bool | int | float | str | tuple[str, ...] | None
"""A fact, field or parameter value at run time; ``None`` means *inconnu*."""


def type_of(value: object) -> Type | None:
    """The tamis type of a Python value (``None`` for *inconnu* or a foreign value)."""
    if isinstance(value, bool):
        return Type.BOOLEEN
    if isinstance(value, int | float):
        return Type.NOMBRE
    if isinstance(value, str):
        return Type.TEXTE
    if isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
        return Type.LISTE
    return None


@dataclass(frozen=True)
class NameSpec:
    """A built-in fact (``sans_photo``) or an invitation field (``expediteur.connexions``)."""

    name: str
    type: Type
    description: str  # French, one line, shown in help and suggestions
    is_field: bool = False  # True for raw invitation fields, False for computed facts


@dataclass(frozen=True)
class ParameterSpec:
    """A parameter that built-in facts read (``connexions_min``), with its default and, for a
    number, its bounds: the one rule that the policy, the context file and ``--parametre``
    all apply (``bounds_problem``)."""

    name: str
    type: Type
    default: Value
    description: str
    minimum: float | None = None
    maximum: float | None = None

    def bounds_problem(self, value: Value) -> str | None:
        """Why ``value`` is outside this parameter's bounds, in French; None when inside."""
        if self.type is not Type.NOMBRE or type_of(value) is not Type.NOMBRE:
            return None
        return number_problem(value) or self._range_problem(value)  # type: ignore[arg-type]

    def _range_problem(self, value: float) -> str | None:
        low, high = self.minimum, self.maximum
        if (low is None or value >= low) and (high is None or value <= high):
            return None
        if high is None:
            limit = "ne doit pas être négatif" if low == 0 else f"doit être au moins {low:g}"
            return f"{limit} (reçu : {value:g})"
        return f"doit être entre {low:g} et {high:g} (reçu : {value:g})"


def toml_shown(value: object) -> str:
    """A value of a TOML file as its author wrote it (``"50"``, ``true``, ``["a", "b"]``), for
    a message about it: not Python's spelling (``'50'``, ``True``, ``('a', 'b')``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        import json  # an error's wording only: not on the deciding path's imports

        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_shown(item) for item in value) + "]"
    return str(value)


def number_problem(value: float) -> str | None:
    """Why a number cannot be a value of tamis, in French: not finite (``finite_problem``) or
    an integer of more than 18 digits (``numbers.digits_problem``); None when it can."""
    return digits_problem(value) or finite_problem(value)  # an integer first: 10**400 is no float


def finite_problem(value: float) -> str | None:
    """A number that is not a number (``nan``) or infinite (``inf``, ``1e999``) in French."""
    if math.isfinite(value):
        return None
    return (
        "doit être un nombre fini (reçu : nan)"
        if math.isnan(value)
        else (f"doit être un nombre fini (reçu : {'-' if value < 0 else ''}infini)")
    )


@dataclass(frozen=True)
class Vocabulary:
    """The names a policy may read and the built-in parameters, as the domain declares them."""

    names: Mapping[str, NameSpec] = field(default_factory=dict)
    parameters: Mapping[str, ParameterSpec] = field(default_factory=dict)

    def known(self) -> list[str]:
        """Every name a policy may read, for suggestions."""
        return sorted({*self.names, *self.parameters})
