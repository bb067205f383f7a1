"""Both engines: a difference between them fails the case; a missing durable-rules is said in
French and fails the run, while ``natif`` still decides and reports every case."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from cases_helpers import project, run_tester

from tamis.cases import deciding
from tamis.cases.load import load_case_file
from tamis.cases.run import EngineRun, engines_differ
from tamis.grammar.ast import Action

UNAVAILABLE = "Erreur : le moteur « durable » n'est pas disponible : durable-rules ne s'importe pas"


@pytest.fixture
def without_durable(monkeypatch: pytest.MonkeyPatch) -> None:
    """This Python as if durable-rules did not import (as on Python 3.13 and later)."""
    monkeypatch.setitem(sys.modules, "tamis.engine.durable_engine", None)


def test_tous_without_durable_fails_but_natif_still_reports(
    tmp_path: Path, without_durable: None
) -> None:
    project(tmp_path)
    result = run_tester(str(tmp_path), "--moteur", "tous")
    assert result.exit_code == 1
    assert UNAVAILABLE in result.output
    assert result.output.splitlines()[0] == "2 réussis, 0 échoué"
    data = json.loads(run_tester(str(tmp_path), "--moteur", "tous", "--format", "json").stdout)
    assert data["reussis"] == 2
    assert data["moteurs_indisponibles"][0].startswith("le moteur « durable » n'est pas")


def test_durable_alone_without_durable_decides_nothing(
    tmp_path: Path, without_durable: None
) -> None:
    project(tmp_path)
    result = run_tester(str(tmp_path), "--moteur", "durable")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "0 réussi, 0 échoué"
    assert UNAVAILABLE in result.output


def test_a_difference_between_engines_is_a_mismatch(tmp_path: Path) -> None:
    case_file = load_case_file(project(tmp_path))
    policy = deciding.load_policy(case_file.policy)
    case = case_file.cases[0]
    native = deciding.decide(
        deciding.decider("natif", policy), case.invitation, deciding.Context.empty(), {}
    )
    same = engines_differ([EngineRun("natif", native), EngineRun("durable", native)])
    assert same == []
    changed = native.decision._replace(action=Action.ACCEPTER)
    other = deciding.Outcome(changed, native.explanation, native.values)
    (mismatch,) = engines_differ([EngineRun("natif", native), EngineRun("durable", other)])
    assert mismatch.what == "moteurs natif et durable"
    assert (mismatch.expected, mismatch.actual) == (
        "refuser (règle photo)",
        "accepter (règle photo)",
    )
