"""``tamis conseiller`` journals its advice (a ``conseil`` record, never a decision) with the
journal options of ``tamis decider``, and says where; ``--sans-journal`` writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from tamis.audit.reader import iter_records
from tamis.audit.verify import verify_journal
from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = ROOT / "policies" / "exemples" / "tamis.toml"
DEFAULT = "Je vous invite à faire partie de mon réseau professionnel sur LinkedIn."


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, ["conseiller", *args], env=env)


def advice_records(path: Path) -> list[dict]:
    return [r for r in iter_records(path) if r["evenement"] == "conseil"]


def test_text_output_says_where_the_advice_was_journaled(tmp_path):
    journal = tmp_path / "j.jsonl"
    result = run(
        "--a", "Marc-André Gagnon", "--message", DEFAULT, "--contexte", str(CONTEXT),
        "--journal", str(journal),
    )  # fmt: skip
    assert result.exit_code == 1
    [record] = advice_records(journal)
    lines = result.output.splitlines()
    verdict = lines.index("Verdict : à retoucher.")
    assert lines[verdict + 1] == (
        f"Conseil {record['contenu']['id']} inscrit au journal {journal} (enregistrement n° 2)."
    )
    assert lines[verdict + 2 :][:2] == ["", "Modèle de note à personnaliser :"]
    assert record["contenu"]["destinataire"] == {"nom": "Marc-André Gagnon"}
    assert record["contenu"]["message"] == DEFAULT
    assert record["contenu"]["origine"] == "conseiller"
    assert len(record["contenu"]["contexte_sha256"]) == 64
    assert verify_journal(journal).ok


def test_json_output_has_the_journal_id_and_seq_from_tamis_journal(tmp_path):
    journal = tmp_path / "env.jsonl"
    note = "Bonjour Marc-André, merci pour ton atelier au congrès ; au plaisir de collaborer!"
    args = ("--a", "Marc-André Gagnon", "--message", note, "--contexte", str(CONTEXT))
    first = run(*args, "--format", "json", env={"TAMIS_JOURNAL": str(journal)})
    second = run(*args, "--format", "json", "--durabilite", "stricte",
                 env={"TAMIS_JOURNAL": str(journal)})  # fmt: skip
    assert first.exit_code == second.exit_code == 0
    answers = [json.loads(first.output), json.loads(second.output)]
    records = advice_records(journal)
    assert [a["journal"] for a in answers] == [
        {"id": r["contenu"]["id"], "seq": r["seq"]} for r in records
    ]
    assert [r["seq"] for r in records] == [2, 3]
    assert answers[0]["verdict"] == "prête à envoyer" and answers[0]["constats"] == []
    assert records[0]["contenu"]["constats"] == [] and records[0]["contenu"]["verdict"] == (
        "prête à envoyer"
    )


def test_sans_journal_writes_nothing_and_says_null(tmp_path):
    journal = tmp_path / "j.jsonl"
    result = run("--a", "Paul Roy", "--message", DEFAULT, "--journal", str(journal),
                 "--sans-journal", "--format", "json")  # fmt: skip
    assert result.exit_code == 1
    assert json.loads(result.output)["journal"] is None
    assert not journal.exists()
    text = run("--a", "Paul Roy", "--message", DEFAULT, "--journal", str(journal), "--sans-journal")
    assert "inscrit au journal" not in text.output and not journal.exists()


def test_a_journal_that_cannot_take_it_is_a_french_error_and_nothing_is_shown(tmp_path):
    other = tmp_path / "autre.txt"
    other.write_text("pas un journal\n", encoding="utf-8")
    result = run("--a", "Paul Roy", "--message", DEFAULT, "--journal", str(other))
    assert result.exit_code == 1
    assert "Verdict" not in result.output
    assert (
        f"Erreur : {other} (dernière ligne complète) : ce n'est pas un enregistrement de journal "
        "tamis" in result.output
    )
    assert other.read_text(encoding="utf-8") == "pas un journal\n"


def test_advice_never_shows_among_decisions(tmp_path):
    journal = tmp_path / "j.jsonl"
    run("--a", "Paul Roy", "--message", DEFAULT, "--journal", str(journal))
    found = CliRunner().invoke(cli, ["journal", "chercher", "--journal", str(journal)])
    assert "0 décision(s) trouvée(s)" in found.stderr
    stats = CliRunner().invoke(
        cli, ["journal", "stats", "--journal", str(journal), "--format", "json"]
    )
    assert orjson.loads(stats.stdout)["total"] == 0


def journal_command(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, ["journal", "conseils", *args], env=env)


def test_journal_conseils_lists_advice_in_a_table_json_and_jsonl(tmp_path):
    journal = tmp_path / "j.jsonl"
    run("--a", "Paul Roy", "--message", DEFAULT, "--journal", str(journal))
    run("--a", "Zoé Lévesque", "--message", "Notre plateforme : réservez une démo gratuite!",
        "--journal", str(journal))  # fmt: skip
    table = journal_command("--journal", str(journal), "--utc")
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["N°", "Date", "(UTC)", "Conseil", "À", "Verdict", "Constats"]
    assert all(len(line) <= 80 for line in lines)
    ids = [r["contenu"]["id"] for r in advice_records(journal)]
    assert ids[0] in lines[2] and "Paul Roy" in lines[2] and "C003" in lines[2]
    assert table.stderr == "2 conseil(s) trouvé(s).\n"
    listed = journal_command("--journal", str(journal), "--format", "json")
    rows = [orjson.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["id"], r["destinataire"], r["verdict"]) for r in rows] == [
        (ids[0], "Paul Roy", "à retoucher"),
        (ids[1], "Zoé Lévesque", "à ne pas envoyer"),
    ]
    assert rows[1]["constats"][0] == "C001" and rows[0]["origine"] == "conseiller"
    whole = journal_command("--journal", str(journal), "--format", "jsonl", "--expediteur", "zoé")
    [record] = [orjson.loads(line) for line in whole.stdout.splitlines()]
    assert record["evenement"] == "conseil" and record["contenu"]["message"].startswith("Notre")
    env = {"TAMIS_JOURNAL": str(journal)}
    only = journal_command("--verdict", "à retoucher", "--format", "json", env=env)
    assert [orjson.loads(line)["id"] for line in only.stdout.splitlines()] == [ids[0]]
    none = journal_command("--jusqu-a", "2000-01-01", env=env)
    assert none.stdout == "Aucun conseil ne correspond.\n"


def test_journal_conseils_shows_erased_advice_and_french_errors(tmp_path):
    journal = tmp_path / "j.jsonl"
    run("--a", "Paul Roy", "--message", DEFAULT, "--journal", str(journal))
    [record] = advice_records(journal)
    CliRunner().invoke(cli, ["journal", "effacer", "--journal", str(journal),
                             record["contenu"]["id"], "--motif", "demande", "--oui"])  # fmt: skip
    [row] = [orjson.loads(line) for line in journal_command(
        "--journal", str(journal), "--format", "json").stdout.splitlines()]  # fmt: skip
    assert row["destinataire"] is None and row["effacement"]["motif"] == "demande"
    assert row["constats"] == ["C003", "C007"]
    assert "(effacé le" in journal_command("--journal", str(journal)).stdout
    bad = journal_command("--journal", str(journal), "--depuis", "hier")
    assert bad.exit_code == 2
    assert "--depuis : date illisible « hier » ; écrivez AAAA-MM-JJ" in bad.output
    missing = journal_command("--journal", str(tmp_path / "absent.jsonl"))
    assert missing.exit_code == 1
    assert f"journal introuvable : {tmp_path / 'absent.jsonl'}" in missing.output


def test_journal_conseils_as_csv_is_safe_for_a_spreadsheet(tmp_path):
    journal = tmp_path / "j.jsonl"
    run("--a", '=HYPERLINK("http://x")', "--message", DEFAULT, "--journal", str(journal))
    run("--a", "Paul Roy", "--message", DEFAULT, "--journal", str(journal))
    [first, second] = advice_records(journal)
    CliRunner().invoke(cli, ["journal", "effacer", "--journal", str(journal),
                             second["contenu"]["id"], "--motif", "demande", "--oui"])  # fmt: skip
    result = journal_command("--journal", str(journal), "--format", "csv")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "seq,horodatage,id,destinataire,verdict,constats,origine,donnees_effacees"
    assert lines[1].startswith(f"2,{first['horodatage']},{first['contenu']['id']},")
    assert '\'=HYPERLINK(""http://x"")",à retoucher,C003 C007,conseiller,' in lines[1]
    erased_on = next(r for r in iter_records(journal) if r["seq"] == 3)["contenu"]["effacement"]
    assert lines[2].endswith(f",,à retoucher,C003 C007,conseiller,{erased_on['le']}")


def test_pourquoi_on_an_advice_id_says_where_advice_is_shown(tmp_path):
    journal = tmp_path / "j.jsonl"
    run("--a", "Paul Roy", "--message", DEFAULT, "--journal", str(journal))
    [record] = advice_records(journal)
    why = CliRunner().invoke(
        cli, ["journal", "pourquoi", "--journal", str(journal), record["contenu"]["id"]]
    )
    assert why.exit_code == 1
    assert why.output == (
        f"Erreur : aucune décision pour l'invitation « {record['contenu']['id']} » dans "
        f"{journal}. Les conseils ne sont pas des décisions : tamis journal conseils --format "
        "jsonl les montre en entier.\n"
    )


@pytest.mark.parametrize(
    ("profil", "shown"),
    [
        ("Marc-André Gagnon", "« Marc-André Gagnon » n'est pas l'adresse d'un profil LinkedIn"),
        ("https://exemple.ca/marc", "« https://exemple.ca/marc » n'est pas l'adresse"),
        ("https://www.linkedin.com/company/ludis", "« https://www.linkedin.com/company/ludis »"),
        ("ftp://linkedin.com/in/marc", "« ftp://linkedin.com/in/marc » n'est pas l'adresse"),
        ("  ", "l'adresse du profil est vide"),
    ],
)
def test_a_profile_that_is_not_a_linkedin_address_is_a_usage_error_journaling_nothing(
    tmp_path, profil, shown
):
    journal = tmp_path / "j.jsonl"
    result = run("--a", "Marc", "--profil", profil, "--message", "Bonjour Marc",
                 "--journal", str(journal))  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "--profil" in result.output and shown in result.output
    assert "rien n'a été inscrit au journal" in result.output
    assert not journal.exists()


@pytest.mark.parametrize(
    "profil",
    [
        "https://www.linkedin.com/in/marc-andre-gagnon-12/",
        "linkedin.com/in/marc",
        "http://ca.linkedin.com/in/jérôme?trk=profil",
    ],
)
def test_a_linkedin_profile_address_is_journaled_as_given(tmp_path, profil):
    journal = tmp_path / "j.jsonl"
    result = run("--a", "Marc", "--profil", profil, "--message", "Bonjour Marc",
                 "--journal", str(journal))  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    [record] = advice_records(journal)
    assert record["contenu"]["destinataire"] == {"nom": "Marc", "profil_url": profil}
