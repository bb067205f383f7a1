"""Order the definitions so that each comes after every definition it reads; report cycles.

Part of the checker: takes the policy's definitions (name -> ``Definition``), reports one
diagnostic per cycle (``a → b → a``) at the cycle's first definition in file order, and
returns the definitions in a stratified order that keeps file order where it can. The
engine evaluates definitions in that order.
"""

from __future__ import annotations

import heapq
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


def reachable(graph: Graph, *starts: str) -> set[str]:
    """Every node reachable from one of ``starts`` in one step or more (one pass for all)."""
    seen: set[str] = set()
    queue = deque(target for start in starts for target in graph[start])
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
    cyclic: set[str] = set()
    for group in cyclic_groups(graph):
        name = next(n for n in graph if n in group)  # the group's first in file order
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


def cyclic_groups(graph: Graph) -> list[set[str]]:
    """The strongly connected components that hold a cycle (Tarjan's algorithm, iterative,
    linear in the graph's size), ordered by their first member in file order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in graph:
        if root not in index:
            _strong_connect(graph, root, index, low, stack, on_stack, groups)
    order = {name: i for i, name in enumerate(graph)}
    cycles = [g for g in groups if len(g) > 1 or any(n in graph[n] for n in g)]
    return sorted(cycles, key=lambda g: min(order[n] for n in g))


def _strong_connect(graph, root, index, low, stack, on_stack, groups) -> None:
    work = [(root, 0)]
    while work:
        node, edge = work.pop()
        if edge == 0:
            index[node] = low[node] = len(index)
            stack.append(node)
            on_stack.add(node)
        targets = graph[node]
        if edge < len(targets):
            work.append((node, edge + 1))
            target = targets[edge]
            if target not in index:
                work.append((target, 0))
            elif target in on_stack:
                low[node] = min(low[node], index[target])
            continue
        for target in targets:  # children finished: take their low links
            if target in on_stack:
                low[node] = min(low[node], low[target])
        if low[node] == index[node]:
            groups.append(_pop_group(node, stack, on_stack))


def _pop_group(node: str, stack: list[str], on_stack: set[str]) -> set[str]:
    group: set[str] = set()
    while True:
        member = stack.pop()
        on_stack.discard(member)
        group.add(member)
        if member == node:
            return group


def stratify(definitions: Mapping[str, ast.Definition], graph: Graph) -> list[ast.Definition]:
    """Each definition after those it reads, otherwise in file order (cycles last).

    Kahn's algorithm with the ready definitions in a heap keyed by file position: the one
    picked is always the earliest ready one, in O((V + E) log V).
    """
    order = {name: i for i, name in enumerate(graph)}
    names = list(graph)
    waiting = {name: len(set(graph[name])) for name in graph}
    readers: dict[str, list[str]] = {name: [] for name in graph}
    for name in graph:
        for read in set(graph[name]):
            readers[read].append(name)
    ready = [order[name] for name, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    done: list[str] = []
    while ready:
        name = names[heapq.heappop(ready)]
        done.append(name)
        for reader in readers[name]:
            waiting[reader] -= 1
            if waiting[reader] == 0:
                heapq.heappush(ready, order[reader])
    placed = set(done)
    return [definitions[name] for name in [*done, *(n for n in graph if n not in placed)]]
