"""From one validated invitation to the facts a policy reads.

Sits between the domain model (``models``, ``context``) and the engine: the engine asks for
the names its policy reads (``CheckedPolicy.base_names``) and gets their values, ``None``
meaning *inconnu*, plus a French evidence note per computed fact for explanations. Only the
requested names are computed, each once; a fact that needs another (``fausse_vedette`` reads
``connu``) reuses it, and its evidence is kept too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import NamedTuple

from tamis.grammar.vocabulary import Value
from tamis.invitations import facts as _facts  # noqa: F401 - registers the built-in facts
from tamis.invitations import fields as _fields  # noqa: F401 - registers the fields
from tamis.invitations.context import Context
from tamis.invitations.models import Invitation
from tamis.invitations.registry import FACT_EXTRACTORS, FIELD_GETTERS, Inputs, Notes, Plan, plan


class Facts(NamedTuple):
    """The values of the requested names, and the evidence of every fact computed (each
    note worded when first read: ``Notes``). A ``NamedTuple``: one is built per invitation,
    and a frozen dataclass costs about three times as much to build."""

    values: dict[str, Value]
    evidence: Mapping[str, str]


def extract_facts(
    invitation: Invitation,
    context: Context,
    names: Iterable[str],
    parameters: Mapping[str, Value],
) -> Facts:
    """Compute ``names`` (fields and built-in facts) for ``invitation``.

    ``parameters`` holds the values in force (``connexions_min`` …); a missing one takes its
    built-in default. Raises ``KeyError`` for a name that is neither a field nor a fact (the
    checker rules that out for checked policies). The facts come in name order, whatever the
    order of ``names`` (a set's order changes between runs), so outputs are reproducible.
    """
    inputs = Inputs(invitation, context, parameters)
    values = inputs.compute(_in_order(names))  # same order in every run
    return Facts(values, Notes(inputs.evidence))


def _in_order(names: Iterable[str]) -> Plan:
    """The plan of ``names`` sorted; a policy's own set (a ``frozenset``) is planned once
    per run."""
    if type(names) is frozenset:
        return _planned(names)
    return plan(sorted(names))


@lru_cache(maxsize=64)
def _planned(names: frozenset[str]) -> Plan:
    return plan(sorted(names))


def builtin_names() -> frozenset[str]:
    """Every name ``extract_facts`` can compute."""
    return frozenset(FACT_EXTRACTORS) | frozenset(FIELD_GETTERS)
