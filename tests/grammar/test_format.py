"""AST -> canonical text: golden files, round trip, idempotence, comments, fuzzing the parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from ast_strategies import policies, texts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tamis.grammar import ast
from tamis.grammar.format import format_expr, format_policy, format_value, quote
from tamis.grammar.parse import parse_policy, unified_line_ends

CORPUS = Path(__file__).parent.parent / "corpus" / "format"
GOLDEN = sorted(CORPUS.glob("*.tamis"))


def parse_ok(text: str) -> ast.Policy:
    policy, diagnostics = parse_policy(text)
    assert diagnostics == [], diagnostics
    return policy


def reformat(text: str) -> str:
    return format_policy(parse_ok(text))


def header_first(policy: ast.Policy) -> ast.Policy:
    """The statements in the order the formatter writes them."""
    is_header = [isinstance(s, ast.PolicyName | ast.Resolution) for s in policy.statements]
    head = [s for s, h in zip(policy.statements, is_header, strict=True) if h]
    rest = [s for s, h in zip(policy.statements, is_header, strict=True) if not h]
    return ast.Policy(tuple(head + rest))


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
def test_golden_files(path):
    expected = path.with_suffix(".attendu").read_text(encoding="utf-8")
    assert reformat(path.read_text(encoding="utf-8")) == expected
    assert reformat(expected) == expected


def test_golden_corpus_is_not_empty():
    assert len(GOLDEN) >= 3


def test_canonical_layout_of_a_small_policy():
    source = (
        "SINON ignorer\n"
        "Refuser SI (a ET b) et c   # fin de ligne\n"
        "paramètre  n=1\n"
        "RESOLUTION refus_prioritaire\n"
        "regle « x » priorite 2: accepter si non (a ou b) et c≥1 motif « m »\n"
        "# avant définir\n"
        "definir d si (x = 1) = vrai\n"
        "politique 'p'".replace("'p'", '"p"')
    )
    assert reformat(source) == (
        "résolution refus_prioritaire\n"
        'politique "p"\n'
        "\n"
        "sinon ignorer\n"
        "refuser si (a et b) et c  # fin de ligne\n"
        "\n"
        "paramètre n = 1\n"
        "\n"
        'règle "x" priorité 2 : accepter si non (a ou b) et c >= 1\n'
        '    motif "m"\n'
        "\n"
        "# avant définir\n"
        "définir d si (x = 1) = vrai\n"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a ou b et c", "a ou b et c"),
        ("(a ou b) et c", "(a ou b) et c"),
        ("a et (b et c)", "a et (b et c)"),
        ("(a ou b) ou c", "(a ou b) ou c"),
        ("a ou (b et c)", "a ou b et c"),
        ("non (a et b)", "non (a et b)"),
        ("non (a = 1)", "non a = 1"),
        ("(non a) = 1", "(non a) = 1"),
        ("(a = 1) = vrai", "(a = 1) = vrai"),
        ("a entre (b entre 1 et 2) et 3", "a entre (b entre 1 et 2) et 3"),
        ("(a est renseigné) n'est pas renseigné", "(a est renseigné) n'est pas renseigné"),
        ("a ≠ 1 et b ≤ 2 et c ≥ 3", "a != 1 et b <= 2 et c >= 3"),
        ("((((a))))", "a"),
        ('x dans [ « a » ,"b" ]', 'x dans ["a", "b"]'),
    ],
)
def test_minimal_parentheses(text, expected):
    (rule,) = parse_ok(f"refuser si {text}").statements
    assert format_expr(rule.condition) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "vrai"),
        (False, "faux"),
        (0, "0"),
        (-12, "-12"),
        (0.5, "0.5"),
        (2.0, "2.0"),
        (1e18, "1000000000000000000.0"),
        (1.5e-7, "0.00000015"),
        ('a"b', '"a\\"b"'),
        ("\\bposte\\b", '"\\bposte\\b"'),
        ("fin\\", '"fin\\\\"'),
        ("\\\\", '"\\\\\\\\"'),
        ('\\"', '"\\\\\\""'),
    ],
)
def test_values(value, text):
    assert format_value(value) == text
    policy = parse_ok(f"paramètre p = {text}")
    parsed = policy.statements[0].value.value
    assert parsed == value and type(parsed) is type(value)


@given(texts)
def test_quote_round_trips(text):
    policy = parse_ok(f"politique {quote(text)}")
    assert policy.statements[0].name == text


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(policies)
def test_parse_of_format_gives_back_the_policy(policy):
    text = format_policy(policy)
    assert parse_ok(text) == policy
    assert reformat(text) == text


def test_formatter_moves_the_header_first_and_nothing_else():
    policy = parse_ok(
        'refuser si a\npolitique "p"\nsinon accepter\nrésolution priorité\naccepter si b'
    )
    assert parse_ok(format_policy(policy)) == header_first(policy)
    assert [type(s).__name__ for s in parse_ok(format_policy(policy)).statements] == [
        "PolicyName",
        "Resolution",
        "Rule",
        "Default",
        "Rule",
    ]


@st.composite
def commented_texts(draw):
    """A formatted policy with comments inserted on their own lines and at line ends."""
    lines = format_policy(draw(policies)).split("\n")
    comments = []
    for index in sorted(draw(st.lists(st.integers(0, len(lines)), max_size=6)), reverse=True):
        text = draw(texts.filter(lambda t: "\n" not in t and "\r" not in t))
        at_end = draw(st.booleans()) and index < len(lines) and lines[index].strip()
        if at_end:
            lines[index] += f"  #{text}"
        else:
            lines.insert(index, f"#{text}")
        comments.append((index, text.rstrip()))
    return "\n".join(lines)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(commented_texts())
def test_comments_are_kept_in_order_and_formatting_is_idempotent(text):
    policy = parse_ok(text)
    once = format_policy(policy)
    again = parse_ok(once)
    assert [c.text for c in again.comments] == [c.text for c in policy.comments]
    assert again == policy
    assert format_policy(again) == once


def test_comment_placement():
    source = (
        "# tête de fichier\n"
        "\n"
        "# avant la règle\n"
        "refuser si a  # au bout\n"
        'règle "r" : accepter si b  # dans la règle\n'
        '    motif "m"  # après le motif\n'
        "\n\n\n"
        "# à la fin\n"
    )
    assert reformat(source) == (
        "# tête de fichier\n"
        "\n"
        "# avant la règle\n"
        "refuser si a  # au bout\n"
        "# dans la règle\n"
        'règle "r" : accepter si b\n'
        '    motif "m"  # après le motif\n'
        "\n"
        "# à la fin\n"
    )


def test_blank_lines_inside_a_group_are_kept_but_collapsed():
    source = "refuser si a\n\n\n\nrefuser si b\nrefuser si c\n"
    assert reformat(source) == "refuser si a\n\nrefuser si b\nrefuser si c\n"


def test_empty_policy_formats_to_nothing():
    assert format_policy(parse_ok("")) == ""
    assert format_policy(parse_ok("\n\n  \n")) == ""
    assert format_policy(parse_ok("# seul\n")) == "# seul\n"


# --- fuzzing: parse_policy never raises -----------------------------------------------------


SAMPLES = [path.read_text(encoding="utf-8") for path in GOLDEN]
PIECES = [
    '"',
    "«",
    "»",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "#",
    "\n",
    " ",
    "=",
    "<",
    "≥",
    "-",
    ".",
    "\\",
    "si ",
    "et ",
    "ou ",
    "non ",
    "entre ",
    "dans ",
    "motif ",
    "règle ",
    "sinon ",
    "refuser ",
    "n'est pas renseigné",
    "est renseigné",
    "correspond à ",
    "1.5",
    "x",
    "\x00",
    "\ufeff",
]


def check_never_raises(text: str) -> None:
    policy, diagnostics = parse_policy(text, "f.tamis")
    if policy is None:
        (diagnostic,) = diagnostics
        assert diagnostic.code in {f"E00{n}" for n in range(1, 10)}
        assert diagnostic.message and diagnostic.path == "f.tamis"
        assert 1 <= diagnostic.span.line <= unified_line_ends(text).count("\n") + 1
        assert diagnostic.span.column >= 1
    else:
        assert diagnostics == []
        formatted = format_policy(policy)
        assert parse_ok(formatted) == header_first(policy)
        assert reformat(formatted) == formatted


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_fuzz_random_text(text):
    check_never_raises(text)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_fuzz_random_pieces(text):
    check_never_raises(text)


@st.composite
def mutated_samples(draw):
    text = draw(st.sampled_from(SAMPLES))
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["delete", "insert", "swap"]))
        if kind == "delete":
            length = draw(st.integers(1, 12))
            text = text[:position] + text[position + length :]
        elif kind == "insert":
            text = (
                text[:position]
                + draw(st.sampled_from(PIECES) | st.text(max_size=3))
                + text[position:]
            )
        elif position + 1 < len(text):
            other = draw(st.integers(0, len(text) - 1))
            chars = list(text)
            chars[position], chars[other] = chars[other], chars[position]
            text = "".join(chars)
    return text


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_samples())
def test_fuzz_mutated_policies(text):
    check_never_raises(text)


@pytest.mark.parametrize(
    "text",
    ['"', "«", "»", "(" * 10_000, ")" * 100, "\x00\xff\ufffe", "#", "refuser si " + "[" * 3000],
)
def test_junk_gives_a_diagnostic_or_a_policy(text):
    check_never_raises(text)
