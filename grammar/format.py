"""AST -> canonical policy text (``tamis formater``); a side branch of the flow, after ``parse``.

Layout, chosen to be idempotent (``format(parse(format(p))) == format(p)``):

- the header (``politique``, ``résolution``) first, in source order; every other statement
  stays where it was (rule order decides under ``première_applicable``);
- one statement per line, canonical spellings with accents, operators ``=``, ``!=``, ``<=``,
  ``>=``, texts in ``"…"``, parentheses only where precedence or the user's grouping of a
  chain of the same operator needs them; a rule's ``motif`` on the next line, indented by four
  spaces;
- one blank line between groups (header, parameters, definitions, decision rules with
  ``sinon``, which closes the rules without a blank line) and where the source had at least
  one blank line before a statement (and its comments);
- comments kept: a comment alone on its line stays before the statement that followed it, a
  comment at the end of a statement's last line stays at the end of that statement's last line,
  a comment inside a statement written over several lines moves just before the statement,
  comments after the last statement stay at the end.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from decimal import Decimal

from tamis.grammar import ast

INDENT = "    "

_OR, _AND, _NOT, _PREDICATE, _ATOM = range(1, 6)


def format_policy(policy: ast.Policy) -> str:
    """The canonical text of ``policy``; empty policies give the empty string."""
    lines: list[str] = []
    previous: _Block | None = None
    for block in _ordered(_blocks(policy)):
        block_lines = block.lines()
        if previous is not None and _needs_blank(previous, block) and block_lines[0] != "":
            lines.append("")
        lines.extend(block_lines)
        previous = block
    while lines and lines[0] == "":
        lines.pop(0)
    return "".join(line + "\n" for line in lines)


# --- statements and their comments ---------------------------------------------------------


@dataclass
class _Block:
    """A statement with the comments that travel with it (``statement`` None: end comments).

    ``blank`` holds, for each comment and for the statement, whether the source had an empty
    line just before it.
    """

    statement: ast.Statement | None
    leading: list[ast.Comment] = field(default_factory=list)
    trailing: ast.Comment | None = None
    blank: dict[int, bool] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out: list[str] = []
        for comment in self.leading:
            out.extend(
                ["", _comment(comment)] if self.blank.get(id(comment)) else [_comment(comment)]
            )
        if self.statement is not None:
            if self.blank.get(id(self.statement)) and out:
                out.append("")
            out.extend(format_statement(self.statement).split("\n"))
        if self.trailing is not None:
            out[-1] += "  " + _comment(self.trailing)
        return out

    @property
    def group(self) -> int:
        return _group(self.statement)

    @property
    def blank_before(self) -> bool:
        first = self.leading[0] if self.leading else self.statement
        return bool(self.blank.get(id(first)))


def _comment(comment: ast.Comment) -> str:
    return "#" + comment.text.rstrip()


def _group(statement: ast.Statement | None) -> int:
    order = (ast.PolicyName | ast.Resolution, ast.Parameter, ast.Definition, ast.Rule | ast.Default)
    for index, kind in enumerate(order):
        if isinstance(statement, kind):
            return index
    return len(order)


def _ordered(blocks: list[_Block]) -> list[_Block]:
    header = [block for block in blocks if block.group == 0]
    return header + [block for block in blocks if block.group != 0]


def _needs_blank(previous: _Block, block: _Block) -> bool:
    if block.statement is None:
        return block.blank_before
    return block.group != previous.group or block.blank_before


def _blocks(policy: ast.Policy) -> list[_Block]:
    """Attach each comment to a statement, using the spans the parser recorded."""
    blank = _blank_lines(policy)
    blocks = [_Block(statement, blank=blank) for statement in policy.statements]
    end = _Block(None, blank=blank)
    ends = [statement.span.end for statement in policy.statements]  # ascending: source order
    for comment in sorted(policy.comments, key=lambda c: c.span.start):
        index = bisect.bisect_right(ends, comment.span.start)  # first statement ending after it
        before = blocks[index - 1] if index > 0 else None
        if before is not None and _ends_on_line(before, comment) and before.trailing is None:
            before.trailing = comment
        else:
            (blocks[index] if index < len(blocks) else end).leading.append(comment)
    return blocks + ([end] if end.leading else [])


def _ends_on_line(block: _Block, comment: ast.Comment) -> bool:
    span = block.statement.span
    return span.line > 0 and span.end_line == comment.span.line


def _blank_lines(policy: ast.Policy) -> dict[int, bool]:
    """For each statement and comment (by id): did an empty source line come just before it?"""
    items = sorted([*policy.statements, *policy.comments], key=lambda node: node.span.start)
    blank: dict[int, bool] = {}
    last_line = None
    for item in items:
        if item.span.line <= 0:
            continue
        blank[id(item)] = last_line is not None and item.span.line > last_line + 1
        last_line = max(last_line or 0, item.span.end_line)
    return blank


def format_statement(statement: ast.Statement) -> str:
    """One statement in canonical form (a rule with a motif takes two lines)."""
    match statement:
        case ast.PolicyName(name=name):
            return f"politique {quote(name)}"
        case ast.Resolution(strategy=strategy):
            return f"résolution {strategy.value}"
        case ast.Parameter(name=name, value=value):
            return f"paramètre {name} = {format_expr(value)}"
        case ast.Definition(name=name, condition=condition):
            return f"définir {name} si {format_expr(condition)}"
        case ast.Rule():
            return _rule(statement)
        case ast.Default(action=action):
            return f"sinon {action.value}"
    raise TypeError(f"not a statement: {statement!r}")


def _rule(rule: ast.Rule) -> str:
    head = ""
    if rule.name is not None:
        priority = "" if rule.priority is None else f" priorité {rule.priority}"
        head = f"règle {quote(rule.name)}{priority} : "
    text = f"{head}{rule.action.value} si {format_expr(rule.condition)}"
    if rule.motif is not None:
        text += f"\n{INDENT}motif {quote(rule.motif)}"
    return text


# --- expressions -----------------------------------------------------------------------------


def format_expr(expr: ast.Expr) -> str:
    """A condition or operand with the fewest parentheses that keep its structure."""
    match expr:
        case ast.Or(operands=operands):
            return " ou ".join(_operand(item, _OR + 1) for item in operands)
        case ast.And(operands=operands):
            return " et ".join(_operand(item, _AND + 1) for item in operands)
        case ast.Not(operand=operand):
            return f"non {_operand(operand, _NOT)}"
        case ast.Compare(op=op, left=left, right=right):
            return f"{_operand(left, _ATOM)} {op.value} {_operand(right, _ATOM)}"
        case ast.Between(subject=subject, low=low, high=high):
            bounds = f"{_operand(low, _ATOM)} et {_operand(high, _ATOM)}"
            return f"{_operand(subject, _ATOM)} entre {bounds}"
        case ast.IsSet(subject=subject, negated=negated):
            test = "n'est pas renseigné" if negated else "est renseigné"
            return f"{_operand(subject, _ATOM)} {test}"
        case ast.ListLiteral(items=items):
            return "[" + ", ".join(format_expr(item) for item in items) + "]"
        case ast.Literal(value=value):
            return format_value(value)
        case ast.Ref(name=name):
            return name
    raise TypeError(f"not an expression: {expr!r}")


def _operand(expr: ast.Expr, least: int) -> str:
    """``expr`` in a position that needs precedence ``least``; parenthesised when lower."""
    text = format_expr(expr)
    return text if _precedence(expr) >= least else f"({text})"


def _precedence(expr: ast.Expr) -> int:
    if isinstance(expr, ast.Or):
        return _OR
    if isinstance(expr, ast.And):
        return _AND
    if isinstance(expr, ast.Not):
        return _NOT
    if isinstance(expr, ast.Compare | ast.Between | ast.IsSet):
        return _PREDICATE
    return _ATOM


def format_value(value: int | float | str | bool) -> str:
    """A literal as the parser reads it back: ``vrai``, ``12``, ``0.5``, ``"texte"``."""
    if isinstance(value, bool):
        return "vrai" if value else "faux"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _decimal(value)
    return quote(value)


def _decimal(value: float) -> str:
    """A float in plain decimal notation (no exponent), always with a ``.``."""
    text = format(Decimal(repr(value)), "f")
    return text if "." in text else text + ".0"


def quote(text: str) -> str:
    """``"…"`` with ``\\"`` for quotes; a backslash is doubled only where it would be read as
    an escape (before ``"``, before another backslash, or at the end), so regular expressions
    such as ``"\\bposte\\b"`` stay as written."""
    out: list[str] = []
    for index, char in enumerate(text):
        following = text[index + 1 : index + 2]
        if char == '"':
            out.append('\\"')
        elif char == "\\" and following in ("", '"', "\\"):
            out.append("\\\\")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
