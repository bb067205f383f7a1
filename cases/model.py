"""What a test file holds once read: cases with their inputs and what they expect.

Built by ``tamis.cases.load`` from a ``.cas.toml`` file; English attributes here, the French
keys live in the TOML the user writes (``nom``, ``invitation``, ``attendu.decision`` …).
Values keep the key path they came from (``Path``), so a later check against the policy (an
unknown fact, a rule the policy does not have) still points at the right line and column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

from tamis.cases.locate import Path
from tamis.cases.problems import Problems
from tamis.grammar.ast import Action
from tamis.grammar.vocabulary import Value
from tamis.invitations.models import Invitation


@dataclass(frozen=True)
class FactExpectation:
    """``suspect = "vrai"``: a fact, field or definition and the value it must have."""

    name: str
    value: Value  # None: inconnu
    where: Path


@dataclass(frozen=True)
class Expectation:
    decision: Action | None  # None only in a case reported broken
    rule: str | None = None  # the deciding rule's label: its name, « ligne N » or « sinon »
    facts: tuple[FactExpectation, ...] = ()
    explanation: str | None = None  # a substring the explanation must contain


@dataclass(frozen=True)
class ContextSpec:
    """Where a case's context comes from: a file, inline tables, or nothing."""

    file: FilePath | None = None
    tables: Mapping[str, Any] | None = None  # {"moi": {...}, "reseau": {...}}
    where: Path = ()
    recorded_sha256: str | None = None  # the hash the journal recorded (cases from ``figer``)

    @property
    def key(self) -> tuple:
        """Equal for specs that build the same context (contexts are loaded once per key)."""
        return (self.file, repr(sorted((self.tables or {}).items())))


@dataclass(frozen=True)
class Parameter:
    name: str
    value: Value
    where: Path


@dataclass(frozen=True)
class Case:
    name: str
    number: int  # 1-based position in its file
    line: int
    invitation: Invitation | None  # validated (``id`` from the name); None when invalid
    invitation_where: Path
    context: ContextSpec
    parameters: tuple[Parameter, ...]
    expected: Expectation
    where: Path  # ("cas", index)
    invitation_file: FilePath | None = None  # ``invitation = "x.json"``: the file read


@dataclass(frozen=True)
class CaseFile:
    """A test file: its policy, its valid cases, and every problem found in it."""

    path: FilePath
    policy: FilePath | None  # None when the file is unusable as a whole
    cases: tuple[Case, ...]
    problems: Problems

    def runnable(self) -> tuple[Case, ...]:
        """The cases no problem was reported on (the policy checks add some later)."""
        broken = self.problems.broken_cases()
        return tuple(case for case in self.cases if case.number - 1 not in broken)
