"""Fuzzing: random and mutated policies only ever produce diagnostics, never an exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tamis.cli.main import cli
from tamis.grammar import ast
from tamis.grammar.check import check_policy
from tamis.grammar.diagnostics import render
from tamis.grammar.load import load_policy
from tamis.invitations.vocabulary import vocabulary

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
EXAMPLES = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.rglob("*.tamis"))]
VOCABULARY = vocabulary()
PIECES = [
    "si", "et", "ou", "non", "(", ")", "[", "]", ",", "=", "!=", "≠", "<", "<=", "≥", ">",
    "contient", "commence par", "correspond à", "dans", "entre", "est renseigné",
    "n'est pas renseigné", "vrai", "faux", "règle", "priorité", "motif", "sinon", "définir",
    "paramètre", "résolution", "politique", "refuser", "accepter", "signaler", "\"(a\"",
    "« x »", "42", "-3.5", "sans_photo", "expediteur.connexions", "expediteur.", "connu",
    "\n", "\t", "#", ":", "\"", "«", "東京", "\x00", "\ufeff",
]  # fmt: skip


def assert_only_diagnostics(source: str) -> None:
    checked, diagnostics = load_policy(source, "f.tamis", VOCABULARY)
    assert (checked is None) == any(d.is_error for d in diagnostics)
    for diagnostic in diagnostics:
        assert diagnostic.message
        render(diagnostic, source)  # rendering never fails either
    assert diagnostics == sorted(diagnostics, key=lambda d: d.sort_key())


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(EXAMPLES))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "duplicate"]))
        if action == "insert":
            text = text[:at] + draw(st.sampled_from(PIECES)) + " " + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 12)) :]
        else:
            lines = text.splitlines(keepends=True) or [""]
            line = draw(st.sampled_from(lines))
            text = text[:at] + line + text[at:]
    return text


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.text(max_size=200))
def test_random_text(source: str) -> None:
    assert_only_diagnostics(source)


@SETTINGS
@given(st.lists(st.sampled_from(PIECES), max_size=30).map(" ".join))
def test_random_token_soup(source: str) -> None:
    assert_only_diagnostics(source)


@SETTINGS
@given(mutated())
def test_mutated_examples(source: str) -> None:
    assert_only_diagnostics(source)


# --- random ASTs straight into the checker ------------------------------------

NAMES = ["sans_photo", "connu", "message", "expediteur.connexions", "expediteur.competences",
         "connexions_min", "d1", "d2", "p1", "inconnu", "expediteur.x"]  # fmt: skip
literals = st.one_of(st.booleans(), st.integers(-5, 5), st.sampled_from(["a", "(b", ""])).map(
    ast.Literal
)
leaves = st.one_of(
    literals,
    st.sampled_from(NAMES).map(ast.Ref),
    st.lists(literals, max_size=3).map(lambda items: ast.ListLiteral(tuple(items))),
)


def _compound(children: st.SearchStrategy) -> st.SearchStrategy:
    many = st.lists(children, min_size=2, max_size=3).map(tuple)
    return st.one_of(
        children.map(ast.Not),
        many.map(ast.And),
        many.map(ast.Or),
        st.builds(ast.Compare, st.sampled_from(list(ast.Op)), children, children),
        st.builds(ast.Between, children, children, children),
        st.builds(ast.IsSet, children, st.booleans()),
    )


exprs = st.recursive(leaves, _compound, max_leaves=8)
statements = st.one_of(
    st.builds(ast.PolicyName, st.just("p")),
    st.builds(ast.Resolution, st.sampled_from(list(ast.Strategy))),
    st.builds(ast.Parameter, st.sampled_from(["p1", "connexions_min", "d1", "sans_photo"]),
              st.one_of(literals, leaves.filter(lambda e: isinstance(e, ast.ListLiteral)))),
    st.builds(ast.Definition, st.sampled_from(["d1", "d2", "connu", "vedette_min"]), exprs),
    st.builds(ast.Rule, st.sampled_from(list(ast.Action)), exprs,
              st.sampled_from([None, "r", "s"]), st.sampled_from([None, 1, 2])),
    st.builds(ast.Default, st.sampled_from(list(ast.Action))),
)  # fmt: skip


@SETTINGS
@given(st.lists(statements, max_size=8))
def test_random_asts(items: list[ast.Statement]) -> None:
    checked, diagnostics = check_policy(ast.Policy(tuple(items)), VOCABULARY, source="", path="x")
    assert (checked is None) == any(d.is_error for d in diagnostics)
    if checked is not None:
        assert set(checked.base_names) <= set(checked.kinds)
        assert len(checked.definitions) == len({d.name for d in checked.definitions})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_valider_command_never_raises(source: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.tamis"
        path.write_text(source, encoding="utf-8")
        for args in ([str(path)], ["--format", "json", "--strict", str(path)]):
            result = CliRunner().invoke(cli, ["valider", *args])
            assert result.exception is None or isinstance(result.exception, SystemExit)
            assert result.exit_code in (0, 1)
