"""``stats``: counts of selected decisions by decision, rule, fact and period (streamed).

Sits on the selected records (``queries.select``, or ``queries.journal_stats`` which counts
ranges on every core and merges them): counters only, so memory grows with the number of
distinct rules, facts and days, never with the journal's size.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from tamis.engine.semantics import truth_word

PERIODS = ("jour", "semaine")


@dataclass
class Stats:
    total: int = 0
    first: str | None = None  # horodatage of the first and last selected decisions
    last: str | None = None
    by_decision: Counter = field(default_factory=Counter)
    by_rule: Counter = field(default_factory=Counter)  # (regle, decision) -> count
    by_fact: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    by_period: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, record: dict, per: str, local: bool = False, zone: tzinfo | None = None) -> None:
        content = record["contenu"]
        decision = content.get("decision")
        self.total += 1
        self.first = self.first or record["horodatage"]
        self.last = record["horodatage"]
        self.by_decision[decision] += 1
        self.by_rule[(content.get("regle"), decision)] += 1
        for facts in (content.get("faits", {}), content.get("faits_derives", {})):
            for name, value in facts.items():
                if counted(value):
                    self.by_fact[name][truth_word(value)] += 1
        self.by_period[period_of(day_of(record["horodatage"], local, zone), per)][decision] += 1

    def merge(self, other: Stats) -> None:
        """Add the counts of ``other``, which counted the records that follow these."""
        self.total += other.total
        self.first = self.first or other.first
        self.last = other.last or self.last
        self.by_decision.update(other.by_decision)
        self.by_rule.update(other.by_rule)
        for mine, theirs in ((self.by_fact, other.by_fact), (self.by_period, other.by_period)):
            for key, counts in theirs.items():
                mine[key].update(counts)

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "premiere": self.first,
            "derniere": self.last,
            "par_decision": dict(self.by_decision.most_common()),
            "par_regle": [
                {"regle": rule, "decision": decision, "nombre": count}
                for (rule, decision), count in self.by_rule.most_common()
            ],
            "par_fait": {name: dict(counts) for name, counts in sorted(self.by_fact.items())},
            "par_periode": {key: dict(counts) for key, counts in sorted(self.by_period.items())},
        }


def period_of(horodatage: str, per: str) -> str:
    """``2026-01-05`` for a day, ``2026-S02`` for an ISO week (of the date ``horodatage``
    starts with)."""
    day = horodatage[:10]
    if per == "jour":
        return day
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-S{week:02d}"


@lru_cache(maxsize=4096)
def _day_in(minute: str, zone: tzinfo | None, _local: tuple = ()) -> str:
    """The day of a journal minute (UTC) in ``zone``, or in the process's zone (None), which
    ``_local`` (its ``time`` settings) keys: ``time.tzset`` after a change of ``TZ`` must not
    get the former zone's day. Cached by minute: every zone's offset is whole minutes."""
    return datetime.fromisoformat(minute + ":00+00:00").astimezone(zone).date().isoformat()


def _day(horodatage: str, zone: tzinfo | None, local: tuple = ()) -> str:
    """``_day_in`` of a journal time; one that does not read as one keeps its UTC day."""
    try:
        return _day_in(horodatage[:16], zone, local)
    except (ValueError, OverflowError):
        return horodatage[:10]


def local_day(horodatage: str) -> str:
    """The day, in the process's time zone (``TZ``), of a journal time (UTC): what SQLite's
    ``date(…, 'localtime')`` gives."""
    return _day(horodatage, None, (time.tzname, time.timezone, time.altzone, time.daylight))


def day_in(horodatage: str, zone: tzinfo) -> str:
    """The day, in ``zone`` (a workspace's ``fuseau``), of a journal time (UTC)."""
    return _day(horodatage, zone)


def utc_days(zone: tzinfo) -> bool:
    """Whether the days of ``zone`` are UTC's, the journal's own (``UTC``, ``Etc/GMT``: always
    at offset zero, ``utcoffset(None)`` says so): counted by the day, as without a zone, and
    not by the minute, each read in the zone (``day_in``), for the same counts."""
    return zone.utcoffset(None) == timedelta(0)


def day_of(horodatage: str, local: bool = False, zone: tzinfo | None = None) -> str:
    """The day a journal time is counted in: in ``zone`` if given, else in the process's
    zone if ``local``, else UTC's (``horodatage`` itself: ``period_of`` reads its date)."""
    if zone is not None:
        return day_in(horodatage, zone)
    return local_day(horodatage) if local else horodatage


def compute_stats(
    records: Iterable[dict], per: str = "jour", *, local: bool = False, zone: tzinfo | None = None
) -> Stats:
    """The counts of ``records``; periods are days (or weeks) of ``zone`` if given, else
    local ones if ``local``, else UTC's (``day_of``)."""
    stats = Stats()
    for record in records:
        stats.add(record, per, local, zone)
    return stats


def fact_profile(content: dict) -> list[list[str]]:
    """What ``stats`` counts of a decision's facts: ``[name, vrai|faux|inconnu]`` pairs, in
    the order ``Stats.add`` meets them (the query indexes keep it, to count by GROUP BY)."""
    facts = (content.get("faits", {}), content.get("faits_derives", {}))
    return [[n, truth_word(v)] for f in facts for n, v in f.items() if counted(v)]


def counted(value: Any) -> bool:
    """The fact values ``stats`` counts: vrai, faux and inconnu (not numbers or texts)."""
    return value is None or isinstance(value, bool)


def word(value: Any) -> str:
    """A value as users read it: vrai, faux, inconnu, a number, a text, a list."""
    if counted(value):
        return truth_word(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)
