"""An invitation with a ``destinataire`` but no ``sens`` was decided as received, silently:
its sender named as the other person, « Accepter » or « Ignorer » advised, while its policy
saw ``sens`` inconnu. It is refused alone, by its place and the field, in a file, a JSON
array, on stdin and on the workers' path; ``rejouer`` still re-decides one already journaled."""

# ruff: noqa: E501 - expected French messages stay on one line, as users see them

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.cli.main import cli

POLICY = 'règle "photo" : refuser si sans_photo\nsinon accepter\n'
SAID = (
    "erreur : invitation « v-1 », champ « destinataire » : donné sans « sens » ; ajoutez "
    "« sens » : « sortante » pour une demande à envoyer à ce destinataire (ou « entrante » "
    "pour une invitation reçue)"
)
UNDIRECTED = {"id": "v-1", "message": "Bonjour Rémi", "destinataire": {"nom": "Rémi Gagné"}}
NEIGHBOURS = [
    {"id": "a", "expediteur": {"photo": True}},
    {"id": "v-2", "sens": "sortante", "destinataire": {"nom": "Rémi Gagné"}},
    {
        "id": "v-3",
        "sens": "entrante",
        "expediteur": {"photo": False},
        "destinataire": {"nom": "Moi"},
    },
    {"id": "v-4", "destinataire": None, "expediteur": {"photo": False}},
]


def tamis(*args: str, given: str | None = None):
    return CliRunner().invoke(cli, list(args), input=given, prog_name="tamis")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAMIS_JOURNAL", raising=False)
    Path("p.tamis").write_text(POLICY, encoding="utf-8")
    return tmp_path


def decided(journal: str) -> list[str]:
    records = [json.loads(line) for line in Path(journal).read_text().splitlines()]
    return [r["contenu"]["id"] for r in records if r["evenement"] == "decision"]


@pytest.mark.parametrize(
    ("name", "text", "place"),
    [
        ("lot.jsonl", "\n".join(map(json.dumps, [UNDIRECTED, *NEIGHBOURS])) + "\n", "lot.jsonl:1"),
        ("lot.json", "[\n" + ",\n".join(map(json.dumps, [UNDIRECTED, *NEIGHBOURS])) + "\n]\n", "lot.json:2 (élément 1)"),
        ("-", "\n".join(map(json.dumps, [UNDIRECTED, *NEIGHBOURS])) + "\n", "<entrée standard>:1"),
    ],
)  # fmt: skip
def test_a_recipient_without_a_direction_is_refused_alone(work, name, text, place):
    if name != "-":
        Path(name).write_text(text, encoding="utf-8")
    result = tamis("decider", "-p", "p.tamis", "--journal", "j.jsonl", "--format", "json",
                   name, given=text if name == "-" else None)  # fmt: skip
    assert result.exit_code == 3, result.output
    assert f"{place}: {SAID}" in result.stderr, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [
        "a",
        "v-2",
        "v-3",
        "v-4",
    ]
    assert decided("j.jsonl") == ["a", "v-2", "v-3", "v-4"]


def test_the_workers_refuse_it_too(work):
    """A file of 256 kB and more is decided by worker processes, from a path of their own."""
    many = [
        {"id": f"n-{i}", "expediteur": {"photo": True, "titre": "x" * 200}} for i in range(1500)
    ]
    Path("gros.jsonl").write_text(
        "".join(json.dumps(item) + "\n" for item in [*many[:700], UNDIRECTED, *many[700:]]),
        encoding="utf-8",
    )
    assert Path("gros.jsonl").stat().st_size > 256 * 1024
    result = tamis("decider", "-p", "p.tamis", "--journal", "j.jsonl", "--format", "json",
                   "--processus", "2", "gros.jsonl")  # fmt: skip
    assert result.exit_code == 3, result.output
    assert f"gros.jsonl:701: {SAID}" in result.stderr, result.stderr
    assert len(decided("j.jsonl")) == 1500 and "v-1" not in decided("j.jsonl")


def test_one_already_journaled_is_still_replayed(work):
    """A journal written before holds such invitations: ``rejouer`` decides them again as
    they were decided, rather than rejecting them."""
    sent = {**UNDIRECTED, "sens": "sortante"}
    Path("v.json").write_text(json.dumps([sent, NEIGHBOURS[0]]), encoding="utf-8")
    assert tamis("decider", "-p", "p.tamis", "--journal", "j.jsonl", "v.json").exit_code == 0
    lines = Path("j.jsonl").read_bytes().splitlines(keepends=True)
    number = next(
        i for i, line in enumerate(lines) if b'"id":"v-1"' in line and b'"decision"' in line
    )
    record = json.loads(lines[number])
    del record["donnees_personnelles"]["donnees"]["invitation"]["sens"]  # as written before
    lines[number] = json.dumps(record, sort_keys=True).encode() + b"\n"
    Path("j.jsonl").write_bytes(b"".join(lines))
    result = tamis("rejouer", "-p", "p.tamis", "--journal", "j.jsonl", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["total"] == 2 and not report["rejetees"], report
