"""``correspond à`` runs on RE2: linear time whatever the pattern, refusals reported in French.

The catastrophic pattern of issue 11 (``(a+)+$``, 40 s on 29 characters with Python's ``re``)
must decide at once, through both engines and through a parameter given at run time.
"""

from __future__ import annotations

import time

import pytest

from tamis.engine.compile import compile_policy
from tamis.engine.parameters import ParameterError, effective_parameters
from tamis.grammar.check_regex import RegexProblem, ascii_word_escape, regex_problem
from tamis.grammar.load import load_policy
from tamis.grammar.regex import RegexError, compile_pattern
from tamis.invitations.vocabulary import vocabulary

EVIL = 'examiner si message correspond à "(a+)+$"\nsinon accepter\n'
HOSTILE_MESSAGE = "a" * 5000 + "!"


def checked(source: str):
    policy, diagnostics = load_policy(source, "t.tamis", vocabulary())
    assert policy is not None, [d.message for d in diagnostics]
    return policy


def test_nested_quantifiers_decide_in_linear_time_with_the_native_engine():
    native = compile_policy(checked(EVIL))
    started = time.perf_counter()
    decision = native.decide({"message": HOSTILE_MESSAGE}, {})
    assert time.perf_counter() - started < 1.0  # Python's re: hours for 5,000 characters
    assert decision.action.value == "accepter"
    assert native.decide({"message": "aaa"}, {}).action.value == "examiner"


def test_the_durable_engine_shares_the_same_matcher():
    pytest.importorskip("durable")
    from tamis.engine.durable_engine import DurablePolicy

    durable = DurablePolicy(checked(EVIL))
    started = time.perf_counter()
    assert durable.decide({"message": HOSTILE_MESSAGE}, {}).action.value == "accepter"
    assert time.perf_counter() - started < 5.0
    assert durable.decide({"message": "aaa"}, {}).action.value == "examiner"


def test_a_pattern_parameter_given_at_run_time_runs_on_re2_too():
    policy = checked(
        'paramètre filtre = "x"\nexaminer si message correspond à filtre\nsinon accepter\n'
    )
    values = effective_parameters(policy, {}, ["filtre=(a|aa)+$"])
    started = time.perf_counter()
    decision = compile_policy(policy).decide({"message": HOSTILE_MESSAGE}, values)
    assert time.perf_counter() - started < 1.0
    assert decision.action.value == "accepter"
    with pytest.raises(ParameterError) as refused:
        effective_parameters(policy, {}, ["filtre=(?<!non )poste"])
    assert str(refused.value) == (
        "« filtre » sert d'expression régulière (« correspond à »), mais « (?<!non )poste » est "
        "invalide : assertion arrière « (?<! » (caractère 1 du motif) ; pour chercher un "
        "caractère spécial tel quel, faites-le précéder de « \\ »"
    )


def test_re2_syntax_beyond_python_is_accepted_and_means_what_re2_says():
    assert regex_problem(r"(?i)\p{L}+ \z") is None
    assert compile_pattern(r"(?i)ÉTÉ").search("un été chaud") is not None
    assert compile_pattern(r"\x{E9}t\x{E9}").search("été") is not None


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("a(b", RegexProblem("parenthèse ouverte jamais fermée", 1)),
        ("(?=a)b", RegexProblem("assertion avant « (?= »", 0, unsupported=True)),
        ("x(?<!a)b", RegexProblem("assertion arrière « (?<! »", 1, unsupported=True)),
        (r"(a)\1", RegexProblem("référence arrière « \\1 »", 3, unsupported=True)),
        ("(?P<m>a)(?P=m)", RegexProblem("référence arrière « (?P= »", 8, unsupported=True)),
        ("(?>ab)", RegexProblem("groupe atomique « (?> »", 0, unsupported=True)),
        ("a*+", RegexProblem("quantificateur possessif ou doublé « *+ »", 1, unsupported=True)),
        ("a{1001}", RegexProblem("répétition « {1001} » au-delà de 1000", 1, unsupported=True)),
        (
            "(?a)x",
            RegexProblem("drapeau « (?a » (seuls i, m, s et U existent)", 0, unsupported=True),
        ),
    ],
)
def test_refusals_in_french_with_their_place(pattern, problem):
    assert regex_problem(pattern) == problem


def test_re2_refusals_never_print_on_stderr(capfd):
    with pytest.raises(RegexError) as refused:
        compile_pattern("(?=a)")
    assert (refused.value.code, refused.value.arg) == ("invalid perl operator", "(?=")
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(
    ("pattern", "found"),
    [
        (r"\w+", ("\\w", 0)),
        (r"a\Wb", ("\\W", 1)),
        (r"\bété\b", ("\\b", 0)),
        (r"\bposte\b", None),
        (r"\\w", None),  # an escaped backslash followed by w
        (r"\p{L}+", None),
    ],
)
def test_ascii_only_escapes_are_found(pattern, found):
    assert ascii_word_escape(pattern) == found
