"""``tamis decider`` on invitations the journal has already decided: « déjà décidée le … »,
``--redecider`` and ``--nouvelles``, on a journal file and on PostgreSQL (``pg_url``)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from tamis.audit.seen import FileLedger
from tamis.cli.main import cli
from tamis.invitations.reader import read_invitations
from tamis.invitations.seen import SeenIds
from tamis.triage.known import Reason
from tamis.triage.pipeline import SetupOptions, prepare
from tamis.triage.repeat import ACTIONS, Repeats, Rerun

POLICY = """\
politique "Essai"
règle "photo" : refuser si sans_photo
    motif "Pas de visage, pas de contact."
accepter si expediteur.connexions >= connexions_min
sinon examiner
"""
OTHER_POLICY = POLICY.replace('"Essai"', '"Autre"')
INVITATIONS = [
    {"id": "a-1", "expediteur": {"nom": "Marie Gagnon", "photo": False,
                                 "profil_url": "https://www.linkedin.com/in/marie-gagnon/"}},
    {"id": "a-2", "expediteur": {"nom": "Paul\x1b[31m Roy", "photo": True, "connexions": 120}},
    {"id": "a-3", "expediteur": {"nom": "Jeanne Roy", "photo": True}},
]  # fmt: skip
SKIPPED = "(--redecider pour les décider à nouveau)"


@pytest.fixture(params=["fichier", "postgresql"])
def journal(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A journal location, a file or a new PostgreSQL journal; the policies and invitations
    in the working folder; the time zone EST (UTC-5, no daylight time)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAMIS_JOURNAL", raising=False)
    monkeypatch.setenv("TZ", "EST+5")
    time.tzset()
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "autre.tamis").write_text(OTHER_POLICY, encoding="utf-8")
    write_invitations(tmp_path / "inv.jsonl", INVITATIONS)
    if request.param == "fichier":
        yield str(tmp_path / "j.jsonl")
    else:
        url = request.getfixturevalue("pg_url")
        assert tamis("journal", "initialiser", url).exit_code == 0
        yield url
    monkeypatch.undo()
    time.tzset()


def write_invitations(path: Path, invitations: list[dict]) -> None:
    lines = [json.dumps(x, ensure_ascii=False) for x in invitations]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def tamis(*args: str):
    return CliRunner().invoke(cli, list(args))


def decide(journal: str, *args: str, policy: str = "p.tamis", source: str = "inv.jsonl"):
    return tamis("decider", "-p", policy, "--journal", journal, *args, source)


def decisions(journal: str) -> list[dict]:
    result = tamis("journal", "exporter", "--journal", journal, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    records = [orjson.loads(line) for line in result.stdout.splitlines()]
    return [{**r["contenu"], "seq": r["seq"], "horodatage": r["horodatage"]} for r in records]


def local(horodatage: str) -> str:
    """A journal time as the EST zone of the fixture shows it, to the minute."""
    moment = datetime.fromisoformat(horodatage.replace("Z", "+00:00")) - timedelta(hours=5)
    return moment.strftime("%Y-%m-%d %H:%M")


def test_the_same_invitations_again_are_reported_and_not_decided_again(journal):
    first = decide(journal, "--format", "json")
    assert first.exit_code == 0, first.output
    when = {d["id"]: d["horodatage"] for d in decisions(journal)}
    again = decide(journal, "--format", "court")
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == [
        f"Marie Gagnon (linkedin.com/in/marie-gagnon) — déjà décidée le {local(when['a-1'])} EST"
        " : refuser, même politique et mêmes entrées",
        f"Paul\\x1b[31m Roy — déjà décidée le {local(when['a-2'])} EST : accepter, même politique"
        " et mêmes entrées",
        f"Jeanne Roy — déjà décidée le {local(when['a-3'])} EST : examiner, même politique et"
        " mêmes entrées",
    ]
    assert again.stderr == (
        f"0 invitation(s) décidée(s), 3 déjà décidée(s), non redécidée(s) {SKIPPED}.\n"
    )
    assert len(decisions(journal)) == 3


def test_texte_and_json_say_it_too_and_utc_keeps_the_journal_time(journal):
    decide(journal)
    when = {d["id"]: d["horodatage"] for d in decisions(journal)}
    texte = decide(journal, "--format", "texte", "--utc")
    utc = datetime.fromisoformat(when["a-1"].replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M")
    assert texte.stdout.splitlines()[0] == (
        f"a-1 : déjà décidée le {utc} UTC : refuser, même politique et mêmes entrées."
    )
    lines = [orjson.loads(line) for line in decide(journal, "--format", "json").stdout.splitlines()]
    seqs = {d["id"]: d["seq"] for d in decisions(journal)}
    assert lines[1] == {
        "id": "a-2",
        "statut": "deja_decidee",
        "raison": "memes_entrees",
        "decision": "accepter",
        "decidee_le": when["a-2"],
        "seq": seqs["a-2"],
    }


def test_what_changed_is_decided_again_and_the_rest_is_not(journal):
    decide(journal)
    changed = [dict(INVITATIONS[0], message="Bonjour Jade"), *INVITATIONS[1:]]
    write_invitations(Path("inv.jsonl"), changed)
    result = decide(journal, "--format", "json")
    assert [orjson.loads(line).get("statut") for line in result.stdout.splitlines()] == [
        None,
        "deja_decidee",
        "deja_decidee",
    ]
    assert result.stderr.startswith("1 invitation(s) décidée(s) (refuser 1), 2 déjà décidée(s)")
    parameter = decide(journal, "--parametre", "connexions_min=500")
    assert parameter.stderr == "3 invitation(s) décidée(s) (examiner 2, refuser 1).\n"
    policy = decide(journal, policy="autre.tamis")
    assert policy.stderr == "3 invitation(s) décidée(s) (accepter 1, examiner 1, refuser 1).\n"
    assert len(decisions(journal)) == 3 + 1 + 3 + 3


def test_redecider_decides_everything_again(journal):
    decide(journal)
    again = decide(journal, "--redecider")
    assert again.exit_code == 0
    assert again.stderr == "3 invitation(s) décidée(s) (accepter 1, examiner 1, refuser 1).\n"
    assert len(decisions(journal)) == 6


def test_nouvelles_decides_only_ids_the_journal_never_saw_whatever_the_policy(journal):
    decide(journal)
    more = [*INVITATIONS, {"id": "a-4", "expediteur": {"nom": "Zoé Côté", "photo": False}}]
    write_invitations(Path("plus.jsonl"), more)
    result = decide(
        journal, "--nouvelles", "--format", "court", policy="autre.tamis", source="plus.jsonl"
    )
    assert result.exit_code == 0
    assert (
        result.stdout.splitlines()[3]
        == "Zoé Côté — refuser — photo : Pas de visage, pas de contact. → Ignorer"
    )
    assert result.stdout.splitlines()[0].startswith(
        "Marie Gagnon (linkedin.com/in/marie-gagnon) — déjà décidée le "
    )
    assert result.stdout.splitlines()[0].endswith(" EST : refuser")
    assert result.stderr == (
        "1 invitation(s) décidée(s) (refuser 1), 3 déjà décidée(s), non redécidée(s)"
        " (--nouvelles : seules les invitations jamais décidées le sont).\n"
    )
    assert [d["id"] for d in decisions(journal)] == ["a-1", "a-2", "a-3", "a-4"]


def test_redecider_and_nouvelles_together_are_a_usage_error(journal):
    result = decide(journal, "--redecider", "--nouvelles")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Erreur : --redecider et --nouvelles s'excluent : l'un décide tout à nouveau, l'autre ne"
        " décide que les invitations jamais vues.\n"
    )


def test_an_id_given_twice_in_one_input_is_decided_once(journal):
    write_invitations(Path("deux.jsonl"), [INVITATIONS[0], INVITATIONS[1], INVITATIONS[0]])
    result = decide(journal, "--format", "texte", source="deux.jsonl")
    assert result.stdout.splitlines()[2] == (
        "a-1 : déjà décidée plus haut dans cette entrée : refuser."
    )
    assert result.stderr.splitlines() == [
        "deux.jsonl:3: avertissement : invitation « a-1 » : id déjà utilisé (deux.jsonl:1)",
        f"2 invitation(s) décidée(s) (accepter 1, refuser 1), 1 déjà décidée(s), non redécidée(s)"
        f" {SKIPPED}.",
    ]
    assert [d["id"] for d in decisions(journal)] == ["a-1", "a-2"]


def test_json_gives_no_time_nor_number_for_an_id_decided_earlier_in_the_same_input(journal):
    """The first decision of that id is journaled by this very run: its time and number are
    the journal's, not known when the line is printed, so none is made up."""
    write_invitations(Path("deux.jsonl"), [INVITATIONS[0], INVITATIONS[1], INVITATIONS[0]])
    result = decide(journal, "--format", "json", source="deux.jsonl")
    assert orjson.loads(result.stdout.splitlines()[2]) == {
        "id": "a-1",
        "statut": "deja_decidee",
        "raison": "meme_entree",
        "decision": "refuser",
        "decidee_le": None,
        "seq": None,
    }


def test_rejected_records_keep_exit_3_beside_known_ones(journal):
    decide(journal)
    Path("inv.jsonl").write_text(Path("inv.jsonl").read_text() + '{"id": 7}\n', encoding="utf-8")
    result = decide(journal)
    assert result.exit_code == 3
    assert result.stderr.endswith(
        f"0 invitation(s) décidée(s), 3 déjà décidée(s), non redécidée(s) {SKIPPED},"
        " 1 rejetée(s).\n"
    )


def test_a_minimised_journal_compares_what_it_kept(journal):
    decide(journal, "--minimiser")
    again = decide(journal, "--minimiser")
    assert again.stderr.startswith("0 invitation(s) décidée(s), 3 déjà décidée(s)")
    whole = decide(journal)  # the journal would now hold the whole invitation: other inputs
    assert whole.stderr == "3 invitation(s) décidée(s) (accepter 1, examiner 1, refuser 1).\n"


# --- the file journal: erasure, damage, index and scan ----------------------------------


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAMIS_JOURNAL", raising=False)
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    write_invitations(tmp_path / "inv.jsonl", INVITATIONS)
    return tmp_path


def test_an_erased_invitation_is_not_decided_again_by_a_routine_run(journal):
    decide(journal, "--utc")
    erased = tamis("journal", "effacer", "a-1", "--journal", journal, "--motif", "demande", "--oui")
    assert erased.exit_code == 0, erased.output
    again = decide(journal, "--format", "texte", "--utc")
    first = again.stdout.splitlines()[0]
    assert first.startswith("a-1 : déjà décidée le ")
    assert first.endswith(
        " UTC : refuser, même politique ; ses données personnelles ont été effacées depuis."
    )
    json_line = orjson.loads(decide(journal, "--format", "json").stdout.splitlines()[0])
    assert json_line["raison"] == "donnees_effacees"
    assert [d["id"] for d in decisions(journal)] == ["a-1", "a-2", "a-3"]  # nothing new
    redecided = decide(journal, "--redecider")
    assert redecided.stderr.startswith("3 invitation(s) décidée(s)")


def test_the_index_answers_and_the_scan_gives_the_same(folder):
    decide("j.jsonl")
    decide("j.jsonl", "--redecider", "--parametre", "connexions_min=500")
    ids = ["a-1", "a-2", "a-3", "absent"]
    with (
        FileLedger("j.jsonl", print) as indexed,
        FileLedger("j.jsonl", print, index=False) as scanned,
    ):
        from_index, from_scan = indexed.latest(ids), scanned.latest(ids)
        assert indexed.index is not None and scanned.scanned is not None
    assert from_index == from_scan and set(from_index) == {"a-1", "a-2", "a-3"}
    assert from_index["a-2"].decision == "examiner" and from_index["a-2"].seq == 7
    assert Path("j.jsonl.index.sqlite").exists()


def test_a_damaged_journal_is_still_looked_up(folder):
    decide("j.jsonl")
    lines = Path("j.jsonl").read_bytes().split(b"\n")
    Path("j.jsonl").write_bytes(b"\n".join([lines[0], b"", *lines[1:]]))
    again = decide("j.jsonl")
    assert again.exit_code == 0
    assert "3 déjà décidée(s)" in again.stderr


def test_a_fresh_journal_is_never_indexed(folder):
    decide("j.jsonl")
    assert not Path("j.jsonl.index.sqlite").exists()


def test_the_reader_and_the_run_share_one_table_of_ids(folder) -> None:
    """One table for both uses: the reader keeps each id with its place, the run marks the
    same entry with its first action; a later duplicate is known from it."""
    seen = SeenIds()
    write_invitations(Path("deux.jsonl"), [INVITATIONS[0], INVITATIONS[1], INVITATIONS[0]])
    records = list(read_invitations("deux.jsonl", name="deux.jsonl", seen=seen))
    setup = prepare(SetupOptions("p.tamis"))
    repeats = Repeats(setup, FileLedger("absent.jsonl", print), Rerun.CHANGED, minimise=False,
                      seen=seen)  # fmt: skip
    first = repeats.outcomes(records[:2])
    repeats.remember(first)  # type: ignore[arg-type]
    [again] = repeats.outcomes(records[2:])
    assert [o.decision.action.value for o in first] == ["refuser", "accepter"]
    assert again.reason is Reason.SAME_RUN and again.previous.decision == "refuser"
    assert len(seen) == 2 and seen.place("a-1") == 1 and seen.place("a-2") == 2
    assert seen.marked("a-1") == ACTIONS.index("refuser") + 1
