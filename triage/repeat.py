"""Deciding only what needs deciding: the invitations a journal has already decided are set apart.

Sits in front of deciding (``pipeline.decide_batches`` asks ``Repeats.outcomes`` for each
batch): the valid records' ids are looked up in the journal at once (``Ledger.latest``: one
query per batch on the query index or PostgreSQL, or a map built by one scan), then each one
is decided (``pipeline.outcome``) or set apart as ``Known``:

- ``Rerun.CHANGED`` (the default): known when the journal's latest decision for that id had
  the same inputs (``tamis.audit.inputs``: policy, parameters, context, the invitation as it
  would be journaled), or the same policy, parameters and context and its personal data was
  erased since (the invitation cannot be compared any more, and a routine run must not undo
  an erasure);
- ``Rerun.NEW``: known whenever the journal has decided that id, whatever the policy;
- ``Rerun.ALL``: nothing is known, everything is decided again.

The ids decided in the run are remembered as they are journaled (``RunMemory``), so an
invitation given twice in one input is decided once, the first time (``Reason.SAME_RUN``),
whatever the mode but ``Rerun.ALL``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Protocol

from tamis.audit import inputs
from tamis.audit.inputs import Previous
from tamis.audit.record import minimal_invitation
from tamis.invitations.seen import SeenIds
from tamis.triage.known import Known, Reason
from tamis.triage.pipeline import Decided, InputRecord, Outcome, Setup, outcome, received_form


class Rerun(Enum):
    CHANGED = "changees"  # default: decide again only what changed
    NEW = "nouvelles"  # --nouvelles: only ids the journal has never decided
    ALL = "toutes"  # --redecider: everything


class Ledger(Protocol):
    """What a journal has decided: the latest decision of each of ``ids`` it holds."""

    def latest(self, ids: Sequence[str]) -> Mapping[str, Previous]: ...


class Repeats:
    """Set apart, batch by batch, what the journal already holds (``pipeline.Triage``)."""

    def __init__(self, setup: Setup, ledger: Ledger, rerun: Rerun, *, minimise: bool) -> None:
        self.setup, self.ledger, self.rerun, self.minimise = setup, ledger, rerun, minimise
        self.setting = inputs.setting(
            setup.policy.sha256, dict(setup.parameters), setup.context.sha256
        )
        self.started = _now()
        self.run = RunMemory()  # the ids this run decided

    def outcomes(self, batch: Sequence[InputRecord]) -> list[Outcome]:
        """Each record decided, rejected, or ``Known``, in order."""
        ids = [r.invitation.id for r in batch if r.invitation is not None and not r.errors]
        journaled = self.ledger.latest(ids) if ids else {}
        outcomes = []
        for record in batch:
            outcomes.append(self._outcome(record, journaled))
            if len(ids) > 1 and type(outcomes[-1]) is Decided:  # a later duplicate in the batch
                self.run.add(record.invitation.id, outcomes[-1].decision.action.value)
        return outcomes

    def _outcome(self, record: InputRecord, journaled: Mapping[str, Previous]) -> Outcome:
        invitation = record.invitation
        if invitation is None or record.errors:
            return outcome(self.setup, record)
        previous = journaled.get(invitation.id)
        reason = None if previous is None else self.reason(previous, record)
        if reason is None and self.run:
            previous, reason = self.decided_earlier(record)
        if reason is None:
            return outcome(self.setup, record)
        return Known(record.location, invitation, previous, reason, tuple(record.warnings))

    def reason(self, previous: Previous, record: InputRecord) -> Reason | None:
        """Why ``record`` is not decided again after ``previous``; None: decide it."""
        if self.rerun is Rerun.NEW:
            return Reason.SEEN
        if previous.setting != self.setting:
            return None
        if previous.inputs is None:
            return Reason.ERASED
        journaled = self.journaled(received_form(record))
        return Reason.SAME_INPUTS if previous.inputs == journaled else None

    def journaled(self, received: Mapping[str, Any]) -> str:
        """The inputs' digest of an invitation as this run would journal it."""
        kept = minimal_invitation(received, self.setup.policy) if self.minimise else received
        return inputs.digest(self.setting, kept)

    def decided_earlier(self, record: InputRecord) -> tuple[Previous | None, Reason | None]:
        """The run's own earlier decision of the same id: it stands (an id given twice in
        one input is decided once, the first time)."""
        ident = record.invitation.id
        action = self.run.find(ident)
        if action is None:
            return None, None
        return Previous(ident, None, self.started, action, self.setting, None), Reason.SAME_RUN

    def remember(self, decided: Sequence[Decided]) -> None:
        """The run's own decisions, once journaled: a later duplicate is known."""
        for item in decided:
            self.run.add(item.invitation.id, item.decision.action.value)


ACTIONS = ("accepter", "refuser", "ignorer", "signaler", "examiner")


class RunMemory:
    """The ids decided in this run with their action, in the reader's compact table of
    fingerprints (``SeenIds``, about 20 bytes an id: 4 MB for 200,000 invitations, where a
    set of Python ints took 14 MB); the action's index is kept where ``SeenIds`` keeps a
    place. Two ids with one fingerprint, about n² / 2⁶⁵, would be taken for one."""

    def __init__(self) -> None:
        self.ids = SeenIds()
        self.empty = True

    def __bool__(self) -> bool:
        return not self.empty

    def add(self, ident: str, action: str) -> None:
        self.ids.first(ident, ACTIONS.index(action))
        self.empty = False

    def find(self, ident: str) -> str | None:
        """The action this run decided for ``ident``, or None."""
        number = self.ids.get(ident)
        return None if number is None else ACTIONS[number]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
