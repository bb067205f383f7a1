"""The journal's record schema (version 2), built from a ``Decision``: the journal's own type.

Sits right after deciding: ``Decision`` -> **record content** -> processors (number, time,
chain, seal) -> sink. The engine's types never reach the file: each record is an envelope
(``seq``, ``horodatage``, ``evenement``, ``precedente``, ``empreinte``, ``version``) around a
``contenu`` whose shape depends on ``evenement``:

- ``ouverture`` — first record of a journal: ``version_tamis``.
- ``politique`` — written before the first decision under a policy whose source differs from
  the one the previous record names: ``politique`` = {nom, chemin, sha256, source}.
- ``decision`` — one per decided invitation (``DecisionContent`` below).

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

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import version
from typing import Any, NotRequired, TypedDict

from tamis.engine.decision import Decision, RuleRef
from tamis.engine.explain import explain
from tamis.engine.semantics import truth_word
from tamis.engine.trace import Evaluator, RuleTrace, TraceNode, trace_decision
from tamis.grammar.checked import CheckedPolicy, Kind

SCHEMA_VERSION = 2
TAMIS_VERSION = version("tamis")


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
    priorite: NotRequired[int]


class TraceEntry(TypedDict):
    regle: str
    ligne: int
    decisive: bool  # this rule decided
    condition: dict[str, Any]  # node: condition, valeur, [detail], [lu], [enfants], [definition]


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


def rule_entry(rule: RuleRef) -> RuleEntry:
    entry: RuleEntry = {"decision": rule.action.value, "ligne": rule.line, "regle": rule.label}
    if rule.priority is not None:
        entry["priorite"] = rule.priority
    return entry


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
    evaluator = Evaluator.of(policy, decision)  # one evaluation for trace and explanation
    shown: set[str] = set()  # the names the trace shows, for ``preuves``
    traced = trace_decision(policy, decision, evaluator=evaluator)
    trace = [trace_entry(rule, shown) for rule in traced]
    rule = decision.rule
    content: dict[str, Any] = {
        "decision": decision.action.value,
        "declenchees": [rule_entry(r) for r in decision.fired],
        "duree_ms": round(duration_ms, 6),
        "explication": explain(decision, policy, evidence, evaluator=evaluator),
        "faits": dict(decision.facts),
        "faits_derives": dict(decision.derived),
        "id": str(invitation.get("id")),
        "inconnues": [rule_entry(r) for r in decision.unknown],
        "invitation": minimal_invitation(invitation, policy) if minimise else dict(invitation),
        "moteur": decision.engine,
        "parametres": dict(decision.parameters),
        "politique": policy_ref(policy, policy_sha256),
        "preuves": shown_evidence(shown, evidence),
        "regle": decision.label,
        "resolution": decision.strategy.value,
        "trace": trace,
        "version_tamis": TAMIS_VERSION,
    }
    optional = {
        "contexte_sha256": context_sha256,
        "ligne": rule.line if rule else _default_line(policy),
        "motif": decision.motif,
        "priorite": rule.priority if rule else None,
        "minimise": True if minimise else None,
    }
    content.update((key, value) for key, value in optional.items() if value is not None)
    return content  # type: ignore[return-value]


def trace_entry(trace: RuleTrace, shown: set[str] | None = None) -> TraceEntry:
    """A rule's trace as recorded; ``shown`` receives the names its nodes show."""
    return {
        "condition": node_entry(trace.condition, shown),
        "decisive": trace.decisive,
        "ligne": trace.rule.line,
        "regle": trace.rule.label,
    }


def node_entry(node: TraceNode, shown: set[str] | None = None) -> dict[str, Any]:
    """A trace node without the values ``faits``/``parametres`` already hold; ``shown``
    receives the names each node shows (what ``node_names`` reads back from the entry)."""
    out: dict[str, Any] = {"condition": node.text}
    if node.definition is not None:
        out["definition"] = node_entry(node.definition, shown)
    if node.detail != node.text:
        out["detail"] = node.detail
    if node.children:
        out["enfants"] = [node_entry(child, shown) for child in node.children]
    names = [name for name, _ in node.reads]
    if names and names != [node.text]:
        out["lu"] = names
    if shown is not None:
        shown.update(names or ([] if "enfants" in out or "detail" in out else [node.text]))
    value = node.value
    out["valeur"] = truth_word(value) if value is None or isinstance(value, bool) else str(value)
    return out


def node_names(node: Mapping[str, Any]) -> list[str]:
    """The names a trace node read itself (v2: ``lu``, or a lone name; v1: ``lu`` keys)."""
    if "lu" in node:
        return list(node["lu"])
    if "enfants" in node or "detail" in node:
        return []
    return [node["condition"]]


def node_line(node: Mapping[str, Any], version: int = SCHEMA_VERSION) -> str:
    """``expediteur.connexions = 12 < connexions_min = 50 → vrai`` (version 1 stored it whole)."""
    if version < 2:
        return node["detail"]
    return f"{node.get('detail') or node['condition']} → {node['valeur']}"


def shown_evidence(shown: set[str], evidence: Mapping[str, str]) -> dict[str, str]:
    """The evidence notes of the names the trace shows (the others explain nothing here)."""
    if not evidence:
        return {}
    return {name: evidence[name] for name in sorted(shown) if name in evidence}


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
