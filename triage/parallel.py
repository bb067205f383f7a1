"""Deciding a large input on several processes: workers decide, this process keeps the order.

Sits beside ``pipeline.decide_batches`` and gives the same outcomes, in the same order, with
the same journal records: ``tamis decider --processus N`` on a large file. The work is cut
where it can go to other processes without changing a byte:

- **here** (sequential): cutting the input into records (``reader.read_texts``: JSON texts
  come as ``Unread``; LinkedIn's CSV rows are read and validated here, with their
  duplicate warnings), the ids met in input order (``SeenIds``: duplicates, « plus haut
  dans cette entrée »), what the journal already holds (``repeat.Repeats``: the ledger,
  « déjà décidée », ``--nouvelles``), numbering, chaining and writing the journal
  (``Journal.append_rendered``), and handing the outcomes back in input order;
- **in the workers**, for each JSON text (a JSON Lines line, an array's element): reading
  and validating it (``unread_record``, the reader's own); then for each invitation (a
  text's, or the JSON bytes of one read here): facts, decision and explanation
  (``pipeline.outcome``), the journal record's content rendered by the audit layer's own
  serialiser (``personal.rendered``: bytes and the commitment, since a hash state cannot
  cross processes), and the line the shell prints (its ``render``).

Only bytes, text and tuples cross between processes, never an ``Explained``: each worker
sends back, per invitation, a ``Work`` tuple (the printed line, the rendered record, its
action), with the id, the warnings or the errors of a text (``Read``). A batch is journaled
before it is handed back, so nothing is printed that is not in the journal.

A text's id is known only once a worker has read it, so a duplicate is found when its
results come back, in input order: its warning is added there, and with a ``Repeats`` its
decision is dropped (the first occurrence's stands, « plus haut dans cette entrée »). When
the journal may hold decisions (``nothing_known``), the id each text seems to have is peeked
at here (``peek_id``: the JSON parsed, nothing validated: validating never changes an id)
and looked up, one query per batch; only a text whose id the journal has decided is read
here (``Settled`` when that decision stands), so that a known invitation is not decided for
nothing.

Several batches are in flight at once (``IN_FLIGHT`` per worker), so the id of a record read
here (a LinkedIn CSV row) met again before its first decision came back is set apart as
decided « plus haut dans cette entrée » once it has (``Later``), as ``Repeats`` would have.

The workers are forked when the pool starts, before the journal starts its sync thread
(``start_pool`` is entered first): a fork after a thread has started may copy a held lock.
They inherit the run's ``Setup`` instead of receiving it, and ignore Ctrl-C (this process
stops them). A worker that dies ends the run with ``WorkerStopped`` (``workers``: each has a
pipe of its own, so its death is seen whatever it was doing).
"""

# No ``from __future__ import annotations``: typing builds NamedTuple classes from their
# annotations and compiles each one written as a string (≈ 0.07M instructions a field, 22
# here, every start); only those naming the pool's types, imported with it, are strings.
import contextlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, NamedTuple, Protocol

import orjson

from tamis.audit import personal
from tamis.audit import record as schema
from tamis.audit.inputs import Previous
from tamis.engine.engines import EngineFailed, undecided
from tamis.grammar.checked import CheckedPolicy
from tamis.invitations.models import Invitation
from tamis.invitations.reader import (
    Unread,
    duplicate,
    noted_duplicate,
    parsed_record,
    unread_record,
    usual_invitation,
)
from tamis.invitations.seen import SeenIds
from tamis.invitations.validation import validate
from tamis.triage.allocator import (
    TRIM_EVERY,
    c_library,
    fixed_thresholds,
    kept_in_heap,
    trimmer,
)
from tamis.triage.known import Known, Reason
from tamis.triage.pipeline import (
    Decided,
    InputRecord,
    Rejected,
    Setup,
    decide_invitation,
    received_form,
)
from tamis.triage.repeat import ACTIONS, Repeats

if TYPE_CHECKING:  # imported when a pool starts: a small input never pays for them
    from tamis.processes.workers import Task, WorkerPool

IN_FLIGHT = 2  # batches in flight per worker: one decided while the other's result comes back


Work = tuple[bytes, bytes, int, str, int]
"""What a worker sends back for one invitation: the line the shell prints, then the journal
record's start as ``personal.Rendered`` has it (``head``, ``cut``, ``commitment``), then its
action, 1 to 5 (``repeat.ACTIONS``). A plain tuple: it pickles in half the time of a
``NamedTuple``, and a batch of them crosses the pipe as one message."""
LINE, HEAD, CUT, COMMITMENT, MARK = range(5)


class Done(NamedTuple):
    """A decided invitation as this process sees it: journaled, with its printed line."""

    location: str
    ident: str
    line: bytes
    action: str  # accepter, refuser…
    warnings: tuple[str, ...] = ()


Outcome = Done | Rejected | Known


@dataclass(frozen=True)
class WorkerSetup:
    """What every worker inherits at the fork: the run's ``Setup``, how a decision is printed
    (the shell's ``render``), and what the journal's contents need."""

    setup: Setup
    render: Callable[[Decided], bytes]
    minimise: bool


class Writer(Protocol):
    """The journal (``tamis.audit.journal.Journal``) as the parallel path uses it."""

    def append_rendered(
        self, rendered: Sequence[personal.Rendered], *, policy: CheckedPolicy
    ) -> None: ...


_WORKER: WorkerSetup | None = None  # set in each worker by ``_enter`` (inherited, not sent)


def _enter(state: WorkerSetup) -> None:
    """A worker's start: keep the run's setup (Ctrl-C is the main process's to handle:
    ``WorkerPool``'s workers ignore it), and its batches' memory in its heap
    (``allocator.kept_in_heap``)."""
    global _WORKER
    _WORKER = state
    kept_in_heap()


Read = tuple[str | None, tuple[str, ...], "Work | tuple[str, ...]"]
"""What a worker sends back for one ``Unread``: ``(id, warnings, Work)`` for an invitation,
``(None, warnings, errors)`` for a line that is none (the errors in French, without place),
``(id, warnings, (reason,))`` for an invitation the engine could not decide (``attempt``)."""
IDENT, WARNINGS, WORK = range(3)


def decide_batch(encoded: list[bytes], name: str, texts: list[tuple]) -> list:
    """In a worker: each invitation (JSON bytes, as received) decided and serialised
    (``Work``), then each text of ``name`` (an ``Unread`` without its name: a plain tuple
    pickles faster) read, validated, decided and serialised (``Read``)."""
    state = _WORKER
    assert state is not None
    results: list = [work(state, orjson.loads(raw)) for raw in encoded]
    for text in texts:
        usual = usual_invitation(text[_TEXT])
        if usual is None:  # not an invitation, or one with warnings: read as the reader does
            results.append(read_work(state, Unread(name, *text)))
        else:  # what ``read_work`` gives, without the record it would build on the way
            invitation, raw = usual
            results.append(read_result(invitation.id, (), attempt(state, invitation, raw)))
    return results


_TEXT = Unread._fields.index("text") - 1  # in an ``Unread`` without its name


def read_work(state: WorkerSetup, text: Unread) -> Read:
    """One text read as the reader would (``unread_record``), then decided as ``work``."""
    record = unread_record(text)
    invitation = record.invitation
    if invitation is None or record.errors:
        return None, record.warnings, record.errors
    found = attempt(state, invitation, record.raw)  # type: ignore[arg-type]
    return read_result(invitation.id, record.warnings, found)


def read_result(ident: str, warnings: tuple[str, ...], found: "Work | str") -> Read:
    """A text's ``Read``: its ``Work``, or the engine's reason as its error (``attempt``)."""
    return ident, warnings, (found,) if type(found) is str else found  # type: ignore[return-value]


def work(state: WorkerSetup, received: dict) -> "Work | str":
    """One invitation validated again, then decided (``attempt``)."""
    invitation, errors, _ = validate(received)
    if invitation is None or errors:  # validated once already: the same dict cannot fail
        raise RuntimeError(f"invitation valid in the reader, not in a worker: {errors}")
    return attempt(state, invitation, received)


def attempt(state: WorkerSetup, invitation: Invitation, received: dict) -> "Work | str":
    """``work_of``, or the French reason the engine could not decide this invitation (the
    serial path's ``undecided_record``): nothing of it is journaled."""
    try:
        return work_of(state, invitation, received)
    except EngineFailed as error:
        return undecided(invitation.id, error)


def work_of(state: WorkerSetup, invitation: Invitation, received: dict) -> Work:
    """One invitation decided, its record content rendered, its line printed: the same
    steps ``pipeline.outcome``, ``Journal.prepare`` and the shell take in one process."""
    setup = state.setup
    explained, duration_ms = decide_invitation(setup, invitation)
    decided = Decided("", invitation, received, explained, duration_ms, ())  # no default: faster
    content = schema.decision_content(
        decided,
        policy=setup.policy,
        policy_sha256=setup.policy.sha256,
        context_sha256=setup.context.sha256,
        minimise=state.minimise,
    )
    action = explained.decision.action._value_  # ``.value``: enum's property, 0.2 µs a read
    head, cut, commitment = personal.rendered(content, own=True)  # dropped once rendered
    return state.render(decided), head, cut, commitment, ACTIONS.index(action) + 1


class Workers(NamedTuple):
    """A started pool, what its workers inherited, and how many they are."""

    pool: "WorkerPool"
    state: WorkerSetup
    count: int


@contextlib.contextmanager
def start_pool(processes: int, state: WorkerSetup) -> Iterator[Workers]:
    """``processes`` workers forked now (enter this before anything starts a thread),
    stopped on exit (killed if the run stops before their results are read)."""
    from tamis.processes.workers import WorkerPool

    c_library()  # loaded once, here: each worker inherits it (``kept_in_heap``)
    pool = WorkerPool(processes, _enter, state)
    fixed_thresholds()  # here only: a worker's large blocks are its results, one per batch
    try:
        yield Workers(pool, state, processes)
    finally:
        pool.close()


class Later(NamedTuple):
    """An invitation whose id was sent to be decided earlier in the input: « déjà décidée
    plus haut », worded once that decision is back."""

    record: InputRecord


class Sent(NamedTuple):
    """An invitation sent to a worker: the ``index``-th of its batch's task."""

    record: InputRecord
    index: int


class Local(NamedTuple):
    """An invitation decided in this process (one whose JSON form cannot be encoded)."""

    record: InputRecord
    work: "Work | str"


class Away(NamedTuple):
    """A text sent to a worker unread: the ``index``-th text of its batch's task."""

    text: Unread
    index: int


class Settled(NamedTuple):
    """A text read here because the journal has decided its id, with a reason not to decide
    it again: « déjà décidée », once the texts before it are back (its duplicate is noted
    in input order)."""

    text: Unread
    record: InputRecord
    previous: Previous
    reason: Reason


Slot = Rejected | Known | Later | Sent | Local | Away | Settled


class Plan(NamedTuple):
    """A batch as sent: each record's slot, the task deciding those sent, and where its
    results for the texts start (after those for the invitations sent encoded)."""

    slots: list[Slot]
    task: "Task | None"
    texts_from: int = 0


def nothing_known(triage: Repeats | None) -> bool:
    """Whether the journal holds no decision that could set a record apart (``--redecider``,
    or a journal with no decision yet). Else the id of each text is peeked at here
    (``peek_id``) and looked up, so that what the journal holds is not decided for nothing."""
    return triage is None or getattr(triage.ledger, "empty", False) is True


_NOT_PEEKED = (None, None)


def peek_id(text: str) -> tuple[str | None, object]:
    """The id ``text`` seems to have (its JSON object's ``id`` if a string, else None: the
    worker, which validates it, finds why it has none), and its JSON value."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None, None
    ident = value.get("id") if type(value) is dict else None
    return (ident if type(ident) is str else None), value


def decide_in_pool(
    workers: Workers,
    records: Iterable[InputRecord | Unread],
    journal: Writer,
    *,
    batch_size: int,
    seen: SeenIds,
    triage: Repeats | None = None,
) -> Iterator[list[Outcome]]:
    """``pipeline.decide_batches`` with the deciding done by ``workers``: the outcomes of
    each batch, in input order, once its decisions are in the journal. ``records`` come from
    ``reader.read_texts`` with ``seen``, the table of ids met (``triage.seen`` too); a
    worker that dies raises ``WorkerStopped``."""
    sorter = Sorter(workers.state, triage, seen)
    iterator = iter(records)
    plans: deque[Plan] = deque()
    trim, received = trimmer(), 0
    while True:
        while len(plans) < IN_FLIGHT * workers.count:
            batch = list(islice(iterator, batch_size))
            if not batch:
                break
            plans.append(sorter.send(batch, workers.pool))
        if not plans:
            return
        yield sorter.receive(plans.popleft(), journal)
        received += 1
        if received % TRIM_EVERY == 0:  # the free memory malloc keeps, given back
            trim()


class Sorter:
    """Sets each record of a batch apart or sends it to be decided; takes the results back
    in order, journals them, and tells ``triage`` what was decided."""

    def __init__(self, state: WorkerSetup, triage: Repeats | None, seen: SeenIds) -> None:
        self.state, self.triage, self.seen = state, triage, seen
        self.in_flight: set[str] = set()  # ids sent and not yet back
        self.peek = not nothing_known(triage)  # look the texts' ids up before sending them

    def send(self, batch: list[InputRecord | Unread], pool: "WorkerPool") -> Plan:
        peeked = [
            peek_id(item.text) if self.peek and type(item) is Unread else _NOT_PEEKED
            for item in batch
        ]
        journaled = self.journaled(batch, [ident for ident, _ in peeked])
        slots: list[Slot] = []
        encoded: list[bytes] = []
        texts: list[tuple] = []
        name = ""
        for item, (ident, value) in zip(batch, peeked, strict=True):
            if type(item) is not Unread:
                slots.append(self.slot(item, journaled, encoded))  # type: ignore[arg-type]
                continue
            settled = self.settled(item, value, journaled) if ident in journaled else None
            if settled is None:
                slots.append(Away(item, len(texts)))
                name = item.name
                texts.append(item[1:])
            else:
                slots.append(settled)
        if not encoded and not texts:
            return Plan(slots, None)
        return Plan(slots, pool.submit(decide_batch, encoded, name, texts), len(encoded))

    def journaled(self, batch: list[InputRecord | Unread], peeked: list[str | None]) -> dict:
        """The journal's latest decision of each valid id of the batch, and of each id its
        texts seem to have (``Repeats``'s ledger, one query per batch)."""
        if self.triage is None:
            return {}
        ids = [
            r.invitation.id  # type: ignore[union-attr]
            for r in batch
            if type(r) is not Unread and r.invitation is not None and not r.errors  # type: ignore[union-attr]
        ]
        ids += [ident for ident in peeked if ident is not None]
        return dict(self.triage.ledger.latest(ids)) if ids else {}

    def settled(self, text: Unread, value: object, journaled: dict) -> Settled | None:
        """The text (whose JSON ``value`` was peeked at) read here, if the journal's decision
        of its id stands (else None: it is sent to be decided, and read again there)."""
        assert self.triage is not None
        record = parsed_record(text, value)
        invitation = record.invitation
        if invitation is None or record.errors:
            return None
        previous = journaled.get(invitation.id)
        reason = None if previous is None else self.triage.reason(previous, record)
        return None if reason is None else Settled(text, record, previous, reason)

    def slot(self, record: InputRecord, journaled: dict, encoded: list[bytes]) -> Slot:
        invitation, triage = record.invitation, self.triage
        if invitation is None or record.errors:
            return Rejected(record.location, tuple(record.errors), tuple(record.warnings))
        if triage is not None:
            previous = journaled.get(invitation.id)
            reason = None if previous is None else triage.reason(previous, record)
            if reason is not None:
                return Known(record.location, invitation, previous, reason, tuple(record.warnings))
            if invitation.id in self.in_flight or (
                triage.decided_any and triage.seen.marked(invitation.id)
            ):
                return Later(record)
            self.in_flight.add(invitation.id)
        received = received_form(record)
        try:
            encoded.append(orjson.dumps(received))
        except orjson.JSONEncodeError:
            return Local(record, work(self.state, dict(received)))
        return Sent(record, len(encoded) - 1)

    def receive(self, plan: Plan, journal: Writer) -> list[Outcome]:
        """The batch's outcomes, once its decisions are journaled and remembered."""
        results = plan.task.result() if plan.task is not None else []
        journaled: list[Work] = []  # in input order
        sent: list[tuple[InputRecord, Work]] = []  # read here: remembered once journaled
        outcomes: list[Outcome | Later] = []
        failed: dict[str, str] = {}  # id -> why the engine could not decide it
        for slot in plan.slots:
            kind = type(slot)
            if kind is Away:
                read = results[plan.texts_from + slot.index]  # type: ignore[union-attr]
                outcomes.append(self.read_back(slot, read, journaled))  # type: ignore[arg-type]
            elif kind is Settled:
                outcomes.append(self.known_here(slot))  # type: ignore[arg-type]
            elif kind is Sent or kind is Local:
                item = results[slot.index] if kind is Sent else slot.work  # type: ignore[union-attr]
                if type(item) is str:  # the engine could not decide it (``attempt``)
                    outcomes.append(self.undecided(slot.record, item, failed))  # type: ignore[union-attr]
                    continue
                journaled.append(item)
                sent.append((slot.record, item))  # type: ignore[union-attr]
                outcomes.append(done(slot.record, item))  # type: ignore[union-attr]
            else:
                outcomes.append(slot)  # type: ignore[arg-type]
        if journaled:
            journal.append_rendered(
                [personal.Rendered(*item[HEAD:MARK]) for item in journaled],
                policy=self.state.setup.policy,
            )
            self.remember(sent)
        return [self.later(o.record, failed) if type(o) is Later else o for o in outcomes]  # type: ignore[union-attr]

    def undecided(self, record: InputRecord, reason: str, failed: dict[str, str]) -> Rejected:
        """An invitation the engine could not decide: not in flight any more (a later
        record of its id is decided afresh, as in one process), its reason kept for the
        records of its id this batch has set apart (``Later``)."""
        ident = record.invitation.id  # type: ignore[union-attr]
        self.in_flight.discard(ident)
        failed[ident] = reason
        return Rejected(record.location, (reason,), tuple(record.warnings), True)

    def later(self, record: InputRecord, failed: Mapping[str, str]) -> Outcome:
        """A record set apart for an id sent earlier in the batch: « déjà décidée », or,
        if the engine could not decide that one, the same reason."""
        reason = failed.get(record.invitation.id)  # type: ignore[union-attr]
        if reason is not None:
            return Rejected(record.location, (reason,), tuple(record.warnings), True)
        return self.known_earlier(record)

    def read_back(self, slot: Away, read: Read, journaled: list[Work]) -> Outcome:
        """A text a worker read: rejected, or its id checked against those met before in
        input order (a warning; with ``triage``, the first decision stands and this one is
        dropped), then decided (its work journaled and its id marked at once, so that a
        duplicate later in the batch finds it)."""
        text, (ident, warnings, done_or_errors) = slot.text, read
        location = text.location
        if ident is None:
            return Rejected(location, done_or_errors, warnings)  # type: ignore[arg-type]
        if type(done_or_errors[0]) is str:  # the engine could not decide it (``attempt``)
            first = self.seen.first(ident, text.number)
            if first is not None:
                warnings = (*warnings, duplicate(ident, first, text.place()))
            return Rejected(location, done_or_errors, warnings, True)  # type: ignore[arg-type]
        item: Work = done_or_errors  # type: ignore[assignment]
        mark = item[MARK] if self.triage is not None else 0  # a new id: marked at once
        first = self.seen.first(ident, text.number, mark)
        if first is not None:
            warnings = (*warnings, duplicate(ident, first, text.place()))
            if self.triage is not None and self.seen.marked(ident):
                return self.known_earlier(unread_record(text)._replace(warnings=warnings))
        journaled.append(item)
        if self.triage is not None:
            if first is not None:
                self.seen.mark(ident, mark)
            self.triage.decided_any = True
        return Done(location, ident, item[LINE], ACTIONS[item[MARK] - 1], warnings)

    def remember(self, decided: list[tuple[InputRecord, Work]]) -> None:
        """Once journaled: a later record of the same id is « déjà décidée » (the first
        decision of an id stands)."""
        if self.triage is None or not decided:
            return
        for record, item in decided:
            ident = record.invitation.id  # type: ignore[union-attr]
            self.triage.seen.mark(ident, item[MARK])
            self.in_flight.discard(ident)
        self.triage.decided_any = True

    def known_here(self, slot: Settled) -> Known:
        """A text the journal has decided: « déjà décidée », its duplicate noted."""
        record, text = slot.record, slot.text
        marked = noted_duplicate(record, text.number, text.place(), self.seen)  # type: ignore[arg-type]
        invitation = record.invitation
        assert invitation is not None
        warnings = tuple(marked.warnings)
        return Known(record.location, invitation, slot.previous, slot.reason, warnings)

    def known_earlier(self, record: InputRecord) -> Known:
        assert self.triage is not None and record.invitation is not None
        previous, reason = self.triage.decided_earlier(record)
        assert previous is not None and reason is not None
        return Known(record.location, record.invitation, previous, reason, tuple(record.warnings))


def done(record: InputRecord, item: Work) -> Done:
    ident = record.invitation.id  # type: ignore[union-attr]
    action = ACTIONS[item[MARK] - 1]
    return Done(record.location, ident, item[LINE], action, tuple(record.warnings))
