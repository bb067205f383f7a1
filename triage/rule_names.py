"""Why a journal query's ``regle`` filter found nothing, when its name is the reason.

A rule is named by the user who wrote the policy, so no vocabulary knows the names: only the
journal's decisions do. ``--regle "Photo"`` (the rule is « photo »: names are compared as
recorded, accents however they are encoded), ``--regle "message par defaut"`` or a typo
answered « aucune décision » exactly as a rule that never decided. When a query finds
nothing, each of its rules no decision of the journal names is told with the closest names
the journal holds, in one sentence (``unknown_rule_text``) that each shell puts after its own
name for the filter (``--regle``, the API's ``regle``, the inbox's « Règle »). The names
are each invitation's latest decision's (``journal stats``, through its index or SQL): asked
only once a query found nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from tamis.audit.filters import Filter
from tamis.audit.reader import Warn
from tamis.grammar.check_words import name_list
from tamis.grammar.suggest import closest, did_you_mean


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


def unknown_rule_text(unknown: UnknownRule, names: Sequence[str]) -> str:
    """« aucune décision du journal n'a cette règle (…) ; vouliez-vous dire « photo » ? »,
    or the journal's rules when none is close: every shell's words, after its own name for
    the filter and the rule asked (« --regle « Photo » : », « Règle « Photo » : »)."""
    hint = did_you_mean(unknown.name, unknown.near) or f"règles du journal : {name_list(names)}"
    return (
        "aucune décision du journal n'a cette règle (les noms comptent les majuscules et les"
        f" accents) ; {hint}"
    )


def rule_notes(
    journal: str, flt: Filter, warn: Warn, *, index: bool = True
) -> list[tuple[str, str]]:
    """Once a query found nothing: (rule asked, ``unknown_rule_text``) for each rule of
    ``flt`` no decision of the journal names; nothing when the journal has no decision."""
    if not flt.rules:
        return []
    names = recorded_rules(journal, warn, index=index)
    if not names:
        return []
    return [(u.name, unknown_rule_text(u, names)) for u in unknown_rules(flt, lambda: names)]


def json_warnings(notes: Iterable[tuple[str, str]]) -> list[str]:
    """``rule_notes`` as a JSON answer's ``avertissements`` (« regle « Photo » : … », the
    filter named by its JSON key): the same list in ``GET …/journal``, ``GET …/stats`` and
    ``POST …/rejouer`` as in ``journal stats`` and ``rejouer --format json``."""
    return [f"regle « {name} » : {text}" for name, text in notes]
