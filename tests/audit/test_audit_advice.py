"""The ``conseil`` record: advice journaled as its own event, its draft in the personal part,
erasable like a decision, verified, and never counted or listed as a decision."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from journal_helpers import checked, decide, invitation, just_now
from test_audit_personal import V2_JOURNAL, documented_verifier, run_documented

from tamis.audit import layout, personal
from tamis.audit.advice import AdviceEntry, Origin
from tamis.audit.journal import open_journal
from tamis.audit.reader import iter_records
from tamis.audit.verify import verify_journal
from tamis.cli.main import cli
from tamis.invitations.context import Context
from tamis.outreach import journaled
from tamis.outreach.advice import Draft, advise

COMMERCIAL = "Bonjour Julie, notre plateforme double vos ventes : réservez une démo gratuite!"
JULIE = Draft(
    "Julie Tremblay", COMMERCIAL, "https://www.linkedin.com/in/julie-t", "le Salon du marketing"
)
MARC = Draft(
    "Marc Gagnon", "Je vous invite à faire partie de mon réseau professionnel sur LinkedIn."
)
PERSONAL_WORDS = (b"Julie", b"julie-t", b"plateforme", b"Salon du marketing", "démo".encode())


def run(*args: str):
    return CliRunner().invoke(cli, ["journal", *args])


def record_advice(path: Path, draft: Draft) -> dict:
    advice = advise(draft, Context.empty())
    with open_journal(path) as journal:
        return journal.record_advice(journaled.entry(draft, advice, Origin.COMMAND, Context()))


@pytest.fixture
def mixed(tmp_path) -> Path:
    """Two decisions (n° 3, 4), advice on Julie (n° 5), a decision (n° 7: reopened after a
    record that names no policy, the journal records its policy again, n° 6), advice on Marc
    (n° 8)."""
    path, policy = tmp_path / "j.jsonl", checked()
    with open_journal(path) as journal:
        for number in (1, 2):
            journal.record_decision(decide(policy), policy=policy, invitation=invitation(number))
    record_advice(path, JULIE)
    with open_journal(path) as journal:
        journal.record_decision(decide(policy), policy=policy, invitation=invitation(3))
    record_advice(path, MARC)
    return path


def lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_the_record_keeps_the_draft_in_its_personal_part(mixed):
    raw = lines(mixed)[4]
    assert raw["evenement"] == "conseil" and raw["version"] == 3 and raw["seq"] == 5
    content = raw["contenu"]
    assert set(content) == {
        "constats", "id", "longueur_note", "modele_propose", "origine", "verdict", "version_tamis",
    }  # fmt: skip
    assert content["id"].startswith("conseil-") and len(content["id"]) == 24
    assert content["verdict"] == "à ne pas envoyer" and content["origine"] == "conseiller"
    assert [f["code"] for f in content["constats"]] == ["C001", "C004", "C007"]
    assert set(content["constats"][0]) == {
        "code", "constat", "fait", "gravite", "guide", "suggestion",
    }  # fmt: skip
    assert content["longueur_note"] == len(COMMERCIAL)
    public = layout.canonical(content)
    assert not any(word in public for word in PERSONAL_WORDS)
    data = raw[personal.KEY]["donnees"]
    assert data["destinataire"] == {
        "nom": "Julie Tremblay",
        "profil_url": "https://www.linkedin.com/in/julie-t",
    }
    assert data["message"] == COMMERCIAL
    assert data["contexte_rencontre"] == "le Salon du marketing"
    assert "plateforme" in data["constats"][0]["preuve"]
    assert "réservez" in data["constats"][0]["mots"]
    salt = bytes.fromhex(raw[personal.KEY]["sel"])
    pledge = hashlib.sha256(salt + layout.canonical(data)).hexdigest()
    assert personal.commitment(raw[personal.KEY]) == pledge


def test_readers_see_the_advice_as_tamis_conseiller_gave_it(mixed):
    advice = advise(JULIE, Context.empty()).to_json()
    read = [r for r in iter_records(mixed) if r["evenement"] == "conseil"]
    assert [r["seq"] for r in read] == [5, 8]
    assert read[0]["contenu"]["constats"] == advice["constats"]
    assert read[0]["contenu"]["destinataire"]["nom"] == "Julie Tremblay"
    assert read[1]["contenu"]["modele"] == advise(MARC, Context.empty()).skeleton
    assert read[1]["contenu"]["modele_propose"] is True


def test_the_chain_verifies_with_tamis_and_the_documented_verifier(mixed, tmp_path):
    result = verify_journal(mixed)
    assert result.ok and result.count == 8
    assert run_documented(documented_verifier(tmp_path), mixed).startswith("OK : 8 enregistrements")
    tampered = mixed.read_bytes().replace(b"Julie Tremblay", b"Julie Tremblat")
    mixed.write_bytes(tampered)
    broken = verify_journal(mixed)
    assert broken.problem is not None and broken.problem.line == 5
    assert broken.problem.kind == "modifie"


def test_chercher_stats_and_pourquoi_never_see_advice(mixed):
    for extra in ((), ("--sans-index",)):
        found = run("chercher", "--journal", str(mixed), "--format", "json", *extra)
        assert found.exit_code == 0
        rows = [orjson.loads(line) for line in found.stdout.splitlines()]
        assert [row["seq"] for row in rows] == [3, 4, 7]
        stats = run("stats", "--journal", str(mixed), "--format", "json", *extra)
        assert orjson.loads(stats.stdout)["total"] == 3
        by_name = run("chercher", "--journal", str(mixed), "--expediteur", "julie", *extra)
        assert "0 décision(s) trouvée(s)" in by_name.stderr
        why = run("pourquoi", "--journal", str(mixed), "julie", *extra)
        assert why.exit_code == 1
    exported = run("exporter", "--journal", str(mixed))
    assert [orjson.loads(line)["evenement"] for line in exported.stdout.splitlines()] == [
        "decision"
    ] * 3


def test_erase_advice_by_its_id_keeps_its_commitment_and_every_digest(mixed):
    before = lines(mixed)
    advice_id = before[4]["contenu"]["id"]
    pledge = personal.commitment(before[4][personal.KEY])
    result = run("effacer", "--journal", str(mixed), advice_id, "--motif", "demande", "--oui")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "1 conseil(s) effacé(s) (n° 5) ; motif : demande ; enregistrement « effacement » n° 9.\n"
    )
    after = lines(mixed)
    assert [r["empreinte"] for r in after[:8]] == [r["empreinte"] for r in before]
    stone = after[4][personal.KEY]
    assert stone == {
        "effacement": {"le": after[8]["horodatage"], "motif": "demande", "seq": 9},
        "engagement": pledge,
    }
    assert after[8]["contenu"] == {"effaces": [5], "motif": "demande", "nombre": 1}
    data = mixed.read_bytes()
    assert not any(word in data for word in PERSONAL_WORDS)
    assert b"Marc Gagnon" in data  # the other advice is untouched
    assert after[4]["contenu"] == before[4]["contenu"]  # verdict and codes stay
    verified = run("verifier", "--journal", str(mixed))
    assert verified.exit_code == 0
    assert verified.output.splitlines()[1:] == [
        "1 conseil(s) aux données personnelles effacées (effacements vérifiés)."
    ]
    read = next(r for r in iter_records(mixed) if r["seq"] == 5)
    assert read["contenu"]["effacement"]["motif"] == "demande"
    assert "destinataire" not in read["contenu"] and "preuve" not in read["contenu"]["constats"][0]


def test_erase_by_person_takes_their_decisions_and_the_advice_about_them(mixed):
    policy = checked()
    with open_journal(mixed) as journal:  # a decision on an invitation Julie sent
        journal.record_decision(
            decide(policy), policy=policy, invitation=invitation(8, "Julie Tremblay")
        )
    result = run(
        "effacer", "--journal", str(mixed), "--expediteur", "julie tremblay", "--motif", "loi 25",
        "--oui",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 décision(s) et 1 conseil(s) effacés (n° 5, 10)")
    assert b"Julie" not in mixed.read_bytes()
    out = run("verifier", "--journal", str(mixed)).output.splitlines()
    assert out[1:] == [
        "1 décision(s) aux données personnelles effacées (effacements vérifiés).",
        "1 conseil(s) aux données personnelles effacées (effacements vérifiés).",
    ]


def test_decision_only_filters_never_pick_advice(mixed):
    result = run(
        "effacer", "--journal", str(mixed), "--decision", "refuser", "--motif", "m", "--oui"
    )
    assert result.exit_code == 0
    assert result.output.startswith("3 décision(s) effacée(s)")
    assert b"Julie Tremblay" in mixed.read_bytes()


def test_purger_erases_old_advice_too(mixed):
    result = run("purger", "--journal", str(mixed), "--avant", just_now(), "--oui")
    assert result.exit_code == 0
    assert result.output.startswith("3 décision(s) et 2 conseil(s) effacés")
    assert b"Marc Gagnon" not in mixed.read_bytes()
    assert verify_journal(mixed).erased_advice == 2


def test_advice_data_put_back_after_erasure_is_caught(mixed):
    original = mixed.read_bytes().splitlines()[4]
    advice_id = orjson.loads(original)["contenu"]["id"]
    run("effacer", "--journal", str(mixed), advice_id, "--motif", "demande", "--oui")
    restored = mixed.read_bytes().splitlines()
    restored[4] = original
    mixed.write_bytes(b"\n".join(restored) + b"\n")
    result = verify_journal(mixed)
    assert result.problem is not None and result.problem.kind == "effacement"
    assert "données restaurées après effacement" in result.problem.message


def test_migrer_keeps_advice_as_written(tmp_path):
    old = tmp_path / "ancien.jsonl"
    old.write_bytes(V2_JOURNAL.read_bytes())
    written = record_advice(old, JULIE)
    new = tmp_path / "nouveau.jsonl"
    result = run("migrer", "--journal", str(old), str(new))
    assert result.exit_code == 0, result.output
    moved = [r for r in lines(new) if r["evenement"] == "conseil"]
    assert len(moved) == 1 and moved[0]["seq"] == written["seq"]
    kept = next(r for r in lines(old) if r["evenement"] == "conseil")
    assert moved[0][personal.KEY] == kept[personal.KEY] and moved[0]["contenu"] == kept["contenu"]
    assert verify_journal(new).ok


def test_an_advice_entry_without_optional_parts(tmp_path):
    path = tmp_path / "j.jsonl"
    advice = advise(Draft("Ana Roy", ""), Context.empty()).to_json()
    entry = AdviceEntry(advice, "Ana Roy", "", None, None, Origin.SERVICE, "ab" * 32)
    with open_journal(path) as journal:
        record = journal.record_advice(entry)
    raw = lines(path)[1]
    assert raw["contenu"]["contexte_sha256"] == "ab" * 32 and raw["contenu"]["origine"] == "service"
    assert raw[personal.KEY]["donnees"]["destinataire"] == {"nom": "Ana Roy"}
    assert "contexte_rencontre" not in raw[personal.KEY]["donnees"]
    assert record["seq"] == 2 and verify_journal(path).ok
