"""Type pass: infer each expression's type and report operators applied to the wrong types.

Runs after the name pass, on every condition; unknown names have type ``None`` and raise no
further error (one mistake, one diagnostic). Literals are typed, parameters take the type of
their value, definitions are booleans. Also validates the regular expressions of
``correspond à`` (see ``check_regex``).
"""

from __future__ import annotations

from dataclasses import dataclass

from tamis.grammar import ast
from tamis.grammar.check_codes import Reporter
from tamis.grammar.check_lists import report_glued_numbers
from tamis.grammar.check_names import Scope
from tamis.grammar.check_regex import RegexProblem, ascii_word_escape, regex_problem
from tamis.grammar.check_words import describe, quote
from tamis.grammar.checked import Kind
from tamis.grammar.format import format_value
from tamis.grammar.vocabulary import Type, type_of

N, T, B, L = Type.NOMBRE, Type.TEXTE, Type.BOOLEEN, Type.LISTE
ORDERING = {ast.Op.LT, ast.Op.LE, ast.Op.GT, ast.Op.GE}
EQUALITY = {ast.Op.EQ, ast.Op.NE}


@dataclass
class TypeChecker:
    scope: Scope
    reporter: Reporter

    def desc(self, expr: ast.Expr) -> str:
        return describe(expr, self.reporter.text(expr))

    def condition(self, expr: ast.Expr) -> None:
        """``expr`` must be a boolean: it is a rule's condition or an operand of et/ou/non."""
        found = self.infer(expr)
        if found is not None and found is not B:
            self.reporter.report(
                "E020",
                f"une condition doit être vraie ou fausse, mais {self.desc(expr)} "
                f"est de type {found.value}",
                expr.span,
                _condition_help(found, self.reporter.text(expr) or _name(expr)),
            )

    def infer(self, expr: ast.Expr) -> Type | None:
        match expr:
            case ast.Literal(value=value):
                return type_of(value)
            case ast.ListLiteral():
                self.list_items(expr)
                return L
            case ast.Ref(name=name):
                return self.scope.type_of(name)
            case ast.Not() | ast.And() | ast.Or():
                for operand in _logical_operands(expr):
                    self.condition(operand)
            case ast.Compare():
                self.compare(expr)
            case ast.Between():
                self.between(expr)
            case ast.IsSet(subject=subject):
                self.operand(subject)
        return B

    def operand(self, expr: ast.Expr, op: str | None = None) -> Type | None:
        """The type of a comparison operand; a list literal is only allowed after ``dans``."""
        if isinstance(expr, ast.ListLiteral):
            where = f"avec {quote(op)}" if op else "ici"
            self.reporter.report(
                "E033",
                f"une liste entre crochets ne s'utilise pas {where}",
                expr.span,
                "une liste s'écrit seulement après « dans », par exemple "
                '« expediteur.secteur dans ["vente", "marketing"] »',
            )
            return None
        return self.infer(expr)

    def list_items(self, expr: ast.ListLiteral) -> Type | None:
        """The common type of a list literal's items (None when empty or mixed)."""
        report_glued_numbers(expr.items, self.reporter)
        types = {type_of(item.value) for item in expr.items}
        if len(types) > 1:
            words = " et ".join(sorted(t.value for t in types if t is not None))
            self.reporter.report(
                "E032",
                f"la liste mélange des types ({words})",
                expr.span,
                "tous les éléments d'une liste doivent être du même type",
            )
            return None
        return next(iter(types), None)

    # --- comparisons ---------------------------------------------------------

    def compare(self, expr: ast.Compare) -> None:
        op = expr.op
        if op is ast.Op.IN:
            self.membership(expr)
            return
        left, right = self.operand(expr.left, op.value), self.operand(expr.right, op.value)
        if op in EQUALITY:
            self.equality(expr, left, right)
        elif op in ORDERING:
            self.ordering(expr, left, right)
        elif op is ast.Op.CONTAINS:
            self.contains(expr, left, right)
        else:
            self.text_only(expr.left, left, op)
            self.text_only(expr.right, right, op)
            if op is ast.Op.MATCHES and right is T:
                self.regex(expr.right)

    def equality(self, expr: ast.Compare, left: Type | None, right: Type | None) -> None:
        side = expr.left if left is L else expr.right if right is L else None
        if side is not None:
            self.reporter.report(
                "E013",
                f"{quote(expr.op.value)} ne compare pas une liste ({self.desc(side)})",
                expr.span,
                f"pour tester si la liste contient un élément, écrivez "
                f'« {_name(side)} contient "…" »',
            )
        elif left is not None and right is not None and left is not right:
            self.reporter.report(
                "E013",
                f"comparaison impossible entre {self.desc(expr.left)} (de type {left.value}) "
                f"et {self.desc(expr.right)} (de type {right.value})",
                expr.span,
                f"les deux côtés de {quote(expr.op.value)} doivent être du même type",
            )

    def ordering(self, expr: ast.Compare, left: Type | None, right: Type | None) -> None:
        for side, found in ((expr.left, left), (expr.right, right)):
            if found is not None and found is not N:
                self.reporter.report(
                    "E014",
                    f"{quote(expr.op.value)} compare des nombres, mais {self.desc(side)} "
                    f"est de type {found.value}",
                    side.span,
                    _ordering_help(found),
                )

    def contains(self, expr: ast.Compare, left: Type | None, right: Type | None) -> None:
        if left is not None and left not in (T, L):
            self.reporter.report(
                "E016",
                f"« contient » s'applique à du texte ou à une liste, mais {self.desc(expr.left)} "
                f"est de type {left.value}",
                expr.left.span,
                "pour un nombre, utilisez « = », « < » ou « entre »"
                if left is N
                else "un booléen se teste directement, sans « contient »",
            )
        self.text_only(expr.right, right, expr.op)

    def text_only(self, side: ast.Expr, found: Type | None, op: ast.Op) -> None:
        if found is not None and found is not T:
            self.reporter.report(
                "E017",
                f"{quote(op.value)} s'applique à du texte, mais {self.desc(side)} "
                f"est de type {found.value}",
                side.span,
                'écrivez le texte entre guillemets, par exemple « "vente" »'
                if isinstance(side, ast.Literal)
                else None,
            )

    def membership(self, expr: ast.Compare) -> None:
        subject = self.operand(expr.left, "dans")
        items = self.list_type(expr.right)
        if subject is not None and items is not None and subject is not items:
            self.reporter.report(
                "E019",
                f"{self.desc(expr.left)} est de type {subject.value}, mais la liste "
                f"contient des éléments de type {items.value}",
                expr.left.span,
                "pour tester un élément d'une liste, utilisez « contient »"
                if subject is L
                else "les éléments de la liste doivent être du même type que ce qu'on y cherche",
            )

    def list_type(self, expr: ast.Expr) -> Type | None:
        """The item type of the right side of ``dans`` (texts for a list name)."""
        if isinstance(expr, ast.ListLiteral):
            return self.list_items(expr)
        found = self.infer(expr)
        if found is L:
            return T
        if found is not None:
            self.reporter.report(
                "E018",
                f"« dans » attend une liste, mais {self.desc(expr)} est de type {found.value}",
                expr.span,
                'écrivez la liste entre crochets, par exemple « dans ["vente", "marketing"] »',
            )
        return None

    def between(self, expr: ast.Between) -> None:
        for side in (expr.subject, expr.low, expr.high):
            found = self.operand(side, "entre")
            if found is not None and found is not N:
                self.reporter.report(
                    "E015",
                    f"« entre » s'applique à des nombres, mais {self.desc(side)} "
                    f"est de type {found.value}",
                    side.span,
                    _ordering_help(found),
                )
        self.bounds(expr)

    def bounds(self, expr: ast.Between) -> None:
        low, high = expr.low, expr.high
        if not (isinstance(low, ast.Literal) and isinstance(high, ast.Literal)):
            return
        if type_of(low.value) is N and type_of(high.value) is N and low.value > high.value:
            a, b = format_value(low.value), format_value(high.value)
            self.reporter.report(
                "W008",
                f"les bornes de « entre » sont inversées : {a} est plus grand que {b}",
                expr.span,
                f"écrivez « entre {b} et {a} » ; telle quelle, la condition n'est jamais vraie",
            )

    # --- regular expressions -------------------------------------------------

    def regex(self, pattern: ast.Expr) -> None:
        if isinstance(pattern, ast.Literal) and isinstance(pattern.value, str):
            self.regex_literal(pattern)
        elif isinstance(pattern, ast.Ref) and self.scope.lookup(pattern.name) == (
            Kind.PARAMETRE,
            T,
        ):
            value = _parameter_text(self.scope, pattern.name)
            problem = regex_problem(value) if value is not None else None
            if problem is None and value is not None:
                self.ascii_words(value, pattern.span)
            if problem is not None:
                verdict = "n'est pas prise en charge" if problem.unsupported else "est invalide"
                self.reporter.report(
                    _regex_code(problem),
                    f"l'expression régulière du paramètre {quote(pattern.name)} {verdict} : "
                    f"{problem.reason}{_position(problem.position)}",
                    pattern.span,
                    _regex_help(problem),
                )

    def regex_literal(self, literal: ast.Literal) -> None:
        problem = regex_problem(literal.value)
        if problem is None:
            return self.ascii_words(literal.value, literal.span, literal)
        verdict = "non prise en charge" if problem.unsupported else "invalide"
        self.reporter.report(
            _regex_code(problem),
            f"expression régulière {verdict} : {problem.reason}{_position(problem.position)}",
            self.pattern_span(literal, problem.position),
            _regex_help(problem),
        )

    def ascii_words(self, value: str, span: ast.Span, literal: ast.Literal | None = None) -> None:
        found = ascii_word_escape(value)
        if found is None:
            return
        escape, position = found
        self.reporter.report(
            "W010",
            f"dans une expression régulière, « {escape} » ne connaît que les lettres sans accent"
            f" (ASCII) : « é », « à », « ç »… n'en sont pas pour lui{_position(position)}",
            self.pattern_span(literal, position) if literal else span,
            "pour une lettre quelconque, écrivez « \\p{L} » (« [\\p{L}\\p{N}_] » au lieu de"
            " « \\w ») ; à la place de « \\b » devant ou après une lettre accentuée, écrivez"
            " « (^|\\P{L}) » ou « (\\P{L}|$) »",
        )

    def pattern_span(self, literal: ast.Literal, position: int | None) -> ast.Span:
        """The span of the faulty character when the literal's text maps one to one."""
        raw = self.reporter.text(literal)
        value = literal.value
        if raw is None or position is None or not value or raw[1:-1].strip() != value:
            return literal.span
        offset = 1 + raw[1:-1].index(value) + min(position, len(value) - 1)
        span = literal.span
        column, start = span.column + offset, span.start + offset
        return ast.Span(span.line, column, span.line, column + 1, start, start + 1)


REGEX_HELP = (
    "vérifiez parenthèses et crochets ; pour chercher un caractère spécial tel quel "
    "(. * + ? ( ) [ ] |), faites-le précéder de « \\ »"
)


UNSUPPORTED_REGEX_HELP = (
    "tamis évalue les expressions régulières en temps linéaire (RE2), sans retour arrière : "
    "réécrivez le motif sans cette construction (voir « Les expressions régulières » dans "
    "docs/langage.md), ou découpez la condition avec « et » / « non »"
)


def _regex_code(problem: RegexProblem) -> str:
    return "E037" if problem.unsupported else "E021"


def _regex_help(problem: RegexProblem) -> str:
    return UNSUPPORTED_REGEX_HELP if problem.unsupported else REGEX_HELP


def _position(position: int | None) -> str:
    return f" (caractère {position + 1} du motif)" if position is not None else ""


def _parameter_text(scope: Scope, name: str) -> str | None:
    parameter = scope.decls.parameters.get(name)
    if parameter is not None and isinstance(parameter.value, ast.Literal):
        value = parameter.value.value
        return value if isinstance(value, str) else None
    spec = scope.vocabulary.parameters.get(name)
    return spec.default if spec is not None and isinstance(spec.default, str) else None


def _logical_operands(expr: ast.Not | ast.And | ast.Or) -> tuple[ast.Expr, ...]:
    return (expr.operand,) if isinstance(expr, ast.Not) else expr.operands


def _name(expr: ast.Expr) -> str:
    return expr.name if isinstance(expr, ast.Ref) else "…"


def _condition_help(found: Type, text: str) -> str:
    if found is N:
        return f"comparez-le à une valeur, par exemple « {text} < 50 »"
    if found is T:
        return f'testez-le, par exemple « {text} contient "…" » ou « {text} est renseigné »'
    if found is L:
        return f'testez-la, par exemple « {text} contient "…" »'
    return "une condition se construit avec une comparaison, « et », « ou » ou « non »"


def _ordering_help(found: Type) -> str:
    if found is T:
        return "pour du texte, utilisez « = », « contient », « commence par » ou « dans »"
    if found is B:
        return "un booléen se teste directement (« sans_photo ») ou avec « = vrai »"
    return "pour une liste, utilisez « contient »"
