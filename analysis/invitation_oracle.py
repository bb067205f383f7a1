"""The oracle for real policies: the solver's answer as an invitation JSON and a context.

Fields the policy reads are written directly from the answer; each built-in fact it reads is
then produced by the patches declared in ``tamis.invitations.witnesses``, tried in order
until the real fact code gives the wanted value without undoing an earlier one. The result
is decided by the real engine on facts extracted by ``tamis.invitations.extract``, exactly as
``tamis decider --contexte`` would: the context is written as TOML and read back by
``load_context``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from tamis.analysis.assignment import UNBUILDABLE, Assignment
from tamis.analysis.domain import Domain
from tamis.analysis.oracle import Case, Judged
from tamis.analysis.universe import base_key
from tamis.engine.decision import Decision
from tamis.grammar.vocabulary import Value
from tamis.invitations.context import Context, ContextError, load_context
from tamis.invitations.extract import extract_facts
from tamis.invitations.validation import InvalidInvitation, invitation_from
from tamis.invitations.witnesses import ABSENT, ORDER, RECIPES, Draft

WITNESS_ID = "exemple-analyse"


class InvitationOracle:
    def __init__(self, domain: Domain) -> None:
        self.domain = domain
        self._contexts: dict[str, Context] = {}
        self.failed: str | None = None  # the base key the last ``build`` could not produce
        self._folder = tempfile.TemporaryDirectory(prefix="tamis-analyse-")

    # --- building -----------------------------------------------------------------------

    def build(self, assignment: Assignment, judged: list[Judged]) -> Case | None:
        self.failed = None
        targets = self._targets(assignment, judged)
        if targets is None:
            return None
        fields = {name for name, _, _ in targets if self._is_field(name)}
        draft = Draft({"id": WITNESS_ID}, {}, judged[0].parameters, frozenset(fields))
        for name, _, value in targets:
            if name in fields:
                _write_field(draft, name, value)
        done = [t for t in targets if t[0] in fields]
        for target in sorted((t for t in targets if t[0] not in fields), key=_position):
            draft = self._produce(draft, target, done)
            if draft is None:
                self.failed = base_key(target[0], target[1])
                return None
            done.append(target)
        if self._value(draft, "id", {}) is UNBUILDABLE:  # a field the model gave is invalid
            return None
        files = dict(draft.files)
        return Case(invitation=draft.invitation, context=context_toml(draft.context), files=files)

    def _targets(self, assignment: Assignment, judged: list[Judged]) -> list | None:
        """(name, parameters it reads, wanted value) for every name the policies read."""
        targets = {}
        for one in judged:
            for name in sorted(one.policy.base_names):  # a set: its order varies by process
                reads = {p: one.parameters[p] for p in self.domain.reads.get(name, ())}
                key = base_key(name, reads)
                if key in assignment.values:
                    targets[key] = (name, reads, assignment.values[key])
        if any(value is UNBUILDABLE for _, _, value in targets.values()):
            return None
        return list(targets.values())

    def _is_field(self, name: str) -> bool:
        return self.domain.vocabulary.names[name].is_field

    def _produce(self, draft: Draft, target: tuple, done: list) -> Draft | None:
        name, reads, wanted = target
        if self._holds(draft, [*done, target]):
            return draft
        recipe = RECIPES.get(name)
        for patch in recipe.patches(wanted) if recipe else ():
            attempt = draft.copy()
            attempt.parameters = {**draft.parameters, **reads}
            if patch(attempt) and self._holds(attempt, [*done, target]):
                return attempt
        return None

    def _holds(self, draft: Draft, targets: list) -> bool:
        for name, reads, wanted in targets:
            value = self._value(draft, name, reads)
            if value is UNBUILDABLE or not _agrees(value, wanted):
                return False
        return True

    def _value(self, draft: Draft, name: str, reads: Mapping[str, Value]) -> object:
        try:
            invitation = invitation_from(draft.invitation)
            context = self._context(context_toml(draft.context), draft.files)
        except (InvalidInvitation, ContextError):
            return UNBUILDABLE
        return extract_facts(invitation, context, [name], reads).values[name]

    # --- deciding -----------------------------------------------------------------------

    def decide(self, case: Case, judged: Judged) -> Decision:
        invitation = invitation_from(case.invitation)
        context = self._context(case.context or "", case.files)
        names = judged.policy.base_names
        facts = extract_facts(invitation, context, names, judged.parameters)
        return judged.engine.decide(facts.values, judged.parameters)

    def _context(self, text: str, files: Mapping[str, str]) -> Context:
        """The context as ``load_context`` reads it from the TOML text and the files beside."""
        if not text:
            return Context.empty()
        key = orjson.dumps([text, sorted(files.items())]).decode()
        if key not in self._contexts:
            folder = Path(self._folder.name) / f"contexte{len(self._contexts)}"
            folder.mkdir()
            for name, content in files.items():
                (folder / name).write_text(content, encoding="utf-8")
            (folder / "contexte.toml").write_text(text, encoding="utf-8")
            self._contexts[key] = load_context(folder / "contexte.toml")
        return self._contexts[key]


def _position(target: tuple) -> int:
    name = target[0]
    return ORDER.index(name) if name in ORDER else len(ORDER)


def _agrees(value: object, wanted: Value) -> bool:
    """A fact has the wanted value (a number fact need only be known when wanted known)."""
    if wanted is None or value is None:
        return value is wanted
    if isinstance(wanted, bool) or isinstance(value, bool):
        return value is wanted
    if isinstance(wanted, tuple) or isinstance(value, tuple):
        return tuple(value) == tuple(wanted)  # type: ignore[arg-type]
    return value == wanted or (isinstance(wanted, int | float) and isinstance(value, int | float))


_DATED = {"debut": "2015", "fin": "2020"}


def _write_field(draft: Draft, name: str, value: Value) -> None:
    """Write a field's value where the invitation JSON keeps it."""
    if value is None:
        _absent(draft, name)
    elif name == "expediteur.entreprises":
        draft.invitation.setdefault("expediteur", {})["experiences"] = [
            {"entreprise": item, **_DATED}
            for item in value  # type: ignore[union-attr]
        ]
    elif isinstance(value, tuple):
        _put(draft, name, list(value))
    else:
        _put(draft, name, value)


def _absent(draft: Draft, name: str) -> None:
    if name == "expediteur.entreprises":
        for key in ("experiences", "entreprise"):
            draft.invitation.get("expediteur", {}).pop(key, None)
    else:
        _put(draft, name, ABSENT)


def _put(draft: Draft, name: str, value: Any) -> None:
    pinned, draft.pinned = draft.pinned, frozenset()
    draft.put(name, value)
    draft.pinned = pinned


def context_toml(context: Mapping[str, Mapping[str, Any]]) -> str:
    """The context as a TOML file ``tamis decider --contexte`` reads ("" when empty)."""
    lines: list[str] = []
    for section in ("moi", "reseau"):
        entries = {k: v for k, v in context.get(section, {}).items() if v}
        if section == "reseau" and context.get("fichiers"):
            entries["fichiers"] = sorted(context["fichiers"])
        if entries:
            lines.append(f"[{section}]")
            lines += [f"{key} = {_toml_list(values)}" for key, values in entries.items()]
    return "\n".join(lines) + "\n" if lines else ""


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(orjson.dumps(v).decode() for v in values) + "]"
