"""``tamis rejouer``: re-decide the journal under another policy, show changes, write nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.audit.queries import parse_filter
from tamis.audit.reader import iter_records
from tamis.cli.main import cli
from tamis.triage import pipeline
from tamis.triage.replay import replay

OLD = """\
politique "Stricte"
règle "photo" : refuser si sans_photo
accepter si expediteur.connexions >= connexions_min
sinon examiner
"""
NEW = """\
politique "Souple"
règle "inconnus" : refuser si sans_photo et expediteur.connexions < 100
règle "assez" : accepter si expediteur.connexions >= 20
sinon ignorer
"""
INVITATIONS = [
    {"id": "a-1", "expediteur": {"photo": True, "connexions": 120}},  # accepter -> accepter
    {"id": "a-2", "expediteur": {"photo": False, "connexions": 500}},  # refuser -> accepter
    {"id": "a-3", "expediteur": {"photo": True, "connexions": 30}},  # examiner -> accepter
    {"id": "a-4", "expediteur": {"photo": False, "connexions": 10}},  # refuser -> refuser
]


@pytest.fixture
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAMIS_JOURNAL", raising=False)
    Path("old.tamis").write_text(OLD, encoding="utf-8")
    Path("new.tamis").write_text(NEW, encoding="utf-8")
    Path("inv.json").write_text(json.dumps(INVITATIONS), encoding="utf-8")
    result = run("decider", "-p", "old.tamis", "inv.json")
    assert result.exit_code == 0, result.stderr
    return tmp_path / "tamis-journal.jsonl"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="tamis")


def test_json_report_counts_old_to_new_and_lists_changes(journal: Path) -> None:
    before = journal.read_bytes()
    result = run("rejouer", "-p", "new.tamis", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    counts = {(c["avant"], c["apres"]): c["nombre"] for c in report["comptes"]}
    assert counts == {("accepter", "accepter"): 1, ("refuser", "accepter"): 1,
                      ("examiner", "accepter"): 1, ("refuser", "refuser"): 1}  # fmt: skip
    assert report["total"] == 4 and report["changees"] == 2
    change = {c["id"]: c for c in report["changements"]}["a-2"]
    assert (change["regle_avant"], change["regle_apres"]) == ("photo", "assez")
    assert change["explication_avant"].startswith("Refusée par la règle « photo »")
    assert change["explication_apres"].startswith("Acceptée par la règle « assez »")
    assert journal.read_bytes() == before  # nothing written


def test_text_report_shows_both_explanations(journal: Path) -> None:
    result = run("rejouer", "-p", "new.tamis")
    assert result.exit_code == 0
    assert "Décisions : avant → après" in result.stdout
    assert (
        "Avant : refuser (photo)" in result.stdout and "Après : accepter (assez)" in result.stdout
    )
    assert "4 invitation(s) rejouée(s) ; 2 changerai(en)t de décision." in result.stdout


def test_filter_on_former_decision(journal: Path) -> None:
    result = run("rejouer", "-p", "new.tamis", "--decision", "refuser", "--format", "json")
    report = json.loads(result.stdout)
    assert report["total"] == 2 and [c["id"] for c in report["changements"]] == ["a-2"]


def test_date_filters(journal: Path) -> None:
    later = run("rejouer", "-p", "new.tamis", "--depuis", "2999-01-01", "--format", "json")
    assert json.loads(later.stdout)["total"] == 0
    until = run("rejouer", "-p", "new.tamis", "--jusqu-a", "2999-01-01", "--format", "json")
    assert json.loads(until.stdout)["total"] == 4
    bad = run("rejouer", "-p", "new.tamis", "--depuis", "hier")
    assert bad.exit_code == 2
    assert "--depuis : date illisible « hier » ; écrivez AAAA-MM-JJ" in bad.stderr


def test_journal_filters_apply(journal: Path) -> None:
    """``rejouer`` selects with the same options as ``tamis journal chercher``."""
    by_rule = run("rejouer", "-p", "new.tamis", "--regle", "sinon", "--format", "json")
    chercher = run("journal", "chercher", "--regle", "sinon", "--format", "json")
    assert by_rule.exit_code == 0 and chercher.exit_code == 0
    replayed = {c["id"] for c in json.loads(by_rule.stdout)["changements"]}
    found = {json.loads(line)["id"] for line in chercher.stdout.splitlines()}
    assert json.loads(by_rule.stdout)["total"] == len(found) > 0
    assert replayed <= found


def test_a_rule_no_decision_names_is_said_with_the_closest(journal: Path) -> None:
    """« --regle Photo » (the rule is « photo ») replayed nothing and said only « Aucune
    décision du journal ne correspond à ces critères. »."""
    result = run("rejouer", "-p", "new.tamis", "--regle", "Photo")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "avertissement : --regle « Photo » : aucune décision du journal n'a cette règle (les"
        " noms comptent les majuscules et les accents) ; vouliez-vous dire « photo » ?\n"
    )
    other = run("rejouer", "-p", "new.tamis", "--regle", "photo", "--depuis", "2999-01-01")
    assert other.exit_code == 0 and other.stderr == ""


def test_latest_decision_per_invitation_is_compared(journal: Path) -> None:
    Path("seul.json").write_text(json.dumps(INVITATIONS[1]), encoding="utf-8")
    assert run("decider", "-p", "new.tamis", "seul.json").exit_code == 0  # a-2 now accepter
    report = json.loads(run("rejouer", "-p", "new.tamis", "--format", "json").stdout)
    assert report["total"] == 4 and [c["id"] for c in report["changements"]] == ["a-3"]


def test_context_differs_is_a_warning(journal: Path) -> None:
    Path("moi.toml").write_text('[moi]\nnom = "Jade"\n', encoding="utf-8")
    result = run("rejouer", "-p", "new.tamis", "--contexte", "moi.toml", "--format", "json")
    assert result.exit_code == 0
    assert "4 décision(s) du journal ont été prises avec un autre contexte" in result.stderr
    assert "moi.toml" in result.stderr


def test_a_context_no_longer_given_is_said_in_plain_french(journal: Path) -> None:
    """Decided with a context, replayed without: it read « prises avec un autre contexte que
    aucun contexte (ajoutez --contexte) ; … recalculés avec celui-ci »."""
    Path("moi.toml").write_text('[moi]\nnom = "Jade"\n', encoding="utf-8")
    Path("seul.json").write_text(json.dumps(INVITATIONS[1]), encoding="utf-8")
    assert run("decider", "-p", "new.tamis", "--contexte", "moi.toml", "seul.json").exit_code == 0
    result = run("rejouer", "-p", "new.tamis", "--format", "json")
    assert result.exit_code == 0
    assert result.stderr == (
        "avertissement : 1 décision(s) du journal ont été prises avec un contexte, et aucun"
        " n'est donné ici (ajoutez --contexte) ; leurs faits sont recalculés sans contexte.\n"
    )


def test_replay_module_without_cli(journal: Path) -> None:
    setup = pipeline.prepare(pipeline.SetupOptions("new.tamis"))
    report = replay(setup, iter_records(journal), parse_filter(decisions=["examiner"]))
    assert report.total == 1 and report.changes[0].apres == "accepter"


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (["--journal", "absent.jsonl"], 1, "absent.jsonl"),
        (["--journal", "new.tamis"], 1, "new.tamis"),
        (["--parametre", "x=1"], 2, "paramètre inconnu"),
    ],
)
def test_bad_input_is_a_french_error(journal: Path, args: list[str], code: int, expected: str):
    result = run("rejouer", "-p", "new.tamis", *args)
    assert result.exit_code == code
    assert expected in result.stderr and "Traceback" not in result.output


def test_minimised_journal_is_replayed_with_a_warning(journal: Path) -> None:
    minimal = run("decider", "-p", "old.tamis", "--minimiser", "--journal", "min.jsonl", "inv.json")
    assert minimal.exit_code == 0, minimal.stderr
    result = run("rejouer", "-p", "new.tamis", "--journal", "min.jsonl", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["total"] == 4
    assert json.loads(result.stdout)["minimisees"] == 4
    assert (
        "avertissement : 4 décision(s) du journal ont été inscrites avec --minimiser : les champs "
        "que l'ancienne politique ne lisait pas n'y sont pas, ils sont inconnus pour la nouvelle ; "
        "les changements qui en dépendent peuvent n'être que des artefacts. Pour comparer deux "
        "politiques, tenez le journal sans --minimiser."
    ) in result.stderr
    full = run("rejouer", "-p", "new.tamis", "--format", "json")
    assert json.loads(full.stdout)["minimisees"] == 0 and "--minimiser" not in full.stderr


def test_rejected_record_is_named_by_file_and_line(journal: Path) -> None:
    lines = journal.read_bytes().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if b'"id":"a-2","inconnues"' in line)
    record = json.loads(lines[number - 1])
    del record["donnees_personnelles"]["donnees"]["invitation"]["id"]
    lines[number - 1] = json.dumps(record, sort_keys=True).encode() + b"\n"
    journal.write_bytes(b"".join(lines))
    result = run("rejouer", "-p", "new.tamis", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["total"] == 3
    message = (
        f"tamis-journal.jsonl:{number} (enregistrement n° {record['seq']}) : invitation sans id"
    )
    assert f"erreur : {message}" in result.stderr and "seq" not in result.stderr
    assert json.loads(result.stdout)["rejetees"][0].startswith(message)


def test_lines_the_filter_rules_out_are_not_parsed(journal: Path) -> None:
    lines = journal.read_bytes().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if b'"decision":"accepter"' in line)
    lines[number - 1] = b"{ligne abimee\n"
    journal.write_bytes(b"".join(lines))
    refused = run("rejouer", "-p", "new.tamis", "--decision", "refuser", "--format", "json")
    assert refused.exit_code == 0 and json.loads(refused.stdout)["total"] == 2
    everything = run("rejouer", "-p", "new.tamis")
    assert everything.exit_code == 1
    assert f"tamis-journal.jsonl:{number} : ligne illisible" in everything.stderr


def test_a_policy_that_does_not_validate_is_shown_at_its_place_and_nothing_replayed(
    journal: Path,
) -> None:
    policy = 'règle "photo" : refuser si sans_photoo\nsinon accepter\n'
    Path("faux.tamis").write_text(policy, encoding="utf-8")
    before = journal.read_bytes()
    result = run("rejouer", "-p", "faux.tamis")
    assert result.exit_code == 1
    assert result.stderr.startswith("faux.tamis:1:28: erreur[E011]: fait ou paramètre inconnu")
    assert result.stderr.endswith(
        "Erreur : politique « faux.tamis » inutilisable ; rien n'a été rejoué (aucune décision"
        " du journal n'a été lue).\n"
    )
    assert result.stdout == "" and journal.read_bytes() == before


def test_a_fact_nothing_knows_is_a_usage_error(journal: Path) -> None:
    """« --fait sans_foto » replayed no decision: « 0 invitation(s) rejouée(s) »."""
    result = run("rejouer", "-p", "new.tamis", "--fait", "sans_foto")
    assert result.exit_code == 2
    assert "--fait : fait inconnu « sans_foto »" in result.stderr
    assert "vouliez-vous dire « sans_photo » ?" in result.stderr
