"""The policies tamis ships pass ``tamis valider --strict`` and are already formatted."""

from __future__ import annotations

from importlib.resources import files

import pytest
from click.testing import CliRunner

from tamis.cli.main import cli

SHIPPED = sorted(p for p in files("tamis.policies").iterdir() if p.name.endswith(".tamis"))


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def test_two_policies_are_shipped() -> None:
    assert [p.name for p in SHIPPED] == ["blogue.tamis", "chambre.tamis"]


@pytest.mark.parametrize("policy", SHIPPED, ids=lambda p: p.name)
def test_shipped_policy_is_valid_under_strict(runner: CliRunner, policy) -> None:
    result = runner.invoke(cli, ["valider", "--strict", str(policy)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{policy}: OK\n"


@pytest.mark.parametrize("policy", SHIPPED, ids=lambda p: p.name)
def test_shipped_policy_is_canonically_formatted(runner: CliRunner, policy) -> None:
    result = runner.invoke(cli, ["formater", "--verifier", str(policy)])
    assert result.exit_code == 0, result.output
