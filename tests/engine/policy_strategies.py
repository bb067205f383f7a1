"""Hypothesis strategies: random well-typed policies (as ASTs), their vocabulary, and facts.

Used by the differential tests (``test_differential``): a ``Scenario`` is a random vocabulary
(fields, facts and parameters of every type, with generated names), a policy over it (random
``définir`` chains that are acyclic, all three resolutions with priorities under
``priorité``, every operator, ``est renseigné`` on names, derived facts and sub-conditions,
boolean comparisons of sub-conditions, declared parameters), and the policy is checked by the
real checker. ``facts_for`` and ``parameters_for`` draw matching inputs, with ``None`` (or an
absent key) for inconnu.

Expressions are built type-directed, so the checker finds no error; warnings (unused
definitions, shadowed rules, ...) are expected and harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hypothesis import strategies as st

from tamis.grammar import ast
from tamis.grammar.check import check_policy
from tamis.grammar.checked import CheckedPolicy
from tamis.grammar.vocabulary import NameSpec, ParameterSpec, Type, Value, Vocabulary

N, T, B, L = Type.NOMBRE, Type.TEXTE, Type.BOOLEEN, Type.LISTE
ORDERING = (ast.Op.LT, ast.Op.LE, ast.Op.GT, ast.Op.GE)
EQUALITY = (ast.Op.EQ, ast.Op.NE)
REGEXES = ("^a", "b+", "(?i)ab", "é$", "a|c", "^$", "[A-Z]", "\\d")
"""Valid patterns for ``correspond à`` (the checker validates them; data never supplies one)."""

LETTERS = "aAbBcCéÉ ß\"\\'«»"
"""Text characters: case and accent variants for the case-folding operators, quotes and
backslashes for durable's JSON."""

Draw = Callable[[st.SearchStrategy], object]

numbers = st.one_of(
    st.integers(-5, 120),
    st.floats(-5, 120, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 2)),
)
texts = st.text(LETTERS, max_size=5)
text_lists = st.lists(texts, max_size=3).map(tuple)
VALUES: dict[Type, st.SearchStrategy] = {N: numbers, T: texts, B: st.booleans(), L: text_lists}


@dataclass(frozen=True)
class Scenario:
    vocabulary: Vocabulary
    policy: ast.Policy
    checked: CheckedPolicy


# --- vocabulary ---------------------------------------------------------------------------


@st.composite
def vocabularies(draw: Draw) -> Vocabulary:
    """Between one and three fields and facts of each type, and a few parameters."""
    names: dict[str, NameSpec] = {}
    for type_ in (N, T, B, L):
        for i in range(draw(st.integers(1, 3))):
            is_field = draw(st.booleans())
            name = f"champ.{type_.name[:3].lower()}{i}" if is_field else f"fait_{type_.name[0]}{i}"
            names[name] = NameSpec(name, type_, "généré", is_field=is_field)
    parameters: dict[str, ParameterSpec] = {}
    for type_ in draw(st.lists(st.sampled_from((N, N, T, B, L)), max_size=4)):
        name = f"seuil_{len(parameters)}"
        parameters[name] = ParameterSpec(name, type_, draw(VALUES[type_]), "généré")
    return Vocabulary(names=names, parameters=parameters)


# --- expressions ----------------------------------------------------------------------------


class _Builder:
    """Draws well-typed conditions over the names in scope."""

    def __init__(self, draw: Draw, scope: Mapping[str, Type]) -> None:
        self.draw = draw
        self.scope = scope

    def names(self, type_: Type) -> list[str]:
        return sorted(name for name, found in self.scope.items() if found is type_)

    def ref(self, type_: Type) -> ast.Ref | None:
        names = self.names(type_)
        return ast.Ref(self.draw(st.sampled_from(names))) if names else None

    def value(self, type_: Type) -> ast.Expr:
        """An operand of a scalar type: a name or a literal."""
        ref = self.ref(type_)
        if ref is not None and self.draw(st.integers(0, 3)) > 0:
            return ref
        return ast.Literal(self.draw(VALUES[type_]))

    def condition(self, depth: int) -> ast.Expr:
        choices = [self.boolean_ref, self.comparison, self.between, self.is_set]
        if depth > 0:
            choices += [self.negation, self.conjunction, self.disjunction, self.bool_compare]
        return self.draw(st.sampled_from(choices))(depth)

    def boolean_ref(self, depth: int) -> ast.Expr:
        ref = self.ref(B)
        return ref if ref is not None else ast.Literal(self.draw(st.booleans()))

    def negation(self, depth: int) -> ast.Expr:
        return ast.Not(self.condition(depth - 1))

    def conjunction(self, depth: int) -> ast.Expr:
        return ast.And(self.operands(depth))

    def disjunction(self, depth: int) -> ast.Expr:
        return ast.Or(self.operands(depth))

    def operands(self, depth: int) -> tuple[ast.Expr, ...]:
        count = self.draw(st.integers(2, 3))
        return tuple(self.condition(depth - 1) for _ in range(count))

    def bool_compare(self, depth: int) -> ast.Expr:
        """``=``, ``!=`` or ``dans`` over truth values (names, literals, sub-conditions)."""
        left = self.condition(depth - 1)
        if self.draw(st.booleans()):
            items = self.draw(st.lists(st.booleans(), max_size=2))
            return ast.Compare(ast.Op.IN, left, ast.ListLiteral(tuple(map(ast.Literal, items))))
        op = self.draw(st.sampled_from(EQUALITY))
        return ast.Compare(op, left, self.condition(depth - 1))

    def between(self, depth: int) -> ast.Expr:
        return ast.Between(self.value(N), self.value(N), self.value(N))

    def is_set(self, depth: int) -> ast.Expr:
        type_ = self.draw(st.sampled_from((N, T, B, L, None)))
        if type_ is None and depth > 0:
            subject = self.condition(depth - 1)
        else:
            subject = self.ref(type_ or B) or ast.Literal(True)
        return ast.IsSet(subject, negated=self.draw(st.booleans()))

    def comparison(self, depth: int) -> ast.Expr:
        kind = self.draw(st.sampled_from(("ordre", "égal", "contient", "texte", "dans")))
        return getattr(self, f"_{kind}")()

    def _ordre(self) -> ast.Expr:
        op = self.draw(st.sampled_from(ORDERING))
        return ast.Compare(op, self.value(N), self.value(N))

    def _égal(self) -> ast.Expr:
        type_ = self.draw(st.sampled_from((N, T, B)))
        op = self.draw(st.sampled_from(EQUALITY))
        return ast.Compare(op, self.value(type_), self.value(type_))

    def _contient(self) -> ast.Expr:
        subject = self.ref(L) if self.draw(st.booleans()) else None
        return ast.Compare(ast.Op.CONTAINS, subject or self.value(T), self.value(T))

    def _texte(self) -> ast.Expr:
        if self.draw(st.booleans()):
            return ast.Compare(ast.Op.STARTS_WITH, self.value(T), self.value(T))
        pattern = ast.Literal(self.draw(st.sampled_from(REGEXES)))
        return ast.Compare(ast.Op.MATCHES, self.value(T), pattern)

    def _dans(self) -> ast.Expr:
        type_ = self.draw(st.sampled_from((N, T, T)))
        list_ref = self.ref(L) if type_ is T and self.draw(st.booleans()) else None
        if list_ref is not None:
            return ast.Compare(ast.Op.IN, self.value(T), list_ref)
        items = self.draw(st.lists(VALUES[type_], max_size=3))
        return ast.Compare(ast.Op.IN, self.value(type_), ast.ListLiteral(_literals(items)))


def _literals(values: list[object]) -> tuple[ast.Literal, ...]:
    return tuple(ast.Literal(v) for v in values)  # type: ignore[arg-type]


# --- policies ---------------------------------------------------------------------------------


def _line(n: int) -> ast.Span:
    return ast.Span(n, 1, n, 2)


@st.composite
def policies(draw: Draw, vocabulary: Vocabulary) -> ast.Policy:
    """A policy over ``vocabulary``: parameters, a définir chain, rules, maybe ``sinon``."""
    strategy = draw(st.sampled_from(list(ast.Strategy)))
    declared = _declared_parameters(draw, vocabulary)
    scope = {name: spec.type for name, spec in vocabulary.names.items()}
    scope |= {name: spec.type for name, spec in vocabulary.parameters.items()}
    scope |= {p.name: _literal_type(p.value) for p in declared}
    definitions = []
    for i in range(draw(st.integers(0, 4))):  # each may read the earlier ones: acyclic
        condition = _Builder(draw, scope).condition(draw(st.integers(0, 3)))
        definitions.append(ast.Definition(f"dérivé_{i}", condition))
        scope[f"dérivé_{i}"] = B
    definitions = draw(st.permutations(definitions))  # file order is not dependency order
    rules = [_rule(draw, scope, i, strategy) for i in range(draw(st.integers(1, 6)))]
    head: list[ast.Statement] = [ast.PolicyName("aléatoire")]
    if strategy is not ast.Strategy.PREMIERE_APPLICABLE or draw(st.booleans()):
        head.append(ast.Resolution(strategy))
    tail: list[ast.Statement] = []
    if draw(st.booleans()):
        tail.append(ast.Default(draw(st.sampled_from(list(ast.Action)))))
    statements = [*head, *declared, *definitions, *rules, *tail]
    return ast.Policy(tuple(_numbered(statements)))


def _numbered(statements: list[ast.Statement]) -> list[ast.Statement]:
    """Give rules distinct lines, so that unnamed ones have distinct labels (``ligne N``)."""
    out = []
    for n, statement in enumerate(statements, start=1):
        if isinstance(statement, ast.Rule):
            statement = ast.Rule(
                statement.action,
                statement.condition,
                statement.name,
                statement.priority,
                statement.motif,
                span=_line(n),
            )
        out.append(statement)
    return out


def _rule(draw: Draw, scope: Mapping[str, Type], i: int, strategy: ast.Strategy) -> ast.Rule:
    condition = _Builder(draw, scope).condition(draw(st.integers(0, 3)))
    priority = draw(st.integers(0, 4)) if strategy is ast.Strategy.PRIORITE else None
    named = priority is not None or draw(st.booleans())
    motif = draw(st.sampled_from((None, "parce que")))
    action = draw(st.sampled_from(list(ast.Action)))
    return ast.Rule(action, condition, f"règle {i}" if named else None, priority, motif)


def _declared_parameters(draw: Draw, vocabulary: Vocabulary) -> list[ast.Parameter]:
    """New parameters, and overrides of built-in ones with a value of their type."""
    declared = []
    for spec in vocabulary.parameters.values():
        if draw(st.integers(0, 3)) == 0:
            declared.append(ast.Parameter(spec.name, _literal_of(draw(VALUES[spec.type]))))
    for i, type_ in enumerate(draw(st.lists(st.sampled_from((N, T, B, L)), max_size=2))):
        declared.append(ast.Parameter(f"propre_{i}", _literal_of(draw(VALUES[type_]))))
    return declared


def _literal_of(value: Value) -> ast.Literal | ast.ListLiteral:
    if isinstance(value, tuple):
        return ast.ListLiteral(_literals(list(value)))
    return ast.Literal(value)  # type: ignore[arg-type]


def _literal_type(value: ast.Literal | ast.ListLiteral) -> Type:
    if isinstance(value, ast.ListLiteral):
        return L
    return {bool: B, str: T}.get(type(value.value), N)


@st.composite
def scenarios(draw: Draw) -> Scenario:
    """A vocabulary, a policy over it, and the policy as the real checker returns it."""
    vocabulary = draw(vocabularies())
    policy = draw(policies(vocabulary))
    checked, diagnostics = check_policy(policy, vocabulary, source="", path="<aléatoire>")
    errors = [d for d in diagnostics if d.is_error]
    assert checked is not None and not errors, (errors, policy)
    return Scenario(vocabulary, policy, checked)


# --- inputs -----------------------------------------------------------------------------------


@st.composite
def facts_for(draw: Draw, vocabulary: Vocabulary) -> dict[str, Value]:
    """A value (or None, or no key) for every field and fact of the vocabulary."""
    facts: dict[str, Value] = {}
    for name, spec in vocabulary.names.items():
        choice = draw(st.integers(0, 5))
        if choice == 0:
            continue  # absent: inconnu
        facts[name] = None if choice == 1 else draw(VALUES[spec.type])
    return facts


@st.composite
def parameters_for(draw: Draw, checked: CheckedPolicy) -> dict[str, Value] | None:
    """``None`` (the policy's values) or run-time values of the same types."""
    if draw(st.booleans()):
        return None
    return {
        name: draw(VALUES[_value_type(value)]) if draw(st.booleans()) else value
        for name, value in checked.parameters.items()
    }


def _value_type(value: Value) -> Type:
    if isinstance(value, tuple):
        return L
    return {bool: B, str: T}.get(type(value), N)
