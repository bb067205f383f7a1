"""A decision in words: the short French explanation.

Last step of deciding (``Decision`` -> trace -> **explanation**), built once per decision
into its ``Explained`` (:mod:`tamis.engine.explainer`).
The reasons come from the deciding rule's trace: the leaves that made its condition true, with
the domain's evidence notes (« sans_photo est vrai (expediteur.photo absente) »), derived facts
explained by their own definition.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from tamis.engine.decision import Decision, RuleRef
from tamis.engine.explained import NodeKind, TraceNode
from tamis.engine.semantics import truth_word
from tamis.engine.trace import Evaluator, rule_words
from tamis.grammar.ast import Action
from tamis.grammar.checked import CheckedPolicy

_HEADS = {
    Action.ACCEPTER: "Acceptée par la",
    Action.REFUSER: "Refusée par la",
    Action.IGNORER: "Ignorée par la",
    Action.SIGNALER: "Signalée par la",
    Action.EXAMINER: "À examiner selon la",
}
# A request the user is about to send (``sens = "sortante"``) is advised, never « acceptée »
# or « refusée »: nobody but the user decides to send it.
_OUTGOING_HEADS = {
    Action.ACCEPTER: "À envoyer selon la",
    Action.REFUSER: "À ne pas envoyer selon la",
    Action.IGNORER: "À ne pas envoyer selon la",
    Action.SIGNALER: "À ne pas envoyer selon la",
    Action.EXAMINER: "À retoucher selon la",
}


def explain(
    decision: Decision,
    policy: CheckedPolicy,
    evidence: Mapping[str, str] | None = None,
    *,
    evaluator: Evaluator | None = None,
    outgoing: bool = False,
) -> str:
    """The decision in one or two French sentences (as advice when ``outgoing``).

    « Refusée par la règle « photo » (ligne 12) : sans_photo est vrai (expediteur.photo absente). »
    ``evaluator`` (from ``Evaluator.of(policy, decision)``) reuses the conditions a trace of
    the same decision already evaluated.
    """
    notes = evidence or {}
    evaluator = Evaluator.checked(evaluator, policy, decision)
    if decision.rule is None:
        return _by_default(decision, policy, evaluator, notes)
    node = evaluator.rule(decision.rule.index)
    reasons = " et ".join(_reasons(node, True, notes))
    heads = _OUTGOING_HEADS if outgoing else _HEADS
    text = f"{heads[decision.action]} {rule_words(decision.rule)} : {reasons}."
    return text + _motif(decision.rule)


def _motif(rule: RuleRef) -> str:
    if not rule.motif:
        return ""
    motif = rule.motif.strip()
    return f" Motif : {motif}" + ("" if motif.endswith((".", "!", "?", "…")) else ".")


def _by_default(
    decision: Decision, policy: CheckedPolicy, evaluator: Evaluator, notes: Mapping[str, str]
) -> str:
    if policy.default_span is not None:
        text = f"Aucune règle ne s'applique : décision par défaut (sinon) {decision.action.value}."
    else:
        text = (
            f"Aucune règle ne s'applique : décision par défaut {decision.action.value} "
            "(la politique n'a pas de « sinon »)."
        )
    unknown = [_unknown_words(r, evaluator, notes) for r in decision.unknown]
    if unknown:
        text += " Règles restées inconnues faute de données : " + " ; ".join(unknown) + "."
    return text


def _unknown_words(rule: RuleRef, evaluator: Evaluator, notes: Mapping[str, str]) -> str:
    node = evaluator.rule(rule.index)
    names = dict.fromkeys(_missing(node))
    missing = ", ".join(_with_note(f"{n} inconnu", n, notes=notes) for n in names)
    return f"{rule_words(rule)} — {missing}" if missing else rule_words(rule)


def _missing(node: TraceNode) -> Iterator[str]:
    """The names read as inconnu that make an inconnu node inconnu."""
    if node.value is not None:
        return
    for child in node.children:
        yield from _missing(child)
    if node.definition is not None:
        yield from _missing(node.definition)
        return
    yield from (name for name, value in node.reads if value is None)


def _reasons(node: TraceNode, want: bool, notes: Mapping[str, str]) -> list[str]:
    """Phrases saying why ``node`` has the value ``want``."""
    kind = node.kind
    if kind is NodeKind.NOT:
        return _reasons(node.children[0], not want, notes)
    if kind is NodeKind.AND or kind is NodeKind.OR:
        decisive = (kind is NodeKind.AND) != want  # a false "et" / a true "ou": the deciding ones
        chosen = [c for c in node.children if c.value is want] if decisive else node.children
        return [phrase for child in chosen for phrase in _reasons(child, want, notes)]
    if kind is NodeKind.NAME:
        return [_name_reason(node, want, notes)]
    if kind is NodeKind.VALUE:
        return ["la condition est toujours " + ("vraie" if want else "fausse")]
    text = node.detail if want else f"{node.detail} est faux"
    return [_with_note(text, *(name for name, _ in node.reads), notes=notes)]


def _name_reason(node: TraceNode, want: bool, notes: Mapping[str, str]) -> str:
    name = node.reads[0][0]
    text = f"{name} est {truth_word(want)}"
    if node.definition is not None:
        return f"{text} ({' et '.join(_reasons(node.definition, want, notes))})"
    return _with_note(text, name, notes=notes)


def _with_note(text: str, *names: str, notes: Mapping[str, str]) -> str:
    found = [notes[name] for name in names if notes.get(name)]
    return f"{text} ({'; '.join(found)})" if found else text
