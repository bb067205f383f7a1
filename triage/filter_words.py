"""The French of a filter value's problems that every shell shares.

Sits beside ``fact_names`` (``unknown_fact``, ``wrong_fact_value``): the journal's filters
raise a ``FilterError`` with its ``Problem``; ``tamis journal chercher`` and the others
(``cli.options.filter_message``) and the API and web pages (``service.api_journal
.filter_error``) each put their option or field before these words. ``unknown_problem`` is
for a ``Problem`` added later that a shell does not word yet: it says that the value was
refused and the problem's code, never a reason that may be false.
"""

from __future__ import annotations

from tamis.audit.filters import FilterError, Problem


def clocks_changed(error: FilterError, zone: str | None = None) -> str:
    """Why a time typed without an offset is refused where ``zone`` changes its clocks
    (a page's ``fuseau``: ``web_views.zone_time``), and what to type instead; the zone's
    names on either side of the change (``error.near``) say which change, if ``zone`` is
    not known."""
    before, after, *offsets = error.near
    day, hour = error.value[:10], error.value[11:]
    where, there = (f" dans le fuseau {zone}", " y") if zone else ("", "")
    if error.problem is Problem.NO_SUCH_TIME:
        return (
            f"l'heure {hour} n'existe pas le {day}{where} : les horloges{there} avancent "
            f"({before} → {after}) et sautent cette heure-là ; écrivez une heure d'avant ou "
            "d'après le changement d'heure"
        )
    return (
        f"l'heure {hour} a lieu deux fois le {day}{where} : les horloges{there} reculent "
        f"({before} → {after}) ; écrivez laquelle avec son décalage : {offsets[0]} ({before})"
        f" ou {offsets[1]} ({after})"
    )


def unknown_problem(error: FilterError) -> str:
    """A value refused for a problem no shell words yet: what was refused, and the code."""
    return f"valeur « {error.shown} » refusée (problème « {error.problem.value} »)"


def not_text(error: FilterError) -> str:
    """A value holding bytes that are not UTF-8, shown with them escaped (``\\xe9``): the
    value is not text, so it is never printed or sent as it came."""
    return f"« {error.shown} » n'est pas du texte UTF-8"
