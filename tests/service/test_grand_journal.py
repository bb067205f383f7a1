"""A journal large enough for the readers' worker processes, read by the HTTP service: its
requests run in threads, where forking could copy a lock another thread holds, so the
service reads it in its own process (``blocks.in_pool``), with the answers the command
line gets from its workers, never a 500."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from servir_harness import run_tamis, serve

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import POLICY, large_journal

from tamis.audit import blocks


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("grand")
    (folder / "essai.tamis").write_text(POLICY, encoding="utf-8")
    large_journal(folder / "j.jsonl", blocks.PARALLEL_FROM + (16 << 20))
    return folder


def test_search_and_stats_of_a_large_journal_answer_as_the_command_line(work: Path) -> None:
    server = serve("-p", "essai.tamis", "--journal", "j.jsonl", cwd=work)
    try:
        with server.client() as http:
            found = http.get("/journal", params={"decision": "refuser", "limite": 1000})
            counted = http.get("/stats", params={"par": "semaine"})
    finally:
        assert server.stop() == 0
    assert (found.status_code, counted.status_code) == (200, 200), server.lines
    expected = run_tamis(
        *("journal", "chercher", "--journal", "j.jsonl", "--decision", "refuser"),
        *("--sans-index", "--format", "json"),
        cwd=work,
    )
    assert expected.returncode == 0, expected.stderr
    rows = [json.loads(line) for line in expected.stdout.splitlines()]
    assert len(rows) > 40 and found.json()["decisions"] == rows
    stats = run_tamis(
        *("journal", "stats", "--journal", "j.jsonl", "--par", "semaine", "--sans-index"),
        *("--format", "json"),
        cwd=work,
    )
    assert stats.returncode == 0, stats.stderr
    assert counted.json() == json.loads(stats.stdout)
