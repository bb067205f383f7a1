"""Start-up of ``tamis decider`` (issue 9): with the cache of checked policies warm, a run
imports only what deciding needs, and prints byte for byte what a run without cache prints.

These run the installed entry point in a subprocess (``python -X importtime``), as a user
starts it, and read which modules it imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = ROOT / "policies" / "exemples" / "tamis.toml"
POLICY = 'règle "photo" : refuser si sans_photo\nrefuser si sans_photo\naccepter si connu\n'
INVITATION = {"id": "d-1", "expediteur": {"nom": "Léa Roy", "photo": False}}
ENTRY = "from tamis.cli.main import main; main()"

# Modules a warm ``tamis decider`` must not import: the parser generator (the policy comes
# from the cache), pydantic and importlib.metadata (valid invitations and a well-formed
# context are read without it), structlog's console and stdlib parts with rich and asyncio
# (the journal needs only its bound logger), the journal reader's process pool, RE2 (no
# pattern in the policy), the journal's query filters, ``secrets`` (an advice's id is
# ``os.urandom``'s, without the 7M instructions of its imports).
NOT_ON_THE_DECIDE_PATH = (
    "lark",
    "pydantic",
    "importlib.metadata",
    "structlog.dev",
    "structlog.stdlib",
    "rich",
    "asyncio",
    "multiprocessing",
    "concurrent",
    "re2",
    "tamis.audit.filters",
    "secrets",
)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "une.jsonl").write_text(json.dumps(INVITATION) + "\n", encoding="utf-8")
    return tmp_path


def decide(work: Path, cache: Path | str, *, extra_env: dict[str, str] | None = None):
    """Run ``tamis decider`` on one invitation, journal on; returns (stdout, stderr
    without import lines, the modules imported)."""
    env = {k: v for k, v in os.environ.items() if k != "TAMIS_SANS_CACHE"}
    env.update({"XDG_CACHE_HOME": str(cache), **(extra_env or {})})
    journal = work / "journal.jsonl"
    journal.unlink(missing_ok=True)
    command = [
        sys.executable, "-X", "importtime", "-c", ENTRY, "decider", "-p", "p.tamis",
        "--contexte", str(CONTEXT), "--journal", str(journal), "une.jsonl",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    imported = {line.split("|")[-1].strip() for line in lines if line.startswith("import time:")}
    messages = [line for line in lines if not line.startswith("import time:")]
    return done.stdout, messages, imported


def test_a_warm_run_prints_what_a_run_without_cache_prints(work, tmp_path):
    cache = tmp_path / "cache"
    cold = decide(work, cache)
    warm = decide(work, cache)
    unused = decide(work, cache, extra_env={"TAMIS_SANS_CACHE": "1"})
    unusable = decide(work, work / "p.tamis")  # a file: the folder cannot be created
    assert cold[:2] == warm[:2] == unused[:2] == unusable[:2]
    assert "W004" in "\n".join(warm[1])  # the warnings come back from the cache
    assert json.loads(warm[0])["decision"] == "refuser"
    assert list((cache / "tamis" / "politiques").glob("*.pickle"))


def test_a_warm_run_imports_only_what_deciding_needs(work, tmp_path):
    cache = tmp_path / "cache"
    _, _, cold = decide(work, cache)
    assert "lark" in cold  # the first run parses: the probe sees the parser when it is there
    _, _, warm = decide(work, cache)
    loaded = sorted(name for name in warm if name.startswith(NOT_ON_THE_DECIDE_PATH))
    assert loaded == []
