"""GET …/journal/tete (the journal's head, signed) and the retention a context sets, applied
when the service starts: issue #12's service side, over real HTTP."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
from click.testing import CliRunner
from servir_harness import NO_PHOTO, POLICY, WITH_PHOTO, journal_records, serve

sys.path.insert(0, str(Path(__file__).parents[1] / "cli"))
sys.path.insert(0, str(Path(__file__).parents[1] / "audit"))
from test_effacer import age

from tamis.cli.main import cli


def verify(*args: str):
    return CliRunner().invoke(cli, ["journal", "verifier", *args])


def test_the_signed_head_is_served_and_verifies(tmp_path: Path) -> None:
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    server = serve("-p", "p.tamis", "--journal", "j.jsonl", cwd=tmp_path)
    try:
        with server.client() as http:
            assert http.post("/decisions", json=NO_PHOTO).status_code == 200
            first = http.get("/journal/tete")
            assert http.post("/decisions", json=WITH_PHOTO).status_code == 200
            second = http.get("/v1/espaces/defaut/journal/tete")
    finally:
        assert server.stop() == 0
    assert first.status_code == second.status_code == 200
    journal = tmp_path / "j.jsonl"
    last = journal_records(journal)[-1]
    assert second.json()["seq"] == last["seq"] == first.json()["seq"] + 1
    assert second.json()["empreinte"] == last["empreinte"]
    seals = tmp_path / "ailleurs.jsonl"
    seals.write_bytes(b"".join(orjson.dumps(a.json()) + b"\n" for a in (first, second)))
    result = verify("--journal", str(journal), "--sceau", str(seals))
    assert result.exit_code == 0 and "Sceaux OK : 2 sceau(x) vérifié(s)" in result.output
    journal.write_bytes(b"".join(journal.read_bytes().splitlines(keepends=True)[:-1]))
    cut = verify("--journal", str(journal), "--sceau", str(seals))
    assert cut.exit_code == 1 and f"l'enregistrement scellé n° {last['seq']} " in cut.output


def test_retention_is_applied_when_the_service_starts(tmp_path: Path) -> None:
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "tamis.toml").write_text('conservation = "30j"\n', encoding="utf-8")
    server = serve("-p", "p.tamis", "--journal", "j.jsonl", cwd=tmp_path)
    try:
        with server.client() as http:
            assert http.post("/decisions", json=NO_PHOTO).status_code == 200
    finally:
        assert server.stop() == 0
    journal = tmp_path / "j.jsonl"
    age(journal, 40)
    assert b"Jeanne Roy" in journal.read_bytes()
    args = ("-p", "p.tamis", "--journal", "j.jsonl", "--contexte", "tamis.toml")
    server = serve(*args, cwd=tmp_path)
    try:
        event = server.wait_event(espace="defaut", effacees=1)
        with server.client() as http:
            assert http.post("/decisions", json={**NO_PHOTO, "id": "a-3"}).status_code == 200
    finally:
        assert server.stop() == 0
    assert event["motif"] == "durée de conservation (30 jours)"
    data = journal.read_bytes()
    assert data.count(b"Jeanne Roy") == 1  # the new decision's; the old one's is erased
    result = verify("--journal", str(journal))
    assert result.exit_code == 0 and "1 décision(s) aux données personnelles effacées" in (
        result.output
    )
