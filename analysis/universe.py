"""The unknowns of the analysis: one z3 variable pair per base name, and the text atoms.

Sits under :mod:`tamis.analysis.encode`. Every field and built-in fact a policy reads is
*known or not* (``known``) and, when known, has a value of its type (``value``: a Bool, a
Real, or a String; lists have no value of their own). Built-in facts that read parameters
(``peu_de_connexions`` reads ``connexions_min``) get one variable per set of parameter values,
so two policies with different thresholds do not share a fact they compute differently.

``contient``, ``commence par``, ``correspond à`` (and ``dans`` on a list) are *atoms*: free
booleans tied to their operands only by what can be said soundly:

- an atom is inconnu exactly when one of its operands is;
- on one subject, "contains ``ab``" implies "contains ``a``", "starts with ``ab``" implies
  "starts with ``a``" and "contains ``a``" (after case folding, as the engine compares);
- a text cannot start with two prefixes that are not prefixes of one another;
- when the subject equals a text constant the policy mentions, the atom is that constant's
  answer, computed by :mod:`tamis.engine.semantics` itself.

Nothing else is assumed: the solver may pick atom values no real text has, which is why
every answer is then checked on a concrete invitation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import z3

from tamis.engine import semantics
from tamis.grammar.ast import Op
from tamis.grammar.vocabulary import Type, Value

TEXT_ATOMS = (Op.CONTAINS, Op.STARTS_WITH, Op.MATCHES)


@dataclass(frozen=True)
class Constant:
    value: Value


@dataclass(frozen=True)
class Base:
    """A field or built-in fact, for one set of values of the parameters it reads."""

    key: str  # unique: the name, then the parameter values it was computed with
    name: str
    type: Type
    known: z3.BoolRef
    value: z3.ExprRef | None  # None for lists: only atoms speak about them


Operand = Base | Constant


@dataclass(frozen=True)
class Atom:
    op: Op
    subject: Operand
    needle: Operand
    variable: z3.BoolRef

    @property
    def known(self) -> z3.BoolRef:
        parts = [o.known for o in (self.subject, self.needle) if isinstance(o, Base)]
        return z3.And(parts) if parts else z3.BoolVal(True, self.variable.ctx)


def z3_number(value: int | float, ctx: z3.Context) -> z3.RatNumRef:
    fraction = Fraction(value)
    return z3.RealVal(f"{fraction.numerator}/{fraction.denominator}", ctx)


def z3_constant(value: Value, ctx: z3.Context) -> z3.ExprRef:
    if isinstance(value, bool):
        return z3.BoolVal(value, ctx)
    if isinstance(value, int | float):
        return z3_number(value, ctx)
    return z3.StringVal(value, ctx)


OnNewBase = Callable[[Base, Mapping[str, Value]], None]


@dataclass
class Universe:
    """Every variable created so far and the constraints that hold between them.

    Each universe has a z3 context of its own (``ctx``), and every term of one analysis is
    made in it: z3 numbers terms in the order they are created in their context, reusing the
    numbers of terms freed, and its answers (which model, which unsat core) follow those
    numbers. In the shared default context they would depend on everything the process did
    before, down to when Python's garbage collector freed another analysis's terms.
    """

    types: Mapping[str, Type]
    integers: frozenset[str] = frozenset()
    on_new_base: OnNewBase | None = None  # adds a built-in fact's declared relations
    constraints: list[z3.BoolRef] = field(default_factory=list)
    bases: dict[str, Base] = field(default_factory=dict)
    atoms: dict[tuple, Atom] = field(default_factory=dict)
    texts: dict[str, list[str]] = field(default_factory=dict)  # base key -> constants compared
    ctx: z3.Context = field(default_factory=z3.Context)

    def true(self) -> z3.BoolRef:
        return z3.BoolVal(True, self.ctx)

    def base(self, name: str, parameters: Mapping[str, Value] | None = None) -> Base:
        """The variables of ``name`` computed with ``parameters`` (those it reads)."""
        reads = dict(sorted((parameters or {}).items()))
        key = base_key(name, reads)
        if key not in self.bases:
            self.bases[key] = self._new_base(key, name)
            if self.on_new_base is not None:
                self.on_new_base(self.bases[key], reads)
        return self.bases[key]

    def _new_base(self, key: str, name: str) -> Base:
        type_ = self.types[name]
        known = z3.Bool(f"connu:{key}", self.ctx)
        value = _value_variable(type_, key, self.ctx)
        if value is not None and name in self.integers:
            self.constraints.append(z3.IsInt(value))
        return Base(key, name, type_, known, value)

    # --- text atoms -----------------------------------------------------------------

    def atom(self, op: Op, subject: Operand, needle: Operand) -> Atom:
        key = (op, _operand_key(subject), _operand_key(needle))
        if key not in self.atoms:
            atom = Atom(op, subject, needle, z3.Bool(f"atome{len(self.atoms)}", self.ctx))
            self._relate_new_atom(atom)
            self.atoms[key] = atom
        return self.atoms[key]

    def compared_text(self, base: Base, text: str) -> None:
        """``base`` is compared with ``text`` (``=``, ``!=``, ``dans``): pin atoms there."""
        seen = self.texts.setdefault(base.key, [])  # a list: atoms are pinned in a fixed order
        if text in seen or base.type is not Type.TEXTE:
            return
        seen.append(text)
        for atom in self._atoms_on(base):
            self._pin(atom, text)

    def _atoms_on(self, base: Base) -> list[Atom]:
        return [
            a
            for a in self.atoms.values()
            if isinstance(a.subject, Base) and a.subject.key == base.key
            and isinstance(a.needle, Constant)
        ]  # fmt: skip

    def _relate_new_atom(self, atom: Atom) -> None:
        if not (isinstance(atom.subject, Base) and isinstance(atom.needle, Constant)):
            return
        is_list = atom.subject.type is Type.LISTE
        if not is_list and _always(atom.op, atom.needle.value):
            self.constraints.append(atom.variable)
        for other in self._atoms_on(atom.subject):
            self._relate(atom, other, is_list)
        for text in self.texts.get(atom.subject.key, ()):
            self._pin(atom, text)

    def _relate(self, one: Atom, other: Atom, is_list: bool) -> None:
        a, b = one.needle.value, other.needle.value  # type: ignore[union-attr]
        if _implies(one.op, a, other.op, b, is_list):
            self.constraints.append(z3.Implies(one.variable, other.variable))
        if _implies(other.op, b, one.op, a, is_list):
            self.constraints.append(z3.Implies(other.variable, one.variable))
        if not is_list and _exclusive(one.op, a, other.op, b):
            self.constraints.append(z3.Not(z3.And(one.variable, other.variable)))

    def _pin(self, atom: Atom, text: str) -> None:
        """Where the subject equals ``text``, the atom is what the engine says of ``text``."""
        answer = semantics.compare(atom.op, text, atom.needle.value)  # type: ignore[union-attr]
        if answer is None:
            return
        equal = atom.subject.value == z3.StringVal(text, self.ctx)  # type: ignore[union-attr]
        self.constraints.append(z3.Implies(equal, atom.variable == z3.BoolVal(answer, self.ctx)))


def base_key(name: str, parameters: Mapping[str, Value]) -> str:
    """``peu_de_connexions[connexions_min=50]``: a name and the parameter values it read."""
    return name + "".join(f"[{k}={v!r}]" for k, v in sorted(parameters.items()))


def _value_variable(type_: Type, key: str, ctx: z3.Context) -> z3.ExprRef | None:
    if type_ is Type.BOOLEEN:
        return z3.Bool(f"valeur:{key}", ctx)
    if type_ is Type.NOMBRE:
        return z3.Real(f"valeur:{key}", ctx)
    if type_ is Type.TEXTE:
        return z3.String(f"valeur:{key}", ctx)
    return None


def _operand_key(operand: Operand) -> tuple:
    if isinstance(operand, Base):
        return ("base", operand.key)
    value = operand.value
    return ("constante", tuple(value) if isinstance(value, list) else value)


def _always(op: Op, needle: Value) -> bool:
    """Text atoms that hold on every known text: containing or starting with ``""``."""
    return op in (Op.CONTAINS, Op.STARTS_WITH) and needle == ""


def _implies(op: Op, a: Value, other: Op, b: Value, is_list: bool) -> bool:
    """Whether "subject ``op`` ``a``" being vrai forces "subject ``other`` ``b``" to be vrai."""
    if not (isinstance(a, str) and isinstance(b, str)) or Op.MATCHES in (op, other):
        return False
    fa, fb = a.casefold(), b.casefold()
    if is_list:
        if op is Op.CONTAINS:
            return (other is Op.CONTAINS and fa == fb) or (
                other is Op.STARTS_WITH and fa.startswith(fb)
            )
        return op is Op.STARTS_WITH and other is Op.STARTS_WITH and fa.startswith(fb)
    if op is Op.CONTAINS:
        return other is Op.CONTAINS and fb in fa
    if op is Op.STARTS_WITH:
        return (other is Op.STARTS_WITH and fa.startswith(fb)) or (
            other is Op.CONTAINS and fb in fa
        )
    return False


def _exclusive(op: Op, a: Value, other: Op, b: Value) -> bool:
    """Two prefixes of one text, neither a prefix of the other, cannot both hold."""
    if op is not Op.STARTS_WITH or other is not Op.STARTS_WITH:
        return False
    fa, fb = str(a).casefold(), str(b).casefold()
    return not (fa.startswith(fb) or fb.startswith(fa))
