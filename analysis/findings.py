"""What ``tamis analyser`` reports: a diagnostic (code A0xx, place, help) and its evidence.

Sits at the end of the analysis, before the command prints. Each finding is a
``tamis.grammar.diagnostics.Diagnostic``, rendered the same way as ``tamis valider``'s, with
what backs it: for a proof, nothing more (no invitation can contradict it); for an
existence claim, the invitation (and context) the real engine decided, with its decision, or
— when no invitation could be built — the values of the facts the solver found, said so.
Codes are stable and documented in ``docs/analyse.md`` (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from tamis.analysis.search import Witness
from tamis.engine.decision import Decision, RuleRef
from tamis.grammar.ast import Span
from tamis.grammar.diagnostics import Diagnostic, Severity, render

CODES: dict[str, tuple[Severity, str]] = {
    "A001": (Severity.ERREUR, "règle qui ne décide jamais"),
    "A002": (Severity.ERREUR, "condition de règle jamais vraie"),
    "A003": (Severity.NOTE, "deux règles d'actions différentes qui s'appliquent ensemble"),
    "A004": (Severity.AVERTISSEMENT, "définition jamais vraie"),
    "A005": (Severity.AVERTISSEMENT, "définition jamais fausse"),
    "A006": (Severity.AVERTISSEMENT, "condition vraie seulement quand un fait est inconnu"),
    "A007": (Severity.NOTE, "invitations pour lesquelles « sinon » décide"),
}
"""Every code the analysis emits, with its severity and a short French title."""


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    span: Span
    path: str
    help: str | None = None
    witness: Witness | None = None
    condition: tuple[str, ...] = field(default=())  # French: values that are enough for it

    @property
    def diagnostic(self) -> Diagnostic:
        severity = CODES[self.code][0]
        return Diagnostic(self.code, severity, self.message, self.span, self.help, self.path)

    def to_json(self) -> dict[str, Any]:
        shown = self.diagnostic.to_json()
        if self.condition:
            shown["condition"] = list(self.condition)
        if self.witness is not None:
            shown["exemple"] = example_json(self.witness)
        return shown


def example_json(witness: Witness) -> dict[str, Any]:
    """The witness as users see it in JSON: the invitation and context, or the values."""
    if witness.case is None:
        return {"confirme": False, "faits": witness.assignment.shown()}
    case = witness.case
    shown: dict[str, Any] = {
        "confirme": True,
        "decisions": [decision_words(d) for d in witness.decisions],
    }
    if case.invitation is not None:
        shown["invitation"] = case.invitation
        if case.context:
            shown["contexte"] = case.context
        if case.files:
            shown["fichiers"] = dict(case.files)
    else:
        shown["faits"] = {k: _plain(v) for k, v in sorted(case.facts.items())}
    return shown


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def rule_words(ref: RuleRef) -> str:
    """« la règle « photo » » or « la règle de la ligne 12 »."""
    return (
        f"la règle « {ref.label} »"
        if not ref.label.startswith("ligne ")
        else (f"la règle de la ligne {ref.line}")
    )


def decision_words(decision: Decision) -> str:
    who = "sinon" if decision.rule is None else rule_words(decision.rule)
    return f"{decision.action.value} ({who})"


def render_finding(finding: Finding, source: str) -> str:
    """The diagnostic as ``tamis valider`` prints it, then its condition and example."""
    lines = [render(finding.diagnostic, source)]
    if finding.condition:
        lines.append("  quand : " + " et ".join(finding.condition))
    if finding.witness is not None:
        lines += _example_lines(finding.witness)
    return "\n".join(lines)


def _example_lines(witness: Witness) -> list[str]:
    if witness.case is None:
        values = ", ".join(f"{k} = {v}" for k, v in witness.assignment.shown().items())
        return [
            "  exemple : aucune invitation n'a pu être construite pour ces valeurs de faits ;"
            " non confirmé par le moteur",
            f"    {values}",
        ]
    case = witness.case
    lines = [
        "  exemple (confirmé par le moteur : "
        + " ; ".join(decision_words(d) for d in witness.decisions)
        + ") :"
    ]
    if case.invitation is not None:
        lines.append("    invitation : " + orjson.dumps(case.invitation).decode())
        if case.context:
            lines.append("    contexte : " + case.context.strip().replace("\n", " ; "))
        for name, content in case.files.items():
            lines.append(f"    {name} : " + content.strip().replace("\n", " ; "))
    else:
        facts = ", ".join(f"{k} = {_fact_word(v)}" for k, v in sorted(case.facts.items()))
        lines.append(f"    faits : {facts}")
    return lines


def _fact_word(value: object) -> str:
    if value is None:
        return "inconnu"
    if isinstance(value, bool):
        return "vrai" if value else "faux"
    return orjson.dumps(_plain(value)).decode()
