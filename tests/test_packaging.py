"""The wheel ships every package under ``tamis.``, its data files, and nothing generic."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(outdir), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = outdir.glob("tamis-*.whl")
    return built


def test_wheel_holds_grammar_policies_and_no_top_level_module(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "tamis/grammar/tamis.lark" in names
    assert {"tamis/policies/blogue.tamis", "tamis/policies/chambre.tamis"} <= set(names)
    assert "tamis/policies/exemples/invitations.jsonl" in names
    assert "tamis/processes/workers.py" in names  # below audit and triage, which both use it
    assert {"tamis/policies/blogue.cas.toml", "tamis/policies/chambre.cas.toml"} <= set(names)
    tops = {name.split("/")[0] for name in names}
    assert tops == {"tamis", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    generic_names = ("engine", "cli", "audit", "grammar", "invitations", "policies", "processes")
    for generic in (*generic_names, "tests"):
        assert generic not in tops


def test_installed_wheel_parses_its_shipped_policy(wheel: Path, tmp_path: Path) -> None:
    """Import from the unpacked wheel alone (no editable finder: ``-S`` skips .pth files)."""
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run(
        [*pip, "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    deps = sysconfig.get_paths()["purelib"]
    script = (
        "import importlib.resources as r, tamis.grammar.parse as p\n"
        "src = r.files('tamis.policies').joinpath('blogue.tamis').read_text('utf-8')\n"
        "policy, diags = p.parse_policy(src, 'blogue.tamis')\n"
        "assert policy is not None and not diags, diags\n"
        "print(p.__file__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", script],
        env={"PYTHONPATH": f"{target}:{deps}"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(str(target))


def test_the_version_is_written_once_and_is_the_installed_one() -> None:
    from importlib.metadata import version

    from tamis.audit.version import VERSION

    assert version("tamis") == VERSION
    assert '\nversion = "' not in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
