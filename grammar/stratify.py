"""Order the definitions so that each comes after every definition it reads; report cycles.

Part of the checker: takes the policy's definitions (name -> ``Definition``), reports one
diagnostic per cycle (``a → b → a``) at the cycle's first definition in file order, and
returns the definitions in a stratified order that keeps file order where it can. The
engine evaluates definitions in that order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from tamis.grammar import ast
from tamis.grammar.ast import iter_refs
from tamis.grammar.check_codes import Reporter, span_of
from tamis.grammar.check_words import quote

Graph = dict[str, list[str]]


def dependencies(definitions: Mapping[str, ast.Definition]) -> Graph:
    """name -> the definitions its condition reads (in source order, without repeats)."""
    graph: Graph = {}
    for name, definition in definitions.items():
        reads = (ref.name for ref in iter_refs(definition.condition))
        graph[name] = list(dict.fromkeys(r for r in reads if r in definitions))
    return graph


def reachable(graph: Graph, start: str) -> set[str]:
    """Every node reachable from ``start`` in one step or more."""
    seen: set[str] = set()
    queue = deque(graph[start])
    while queue:
        node = queue.popleft()
        if node not in seen:
            seen.add(node)
            queue.extend(graph[node])
    return seen


def shortest_cycle(graph: Graph, start: str) -> list[str]:
    """``[start, …, start]``: the shortest path back to ``start`` (breadth-first)."""
    parent: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in graph[node]:
            if target == start:
                return [*_path_to(parent, start, node), start]
            if target not in parent:
                parent[target] = node
                queue.append(target)
    return []


def _path_to(parent: dict[str, str], start: str, node: str) -> list[str]:
    path = [node]
    while path[-1] != start:
        path.append(parent[path[-1]])
    return path[::-1]


def report_cycles(
    definitions: Mapping[str, ast.Definition], graph: Graph, reporter: Reporter
) -> set[str]:
    """One diagnostic per group of mutually dependent definitions; returns the cyclic names."""
    reach = {name: reachable(graph, name) for name in graph}
    cyclic: set[str] = set()
    for name in graph:  # file order
        if name in cyclic or name not in reach[name]:
            continue
        group = {other for other in reach[name] if name in reach[other]}
        cyclic |= group
        cycle = " → ".join(shortest_cycle(graph, name))
        definition = definitions[name]
        reporter.report(
            "E022",
            f"la définition {quote(name)} dépend d'elle-même : {cycle}",
            span_of(definition, definition.name_span),
            "une définition ne peut pas se lire elle-même, ni directement ni par d'autres "
            "définitions ; cassez le cycle",
        )
    return cyclic


def stratify(definitions: Mapping[str, ast.Definition], graph: Graph) -> list[ast.Definition]:
    """Each definition after those it reads, otherwise in file order (cycles last)."""
    done: dict[str, None] = {}
    pending = list(graph)
    progress = True
    while pending and progress:
        ready = next((n for n in pending if all(d in done for d in graph[n])), None)
        progress = ready is not None
        if ready is not None:
            done[ready] = None
            pending.remove(ready)
    return [definitions[name] for name in [*done, *pending]]
