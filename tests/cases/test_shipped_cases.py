"""The shipped policies pass their shipped cases with full rule coverage, on both engines.

``tamis tester policies/ --couverture-min 100 --moteur tous`` is the project's own check. On
a Python where durable-rules does not import (3.13 and later), the same command must fail
and say so in French (a missing engine is never a silent pass); the native engine's results
are still checked in that very run: every case passes and every rule is covered.
"""

from __future__ import annotations

from pathlib import Path

from cases_helpers import run_tester

from tamis.engine.engines import EngineUnavailable, make_engine
from tamis.triage.pipeline import load_checked_policy

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def durable_imports() -> bool:
    policy, _ = load_checked_policy(str(POLICIES / "blogue.tamis"))
    try:
        make_engine("durable", policy)
    except EngineUnavailable:
        return False
    return True


def test_shipped_cases_pass_with_full_coverage_on_both_engines() -> None:
    result = run_tester(str(POLICIES), "--couverture-min", "100", "--moteur", "tous")
    lines = result.output.splitlines()
    assert "couverture insuffisante" not in result.output
    assert lines[-1].endswith(" réussis, 0 échoué"), result.output
    assert "ÉCHEC" not in result.output
    for policy in ("blogue.tamis", "chambre.tamis"):
        header = next(
            line for line in lines if line.startswith(f"Couverture de {POLICIES}/{policy}")
        )
        assert "(100 %)" in header
    if durable_imports():
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1
        assert "Erreur : le moteur « durable » n'est pas disponible" in result.output


def test_every_shipped_policy_has_cases() -> None:
    policies = sorted(p.name for p in POLICIES.glob("*.tamis"))
    cases = sorted(p.name.replace(".cas.toml", ".tamis") for p in POLICIES.glob("*.cas.toml"))
    assert policies == cases
