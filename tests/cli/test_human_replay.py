"""What a person reads from ``tamis rejouer`` and ``tamis decider --format texte``: local
times (``--utc`` to keep UTC), French numbers, control characters escaped, 80 columns; on a
journal file and on PostgreSQL."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from tamis.cli.human import NARROW_NBSP
from tamis.cli.main import cli

OLD = 'politique "S"\nrefuser si sans_photo\nsinon accepter\n'
NEW = 'politique "T"\nrefuser si expediteur.connexions < 10\nsinon accepter\n'
ODD_ID = "z-\x1b[31mrouge"
SAME = [
    {"id": f"p-{n}", "expediteur": {"nom": f"Personne {n}", "photo": True, "connexions": 50}}
    for n in range(1001)
]
CHANGING = {"id": ODD_ID, "expediteur": {"nom": "Zo\u202eé", "photo": False}}


@pytest.fixture(params=["fichier", "postgresql"])
def journal(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A journal holding 1,002 decisions (one from an id with an escape sequence), in the
    time zone EST (UTC-5, no daylight time)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAMIS_JOURNAL", raising=False)
    monkeypatch.setenv("TZ", "EST+5")
    time.tzset()
    Path("old.tamis").write_text(OLD, encoding="utf-8")
    Path("new.tamis").write_text(NEW, encoding="utf-8")
    lines = [json.dumps(x) for x in [*SAME, CHANGING]]
    Path("inv.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    location = str(tmp_path / "j.jsonl")
    if request.param == "postgresql":
        location = request.getfixturevalue("pg_url")
        assert tamis("journal", "initialiser", location).exit_code == 0
    decided = tamis("decider", "-p", "old.tamis", "--journal", location, "inv.jsonl")
    assert decided.exit_code == 0, decided.output
    yield location
    monkeypatch.undo()
    time.tzset()


def tamis(*args: str):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "80"})


def recorded(journal: str, ident: str) -> dict:
    found = tamis("journal", "exporter", "--journal", journal, "--format", "jsonl")
    records = [orjson.loads(line) for line in found.stdout.splitlines()]
    return next(r for r in records if r["contenu"]["id"] == ident)


def test_rejouer_tables_are_local_french_safe_and_80_columns_wide(journal):
    result = tamis("rejouer", "-p", "new.tamis", "--journal", journal)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert f"│ accepter │ accepter │       1{NARROW_NBSP}001 │" in lines
    record = recorded(journal, ODD_ID)
    moment = datetime.fromisoformat(record["horodatage"].replace("Z", "+00:00"))
    local = (moment - timedelta(hours=5)).strftime("%Y-%m-%d %H:%M")
    title = f"z-\\x1b[31mrouge (enregistrement n° {record['seq']} du {local} EST)"
    assert title in [line.strip() for line in lines]
    assert lines[-1] == (
        f"1{NARROW_NBSP}002 invitation(s) rejouée(s) ; 1 changerai(en)t de décision."
    )
    utc = tamis("rejouer", "-p", "new.tamis", "--journal", journal, "--utc")
    shown = f"du {moment.strftime('%Y-%m-%d %H:%M')} UTC)"
    assert any(line.strip().endswith(shown) for line in utc.stdout.splitlines())


def test_rejouer_json_keeps_the_exact_values(journal):
    result = tamis("rejouer", "-p", "new.tamis", "--journal", journal, "--format", "json")
    report = json.loads(result.stdout)
    assert report["total"] == 1002
    (change,) = report["changements"]
    assert change["id"] == ODD_ID
    assert change["decidee_le"] == recorded(journal, ODD_ID)["horodatage"]


def test_decider_texte_escapes_what_the_invitation_holds(journal):
    result = tamis(
        "decider", "-p", "new.tamis", "--journal", journal, "--format", "texte", "inv.jsonl"
    )
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == (
        "z-\\x1b[31mrouge : Aucune règle ne s'applique : décision par défaut (sinon) accepter."
        " Règles restées inconnues faute de données : règle de la ligne 2 —"
        " expediteur.connexions inconnu."
    )
    assert (
        result.stderr
        == f"1{NARROW_NBSP}002 invitation(s) décidée(s) (accepter 1{NARROW_NBSP}002).\n"
    )
