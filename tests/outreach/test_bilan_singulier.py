"""``tamis reseau bilan`` in French for one request: « 1 demande envoyée : 1 acceptée »,
« 0 acceptée », not « 1 demandes envoyées : 1 acceptées »."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tamis.cli.main import cli

INVITATIONS = (
    "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
    'Jade,Zoé Roy,"1/5/26, 9:30 AM",Bonjour,OUTGOING,https://www.linkedin.com/in/jade,'
    "https://www.linkedin.com/in/zoe-roy\n"
)
CONNECTIONS = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


def bilan(folder: Path, today: str, connections: str = "") -> str:
    (folder / "Invitations.csv").write_text(INVITATIONS, encoding="utf-8")
    (folder / "Connections.csv").write_text(CONNECTIONS + connections, encoding="utf-8")
    done = CliRunner().invoke(
        cli, ["reseau", "bilan", "--export", str(folder), "--aujourdhui", today]
    )
    assert done.exit_code == 0, done.output
    return done.stdout


def test_one_request_accepted(tmp_path: Path) -> None:
    row = "Zoé,Roy,https://www.linkedin.com/in/zoe-roy,,,,07 Jan 2026\n"
    out = bilan(tmp_path, "2026-01-08", row)
    assert out.startswith("1 demande envoyée : 1 acceptée (100\u00a0%), 0 en attente.\n")


def test_one_request_pending_for_days(tmp_path: Path) -> None:
    out = bilan(tmp_path, "2026-02-05")
    assert out.startswith("1 demande envoyée : 0 acceptée (0\u00a0%), 1 en attente.\n")
    assert "  Zoé Roy (https://www.linkedin.com/in/zoe-roy) : envoyée il y a 31 jours" in out
