"""The service's one door into the application layer (``tamis.triage``) and the audit queries.

Everything the HTTP routes need from the flow goes through these functions: loading a
workspace's policy, deciding parsed records with the journal, explaining, searching,
counting, replaying and validating. The routes hold no engine or journal logic, and when
``tamis.triage`` changes shape only this module follows. Each function returns JSON-ready
values with French keys; failures are ``PolicyRefused`` (diagnostics) or the layer's own
errors, which ``workspaces`` and the routes turn into HTTP answers.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, NamedTuple

from tamis.audit import why
from tamis.audit.errors import JournalError
from tamis.audit.filters import DECISIONS, Criterion, Filter, FilterError, Problem, parse_filter
from tamis.audit.journal import Journal, Pending, open_journal
from tamis.audit.postgres.answers import Answer, Answered
from tamis.audit.postgres.backend import search_any, stats_any
from tamis.audit.postgres.url import is_url
from tamis.audit.sink import parse_durability
from tamis.audit.torn import tail_refused
from tamis.engine.engines import EngineUnavailable, parse_engine
from tamis.engine.parameters import ParameterError
from tamis.grammar.format import format_policy
from tamis.grammar.load import UnreadablePolicy, UnsettledPolicy, decode_policy, read_settled
from tamis.grammar.parse import parse_policy
from tamis.invitations.context import ContextError
from tamis.invitations.reader import Record, read_invitations
from tamis.service.config import Journal as JournalName
from tamis.service.config import WorkspaceConfig
from tamis.service.group_commit import GroupCommit
from tamis.service.idempotence import Reply
from tamis.triage.fact_names import check_fact_names, recorded_facts
from tamis.triage.pipeline import (
    Decided,
    PolicyInvalid,
    Rejected,
    Setup,
    SetupOptions,
    outcome,
    prepare,
    result_json,
)
from tamis.triage.replay import replay as replay_records
from tamis.triage.replay import replay_journal
from tamis.triage.rule_names import json_warnings
from tamis.triage.rule_names import rule_notes as triage_rule_notes
from tamis.triage.texts import policy_diagnostics, prepare_text, records_of_objects

__all__ = [
    "DECISIONS",
    "Answer",
    "Answered",
    "Criterion",
    "FilterError",
    "Journal",
    "JournalError",
    "Problem",
    "Record",
]

SETUP_ERRORS = (PolicyInvalid, ContextError, ParameterError, EngineUnavailable)


class PolicyRefused(Exception):
    """A policy (or its context) that cannot be put in force: French text and diagnostics.
    ``of_policy`` is False when the policy is sound but its context, parameters or engine
    are not: a message that called the policy unusable would send one to the wrong file."""

    def __init__(
        self, message: str, diagnostics: list[dict[str, Any]], of_policy: bool = True
    ) -> None:
        super().__init__(message)
        self.message, self.diagnostics, self.of_policy = message, diagnostics, of_policy


@dataclass(frozen=True)
class LoadedPolicy:
    """A workspace's policy in force: what deciding needs, and when it was loaded."""

    setup: Setup
    loaded_at: str  # ISO 8601, UTC
    engine: str

    @property
    def sha256(self) -> str:
        return self.setup.policy.sha256

    @property
    def source(self) -> str:
        return self.setup.policy.source

    def describe(self) -> dict[str, Any]:
        policy = self.setup.policy
        return {
            "nom": policy.name,
            "chemin": policy.path,
            "sha256": policy.sha256,
            "source": policy.source,
            "parametres": {k: _plain(v) for k, v in self.setup.parameters.items()},
            "moteur": self.engine,
            "chargee_le": self.loaded_at,
        }


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class PolicyUnsettled(PolicyRefused):
    """A policy file caught being written: still changing, or empty while the policy in
    force is not (an editor saving in place empties the file first). The policy in force
    stays; the reload is tried again once the file has settled (``server``)."""


def load_policy(
    workspace: WorkspaceConfig, in_force: LoadedPolicy | None = None, held: str | None = None
) -> LoadedPolicy:
    """The workspace's policy, context and parameters, checked; ``PolicyRefused`` if not.
    The file is read once it has settled (``read_settled``); ``PolicyUnsettled`` if it does
    not, or if it is empty while ``in_force`` (the policy it would replace) is not.
    ``held``: the policy's text as the service already read and checked it (a worker's
    start: ``server.check``), used instead of reading the file."""
    path = workspace.policy
    try:
        source = held if held is not None else decode_policy(read_settled(Path(path)))
    except UnsettledPolicy as error:
        raise PolicyUnsettled(f"{path} : {error}", []) from None
    except UnreadablePolicy:
        source = None  # ``prepare`` reads it again and says why, as a diagnostic
    if source is not None and not source.strip() and in_force and in_force.source.strip():
        raise PolicyUnsettled(
            f"{path} : fichier vide, alors que la politique en vigueur (SHA-256 "
            f"{in_force.sha256[:12]}…) ne l'est pas : enregistrement en cours ? Elle reste en "
            "vigueur.",
            [],
        )
    try:
        setup = prepare(setup_options(workspace, str(path)), source)
    except SETUP_ERRORS as error:
        raise refused(error) from None
    return LoadedPolicy(setup, now(), workspace.engine)


def setup_options(workspace: WorkspaceConfig, policy_path: str) -> SetupOptions:
    """The workspace's context, engine and parameters, for the policy at ``policy_path``;
    raises ``EngineUnavailable``."""
    context = str(workspace.context) if workspace.context else None
    engine = parse_engine(workspace.engine)
    return SetupOptions(
        policy_path,
        context,
        engine,
        workspace.overrides,
        workspace.parameters,
        f"« espaces.{workspace.name}.parametres »",
    )


def refused(error: Exception) -> PolicyRefused:
    if isinstance(error, PolicyInvalid):
        return PolicyRefused(str(error), [d.to_json() for d in error.diagnostics])
    return PolicyRefused(str(error), [], of_policy=False)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@contextlib.contextmanager
def journal_for(where: JournalName, durability: str, warn) -> Iterator[Journal]:
    """The workspace's journal, open for the life of the service (synced when closed).

    A PostgreSQL journal connects at its first batch, not here, and reconnects by itself
    (``postgres.sink``): a worker started while the server is down serves, answering 503
    until it is back, instead of failing to start (``check_journal`` is for the start)."""
    if isinstance(where, str):
        from tamis.audit.chain import ChainHead
        from tamis.audit.postgres.sink import PostgresSink

        head = ChainHead()
        journal = Journal(PostgresSink(where, head), head)
        try:
            yield journal
        finally:
            journal.close()
        return
    with open_journal(where, durability=parse_durability(durability), warn=warn) as journal:
        yield journal


def check_journal(where: JournalName, warn) -> None:
    """Before the service starts: a PostgreSQL journal can be reached and has this schema
    (a French ``JournalError`` otherwise), and ``warn`` says if it would not verify, as
    opening a file journal does (``workspaces`` opens a file journal, which checks it)."""
    if isinstance(where, str):
        from tamis.audit.postgres import integrity, query

        query.check(where)
        integrity.warn_if_damaged(where, warn)


def journal_available(where: JournalName) -> bool:
    """For ``/sante``: a PostgreSQL journal answers now; a file journal is writable and its
    end is one the next decision can be chained to (not damaged by another program)."""
    if isinstance(where, str):
        from tamis.audit.postgres.sink import reachable

        return reachable(where)
    path = Path(where)
    return path.exists() and os.access(path, os.W_OK) and not tail_refused(path)


def records_from_json(objects: Sequence[object]) -> list[Record]:
    return records_of_objects(objects, "corps")


def records_from_lines(text: str) -> list[Record]:
    """JSON Lines, one record per non-blank line (a line that is not JSON is its own error)."""
    return list(read_invitations(io.StringIO(text), name="corps"))


def whole_body_problem(records: list[Record]) -> str | None:
    """The reader's objection to the body as a whole (not an Invitations.csv export, an
    unreadable header, a single line that is not JSON), if that is all it found."""
    if len(records) != 1:
        return None
    record = records[0]
    if record.invitation is None and record.raw is None and record.line in (None, 1):
        return record.errors[0] if record.errors else None
    return None


def records_from_csv(text: str, sens: str) -> list[Record]:
    return list(read_invitations(io.StringIO(text), name="Invitations.csv", sens=sens))


@dataclass(frozen=True)
class Outcome:
    """One input record's answer: its decision JSON, or its French errors."""

    index: int
    line: int | None
    result: dict[str, Any] | None
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    action: str | None
    rule: str | None
    seq: int | None = None  # its journal record's, once journaled
    undecided: bool = False  # a valid invitation the engine could not decide (``errors``)


def decide(
    loaded: LoadedPolicy,
    appends: GroupCommit,
    records: list[Record],
    *,
    trace: bool,
    deciding: threading.Lock,
) -> list[Outcome]:
    """Decide every valid record (under ``deciding``: one engine run at a time), then append
    the decisions to the journal (``appends``: in one write with other requests' that wait
    for it), before returning; invalid records come back with their errors, in input order."""
    setup = loaded.setup
    with deciding:
        outcomes = [outcome(setup, record) for record in records]
    decided = [o for o in outcomes if type(o) is Decided]
    written: list[dict] = []
    if decided:
        written = appends.record_decisions(
            decided, policy=setup.policy, context_sha256=setup.context.sha256
        )
    seqs = iter([record["seq"] for record in written])
    return [
        _outcome(index, record, found, loaded, trace, next(seqs) if type(found) is Decided else 0)
        for index, (record, found) in enumerate(zip(records, outcomes, strict=True))
    ]


class Decisions(NamedTuple):
    """A request's records decided but not yet journaled: what is answered, what is written."""

    outcomes: list[Outcome]
    decided: list[Decided]


def decide_apart(
    loaded: LoadedPolicy, records: list[Record], *, trace: bool, deciding: threading.Lock
) -> Decisions:
    """Decide every valid record (under ``deciding``, as ``decide``), journaling nothing
    (``GroupCommit.write_keyed`` does, with the answer), so that the answer can be built before the
    transaction that keeps both."""
    setup = loaded.setup
    with deciding:
        found = [outcome(setup, record) for record in records]
    outcomes = [
        _outcome(index, record, outcome, loaded, trace)
        for index, (record, outcome) in enumerate(zip(records, found, strict=True))
    ]
    return Decisions(outcomes, [o for o in found if type(o) is Decided])


def prepared(appends: GroupCommit, loaded: LoadedPolicy, decided: list[Decided]) -> list[Pending]:
    """The records of ``decided``, ready for ``appends`` (built, rendered, hashed: no lock)."""
    setup = loaded.setup
    return appends.prepare(decided, policy=setup.policy, context_sha256=setup.context.sha256)


def answer_in_database(
    journal: Journal, key: str, fingerprint: str, write: Callable[[], Reply]
) -> bytes | Answered:
    """In one transaction of a PostgreSQL journal: ``write()`` (it journals, and returns the
    answer) and its answer kept for ``key``; or, if any instance kept an answer for ``key``
    already, that one (``Answered``), nothing written."""
    with journal.sink.answering([key]) as keyed:  # type: ignore[attr-defined]
        found = keyed.found.get(key)
        if found is not None:
            return found
        reply = write()
        keyed.keep(Answer(key, fingerprint, reply.body, reply.seqs))
        return reply.body


def _outcome(
    index: int,
    record: Record,
    outcome: Decided | Rejected,
    loaded: LoadedPolicy,
    trace: bool,
    seq: int | None = None,
) -> Outcome:
    """``seq``: the decision's journal record (None or 0: not journaled yet, or rejected)."""
    if isinstance(outcome, Rejected):
        errors, warnings, undecided = outcome.errors, outcome.warnings, outcome.undecided
        return Outcome(index, record.line, None, errors, warnings, None, None, None, undecided)
    result = result_json(outcome, trace=trace)
    decision = outcome.decision
    action, label = decision.action.value, decision.label
    return Outcome(index, record.line, result, (), outcome.warnings, action, label, seq or None)


def explain(journal: JournalName, ident: str, warn) -> list[dict[str, Any]]:
    """``tamis journal pourquoi ID --format json``: one explanation per recorded decision."""
    return [why.explanation(found) for found in _find_decisions(journal, ident, warn)]


def _find_decisions(journal: JournalName, ident: str, warn) -> list[why.Found]:
    """The decisions recorded for ``ident``: a file's through its index, PostgreSQL's by SQL."""
    if not is_url(journal):
        return why.find_decisions(journal, ident, warn)
    from tamis.audit.postgres import query

    return query.find_decisions(str(journal), ident, warn)


def _selected(journal: JournalName, flt: Filter, warn) -> Iterator[dict]:
    """The decision records ``flt`` matches, in order, from a PostgreSQL journal's SQL."""
    from tamis.audit.postgres import query

    return query.select(str(journal), flt, warn)


def make_filter(**values: Any) -> Filter:
    """The filter of ``tamis journal chercher``; raises ``FilterError`` (data, no words)."""
    return parse_filter(**values)


def check_facts(journal: JournalName, flt: Filter, warn) -> None:
    """``FilterError`` for a ``fait`` name neither the vocabulary nor the journal knows
    (``triage.fact_names``): it would match nothing, without a word."""
    if flt.facts:
        check_fact_names(flt, lambda: recorded_facts(journal, warn))


def rule_notes(journal: JournalName, flt: Filter, warn) -> list[tuple[str, str]]:
    """Once a search found nothing: each ``regle`` no decision of the journal names, with
    the sentence that says so (``triage.rule_names``), for the shell to put after its name."""
    return triage_rule_notes(str(journal), flt, warn)


def search(journal: JournalName, flt: Filter, after: int, limit: int, warn) -> list[dict[str, Any]]:
    """Up to ``limit`` rows of ``chercher`` whose ``seq`` is above ``after``, in order."""
    # from the page's first number, in this process (no fork in a worker)
    found = search_any(str(journal), flt, warn, after=after, processes=1)
    return list(itertools.islice(found, limit))


def stats(
    journal: JournalName, flt: Filter, per: str, warn, zone: tzinfo | None = None
) -> dict[str, Any]:
    """``tamis journal stats --utc --format json``, ``avertissements`` included; periods of
    ``zone`` if given (a workspace's ``fuseau``, for its pages)."""
    found = stats_any(str(journal), flt, per, warn, zone=zone)
    notes = [] if found.total else rule_notes(journal, flt, warn)
    return {**found.as_dict(), "avertissements": json_warnings(notes)}


def replay(
    workspace: WorkspaceConfig, source: str, journal: JournalName, flt: Filter, warn
) -> dict[str, Any]:
    """``tamis rejouer --format json`` with a policy text, ``avertissements`` included;
    nothing is written."""
    try:
        setup = prepare_text(source, setup_options(workspace, "politique-proposee.tamis"))
    except SETUP_ERRORS as error:
        raise refused(error) from None
    if is_url(journal):
        report = replay_records(setup, _selected(journal, flt, warn), flt)
    else:
        report = replay_journal(setup, journal, flt, warn)
    notes = rule_notes(journal, flt, warn) if report.found_nothing else []
    return {**report.to_json(), "avertissements": json_warnings(notes)}


def syncs(journal: Journal) -> int:
    return journal.sink.syncs


def record_policy(journal: Journal, loaded: LoadedPolicy) -> bool:
    """Write the policy now in force to the journal if it names another; True if written."""
    return journal.record_policy(loaded.setup.policy) is not None


def validate(source: str, name: str) -> list[dict[str, Any]]:
    """``tamis valider --format json`` on a policy text."""
    return [d.to_json() for d in policy_diagnostics(source, name)]


class Recorded(NamedTuple):
    """A decision's invitation as received (None once erased) and its erasure (``le``,
    ``motif``, ``seq``; None while its personal data are in the journal)."""

    invitation: dict[str, Any] | None
    erasure: dict[str, Any] | None


def recorded_invitations(journal: JournalName, ident: str, warn) -> dict[int, Recorded]:
    """For each decision recorded for invitation ``ident``: its ``seq`` and what was recorded
    of the invitation, for the pages that show more than the search rows."""
    found = _find_decisions(journal, ident, warn)
    contents = ((f.record.get("seq"), f.record.get("contenu", {})) for f in found)
    return {seq: Recorded(c.get("invitation"), c.get("effacement")) for seq, c in contents}


def formatted(source: str) -> str | None:
    """``tamis formater`` on a policy text (None when it does not parse)."""
    policy, _diagnostics = parse_policy(source, "politique.tamis")
    return None if policy is None else format_policy(policy)
