"""``pourquoi``, ``exporter`` and ``rejouer`` through the query index: the same output, byte for
byte, as with ``--sans-index``, which never creates the index file (CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from test_rejouer import NEW, OLD  # the two policies rejouer's own tests compare

from tamis.audit import index, queries, why
from tamis.cli.main import cli

INVITATIONS = [
    {"id": "a-1", "expediteur": {"nom": "=Jean", "photo": True, "connexions": 120}},
    {"id": "a-2", "expediteur": {"nom": "Élise", "photo": False, "connexions": 500}},
    {"id": "a-3", "expediteur": {"photo": True, "connexions": 30}},
    {"id": "a-4", "expediteur": {"photo": False, "connexions": 10}},
]
JOURNAL = "tamis-journal.jsonl"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="tamis")


@pytest.fixture
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Decisions under a policy, then another (a second ``politique`` record), then the
    first again for a-2 (decided three times), one record not replayable, a torn last line."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAMIS_JOURNAL", raising=False)
    Path("old.tamis").write_text(OLD, encoding="utf-8")
    Path("new.tamis").write_text(NEW, encoding="utf-8")
    Path("inv.json").write_text(json.dumps(INVITATIONS), encoding="utf-8")
    Path("a2.json").write_text(json.dumps(INVITATIONS[1]), encoding="utf-8")
    for policy, invitations in (("old", "inv"), ("new", "a2"), ("old", "a2")):
        result = run("decider", "-p", f"{policy}.tamis", f"{invitations}.json")
        assert result.exit_code == 0, result.stderr
    path = tmp_path / JOURNAL
    lines = path.read_bytes().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if b'"id":"a-4","inconnues"' in line)
    record = json.loads(lines[number])
    del record["donnees_personnelles"]["donnees"]["invitation"]["id"]
    lines[number] = orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n"  # as written
    path.write_bytes(b"".join(lines) + b'{"contenu":{"decision":"ref')
    assert sum(b'"evenement":"politique"' in line for line in lines) == 3
    return path


def scan_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args, **_kwargs):
        raise AssertionError("the journal was scanned")

    monkeypatch.setattr(why, "policy_sources", fail)
    monkeypatch.setattr(queries, "_scan_numbered", fail)


def outputs(result) -> tuple[int, str, str]:
    return result.exit_code, result.stdout, result.stderr


def same_both_ways(journal: Path, monkeypatch: pytest.MonkeyPatch, *args: str):
    """Run ``args`` with ``--sans-index`` (no index file made), then through the index
    (built by that run), then again with the scan forbidden: all three outputs the same."""
    index.index_path(journal).unlink(missing_ok=True)
    plain = run(*args, "--sans-index")
    assert not index.index_path(journal).exists()
    building = run(*args)
    assert index.index_path(journal).exists()
    with monkeypatch.context() as patched:
        scan_forbidden(patched)
        answered = run(*args)
    assert outputs(building) == outputs(plain) == outputs(answered)
    assert "Traceback" not in plain.output
    return plain


@pytest.mark.parametrize(
    "args",
    [
        ("a-2",),
        ("a-2", "--format", "json"),
        ("a-3",),
        ("a-4",),
    ],
)
def test_pourquoi(journal, monkeypatch, args):
    result = same_both_ways(journal, monkeypatch, "journal", "pourquoi", *args)
    assert result.exit_code == 0
    assert "dernière ligne incomplète" in result.stderr
    if args[0] == "a-2":
        assert result.stdout.count("Invitation a-2 — enregistrement") == 3 or "json" in args
        assert "Texte de la règle (tel qu'enregistré au journal) :" in result.stdout or (
            "json" in args
        )


def test_pourquoi_shows_each_decision_under_its_own_policy(journal, monkeypatch):
    result = same_both_ways(journal, monkeypatch, "journal", "pourquoi", "a-2", "--format", "json")
    names = [json.loads(line)["politique"]["nom"] for line in result.stdout.splitlines()]
    assert names == ["Stricte", "Souple", "Stricte"]


def test_pourquoi_unknown_id(journal, monkeypatch):
    result = same_both_ways(journal, monkeypatch, "journal", "pourquoi", "a-9")
    assert result.exit_code == 1 and "aucune décision pour l'invitation « a-9 »" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--format", "csv"),
        ("--regle", "photo"),
        ("--decision", "accepter", "--format", "csv"),
        ("--expediteur", "élise", "--politique", "Souple"),
        ("--depuis", "2999-01-01"),
    ],
)
def test_exporter(journal, monkeypatch, args):
    result = same_both_ways(journal, monkeypatch, "journal", "exporter", *args)
    assert result.exit_code == 0 and "décision(s) exportée(s)" in result.stderr


def test_exporter_gives_every_decision_with_its_line(journal, monkeypatch):
    result = same_both_ways(journal, monkeypatch, "journal", "exporter")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["contenu"]["id"] for r in records] == ["a-1", "a-2", "a-3", "a-4", "a-2", "a-2"]
    csv = same_both_ways(journal, monkeypatch, "journal", "exporter", "--format", "csv")
    assert "'=Jean" in csv.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("--format", "json"),
        (),
        ("--decision", "refuser", "--format", "json"),
        ("--regle", "sinon"),
    ],
)
def test_rejouer(journal, monkeypatch, args):
    result = same_both_ways(journal, monkeypatch, "rejouer", "-p", "new.tamis", *args)
    assert result.exit_code == 0


def test_rejouer_names_the_rejected_record_by_its_line(journal, monkeypatch):
    lines = journal.read_bytes().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if b'"id":"a-4","inconnues"' in line)
    result = same_both_ways(journal, monkeypatch, "rejouer", "-p", "new.tamis", "--format", "json")
    report = json.loads(result.stdout)
    assert report["total"] == 3 and report["rejetees"][0].startswith(f"{JOURNAL}:{number} ")


@pytest.mark.parametrize(
    "command", [("journal", "pourquoi"), ("journal", "exporter"), ("rejouer",)]
)
def test_help_offers_sans_index(command):
    result = run(*command, "--help")
    text = " ".join(result.stdout.split())
    assert result.exit_code == 0 and "--sans-index" in text
    assert "sans utiliser ni mettre à jour son index" in text


def test_a_policy_is_found_by_its_file_name_without_tamis(journal, monkeypatch):
    """« --politique new » found nothing for new.tamis: only its name (« Souple »), its path,
    its file name with « .tamis » or the start of its sha256 were compared."""
    by_stem = same_both_ways(journal, monkeypatch, "journal", "chercher", "--politique", "new")
    by_file = run("journal", "chercher", "--politique", "new.tamis", "--format", "json")
    assert by_stem.exit_code == 0 and by_stem.stderr.endswith("1 décision(s) trouvée(s).\n")
    assert json.loads(by_file.stdout)["politique"] == "Souple"
    nothing = run("journal", "chercher", "--politique", "ne")
    assert nothing.stderr.endswith("0 décision(s) trouvée(s).\n")
