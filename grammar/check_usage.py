"""Usage pass: definitions no rule reads and parameters nothing reads (warnings).

A definition counts as used when a rule reads it, directly or through other used
definitions. A declared parameter counts as used when any condition reads it, or when it
carries a built-in parameter's name (built-in facts read it).
"""

from __future__ import annotations

from tamis.grammar.ast import iter_refs
from tamis.grammar.check_codes import Reporter, span_of
from tamis.grammar.check_decls import Declarations
from tamis.grammar.check_names import conditions
from tamis.grammar.check_words import quote
from tamis.grammar.stratify import Graph, reachable
from tamis.grammar.vocabulary import Vocabulary


def used_definitions(decls: Declarations, graph: Graph) -> set[str]:
    """The definitions reachable from the rules' conditions."""
    roots = {ref.name for rule in decls.rules for ref in iter_refs(rule.condition)}
    used = roots & graph.keys()
    return used | reachable(graph, *used)


def check_usage(
    decls: Declarations, graph: Graph, vocabulary: Vocabulary, reporter: Reporter
) -> None:
    used = used_definitions(decls, graph)
    for name, definition in decls.definitions.items():
        if name not in used:
            reporter.report(
                "W001",
                f"la définition {quote(name)} n'est utilisée par aucune règle",
                span_of(definition, definition.name_span),
                "supprimez-la, ou utilisez-la dans la condition d'une règle",
            )
    read = {ref.name for expr in conditions(decls) for ref in iter_refs(expr)}
    for name, parameter in decls.parameters.items():
        if name not in read and name not in vocabulary.parameters:
            reporter.report(
                "W002",
                f"le paramètre {quote(name)} n'est utilisé nulle part",
                span_of(parameter, parameter.name_span),
                "supprimez-le, ou utilisez-le dans une condition",
            )
