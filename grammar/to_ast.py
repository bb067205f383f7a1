"""Lark tree -> AST: the second step of the flow (text -> Lark tree -> **AST** -> checked policy).

Every node gets its ``Span`` from the Lark meta once, here; no Lark type leaves this module.
The few rules the grammar cannot express (an integer priority, an undotted name for
``paramètre``/``définir``, a bounded nesting depth) raise ``AstError``, which ``parse`` turns
into a diagnostic. The transformer is non-recursive, so a deeply nested policy cannot exhaust
the Python stack here; ``MAX_DEPTH`` then protects every later stage.
"""

from __future__ import annotations

from lark import Token, Transformer_NonRecursive, Tree, v_args
from lark.exceptions import VisitError

from tamis.grammar import ast
from tamis.grammar.numbers import MAX_DIGITS

MAX_DEPTH = 64
"""Deepest expression nesting accepted (``non non …``, parentheses)."""

MAX_NUMBER_DIGITS = 20
"""Most digits in a number written in a policy (Python refuses to read 4,300 and more); an
integer has at most ``numbers.MAX_DIGITS`` (18), as everywhere in tamis: a parameter's value
goes to the journal, whose integers hold 64 bits."""

_NUMBER_SEPARATORS = str.maketrans({" ": None, "\u00a0": None, "\u202f": None, ",": "."})

_OPS = {
    "=": ast.Op.EQ,
    "!=": ast.Op.NE,
    "≠": ast.Op.NE,
    "<": ast.Op.LT,
    "<=": ast.Op.LE,
    "≤": ast.Op.LE,
    ">": ast.Op.GT,
    ">=": ast.Op.GE,
    "≥": ast.Op.GE,
}
_WORD_OPS = {
    "CONTIENT": ast.Op.CONTAINS,
    "COMMENCE_PAR": ast.Op.STARTS_WITH,
    "CORRESPOND_A": ast.Op.MATCHES,
    "DANS": ast.Op.IN,
}
_STRATEGIES = {
    "PREMIERE_APPLICABLE": ast.Strategy.PREMIERE_APPLICABLE,
    "REFUS_PRIORITAIRE": ast.Strategy.REFUS_PRIORITAIRE,
    "PRIORITE": ast.Strategy.PRIORITE,
}


class AstError(Exception):
    """A rule of the language the grammar cannot express; becomes a syntax diagnostic."""

    def __init__(self, code: str, message: str, span: ast.Span, help: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.span = span
        self.help = help


def span_of(meta) -> ast.Span:
    """Our ``Span`` from a Lark meta or token (both carry the same position attributes)."""
    start = meta.start_pos
    return ast.Span(meta.line, meta.column, meta.end_line, meta.end_column, start, meta.end_pos)


def unquote(token: Token) -> str:
    """The value of a ``"…"`` or ``« … »`` string token."""
    text = str(token)
    if token.type == "GSTRING":
        return text[1:-1].strip()
    return _unescape(text[1:-1])


def _unescape(body: str) -> str:
    """``\\"`` -> ``"`` and ``\\\\`` -> ``\\``; any other backslash is kept as written."""
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body) and body[index + 1] in '"\\':
            out.append(body[index + 1])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _number(token: Token) -> int | float:
    """``12``, ``-3``, ``0.5``, ``0,5``, ``10 000`` (thousands after a space, a no-break
    space or a narrow no-break space); E009 past ``MAX_NUMBER_DIGITS`` digits, or for an
    integer past ``MAX_DIGITS``."""
    text = str(token)
    digits = _digits(text)
    if digits > MAX_NUMBER_DIGITS:
        raise AstError(
            "E009",
            f"nombre trop long : {digits} chiffres (au plus {MAX_NUMBER_DIGITS})",
            span_of(token),
            "un nombre d'une politique (seuil, borne, priorité) tient en quelques chiffres ;"
            " vérifiez la valeur",
        )
    plain = text.translate(_NUMBER_SEPARATORS)
    if "." in plain:
        return float(plain)
    if digits > MAX_DIGITS:
        raise AstError(
            "E009",
            f"entier trop long : {digits} chiffres (au plus {MAX_DIGITS})",
            span_of(token),
            f"un entier tient en {MAX_DIGITS} chiffres, comme les nombres d'une invitation ;"
            " vérifiez la valeur",
        )
    return int(plain)


def _digits(text: str) -> int:
    """The digits of a number as written, but for the zeros that end its decimals: the
    formatter writes ``9999999999999999999.9`` (20 digits), read as 1e19, back as
    ``10000000000000000000.0``, which must read again (``10 000,000`` has 5 digits)."""
    whole, point, fraction = text.replace(",", ".").partition(".")
    kept = whole + (fraction.rstrip("0") if point else "")
    return sum(char.isdigit() for char in kept)


def _simple_name(token: Token, what: str) -> str:
    name = str(token)
    if "." in name:
        raise AstError(
            "E008",
            f"{what} « {name} » ne peut pas contenir de point",
            span_of(token),
            "les noms pointés (expediteur.connexions) désignent des champs d'invitation ; "
            f"choisissez un nom simple, par exemple « {name.replace('.', '_')} »",
        )
    return name


@v_args(meta=True)
class _ToAst(Transformer_NonRecursive):
    """One method per grammar rule; children arrive already converted."""

    def start(self, meta, children):
        return tuple(children)

    def policy_name(self, meta, children):
        return ast.PolicyName(children[0], span=span_of(meta))

    def resolution(self, meta, children):
        return ast.Resolution(children[0], span=span_of(meta))

    def strategy(self, meta, children):
        return _STRATEGIES[children[0].type]

    def parameter(self, meta, children):
        name, _equal, value = children
        return ast.Parameter(
            _simple_name(name, "le nom du paramètre"),
            value,
            span=span_of(meta),
            name_span=span_of(name),
        )

    def definition(self, meta, children):
        name, condition = children
        return ast.Definition(
            _simple_name(name, "le nom défini"),
            _checked_depth(condition),
            span=span_of(meta),
            name_span=span_of(name),
        )

    def rule(self, meta, children):
        header, action, condition, motif = children
        name, priority = header if header is not None else (None, None)
        return ast.Rule(
            ast.Action(str(action).lower()),
            _checked_depth(condition),
            name=name,
            priority=priority,
            motif=motif,
            span=span_of(meta),
        )

    def rule_header(self, meta, children):
        name, _keyword, number = children
        return name, (None if number is None else _priority(number))

    def motif(self, meta, children):
        return children[0]

    def default(self, meta, children):
        return ast.Default(ast.Action(str(children[0]).lower()), span=span_of(meta))

    def string(self, meta, children):
        return unquote(children[0])

    def disjunction(self, meta, children):
        return ast.Or(tuple(children), span=span_of(meta))

    def conjunction(self, meta, children):
        return ast.And(tuple(children), span=span_of(meta))

    def not_(self, meta, children):
        return ast.Not(children[0], span=span_of(meta))

    def compare(self, meta, children):
        left, op, right = children
        return ast.Compare(_op(op), left, right, span=span_of(meta))

    def between(self, meta, children):
        subject, low, high = children
        return ast.Between(subject, low, high, span=span_of(meta))

    def is_set(self, meta, children):
        subject, keyword = children
        negated = keyword.type == "N_EST_PAS_RENSEIGNE"
        return ast.IsSet(subject, negated=negated, span=span_of(meta))

    def ref(self, meta, children):
        return ast.Ref(str(children[0]), span=span_of(meta))

    def literal(self, meta, children):
        return ast.Literal(_literal_value(children[0]), span=span_of(meta))

    def list_item(self, meta, children):
        return self.literal(meta, children)

    def list(self, meta, children):
        items = tuple(item for item in children if item is not None)
        return ast.ListLiteral(items, span=span_of(meta))


def _literal_value(token: Token) -> int | float | str | bool:
    if token.type in ("STRING", "GSTRING"):
        return unquote(token)
    if token.type in ("NUMBER", "LIST_NUMBER"):
        return _number(token)
    return token.type == "VRAI"


def _op(token: Token) -> ast.Op:
    if token.type in _WORD_OPS:
        return _WORD_OPS[token.type]
    return _OPS[str(token)]


def _priority(token: Token) -> int:
    value = _number(token)
    if not isinstance(value, int):
        raise AstError(
            "E007",
            f"la priorité doit être un nombre entier, pas « {token} »",
            span_of(token),
            f"écrivez par exemple « priorité {int(value)} »",
        )
    return value


def _first_char(span: ast.Span) -> ast.Span:
    return ast.Span(span.line, span.column, span.line, span.column + 1, span.start, span.start + 1)


def _checked_depth(condition: ast.Expr) -> ast.Expr:
    """``condition`` unchanged, or ``AstError`` E009 at the first node nested too deeply."""
    stack = [(condition, 1)]
    while stack:
        expr, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise AstError(
                "E009",
                f"condition trop imbriquée (plus de {MAX_DEPTH} niveaux)",
                _first_char(expr.span),
                "découpez-la avec des « définir »",
            )
        stack.extend((child, depth + 1) for child in ast.children(expr))
    return condition


def to_ast(tree: Tree) -> tuple[ast.Statement, ...]:
    """The statements of a parsed policy; raises ``AstError`` for the rules checked here."""
    try:
        return _ToAst().transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, AstError):
            raise error.orig_exc from None
        raise
