"""``tamis journal``: pourquoi, chercher, stats, verifier, exporter through CliRunner."""

from __future__ import annotations

import csv
import io
import json
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import POLICY, explained, fill, invitation

from tamis.audit.journal import open_journal
from tamis.cli.main import cli
from tamis.engine.compile import compile_policy
from tamis.grammar.load import load_policy_file
from tamis.invitations.vocabulary import vocabulary


@pytest.fixture
def journal(tmp_path):
    from journal_helpers import checked

    path = tmp_path / "j.jsonl"
    fill(path, checked(), 6)
    return path


def run(*args, env=None):
    return CliRunner().invoke(cli, ["journal", *args], env=env)


def test_verifier_ok_then_altered(journal):
    result = run("verifier", "--journal", str(journal))
    assert result.exit_code == 0 and result.output.startswith("OK : 8 enregistrement(s)")
    lines = journal.read_bytes().splitlines(keepends=True)
    del lines[4]
    journal.write_bytes(b"".join(lines))
    result = run("verifier", "--journal", str(journal))
    assert result.exit_code == 1 and "ligne 5" in result.output and "supprimé" in result.output


def test_journal_option_honours_the_environment(journal, tmp_path):
    result = run("verifier", env={"TAMIS_JOURNAL": str(journal)})
    assert result.exit_code == 0 and "OK" in result.output


@pytest.mark.parametrize("command", ["verifier", "chercher", "stats", "exporter", "pourquoi x"])
def test_missing_unreadable_or_foreign_journal_is_a_french_error(tmp_path, command):
    missing = run(*command.split(), "--journal", str(tmp_path / "absent.jsonl"))
    assert missing.exit_code == 1 and "journal introuvable" in missing.output
    foreign = tmp_path / "notes.txt"
    foreign.write_text("ceci n'est pas un journal\n")
    result = run(*command.split(), "--journal", str(foreign))
    said = "ligne 1 : ligne illisible" if command == "verifier" else "n'est pas un journal tamis"
    assert result.exit_code == 1 and said in result.output
    folder = run(*command.split(), "--journal", str(tmp_path))
    assert folder.exit_code == 1 and "dossier" in folder.output
    assert "Traceback" not in missing.output + result.output + folder.output


@pytest.mark.parametrize(
    "args", [["--decision", "refus"], ["--depuis", "hier"], ["--jusqu-a", "31/01/2026"]]
)
def test_bad_filter_values_are_usage_errors(journal, args):
    result = run("chercher", "--journal", str(journal), *args)
    assert result.exit_code == 2 and ("inconnue" in result.output or "illisible" in result.output)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["pourquoi", "inv-\udcff"], "ID"),
        (["chercher", "--expediteur", "\udcffa"], "--expediteur"),
        (["chercher", "--regle", "\udcff"], "--regle"),
        (["stats", "--fait", "\udcff=vrai"], "--fait"),
        (["exporter", "--politique", "\udcff"], "--politique"),
    ],
)
def test_values_that_are_not_utf8_are_usage_errors_not_tracebacks(journal, args, option):
    """Bytes a terminal in another encoding passes on (lone surrogates for Python)."""
    result = run(*args, "--journal", str(journal))
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert f"{option} : « " in result.output and "\\xff" in result.output
    assert "n'est pas du texte UTF-8" in result.output and "Traceback" not in result.output


def test_chercher_table_json_and_csv(journal):
    table = run("chercher", "--journal", str(journal), "--decision", "refuser")
    assert table.exit_code == 0 and "inv-2" in table.output and "inv-1 " not in table.output
    rows = run("chercher", "--journal", str(journal), "--format", "json", "--regle", "ligne 5")
    parsed = [json.loads(line) for line in rows.stdout.splitlines()]
    assert [r["id"] for r in parsed] == ["inv-1", "inv-3", "inv-5"]
    assert parsed[0]["decision"] == "accepter"
    out = run("chercher", "--journal", str(journal), "--format", "csv", "--limite", "2")
    assert list(csv.DictReader(io.StringIO(out.stdout)))[1]["id"] == "inv-1"


def test_exporter_csv_neutralises_formulas_and_creates_a_private_file(tmp_path):
    from journal_helpers import checked, decide

    policy, path, out = checked(), tmp_path / "j.jsonl", tmp_path / "export.csv"
    with open_journal(path) as journal:
        journal.record_decision(
            decide(policy),
            policy=policy,
            invitation=dict(invitation(1), expediteur={"nom": '=HYPERLINK("http://x")'}),
        )
    result = run("exporter", "--journal", str(path), "--format", "csv", "-o", str(out))
    assert result.exit_code == 0
    row = next(csv.DictReader(out.open(encoding="utf-8")))
    assert row["expediteur"] == '\'=HYPERLINK("http://x")'
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_exporter_jsonl_gives_full_records(journal):
    result = run("exporter", "--journal", str(journal), "--fait", "sans_photo=vrai")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3 and all(r["contenu"]["regle"] == "photo" for r in records)


def test_stats_text_and_json(journal):
    text = run("stats", "--journal", str(journal), "--par", "semaine")
    assert text.exit_code == 0 and "Par décision" in text.output and "█" in text.output
    data = json.loads(run("stats", "--journal", str(journal), "--format", "json").stdout)
    assert data["total"] == 6 and data["par_decision"] == {"refuser": 3, "accepter": 3}


def test_pourquoi_shows_the_rule_as_it_was_after_the_file_changed(tmp_path):
    policy_file = tmp_path / "politique.tamis"
    policy_file.write_text(POLICY, encoding="utf-8")
    policy, _, _ = load_policy_file(policy_file, vocabulary())
    path = tmp_path / "j.jsonl"
    with open_journal(path) as journal:
        decision = compile_policy(policy).decide(
            {
                "sans_photo": True,
                "profil_entreprise": False,
                "message_par_defaut": True,
                "expediteur.connexions": 500,
            }
        )
        journal.record_decision(
            explained(policy, decision, {"sans_photo": "expediteur.photo absente"}),
            policy=policy,
            invitation=invitation(7),
        )
    policy_file.write_text(
        POLICY.replace("sans_photo ou profil_entreprise", "faux"), encoding="utf-8"
    )
    result = run("pourquoi", "inv-7", "--journal", str(path))
    assert result.exit_code == 0, result.output
    assert 'règle "photo" : refuser si sans_photo ou profil_entreprise' in result.output
    assert "Pas de photo, pas de contact." in result.output
    assert "sans_photo → vrai (expediteur.photo absente)" in result.output
    assert "« ligne 4 » (refuser, ligne 4)" in result.output and "la précède" in result.output
    data = json.loads(run("pourquoi", "inv-7", "--journal", str(path), "--format", "json").stdout)
    assert data["texte_regle"][0] == {
        "ligne": 2,
        "texte": 'règle "photo" : refuser si sans_photo ou profil_entreprise',
    }
    assert [r["regle"] for r in data["autres_regles"]] == ["ligne 4", "ligne 5"]


def test_pourquoi_unknown_id_is_an_error(journal):
    result = run("pourquoi", "inconnue", "--journal", str(journal))
    assert result.exit_code == 1 and "aucune décision" in result.output


def test_torn_last_line_is_reported_on_stderr(journal):
    with journal.open("ab") as stream:
        stream.write(b'{"contenu":{"id":')
    result = run("chercher", "--journal", str(journal), "--format", "json")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 6
    assert "dernière ligne incomplète" in result.stderr
    verified = run("verifier", "--journal", str(journal))
    assert verified.exit_code == 1 and "incomplète" in verified.output


def test_exporter_onto_the_journal_itself_is_refused_and_touches_nothing(journal, tmp_path):
    before = journal.read_bytes()
    alias = tmp_path / "alias.jsonl"
    alias.symlink_to(journal)
    for target in (journal, alias):
        result = run("exporter", "--journal", str(journal), "-o", str(target))
        assert result.exit_code == 1
        assert f"{target} est le journal lui-même" in result.output
        assert journal.read_bytes() == before
    assert left_behind(tmp_path) == ["alias.jsonl", "j.jsonl"]


def test_exporter_missing_journal_leaves_the_output_untouched(tmp_path):
    keep = tmp_path / "keep.csv"
    keep.write_text("à garder\n", encoding="utf-8")
    result = run("exporter", "--journal", str(tmp_path / "absent.jsonl"), "-o", str(keep))
    assert result.exit_code == 1 and "journal introuvable" in result.output
    assert keep.read_text(encoding="utf-8") == "à garder\n"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.csv"]


def left_behind(folder) -> list[str]:
    """The files in ``folder``, but the journal's query index (a derived file that exporter
    builds or brings up to date before reading) and the writer's checkpoint."""
    side = (".index.sqlite", ".verification")  # the index, the writer's checkpoint
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(side))


def test_exporter_failing_midway_keeps_the_old_output_and_leaves_no_temporary(journal, tmp_path):
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[5] = b"{pas du json\n"
    journal.write_bytes(b"".join(lines))
    keep = tmp_path / "keep.jsonl"
    keep.write_text("ancien export\n", encoding="utf-8")
    result = run("exporter", "--journal", str(journal), "-o", str(keep))
    assert result.exit_code == 1 and f"{journal}:6 : ligne illisible" in result.output
    assert keep.read_text(encoding="utf-8") == "ancien export\n"
    assert left_behind(tmp_path) == ["j.jsonl", "keep.jsonl"]


def test_exporter_replaces_an_existing_output_once_complete(journal, tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("ancien\n", encoding="utf-8")
    result = run("exporter", "--journal", str(journal), "-o", str(out))
    assert result.exit_code == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 6
    assert left_behind(tmp_path) == ["j.jsonl", "out.jsonl"]


def test_exporter_unwritable_output_is_explained_in_french(journal, tmp_path):
    missing = tmp_path / "absent" / "x.csv"
    result = run("exporter", "--journal", str(journal), "-o", str(missing))
    assert result.exit_code == 1
    assert f"impossible d'écrire {missing} : dossier {missing.parent} introuvable." in result.output
    folder = run("exporter", "--journal", str(journal), "-o", str(tmp_path))
    assert folder.exit_code == 1
    assert f"impossible d'écrire {tmp_path} : c'est un dossier, pas un fichier." in folder.output
    assert "No such file" not in result.output + folder.output
    assert left_behind(tmp_path) == ["j.jsonl"]


def test_verifier_fails_on_an_empty_journal(tmp_path):
    """Never OK (exit 0), but not damage either (exit 1, « ÉCHEC »): a journal no writer has
    opened yet; exit 3, as a PostgreSQL journal just initialised."""
    empty = tmp_path / "vide.jsonl"
    empty.write_bytes(b"")
    result = run("verifier", "--journal", str(empty))
    assert result.exit_code == 3
    assert result.output == (
        f"VIDE : {empty} : aucun enregistrement encore, rien à vérifier ; la première décision "
        "ou le premier conseil inscrit y mettra l'enregistrement « ouverture ».\n"
    )


def test_verifier_reports_records_rewritten_by_another_program(journal):
    import json

    lines = journal.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = json.dumps(json.loads(lines[3]), sort_keys=True) + "\n"  # spaces, \u escapes
    journal.write_text("".join(lines), encoding="utf-8")
    result = run("verifier", "--journal", str(journal))
    assert result.exit_code == 0 and result.stdout.startswith("OK : 8 enregistrement(s)")
    assert result.stderr.startswith(f"avertissement : {journal}:4 : 1 enregistrement(s) intact(s)")
    assert "--sans-index" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        "chercher",
        "stats",
        "exporter",
        "chercher --sans-index",
        "stats --sans-index",
        # these two took the name and chose nothing: « Aucune décision ni aucun conseil à
        # effacer. », « 0 cas figé(s) dans cas.toml. », exit 0
        "effacer --motif essai --oui",
        "figer -o CAS",
    ],
)
def test_a_fact_nothing_knows_is_a_usage_error_with_the_closest_names(journal, command):
    """« --fait sans_foto » matched no decision, and said « 0 décision(s) trouvée(s) »."""
    before = journal.read_bytes()
    args = command.replace("CAS", str(journal.parent / "cas.toml")).split()
    result = run(*args, "--journal", str(journal), "--fait", "sans_foto=vrai")
    assert result.exit_code == 2, result.output
    assert (
        "--fait : fait inconnu « sans_foto » : ni les faits de tamis ni les décisions du journal"
        " ne le connaissent ; vouliez-vous dire « sans_photo » ?"
    ) in result.output
    assert not (journal.parent / "cas.toml").exists() and journal.read_bytes() == before


def test_a_fact_only_the_journal_knows_is_searched(tmp_path):
    """A « définir » of the policy that decided (or a fact of an older vocabulary) is in the
    records' facts, not in tamis's vocabulary: it is a known name."""
    from journal_helpers import checked

    path = tmp_path / "j.jsonl"
    fill(path, checked("définir sans_visage si sans_photo\nrefuser si sans_visage\n"), 4)
    found = run("chercher", "--journal", str(path), "--fait", "sans_visage", "--format", "json")
    assert found.exit_code == 0, found.output
    near = run("chercher", "--journal", str(path), "--fait", "sans_visag")
    assert near.exit_code == 2 and "vouliez-vous dire « sans_visage » ?" in near.output


RULE_NOTE = (
    "avertissement : --regle « {given} » : aucune décision du journal n'a cette règle (les noms"
    " comptent les majuscules et les accents) ; {hint}\n"
)


@pytest.mark.parametrize(
    "command",
    ["chercher", "stats", "exporter -o -", "chercher --sans-index", "stats --sans-index"],
)
@pytest.mark.parametrize(
    ("given", "hint"),
    [("Photo", "vouliez-vous dire « photo » ?"), ("phot", "vouliez-vous dire « photo » ?")],
)
def test_a_rule_no_decision_names_is_said_with_the_closest(journal, command, given, hint):
    """« --regle Photo » (the rule is « photo ») found nothing and said only « 0 décision(s)
    trouvée(s) », as for a rule that never decided."""
    result = run(*command.split(), "--journal", str(journal), "--regle", given)
    assert result.exit_code == 0, result.output
    assert RULE_NOTE.format(given=given, hint=hint) in result.stderr


def test_a_rule_far_from_every_name_is_said_with_the_journal_s_rules(journal):
    result = run("chercher", "--journal", str(journal), "--regle", "zzz")
    assert result.exit_code == 0, result.output
    names = json.loads(run("stats", "--journal", str(journal), "--format", "json").stdout)
    rules = sorted({row["regle"] for row in names["par_regle"]})
    hint = "règles du journal : " + ", ".join(f"« {rule} »" for rule in rules)
    assert RULE_NOTE.format(given="zzz", hint=hint) in result.stderr


def test_a_known_rule_that_other_filters_leave_out_says_nothing_more(journal):
    result = run(
        "chercher", "--journal", str(journal), "--regle", "photo", "--decision", "accepter"
    )
    assert result.exit_code == 0 and result.stderr == "0 décision(s) trouvée(s).\n"


@pytest.mark.parametrize("command", ["chercher", "stats", "exporter -o -", "chercher --sans-index"])
@pytest.mark.parametrize(
    ("given", "said"),
    [
        (
            "sans_photo=oui",
            "« sans_photo » est vrai, faux ou inconnu : « oui » ne correspondrait à rien ;"
            " écrivez sans_photo=vrai, sans_photo=faux ou sans_photo=inconnu.",
        ),
        (
            "expediteur.connexions=beaucoup",
            "« expediteur.connexions » est un nombre : « beaucoup » ne correspondrait à rien ;"
            " écrivez un nombre (expediteur.connexions=500, expediteur.connexions=0,5) ou"
            " expediteur.connexions=inconnu.",
        ),
    ],
)
def test_a_value_a_fact_never_has_is_a_usage_error(journal, command, given, said):
    """« --fait sans_photo=oui » matched nothing and said « 0 décision(s) trouvée(s) »."""
    result = run(*command.split(), "--journal", str(journal), "--fait", given)
    assert result.exit_code == 2, result.output
    assert f"Erreur : --fait : {said}" in result.output


@pytest.mark.parametrize(
    "given", ["sans_photo=VRAI", "sans_photo=inconnu", "expediteur.connexions=0,5"]
)
def test_values_a_fact_may_have_are_searched(journal, given):
    assert run("chercher", "--journal", str(journal), "--fait", given).exit_code == 0


def test_pourquoi_names_the_recipient_of_a_request_to_send(tmp_path):
    """``pourquoi`` of a request to send said only « Expéditeur : » the user (or nothing):
    not whom it goes to. It now says it is a request to send and names its recipient."""
    policy, path = tmp_path / "politique.tamis", tmp_path / "j.jsonl"
    policy.write_text(POLICY, encoding="utf-8")
    sent = {
        "id": "vers-1", "sens": "sortante", "expediteur": {"nom": "Moi Même"},
        "destinataire": {"nom": "Odile Fortin", "profil_url": "https://www.linkedin.com/in/of"},
    }  # fmt: skip
    decided = CliRunner().invoke(
        cli, ["decider", "-p", str(policy), "--journal", str(path), "-"], input=json.dumps(sent)
    )
    assert decided.exit_code == 0, decided.output
    text = run("pourquoi", "vers-1", "--journal", str(path)).output.splitlines()
    assert text[1:3] == [
        "Demande à envoyer, destinataire : Odile Fortin (https://www.linkedin.com/in/of)",
        "Expéditeur : Moi Même",
    ]
    data = json.loads(run("pourquoi", "vers-1", "--journal", str(path), "--format", "json").stdout)
    assert data["sens"] == "sortante" and data["destinataire"] == sent["destinataire"]


def test_sens_as_recorded_in_pourquoi_and_as_a_mark_in_the_lists(tmp_path):
    """docs/journal.md: ``pourquoi --format json`` gives the recorded ``sens`` (« entrante »,
    or null when the invitation gave none); ``chercher`` and ``exporter --format csv`` only
    mark a request to send (« sortante »), empty for every invitation received."""
    policy, path = tmp_path / "politique.tamis", tmp_path / "j.jsonl"
    policy.write_text(POLICY, encoding="utf-8")
    sent = [
        {"id": "r-1", "sens": "entrante", "expediteur": {"nom": "Odile Fortin"}},
        {"id": "r-2", "expediteur": {"nom": "Rémi Gagné"}},
        {"id": "s-1", "sens": "sortante", "expediteur": {"nom": "Moi"},
         "destinataire": {"nom": "Lise Roy"}},
    ]  # fmt: skip
    lines = "\n".join(json.dumps(item) for item in sent)
    decided = CliRunner().invoke(
        cli, ["decider", "-p", str(policy), "--journal", str(path), "-"], input=lines
    )
    assert decided.exit_code == 0, decided.output
    shown = {
        ident: json.loads(run("pourquoi", ident, "--journal", str(path), "--format", "json").stdout)
        for ident in ("r-1", "r-2", "s-1")
    }
    assert {ident: data["sens"] for ident, data in shown.items()} == {
        "r-1": "entrante", "r-2": None, "s-1": "sortante"
    }  # fmt: skip
    # « une invitation reçue a "destinataire": {"nom": null, "profil_url": null} »
    assert shown["r-1"]["destinataire"] == {"nom": None, "profil_url": None}
    assert shown["s-1"]["destinataire"] == {"nom": "Lise Roy", "profil_url": None}
    found = run("chercher", "--journal", str(path), "--format", "json").stdout.splitlines()
    assert {row["id"]: row["sens"] for row in map(json.loads, found)} == {
        "r-1": None, "r-2": None, "s-1": "sortante"
    }  # fmt: skip
    exported = run("exporter", "--journal", str(path), "--format", "csv").stdout
    rows = csv.DictReader(io.StringIO(exported))
    assert {row["id"]: row["sens"] for row in rows} == {"r-1": "", "r-2": "", "s-1": "sortante"}
