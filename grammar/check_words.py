"""French wording shared by the checker's messages: how to name an operand, a list of names.

Used by every checking pass so that messages quote the user's own text (« expediteur.titre »,
« 50 ») the same way everywhere.
"""

from __future__ import annotations

from tamis.grammar import ast
from tamis.grammar.format import format_value


def quote(text: str) -> str:
    return f"« {text} »"


def describe(expr: ast.Expr, source_text: str | None = None) -> str:
    """« the operand », from the source when available, else rebuilt from the AST."""
    if isinstance(expr, ast.Ref):
        return quote(expr.name)
    if isinstance(expr, ast.Literal):
        return quote(format_value(expr.value))
    if source_text is not None and len(source_text) <= 40:
        return quote(source_text)
    if isinstance(expr, ast.ListLiteral):
        return "la liste"
    return "l'expression"


def name_list(names: list[str], limit: int = 8) -> str:
    """« a », « b », « c » … (at most ``limit`` names)."""
    shown = ", ".join(quote(n) for n in names[:limit])
    return shown + (", …" if len(names) > limit else "")


def at_line(node: ast.Node) -> str:
    """« à la ligne N » for a node with a span, « plus haut » for a hand-built node."""
    return f"à la ligne {node.span.line}" if node.span.line else "plus haut"


def rule_ref(rule: ast.Rule) -> str:
    """« la règle « photo » » or « la règle de la ligne 12 »."""
    if rule.name is not None:
        return f"la règle {quote(rule.name)}"
    return f"la règle de la ligne {rule.span.line}" if rule.span.line else "la règle sans nom"


def rule_ref_at(rule: ast.Rule) -> str:
    """Like ``rule_ref``, with the line for a named rule: « la règle « photo » (ligne 3) »."""
    if rule.name is not None and rule.span.line:
        return f"{rule_ref(rule)} (ligne {rule.span.line})"
    return rule_ref(rule)
