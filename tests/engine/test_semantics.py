"""Kleene logic and every operator with inconnu operands (tamis.engine.semantics)."""

from __future__ import annotations

import re

import pytest

from tamis.engine import semantics as s
from tamis.grammar.ast import Op

T, F, U = True, False, None

AND_TABLE = {
    (T, T): T, (T, F): F, (T, U): U,
    (F, T): F, (F, F): F, (F, U): F,
    (U, T): U, (U, F): F, (U, U): U,
}  # fmt: skip
OR_TABLE = {
    (T, T): T, (T, F): T, (T, U): T,
    (F, T): T, (F, F): F, (F, U): U,
    (U, T): T, (U, F): U, (U, U): U,
}  # fmt: skip


@pytest.mark.parametrize(("pair", "expected"), AND_TABLE.items())
def test_and_follows_kleene(pair, expected):
    assert s.and_(pair) is expected


@pytest.mark.parametrize(("pair", "expected"), OR_TABLE.items())
def test_or_follows_kleene(pair, expected):
    assert s.or_(pair) is expected


@pytest.mark.parametrize(("value", "expected"), [(T, F), (F, T), (U, U)])
def test_not(value, expected):
    assert s.not_(value) is expected


def test_n_ary_junctions():
    assert s.and_([T, U, F]) is F
    assert s.and_([T, T, U]) is U
    assert s.and_([]) is T
    assert s.or_([F, U, T]) is T
    assert s.or_([F, F, U]) is U
    assert s.or_([]) is F


@pytest.mark.parametrize("op", list(Op))
@pytest.mark.parametrize(("left", "right"), [(None, "x"), ("x", None), (None, None)])
def test_every_comparison_with_an_unknown_operand_is_unknown(op, left, right):
    assert s.compare(op, left, right) is None


def test_between_is_inclusive_and_unknown_with_any_unknown_bound():
    assert s.between(2, 0, 2) is True
    assert s.between(0, 0, 2) is True
    assert s.between(3, 0, 2) is False
    assert s.between(None, 0, 2) is None
    assert s.between(1, None, 2) is None


def test_is_set_is_never_unknown():
    assert s.is_set(None) is False
    assert s.is_set(False) is True
    assert s.is_set("") is True


def test_equality_is_exact():
    assert s.compare(Op.EQ, "Recruteur", "recruteur") is False
    assert s.compare(Op.EQ, 2, 2.0) is True
    assert s.compare(Op.NE, "a", "b") is True


def test_orderings():
    assert s.compare(Op.LT, 12, 50) is True
    assert s.compare(Op.LE, 50, 50) is True
    assert s.compare(Op.GT, 12, 50) is False
    assert s.compare(Op.GE, 50.5, 50) is True


def test_contains_text_ignores_case_not_accents():
    assert s.contains("Chef RECRUTEUR senior", "recruteur") is True
    assert s.contains("Straße", "STRASSE") is True  # Unicode case folding
    assert s.contains("Développeur", "developpeur") is False


def test_contains_list_is_case_insensitive_membership():
    assert s.contains(("Python", "SEO"), "python") is True
    assert s.contains(("Python", "SEO"), "pyth") is False
    assert s.contains(["Python"], "PYTHON") is True


def test_starts_with():
    assert s.starts_with("Recruteuse TI", "recru") is True
    assert s.starts_with("TI Recruteuse", "recru") is False
    assert s.starts_with(("Chef", "Recruteur"), "RECRU") is True


def test_matches_searches_anywhere_and_compiles_once():
    assert s.matches("Un poste à combler", "(?i)POSTE|emploi") is True
    assert s.matches("Bonjour", "poste") is False
    assert s.matches(("a", "emploi"), "emploi") is True
    assert s.matches("emploi", re.compile("^emp")) is True
    assert s.compiled("x+") is s.compiled("x+")


def test_in_is_exact_membership():
    assert s.is_in("Marketing", ("Marketing", "Médias")) is True
    assert s.is_in("marketing", ("Marketing", "Médias")) is False
    assert s.is_in(("Finance", "Médias"), ("Marketing", "Médias")) is True
    assert s.is_in(3, (1, 2, 3)) is True


def test_truth_words():
    assert [s.truth_word(v) for v in (T, F, U)] == ["vrai", "faux", "inconnu"]
