"""``tamis decider --format court``: one line a person reads per invitation (who, decision,
rule and motif, what to do on LinkedIn, what is missing), the default on a terminal only."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
POLICY = """\
politique "Essai"
règle "photo" : refuser si sans_photo
    motif "Pas de visage, pas de contact."
règle "vendeur" : signaler si pitch_de_vente
accepter si expediteur.connexions >= connexions_min
sinon examiner
"""
INVITATIONS = [
    {"id": "a-1", "expediteur": {"nom": "Marie Gagnon", "photo": False,
                                 "profil_url": "https://www.linkedin.com/in/marie-gagnon/"}},
    {"id": "a-2", "expediteur": {"nom": "Paul Roy", "photo": True, "connexions": 120}},
    {"id": "a-3", "expediteur": {"nom": "Jeanne\x1b[31m Roy", "photo": True}},
    {"id": "a-4", "sens": "sortante", "message": "Bonjour",
     "destinataire": {"nom": "Zoé Côté", "profil_url": "https://linkedin.com/in/zoe"},
     "expediteur": {"photo": True, "connexions": 300}},
    {"id": "a-5", "message": "Réservez une démo gratuite de notre plateforme!",
     "expediteur": {"nom": "Vendeur Pro", "photo": True, "connexions": 900}},
]  # fmt: skip


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAMIS_JOURNAL", raising=False)
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    lines = [json.dumps(x, ensure_ascii=False) for x in INVITATIONS]
    (tmp_path / "inv.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_one_line_per_invitation_with_the_linkedin_step(work):
    result = CliRunner().invoke(cli, ["decider", "-p", "p.tamis", "--format", "court", "inv.jsonl"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Marie Gagnon (linkedin.com/in/marie-gagnon) — refuser — photo : Pas de visage, pas de"
        " contact. → Ignorer"
    )
    assert lines[1] == "Paul Roy — accepter — ligne 5 → Accepter"
    assert lines[3] == "Zoé Côté (linkedin.com/in/zoe) — accepter — ligne 5 → Envoyer la demande"
    assert lines[4] == "Vendeur Pro — signaler — vendeur → Ignorer, puis signaler le profil"


def test_examiner_says_what_is_missing_and_the_line_is_terminal_safe(work):
    result = CliRunner().invoke(cli, ["decider", "-p", "p.tamis", "--format", "court", "inv.jsonl"])
    line = result.stdout.splitlines()[2]
    assert line.startswith("Jeanne\\x1b[31m Roy — examiner — sinon → À examiner vous-même ;")
    assert "il manque : expediteur.connexions (absent)" in line
    assert "\x1b" not in result.stdout


def test_a_sender_named_with_spaces_only_is_named_by_the_invitation(work):
    """The line began with the blank name itself: « ␣␣␣ — examiner — … », no way to tell which
    invitation it was."""
    blank = '{"id": "z-9", "expediteur": {"nom": "   ", "photo": false}}\n'
    blank += '{"id": "z-10", "expediteur": {"nom": "\\u200b\\u2060 ", "photo": false}}\n'
    result = CliRunner().invoke(
        cli, ["decider", "-p", "p.tamis", "--format", "court", "-"], input=blank
    )
    assert result.stdout.startswith("invitation z-9 — refuser — photo : ")
    assert result.stdout.splitlines()[1].startswith("invitation z-10 — refuser — photo : ")


def test_json_in_a_pipe_court_on_a_terminal(work):
    piped = CliRunner().invoke(cli, ["decider", "-p", "p.tamis", "inv.jsonl"])
    assert json.loads(piped.stdout.splitlines()[0])["id"] == "a-1"
    primary, secondary = pty.openpty()
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()",
               "decider", "-p", "p.tamis", "--journal", "t.jsonl", "inv.jsonl"]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "TAMIS_JOURNAL"}
    done = subprocess.run(command, stdout=secondary, stderr=subprocess.PIPE, cwd=work, env=env,
                          timeout=120)  # fmt: skip
    os.close(secondary)
    shown = os.read(primary, 65536).decode("utf-8")
    os.close(primary)
    assert done.returncode == 0, done.stderr
    assert shown.splitlines()[0].startswith("Marie Gagnon (linkedin.com/in/marie-gagnon) — refuser")


def on_a_terminal(work: Path, *args: str) -> str:
    """What ``tamis decider ARGS`` shows on a terminal (a pseudo-terminal as stdout)."""
    primary, secondary = pty.openpty()
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()", "decider", *args]
    env = {k: v for k, v in os.environ.items() if k != "TAMIS_JOURNAL"}
    done = subprocess.run(
        command, stdout=secondary, stderr=subprocess.PIPE, cwd=work, env=env, timeout=120
    )
    os.close(secondary)
    shown = b""
    while chunk := _read_some(primary):
        shown += chunk
    os.close(primary)
    assert done.returncode == 0, done.stderr
    return shown.decode("utf-8")


def test_no_file_on_a_terminal_is_a_usage_error_the_help_and_page_describe(work):
    """docs/commandes.md and the help said « sans FICHIER : l'entrée standard », while on a
    terminal decider refuses (it would wait in silence for typed invitations)."""
    primary, secondary = pty.openpty()
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()",
               "decider", "-p", "p.tamis", "--journal", "t.jsonl"]  # fmt: skip
    done = subprocess.run(
        command, stdin=secondary, stdout=secondary, stderr=subprocess.PIPE, cwd=work, timeout=120
    )
    os.close(secondary)
    os.close(primary)
    assert done.returncode == 2
    refusal = "donnez un FICHIER d'invitations, ou « - » pour l'entrée standard."
    assert done.stderr.decode().endswith(f"Erreur : {refusal}\n")
    assert not (work / "t.jsonl").exists()
    page = (Path(__file__).resolve().parents[2] / "docs" / "commandes.md").read_text("utf-8")
    assert f"« {refusal} » (code 2)" in page
    helped = CliRunner().invoke(cli, ["decider", "--help"], terminal_width=200).stdout
    helped = " ".join(helped.replace("\u00a0", " ").replace("\u202f", " ").split())
    assert "« - » : l'entrée standard ; rien : l'entrée standard venue d'un tube" in helped


def _read_some(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO: the terminal's other end is closed and everything was read
        return b""


def test_trace_on_a_terminal_shows_the_text_with_its_trace(work):
    """--trace on a terminal printed the one-line form, which has no trace: it was dropped
    without a word."""
    shown = on_a_terminal(work, "-p", "p.tamis", "--journal", "t.jsonl", "--trace", "inv.jsonl")
    lines = shown.splitlines()
    assert lines[0].startswith("a-1 : Refusée par la règle « photo » (ligne 2)")
    assert lines[1].strip() == "règle « photo » (ligne 2) : refuser, décisive"


def test_trace_with_the_court_format_is_refused(work):
    result = CliRunner().invoke(
        cli, ["decider", "-p", "p.tamis", "--format", "court", "--trace", "inv.jsonl"]
    )
    assert result.exit_code == 2
    assert (
        "Erreur : --trace ne s'affiche pas en format court (une ligne par invitation) : "
        "choisissez --format texte ou --format json." in result.stderr
    )
    assert not (work / "tamis-journal.jsonl").exists()


def test_a_request_to_send_without_a_recipient_does_not_name_the_user(work):
    """A request to send (``sens`` « sortante ») without ``destinataire`` began with its
    sender, the user (« Jade Roy — accepter — … → Envoyer la demande »), as if it went to
    her; it now says the recipient is unknown, and which invitation it is."""
    sent = {"id": "s-1", "sens": "sortante", "message": "Bonjour",
            "expediteur": {"nom": "Jade Roy", "photo": True, "connexions": 300,
                           "profil_url": "https://linkedin.com/in/jade"}}  # fmt: skip
    result = CliRunner().invoke(
        cli, ["decider", "-p", "p.tamis", "--format", "court", "-"], input=json.dumps(sent)
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "invitation s-1 (destinataire inconnu) — accepter — ligne 5 → Envoyer la demande\n"
    )
