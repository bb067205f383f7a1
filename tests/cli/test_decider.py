"""``tamis decider``: one line per decision, journal first, French errors, honest exit codes."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.audit.chain import parse_record
from tamis.cli.main import cli
from tamis.engine.explained import DecisionJson
from tamis.triage import pipeline

ROOT = Path(__file__).resolve().parents[2]

POLICY = """\
politique "Essai"
règle "photo" : refuser si sans_photo
    motif "Pas de visage, pas de contact."
accepter si expediteur.connexions >= connexions_min
sinon examiner
"""

WITH_PHOTO = {"id": "a-1", "expediteur": {"photo": True, "connexions": 120}}
NO_PHOTO = {"id": "a-2", "expediteur": {"photo": False, "connexions": 500}}
UNKNOWN = {"id": "a-3", "expediteur": {"nom": "Jeanne Roy"}}


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAMIS_JOURNAL", raising=False)
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    lines = [json.dumps(x, ensure_ascii=False) for x in (WITH_PHOTO, NO_PHOTO, UNKNOWN)]
    (tmp_path / "inv.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def decide(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["decider", *args], input=input, prog_name="tamis")


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def journal_records(path: Path) -> list[dict]:
    """The records as readers see them (format 3: personal data put back in ``contenu``)."""
    return [parse_record(line) for line in path.read_bytes().splitlines()]


def decisions_in(path: Path) -> list[dict]:
    return [r["contenu"] for r in journal_records(path) if r["evenement"] == "decision"]


def test_prints_one_json_line_per_invitation_with_the_documented_keys(work: Path) -> None:
    result = decide("-p", "p.tamis", "inv.jsonl")
    assert result.exit_code == 0, result.stderr
    lines = json_lines(result.stdout)
    assert [list(line) for line in lines] == [
        ["id", "decision", "regle", "motif", "explication"]
    ] * 3
    assert [(x["id"], x["decision"], x["regle"]) for x in lines] == [
        ("a-1", "accepter", "ligne 4"),
        ("a-2", "refuser", "photo"),
        ("a-3", "examiner", "sinon"),
    ]
    assert lines[1]["motif"] == "Pas de visage, pas de contact."
    assert lines[1]["explication"].startswith("Refusée par la règle « photo »")
    assert "3 invitation(s) décidée(s)" in result.stderr


def test_every_decision_is_journaled_in_order(work: Path) -> None:
    result = decide("-p", "p.tamis", "inv.jsonl")
    assert result.exit_code == 0
    recorded = decisions_in(work / "tamis-journal.jsonl")
    assert [(r["id"], r["decision"], r["regle"]) for r in recorded] == [
        (x["id"], x["decision"], x["regle"]) for x in json_lines(result.stdout)
    ]
    assert recorded[1]["invitation"] == NO_PHOTO
    assert recorded[1]["moteur"] == "natif"
    printed = [x["explication"] for x in json_lines(result.stdout)]
    assert printed == [r["explication"] for r in recorded]


def test_journal_path_from_option_and_from_environment(work: Path) -> None:
    assert decide("-p", "p.tamis", "--journal", "a.jsonl", "inv.jsonl").exit_code == 0
    env = CliRunner(env={"TAMIS_JOURNAL": str(work / "b.jsonl")})
    assert env.invoke(cli, ["decider", "-p", "p.tamis", "inv.jsonl"]).exit_code == 0
    assert len(decisions_in(work / "a.jsonl")) == 3
    assert len(decisions_in(work / "b.jsonl")) == 3
    assert not (work / "tamis-journal.jsonl").exists()


def test_minimiser_keeps_only_what_the_policy_reads(work: Path) -> None:
    assert decide("-p", "p.tamis", "--minimiser", "inv.jsonl").exit_code == 0
    recorded = decisions_in(work / "tamis-journal.jsonl")
    assert recorded[0]["invitation"]["expediteur"] == {"connexions": 120}  # a field it reads
    assert "nom" not in recorded[2]["invitation"].get("expediteur", {})  # a field it does not


def test_decision_is_journaled_before_it_is_returned(work: Path) -> None:
    class Recorder:
        """A journal keeping the ``Explained`` it is handed, as the pipeline's protocol says."""

        def __init__(self) -> None:
            self.ids: list[str] = []
            self.kept: list[object] = []

        def record_decisions(self, decided, *, policy, context_sha256=None) -> None:
            self.ids += [d.received["id"] for d in decided]
            self.kept += [d.explained for d in decided]

    from tamis.invitations.reader import read_invitations

    setup = pipeline.prepare(pipeline.SetupOptions("p.tamis"))
    journal = Recorder()
    seen = []
    for outcome in pipeline.decide_records(setup, read_invitations("inv.jsonl", name="x"), journal):
        assert journal.ids[-1] == outcome.invitation.id
        assert journal.kept[-1] is outcome.explained  # printed from what the journal was given
        seen.append(outcome.invitation.id)
    assert seen == ["a-1", "a-2", "a-3"]


def test_text_format_and_trace(work: Path) -> None:
    text = decide("-p", "p.tamis", "--format", "texte", "inv.jsonl")
    assert text.stdout.splitlines()[1].startswith("a-2 : Refusée par la règle « photo » (ligne 2)")
    traced = json_lines(decide("-p", "p.tamis", "--trace", "--redecider", "inv.jsonl").stdout)
    assert traced[1]["trace"] and "declenchees" in traced[1]
    texte_trace = decide(
        "-p", "p.tamis", "--format", "texte", "--trace", "--redecider", "inv.jsonl"
    ).stdout
    assert "→ vrai" in texte_trace


def test_parameter_override_changes_the_decision(work: Path) -> None:
    result = decide("-p", "p.tamis", "--parametre", "connexions_min=200", "inv.jsonl")
    assert result.exit_code == 0
    assert json_lines(result.stdout)[0]["decision"] == "examiner"


def test_reads_standard_input(work: Path) -> None:
    for args in (["-"], []):
        result = decide("-p", "p.tamis", *args, input=json.dumps([WITH_PHOTO, NO_PHOTO]))
        assert result.exit_code == 0
        assert [x["id"] for x in json_lines(result.stdout)] == ["a-1", "a-2"]


def test_invalid_records_are_reported_with_location_and_skipped(work: Path) -> None:
    bad = '{"id": "a-1", "expediteur": {"photo": true, "connexions": 120}}\n{"id": 5\n'
    bad += '{"id": "a-9", "expediteur": {"connexions": -3}}\n'
    bad += '{"id": "a-2", "expediteur": {"photo": false}, "humeur": "bonne"}\n'
    Path("bad.jsonl").write_text(bad, encoding="utf-8")
    result = decide("-p", "p.tamis", "bad.jsonl")
    assert result.exit_code == 3
    assert [x["id"] for x in json_lines(result.stdout)] == ["a-1", "a-2"]
    assert "bad.jsonl:2: erreur" in result.stderr
    assert "bad.jsonl:3: erreur" in result.stderr and "connexions" in result.stderr
    assert "bad.jsonl:4: avertissement" in result.stderr and "humeur" in result.stderr
    assert "2 rejetée(s)" in result.stderr
    assert "Traceback" not in result.output


def test_linkedin_export_direction(work: Path) -> None:
    csv = (
        "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
        'Jeanne Roy,Moi,"1/29/26, 2:37 PM",,INCOMING,https://www.linkedin.com/in/jroy,\n'
        'Moi,Luc Côté,"1/30/26, 9:02 AM",Bonjour Luc,OUTGOING,,https://www.linkedin.com/in/lc\n'
    )
    Path("Invitations.csv").write_text(csv, encoding="utf-8")
    incoming = json_lines(decide("-p", "p.tamis", "Invitations.csv").stdout)
    everything = json_lines(decide("-p", "p.tamis", "--sens", "toutes", "Invitations.csv").stdout)
    assert len(incoming) == 1 and len(everything) == 2


def test_durable_engine_decides_like_native(work: Path) -> None:
    natif = decide("-p", "p.tamis", "--journal", "n.jsonl", "inv.jsonl")
    durable = decide("-p", "p.tamis", "--moteur", "durable", "--journal", "d.jsonl", "inv.jsonl")
    assert durable.exit_code in (0, 1)
    if durable.exit_code == 1:  # durable-rules cannot be imported on this Python
        assert "durable" in durable.stderr and "Traceback" not in durable.output
    else:
        assert json_lines(durable.stdout) == json_lines(natif.stdout)


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (["-p", "absente.tamis", "inv.jsonl"], 1, "E000"),
        (["-p", "casse.tamis", "inv.jsonl"], 1, "erreur["),
        (
            ["-p", "p.tamis", "absent.jsonl"],
            1,
            "absent.jsonl : fichier d'invitations illisible : fichier introuvable ;",
        ),
        (["-p", "p.tamis", "--contexte", "absent.toml", "inv.jsonl"], 1, "absent.toml"),
        (["-p", "p.tamis", "--contexte", "mauvais.toml", "inv.jsonl"], 1, "mauvais.toml"),
        (["-p", "p.tamis", "--parametre", "connexions_min=beaucoup", "inv.jsonl"], 2, "connexions"),
        (["-p", "p.tamis", "--parametre", "inconnu=3", "inv.jsonl"], 2, "inconnu"),
        (["-p", "p.tamis", "--parametre", "sans_egal", "inv.jsonl"], 2, "sans_egal"),
        (["-p", "p.tamis", "--moteur", "rete", "inv.jsonl"], 2, "Valeur invalide pour"),
        (["inv.jsonl"], 2, "Option manquante"),
    ],
)
def test_bad_input_gives_a_french_error_and_no_traceback(
    work: Path, args: list[str], code: int, expected: str
) -> None:
    Path("casse.tamis").write_text('refuser si sans_photo et\nrègle "x" accepter\n', "utf-8")
    Path("mauvais.toml").write_text("[moi]\nnom = \n", encoding="utf-8")
    result = decide(*args)
    assert result.exit_code == code, result.output
    assert expected in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert not Path("tamis-journal.jsonl").exists()


def test_bad_json_file_is_rejected_not_fatal(work: Path) -> None:
    Path("casse.json").write_text('[{"id": "a-1",', encoding="utf-8")
    result = decide("-p", "p.tamis", "casse.json")
    assert result.exit_code == 3
    assert "casse.json" in result.stderr and "Traceback" not in result.output


def test_policy_warnings_go_to_stderr_and_do_not_stop(work: Path) -> None:
    Path("w.tamis").write_text(POLICY + "refuser si sans_photo\n", encoding="utf-8")
    result = decide("-p", "w.tamis", "inv.jsonl")
    assert result.exit_code == 0
    assert "avertissement[" in result.stderr
    assert len(json_lines(result.stdout)) == 3


def test_help_is_french(work: Path) -> None:
    result = decide("--help")
    assert "Utilisation\u00a0: tamis decider [OPTIONS] [FICHIER|-]" in result.stdout
    for option in ("--politique", "--contexte", "--moteur", "--parametre", "--sens", "--journal"):
        assert option in result.stdout
    assert "Codes de sortie" in result.stdout


def test_readme_command_on_the_shipped_examples(work: Path) -> None:
    exemples = ROOT / "policies" / "exemples"
    result = decide(
        "-p",
        str(ROOT / "policies" / "blogue.tamis"),
        "--contexte",
        str(exemples / "tamis.toml"),
        str(exemples / "invitations.jsonl"),
    )
    assert result.exit_code == 0, result.stderr
    lines = json_lines(result.stdout)
    expected = (exemples / "invitations.jsonl").read_text(encoding="utf-8").split("\n")
    assert len(lines) == len([line for line in expected if line.strip()])
    assert {x["decision"] for x in lines} >= {"accepter", "refuser", "ignorer", "examiner"}
    assert all(x["explication"] for x in lines)


def test_a_folder_as_invitation_file_says_so_and_journals_nothing(work: Path) -> None:
    Path("dossier").mkdir()
    result = decide("-p", "p.tamis", "--journal", "d.jsonl", "dossier")
    assert result.exit_code == 1
    assert result.stderr == (
        "Erreur : dossier : fichier d'invitations illisible : "
        "c'est un dossier ; donnez le chemin d'un fichier\n"
    )
    assert not Path("d.jsonl").exists()


def test_the_journal_given_as_invitation_file_is_refused_and_left_untouched(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert decide("-p", "p.tamis", "--journal", "j.jsonl", "inv.jsonl").exit_code == 0
    before = Path("j.jsonl").read_bytes()
    Path("lien.jsonl").symlink_to("j.jsonl")
    monkeypatch.setenv("TAMIS_JOURNAL", str(work / "j.jsonl"))
    for given in ("j.jsonl", "lien.jsonl", "./j.jsonl"):
        result = decide("-p", "p.tamis", given)
        assert result.exit_code == 1
        assert result.stderr == (
            f"Erreur : {given} est le journal d'audit lui-même, pas un fichier d'invitations : "
            "donnez le fichier des invitations à décider (le journal n'a pas été touché).\n"
        )
    assert Path("j.jsonl").read_bytes() == before
    assert decide("-p", "p.tamis", "inv.jsonl").exit_code == 0  # its neighbour still works


def test_context_value_of_a_policy_parameter_must_have_its_type(work: Path) -> None:
    Path("plafond.tamis").write_text(
        "paramètre plafond = 3\nrefuser si expediteur.connexions > plafond\nsinon examiner\n",
        encoding="utf-8",
    )
    Path("c.toml").write_text('[parametres]\nplafond = "haut"\n', encoding="utf-8")
    result = decide("-p", "plafond.tamis", "--contexte", "c.toml", "inv.jsonl")
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        "Erreur : c.toml : clé « parametres.plafond » : doit être de type nombre, "
        'comme le paramètre de la politique (reçu : "haut")\n'
    )
    assert not Path("tamis-journal.jsonl").exists()


def test_json_trace_is_the_one_the_journal_recorded(work: Path) -> None:
    traced = json_lines(decide("-p", "p.tamis", "--trace", "--redecider", "inv.jsonl").stdout)
    recorded = decisions_in(work / "tamis-journal.jsonl")
    assert [t["id"] for t in traced] == [r["id"] for r in recorded]
    trace_keys = list(DecisionJson.__annotations__)
    assert trace_keys[0] == "resolution" and trace_keys[-1] == "trace"
    for line, content in zip(traced, recorded, strict=True):
        keys = ["id", "decision", "regle", "motif", "explication", *trace_keys]
        assert list(line) == keys
        assert {k: line[k] for k in trace_keys} == {k: content[k] for k in trace_keys}
        assert line["explication"] == content["explication"]


def test_decomposed_accents_in_an_invitation_match_the_policy(work: Path) -> None:
    Path("cafe.tamis").write_text('refuser si message contient "café"\nsinon examiner\n')
    texts = [unicodedata.normalize(form, "un café ?") for form in ("NFC", "NFD")]
    lines = [json.dumps({"id": form, "message": t}) for form, t in zip("CD", texts, strict=True)]
    result = decide("-p", "cafe.tamis", input="\n".join(lines) + "\n")
    assert [x["decision"] for x in json_lines(result.stdout)] == ["refuser", "refuser"]


def test_a_journal_in_a_folder_that_does_not_exist_names_the_folder(work: Path) -> None:
    """« export TAMIS_JOURNAL=~/linkedin/tamis-journal.jsonl » (docs/journal.md) before
    ~/linkedin exists: decider said « fichier introuvable » of the journal it was to create;
    the folder is what is missing (and copier said the same of its new file)."""
    journal = work / "linkedin" / "tamis-journal.jsonl"
    result = decide("-p", "p.tamis", "--journal", str(journal), "inv.jsonl")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Erreur : impossible d'ouvrir le journal {journal} : dossier introuvable.\n"
    )
    assert decide("-p", "p.tamis", "--journal", "j.jsonl", "inv.jsonl").exit_code == 0
    copy = work / "ailleurs" / "copie.jsonl"
    copied = CliRunner().invoke(cli, ["journal", "copier", "j.jsonl", str(copy)])
    assert copied.exit_code == 1
    assert copied.stderr == (
        f"Erreur : impossible de créer le journal {copy} : dossier introuvable.\n"
    )
