"""Policy text -> Lark tree -> AST: the entry point of the flow, never raising on any input.

``parse_policy`` returns the AST (``None`` on a syntax error) and the syntax diagnostics
(codes E001-E009, see ``syntax_errors``). Comments are collected while lexing and kept in
``Policy.comments`` so that the formatter can put them back.
"""

from __future__ import annotations

import functools
from contextvars import ContextVar
from importlib import resources

from lark import Lark, Token
from lark.exceptions import UnexpectedInput

from tamis.grammar import ast
from tamis.grammar.cache import grammar_cache_file
from tamis.grammar.diagnostics import Diagnostic, Severity
from tamis.grammar.lines import unified_line_ends
from tamis.grammar.syntax_errors import null_character, syntax_diagnostic, too_deep
from tamis.grammar.to_ast import AstError, span_of, to_ast

_COMMENTS: ContextVar[list[Token] | None] = ContextVar("tamis_comments", default=None)


def _collect_comment(token: Token) -> Token:
    sink = _COMMENTS.get()
    if sink is not None:
        sink.append(token)
    return token


@functools.cache
def lark_parser() -> Lark:
    """The LALR parser built from the packaged ``tamis.lark`` (built once per process, and
    kept by lark between runs in the user's cache folder: ``cache.grammar_cache_file``)."""
    grammar = resources.files("tamis.grammar").joinpath("tamis.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        cache=grammar_cache_file() or False,
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        lexer_callbacks={"COMMENT": _collect_comment},
    )


def parse_policy(source: str, path: str = "<entrée>") -> tuple[ast.Policy | None, list[Diagnostic]]:
    """The policy written in ``source``, or ``None`` and the syntax diagnostics.

    Line ends are unified first (see ``unified_line_ends``): spans count lines the same
    whatever editor saved the file."""
    source = unified_line_ends(source)
    if (null := null_character(source, path)) is not None:
        return None, [null]
    try:
        return _parse(source, path)
    except RecursionError:
        return None, [too_deep(source, path)]


def _parse(source: str, path: str) -> tuple[ast.Policy | None, list[Diagnostic]]:
    comments: list[Token] = []
    token = _COMMENTS.set(comments)
    try:
        statements = to_ast(lark_parser().parse(source))
    except UnexpectedInput as error:
        return None, [syntax_diagnostic(error, source, path, lark_parser().parse)]
    except AstError as error:
        return None, [_ast_diagnostic(error, path)]
    finally:
        _COMMENTS.reset(token)
    kept = tuple(ast.Comment(_comment_text(c), span=span_of(c)) for c in comments)
    return ast.Policy(statements, kept, span=whole_span(source)), []


def _comment_text(token: Token) -> str:
    return str(token)[1:].rstrip()


def _ast_diagnostic(error: AstError, path: str) -> Diagnostic:
    return Diagnostic(error.code, Severity.ERREUR, error.message, error.span, error.help, path)


def whole_span(source: str) -> ast.Span:
    """The span covering all of ``source``."""
    lines = source.split("\n")
    return ast.Span(1, 1, len(lines), len(lines[-1]) + 1, 0, len(source))
