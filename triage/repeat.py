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

The ids decided in the run are remembered as they are journaled, so an invitation given
twice in one input is decided once, the first time (``Reason.SAME_RUN``), whatever the mode
but ``Rerun.ALL``. They are marked with their action in the reader's own table of the ids it
met (``tamis.invitations.seen.SeenIds``, passed to both): one compact table for the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any, Protocol

from tamis.audit import inputs
from tamis.audit.inputs import Previous
from tamis.audit.record import minimal_invitation
from tamis.invitations.seen import SeenIds
from tamis.triage.known import Known, Reason
from tamis.triage.pipeline import Decided, InputRecord, Outcome, Setup, outcome, received_form

ACTIONS = ("accepter", "refuser", "ignorer", "signaler", "examiner")  # marks 1 to 5
_MARKS = {action: number for number, action in enumerate(ACTIONS, start=1)}


class Rerun(Enum):
    CHANGED = "changees"  # default: decide again only what changed
    NEW = "nouvelles"  # --nouvelles: only ids the journal has never decided
    ALL = "toutes"  # --redecider: everything


class Ledger(Protocol):
    """What a journal has decided: the latest decision of each of ``ids`` it holds."""

    def latest(self, ids: Sequence[str]) -> Mapping[str, Previous]: ...


class Repeats:
    """Set apart, batch by batch, what the journal already holds (``pipeline.Triage``)."""

    def __init__(
        self,
        setup: Setup,
        ledger: Ledger,
        rerun: Rerun,
        *,
        minimise: bool,
        seen: SeenIds | None = None,
    ) -> None:
        """``seen``: the reader's table of the ids it met (``read_invitations(seen=…)``),
        where the run marks what it decided; a table of its own when None."""
        self.setup, self.ledger, self.rerun, self.minimise = setup, ledger, rerun, minimise
        self.setting = inputs.setting(
            setup.policy.sha256, dict(setup.parameters), setup.context.sha256
        )
        self.seen = SeenIds() if seen is None else seen
        self.decided_any = False  # whether ``seen`` marks anything yet

    def outcomes(self, batch: Sequence[InputRecord]) -> list[Outcome]:
        """Each record decided, rejected, or ``Known``, in order."""
        ids = [r.invitation.id for r in batch if r.invitation is not None and not r.errors]
        journaled = self.ledger.latest(ids) if ids else {}
        outcomes = []
        for record in batch:
            outcomes.append(self._outcome(record, journaled))
            if len(ids) > 1 and type(outcomes[-1]) is Decided:  # a later duplicate in the batch
                self.remember(outcomes[-1:])  # type: ignore[arg-type]
        return outcomes

    def _outcome(self, record: InputRecord, journaled: Mapping[str, Previous]) -> Outcome:
        invitation = record.invitation
        if invitation is None or record.errors:
            return outcome(self.setup, record)
        previous = journaled.get(invitation.id)
        reason = None if previous is None else self.reason(previous, record)
        if reason is None and self.decided_any:
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
        mark = self.seen.marked(ident)
        if not mark:
            return None, None
        action = ACTIONS[mark - 1]
        return Previous(ident, None, None, action, self.setting, None), Reason.SAME_RUN

    def remember(self, decided: Sequence[Decided]) -> None:
        """The run's own decisions, once journaled: a later duplicate is known. The first
        decision of an id stands (a later one comes only with ``Rerun.ALL``, not here)."""
        for item in decided:
            self.seen.mark(item.invitation.id, _MARKS[item.decision.action.value])
        self.decided_any = self.decided_any or bool(decided)
