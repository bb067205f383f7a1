"""The solver's answer as plain values: each base name vrai/faux/inconnu, a number, a text.

Between a z3 model and an oracle that builds a concrete case. Texts and lists have no value
the solver can be trusted with (their atoms are free booleans): ``concretize`` writes a text
or a list that gives every atom the value the model wants, and checks it with the engine's
own operators (:mod:`tamis.engine.semantics`); ``None`` when it cannot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import z3

from tamis.analysis.regex_example import example
from tamis.analysis.universe import Base, Constant, Universe
from tamis.engine import semantics
from tamis.grammar.ast import Op
from tamis.grammar.vocabulary import Type, Value

UNBUILDABLE = object()
"""A text or list value no concrete text was found for."""


@dataclass(frozen=True)
class Assignment:
    """The value of each base (by key) in one model; ``None`` is inconnu."""

    values: Mapping[str, Value]
    bases: Mapping[str, Base]

    def shown(self) -> dict[str, str]:
        """French words for each value, for users: ``vrai``, ``inconnu``, ``12``, ``"a"``."""
        return {key: _shown(value) for key, value in sorted(self.values.items())}


def _shown(value: object) -> str:
    if value is None:
        return "inconnu"
    if value is UNBUILDABLE:
        return "(texte introuvable)"
    if isinstance(value, bool):
        return "vrai" if value else "faux"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return str(value)


def read_model(model: z3.ModelRef, universe: Universe) -> Assignment:
    """Every base's value in ``model``; texts and lists made concrete from their atoms."""
    values: dict[str, Value] = {}
    for key, base in universe.bases.items():
        known = z3.is_true(model.eval(base.known, model_completion=True))
        values[key] = _raw(model, base) if known else None
    for key, base in universe.bases.items():
        if values[key] is not None and base.type in (Type.TEXTE, Type.LISTE):
            values[key] = _concrete(model, universe, base, values)
    return Assignment(values, dict(universe.bases))


def _raw(model: z3.ModelRef, base: Base) -> Value:
    if base.value is None:
        return ()
    value = model.eval(base.value, model_completion=True)
    if base.type is Type.BOOLEEN:
        return z3.is_true(value)
    if base.type is Type.NOMBRE:
        fraction = Fraction(value.numerator_as_long(), value.denominator_as_long())
        return int(fraction) if fraction.denominator == 1 else float(fraction)
    return value.as_string()


def _concrete(model, universe: Universe, base: Base, values: Mapping[str, Value]) -> object:
    wanted = []
    for atom in universe.atoms.values():
        if isinstance(atom.subject, Base) and atom.subject.key == base.key:
            needle = _operand_value(atom.needle, values)
            if needle is not None:
                wanted.append((atom.op, needle, z3.is_true(model.eval(atom.variable, True))))
    avoid = universe.texts.get(base.key, set())
    result = concretize(base.type, values[base.key], wanted, avoid)
    return UNBUILDABLE if result is None else result


def _operand_value(operand, values: Mapping[str, Value]) -> Value:
    if isinstance(operand, Constant):
        return operand.value
    value = values.get(operand.key)
    return None if value is UNBUILDABLE else value


Wanted = list[tuple[Op, Value, bool]]


def concretize(type_: Type, start: Value, wanted: Wanted, avoid: set[str]) -> Value | None:
    """A text (or list) giving each ``(op, needle)`` its wanted answer, else None.

    ``start`` is the solver's own text: kept when it already fits, or when it is one of the
    constants the policy compares the text with (``avoid``: changing it would change ``=``).
    """
    if type_ is Type.TEXTE:
        if _fits(start, wanted) or start in avoid:
            return start if _fits(start, wanted) else None
        for candidate in _texts(wanted):
            if _fits(candidate, wanted) and candidate not in avoid:
                return candidate
        return None
    candidate = _list(wanted)
    return candidate if candidate is not None and _fits(candidate, wanted) else None


def _fits(value: Value, wanted: Wanted) -> bool:
    return all(semantics.compare(op, value, needle) is answer for op, needle, answer in wanted)


def _texts(wanted: Wanted) -> list[str]:
    """Candidate texts: the wanted prefix, then each wanted piece, spaced or glued."""
    prefixes = sorted((n for op, n, yes in wanted if yes and op is Op.STARTS_WITH), key=len)
    pieces = [n for op, n, yes in wanted if yes and op is Op.CONTAINS]
    patterns = [example(n) for op, n, yes in wanted if yes and op is Op.MATCHES]
    if any(p is None for p in patterns):
        return []
    head = prefixes[-1] if prefixes else ""
    body = [p for p in [*pieces, *patterns] if p.casefold() not in head.casefold()]
    return [head + " " + " ".join(body), head + "".join(body), head + " ".join(body) + " x"]


def _list(wanted: Wanted) -> tuple[str, ...] | None:
    items: list[str] = []
    for op, needle, yes in wanted:
        if not yes:
            continue
        if op in (Op.CONTAINS, Op.STARTS_WITH):
            items.append(needle)  # type: ignore[arg-type]
        elif op is Op.MATCHES:
            found = example(needle)  # type: ignore[arg-type]
            if found is None:
                return None
            items.append(found)
        elif op is Op.IN and needle:
            items.append(needle[0])  # type: ignore[index]
    return tuple(dict.fromkeys(items))
