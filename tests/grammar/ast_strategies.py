"""Hypothesis strategies for structurally valid tamis ASTs (the formatter's round-trip tests).

A generated policy has its header (``politique``, ``résolution``) first, as the formatter
writes it; everything else comes in any order. Names are Unicode (accents included) and never
a reserved word; texts hold any printable character but a line break.
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

from tamis.grammar import ast
from tamis.grammar.parse import lark_parser

_NAME = re.compile(lark_parser().get_terminal("NAME").pattern.to_regexp())

_FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèêàçùôîëïÉÈÀÇ_"
_REST = _FIRST + "0123456789"


def _is_name(text: str) -> bool:
    return _NAME.fullmatch(text) is not None


simple_names = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(_FIRST),
    st.text(alphabet=_REST, max_size=10),
).filter(_is_name)

ref_names = st.lists(simple_names, min_size=1, max_size=3).map(".".join).filter(_is_name)

texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\n"),
    max_size=20,
) | st.sampled_from(["", '"', "\\", 'a\\"b', "\\d+", "\\\\", "fin\\", "(?i)poste|emploi"])

# Numbers a policy can hold: at most 20 digits (to_ast.MAX_NUMBER_DIGITS), so floats with
# at most 12 integer digits and 6 decimals.
numbers = st.integers(min_value=-(10**12), max_value=10**12) | st.floats(
    min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False
).map(lambda x: round(x, 6))
constants = st.builds(ast.Literal, st.booleans() | numbers | texts)
lists = st.builds(ast.ListLiteral, st.lists(constants, max_size=4).map(tuple))
atoms = constants | lists | st.builds(ast.Ref, ref_names)


def _compound(children: st.SearchStrategy) -> st.SearchStrategy:
    several = st.lists(children, min_size=2, max_size=4).map(tuple)
    return st.one_of(
        st.builds(ast.Not, children),
        st.builds(ast.And, several),
        st.builds(ast.Or, several),
        st.builds(ast.Compare, st.sampled_from(list(ast.Op)), children, children),
        st.builds(ast.Between, children, children, children),
        st.builds(ast.IsSet, children, negated=st.booleans()),
    )


expressions = st.recursive(atoms, _compound, max_leaves=12)
actions = st.sampled_from(list(ast.Action))


@st.composite
def rules(draw) -> ast.Rule:
    name = draw(st.none() | texts)
    priority = draw(st.none() | st.integers(-1000, 1000)) if name is not None else None
    motif = draw(st.none() | texts)
    return ast.Rule(draw(actions), draw(expressions), name=name, priority=priority, motif=motif)


headers = st.lists(
    st.builds(ast.PolicyName, texts)
    | st.builds(ast.Resolution, st.sampled_from(list(ast.Strategy))),
    max_size=2,
)
bodies = st.lists(
    st.one_of(
        st.builds(ast.Parameter, simple_names, constants | lists),
        st.builds(ast.Definition, simple_names, expressions),
        rules(),
        st.builds(ast.Default, actions),
    ),
    max_size=8,
)
policies = st.builds(lambda head, body: ast.Policy(tuple(head + body)), headers, bodies)
