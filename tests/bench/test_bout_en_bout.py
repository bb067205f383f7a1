"""The end-to-end benchmark runs and prints every figure and target (its speeds are not
checked: bench/ measures speed, tests check behaviour); its hand-written reference decides
exactly as ``tamis decider`` does, so the ratio compares the same job."""

from __future__ import annotations

import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import orjson

from tamis.invitations.validation import invitation_from
from tamis.triage.pipeline import SetupOptions, decide_invitation, prepare

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import generer  # noqa: E402
import reference  # noqa: E402

EXEMPLES = files("tamis.policies.exemples")


def test_quick_mode_prints_every_figure_and_target() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "bout_en_bout.py"), "--rapide", "--n", "30"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    out = done.stdout
    for expected in (
        "30 invitations d'un fichier",
        "tamis decider (natif, groupee)",
        "référence écrite à la main",
        "tamis decider --moteur durable",
        "tamis / référence = ",
        "natif / durable = ",
        "tamis decider --processus 1",
        "plusieurs processus / un seul = ",
        "--processus 2, temps processeur par invitation (démarrage déduit) : processus principal ",
        "PSS de l'arbre",
        "PSS 300 / 30 = ",
        "python -c pass",
        "tamis --version",
        "tamis decider, une invitation",
        "decider une invitation / python = ",
        "--version / python = ",
    ):
        assert expected in out, (expected, out)
    assert out.count("(cible ") == 5, out


def raw_invitations() -> list[dict]:
    shipped = (EXEMPLES / "invitations.jsonl").read_bytes().splitlines()
    return [*map(orjson.loads, filter(None, shipped)), *generer.generate(3_000, seed=11)]


def test_reference_computes_the_facts_tamis_computes() -> None:
    policy = str(files("tamis.policies") / "blogue.tamis")
    setup = prepare(SetupOptions(policy, str(EXEMPLES / "tamis.toml")))
    parameters = dict(setup.parameters)
    for raw in raw_invitations():
        explained, _ = decide_invitation(setup, invitation_from(raw))
        decision = explained.decision
        assert reference.facts_of(raw, setup.context, parameters) == dict(decision.facts), raw


def test_reference_journals_and_prints_one_line_per_decision(tmp_path: Path) -> None:
    path = tmp_path / "inv.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in generer.generate(50, seed=5)))
    journal = tmp_path / "j.jsonl"
    done = subprocess.run(
        [sys.executable, str(BENCH / "reference.py"), str(path), "--journal", str(journal)],
        capture_output=True,
        check=True,
    )
    printed = [orjson.loads(line) for line in done.stdout.splitlines()]
    written = [orjson.loads(line) for line in journal.read_bytes().splitlines()]
    assert (
        [p["id"] for p in printed]
        == [w["id"] for w in written]
        == [f"bench-{i:06d}" for i in range(50)]
    )
    assert written[1]["precedente"] == written[0]["empreinte"]
