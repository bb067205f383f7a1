"""The tamis abstract syntax tree: frozen dataclasses, each carrying its source span.

Sits between the Lark tree (``to_ast``) and the checker (``check``). No Lark type
appears here. Spans are excluded from equality so that tests compare structure:
``parse(format(p)) == p`` holds even though every position moved.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True, order=True)
class Span:
    """A region of source text; lines and columns start at 1, ``end_*`` is exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int
    start: int = 0  # character offsets into the source
    end: int = 0


NO_SPAN = Span(0, 0, 0, 0)


@dataclass(frozen=True)
class Node:
    """Every node: its span, left out of equality and of ``repr``."""

    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


class Action(Enum):
    """A decision; the value is the keyword users write."""

    ACCEPTER = "accepter"
    REFUSER = "refuser"
    IGNORER = "ignorer"
    SIGNALER = "signaler"
    EXAMINER = "examiner"


class Strategy(Enum):
    """How the decision is picked among the rules that fired (``résolution``)."""

    PREMIERE_APPLICABLE = "première_applicable"
    REFUS_PRIORITAIRE = "refus_prioritaire"
    PRIORITE = "priorité"


class Op(Enum):
    """Binary operators; the value is the canonical spelling the formatter writes."""

    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    CONTAINS = "contient"
    STARTS_WITH = "commence par"
    MATCHES = "correspond à"
    IN = "dans"


# --- expressions -------------------------------------------------------------


@dataclass(frozen=True)
class Literal(Node):
    """A number (int or float), a text, or a boolean (``vrai``/``faux``)."""

    value: int | float | str | bool


@dataclass(frozen=True)
class ListLiteral(Node):
    """``[a, b, c]``: literals only (a parameter's value, the right of ``dans``)."""

    items: tuple[Literal, ...]


@dataclass(frozen=True)
class Ref(Node):
    """A name: parameter, derived fact, built-in fact or dotted field path.

    The parser cannot tell which; the checker resolves it.
    """

    name: str  # "sans_photo", "connexions_min", "expediteur.connexions"


@dataclass(frozen=True)
class Not(Node):
    """``non a``."""

    operand: Expr


@dataclass(frozen=True)
class And(Node):
    """``a et b et c``: operands in source order (at least two)."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or(Node):
    """``a ou b ou c``: operands in source order (at least two)."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Compare(Node):
    """``left op right``: a comparison, a text test (``contient``…) or ``dans``."""

    op: Op
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Between(Node):
    """``x entre low et high``, bounds inclusive."""

    subject: Expr
    low: Expr
    high: Expr


@dataclass(frozen=True)
class IsSet(Node):
    """``x est renseigné`` (negated: ``x n'est pas renseigné``); never unknown."""

    subject: Expr
    negated: bool = False


Expr = Literal | ListLiteral | Ref | Not | And | Or | Compare | Between | IsSet


def children(expr: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of an expression, in source order."""
    match expr:
        case Not(operand=operand):
            return (operand,)
        case And(operands=operands) | Or(operands=operands):
            return operands
        case Compare(left=left, right=right):
            return (left, right)
        case Between(subject=subject, low=low, high=high):
            return (subject, low, high)
        case IsSet(subject=subject):
            return (subject,)
    return ()


def walk(expr: Expr) -> Iterator[Expr]:
    """The expression and every sub-expression, depth first, in source order."""
    yield expr
    for child in children(expr):
        yield from walk(child)


def iter_refs(expr: Expr) -> Iterator[Ref]:
    """Every name an expression reads, in source order (with repeats)."""
    return (node for node in walk(expr) if isinstance(node, Ref))


# --- statements --------------------------------------------------------------


@dataclass(frozen=True)
class PolicyName(Node):
    """``politique "nom"``."""

    name: str


@dataclass(frozen=True)
class Resolution(Node):
    """``résolution stratégie``."""

    strategy: Strategy


@dataclass(frozen=True)
class Parameter(Node):
    """``paramètre nom = valeur``."""

    name: str
    value: Literal | ListLiteral
    name_span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Definition(Node):
    """``définir nom si condition``: a derived fact."""

    name: str
    condition: Expr
    name_span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Rule(Node):
    """``règle "nom" : action si condition``, with its priority and motif if written."""

    action: Action
    condition: Expr
    name: str | None = None
    priority: int | None = None
    motif: str | None = None

    @property
    def label(self) -> str:
        """How users refer to the rule: its name, or ``ligne N`` when unnamed."""
        return self.name if self.name is not None else f"ligne {self.span.line}"


@dataclass(frozen=True)
class Default(Node):
    """``sinon ACTION``: the decision when no rule fires."""

    action: Action


Statement = PolicyName | Resolution | Parameter | Definition | Rule | Default


@dataclass(frozen=True)
class Comment(Node):
    """A ``#`` comment, kept so that the formatter can put it back."""

    text: str  # without the leading "#"


@dataclass(frozen=True)
class Policy(Node):
    """A whole policy file: its statements in source order, and its comments."""

    statements: tuple[Statement, ...]
    comments: tuple[Comment, ...] = field(default=(), compare=False)
