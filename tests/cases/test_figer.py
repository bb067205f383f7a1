"""``tamis journal figer``: real decisions from the journal become cases that ``tamis tester``
runs; erased or minimised records are refused with their reason."""

from __future__ import annotations

import json
import shutil
import stat
import tomllib
from pathlib import Path

import pytest
from cases_helpers import run_tester
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from tamis.cases.freeze import freeze, received, refusal
from tamis.cli.main import cli

POLICIES = Path(__file__).resolve().parents[2] / "policies"
INVITATIONS = POLICIES / "exemples" / "invitations.jsonl"
CONTEXT = POLICIES / "exemples" / "tamis.toml"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """blogue.tamis and a journal of the 44 example decisions (the second one minimised)."""
    shutil.copy(POLICIES / "blogue.tamis", tmp_path / "blogue.tamis")
    journal = str(tmp_path / "journal.jsonl")
    decided = invoke("decider", "-p", str(tmp_path / "blogue.tamis"), "--contexte",
                     str(CONTEXT), "--journal", journal, str(INVITATIONS))  # fmt: skip
    assert decided.exit_code == 0, decided.output
    minimised = tmp_path / "minimised.jsonl"
    invoke("decider", "-p", str(tmp_path / "blogue.tamis"), "--minimiser", "--journal",
           str(minimised), str(INVITATIONS))  # fmt: skip
    return tmp_path


def figer(folder: Path, *args: str):
    return invoke("journal", "figer", "--journal", str(folder / "journal.jsonl"), *args)


def test_frozen_decisions_become_passing_cases(folder: Path) -> None:
    out = folder / "blogue.cas.toml"
    result = figer(folder, "inv-02", "inv-04", "--contexte", str(CONTEXT), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.endswith(f"2 cas figé(s) dans {out}.\n")
    document = tomllib.loads(out.read_text(encoding="utf-8"))
    first = document["cas"][0]
    assert first["nom"] == "inv-02"
    assert first["attendu"] == {"decision": "refuser", "regle": "message par défaut"}
    recorded = json.loads(INVITATIONS.read_text(encoding="utf-8").splitlines()[1])
    assert first["invitation"] == recorded
    assert len(first["contexte_sha256"]) == 64
    assert (folder / first["contexte"]).resolve() == CONTEXT.resolve()
    tested = run_tester(str(out))
    assert tested.exit_code == 0, tested.output
    assert tested.output == "2 réussis, 0 échoué\n"


def test_a_new_cases_file_is_private_and_an_existing_one_keeps_its_mode(folder: Path) -> None:
    """The frozen invitations are third parties' names and messages: a cases file figer
    creates is readable by its owner only (0600, as exports), not by everyone (0644)."""
    new, shared = folder / "nouveaux.cas.toml", folder / "partages.cas.toml"
    shared.write_text("", encoding="utf-8")
    shared.chmod(0o640)
    for out in (new, shared):
        assert figer(folder, "inv-02", "--contexte", str(CONTEXT), "-o", str(out)).exit_code == 0
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640


def test_a_frozen_case_catches_a_policy_change(folder: Path) -> None:
    out = folder / "blogue.cas.toml"
    figer(folder, "inv-02", "--contexte", str(CONTEXT), "-o", str(out))
    policy = folder / "blogue.tamis"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("refuser si message_par_defaut", "examiner si faux"), "utf-8")
    tested = run_tester(str(out))
    assert tested.exit_code == 1
    assert "    - décision : attendu refuser, obtenu ignorer\n" in tested.output


def test_filters_select_and_names_stay_unique(folder: Path) -> None:
    out = folder / "blogue.cas.toml"
    assert figer(folder, "inv-02", "-o", str(out)).exit_code == 0
    result = figer(folder, "--decision", "examiner", "--regle", "sinon", "-o", str(out))
    assert result.exit_code == 0, result.output
    names = [c["nom"] for c in tomllib.loads(out.read_text(encoding="utf-8"))["cas"]]
    assert names[0] == "inv-02" and len(names) == 4
    again = figer(folder, "inv-02", "-o", str(out))
    names = [c["nom"] for c in tomllib.loads(out.read_text(encoding="utf-8"))["cas"]]
    assert names[-1] == "inv-02 (2)"
    assert "sans --contexte, le cas prendra celui du fichier de cas" in again.output


def test_unknown_ids_fail_but_the_others_are_written(folder: Path) -> None:
    result = figer(folder, "inv-02", "inv-999")
    assert result.exit_code == 1
    assert '[[cas]]\nnom = "inv-02"\n' in result.output
    assert "erreur : aucune décision pour l'invitation « inv-999 »" in result.output


def test_minimised_records_are_refused(folder: Path) -> None:
    result = invoke(
        "journal", "figer", "--journal", str(folder / "minimised.jsonl"), "inv-03", "inv-04"
    )
    assert result.exit_code == 1
    assert (
        "refusée : « inv-03 » (enregistrement n° 5) : décision journalisée avec --minimiser :"
        " l'invitation n'a gardé que les champs que la politique d'alors lisait ; rejouée,"
        " elle ne dirait pas la même chose" in result.output
    )
    assert "Aucun cas figé." in result.output


def test_nothing_selected_is_a_usage_error(folder: Path) -> None:
    result = figer(folder)
    assert result.exit_code == 2
    assert "Erreur : donnez au moins un ID d'invitation ou un filtre." in result.output


def test_an_unreadable_output_file_is_left_alone(folder: Path) -> None:
    out = folder / "casse.cas.toml"
    out.write_text("[[cas]\n", encoding="utf-8")
    result = figer(folder, "inv-02", "-o", str(out))
    assert result.exit_code == 1
    assert "casse.cas.toml : fichier de cas illisible, rien n'a été ajouté" in result.output
    assert out.read_text(encoding="utf-8") == "[[cas]\n"


def test_an_output_in_a_folder_that_does_not_exist_says_so(folder: Path) -> None:
    """It said « écriture impossible (fichier introuvable) » of the file it was to create."""
    out = folder / "absent" / "jade.cas.toml"
    result = figer(folder, "inv-02", "-o", str(out))
    assert result.exit_code == 1
    assert f"{out} : écriture impossible (dossier introuvable) ; rien n'a été ajouté." in (
        result.stderr
    )


def test_why_an_output_file_is_unreadable_is_said_in_french(folder: Path) -> None:
    """The reason was Python's English: « [Errno 21] Is a directory: '…' », « Expected ']]'
    at the end of an array declaration (at line 1, column 6) », « 'utf-8' codec can't … »."""
    (folder / "latin.cas.toml").write_bytes(b"# \xe9\n")
    (folder / "casse.cas.toml").write_text("[[cas]\n", encoding="utf-8")
    reasons = {
        "dossier": "c'est un dossier, pas un fichier",
        "casse.cas.toml": "syntaxe TOML invalide, ligne 1, colonne 6 : « ]] » attendu pour"
        " fermer le nom de la table",
        "latin.cas.toml": "le fichier n'est pas en UTF-8 (octet 0xe9 à la ligne 1, colonne 3) ;"
        " réenregistrez-le en UTF-8",
    }
    (folder / "dossier").mkdir()
    for name, reason in reasons.items():
        result = figer(folder, "inv-02", "-o", str(folder / name))
        assert result.exit_code == 1
        assert result.stderr == (
            f"Erreur : {folder / name} : fichier de cas illisible, rien n'a été ajouté"
            f" ({reason}).\n"
        )


def test_an_output_that_is_a_device_is_written_not_read(folder: Path) -> None:
    """-o /dev/full (or /dev/zero) was read first, for the names of the cases it holds, and
    that read never ended: figer took all the memory until the system killed it. A device is
    only written to: « disque plein » for /dev/full, the cases for /dev/null. (Run with its
    memory bounded, so that a regression fails here instead of exhausting the machine.)"""
    import resource
    import subprocess
    import sys

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    for output, code, said in [
        ("/dev/full", 1, "/dev/full : écriture impossible (disque plein) ; rien n'a été ajouté."),
        ("/dev/null", 0, "1 cas figé(s) dans /dev/null."),
    ]:
        done = subprocess.run(
            [sys.executable, "-c", "from tamis.cli.main import main; main()", "journal",
             "figer", "--journal", str(folder / "journal.jsonl"), "inv-02", "-o", output],
            capture_output=True, text=True, timeout=120, preexec_fn=bounded,
        )  # fmt: skip
        assert done.returncode == code, done.stderr
        assert said in done.stderr and "Traceback" not in done.stderr


def test_a_full_disk_leaves_the_cases_file_as_it_was(folder: Path, full_disk: Path) -> None:
    """The file was rewritten whole (read, then written back with the new cases): a full disk
    left it cut in the middle of a case, no longer TOML, and the message was English (« No
    space left on device »). Now the cases are appended, or cut off again."""
    out = full_disk / "blogue.cas.toml"
    assert figer(folder, "inv-02", "-o", str(out)).exit_code == 0
    before = out.read_bytes()
    (full_disk / "remplissage").write_bytes(b"x" * 8192)  # a page of 4 KiB left, and a bit
    many = [f"inv-{n:02d}" for n in range(3, 13)]  # about 10 KiB of cases
    result = figer(folder, *many, "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr.endswith(
        f"Erreur : {out} : écriture impossible (disque plein) ; rien n'a été ajouté.\n"
    )
    assert out.read_bytes() == before
    fresh = full_disk / "nouveau.cas.toml"
    assert figer(folder, *many, "-o", str(fresh)).exit_code == 1
    assert not fresh.exists()
    (full_disk / "remplissage").unlink()
    assert figer(folder, *many, "-o", str(out)).exit_code == 0
    assert len(tomllib.loads(out.read_text(encoding="utf-8"))["cas"]) == 1 + len(many)


def test_erased_records_are_refused() -> None:
    record = {
        "seq": 12,
        "contenu": {
            "id": "inv-07",
            "decision": "refuser",
            "effacement": {"le": "2026-11-30T10:00:00Z", "motif": "demande", "seq": 40},
        },
    }
    refused = refusal(record)
    assert refused is not None
    assert refused.where == "« inv-07 » (enregistrement n° 12)"
    assert refused.reason == (
        "ses données personnelles ont été effacées (2026-11-30T10:00:00Z) : plus d'invitation"
        " à figer"
    )


def test_a_null_note_stays_no_note_and_other_nulls_stay_unknown() -> None:
    assert received({"id": "a", "message": None, "expediteur": {"photo": None, "nom": "x"}}) == {
        "id": "a",
        "message": "",
        "expediteur": {"nom": "x"},
    }


def test_any_text_survives_the_toml_round_trip() -> None:
    tricky = 'a "b" \\ c\n\td\x7f é 🦫 \x01'
    record = {
        "seq": 3,
        "horodatage": "2026-12-01T00:00:00Z",
        "contenu": {
            "id": "x",
            "decision": "examiner",
            "regle": "sinon",
            "politique": {"nom": "P", "sha256": "ab" * 32},
            "invitation": {"id": "x", "message": tricky, "expediteur": {"nom": tricky}},
        },
    }
    text = freeze(record, tricky, journal="j.jsonl").text
    case = tomllib.loads(text)["cas"][0]
    assert case["nom"] == tricky
    assert case["invitation"] == {"id": "x", "message": tricky, "expediteur": {"nom": tricky}}


_SCALARS = st.one_of(
    st.text(), st.booleans(), st.integers(-(2**53), 2**53), st.floats(allow_nan=False,
    allow_infinity=False), st.none()
)  # fmt: skip
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner.filter(lambda v: v is not None), max_size=3)
        | st.dictionaries(st.text(min_size=1), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(st.dictionaries(st.text(min_size=1), _VALUES, max_size=5))
def test_any_recorded_invitation_reads_back_as_written(invitation: dict) -> None:
    invitation = {"id": "x", **invitation}
    record = {"seq": 1, "contenu": {"id": "x", "decision": "examiner", "regle": "sinon",
                                    "invitation": invitation}}  # fmt: skip
    case = tomllib.loads(freeze(record, "x", journal="j").text)["cas"][0]
    assert case.get("invitation", {}) == received(invitation)


def test_nothing_found_writes_nothing_and_says_so(folder: Path) -> None:
    """« --regle Photo » (the rule is « photo ») froze nothing and said « 0 cas figé(s) dans
    f.cas.toml. », naming a file it had not written."""
    out = folder / "f.cas.toml"
    result = figer(folder, "--regle", "Photo", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert not out.exists()
    assert result.stderr == (
        "avertissement : --regle « Photo » : aucune décision du journal n'a cette règle (les noms"
        " comptent les majuscules et les accents) ; vouliez-vous dire « photo » ?\n"
        f"Aucun cas figé : rien n'a été écrit dans {out}.\n"
    )
