"""A checked policy translated into a durable-rules ruleset definition (plain data).

Flow: ``CheckedPolicy`` -> negation normal form (``nnf``) -> **ruleset definition** (this
module) -> registered and run by ``durable_engine``. Nothing here imports durable-rules: the
result is the JSON-shaped definition durable's ``Host.register_rulesets`` takes, except that
each rule's ``"run"`` holds the fact its action asserts, ``(name, value)``.

Working memory holds one fact per name, ``{"n": name, "v": value}``, with no ``"v"`` when the
value is inconnu:

- base facts, fields and parameters the conditions test (asserted by the engine);
- *leaf facts* ``#feuille<k>``: the value of a comparison durable cannot express exactly
  (``contient``, ``commence par``, ``correspond à``, ``dans``, list equality), computed by
  :mod:`tamis.engine.semantics` before asserting, so that both engines share one meaning;
- derived facts ``{"n": définition, "v": vrai|faux}``, absent when inconnu, and the
  conclusions ``#règle<i>`` of decision rule ``i`` (vrai: an activation; faux: proven not to
  fire), which no rule reads, so the engine keeps them in the session state only;
- node facts ``~<k>``: a shared sub-condition proven vrai (one per ``ou`` of the NNF that sits
  inside an ``et``: a disjunction becomes several rules asserting the same fact);
- markers ``#inconnu<k>``: "this derived fact or sub-condition is inconnu", asserted by the
  engine between rounds (see ``Marker``), the only non-monotonic test.

Parameters are known before any invitation is decided, so the translation is made for one set
of parameter values, inlined as literals: ``x < connexions_min`` is a plain test on ``x``. A
comparison of two names stays out of durable: durable-rules 2.0.28 crashes (SIGSEGV, reported
as jruizgit/rules#381) on rules that compare a fact with another fact's value, so it becomes a
leaf fact too.

Each rule is a conjunction of patterns, one per fact name (durable never binds one fact to two
patterns of a rule, so tests on the same name are merged). A ``définir`` gives rules for
"vrai" and for "faux"; so does each decision rule.

``#début`` is asserted first in every session: it anchors conditions that are always vrai,
and its own rule guarantees one action per session (durable-rules 2.0.28 crashes when
deleting the state of a session in which no action ever ran). The ``#sol`` rule matches every
fact and never fires: without it, durable answers ``MessageNotHandledException`` for a batch
holding a fact no pattern accepts, and then runs no action at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from tamis.engine.nnf import (
    NEGATED,
    AllOf,
    AnyOf,
    Const,
    Known,
    Node,
    Normalizer,
    Truth,
    Unknown,
)
from tamis.grammar import ast
from tamis.grammar.checked import CheckedPolicy, Kind
from tamis.grammar.vocabulary import Type, Value, type_of

START = "#début"
EXISTS = {"$ex": {"v": 1}}
ABSENT = {"$nex": {"v": 1}}
GROUND = {"all": [{"m": {"$ex": {"n": 1}}}, {"z": {"n": "#jamais"}}]}
"""Every fact matches the first pattern; nothing is ever named ``#jamais``."""

DURABLE_OPS = {
    ast.Op.NE: "$neq",
    ast.Op.LT: "$lt",
    ast.Op.LE: "$lte",
    ast.Op.GT: "$gt",
    ast.Op.GE: "$gte",
}
MIRRORED = {
    ast.Op.EQ: ast.Op.EQ,
    ast.Op.NE: ast.Op.NE,
    ast.Op.LT: ast.Op.GT,
    ast.Op.GT: ast.Op.LT,
    ast.Op.LE: ast.Op.GE,
    ast.Op.GE: ast.Op.LE,
}
"""``a OP b`` holds exactly when ``b MIRRORED[OP] a`` does."""

FactKey = tuple[str, bool]


def rule_fact(index: int) -> str:
    """The fact whose value is decision rule ``index``'s condition."""
    return f"#règle{index}"


@dataclass(frozen=True)
class Test:
    """A condition on the ``"v"`` of the fact named ``name``."""

    name: str
    test: Mapping[str, object]


Body = list[Test]


@dataclass(frozen=True)
class Leaf:
    """A comparison evaluated in Python; its value is asserted as fact ``fact``."""

    fact: str
    expr: ast.Compare


@dataclass(frozen=True)
class Marker:
    """``#inconnu<k>``: asserted in round ``level`` when neither fact below is present.

    ``when_true``/``when_false`` are the facts proving the expression vrai/faux. Once every
    marker of lower levels is placed, the engine is quiescent and their absence is final.
    """

    fact: str
    level: int
    when_true: FactKey
    when_false: FactKey


@dataclass
class Translation:
    rules: dict[str, dict] = field(default_factory=dict)  # name -> {"all": [...], "run": key}
    names: dict[str, None] = field(default_factory=dict)  # base names/parameters, ordered set
    leaves: dict[ast.Compare, Leaf] = field(default_factory=dict)
    markers: dict[ast.Expr, Marker] = field(default_factory=dict)
    tested: set[str] = field(default_factory=set)  # names some pattern reads
    owners: dict[str, str] = field(default_factory=dict)  # durable rule -> definition or #règle

    @property
    def rounds(self) -> int:
        return max((m.level for m in self.markers.values()), default=0)


def translate(policy: CheckedPolicy, parameters: Mapping[str, Value]) -> Translation:
    """The ruleset of ``policy`` for these parameter values: definitions, then rules.

    A fact that durable would test against too many values at once (``stacked``) has its
    comparisons computed in Python instead, as leaf facts: the ruleset is translated again
    with those names, which can only leave fewer tests on each name."""
    in_python: frozenset[str] = frozenset()
    while True:
        translation = _Translator(policy, parameters, in_python).run()
        wide = stacked(translation) - in_python
        if not wide:
            return translation
        in_python |= wide


class _Translator:
    def __init__(
        self, policy: CheckedPolicy, parameters: Mapping[str, Value], in_python: frozenset[str]
    ) -> None:
        self.policy = policy
        self.in_python = in_python  # names whose comparisons all become leaf facts
        self.inline = _Inliner(policy, parameters)
        self.normal = Normalizer(policy.types)
        self.derived = {d.name for d in policy.definitions}
        self.levels: dict[str, int] = {}
        self.nodes: dict[Node, FactKey] = {}
        self.out = Translation()
        self.owner = ""

    def run(self) -> Translation:
        for definition in self.policy.definitions:
            self.owner = definition.name
            self.levels[definition.name] = self.decide(definition.condition, definition.name)
        for index, rule in enumerate(self.policy.rules):
            self.owner = rule_fact(index)
            self.decide(rule.condition, rule_fact(index))
        return self.out

    def decide(self, condition: ast.Expr, fact: str) -> int:
        """Rules asserting ``fact`` vrai and faux; returns the round where it is final."""
        condition = self.inline(condition)
        when_true = self.normal.condition(condition, True)
        when_false = self.normal.condition(condition, False)
        self.conclude(when_true, (fact, True))
        self.conclude(when_false, (fact, False))
        return max(self.level(when_true), self.level(when_false))

    # --- rules -----------------------------------------------------------------

    def conclude(self, node: Node, target: FactKey) -> None:
        """Rules that assert ``target`` whenever ``node`` holds (one per alternative)."""
        if isinstance(node, AnyOf):
            for item in node.items:
                self.conclude(item, target)
            return
        for body in self.alternatives(node):
            name = f"r{len(self.out.rules)}"
            self.out.rules[name] = {"all": assemble(body), "run": target}
            self.out.owners[name] = self.owner
            self.out.tested.update(test.name for test in body)

    def alternatives(self, node: Node) -> list[Body]:
        """Conjunctions of tests, any of which proves ``node`` (none: it never holds)."""
        if isinstance(node, Const):
            return [[]] if node.value else []
        if isinstance(node, AnyOf):
            return [self.fact(self.materialize(node))]
        if isinstance(node, AllOf):
            bodies = [self.body(item) for item in node.items]
            if any(body is None for body in bodies):
                return []
            body = [test for body in bodies for test in body]  # type: ignore[union-attr]
            if len({test.name for test in body}) > MAX_PATTERNS and len(node.items) > 1:
                return [
                    [test for part in _parts(node) for test in self.fact(self.materialize(part))]
                ]
            return [body]
        return self.leaf(node)

    def body(self, node: Node) -> Body | None:
        alternatives = self.alternatives(node)
        if len(alternatives) > 1:
            return self.fact(self.materialize(node))
        return alternatives[0] if alternatives else None

    def materialize(self, node: Node) -> FactKey:
        """A fact present exactly when ``node`` holds (a derived fact is its own)."""
        if isinstance(node, Truth) and self.is_derived(node.expr):
            return node.expr.name, node.value  # type: ignore[union-attr]
        if node not in self.nodes:
            self.nodes[node] = (f"~{len(self.nodes)}", True)
            self.conclude(node, self.nodes[node])
        return self.nodes[node]

    @staticmethod
    def fact(key: FactKey) -> Body:
        return [Test(key[0], {"v": key[1]})]

    # --- leaves ----------------------------------------------------------------

    def leaf(self, node: Node) -> list[Body]:
        match node:
            case Truth(expr=ast.Ref() as ref, value=value):
                return [[Test(self.read(ref), {"v": value})]]
            case Known(ref=ref) if self.is_derived(ref):
                return [self.fact((ref.name, True)), self.fact((ref.name, False))]
            case Known(ref=ref):
                return [[Test(self.read(ref), EXISTS)]]
            case Unknown(expr=ast.Ref() as ref) if not self.is_derived(ref):
                return [[Test(self.read(ref), ABSENT)]]
            case Unknown(expr=expr):
                return [self.fact((self.marker(expr).fact, True))]
            case Truth(expr=ast.Compare() as compare, value=value):
                return [self.compare(compare, value)]
        raise TypeError(f"not a leaf: {node!r}")

    def compare(self, expr: ast.Compare, value: bool) -> Body:
        left, right = expr.left, expr.right
        if not (value and self.is_native(expr)):
            return [Test(self.python_leaf(expr).fact, {"v": value})]
        if isinstance(right, ast.Literal):
            return [Test(self.read(left), _durable(expr.op, right.value))]  # type: ignore[arg-type]
        return [Test(self.read(right), _durable(MIRRORED[expr.op], left.value))]  # type: ignore[arg-type,union-attr]

    def is_native(self, expr: ast.Compare) -> bool:
        """A number or text compared with a literal: durable tests it exactly like Python."""
        sides = (expr.left, expr.right)
        if expr.op not in NEGATED or not all(self.is_plain(side) for side in sides):
            return False
        refs = [side.name for side in sides if isinstance(side, ast.Ref)]
        return len(refs) == 1 and refs[0] not in self.in_python

    def is_plain(self, expr: ast.Expr) -> bool:
        if isinstance(expr, ast.Literal):
            found = type_of(expr.value)
        elif isinstance(expr, ast.Ref) and not self.is_derived(expr):
            found = self.policy.types.get(expr.name)
        else:
            return False
        return found in (Type.NOMBRE, Type.TEXTE)

    def python_leaf(self, expr: ast.Compare) -> Leaf:
        if expr not in self.out.leaves:
            self.out.leaves[expr] = Leaf(f"#feuille{len(self.out.leaves)}", expr)
        return self.out.leaves[expr]

    def read(self, ref: ast.Ref) -> str:
        if not self.is_derived(ref):
            self.out.names[ref.name] = None
        return ref.name

    def is_derived(self, expr: ast.Expr) -> bool:
        return isinstance(expr, ast.Ref) and self.policy.kinds.get(expr.name) is Kind.DEFINI

    # --- stratification of "inconnu" ----------------------------------------------

    def marker(self, expr: ast.Expr) -> Marker:
        if expr not in self.out.markers:
            when_true = self.normal.condition(expr, True)
            when_false = self.normal.condition(expr, False)
            level = 1 + max(self.level(when_true), self.level(when_false))
            keys = self.materialize(when_true), self.materialize(when_false)
            fact = f"#inconnu{len(self.out.markers)}"
            self.out.markers[expr] = Marker(fact, level, *keys)
        return self.out.markers[expr]

    def level(self, node: Node) -> int:
        """The round after which ``node``'s facts are final (0: the first quiescence)."""
        match node:
            case AllOf(items=items) | AnyOf(items=items):
                return max((self.level(item) for item in items), default=0)
            case Truth(expr=ast.Ref(name=name)) | Known(ref=ast.Ref(name=name)):
                return self.levels.get(name, 0)
            case Unknown(expr=expr) if not isinstance(expr, ast.Ref) or self.is_derived(expr):
                return self.marker(expr).level
        return 0


MAX_PATTERNS = 8
"""Facts we let one durable-rules rule match together; it fails beyond 16. durable keeps a
rule's matched facts in a frame of ``MAX_MESSAGE_FRAMES`` (16, ``state.h``): a conjunction
of 17 leaf facts all holding (``non (titre contient "a0" ou … ou titre contient "a16")``)
ended in « error code: 304 », or a segmentation fault. A wider ``et`` is matched in parts,
each a node fact (``et`` is associative, so the decision is the same)."""


def _parts(node: AllOf) -> list[AllOf]:
    """``node``'s items in at most ``MAX_PATTERNS`` conjunctions (each split again if wide)."""
    size = -(-len(node.items) // MAX_PATTERNS)  # ceiling
    return [AllOf(node.items[i : i + size]) for i in range(0, len(node.items), size)]


def _durable(op: ast.Op, operand: object) -> dict[str, object]:
    """Durable's test ``v OP operand``."""
    if op is ast.Op.EQ:
        return {"v": operand}
    return {DURABLE_OPS[op]: {"v": operand}}


def assemble(body: Body) -> list[dict[str, object]]:
    """Durable patterns for a conjunction: one per fact name, its tests merged."""
    tests: dict[str, list[object]] = {}
    for test in body:
        found = tests.setdefault(test.name, [])
        if test.test not in found:
            found.append(test.test)
    if not tests:
        return [{"m0": {"n": START}}]
    return [{f"m{i}": _pattern(name, found)} for i, (name, found) in enumerate(tests.items())]


def _pattern(name: str, tests: list[object]) -> dict[str, object]:
    return {"$and": [{"n": name}, *tests]} if tests else {"n": name}


class _Inliner:
    """Replaces each known parameter by its value (an unknown one stays a name)."""

    def __init__(self, policy: CheckedPolicy, parameters: Mapping[str, Value]) -> None:
        self.values = {
            name: parameters.get(name)
            for name, kind in policy.kinds.items()
            if kind is Kind.PARAMETRE and parameters.get(name) is not None
        }

    def __call__(self, expr: ast.Expr) -> ast.Expr:
        match expr:
            case ast.Ref(name=name) if name in self.values:
                return _literal(self.values[name])
            case ast.Not(operand=operand):
                return ast.Not(self(operand))
            case ast.And(operands=operands):
                return ast.And(tuple(map(self, operands)))
            case ast.Or(operands=operands):
                return ast.Or(tuple(map(self, operands)))
            case ast.Compare(op=op, left=left, right=right):
                return ast.Compare(op, self(left), self(right))
            case ast.Between(subject=subject, low=low, high=high):
                return ast.Between(self(subject), self(low), self(high))
            case ast.IsSet(subject=subject, negated=negated):
                return ast.IsSet(self(subject), negated=negated)
        return expr


def _literal(value: Value) -> ast.Literal | ast.ListLiteral:
    if isinstance(value, tuple | list):
        return ast.ListLiteral(tuple(ast.Literal(item) for item in value))
    return ast.Literal(value)


MAX_BRANCHES = 511
"""Distinct tests durable-rules 2.0.28 can take after one test. Its Rete keeps a node's
successors in a hash set of 512 buckets, probed linearly with no bound: the 512th fills it,
and every later lookup (deciding, or registering one more) loops for ever. Measured with
``x = 0 ou x = 1 ou … et sans_photo``, whose ``x`` node ``crowded`` counts two more tests
than terms: 509 terms decide, 510 register and never decide, 512 never register."""


MAX_JOINS = 256
"""Patterns durable-rules 2.0.28 can end on one chain of tests. Each pattern of each rule is
a join (beta node) in the list of the test that ends its chain, and that list holds 256
(``BETA_LIST_LENGTH``, ``rules.h``): 256 rules « refuser si sans_photo » register, 257 end in
« error code: 108 » (``ERR_RULE_BETA_LIMIT_EXCEEDED``) when the policy is loaded."""


@dataclass(frozen=True)
class Crowded:
    """A test followed by more than ``MAX_BRANCHES`` distinct tests in the ruleset, or
    (``joins``) a chain of tests ending more than ``MAX_JOINS`` patterns."""

    owner: str  # the definition, or ``rule_fact(i)``, whose condition crossed the limit
    name: str | None  # the fact whose values are tested; None: the facts themselves
    count: int
    joins: bool = False


def crowded(translation: Translation) -> Crowded | None:
    """The first node of durable's test network (each pattern a chain of tests from the
    root) with more than ``MAX_BRANCHES`` successors, counted as durable shares them; else
    the first chain that ends more than ``MAX_JOINS`` patterns."""
    branches: dict[tuple[str, ...], set[str]] = {}
    joins = {tuple(_chain({"n": START})): 1}  # the ``#début`` rule's own pattern
    found: dict[tuple[str, ...], str] = {}  # node -> owner of the rule that crossed
    crossed: dict[tuple[str, ...], str] = {}  # chain -> owner of the pattern that crossed
    for rule, definition in translation.rules.items():
        for pattern in definition["all"]:
            path: tuple[str, ...] = ()
            for test in _chain(next(iter(pattern.values()))):
                successors = branches.setdefault(path, set())
                successors.add(test)
                if len(successors) > MAX_BRANCHES and path not in found:
                    found[path] = translation.owners[rule]
                path += (test,)
            joins[path] = joins.get(path, 0) + 1
            if joins[path] > MAX_JOINS and path not in crossed:
                crossed[path] = translation.owners[rule]
    if found:
        path, owner = next(iter(found.items()))
        return Crowded(owner, _tested(path), len(branches[path]))
    if crossed:
        path, owner = next(iter(crossed.items()))
        return Crowded(owner, _tested(path), joins[path], joins=True)
    return None


def _tested(path: tuple[str, ...]) -> str | None:
    """The fact a chain of tests starts with (its first test is on the name)."""
    return json.loads(path[0]).get("n") if path else None


def _chain(pattern: dict[str, object]) -> list[str]:
    tests = pattern["$and"] if set(pattern) == {"$and"} else [pattern]
    return [json.dumps(test, sort_keys=True, ensure_ascii=False) for test in tests]  # type: ignore[union-attr]


MAX_TEXT_BYTES = 65_535
"""The longest text value durable-rules 2.0.28 compares exactly, in bytes of its JSON form
(UTF-8, escapes included): it keeps a value's length in 16 bits (``valueLength``, an
``unsigned short`` in ``state.h``), so a text of 65,536 bytes and more wraps around, and a
title of 65,536 « x » was found equal to « x » (the native engine: not equal). The engine
refuses such an invitation rather than decide it wrongly (``durable_engine``)."""


MAX_STACK = 32
"""Tests of one fact we let durable-rules hold matched at once; it fails beyond 64. Its
alpha network is walked depth first from a stack of 64 nodes (``MAX_STACK_SIZE`` in
``events.c``): a node pushes every successor its fact matches, so ``x > 0 ou … ou x > 64``,
all vrai when ``x`` is 100, overflowed it (``error code: 303``) while deciding. Half of it
leaves room for what durable pushes besides (the ``#sol`` test, the fact's other branches)."""


def stacked(translation: Translation) -> set[str]:
    """The names whose tests could fill durable's alpha stack past ``MAX_STACK`` for some
    value: every successor counted as matching, except that equalities to distinct values
    exclude each other."""
    tries: dict[str, dict] = {}
    for definition in translation.rules.values():
        for pattern in definition["all"]:
            chain = _chain(next(iter(pattern.values())))
            node = tries.setdefault(chain[0], {})
            for test in chain[1:]:
                node = node.setdefault(test, {})
    return {json.loads(head).get("n") for head, trie in tries.items() if _peak(trie) > MAX_STACK}


def _peak(trie: dict[str, dict]) -> int:
    """The most entries durable's stack holds while walking ``trie``, at worst: a node pushes
    what it matches, then the last pushed is walked while the others wait. Without recursion:
    a conjunction of thousands of tests on one fact is a chain that deep."""
    order, pending = [], [trie]
    while pending:
        order.append(pending.pop())
        pending.extend(order[-1].values())
    peaks: dict[int, int] = {}
    for node in reversed(order):  # every node after those below it
        matched = _matched(node) if node else 0
        below = max((peaks[id(child)] for child in node.values()), default=0)
        peaks[id(node)] = max(matched, matched - 1 + below)
    return peaks[id(trie)]


def _matched(trie: dict[str, dict]) -> int:
    """How many of these successor tests one value can match at once, at most."""
    equal: dict[object, int] = {}
    others = 0
    for test in trie:
        found = json.loads(test)
        if set(found) == {"v"}:
            value = found["v"]
            key = float(value) if type(value) in (int, float) else (type(value), value)
            equal[key] = equal.get(key, 0) + 1
        else:
            others += 1
    return others + max(equal.values(), default=0)
