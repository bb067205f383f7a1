"""The checker's diagnostic codes and the collector every checking pass reports into.

Sits inside ``check``: each pass (names, types, definitions, rules) receives a
``Reporter`` and adds diagnostics to it; ``check_policy`` sorts them at the end.
Codes are stable: E010-E049 are errors, W001-W019 warnings; ``docs/diagnostics.md``
documents each one (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tamis.grammar.ast import NO_SPAN, Node, Span
from tamis.grammar.diagnostics import Diagnostic, Severity

CODES: dict[str, str] = {
    "E000": "fichier illisible",
    "E010": "instruction « politique » en double",
    "E011": "fait ou paramètre inconnu",
    "E012": "champ inconnu",
    "E013": "comparaison entre types incompatibles",
    "E014": "comparaison d'ordre sur autre chose que des nombres",
    "E015": "« entre » sur autre chose que des nombres",
    "E016": "« contient » sur autre chose que du texte ou une liste",
    "E017": "opérateur de texte sur autre chose que du texte",
    "E018": "« dans » sans liste",
    "E019": "élément de liste d'un autre type que le sujet",
    "E020": "condition qui n'est pas un booléen",
    "E021": "expression régulière invalide",
    "E022": "définition qui dépend d'elle-même",
    "E023": "nom de règle en double",
    "E024": "définition en double",
    "E025": "paramètre en double",
    "E026": "paramètre et définition du même nom",
    "E027": "valeur d'un paramètre intégré du mauvais type",
    "E028": "« priorité » sans « résolution priorité »",
    "E029": "règle sans « priorité » sous « résolution priorité »",
    "E030": "instruction « résolution » en double",
    "E031": "instruction « sinon » en double",
    "E032": "liste qui mélange des types",
    "E033": "liste à un endroit où elle n'a pas de sens",
    "E034": "paramètre qui porte le nom d'un fait ou d'un champ",
    "E035": "définition qui porte le nom d'un paramètre intégré",
    "E036": "liste de paramètre qui ne contient pas que du texte",
    "E037": "expression régulière non prise en charge (RE2)",
    "E038": "valeur d'un paramètre intégré hors de ses bornes",
    "W001": "définition inutilisée",
    "W002": "paramètre inutilisé",
    "W003": "pas d'instruction « sinon »",
    "W004": "règle qui ne décidera jamais",
    "W005": "même condition, actions différentes",
    "W006": "définition qui remplace un fait intégré",
    "W007": "condition toujours fausse",
    "W008": "« entre » dont les bornes sont inversées",
    "W009": "politique sans règle",
    "W011": "liste où « 1,5 » se lit comme deux nombres",
    "W012": "caractère de contrôle de direction dans une chaîne ou un commentaire",
    "W010": "« \\w » ou « \\b » d'une expression régulière qui ignore les lettres accentuées",
}
"""Every code the checker and the loader emit, with a short French title."""


def span_of(node: Node, name_span: Span | None = None) -> Span:
    """The most precise span known for a node (its name's span when the parser gave one)."""
    return name_span if name_span is not None and name_span != NO_SPAN else node.span


@dataclass
class Reporter:
    """Collects diagnostics for one policy file; never stops at the first."""

    path: str
    source: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def report(self, code: str, message: str, span: Span, help: str | None = None) -> None:
        if code not in CODES:
            raise KeyError(f"undocumented diagnostic code {code}")
        severity = Severity.ERREUR if code.startswith("E") else Severity.AVERTISSEMENT
        self.diagnostics.append(Diagnostic(code, severity, message, span, help, self.path))

    def text(self, node: Node) -> str | None:
        """The source text of a node when it sits on one line, else None."""
        span = node.span
        if span.end <= span.start or span.line != span.end_line:
            return None
        return self.source[span.start : span.end] or None

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.diagnostics, key=Diagnostic.sort_key)
