"""The native engine: a checked policy compiled once into one generated Python function.

Flow: ``CheckedPolicy`` -> Python source (this module) -> ``exec`` once -> ``NativePolicy.decide``
called per invitation -> ``Decision``. The generated function reads every base fact and
parameter into a local once, evaluates each ``définir`` once in the checker's stratified order,
then every decision rule (so that ``fired`` and ``unknown`` are complete), and picks the
deciding rule by the policy's ``résolution``. Kleene logic is inlined with ``None`` checks; the
rarer text operators call :mod:`tamis.engine.semantics`, which defines what they mean.

Compiling ``refuser si suspect et non connu`` / ``accepter si connu`` (with
``définir suspect si expediteur.connexions < connexions_min et sans_recommandations``) gives::

    def decide(facts, parameters=None):
        ...
        try:  # every base value in one C call when facts holds exactly what the policy reads
            f0, f1, f2 = _items(facts)
        ...
        d0 = ((_t0 and f2) if (_t0 := (None if f1 is None or p0 is None else f1 < p0))
              is not None else (False if f2 is False else None))
        r0 = ((d0 and (None if f0 is None else not f0)) if d0 is not None else ...)
        key = (r0, f0, )
        out = _cached(key)  # (action, rule, strategy, fired, unknown), memoized per key
        ...
        return _new(_Decision, (action, rule, strategy, fired, unknown, {'suspect': d0}, ...))
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Mapping

from tamis.engine import semantics
from tamis.engine.decision import SEVERITY, Decision, EngineName, RuleRef
from tamis.grammar import ast
from tamis.grammar.checked import CheckedPolicy, Kind
from tamis.grammar.regex import compile_pattern
from tamis.grammar.vocabulary import Type, Value, type_of

ENGINE = EngineName.NATIF

_PY_OPS = {ast.Op.EQ: "==", ast.Op.NE: "!=", ast.Op.LT: "<", ast.Op.LE: "<=", ast.Op.GT: ">"}
_PY_OPS[ast.Op.GE] = ">="

Decide = Callable[..., Decision]

_SHORT = 60  # longest operand code that ``_pair`` may write twice
_WIDE = 32
"""Most operands of one written ``et`` / ``ou`` chain: each nests one conditional expression
in the next, and Python's compiler recurses on that nesting (« maximum recursion depth
exceeded during compilation » near 2,500 operands); wider junctions are written as a chain of
chains, whose depth grows with the logarithm of their width."""


class NativePolicy:
    """A compiled policy. ``decide(facts, parameters=None) -> Decision``.

    ``facts`` maps base fact and field names to values (``None`` or absent = inconnu);
    ``parameters`` holds the effective parameter values (``None``: ``policy.parameters``).
    ``source`` is the generated Python code, for the curious.
    """

    __slots__ = ("decide", "policy", "rules", "source")
    engine = ENGINE

    def __init__(self, policy: CheckedPolicy, rules: tuple[RuleRef, ...]) -> None:
        self.policy = policy
        self.rules = rules
        self.source, constants = _Generator(policy).function()
        self.decide: Decide = _load(self.source, constants, policy, rules)


def compile_policy(policy: CheckedPolicy) -> NativePolicy:
    """Compile once; the returned object decides any number of invitations."""
    return NativePolicy(policy, rule_refs(policy))


def rule_refs(policy: CheckedPolicy) -> tuple[RuleRef, ...]:
    """The decision rules as decisions name them, in file order (shared by every engine)."""
    return tuple(
        RuleRef(i, r.label, r.span.line, r.action, r.motif, r.priority, r.name is not None)
        for i, r in enumerate(policy.rules)
    )


def preference(strategy: ast.Strategy, rules: tuple[RuleRef, ...]) -> tuple[RuleRef, ...]:
    """The rules in the order the resolution prefers them: the first fired one decides."""
    if strategy is ast.Strategy.REFUS_PRIORITAIRE:
        return tuple(sorted(rules, key=lambda r: (SEVERITY[r.action], r.index)))
    if strategy is ast.Strategy.PRIORITE:
        return tuple(sorted(rules, key=lambda r: (-(r.priority or 0), r.index)))
    return rules


def resolve(strategy: ast.Strategy, fired: tuple[RuleRef, ...]) -> RuleRef | None:
    """The deciding rule among those that fired (``None``: the default decides)."""
    ordered = preference(strategy, fired)
    return ordered[0] if ordered else None


def _each(facts: Mapping[str, Value], names: list[str]) -> tuple[Value, ...]:
    return tuple(facts.get(name) for name in names)


class Outcomes:
    """What each combination of rule values decides, memoized per compiled policy.

    Called with the tuple of rule values (vrai / faux / inconnu, file order); returns
    ``(action, rule, strategy, fired, unknown)``, the first five fields of a ``Decision``.
    The combinations kept share their ``fired`` and ``unknown`` tuples (``rule_sets``): the
    same few sets of rules come back in thousands of combinations, and a policy's cache then
    costs the combinations' keys, not a copy of each set. A pair of them still names one
    combination, which the explainer relies on (``Explainer._outcome``).
    """

    LIMIT = 1024
    """Combinations kept; beyond, outcomes are recomputed (and the explainer, which knows an
    outcome by its tuples, works it out again: about 12 µs). ``blogue.tamis`` over the
    benchmarks' generated invitations meets 926 combinations in 10,000 invitations, 1,153
    in 20,000, 1,809 in 100,000 and 2,107 in 200,000. With worker processes each sees its
    share of the input: 20,000 invitations on two workers miss nothing; in one process,
    155 of them miss (one in 130), 0.1 µs an invitation on average. A combination kept
    costs about 500 bytes (220 here, 280 in the explainer): kept up to 4,096, the two
    workers deciding 1,000,000 invitations held 1.3 MiB more (whole tree's peak PSS 66.1
    MiB against 64.8, medians of 3 runs; 51 for 10,000), leaving the memory target (1.3×)
    no margin (1.29×, worst run 1.35×, against 1.28× and 1.29×), for about 0.2 % of their
    processor time."""

    def __init__(self, policy: CheckedPolicy, rules: tuple[RuleRef, ...]) -> None:
        self.policy, self.rules = policy, rules
        self.cache: dict[tuple[bool | None, ...], tuple] = {}
        self.rule_sets: dict[tuple[RuleRef, ...], tuple[RuleRef, ...]] = {}

    def __call__(self, values: tuple[bool | None, ...]) -> tuple:
        fired = tuple(r for r, v in zip(self.rules, values, strict=True) if v is True)
        unknown = tuple(r for r, v in zip(self.rules, values, strict=True) if v is None)
        rule = resolve(self.policy.strategy, fired)
        action = rule.action if rule is not None else self.policy.default
        if len(self.cache) >= self.LIMIT:
            return (action, rule, self.policy.strategy, fired, unknown)
        kept = self.rule_sets.setdefault
        out = (action, rule, self.policy.strategy, kept(fired, fired), kept(unknown, unknown))
        self.cache[values] = out
        return out


def _targets(prefix: str, names: list[str]) -> str:
    """``f0, f1``: ``itemgetter(*names)`` gives a tuple, or the value itself for one name."""
    return ", ".join(f"{prefix}{i}" for i in range(len(names)))


def _load(
    source: str, constants: dict[str, object], policy: CheckedPolicy, rules: tuple[RuleRef, ...]
) -> Decide:
    outcomes = Outcomes(policy, rules)
    namespace: dict[str, object] = {
        "_new": tuple.__new__,
        "_Decision": Decision,
        "_PARAMETERS": policy.parameters,
        "_ENGINE": ENGINE,
        "_dict": dict,
        "_each": _each,
        "_cached": outcomes.cache.get,
        "_outcome": outcomes,
        "_contains": semantics.contains,
        "_starts_with": semantics.starts_with,
        "_matches": semantics.matches,
        "_is_in": semantics.is_in,
        **constants,
    }
    exec(compile(source, f"<tamis {policy.path}>", "exec"), namespace)
    return namespace["decide"]  # type: ignore[return-value]


class _Generator:
    """Writes the Python source of ``decide`` for one policy."""

    def __init__(self, policy: CheckedPolicy) -> None:
        self.policy = policy
        self.constants: dict[str, object] = {}
        self.local: dict[str, str] = {}  # policy name -> Python local
        self.certain: set[str] = set()  # locals that are never None
        self.counter = itertools.count()

    def function(self) -> tuple[str, dict[str, object]]:
        """The source of ``decide`` and the constants it refers to."""
        lines = ["def decide(facts, parameters=None):"]
        lines += [f"    {line}" for line in self._body()]
        return "\n".join(lines) + "\n", self.constants

    def _body(self) -> list[str]:
        lines = ["if parameters is None:", "    parameters = _PARAMETERS"]
        lines += self._reads() + self._parameters()
        for i, definition in enumerate(self.policy.definitions):
            lines.append(f"d{i} = {self._define(f'd{i}', definition.condition)}")
            self.local[definition.name] = f"d{i}"
        values = []  # each rule's value: a local already holding it, or a new one
        for i, rule in enumerate(self.policy.rules):
            code = self.condition(rule.condition)[0]
            if not code.isidentifier():
                lines.append(f"r{i} = {code}")
                code = f"r{i}"
            values.append(code)
        lines += [f"key = ({''.join(f'{v}, ' for v in values)})", "out = _cached(key)"]
        lines += ["if out is None:", "    out = _outcome(key)"]
        derived = ", ".join(f"{d.name!r}: d{i}" for i, d in enumerate(self.policy.definitions))
        lines.append("action, rule, strategy, fired, unknown = out")
        recorded = f"{{{derived}}}, seen, parameters, _ENGINE"
        fields = f"action, rule, strategy, fired, unknown, {recorded}"
        return [*lines, f"return _new(_Decision, ({fields}))"]

    def _reads(self) -> list[str]:
        """Base values into locals: one C call when ``facts`` holds every name, else ``.get``."""
        names = self._base_names()
        if not names:
            return ["seen = {}"]
        targets = _targets("f", names)
        self.local.update({name: f"f{i}" for i, name in enumerate(names)})
        literal = "{" + ", ".join(f"{name!r}: f{i}" for i, name in enumerate(names)) + "}"
        self.constants["_items"] = operator.itemgetter(*names)
        self.constants["_names"] = names
        return [
            "try:",
            f"    {targets} = _items(facts)",
            "except KeyError:",
            f"    {targets}, = _each(facts, _names)",
            f"    seen = {literal}",
            "else:",
            f"    seen = facts if len(facts) == {len(names)} else {literal}",
        ]

    def _parameters(self) -> list[str]:
        names = self._names_of(Kind.PARAMETRE)
        if not names:
            return []
        targets = _targets("p", names)
        self.local.update({name: f"p{i}" for i, name in enumerate(names)})
        self.constants["_parameter_items"] = operator.itemgetter(*names)
        self.constants["_parameter_names"] = names
        return [
            "try:",
            f"    {targets} = _parameter_items(parameters)",
            "except KeyError:",
            f"    {targets}, = _each(parameters, _parameter_names)",
        ]

    def _names_of(self, *kinds: Kind) -> list[str]:
        return sorted(name for name, kind in self.policy.kinds.items() if kind in kinds)

    def _base_names(self) -> list[str]:
        return sorted({*self._names_of(Kind.FAIT, Kind.CHAMP), *self.policy.base_names})

    def _define(self, local: str, condition: ast.Expr) -> str:
        code, certain = self.condition(condition)
        if certain:
            self.certain.add(local)
        return code

    # --- expressions ------------------------------------------------------------

    def const(self, value: object) -> str:
        name = f"_K{len(self.constants)}"
        self.constants[name] = value
        return name

    def temp(self) -> str:
        return f"_t{next(self.counter)}"

    def literal(self, value: object) -> str:
        if isinstance(value, float) and not math.isfinite(value):
            return self.const(value)
        return repr(value)

    def type_of(self, expr: ast.Expr) -> Type | None:
        if isinstance(expr, ast.Ref):
            return self.policy.types.get(expr.name)
        if isinstance(expr, ast.Literal):
            return type_of(expr.value)
        return Type.LISTE if isinstance(expr, ast.ListLiteral) else Type.BOOLEEN

    def operand(self, expr: ast.Expr) -> tuple[str, bool]:
        """Python code for a value, and whether it can never be ``None``."""
        if isinstance(expr, ast.Literal):
            return self.literal(expr.value), True
        if isinstance(expr, ast.ListLiteral):
            return self.const(tuple(item.value for item in expr.items)), True
        if isinstance(expr, ast.Ref):
            local = self.local[expr.name]
            return local, local in self.certain
        return self.condition(expr)

    def condition(self, expr: ast.Expr) -> tuple[str, bool]:
        """Python code for a truth value (True / False / None), and whether it is never None."""
        if isinstance(expr, ast.Not):
            return self._not(expr)
        if isinstance(expr, ast.And | ast.Or):
            return self._junction(expr)
        if isinstance(expr, ast.Compare):
            return self._compare(expr)
        if isinstance(expr, ast.Between):
            return self._guarded([expr.subject, expr.low, expr.high], "{1} <= {0} <= {2}")
        if isinstance(expr, ast.IsSet):
            code, _ = self.operand(expr.subject)
            return f"({code} is {'' if expr.negated else 'not '}None)", True
        return self.operand(expr)

    def _bind(self, code: str) -> tuple[str, str]:
        """(expression that evaluates code, name holding its value afterwards)."""
        if code.isidentifier():
            return code, code
        name = self.temp()
        return f"({name} := {code})", name

    def _not(self, expr: ast.Not) -> tuple[str, bool]:
        code, certain = self.condition(expr.operand)
        if certain:
            return f"(not {code})", True
        first, name = self._bind(code)
        return f"(None if {first} is None else not {name})", False

    def _junction(self, expr: ast.And | ast.Or) -> tuple[str, bool]:
        parts = [self.condition(operand) for operand in expr.operands]
        return self._joined(isinstance(expr, ast.And), parts)

    def _joined(self, is_and: bool, parts: list[tuple[str, bool]]) -> tuple[str, bool]:
        """Kleene ``et`` / ``ou`` of ``parts``, each (code, never None)."""
        word = " and " if is_and else " or "
        if all(certain for _, certain in parts):
            return "(" + word.join(code for code, _ in parts) + ")", True
        while len(parts) > _WIDE:  # Kleene's et and ou are associative: group them
            starts = range(0, len(parts), _WIDE)
            parts = [self._joined(is_and, parts[i : i + _WIDE]) for i in starts]
        if len(parts) == 2 and len(parts[1][0]) <= _SHORT:
            return self._pair(is_and, parts[0], parts[1]), False
        stop = "False" if is_and else "True"
        chain, open_names = [], []
        for code, certain in parts:
            if certain:
                chain.append(f"{stop} if {code} is {stop} else ")
                continue
            first, name = self._bind(code)
            chain.append(f"{stop} if {first} is {stop} else ")
            open_names.append(name)
        if is_and:  # each open name is True or None here
            tail = " and ".join(open_names)
        else:  # each open name is False or None here
            tail = "None if " + " or ".join(f"{n} is None" for n in open_names) + " else False"
        return "(" + "".join(chain) + f"({tail}))", False

    def _pair(self, is_and: bool, left: tuple[str, bool], right: tuple[str, bool]) -> str:
        """Kleene ``a et b`` / ``a ou b`` as Python's ``and`` / ``or`` once ``a`` is known.

        ``b`` is written twice, so it must be short (``_SHORT``): each pair then adds a bounded
        amount of code, and the generated code stays linear in the size of the policy.
        """
        word = "and" if is_and else "or"
        if left[1]:  # a known first operand: Python's and/or are already Kleene's
            return f"({left[0]} {word} {right[0]})"
        if left[0].isidentifier():
            name, test = left[0], f"{left[0]} is not None"
        else:
            name = self.temp()
            test = f"({name} := {left[0]}) is not None"
        unknown = (
            f"(False if {right[0]} is False else None)"
            if is_and
            else f"(True if {right[0]} else None)"
        )
        return f"(({name} {word} {right[0]}) if {test} else {unknown})"

    def _guarded(self, operands: list[ast.Expr], core: str) -> tuple[str, bool]:
        """``None`` when an operand is unknown, else ``core`` over the operands' values."""
        guards, names = [], []
        for operand in operands:
            code, certain = self.operand(operand)
            if certain:
                names.append(code)
                continue
            first, name = self._bind(code)
            guards.append(f"{first} is None")
            names.append(name)
        body = core.format(*names)
        if not guards:
            return f"({body})", True
        return f"(None if {' or '.join(guards)} else {body})", False

    def _compare(self, expr: ast.Compare) -> tuple[str, bool]:
        operands = [expr.left, expr.right]
        if expr.op in _PY_OPS:
            return self._guarded(operands, f"{{0}} {_PY_OPS[expr.op]} {{1}}")
        core = self._special(expr)
        if core is not None:
            return self._guarded(operands[:1], core)
        function = {ast.Op.CONTAINS: "_contains", ast.Op.STARTS_WITH: "_starts_with"}
        function |= {ast.Op.MATCHES: "_matches", ast.Op.IN: "_is_in"}
        left, right = self.operand(expr.left)[0], self.operand(expr.right)[0]
        return f"{function[expr.op]}({left}, {right})", False

    def _special(self, expr: ast.Compare) -> str | None:
        """Inline code for a text operator with a literal right side, over ``{0}``."""
        is_list = self.type_of(expr.left) is Type.LISTE
        right = expr.right
        if isinstance(right, ast.ListLiteral) and expr.op is ast.Op.IN and not is_list:
            return "{0} in " + self.const(frozenset(item.value for item in right.items))
        if not isinstance(right, ast.Literal) or not isinstance(right.value, str) or is_list:
            return None
        if expr.op is ast.Op.CONTAINS:
            return self.const(right.value.casefold()) + " in {0}.casefold()"
        if expr.op is ast.Op.STARTS_WITH:
            return "{0}.casefold().startswith(" + self.const(right.value.casefold()) + ")"
        if expr.op is ast.Op.MATCHES:
            return self.const(compile_pattern(right.value)) + ".search({0}) is not None"
        return None
