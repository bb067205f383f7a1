"""Writing: record content, ouverture and politique records, --minimiser, mode 0600."""

from __future__ import annotations

import itertools
import stat

import orjson
import structlog
from conftest import POLICY, checked, decide, fill, invitation
from journal_helpers import explained

from tamis.audit import layout
from tamis.audit.chain import ChainHead
from tamis.audit.errors import JournalError
from tamis.audit.journal import default_journal_path, open_journal
from tamis.audit.processors import audit_processors
from tamis.audit.reader import iter_records
from tamis.audit.sink import DurabilityMode
from tamis.audit.verify import verify_journal


def test_first_records_are_ouverture_then_politique_then_decision(journal_path, policy):
    fill(journal_path, policy, 2)
    records = list(iter_records(journal_path))
    assert [r["evenement"] for r in records] == ["ouverture", "politique", "decision", "decision"]
    assert [r["seq"] for r in records] == [1, 2, 3, 4]
    assert records[0]["precedente"] == layout.GENESIS
    assert records[1]["contenu"]["politique"]["source"] == POLICY
    assert all(r["precedente"] == p["empreinte"] for p, r in itertools.pairwise(records))


def test_decision_record_holds_what_pourquoi_and_rejouer_need(journal_path, policy):
    record = fill(journal_path, policy, 1)[0]
    content = record["contenu"]
    assert content["id"] == "inv-0"
    assert content["decision"] == "refuser" and content["regle"] == "photo"
    assert content["ligne"] == 2 and content["motif"] == "Pas de photo, pas de contact."
    assert content["faits"]["sans_photo"] is True
    assert content["invitation"]["expediteur"]["nom"] == "Jean Tremblay"
    assert content["politique"] == {
        "nom": "Essai",
        "chemin": "essai.tamis",
        "sha256": policy.sha256,
    }
    assert content["parametres"]["connexions_min"] == 50
    assert "sans_photo est vrai" in content["explication"]
    assert content["trace"][0]["regle"] == "photo" and content["trace"][0]["decisive"]
    assert [r["regle"] for r in content["declenchees"]] == ["photo", "ligne 5"]
    assert content["moteur"] == "natif" and content["version_tamis"]
    assert record["horodatage"].endswith("Z") and len(record["horodatage"]) == 27


def test_returned_record_is_already_in_the_file(journal_path, policy):
    with open_journal(journal_path, durability=DurabilityMode.GROUPEE) as journal:
        record = journal.record_decision(decide(policy), policy=policy, invitation=invitation(1))
        last = journal_path.read_bytes().splitlines()[-1]
        assert orjson.loads(last)["empreinte"] == record["empreinte"]


def test_policy_change_writes_a_new_politique_record_once(journal_path, policy):
    fill(journal_path, policy, 1)
    edited = checked(POLICY.replace("> 100", "> 200"))
    fill(journal_path, edited, 2)
    fill(journal_path, policy, 1)
    events = [
        (r["evenement"], r["contenu"].get("politique", {}).get("sha256"))
        for r in iter_records(journal_path)
    ]
    policies = [sha for event, sha in events if event == "politique"]
    assert policies == [policy.sha256, edited.sha256, policy.sha256]
    assert events.count(("ouverture", None)) == 1


def test_minimise_keeps_only_the_fields_the_policy_reads(journal_path):
    policy = checked('accepter si expediteur.nom = "Ana"\nsinon refuser\n')
    with open_journal(journal_path, minimise=True) as journal:
        decision = compile_policy_decide(policy, {"expediteur.nom": "Ana"})
        record = journal.record_decision(decision, policy=policy, invitation=invitation(3))
    assert record["contenu"]["invitation"] == {
        "id": "inv-3",
        "expediteur": {"nom": "Jean Tremblay"},
    }


def compile_policy_decide(policy, facts):
    from tamis.engine.compile import compile_policy

    return explained(policy, compile_policy(policy).decide(facts))


def test_new_journal_is_created_with_mode_0600(journal_path, policy):
    fill(journal_path, policy, 1)
    assert stat.S_IMODE(journal_path.stat().st_mode) == 0o600


def test_permissive_existing_journal_is_reported(journal_path, policy):
    fill(journal_path, policy, 1)
    journal_path.chmod(0o644)
    warnings: list[str] = []
    fill(journal_path, policy, 1, warn=warnings.append)
    assert any("chmod 600" in w and "données personnelles" in w for w in warnings)


def test_a_file_that_is_not_a_journal_is_refused_without_advice_on_its_mode(tmp_path, policy):
    """``--journal politique.tamis`` (a slip) was told « lisible par d'autres utilisateurs
    … alors qu'il contient des données personnelles ; corrigez avec : chmod 600 », then
    refused as no journal: the advice came first, about a file that held none."""
    other = tmp_path / "politique.tamis"
    other.write_text(POLICY, encoding="utf-8")
    other.chmod(0o644)
    warnings: list[str] = []
    try:
        fill(other, policy, 1, warn=warnings.append)
    except JournalError as error:
        assert "ce n'est pas un enregistrement de journal tamis" in str(error)
    else:
        raise AssertionError("un fichier qui n'est pas un journal a été accepté")
    assert warnings == [] and other.read_text(encoding="utf-8") == POLICY


def test_stricte_and_groupee_both_give_a_valid_chain(tmp_path, policy):
    for mode in DurabilityMode:
        path = tmp_path / f"{mode.value}.jsonl"
        fill(path, policy, 30, durability=mode, group_size=7, group_ms=5)
        assert verify_journal(path).ok and verify_journal(path).count == 32


def test_default_path_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TAMIS_JOURNAL", str(tmp_path / "j.jsonl"))
    assert default_journal_path() == tmp_path / "j.jsonl"
    monkeypatch.delenv("TAMIS_JOURNAL")
    assert str(default_journal_path()) == "tamis-journal.jsonl"


def test_processors_seal_a_record_that_a_capturing_logger_receives():
    head = ChainHead(seq=41, empreinte="a" * 64)
    capture = structlog.testing.CapturingLogger()
    log = structlog.wrap_logger(capture, processors=audit_processors(head), version=1)
    log.msg("decision", contenu={"id": "x"})
    (call,) = capture.calls
    line, record = b"".join(call.args[0]), call.kwargs["record"]
    assert record["seq"] == 42 and record["precedente"] == "a" * 64
    assert line.endswith(b"\n") and orjson.loads(line) == record
    assert layout.record_digest(record) == record["empreinte"]
    tail = layout.read_tail(line[:-1])
    assert tail is not None and layout.line_digest(line[:-1], tail) == record["empreinte"]


def test_os_error_messages_are_french_and_elided() -> None:
    import errno as errno_codes

    from tamis.audit.errors import os_error_message

    opening = os_error_message("j.jsonl", IsADirectoryError(21, "Is a directory"), "ouvrir")
    assert opening == "impossible d'ouvrir le journal j.jsonl : c'est un dossier, pas un fichier."
    reading = os_error_message("j.jsonl", OSError(errno_codes.EIO, "Input/output error"), "lire")
    assert reading == "impossible de lire le journal j.jsonl : erreur du système (EIO)."


def test_minimised_decisions_say_so_and_others_do_not(tmp_path):
    policy = checked('accepter si expediteur.nom = "Ana"\nsinon refuser\n')
    decision = compile_policy_decide(policy, {"expediteur.nom": "Ana"})
    contents = []
    for minimise in (True, False):
        with open_journal(tmp_path / f"{minimise}.jsonl", minimise=minimise) as journal:
            record = journal.record_decision(decision, policy=policy, invitation=invitation(3))
        contents.append(record["contenu"])
        assert record["version"] == 3
    assert contents[0]["minimise"] is True and "minimise" not in contents[1]
    assert verify_journal(tmp_path / "True.jsonl").ok


def test_a_closed_journal_refuses_a_write_and_touches_no_other_file(journal_path, policy, tmp_path):
    """A write after ``close`` (a service's request cut off at the stop, its journal closed
    meanwhile) locked and wrote the closed descriptor: an ``OSError``, or, once the number
    went to another file, the records written into that file."""
    with open_journal(journal_path, durability=DurabilityMode.GROUPEE) as journal:
        journal.record_decision(decide(policy), policy=policy, invitation=invitation(1))
    before = journal_path.read_bytes()
    other = tmp_path / "autre.txt"
    with other.open("ab"):  # the lowest free number: the journal's, just freed
        try:
            journal.record_decision(decide(policy), policy=policy, invitation=invitation(2))
        except JournalError as error:
            assert str(error) == f"{journal_path} : le journal est fermé (le service s'arrête)."
        else:
            raise AssertionError("écrit dans un journal fermé")
    assert other.read_bytes() == b"" and journal_path.read_bytes() == before
