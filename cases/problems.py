"""The diagnostics of test files: one stable code per problem, worded in French.

Test files are reported like policies (``tamis.grammar.diagnostics``): code, severity,
message, span, help, rendered as ``blogue.cas.toml:12:5: erreur[C008]: …`` with the source
line and a caret. ``CODES`` is the list ``docs/tester.md`` documents (a test keeps both in
step). ``Problems`` collects them, then the caller decides: collect, then fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tamis.cases.locate import Path, Places
from tamis.grammar.ast import NO_SPAN, Span
from tamis.grammar.diagnostics import Diagnostic, Severity, render

CODES: dict[str, str] = {
    "C001": "fichier de cas illisible ou syntaxe TOML invalide",
    "C002": "clé inconnue",
    "C003": "valeur du mauvais type",
    "C004": "clé obligatoire absente",
    "C005": "décision inconnue",
    "C006": "règle inconnue de la politique",
    "C007": "fait inconnu dans une attente",
    "C008": "valeur attendue impossible pour ce fait",
    "C009": "invitation invalide ou fichier d'invitation illisible",
    "C010": "contexte invalide ou illisible",
    "C011": "paramètre inconnu, de mauvais type ou hors de ses bornes",
    "C012": "politique introuvable, illisible ou erronée",
    "C013": "deux cas du même nom",
    "C014": "fichier sans aucun cas",
}


@dataclass
class Problems:
    """The diagnostics of one test file, each placed by its key path when it has one."""

    path: str
    source: str
    places: Places | None = None
    found: list[tuple[Diagnostic, int | None]] = field(default_factory=list)  # (diag, case)
    broken: set[int] = field(default_factory=set)

    def error(
        self,
        code: str,
        message: str,
        where: Path = (),
        *,
        help: str | None = None,
        on_value: bool = False,
        span: Span | None = None,
    ) -> None:
        """Adds an error at ``where`` (its key, or its value with ``on_value``)."""
        if span is None:
            span = self._span(where, on_value)
        case = where[1] if len(where) > 1 and where[0] == "cas" else None
        diagnostic = Diagnostic(code, Severity.ERREUR, message, span, help, self.path)
        self.found.append((diagnostic, case if isinstance(case, int) else None))

    def _span(self, where: Path, on_value: bool) -> Span:
        place = self.places.near(where) if self.places and where else None
        if place is None:
            return NO_SPAN
        return place.value if on_value else place.key

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return sorted((d for d, _ in self.found), key=Diagnostic.sort_key)

    def mark_broken(self, case: int) -> None:
        """Case ``case`` (0-based) cannot run, for a problem reported in another form."""
        self.broken.add(case)

    def broken_cases(self) -> set[int]:
        return self.broken | {case for _, case in self.found if case is not None}

    def whole_file(self) -> bool:
        """True when a problem concerns the file, not one case: no case can run."""
        return any(case is None for _, case in self.found)

    def rendered(self) -> str:
        return "\n\n".join(render(d, self.source) for d in self.diagnostics)

    def of_case(self, case: int | None) -> list[Diagnostic]:
        """The diagnostics of case ``case`` (0-based), or of the file as a whole (None)."""
        return sorted((d for d, at in self.found if at == case), key=Diagnostic.sort_key)


def dotted(path: Path) -> str:
    """``cas[2].attendu.faits.suspect``: a key path as the user reads it."""
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
