"""What selects a decision record: the one ``Filter`` the scan and the query index share.

Sits between the commands' option values and both ways of answering a query (the scan in
``queries``, the SQLite projection in ``index``). ``parse_filter`` turns option values into a
``Filter``; a value it cannot use raises ``FilterError``, which carries data (which
``Criterion``, which value, which ``Problem``) and no words: the shell that took the value
(``cli/``, the service) says it in French, naming its own option or field.

Each test is written once, here, on the parts of a decision it reads, and both readers call
it: ``outcome_ok`` on an ``Outcome`` (decision, rule, motif, policy: the scan builds it from
the record, the index keeps one per distinct outcome), ``sender_ok`` on the sender's name and
URL, ``facts_ok`` on the merged facts, ``in_period`` on the time. ``matches`` is all of them on
a parsed record. The index only translates the filter's plain data (an invitation id, time
bounds) into SQL comparisons, and calls the other tests from SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import PurePath
from typing import NamedTuple, TypeAlias

from tamis.invitations.models import OUTGOING, composed  # NFC accents, as in policies

Json: TypeAlias = "str | int | float | bool | list[Json] | dict[str, Json] | None"
"""A value as a journal record holds it (parsed JSON)."""

DECISIONS = ("accepter", "refuser", "ignorer", "signaler", "examiner")
_TRUTH = {"vrai": True, "faux": False, "inconnu": None}


class Criterion(Enum):
    """Which part of a filter a value was given for (the shell names its option)."""

    DECISION = "decision"
    RULE = "regle"
    FACT = "fait"
    SENDER = "expediteur"
    SINCE = "depuis"
    UNTIL = "jusqu_a"
    POLICY = "politique"
    INVITATION = "id"


class Problem(Enum):
    """What is wrong with a filter value."""

    UNKNOWN_DECISION = "decision_inconnue"  # not one of ``DECISIONS``
    BAD_DATE = "date_illisible"  # not AAAA-MM-JJ or AAAA-MM-JJTHH:MM
    BAD_FACT = "fait_mal_forme"  # not NOM or NOM=VALEUR
    NOT_TEXT = "pas_du_texte"  # bytes that are not UTF-8 (a terminal in another encoding)
    UNKNOWN_FACT = "fait_inconnu"  # a fact name nothing knows (``triage.fact_names``)
    FACT_VALUE = "valeur_impossible"  # a value the fact never has (``triage.fact_names``)
    NO_SUCH_TIME = "heure_inexistante"  # skipped where a page's zone moves its clocks forward
    AMBIGUOUS_TIME = "heure_ambigue"  # there twice where a page's zone moves its clocks back


class FilterError(ValueError):
    """A filter value that cannot be used: ``criterion``, ``value`` (as given), ``problem``."""

    def __init__(
        self, criterion: Criterion, value: str, problem: Problem, near: tuple[str, ...] = ()
    ) -> None:
        super().__init__(f"{criterion.value}: {problem.value}: {value!r}")
        self.criterion, self.value, self.problem = criterion, value, problem
        self.near = near  # UNKNOWN_FACT: the closest known names, closest first; *_TIME:
        # the zone's names before and after the change (AMBIGUOUS_TIME: then both times, each
        # with its offset)

    @property
    def shown(self) -> str:
        """The value as text a terminal can print (bytes that are not UTF-8 as ``\\xff``)."""
        return self.value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class Outcome(NamedTuple):
    """What many decisions share: the decision, its rule and motif, the recorded policy."""

    decision: Json
    rule: Json
    motif: Json
    policy: Mapping[str, Json]  # ``{}`` if none

    @classmethod
    def of(cls, content: Mapping[str, Json]) -> Outcome:
        """The outcome of a decision record's ``contenu``."""
        policy = content.get("politique")
        return cls(
            content.get("decision"),
            content.get("regle"),
            content.get("motif"),
            policy if isinstance(policy, dict) else {},
        )

    @property
    def policy_name(self) -> Json:
        return self.policy.get("nom")


class Sender(NamedTuple):
    """The sender's name and profile URL as recorded (anything but text counts as absent)."""

    name: Json
    url: Json

    @classmethod
    def of(cls, content: Mapping[str, Json], role: str = "expediteur") -> Sender:
        """The sender; with ``role="destinataire"``, the recipient of a request to send."""
        invitation = content.get("invitation") or {}
        sender = (invitation.get(role) if isinstance(invitation, dict) else None) or {}
        if not isinstance(sender, dict):
            return cls(None, None)
        return cls(sender.get("nom"), sender.get("profil_url"))

    @classmethod
    def person(cls, content: Mapping[str, Json]) -> Sender:
        """The other person, whom ``--expediteur`` names: the sender of a received invitation,
        the recipient of a request to send (``sens = "sortante"``, whose sender is the user),
        as ``advice.matches`` reads the recipient of advice. Erasing a person's data must
        reach the requests sent to them (their name and profile URL are in ``destinataire``)."""
        recipient = cls.request(content)
        return cls.of(content) if recipient is None else recipient

    @classmethod
    def request(cls, content: Mapping[str, Json]) -> Sender | None:
        """The recipient of a request to send (``sens = "sortante"``: its sender is the
        user), ``Sender(None, None)`` if it names none; None for any other decision (an
        invitation received, or whose ``sens`` went with its erasure)."""
        invitation = content.get("invitation")
        if isinstance(invitation, dict) and invitation.get("sens") == OUTGOING:
            return cls.of(content, "destinataire")
        return None

    @property
    def shown(self) -> Json:
        """Who sent it, for a row: the name, else the URL."""
        return self.name or self.url


def merged_facts(content: Mapping[str, Json]) -> dict[str, Json]:
    """A decision's facts and derived facts in one mapping (what the ``fait`` tests read)."""
    facts, derived = content.get("faits"), content.get("faits_derives")
    return {
        **(facts if isinstance(facts, dict) else {}),
        **(derived if isinstance(derived, dict) else {}),
    }


@dataclass(frozen=True)
class FactTest:
    name: str
    expected: str | None = None  # None: the fact must be vrai

    def matches(self, facts: Mapping[str, Json]) -> bool:
        if self.name not in facts:
            return False
        return value_matches(facts[self.name], "vrai" if self.expected is None else self.expected)


@dataclass(frozen=True)
class Filter:
    decisions: frozenset[str] = frozenset()
    rules: frozenset[str] = frozenset()
    facts: tuple[FactTest, ...] = ()
    sender: str | None = None
    since: str | None = None  # horodatage >= since
    until: str | None = None  # horodatage < until
    policy: str | None = None
    invitation: str | None = None
    invitation_prefix: str | None = None  # the id starts with it
    latest: bool = False  # only each invitation's latest decision in the journal: the
    # readers apply it (index, scan, SQL; ``matches`` cannot see other records), so that
    # ``stats`` counts an invitation once however often it was decided

    @property
    def on_outcome(self) -> bool:
        """True if ``outcome_ok`` can rule anything out."""
        return bool(self.decisions or self.rules) or self.policy is not None

    def matches(self, record: Mapping[str, Json]) -> bool:
        """Every test, on a parsed record (only ``decision`` records pass)."""
        content = record["contenu"]
        assert isinstance(content, dict)
        moment = record.get("horodatage", "")
        return (
            record.get("evenement") == "decision"
            and self.in_period(moment if isinstance(moment, str) else "")
            and (self.invitation is None or content.get("id") == self.invitation)
            and (self.invitation_prefix is None or self.prefix_ok(content.get("id")))
            and (not self.on_outcome or self.outcome_ok(Outcome.of(content)))
            and (not self.facts or self.facts_ok(merged_facts(content)))
            and (self.sender is None or self.sender_ok(*Sender.person(content)))
        )

    def in_period(self, horodatage: str) -> bool:
        return (self.since is None or horodatage >= self.since) and (
            self.until is None or horodatage < self.until
        )

    def prefix_ok(self, invitation: Json) -> bool:
        """The id starts with ``invitation_prefix`` (``pourquoi`` with the start of an id)."""
        prefix = self.invitation_prefix
        return prefix is None or (isinstance(invitation, str) and invitation.startswith(prefix))

    def outcome_ok(self, outcome: Outcome) -> bool:
        """The ``decision``, ``regle`` and ``politique`` tests."""
        return (
            (not self.decisions or outcome.decision in self.decisions)
            and (not self.rules or outcome.rule in self.rules)
            and (self.policy is None or policy_matches(outcome.policy, self.policy))
        )

    def policy_ok(self, policy: Mapping[str, Json]) -> bool:
        """The ``politique`` test on a recorded policy (``{}`` if none)."""
        return self.policy is None or policy_matches(policy, self.policy)

    def facts_ok(self, facts: Mapping[str, Json]) -> bool:
        """The ``fait`` tests on a decision's facts and derived facts, merged."""
        return all(test.matches(facts) for test in self.facts)

    def sender_ok(self, name: Json, url: Json) -> bool:
        """The ``expediteur`` test, on ``Sender.person``: part of the name or URL, case left
        aside, and accents however written (the invitation is recorded as received: « é »
        may be two code points there, and one in the query, or the other way round)."""
        if self.sender is None:
            return True
        wanted = self.sender.casefold()
        return any(
            isinstance(text, str) and wanted in composed(text).casefold() for text in (name, url)
        )


def value_matches(value: Json, expected: str) -> bool:
    """``NOM=VALEUR``: vrai/faux/inconnu, a number, a text, or a member of a list."""
    word = expected.strip().casefold()
    if word in _TRUTH:
        return value is _TRUTH[word] if isinstance(value, bool) or value is None else False
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = number_given(expected)
        return number is not None and value == number
    if isinstance(value, list):
        return any(str(item).casefold() == word for item in value)
    return isinstance(value, str) and value.casefold() == word


def number_given(text: str) -> float | None:
    """The number ``NOM=VALEUR`` gives (``0,5`` or ``0.5``), None for a text that is none."""
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def policy_matches(policy: Mapping[str, Json], query: str) -> bool:
    """By name, by path, by file name with or without its ``.tamis`` (« blogue » for
    ``policies/blogue.tamis``: the name a user calls it by, which found nothing), or by a
    prefix of at least 6 of the sha256's digits."""
    path = policy.get("chemin")
    path = path if isinstance(path, str) else ""
    sha = policy.get("sha256")
    sha = sha if isinstance(sha, str) else ""
    file = PurePath(path)
    stem = file.stem if file.suffix == ".tamis" else None
    return query in (policy.get("nom"), path, file.name, stem) or (
        len(query) >= 6 and sha.startswith(query.lower())
    )


def parse_filter(
    *,
    decisions: Iterable[str] = (),
    rules: Iterable[str] = (),
    facts: Iterable[str] = (),
    sender: str | None = None,
    since: str | None = None,
    until: str | None = None,
    policy: str | None = None,
    invitation: str | None = None,
    invitation_prefix: str | None = None,
) -> Filter:
    """A ``Filter`` from option values; a value it cannot use raises ``FilterError``."""
    return Filter(
        frozenset(_decision(d) for d in decisions),
        frozenset(_text(rule, Criterion.RULE) for rule in rules),
        tuple(_fact(_text(f, Criterion.FACT)) for f in facts),
        _optional(None if sender is None else sender_part(sender), Criterion.SENDER),
        _bound(since, Criterion.SINCE, end=False) if since else None,
        _bound(until, Criterion.UNTIL, end=True) if until else None,
        _optional(policy, Criterion.POLICY),
        _optional(invitation, Criterion.INVITATION),
        _optional(invitation_prefix, Criterion.INVITATION),
    )


def sender_part(query: str) -> str:
    """What to look for in a sender's name or URL: a pasted profile URL keeps from
    ``linkedin.com/`` on (the scheme, ``www.`` or ``ca.`` and a ``?trk=…`` left aside), else
    loses its scheme and ``www.``; a final ``/`` goes too, which recorded URLs may write
    otherwise. A query that would be left empty (spaces) is kept as given: it never matches
    everything (``effacer --expediteur``)."""
    text = query.strip()
    at = text.casefold().find("linkedin.com/")
    if at >= 0:
        text = text[at:].split("?", 1)[0].split("#", 1)[0]
    for start in ("https://", "http://", "www."):
        text = text[len(start) :] if text.lower().startswith(start) else text
    return text.rstrip("/") or text or query


def _optional(value: str | None, criterion: Criterion) -> str | None:
    return None if value is None else _text(value, criterion)


_RAW = frozenset({Criterion.INVITATION, Criterion.POLICY})  # compared as recorded, byte for byte


def _text(value: str, criterion: Criterion) -> str:
    """``value`` unless it holds bytes that are not UTF-8 text (a terminal in another
    encoding: the shell hands them over as lone surrogates), which no record can contain;
    its accents composed (NFC) but for an invitation id or a policy path, kept as given."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise FilterError(criterion, value, Problem.NOT_TEXT) from None
    return value if criterion in _RAW else composed(value)


def _decision(text: str) -> str:
    word = text.strip().lower()
    if word not in DECISIONS:
        raise FilterError(Criterion.DECISION, text, Problem.UNKNOWN_DECISION)
    return word


def _fact(text: str) -> FactTest:
    name, sep, value = text.partition("=")
    if not name.strip():
        raise FilterError(Criterion.FACT, text, Problem.BAD_FACT)
    return FactTest(name.strip(), value.strip() if sep else None)


AFTER_ALL, BEFORE_ALL = "~", "0"
"""Bounds past the end of year 9999 and before year 1: after and before every ``horodatage``
(ISO texts compared as text, by ``matches`` and by PostgreSQL's ``COLLATE "C"``)."""


def _bound(text: str, criterion: Criterion, *, end: bool) -> str:
    """An ISO string bound on ``horodatage`` (UTC): a day, or a date and time. A bound that
    ``datetime`` cannot write (« jusqu'au 9999-12-31 » is before the next day) is past its
    last moment or before its first one."""
    try:
        return _iso_bound(text.strip(), end)
    except ValueError:
        raise FilterError(criterion, text, Problem.BAD_DATE) from None
    except OverflowError:  # beyond year 9999, or before year 1, once in UTC
        return AFTER_ALL if text.strip().startswith("9999") else BEFORE_ALL


def _iso_bound(text: str, end: bool) -> str:
    if len(text) == 10:
        return (date.fromisoformat(text) + timedelta(days=1 if end else 0)).isoformat()
    moment = datetime.fromisoformat(text)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    moment += timedelta(microseconds=1 if end else 0)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
