"""Deciding a batch: policy, context and engine once, then one decision per invitation record.

Sits at the end of the flow, after every stage has done its job: the checked policy
(``tamis.grammar.load``), the user's context and the invitation readers
(``tamis.invitations``), an engine and its explainer (``tamis.engine``), which turn each
invitation's facts into one ``Explained`` (decision, trace, French explanation, evidence
shown), and the journal (``tamis.audit``), which serialises each ``Explained`` before anyone
else sees it. Shells print from the ``Explained`` (``result_json``, ``result_text``), never
from the journal's record. No click here: the commands ``decider`` and ``rejouer``, the
service, the tests and the benchmarks all call these functions.
"""

# No ``from __future__ import annotations``: typing builds NamedTuple and TypedDict classes
# from their annotations and compiles each one written as a string (≈ 0.07M instructions a
# field, 6 here, every start).
import itertools
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from textwrap import indent
from typing import Any, NamedTuple, Protocol

from tamis.audit.record import ToRecord
from tamis.engine.decision import Decision, EngineName
from tamis.engine.engines import Engine, EngineFailed, make_engine, undecided
from tamis.engine.explained import Explained
from tamis.engine.explainer import Explainer
from tamis.engine.parameters import effective_parameters, parameter_type
from tamis.engine.trace import render_trace
from tamis.grammar.cache import PolicyCache
from tamis.grammar.checked import CheckedPolicy
from tamis.grammar.diagnostics import Diagnostic, render
from tamis.grammar.load import load_policy_file, load_policy_source
from tamis.grammar.vocabulary import Value, toml_shown, type_of
from tamis.invitations.context import Context, ContextError, load_context
from tamis.invitations.extract import extract_facts
from tamis.invitations.models import OUTGOING, Invitation, json_form
from tamis.invitations.vocabulary import vocabulary
from tamis.triage.known import Known


class PolicyInvalid(Exception):
    """The policy has errors; ``str`` is every diagnostic, rendered like a compiler."""

    def __init__(self, diagnostics: list[Diagnostic], source: str) -> None:
        self.diagnostics = diagnostics
        super().__init__(render_all(diagnostics, source))


def render_all(diagnostics: Iterable[Diagnostic], source: str) -> str:
    return "\n\n".join(render(d, source) for d in diagnostics)


@dataclass(frozen=True)
class SetupOptions:
    """What a run is set up from: the policy, the user's context, the engine, overrides."""

    policy_path: str
    context_path: str | None = None  # None: the empty context
    engine: EngineName = EngineName.NATIF
    overrides: tuple[str, ...] = ()  # "NOM=VALEUR" parameter overrides, in order
    settings: Mapping[str, object] | None = None  # typed overrides (service.toml), before those
    settings_origin: str = ""  # where ``settings`` come from, in French


@dataclass(frozen=True)
class Setup:
    """Everything that stays the same for every invitation of a run."""

    policy: CheckedPolicy
    engine: Engine  # ``.decide(facts, parameters) -> Decision``
    explainer: Explainer  # ``explainer(decision, evidence) -> Explained``
    context: Context
    parameters: Mapping[str, Value]
    warnings: str  # the policy's warnings, rendered ("" when none)


def load_checked_policy(path: str, source: str | None = None) -> tuple[CheckedPolicy, str]:
    """The checked policy and its rendered warnings; raises ``PolicyInvalid`` on errors.
    ``source``: the file's text, already read (the service reads it once it has settled).

    Through the user's cache of checked policies (``tamis.grammar.cache``): a policy that
    has not changed since an earlier run is neither parsed nor checked again."""
    if source is None:
        policy, diagnostics, source = load_policy_file(path, vocabulary(), PolicyCache.for_user())
    else:
        policy, diagnostics = load_policy_source(source, path, vocabulary(), PolicyCache.for_user())
    if policy is None or any(d.is_error for d in diagnostics):
        raise PolicyInvalid([d for d in diagnostics if d.is_error] or diagnostics, source)
    return policy, render_all(diagnostics, source)


def prepare(options: SetupOptions, source: str | None = None) -> Setup:
    """Load and check in the order errors should surface: policy, context, parameters, engine.
    ``source``: the policy file's text, if already read.

    Raises ``PolicyInvalid``, ``ContextError``, ``ParameterError`` or ``EngineUnavailable``.
    """
    policy, warnings = load_checked_policy(options.policy_path, source)
    return setup_for(policy, warnings, options)


def setup_for(policy: CheckedPolicy, warnings: str, options: SetupOptions) -> Setup:
    """The ``Setup`` of a checked policy: context, parameters, engine, explainer, in that order.

    Raises ``ContextError``, ``ParameterError`` or ``EngineUnavailable``."""
    context = load_context(options.context_path) if options.context_path else Context.empty()
    check_declared_parameters(policy, context)
    parameters = effective_parameters(
        policy,
        context.parameters,
        list(options.overrides),
        options.settings,
        options.settings_origin,
    )
    engine = make_engine(options.engine, policy, parameters)
    return Setup(policy, engine, Explainer(policy), context, parameters, warnings)


def check_declared_parameters(policy: CheckedPolicy, context: Context) -> None:
    """A context value for a parameter the policy declares must have the policy's type.

    ``load_context`` checks the built-in parameters (it knows no policy); only here are the
    policy's own ``paramètre`` known. Raises ``ContextError`` naming the file and the key.
    """
    for name, value in context.parameters.items():
        if name not in policy.declared_parameters:
            continue
        expected = parameter_type(policy, name)
        if type_of(value) is not expected:
            raise ContextError(
                f"{context.path} : clé « parametres.{name} » : doit être de type"
                f" {expected.value}, comme le paramètre de la politique"
                f" (reçu : {toml_shown(value)})"
            )


class InputRecord(Protocol):
    """One record of an invitation reader (``tamis.invitations.reader``)."""

    location: str  # "fichier.jsonl:12", to name it in messages
    invitation: Invitation | None  # None: not an invitation (see ``errors``)
    raw: Mapping[str, Any] | None  # the object as read, when there was one
    errors: Sequence[str]
    warnings: Sequence[str]


class Decided(NamedTuple):
    """A decided invitation: where it was read, as received, and its ``Explained``.

    A ``NamedTuple`` rather than a frozen dataclass: one is built per invitation, and a frozen
    dataclass costs about three times as much to construct."""

    location: str
    invitation: Invitation
    received: Mapping[str, Any]  # the invitation as the input gave it
    explained: Explained
    duration_ms: float  # facts and decision (not the explanation)
    warnings: tuple[str, ...] = ()

    @property
    def decision(self) -> Decision:
        return self.explained.decision


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that is not a valid invitation, or (``undecided``) a valid one the engine
    could not decide (``EngineFailed``): nothing journaled either way; ``errors`` are French."""

    location: str
    errors: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    undecided: bool = False  # the engine's limit, not the input's fault


def undecided_record(location: str, invitation: Invitation, error: EngineFailed, warnings=()):
    """The ``Rejected`` of an invitation the engine could not decide, its reason in French."""
    return Rejected(location, (undecided(invitation.id, error),), tuple(warnings), True)


Outcome = Decided | Rejected | Known  # Known: set apart by a ``Triage`` (``repeat``)


class Triage(Protocol):
    """What sets apart the records not to decide again (``tamis.triage.repeat.Repeats``)."""

    def outcomes(self, batch: Sequence[InputRecord]) -> list[Outcome]: ...

    def remember(self, decided: Sequence[Decided]) -> None: ...


class Journal(Protocol):
    """Where decisions are kept (``tamis.audit.journal.Journal``): it receives the decided
    invitations of a run and returns once they are written (or raises)."""

    def record_decisions(
        self,
        decided: Sequence[ToRecord],
        *,
        policy: CheckedPolicy,
        context_sha256: str | None = None,
    ) -> object: ...


def decide_invitation(setup: Setup, invitation: Invitation) -> tuple[Explained, float]:
    """Extract the facts the policy reads, decide, explain: pure, no I/O. Returns the
    ``Explained`` and the milliseconds spent on facts and decision."""
    started = time.perf_counter()
    facts = extract_facts(invitation, setup.context, setup.policy.base_names, setup.parameters)
    decision = setup.engine.decide(facts.values, setup.parameters)
    duration_ms = (time.perf_counter() - started) * 1000
    outgoing = invitation.sens == OUTGOING
    return setup.explainer(decision, facts.evidence, outgoing=outgoing), duration_ms


def received_form(record: InputRecord) -> Mapping[str, Any]:
    """The invitation as received: the raw object, or the model when the input had none."""
    if record.raw is not None:
        return record.raw
    assert record.invitation is not None
    return json_form(record.invitation)  # type: ignore[return-value]


def decide_records(
    setup: Setup,
    records: Iterable[InputRecord],
    journal: Journal | None = None,
    *,
    batch_size: int = 1,
    triage: Triage | None = None,
) -> Iterator[Outcome]:
    """Decide each valid record, journal it, then yield it; yield invalid ones as ``Rejected``.

    Outcomes come in input order; see ``decide_batches`` for ``batch_size`` and ``triage``."""
    for batch in decide_batches(setup, records, journal, batch_size=batch_size, triage=triage):
        yield from batch


def decide_batches(
    setup: Setup,
    records: Iterable[InputRecord],
    journal: Journal | None = None,
    *,
    batch_size: int = 1,
    triage: Triage | None = None,
) -> Iterator[list[Outcome]]:
    """The outcomes of ``batch_size`` records at a time (one at a time without a journal),
    in input order.

    With a journal, a batch's decisions are appended in one locked write
    (``record_decisions``) before the batch is yielded: no decision is seen before its
    record is in the journal. Records are read one batch ahead at most, so memory holds
    one batch. With ``triage``, the records it sets apart (``Known``: already decided) are
    neither decided nor journaled, and it is told of the batch's decisions once journaled."""
    iterator = iter(records)
    size = max(1, batch_size) if journal is not None else 1
    while batch := list(itertools.islice(iterator, size)):
        if triage is None:
            outcomes: list[Outcome] = [outcome(setup, record) for record in batch]
        else:
            outcomes = triage.outcomes(batch)
        if journal is not None:
            decided = [o for o in outcomes if type(o) is Decided]
            if decided:
                policy, context = setup.policy, setup.context.sha256
                journal.record_decisions(decided, policy=policy, context_sha256=context)
                if triage is not None:
                    triage.remember(decided)
        yield outcomes


def outcome(setup: Setup, record: InputRecord) -> Outcome:
    """The record decided and explained, or ``Rejected`` with its errors (or the engine's)."""
    if record.invitation is None or record.errors:
        return Rejected(record.location, tuple(record.errors), tuple(record.warnings))
    try:
        explained, duration_ms = decide_invitation(setup, record.invitation)
    except EngineFailed as error:  # durable's limits: this invitation alone is left undecided
        return undecided_record(record.location, record.invitation, error, record.warnings)
    received = received_form(record)
    warnings = tuple(record.warnings)
    return Decided(record.location, record.invitation, received, explained, duration_ms, warnings)


def result_json(decided: Decided, *, trace: bool = False) -> dict[str, Any]:
    """The JSON object printed for one decision: id first, then the decision's own keys;
    with ``trace``, its JSON form (``Explained.json``: the journal record's same keys)."""
    explained = decided.explained
    decision = explained.decision
    out: dict[str, Any] = {
        "id": decided.invitation.id,
        "decision": decision.action._value_,  # not enum's ``.value`` property: 0.2 µs a read
        "regle": decision.label,
        "motif": decision.motif,
        "explication": explained.explanation,
    }
    if trace:
        out.update(explained.json)
    return out


def result_text(decided: Decided, *, trace: bool = False) -> str:
    """The French explanation after the invitation's id; the indented trace below if asked."""
    text = f"{decided.invitation.id} : {decided.explained.explanation}"
    if not trace:
        return text
    return text + "\n" + indent(render_trace(list(decided.explained.trace)), "    ")
