"""Signed heads of a PostgreSQL journal from the service: ``GET …/journal/tete`` and
scheduled seals (``--sceaux``), signed with the key the configuration names (``cle``: a
database has no folder for it), verified by ``tamis journal verifier --sceau``.

Real instances and a real PostgreSQL server: two instances holding the same key sign the
same chain, their answers prove the journal's end, and cutting it is caught.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import psycopg
from servir_harness import NO_PHOTO, WITH_PHOTO, Served, run_tamis
from test_servir_postgresql import journal, policy, start, tamis

from tamis.audit.postgres import read

__all__ = ["journal", "policy"]  # fixtures, shared with test_servir_postgresql


def verify_seals(url: str, seals: Path, key: Path):
    return tamis("journal", "verifier", "--journal", url, "--sceau", str(seals), "--cle", str(key))


def last_seq(url: str) -> int:
    return max(record["seq"] for record in read.iter_records(url))


def test_two_instances_sign_the_head_with_the_same_key_and_it_verifies(journal, policy, tmp_path):
    key = tmp_path / "cle.pem"
    first = start(journal, policy, tmp_path / "m0", "--cle", str(key))
    second = start(journal, policy, tmp_path / "m1", "--cle", str(key))
    try:
        with first.client() as http:
            assert http.post("/decisions", json=NO_PHOTO).status_code == 200
            heads = [http.get("/journal/tete")]
        with second.client() as http:
            assert http.post("/decisions", json=WITH_PHOTO).status_code == 200
            heads.append(http.get("/v1/espaces/defaut/journal/tete"))
    finally:
        assert first.stop() == 0 and second.stop() == 0
    assert [h.status_code for h in heads] == [200, 200]
    assert heads[1].json()["seq"] == last_seq(journal) == heads[0].json()["seq"] + 1
    assert heads[0].json()["cle_publique"] == heads[1].json()["cle_publique"]
    assert (key.stat().st_mode & 0o777) == 0o600
    seals = tmp_path / "ailleurs.jsonl"
    seals.write_text("".join(json.dumps(h.json()) + "\n" for h in heads), encoding="utf-8")
    checked = verify_seals(journal, seals, key)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Sceaux OK : 2 sceau(x) vérifié(s)" in checked.stdout
    with psycopg.connect(journal, autocommit=True) as admin:
        admin.execute("DELETE FROM tamis_journal WHERE seq = %s", (last_seq(journal),))
    cut = verify_seals(journal, seals, key)
    assert cut.returncode == 1
    assert f"l'enregistrement scellé n° {heads[1].json()['seq']} " in cut.stdout


def test_without_a_key_the_head_is_refused_in_french(journal, policy, tmp_path):
    served = start(journal, policy, tmp_path / "m0")
    try:
        with served.client() as http:
            refused = http.get("/journal/tete")
    finally:
        assert served.stop() == 0
    assert refused.status_code == 409
    assert refused.json() == {
        "erreur": "pas de clé de sceau pour cet espace : un journal PostgreSQL n'a pas de "
        'dossier où ranger sa clé de sceau : indiquez-la avec « cle = "chemin" » (--cle '
        "FICHIER avec -p), créée en 0600 au premier sceau ; donnez la même à chaque machine",
        "champ": "cle",
    }


def test_the_service_seals_a_postgresql_journal_on_a_schedule(journal, policy, tmp_path):
    key, seals = tmp_path / "cle.pem", tmp_path / "ailleurs" / "sceaux.jsonl"
    seals.parent.mkdir()
    served = start(
        journal, policy, tmp_path / "m0", "--sceaux", str(seals), "--cle", str(key),
        "--sceller-toutes", "1",
    )  # fmt: skip
    try:
        time.sleep(1.5)  # a tick or two on the journal still empty: nothing to seal
        with served.client() as http:
            assert http.post("/decisions", json=[WITH_PHOTO, NO_PHOTO]).status_code == 200
        last = last_seq(journal)
        _wait_for_seal(served, last)
    finally:
        assert served.stop() == 0
    # the empty journal was logged « sceau_refuse », « journal endommagé », every tick
    assert not [e for e in served.events() if e.get("evenement") == "sceau_refuse"]
    assert (seals.stat().st_mode & 0o777) == 0o600
    checked = verify_seals(journal, seals, key)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Sceaux OK" in checked.stdout


def _wait_for_seal(served: Served, seq: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(e.get("evenement") == "sceau" and e.get("seq") == seq for e in served.events()):
            return
        time.sleep(0.1)
    raise AssertionError("aucun sceau :\n" + "\n".join(served.lines))


def test_seals_of_a_postgresql_journal_need_a_key(journal, policy, tmp_path):
    refused = run_tamis(
        "servir", "-p", str(policy), "--journal", journal, "--sceaux", "s.jsonl", "--port", "0",
        cwd=tmp_path,
    )  # fmt: skip
    assert refused.returncode == 2
    last = refused.stderr.strip().splitlines()[-1]
    assert last.endswith(
        ": --sceaux : un journal PostgreSQL n'a pas de dossier où ranger sa clé de sceau : "
        'indiquez-la avec « cle = "chemin" » (--cle FICHIER avec -p), créée en 0600 au premier '
        "sceau ; donnez la même à chaque machine."
    )


def test_a_key_that_is_not_a_key_stops_the_start(journal, policy, tmp_path):
    (tmp_path / "cle.pem").write_text("pas une clé\n", encoding="utf-8")
    refused = run_tamis(
        "servir", "-p", str(policy), "--journal", journal, "--cle", "cle.pem", "--port", "0",
        cwd=tmp_path,
    )  # fmt: skip
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1] == (
        "Erreur : espace « defaut » : cle.pem n'est pas une clé Ed25519 de tamis (PEM PKCS #8) ; "
        "le service n'a pas démarré."
    )
