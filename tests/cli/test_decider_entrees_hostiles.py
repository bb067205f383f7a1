"""One poisoned invitation never costs its neighbours: ``tamis decider`` rejects it alone
(exit 3, its line and the reason on stderr) and decides and journals every other one."""

# ruff: noqa: E501 - expected French messages stay on one line, as users see them

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.audit.verify import verify_journal
from tamis.cli.main import cli

POLICY = 'règle "photo" : refuser si sans_photo\nsinon accepter\n'


def deep_unknown(levels: int) -> str:
    inner = "1"
    for _ in range(levels):
        inner = '{"a": ' + inner + "}"
    return '{"id": "poison", "expediteur": {"photo": true, "inconnu": ' + inner + "}}"


@pytest.mark.parametrize(("name", "arrange"), [
    ("lot.jsonl", lambda lines: "\n".join(lines) + "\n"),
    ("lot.json", lambda lines: "[\n" + ",\n".join(lines) + "\n]\n"),
])  # fmt: skip
def test_an_unknown_field_nested_255_levels_is_rejected_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, arrange
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("p.tamis").write_text(POLICY, encoding="utf-8")
    lines = [
        json.dumps({"id": "a", "expediteur": {"photo": True}}),
        deep_unknown(255),
        json.dumps({"id": "b", "expediteur": {"photo": False}}),
    ]
    Path(name).write_text(arrange(lines), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["decider", "-p", "p.tamis", "--journal", "j.jsonl", name], prog_name="tamis"
    )
    assert result.exit_code == 3, result.output
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(p["id"], p["decision"]) for p in printed] == [("a", "accepter"), ("b", "refuser")]
    place = "lot.jsonl:2" if name == "lot.jsonl" else "lot.json:3 (élément 2)"
    assert (
        f"{place}: erreur : invitation « poison », champ « expediteur.inconnu.a.a.a.a.a.a.a.a.a.a.… »"
        " : imbrication trop profonde : plus de 64 niveaux d'objets et de listes"
    ) in result.stderr
    assert "2 invitation(s) décidée(s) (accepter 1, refuser 1), 1 rejetée(s)." in result.stderr
    records = [json.loads(line) for line in Path("j.jsonl").read_text().splitlines()]
    assert [r["contenu"]["id"] for r in records if r["evenement"] == "decision"] == ["a", "b"]
    assert verify_journal(Path("j.jsonl")).ok
