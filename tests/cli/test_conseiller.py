"""``tamis conseiller``: a draft's findings in French or JSON, honest exit codes, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = str(ROOT / "policies" / "exemples" / "tamis.toml")


def run(*args: str, stdin: bytes | None = None):
    """The command without the journal (the journaling tests are in test_conseiller_journal)."""
    return CliRunner().invoke(cli, ["conseiller", "--sans-journal", *args], input=stdin)


def test_a_good_draft_is_ready_and_exits_0():
    note = "Bonjour Marc-André, merci pour ton atelier au congrès ; au plaisir de collaborer!"
    result = run("--a", "Marc-André Gagnon", "--message", note, "--contexte", CONTEXT)
    assert result.exit_code == 0
    assert result.output == "Aucun problème trouvé.\nVerdict : prête à envoyer.\n"


def test_default_text_gets_the_finding_its_source_and_a_skeleton():
    default = "Je vous invite à faire partie de mon réseau professionnel sur LinkedIn."
    result = run(
        "--a", "Marc-André Gagnon", "--message", default, "--contexte", CONTEXT,
        "--contexte-rencontre", "le Salon du marketing",
    )  # fmt: skip
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "à retoucher [C003] : texte par défaut de LinkedIn, ou aucune note"
    assert lines[2].startswith("  source : fiche « Comment gérer mes demandes de contact")
    assert "Verdict : à retoucher." in lines
    assert result.output.endswith(
        "Modèle de note à personnaliser :\n\nBonjour Marc-André,\nJ'ai bien apprécié notre "
        "échange (le Salon du marketing) et j'aimerais poursuivre la conversation ici.\n"
        "Au plaisir,\nJade\n"
    )


def test_note_from_a_file_and_from_stdin(tmp_path):
    note = "Hi, our platform will boost your sales. Book a demo today for a free trial!"
    path = tmp_path / "note.txt"
    path.write_text(note, encoding="utf-8")
    from_file = run("--a", "Paul Roy", "--message-fichier", str(path), "--format", "json")
    from_stdin = run("--a", "Paul Roy", "-", "--format", "json", stdin=note.encode())
    assert from_file.exit_code == from_stdin.exit_code == 1
    assert from_file.output == from_stdin.output
    data = json.loads(from_file.output)
    assert data["verdict"] == "à ne pas envoyer"
    assert data["constats"][0]["code"] == "C001"
    assert {"boost your sales", "free trial"} <= set(data["constats"][0]["mots"])
    assert data["modele"] is None


def test_a_blank_recipient_is_refused_before_anything_is_journaled(tmp_path):
    journal = tmp_path / "j.jsonl"
    blank = run("--a", "  ", "--message", "Bonjour", "--journal", str(journal))
    assert blank.exit_code == 2
    assert "Valeur invalide pour « --a » : le nom du destinataire est vide." in blank.output
    assert not journal.exists()


def test_the_recipient_is_stripped_and_a_control_character_refused(tmp_path):
    """« --a $'Jean Tremblay\\t\\t' » went to the journal with its tabs, and a name holding
    an escape sequence (\\x1b[31m) was journaled as it was."""
    journal = tmp_path / "j.jsonl"
    note = "Bonjour Jean, on s'est vus au salon de Québec."
    args = ["conseiller", "--a", "Jean Tremblay\t\t", "--message", note, "--journal", str(journal)]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 0, done.output
    assert '"destinataire":{"nom":"Jean Tremblay"' in journal.read_text(encoding="utf-8")
    refused = run("--a", "Jean\x1b[31m", "--message", note, "--journal", str(tmp_path / "k"))
    assert refused.exit_code == 2
    assert (
        "Valeur invalide pour « --a » : le nom du destinataire contient un caractère de"
        " contrôle (\\x1b) : écrivez le nom tel qu'il s'affiche" in " ".join(refused.output.split())
    )
    assert not (tmp_path / "k").exists()


def test_exactly_one_source_of_note():
    none = run("--a", "Paul Roy")
    both = run("--a", "Paul Roy", "--message", "x", "-")
    assert none.exit_code == both.exit_code == 2
    assert "donnez la note par une seule source" in none.output


def test_an_empty_note_is_allowed_when_asked_for():
    result = run("--a", "Paul Roy", "--message", "", "--format", "json")
    data = json.loads(result.output)
    assert [c["code"] for c in data["constats"]] == ["C003", "C007"]
    assert data["modele"].startswith("Bonjour Paul,\n")


def test_unreadable_note_and_context_are_french_errors(tmp_path):
    bad = tmp_path / "note.txt"
    bad.write_bytes(b"caf\xe9")
    not_utf8 = run("--a", "Paul Roy", "--message-fichier", str(bad))
    assert not_utf8.exit_code == 1
    assert (  # it said where nothing: « la note n'est pas du texte UTF-8 »
        "la note n'est pas en UTF-8 (octet 0xe9 à la ligne 1, colonne 4) ; réenregistrez-le"
        in not_utf8.output
    )
    missing = run("--a", "Paul Roy", "--message", "x", "--contexte", str(tmp_path / "non.toml"))
    assert missing.exit_code == 1 and "non.toml" in missing.output
    assert "Traceback" not in missing.output + not_utf8.output
