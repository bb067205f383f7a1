"""durable-rules' fixed tables: a condition that would hang it is refused before it starts.

durable-rules 2.0.28 keeps the tests that follow one test in a hash set of 512 buckets,
probed with no bound: a condition testing more values of one fact (« x = 0 ou x = 1 ou … »),
or more distinct facts, made ``decider --moteur durable`` loop for ever. Each test runs
tamis in a child process with a time limit, so that a hang fails instead of stopping pytest.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

pytest.importorskip("durable")
MAX_BRANCHES = 511  # engine.durable_translate.MAX_BRANCHES, measured on durable-rules 2.0.28

INVITATION = '{"id": "a", "expediteur": {"connexions": 5, "photo": false}}\n'


def decide(tmp_path, policy: str) -> subprocess.CompletedProcess:
    (tmp_path / "p.tamis").write_text(policy, encoding="utf-8")
    (tmp_path / "i.json").write_text(INVITATION, encoding="utf-8")
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
    assert "3002 valeurs différentes de « expediteur.connexions »" in done.stderr
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
    count = re.search(r"tester (\d+) faits et comparaisons différents", done.stderr)
    assert count is not None and int(count[1]) > MAX_BRANCHES + 10, done.stderr
