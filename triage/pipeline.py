"""Deciding a batch: policy, context and engine once, then one decision per invitation record.

Sits at the end of the flow, after every stage has done its job: the checked policy
(``tamis.grammar.load``), the user's context and the invitation readers
(``tamis.invitations``), an engine (``tamis.engine``), and the journal (``tamis.audit``),
which receives each decision before anyone else sees it. No click here: the commands
``decider`` and ``rejouer``, the tests and the benchmark all call these functions.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from textwrap import indent
from typing import Any, Protocol

from tamis.audit.record import decision_content
from tamis.engine.decision import Decision
from tamis.engine.engines import make_engine
from tamis.engine.explain import explain
from tamis.engine.parameters import effective_parameters, parameter_type
from tamis.engine.trace import render_trace, trace_decision
from tamis.grammar.checked import CheckedPolicy
from tamis.grammar.diagnostics import Diagnostic, render
from tamis.grammar.load import load_policy_file
from tamis.grammar.vocabulary import Value, type_of
from tamis.invitations.context import Context, ContextError, load_context
from tamis.invitations.extract import extract_facts
from tamis.invitations.models import Invitation
from tamis.invitations.vocabulary import vocabulary


class PolicyInvalid(Exception):
    """The policy has errors; ``str`` is every diagnostic, rendered like a compiler."""

    def __init__(self, diagnostics: list[Diagnostic], source: str) -> None:
        self.diagnostics = diagnostics
        super().__init__(render_all(diagnostics, source))


def render_all(diagnostics: Iterable[Diagnostic], source: str) -> str:
    return "\n\n".join(render(d, source) for d in diagnostics)


@dataclass(frozen=True)
class Setup:
    """Everything that stays the same for every invitation of a run."""

    policy: CheckedPolicy
    engine: Any  # NativePolicy or DurablePolicy: ``.decide(facts, parameters) -> Decision``
    context: Context
    parameters: Mapping[str, Value]
    warnings: str  # the policy's warnings, rendered ("" when none)


def load_checked_policy(path: str) -> tuple[CheckedPolicy, str]:
    """The checked policy and its rendered warnings; raises ``PolicyInvalid`` on errors."""
    policy, diagnostics, source = load_policy_file(path, vocabulary())
    if policy is None or any(d.is_error for d in diagnostics):
        raise PolicyInvalid([d for d in diagnostics if d.is_error] or diagnostics, source)
    return policy, render_all(diagnostics, source)


def prepare(
    policy_path: str,
    *,
    context_path: str | None = None,
    engine: str = "natif",
    overrides: Iterable[str] = (),
) -> Setup:
    """Load and check in the order errors should surface: policy, context, parameters, engine.

    Raises ``PolicyInvalid``, ``ContextError``, ``ParameterError`` or ``EngineUnavailable``.
    """
    policy, warnings = load_checked_policy(policy_path)
    context = load_context(context_path) if context_path else Context.empty()
    check_declared_parameters(policy, context)
    parameters = effective_parameters(policy, context.parameters, list(overrides))
    return Setup(policy, make_engine(engine, policy), context, parameters, warnings)


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
            shown = list(value) if isinstance(value, tuple) else value
            raise ContextError(
                f"{context.path} : clé « parametres.{name} » : doit être de type"
                f" {expected.value}, comme le paramètre de la politique (reçu : {shown!r})"
            )


@dataclass(frozen=True)
class Decided:
    location: str
    invitation: Invitation
    received: Mapping[str, Any]  # the invitation as the input gave it
    decision: Decision
    evidence: Mapping[str, str]
    duration_ms: float
    warnings: tuple[str, ...] = ()
    recorded: Mapping[str, Any] | None = None  # the journal record's ``contenu`` (None: none)

    @property
    def explanation(self) -> str | None:
        """The explanation as written to the journal (None: no journal)."""
        return None if self.recorded is None else self.recorded["explication"]


@dataclass(frozen=True)
class Rejected:
    location: str
    errors: tuple[str, ...]
    warnings: tuple[str, ...] = ()


class JournalLike(Protocol):
    def record_decision(self, decision: Decision, **kwargs: Any) -> Mapping[str, Any]:
        """Append the decision's record; returns it, ``contenu.explication`` included."""

    def record_decisions(
        self, items: Iterable[tuple[Decision, Mapping[str, Any]]]
    ) -> list[Mapping[str, Any]]:
        """Append several records in one locked write; returns them, in order."""


def decide_invitation(setup: Setup, invitation: Invitation) -> tuple[Decision, Mapping[str, str]]:
    """Extract the facts the policy reads, then decide: pure, no I/O."""
    facts = extract_facts(invitation, setup.context, setup.policy.base_names, setup.parameters)
    return setup.engine.decide(facts.values, setup.parameters), facts.evidence


def received_form(record: Any) -> Mapping[str, Any]:
    """The invitation as received: the raw object, or the model when the input had none."""
    if record.raw is not None:
        return record.raw
    return record.invitation.model_dump(mode="json", exclude_none=True)


def decide_records(
    setup: Setup,
    records: Iterable[Any],
    journal: JournalLike | None = None,
    *,
    batch_size: int = 1,
) -> Iterator[Decided | Rejected]:
    """Decide each valid record, journal it, then yield it; yield invalid ones as ``Rejected``.

    Outcomes come in input order; see ``decide_batches`` for ``batch_size``."""
    for batch in decide_batches(setup, records, journal, batch_size=batch_size):
        yield from batch


def decide_batches(
    setup: Setup,
    records: Iterable[Any],
    journal: JournalLike | None = None,
    *,
    batch_size: int = 1,
) -> Iterator[list[Decided | Rejected]]:
    """The outcomes of ``batch_size`` records at a time (one at a time without a journal),
    in input order.

    With a journal, a batch's decisions are appended in one locked write (``record_decisions``)
    before the batch is yielded: no decision is seen before its record is in the journal.
    Records are read one batch ahead at most, so memory holds one batch."""
    if journal is None or batch_size <= 1:
        for record in records:
            yield [_outcome(setup, record, journal)]
        return
    iterator = iter(records)
    while batch := list(itertools.islice(iterator, batch_size)):
        yield _journaled([_outcome(setup, record, None) for record in batch], setup, journal)


def _outcome(setup: Setup, record: Any, journal: JournalLike | None) -> Decided | Rejected:
    if _rejected(record):
        return Rejected(record.location, tuple(record.errors), tuple(record.warnings))
    decided = _decide_record(setup, record)
    if journal is None:
        return decided
    recorded = journal.record_decision(decided.decision, **_record_kwargs(setup, decided))
    return _with_record(decided, recorded["contenu"])


def _journaled(
    outcomes: list[Decided | Rejected], setup: Setup, journal: JournalLike
) -> list[Decided | Rejected]:
    """The outcomes, each decision with its record, once all are written in one batch."""
    decided = [o for o in outcomes if isinstance(o, Decided)]
    if not decided:
        return outcomes
    written = journal.record_decisions([(d.decision, _record_kwargs(setup, d)) for d in decided])
    contents = iter([record["contenu"] for record in written])
    return [_with_record(o, next(contents)) if isinstance(o, Decided) else o for o in outcomes]


def _with_record(d: Decided, content: Mapping[str, Any]) -> Decided:
    """``d`` with its journal record (``dataclasses.replace`` costs three times as much)."""
    return Decided(
        d.location,
        d.invitation,
        d.received,
        d.decision,
        d.evidence,
        d.duration_ms,
        d.warnings,
        content,
    )


def _rejected(record: Any) -> bool:
    return record.invitation is None or bool(record.errors)


def _decide_record(setup: Setup, record: Any) -> Decided:
    started = time.perf_counter()
    decision, evidence = decide_invitation(setup, record.invitation)
    duration_ms = (time.perf_counter() - started) * 1000
    return Decided(
        record.location,
        record.invitation,
        received_form(record),
        decision,
        evidence,
        duration_ms,
        tuple(record.warnings),
    )


def _record_kwargs(setup: Setup, decided: Decided) -> dict[str, Any]:
    """The keyword arguments of ``record_decision`` for one decided invitation."""
    return {
        "policy": setup.policy,
        "invitation": decided.received,
        "evidence": decided.evidence,
        "context_sha256": setup.context.sha256,
        "duration_ms": decided.duration_ms,
    }


def explanation_of(decided: Decided, policy: CheckedPolicy) -> str:
    """The explanation the journal recorded, so what is printed is what was kept."""
    if decided.explanation is not None:
        return decided.explanation
    return explain(decided.decision, policy, decided.evidence)


# What ``--trace`` adds to a JSON line, taken from the journal record's ``contenu``.
TRACE_KEYS = (
    "resolution",
    "declenchees",
    "inconnues",
    "faits",
    "faits_derives",
    "parametres",
    "preuves",
    "trace",
)


def result_json(decided: Decided, policy: CheckedPolicy, *, trace: bool = False) -> dict:
    """The JSON object printed for one decision: id first, then the decision's own keys;
    with ``trace``, the ``TRACE_KEYS`` of the journal record, as written."""
    decision = decided.decision
    out = {
        "id": decided.invitation.id,
        "decision": decision.action.value,
        "regle": decision.label,
        "motif": decision.motif,
        "explication": explanation_of(decided, policy),
    }
    if trace:
        content = recorded_content(decided, policy)
        out.update((key, content[key]) for key in TRACE_KEYS)
    return out


def recorded_content(decided: Decided, policy: CheckedPolicy) -> Mapping[str, Any]:
    """The journal record's ``contenu``; without a journal, the one it would have written."""
    if decided.recorded is not None:
        return decided.recorded
    return decision_content(
        decided.decision,
        policy=policy,
        policy_sha256="",
        invitation=decided.received,
        evidence=decided.evidence,
        context_sha256=None,
        duration_ms=decided.duration_ms,
        minimise=False,
    )


def result_text(decided: Decided, policy: CheckedPolicy, *, trace: bool = False) -> str:
    """The French explanation after the invitation's id; the indented trace below if asked."""
    text = f"{decided.invitation.id} : {explanation_of(decided, policy)}"
    if not trace:
        return text
    return text + "\n" + indent(render_trace(trace_decision(policy, decided.decision)), "    ")
