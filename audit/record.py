"""The journal's record schema (version 1), built from a ``Decision``: the journal's own type.

Sits right after deciding: ``Decision`` -> **record content** -> processors (number, time,
chain, seal) -> sink. The engine's types never reach the file: each record is an envelope
(``seq``, ``horodatage``, ``evenement``, ``precedente``, ``empreinte``, ``version``) around a
``contenu`` whose shape depends on ``evenement``:

- ``ouverture`` — first record of a journal: ``version_tamis``.
- ``politique`` — written before the first decision under a policy whose source differs from
  the one the previous record names: ``politique`` = {nom, chemin, sha256, source}.
- ``decision`` — one per decided invitation (``DecisionContent`` below).

Values keep the run-time convention: ``null`` is *inconnu*.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import version
from typing import Any, TypedDict

from tamis.engine.decision import Decision, RuleRef
from tamis.engine.explain import decision_to_dict
from tamis.grammar.checked import CheckedPolicy, Kind

SCHEMA_VERSION = 1
TAMIS_VERSION = version("tamis")
EVENTS = ("ouverture", "politique", "decision")


class PolicyRef(TypedDict):
    nom: str | None  # the policy's ``politique "…"`` header
    chemin: str
    sha256: str  # of the UTF-8 source


class PolicySource(PolicyRef):
    source: str  # the full text, so ``pourquoi`` can quote a rule after the file changed


class RuleEntry(TypedDict):
    regle: str  # name, or "ligne N" (its motif is in the recorded policy source)
    ligne: int
    decision: str  # the rule's action
    priorite: int | None


class DecisionContent(TypedDict):
    id: str
    invitation: dict[str, Any]  # as received; with --minimiser only id and the fields read
    faits: dict[str, Any]  # base facts and fields the policy read (null = inconnu)
    faits_derives: dict[str, bool | None]
    preuves: dict[str, str]  # fact -> what the domain read, for the facts the trace shows
    decision: str
    regle: str  # the deciding rule's label, or "sinon"
    ligne: int | None
    motif: str | None
    priorite: int | None
    resolution: str
    declenchees: list[RuleEntry]  # every rule whose condition was vrai, file order
    inconnues: list[RuleEntry]  # every rule whose condition was inconnu
    explication: str
    trace: list[dict[str, Any]]  # tamis.engine.trace.trace_to_dict
    politique: PolicyRef
    parametres: dict[str, Any]
    contexte_sha256: str | None
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
    return {"nom": policy.name, "chemin": policy.path, "sha256": sha256}


def policy_content(policy: CheckedPolicy, sha256: str) -> dict[str, Any]:
    return {"politique": {**policy_ref(policy, sha256), "source": policy.source}}


def rule_entry(rule: RuleRef) -> RuleEntry:
    return {
        "regle": rule.label,
        "ligne": rule.line,
        "decision": rule.action.value,
        "priorite": rule.priority,
    }


def decision_content(
    decision: Decision,
    *,
    policy: CheckedPolicy,
    policy_sha256: str,
    invitation: Mapping[str, Any],
    evidence: Mapping[str, str],
    context_sha256: str | None,
    duration_ms: float,
    minimise: bool,
) -> DecisionContent:
    """Everything needed to answer « pourquoi » without the policy file, and to re-decide."""
    words = decision_to_dict(decision, policy, evidence, trace=True)
    trace = words.get("trace", [])
    rule = decision.rule
    return {
        "id": str(invitation.get("id")),
        "invitation": minimal_invitation(invitation, policy) if minimise else dict(invitation),
        "faits": dict(decision.facts),
        "faits_derives": dict(decision.derived),
        "preuves": traced_evidence(trace, evidence),
        "decision": decision.action.value,
        "regle": decision.label,
        "ligne": rule.line if rule else _default_line(policy),
        "motif": decision.motif,
        "priorite": rule.priority if rule else None,
        "resolution": decision.strategy.value,
        "declenchees": [rule_entry(r) for r in decision.fired],
        "inconnues": [rule_entry(r) for r in decision.unknown],
        "explication": words["explication"],
        "trace": trace,
        "politique": policy_ref(policy, policy_sha256),
        "parametres": dict(decision.parameters),
        "contexte_sha256": context_sha256,
        "moteur": decision.engine,
        "version_tamis": TAMIS_VERSION,
        "duree_ms": round(duration_ms, 6),
    }


def traced_evidence(trace: list[dict[str, Any]], evidence: Mapping[str, str]) -> dict[str, str]:
    """The evidence notes of the names the trace shows (the others explain nothing here)."""
    names: set[str] = set()
    pending = [rule["condition"] for rule in trace]
    while pending:
        node = pending.pop()
        names.update(node.get("lu", ()))
        pending.extend(node.get("enfants", ()))
        pending.extend([node["definition"]] if "definition" in node else [])
    return {name: evidence[name] for name in sorted(names) if name in evidence}


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
