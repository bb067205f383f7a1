"""The ``durable`` engine: a checked policy run by durable-rules' Rete engine.

Flow: ``CheckedPolicy`` -> ruleset definition (``durable_translate``) -> registered once on
this module's own ``durable.engine.Host`` under a unique name -> ``DurablePolicy.decide`` runs
one session per invitation -> ``Decision`` (equal to the native engine's, ``engine="durable"``).

Design, and the durable-rules traps it handles:

- **One fact per name** (``{"n": name, "v": value}``), not one fact per invitation: every
  leaf of a condition in negation normal form is then a test on one fact, an ``et`` a
  conjunction of patterns and an ``ou`` several rules; derived facts are facts of the same
  shape, so a ``définir`` reads them exactly like base facts. An inconnu value is a fact
  without ``"v"``, which keeps ``n'est pas renseigné`` a positive test.
- **One ruleset per set of parameter values**, with the values inlined as literals (a run
  uses one set: the ruleset is built on the first decision and reused).
- **Our own host, no global rulesets.** ``durable.lang`` keeps a process-wide registry; here a
  private ``Host`` holds the rulesets, each under a unique name ``tamis<N>``. Its background
  dispatch threads are never started (``_run`` does nothing): deciding is synchronous and
  pure, and a dispatcher thread could otherwise run an action between our calls.
- **One session per invitation**, deleted once read: durable-rules refuses new sessions once
  1,024 are alive and answers ``MessageObservedException`` for facts it believes already seen
  when one session grows large, so ``decide`` can run any number of times.
- **``MessageNotHandledException``** (a fact no pattern accepts) cannot occur: the ``#sol``
  rule accepts every fact (see ``durable_translate``). Asserting a fact twice raises
  ``MessageObservedException``: each conclusion is noted (in ``concluded``) first, so an
  ``ou`` whose alternatives all hold asserts its fact once. An exception raised in an action
  is swallowed by durable into the session state; it is re-raised here as ``DurableFailed``.
- **Quiescence, then resolution.** Asserting the initial facts runs every action before
  returning; stratified rounds then place the ``#inconnu`` markers. Each action notes its
  conclusion in the ruleset's ``concluded`` (``"suspect": vrai|faux``) and asserts it as a
  fact only when some rule reads it (decision rules' activations are read by nobody but us);
  the final ``concluded`` gives each definition and rule its value (absent: inconnu), and the
  policy's ``résolution`` is applied by the native engine's ``resolve`` (one definition of it).
- **Conclusions in Python, not in durable's session state.** A JSON object in durable holds
  at most 255 properties (``MAX_OBJECT_PROPERTIES``): with one per conclusion, a policy of
  about 250 rules failed on every invitation (``error code: 302``). Actions run synchronously
  under ``_LOCK``, one session at a time, so one dict per ruleset, emptied per session, is
  the session's own.
- **Durable's other fixed tables** are kept out of reach by the translation: tests of one
  fact it would hold too many of at once are computed in Python (``stacked``), a wide ``et``
  is matched in parts (``MAX_PATTERNS``). Should durable-rules still refuse a session, its
  error is raised as ``DurableFailed``.

Numbers: durable compares integers beyond 2**53 with floats in double precision, where Python
compares exactly; tamis values never come near.

Importing this module raises ``ImportError`` where durable-rules does not import (Python 3.13+).
"""

from __future__ import annotations

import itertools
import json
import math
import threading
from collections.abc import Mapping

from durable import engine as durable

from tamis.engine import semantics
from tamis.engine.compile import resolve, rule_refs
from tamis.engine.decision import Decision, EngineName
from tamis.engine.durable_translate import (
    GROUND,
    MAX_TEXT_BYTES,
    START,
    Crowded,
    FactKey,
    Leaf,
    Translation,
    crowded,
    rule_fact,
    translate,
)
from tamis.engine.engines import EngineFailed
from tamis.grammar import ast
from tamis.grammar.checked import CheckedPolicy, Kind
from tamis.grammar.vocabulary import Value

ENGINE = EngineName.DURABLE


class TooLarge(Exception):
    """A condition durable-rules cannot run (it would hang); ``args[0]`` is the ``Crowded``."""

    def __init__(self, found: Crowded) -> None:
        super().__init__(found)
        self.found = found


class Unregistered(Exception):
    """durable-rules refused the ruleset for a limit ``crowded`` does not foresee;
    ``args[0]`` is its own (English) error."""


class DurableFailed(EngineFailed):
    """durable-rules could not decide one invitation: its own (English) error, or the fact
    whose text it cannot hold (``MAX_TEXT_BYTES``). The shells word it (``undecided``)."""


class _Host(durable.Host):
    """A host without background dispatch threads: every call runs to quiescence."""

    def _run(self) -> None:
        return None


_HOST = _Host()
_LOCK = threading.Lock()  # the native durable engine is not known to be thread-safe
_RULESETS = itertools.count()
_SESSIONS = itertools.count()


class _Ruleset:
    """One translation registered on the host, with its markers grouped by round."""

    def __init__(self, policy: CheckedPolicy, parameters: Mapping[str, Value]) -> None:
        self.translation = translate(policy, parameters)
        found = crowded(self.translation)
        if found is not None:  # durable-rules would loop for ever
            raise TooLarge(found)
        self.name = f"tamis{next(_RULESETS)}"
        self.rounds = _by_level(self.translation)
        self.concluded: dict[str, bool] = {}  # this session's conclusions, see the docstring
        with _LOCK:
            try:
                _HOST.register_rulesets({self.name: _definition(self.translation, self.concluded)})
            except Exception as error:  # durable_rules_engine.error, its only kind
                raise Unregistered(str(error)) from error


class DurablePolicy:
    """A policy run as durable-rules rulesets. ``decide(facts, parameters=None)``.

    Same contract as ``NativePolicy``: ``facts`` maps base fact and field names to values
    (``None`` or absent = inconnu); ``parameters`` are the effective values
    (``None``: ``policy.parameters``).
    """

    engine = ENGINE

    def __init__(
        self, policy: CheckedPolicy, parameters: Mapping[str, Value] | None = None
    ) -> None:
        self.policy = policy
        self.rules = rule_refs(policy)
        self._read = sorted(n for n, k in policy.kinds.items() if k is Kind.PARAMETRE)
        self._rulesets: dict[tuple[object, ...], _Ruleset] = {}
        self._base = sorted(
            {*(n for n, k in policy.kinds.items() if k in (Kind.FAIT, Kind.CHAMP))}
            | set(policy.base_names)
        )
        self.ruleset(policy.parameters if parameters is None else parameters)

    def ruleset(self, parameters: Mapping[str, Value]) -> _Ruleset:
        """The ruleset for these parameter values (built on first use). Raises
        ``DurableFailed`` for a value durable would misread (``_held``: it is inlined in the
        ruleset as a literal), ``Unregistered`` if durable-rules refuses the ruleset."""
        key = tuple(_hashable(parameters.get(name)) for name in self._read)
        if key not in self._rulesets:
            for name in self._read:
                _held(name, parameters.get(name))
            self._rulesets[key] = _Ruleset(self.policy, parameters)
        return self._rulesets[key]

    def decide(
        self, facts: Mapping[str, Value], parameters: Mapping[str, Value] | None = None
    ) -> Decision:
        params = self.policy.parameters if parameters is None else parameters
        truth = self._run(facts, params)
        status = [truth(rule_fact(r.index)) for r in self.rules]
        fired = tuple(r for r, s in zip(self.rules, status, strict=True) if s is True)
        unknown = tuple(r for r, s in zip(self.rules, status, strict=True) if s is None)
        rule = resolve(self.policy.strategy, fired)
        return Decision(
            action=rule.action if rule is not None else self.policy.default,
            rule=rule,
            strategy=self.policy.strategy,
            fired=fired,
            unknown=unknown,
            derived={d.name: truth(d.name) for d in self.policy.definitions},
            facts={name: facts.get(name) for name in self._base},
            parameters=params,
            engine=ENGINE,
        )

    def _run(self, facts: Mapping[str, Value], params: Mapping[str, Value]):
        """One session: assert, reach quiescence round by round, read the state, delete."""
        try:  # other values than the run's (a test case's): met here, for this invitation
            ruleset = self.ruleset(params)
        except Unregistered as error:
            raise DurableFailed(error.args[0]) from None
        initial = _initial(ruleset.translation, _reader(self.policy, facts, params))
        concluded = ruleset.concluded
        with _LOCK:
            concluded.clear()
            sid = f"i{next(_SESSIONS)}"
            try:
                _check(_assert(ruleset.name, sid, initial))  # runs the #début action at least
                for markers in ruleset.rounds:
                    _place(ruleset.name, sid, markers, concluded)
            finally:
                _delete(ruleset.name, sid)
            truth = dict(concluded)
        return truth.get


def _initial(translation: Translation, value) -> list[dict[str, object]]:
    """``#début`` first, then the names the patterns test, then the leaf facts. Raises
    ``DurableFailed`` for a text durable would compare wrongly (``MAX_TEXT_BYTES``)."""
    facts = [{"n": START}, *(_fact(name, _held(name, value(name))) for name in translation.names)]
    leaves = translation.leaves.values()
    return facts + [_fact(leaf.fact, _evaluate(leaf, value)) for leaf in leaves]


def _assert(ruleset: str, sid: str, facts: list[dict[str, object]]) -> dict[str, object]:
    """Assert facts in one session and run every action; the session state afterwards."""
    try:
        state = _HOST.assert_facts(ruleset, [{"sid": sid, **fact} for fact in facts])
        return state if state is not None else _HOST.get_state(ruleset, sid)
    except Exception as error:  # durable_rules_engine.error, its only kind
        raise DurableFailed(str(error)) from error


def _held(name: str, value: Value) -> Value:
    """``value``, if durable holds it exactly. Its JSON form is at most 6 bytes a character
    (``\\uXXXX``), so only a long text is measured. A float that JSON writes with an
    exponent (``5e-05``, ``1e+20``) durable reads as another number: a score of 0.00005 was
    not below 0.001 for it."""
    if type(value) is float and ("e" in repr(value) or not math.isfinite(value)):
        raise DurableFailed(f"number {value!r} written with an exponent", name, value)
    if type(value) is not str or len(value) * 6 <= MAX_TEXT_BYTES:
        return value
    if len(json.dumps(value, ensure_ascii=False).encode()) - 2 > MAX_TEXT_BYTES:
        raise DurableFailed(f"text longer than {MAX_TEXT_BYTES} bytes", name)
    return value


def _delete(ruleset: str, sid: str) -> None:
    """The session's state deleted; durable's error is ``DurableFailed`` (within a ``finally``,
    it would otherwise replace the one that stopped the session)."""
    try:
        _HOST.delete_state(ruleset, sid)
    except Exception as error:  # durable_rules_engine.error, its only kind
        raise DurableFailed(str(error)) from error


def _place(
    ruleset: str, sid: str, markers: list[tuple[str, FactKey, FactKey]], concluded: dict
) -> None:
    """Assert the markers of one round whose expression was proven neither vrai nor faux."""
    unknown = [
        m for m, yes, no in markers if not _holds(concluded, yes) and not _holds(concluded, no)
    ]
    if unknown:
        _check(_assert(ruleset, sid, [_fact(m, True) for m in unknown]))


def _holds(concluded: Mapping[str, bool], key: FactKey) -> bool:
    return concluded.get(key[0]) is key[1]


def _definition(translation: Translation, concluded: dict[str, bool]) -> dict[str, dict]:
    """The definition handed to durable, with an action per rule (durable consumes it)."""
    tested = translation.tested
    rules = {
        name: {"all": rule["all"], "run": _concluder(rule["run"], tested, concluded)}
        for name, rule in translation.rules.items()
    }
    rules["#début"] = {"all": [{"m": {"n": START}}], "run": _nothing}
    rules["#sol"] = {**GROUND, "run": _nothing}
    return rules


def _concluder(target: FactKey, tested: set[str], concluded: dict[str, bool]):
    """The action proving ``target``: noted in ``concluded``, asserted if some rule reads it.

    An ``ou`` gives several rules for one conclusion; the first to fire asserts the fact (a
    second assertion would raise ``MessageObservedException``), the others find it noted.
    """
    name, value = target
    fact = {"n": name, "v": value} if name in tested else None

    def action(c) -> None:
        if name in concluded:
            return
        concluded[name] = value
        if fact is not None:
            c.assert_fact(dict(fact))

    return action


def _nothing(c) -> None:
    return None


def _by_level(translation: Translation) -> list[list[tuple[str, FactKey, FactKey]]]:
    rounds: list[list[tuple[str, FactKey, FactKey]]] = [[] for _ in range(translation.rounds)]
    for marker in translation.markers.values():
        rounds[marker.level - 1].append((marker.fact, marker.when_true, marker.when_false))
    return rounds


def _reader(policy: CheckedPolicy, facts: Mapping[str, Value], params: Mapping[str, Value]):
    def value(name: str) -> Value:
        source = params if policy.kinds.get(name) is Kind.PARAMETRE else facts
        return source.get(name)

    return value


def _operand(expr: ast.Expr, value) -> Value:
    if isinstance(expr, ast.Ref):
        return value(expr.name)
    if isinstance(expr, ast.ListLiteral):
        return tuple(item.value for item in expr.items)  # type: ignore[misc]
    return expr.value  # type: ignore[union-attr]


def _evaluate(leaf: Leaf, value) -> Value:
    expr = leaf.expr
    return semantics.compare(expr.op, _operand(expr.left, value), _operand(expr.right, value))


def _fact(name: str, value: Value) -> dict[str, object]:
    if value is None:
        return {"n": name}
    return {"n": name, "v": list(value) if isinstance(value, tuple) else value}


def _hashable(value: Value) -> object:
    return tuple(value) if isinstance(value, list) else value


def _check(state: object) -> None:
    if isinstance(state, dict) and "exception" in state:
        raise DurableFailed(str(state["exception"]))
