"""The checked policy: what the checker hands to the engine.

Every name is resolved (``kinds``), every type known (``types``), definitions are in
stratified order (each after everything it reads), and parameter values are final
literals. The engine compiles from this and never looks at policy text again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from tamis.grammar import ast
from tamis.grammar.vocabulary import ParameterSpec, Type, Value

_DIGESTS: dict[str, str] = {}  # policy source -> its SHA-256 (``CheckedPolicy.sha256``)


class Kind(Enum):
    """What a ``Ref`` names once resolved."""

    PARAMETRE = "paramètre"  # declared by the policy or known to built-in facts
    DEFINI = "défini"  # a ``définir`` in this policy (shadows a built-in fact)
    FAIT = "fait"  # a built-in fact computed by the domain
    CHAMP = "champ"  # a raw invitation field


@dataclass(frozen=True)
class CheckedPolicy:
    """A policy the checker accepted, resolved and ordered: all the engine compiles from."""

    ast: ast.Policy
    source: str
    path: str
    name: str | None
    strategy: ast.Strategy
    parameters: Mapping[str, Value]  # name -> value: built-in defaults, then the policy's own
    definitions: tuple[ast.Definition, ...]  # stratified: each after what it reads
    rules: tuple[ast.Rule, ...]  # decision rules, file order
    default: ast.Action  # ``sinon`` action, ``examiner`` when absent
    default_span: ast.Span | None  # where ``sinon`` is written, None when implicit
    kinds: Mapping[str, Kind]  # every name the policy reads -> what it is
    types: Mapping[str, Type]  # every name the policy reads -> its type
    base_names: frozenset[str] = field(default_factory=frozenset)  # facts+fields read
    # the built-in parameters' specifications (bounds), from the vocabulary it was checked with
    builtin_parameters: Mapping[str, ParameterSpec] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        """SHA-256 of the UTF-8 source, hashed once per source (``_DIGESTS``): a worker
        process names the policy in every record it renders. Kept beside the class, not
        on the instance: writing into a frozen instance's ``__dict__`` would slow every
        other attribute read of the policy (CPython then leaves its inline values)."""
        digest = _DIGESTS.get(self.source)
        if digest is None:
            if len(_DIGESTS) >= 64:  # a service reloading its policy: stay small
                _DIGESTS.clear()
            digest = _DIGESTS[self.source] = hashlib.sha256(self.source.encode()).hexdigest()
        return digest

    @property
    def declared_parameters(self) -> frozenset[str]:
        return frozenset(s.name for s in self.ast.statements if isinstance(s, ast.Parameter))
