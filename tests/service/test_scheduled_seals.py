"""Scheduled seals: ``tamis servir --sceaux FICHIER`` signs the journal's head on a schedule,
and ``tamis journal verifier --sceau`` then proves the journal's end was not cut."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from servir_harness import NO_PHOTO, POLICY, WITH_PHOTO, run_tamis, serve

from tamis.service.config import ConfigInvalid, load_config

TOKEN = "jeton-des-sceaux-0123456789"


def seals_in(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def wait_for(predicate, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("attente dépassée")


def test_the_service_seals_on_a_schedule_and_the_seals_verify(tmp_path: Path):
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    seals = tmp_path / "ailleurs" / "sceaux.jsonl"
    seals.parent.mkdir()
    server = serve(
        "-p", "p.tamis", "--journal", "j.jsonl", "--sceaux", str(seals),
        "--sceller-toutes", "1", cwd=tmp_path, env={"TAMIS_JETON": TOKEN},
    )  # fmt: skip
    try:
        with server.client(TOKEN) as client:
            assert client.post("/decisions", json=[WITH_PHOTO, NO_PHOTO]).status_code == 200
        last = len((tmp_path / "j.jsonl").read_bytes().splitlines())
        wait_for(lambda: any(s["seq"] == last for s in seals_in(seals)))
        server.wait_event(evenement="sceau", espace="defaut", seq=last)
    finally:
        assert server.stop() == 0
    assert (seals.stat().st_mode & 0o777) == 0o600
    checked = run_tamis(
        "journal", "verifier", "--journal", "j.jsonl", "--sceau", str(seals), cwd=tmp_path
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Sceaux OK" in checked.stdout
    journal = tmp_path / "j.jsonl"
    journal.write_bytes(b"".join(journal.read_bytes().splitlines(keepends=True)[:-1]))
    cut = run_tamis(
        "journal", "verifier", "--journal", "j.jsonl", "--sceau", str(seals), cwd=tmp_path
    )
    assert cut.returncode == 1  # the last sealed record is gone: the seals say so


def test_service_toml_names_a_seal_file_per_workspace(tmp_path: Path):
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    text = (
        "[service]\nsceller_toutes = 600\n\n"
        '[espaces.jade]\npolitique = "p.tamis"\njournal = "jade.jsonl"\n'
        'sceaux = "jade-sceaux.jsonl"\n\n'
        '[espaces.marc]\npolitique = "p.tamis"\njournal = "marc.jsonl"\n'
    )
    (tmp_path / "service.toml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "service.toml")
    assert config.seal_every == 600
    assert config.workspaces["jade"].seals == tmp_path / "jade-sceaux.jsonl"
    assert config.workspaces["marc"].seals is None


def test_a_bad_interval_is_a_french_diagnostic_with_its_line(tmp_path: Path):
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    text = (
        '[service]\nsceller_toutes = 0\n\n[espaces.a]\npolitique = "p.tamis"\njournal = "a.jsonl"\n'
    )
    (tmp_path / "service.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigInvalid) as raised:
        load_config(tmp_path / "service.toml")
    assert ":2:" in str(raised.value)
    assert "« service.sceller_toutes » doit être un entier positif (reçu : 0)" in str(raised.value)


def test_the_journal_or_its_key_as_the_seal_file_stops_the_start(tmp_path: Path):
    """« tamis servir --sceaux j.jsonl » appended a seal to the journal at start, which no
    longer verified (« ligne illisible »); « --sceaux j.jsonl.cle.pem » (or the --cle file)
    put the private key in the seal file to keep elsewhere. Now refused, nothing written,
    from the command line (code 2) as from service.toml (its line)."""
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    for seals, extra, what in (
        ("j.jsonl", (), "le journal lui-même"),
        ("j.jsonl.cle.pem", (), "la clé de sceau du journal"),
        ("k.pem", ("--cle", "k.pem"), "la clé de sceau du journal"),
    ):
        result = run_tamis(
            "servir", "-p", "p.tamis", "--journal", "j.jsonl", "--port", "0",
            "--sceaux", seals, *extra, cwd=tmp_path,
        )  # fmt: skip
        assert result.returncode == 2
        assert result.stderr.endswith(
            f"Erreur : --sceaux {seals} est {what} : y ajouter le sceau le rendrait illisible ;"
            " gardez les sceaux dans un autre fichier, ailleurs que le journal.\n"
        )
        assert sorted(path.name for path in tmp_path.iterdir()) == ["p.tamis"]
    text = (
        '[espaces.a]\npolitique = "p.tamis"\njournal = "a.jsonl"\nsceaux = "a.jsonl"\n\n'
        '[espaces.b]\npolitique = "p.tamis"\njournal = "b.jsonl"\nsceaux = "b.jsonl.cle.pem"\n'
    )
    (tmp_path / "service.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigInvalid) as raised:
        load_config(tmp_path / "service.toml")
    assert ":4: erreur : « espaces.a.sceaux » : c'est le journal de l'espace ;" in str(raised.value)
    assert ":9: erreur : « espaces.b.sceaux » : c'est la clé de sceau du journal ;" in str(
        raised.value
    )
