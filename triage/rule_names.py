"""Why a journal query's ``regle`` filter found nothing, when its name is the reason.

A rule is named by the user who wrote the policy, so no vocabulary knows the names: only the
journal's decisions do. ``--regle "Photo"`` (the rule is « photo »: names are compared as
recorded, accents however they are encoded), ``--regle "message par defaut"`` or a typo
answered « aucune décision » exactly as a rule that never decided. When a query finds
nothing, each of its rules no decision of the journal names is told with the closest names
the journal holds; the shells word it. The names are each invitation's latest decision's
(``journal stats``, through its index or SQL): asked only once a query found nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

from tamis.audit.filters import Filter
from tamis.audit.reader import Warn
from tamis.grammar.suggest import closest


class UnknownRule(NamedTuple):
    """A rule of the filter no decision of the journal names, and the closest it does."""

    name: str
    near: tuple[str, ...]


def unknown_rules(flt: Filter, recorded: Callable[[], Iterable[str]]) -> list[UnknownRule]:
    """The rules of ``flt`` that ``recorded()`` (the journal's rule names) lacks."""
    if not flt.rules:
        return []
    known = set(recorded())
    return [
        UnknownRule(name, tuple(closest(name, known, limit=2)))
        for name in sorted(flt.rules)
        if name not in known
    ]


def recorded_rules(journal: str, warn: Warn, *, index: bool = True) -> list[str]:
    """The names of the rules that decided the journal's invitations (latest decisions):
    ``ligne N`` for a rule without a name, ``sinon`` for the default."""
    from tamis.audit.postgres.backend import stats_any

    by_rule = stats_any(journal, Filter(), "jour", warn, index=index).by_rule
    return sorted({rule for rule, _ in by_rule if isinstance(rule, str)})
