"""The registry binding each built-in name to the code that computes it.

The declaration side is ``tamis.invitations.vocabulary`` (names, types, French help), read by
the checker; this is the computation side, read by ``extract``. Fact modules
(``tamis.invitations.facts.*``) register with ``@fact("nom")``; invitation fields with
``@field("expediteur.nom")``. A registered name must be declared, and a test checks that every
declared name is registered.

An extractor receives an ``Inputs`` and returns ``(value, evidence)``: the value is
``True``/``False``/``None`` (*inconnu*) or a number for scores, the evidence a short French
note of the inputs it read — or, where wording it costs something, a function that words it
(``lambda: f"…"``): an explanation shows the notes of the few facts its trace shows, so the
others are never worded (``Notes``). ``Inputs.get`` lets one fact reuse another, computed
once; ``Inputs.shared`` lets facts share a look-up within one invitation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from tamis.grammar.vocabulary import Value
from tamis.invitations.vocabulary import FACTS, FIELDS, PARAMETERS

if TYPE_CHECKING:
    from tamis.invitations.context import Context
    from tamis.invitations.models import Expediteur, Invitation

Note = str | Callable[[], str]  # a French note, or the function that words it when shown
Result = tuple[Value, Note]
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
        self.evidence: dict[str, Note] = {}  # read them through ``note`` or ``Notes``
        self.shared: dict[object, object] = {}  # what facts share within this invitation

    def param(self, name: str) -> Value:
        """A parameter's value in force, or its built-in default."""
        return self._parameters.get(name, _DEFAULTS[name])

    def get(self, name: str) -> Value:
        """The value of a field or fact, computed on first use only."""
        if name in self.values:
            return self.values[name]
        return self.get_all((name,))[name]

    def get_all(self, names: Iterable[str]) -> dict[str, Value]:
        """The values of ``names`` (fields and facts), in that order, each computed on first
        use only; raises ``KeyError`` for a name that is neither. One loop rather than a
        ``get`` per name: an invitation's facts are computed here."""
        names = tuple(names)
        values, evidence = self.values, self.evidence
        for name in names:
            if name in values:  # already computed, as another fact's input
                continue
            extractor = FACT_EXTRACTORS.get(name)
            if extractor is not None:
                value, evidence[name] = extractor(self)
                values[name] = value
            elif (getter := FIELD_GETTERS.get(name)) is not None:
                values[name] = getter(self.invitation)
            else:
                raise KeyError(f"nom inconnu des faits intégrés : « {name} »")
        if len(values) == len(names) and tuple(values) == names:
            return dict(values)  # the usual case: these names alone, computed in this order
        return {name: values[name] for name in names}

    def compute(self, plan: Plan) -> dict[str, Value]:
        """The values of a plan's names (``plan``), in its order: ``get_all`` with each
        name's function looked up once per policy rather than once per invitation."""
        values, evidence = self.values, self.evidence
        for name, extractor, getter in plan:
            if name in values:  # already computed, as another fact's input
                continue
            if extractor is not None:
                values[name], evidence[name] = extractor(self)
            else:
                values[name] = getter(self.invitation)  # type: ignore[misc]
        if len(values) == len(plan):  # the usual case: these names alone, in this order
            return dict(values)
        return {name: values[name] for name, _, _ in plan}

    def note(self, name: str) -> str:
        """The evidence note of a fact computed already, worded now if it was not yet."""
        return word(self.evidence, name)


Plan = tuple[tuple[str, Extractor | None, FieldGetter | None], ...]
"""Names to compute, in order, each with its extractor (a fact) or its getter (a field)."""


def plan(names: Iterable[str]) -> Plan:
    """The plan of ``names``, in that order; raises ``KeyError`` for a name that is neither
    a field nor a fact."""
    steps = []
    for name in names:
        extractor, getter = FACT_EXTRACTORS.get(name), FIELD_GETTERS.get(name)
        if extractor is None and getter is None:
            raise KeyError(f"nom inconnu des faits intégrés : « {name} »")
        steps.append((name, extractor, getter))
    return tuple(steps)


def word(notes: dict[str, Note], name: str) -> str:
    """``notes[name]`` as text, worded (and kept worded) if it was a function."""
    note = notes[name]
    if type(note) is not str:
        note = notes[name] = note()
    return note


class Notes(Mapping[str, str]):
    """The evidence notes of one invitation's facts, by name, each worded when first read."""

    __slots__ = ("_notes",)

    def __init__(self, notes: dict[str, Note]) -> None:
        self._notes = notes

    def __getitem__(self, name: str) -> str:
        return word(self._notes, name)

    def __contains__(self, name: object) -> bool:
        return name in self._notes

    def __iter__(self) -> Iterator[str]:
        return iter(self._notes)

    def __len__(self) -> int:
        return len(self._notes)

    def picked(self, names: Iterable[str]) -> dict[str, str]:
        """The notes of those of ``names`` that have one, in that order, each worded now:
        ``{n: notes[n] for n in names if n in notes}`` in one loop (the explainer asks it of
        every decision, for the names its trace shows)."""
        notes, found = self._notes, {}
        for name in names:
            note = notes.get(name)
            if note is not None:
                found[name] = note if type(note) is str else word(notes, name)
        return found

    def __repr__(self) -> str:
        return f"Notes({dict(self)!r})"
