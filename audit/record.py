"""The journal's record schema (version 2), serialised from an ``Explained``: its own type.

Sits right after deciding: ``Explained`` (decision, trace, explanation, evidence shown, built
once by the engine stage) -> **record content** -> processors (number, time, chain, seal) ->
sink. This module only serialises what it is given: it never evaluates a condition or words
an explanation (it imports neither the evaluator nor the explanation). The engine's types
never reach the file: each record is an envelope
(``seq``, ``horodatage``, ``evenement``, ``precedente``, ``empreinte``, ``version``) around a
``contenu`` whose shape depends on ``evenement``:

- ``ouverture`` — first record of a journal: ``version_tamis``.
- ``politique`` — written before the first decision under a policy whose source differs from
  the one the previous record names: ``politique`` = {nom, chemin, sha256, source}.
- ``decision`` — one per decided invitation (``DecisionContent`` below).
- ``conseil`` — advice on a draft request (``tamis conseiller``, ``POST …/conseils``): not a
  decision, serialised by ``advice`` and never read by the decisions' queries.

Values keep the run-time convention: ``null`` is *inconnu*. Version 2 stores each value once:
the trace names what a condition read (``lu``) and the values are in ``faits``,
``faits_derives`` and ``parametres``; a node's ``detail`` is kept only where it is not its
``condition`` (comparisons, with their operands' values); optional fields that would be
``null`` (``motif``, ``priorite``, ``ligne``, ``contexte_sha256``) are left out, and
``minimise`` (``true``: the invitation was cut down by ``--minimiser``) is written only when
true, so the schema stays version 2 and older records read as not minimised. Version 1
records (``lu`` with values, ``detail`` ending in ``→ valeur``, ``action`` in each trace,
``null`` fields) are still read.
"""

# No ``from __future__ import annotations``: typing builds NamedTuple and TypedDict classes
# from their annotations and compiles each one written as a string (≈ 0.07M instructions a
# field, 36 fields here, every start).
from collections.abc import Mapping
from typing import Any, NamedTuple, NotRequired, Protocol, TypedDict

from tamis.audit.version import VERSION
from tamis.engine.explained import Explained, RuleEntry, TraceEntry
from tamis.grammar.checked import CheckedPolicy, Kind

SCHEMA_VERSION = 3  # format 3: the personal part apart (``personal``)
TAMIS_VERSION = VERSION


class PolicyRef(TypedDict):
    nom: str | None  # the policy's ``politique "…"`` header
    chemin: str
    sha256: str  # of the UTF-8 source


class PolicySource(PolicyRef):
    source: str  # the full text, so ``pourquoi`` can quote a rule after the file changed


class DecisionContent(TypedDict):
    id: str
    invitation: dict[str, Any]  # as received; with --minimiser only id and the fields read
    faits: dict[str, Any]  # base facts and fields the policy read (null = inconnu)
    faits_derives: dict[str, bool | None]
    preuves: dict[str, str]  # fact -> what the domain read, for the facts the trace shows
    decision: str
    regle: str  # the deciding rule's label, or "sinon"
    ligne: NotRequired[int]  # absent: implicit default (no ``sinon`` line)
    motif: NotRequired[str]
    priorite: NotRequired[int]
    resolution: str
    declenchees: list[RuleEntry]  # every rule whose condition was vrai, file order
    inconnues: list[RuleEntry]  # every rule whose condition was inconnu, file order
    explication: str
    trace: list[TraceEntry]
    politique: PolicyRef
    parametres: dict[str, Any]
    contexte_sha256: NotRequired[str]
    minimise: NotRequired[bool]  # true when written with --minimiser; absent otherwise
    moteur: str
    version_tamis: str
    duree_ms: float


class Record(TypedDict):
    version: int
    seq: int
    horodatage: str  # UTC, ISO 8601, microseconds, "Z"
    evenement: str
    precedente: str  # the previous record's empreinte ("0" * 64 for the first)
    empreinte: str  # SHA-256 of the canonical JSON of this record without empreinte
    contenu: dict[str, Any]


def opening_content() -> dict[str, Any]:
    return {"version_tamis": TAMIS_VERSION}


def policy_ref(policy: CheckedPolicy, sha256: str) -> PolicyRef:
    return {"chemin": policy.path, "nom": policy.name, "sha256": sha256}


def policy_content(policy: CheckedPolicy, sha256: str) -> dict[str, Any]:
    return {"politique": {**policy_ref(policy, sha256), "source": policy.source}}


class ToRecord(Protocol):
    """One decided invitation, as the journal receives it (``tamis.triage``'s ``Decided``)."""

    @property
    def explained(self) -> Explained: ...

    @property
    def received(self) -> Mapping[str, Any]: ...  # the invitation as the input gave it

    @property
    def duration_ms(self) -> float: ...


class Entry(NamedTuple):
    """A ``ToRecord`` of its own, for callers without one (``Journal.record_decision``)."""

    explained: Explained
    received: Mapping[str, Any]
    duration_ms: float = 0.0


def decision_content(
    decided: ToRecord,
    *,
    policy: CheckedPolicy,
    policy_sha256: str,
    context_sha256: str | None,
    minimise: bool,
) -> DecisionContent:
    """Everything needed to answer « pourquoi » without the policy file, and to re-decide."""
    explained, invitation = decided.explained, decided.received
    decision = explained.decision
    rule = decision.rule
    content: dict[str, Any] = dict(explained.json)
    # ``_value_``, not ``.value`` (enum's property, 0.2 µs a read): once per decision
    content["decision"] = decision.action._value_
    content["duree_ms"] = round(decided.duration_ms, 6)
    content["explication"] = explained.explanation
    content["id"] = str(invitation.get("id"))
    content["invitation"] = minimal_invitation(invitation, policy) if minimise else dict(invitation)
    content["moteur"] = decision.engine._value_
    content["politique"] = policy_ref(policy, policy_sha256)
    content["regle"] = decision.label
    content["version_tamis"] = TAMIS_VERSION
    # The optional keys, each written only when it has a value (one test each: no tuple
    # of pairs built and looped over for every decision).
    if context_sha256 is not None:
        content["contexte_sha256"] = context_sha256
    line = rule.line if rule else _default_line(policy)
    if line is not None:
        content["ligne"] = line
    if decision.motif is not None:
        content["motif"] = decision.motif
    if rule and rule.priority is not None:
        content["priorite"] = rule.priority
    if minimise:
        content["minimise"] = True
    return content  # type: ignore[return-value]


def node_names(node: Mapping[str, Any]) -> list[str]:
    """The names a trace node read itself (v2: ``lu``, or a lone name; v1: ``lu`` keys)."""
    if "lu" in node:
        return list(node["lu"])
    if "enfants" in node or "detail" in node:
        return []
    return [node["condition"]]


def node_line(node: Mapping[str, Any], version: int = SCHEMA_VERSION) -> str:
    """``expediteur.connexions (12) < connexions_min (50) → vrai`` (version 1 stored it whole;
    decisions recorded before 4 December 2026 read ``expediteur.connexions = 12 < …``)."""
    if version < 2:
        return node["detail"]
    return f"{node.get('detail') or node['condition']} → {node['valeur']}"


def _default_line(policy: CheckedPolicy) -> int | None:
    return policy.default_span.line if policy.default_span is not None else None


def minimal_invitation(invitation: Mapping[str, Any], policy: CheckedPolicy) -> dict[str, Any]:
    """The invitation's id and only the raw fields the policy reads (``--minimiser``)."""
    kept: dict[str, Any] = {"id": invitation.get("id")}
    for name in sorted(policy.base_names):
        if policy.kinds.get(name) is Kind.CHAMP:
            _copy_path(invitation, kept, name.split("."))
    return kept


def _copy_path(source: Mapping[str, Any], target: dict[str, Any], parts: list[str]) -> None:
    head, rest = parts[0], parts[1:]
    if head not in source:
        return
    if not rest:
        target[head] = source[head]
    elif isinstance(source[head], Mapping):
        _copy_path(source[head], target.setdefault(head, {}), rest)
