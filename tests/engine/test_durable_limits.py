"""durable-rules' fixed tables: a condition that would hang it is refused before it starts.

durable-rules 2.0.28 keeps the tests that follow one test in a hash set of 512 buckets,
probed with no bound: a condition testing more values of one fact (« x = 0 ou x = 1 ou … »),
or more distinct facts, made ``decider --moteur durable`` loop for ever. Each test runs
tamis in a child process with a time limit, so that a hang fails instead of stopping pytest.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("durable")

from tamis.engine import durable_engine
from tamis.engine.compile import compile_policy
from tamis.engine.decision import EngineName
from tamis.engine.durable_engine import DurablePolicy
from tamis.engine.durable_translate import MAX_JOINS, crowded, translate
from tamis.grammar.load import load_policy
from tamis.invitations.vocabulary import vocabulary

MAX_BRANCHES = 511  # engine.durable_translate.MAX_BRANCHES, measured on durable-rules 2.0.28
NAMES = itertools.count()  # rulesets registered on durable's host by these tests

INVITATION = '{"id": "a", "expediteur": {"connexions": 5, "photo": false}}\n'


def decide(tmp_path, policy: str, invitation: str = INVITATION) -> subprocess.CompletedProcess:
    (tmp_path / "p.tamis").write_text(policy, encoding="utf-8")
    (tmp_path / "i.json").write_text(invitation, encoding="utf-8")
    arguments = ["--moteur", "durable", "-p", "p.tamis", "i.json", "--journal", "j.jsonl"]
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()", "decider"]
    command += arguments
    env = {k: v for k, v in os.environ.items() if k != "TAMIS_JOURNAL"} | {"TAMIS_SANS_CACHE": "1"}
    return subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
    )


def equalities(terms: int) -> str:
    alternatives = " ou ".join(f"expediteur.connexions = {i}" for i in range(terms))
    return f'sinon refuser\nrègle "grande" : accepter si {alternatives} et sans_photo\n'


def test_a_disjunction_of_three_thousand_values_is_refused_at_its_place(tmp_path) -> None:
    done = decide(tmp_path, equalities(3000))
    assert done.returncode == 1, done.stderr
    assert "p.tamis:2:1 : la règle de la ligne 2 est trop grande pour le moteur « durable »" in (
        done.stderr
    )
    # 3,000 values, and whether it has a value at all: « 3002 valeurs différentes » before
    assert "faire 3002 tests différents sur « expediteur.connexions »" in done.stderr
    assert "--moteur natif" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "j.jsonl").exists() or not (tmp_path / "j.jsonl").read_text()


def test_just_under_the_limit_still_decides_with_durable(tmp_path) -> None:
    done = decide(tmp_path, equalities(MAX_BRANCHES - 2))  # the count: terms + 2
    assert done.returncode == 0, done.stderr
    assert '"decision":"accepter"' in done.stdout


def test_too_many_distinct_comparisons_name_the_definition(tmp_path) -> None:
    words = " ou ".join(f'expediteur.titre contient "m{i}"' for i in range(MAX_BRANCHES + 10))
    policy = f"définir cible si {words}\nrefuser si cible\nsinon accepter\n"
    done = decide(tmp_path, policy)
    assert done.returncode == 1, done.stderr
    assert "p.tamis:1:1 : la définition « cible » est trop grande" in done.stderr
    count = re.search(
        r"faire (\d+) tests différents sur des faits et des comparaisons", done.stderr
    )
    assert count is not None and int(count[1]) > MAX_BRANCHES + 10, done.stderr


# --- many tests true at once: durable's 64-entry alpha stack, 16-fact frames, 255-property
# state: each failed while deciding (« error code: 303 », 304, 302, or a segmentation fault)


def both(policy: str, facts: dict):
    """The durable decision, checked equal to the native one."""
    checked, diagnostics = load_policy(policy, "p.tamis", vocabulary())
    assert checked is not None, [d.message for d in diagnostics]
    found = DurablePolicy(checked).decide(facts)
    assert found == compile_policy(checked).decide(facts)._replace(engine=EngineName.DURABLE)
    return found


def above(terms: int) -> str:
    alternatives = " ou ".join(f"expediteur.connexions > {i}" for i in range(terms))
    return f"sinon accepter\nrefuser si {alternatives}\n"


def test_seventy_alternatives_true_at_once_decide_with_durable(tmp_path) -> None:
    """durable-rules failed (« error code: 303 », a traceback) past 64 true at once."""
    done = decide(tmp_path, above(70), '{"id": "a", "expediteur": {"connexions": 500}}\n')
    assert done.returncode == 0, done.stderr
    assert '"decision":"refuser"' in done.stdout and "Traceback" not in done.stderr
    assert '"decision":"refuser"' in (tmp_path / "j.jsonl").read_text()


@pytest.mark.parametrize("connexions", [500, 30, 0, None])
def test_many_alternatives_decide_as_the_native_engine(connexions) -> None:
    assert both(above(200), {"expediteur.connexions": connexions}).action.value == (
        "refuser" if connexions else "accepter"
    )


def test_nested_tests_true_at_once_decide_with_durable() -> None:
    """Two tests of one fact per rule: 10 × 26 rules whose tests all hold together."""
    rules = "".join(
        f"refuser si expediteur.connexions > {i} et expediteur.connexions < {1000 + j}\n"
        for i in range(10)
        for j in range(26)
    )
    assert both("sinon accepter\n" + rules, {"expediteur.connexions": 500}).action.value == (
        "refuser"
    )


@pytest.mark.parametrize("title", ["zzz", "a16", None])
def test_a_conjunction_of_seventeen_leaf_facts_decides(title) -> None:
    """« faux » of an « ou » of 17 « contient » is 17 facts matched by one rule: error 304."""
    words = " ou ".join(f'expediteur.titre contient "a{i}"' for i in range(17))
    found = both(f"sinon accepter\nrefuser si {words}\n", {"expediteur.titre": title})
    assert found.action.value == ("refuser" if title == "a16" else "accepter")


def test_more_rules_than_durable_state_properties_decide() -> None:
    """Each conclusion was a property of durable's session state, which holds 255 at most:
    252 rules failed on every invitation (« error code: 302 »)."""
    policy = "sinon accepter\n" + "refuser si sans_photo\n" * 252
    assert both(policy, {"sans_photo": True}).action.value == "refuser"
    assert both(policy, {"sans_photo": False}).action.value == "accepter"


COMPARED = ("expediteur.connexions", "expediteur.recommandations")
OPERATORS = (">", ">=", "!=") * 3 + ("<", "<=", "=")  # most hold for a large value


@st.composite
def crowded_policies(draw) -> tuple[str, dict]:
    """One or two rules of 100 to 130 comparisons in all, mostly of the first number, « ou »
    between them, sometimes an « et » and a « non »; values often beyond every constant,
    where some 80 distinct tests of one fact hold at once."""

    def comparison() -> str:
        name = draw(st.sampled_from(COMPARED[:1] * 9 + COMPARED[1:]))
        return f"{name} {draw(st.sampled_from(OPERATORS))} {draw(st.integers(-5, 200))}"

    terms = [comparison() for _ in range(draw(st.integers(100, 130)))]
    if draw(st.booleans()):
        terms[0] = f"non ({terms[0]} et {comparison()})"
    cut = draw(st.sampled_from([len(terms), len(terms) // 2]))
    rules = [
        f"{draw(st.sampled_from(['refuser', 'examiner', 'accepter']))} si {' ou '.join(part)}"
        for part in (terms[:cut], terms[cut:])
        if part
    ]
    policy = "sinon examiner\n" + "\n".join(rules) + "\n"
    values = st.none() | st.sampled_from([-10, 300]) | st.integers(-10, 210)
    return policy, {name: draw(values) for name in COMPARED}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(crowded_policies())
def test_crowded_conditions_decide_as_the_native_engine(example) -> None:
    policy, facts = example
    both(policy, facts)


# --- many patterns on one test: durable's 256-entry join lists (« error code: 108 ») -----

SAME_TEST = {
    "un fait": "refuser si sans_photo",
    "sa négation": "refuser si non sans_photo",
    "une conjonction": "refuser si sans_photo et non connu",
    "une disjonction": "refuser si sans_photo ou connu",
    "une comparaison": "refuser si expediteur.connexions > 5",
    "renseigné": "refuser si expediteur.titre est renseigné",
    "toujours vrai": "refuser si vrai",
}


def joined(rule: str, count: int) -> str:
    return "sinon accepter\n" + f"{rule}\n" * count


@pytest.mark.parametrize("count", [MAX_JOINS - 1, MAX_JOINS, MAX_JOINS + 1])
@pytest.mark.parametrize("rule", SAME_TEST.values(), ids=SAME_TEST.keys())
def test_the_join_limit_is_foreseen(rule: str, count: int) -> None:
    """``crowded`` refuses every policy durable-rules refuses (error 108), and no policy it
    takes whole. Past 256, durable refuses the next pattern only when the slot after the
    full list is in use: otherwise it writes it there, over its neighbour's memory (which
    is how a policy « at » the limit could hang); ``crowded`` refuses both."""
    checked, _ = load_policy(joined(rule, count), "p.tamis", vocabulary())
    assert checked is not None
    translation = translate(checked, checked.parameters)
    definition = durable_engine._definition(translation, {})
    name = f"limite{next(NAMES)}"
    try:
        durable_engine._HOST.register_rulesets({name: definition})
        refused = False
    except Exception as error:  # durable_rules_engine.error
        assert "error code: 108" in str(error)
        refused = True
    found = crowded(translation)
    assert found is not None or not refused
    ends = count + (rule == SAME_TEST["toujours vrai"])  # « vrai » shares #début's own test
    assert (found is not None) is (ends > MAX_JOINS)
    assert found is None or (found.joins and found.count == ends)


def test_the_rule_past_the_join_limit_is_named_at_its_place(tmp_path) -> None:
    """It was « error code: 108 » in durable's English traceback, at start-up."""
    done = decide(tmp_path, joined("refuser si sans_photo", 300))
    assert done.returncode == 1, done.stderr
    assert (
        f"p.tamis:{MAX_JOINS + 2}:1 : la règle de la ligne {MAX_JOINS + 2} est de trop pour le"
        " moteur « durable » : la politique teste 300 fois « sans_photo » de la même façon,"
        f" et durable-rules n'en relie que {MAX_JOINS} à un même test"
    ) in done.stderr
    assert "--moteur natif" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "j.jsonl").exists() or not (tmp_path / "j.jsonl").read_text()


def test_at_the_join_limit_durable_still_decides(tmp_path) -> None:
    done = decide(tmp_path, joined("refuser si sans_photo", MAX_JOINS))
    assert done.returncode == 0, done.stderr
    assert '"decision":"refuser"' in done.stdout


def test_a_parameter_durable_cannot_read_is_a_french_error_naming_it(tmp_path) -> None:
    """A decimal written with an exponent in durable's JSON (0.00001 is « 1e-05 ») is not a
    number it reads: « error code: 204 » in a traceback at first, then « (son erreur 204) »
    for the whole policy; now the parameter and its value, before durable is given it (the
    other forms of parameters: tests/cli/test_durable_undecided.py)."""
    policy = "paramètre seuil = 0.00001\nrefuser si expediteur.connexions > seuil\n"
    done = decide(tmp_path, policy)
    assert done.returncode == 1, done.stderr
    assert (
        "p.tamis : le moteur « durable » ne peut pas prendre ce paramètre : « seuil » vaut"
        " 0,00001, un nombre que durable-rules lit mal"
    ) in done.stderr
    assert "Traceback" not in done.stderr
