"""``tamis journal effacer`` and ``purger``: personal data gone from the journal and its index,
the decision still explained, every erasure checked by ``verifier``, tampering caught."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import checked, decide, invitation, just_now
from test_audit_personal import V2_JOURNAL, documented_verifier, run_documented

from tamis.audit import blocks, layout
from tamis.audit.index import index_path
from tamis.audit.journal import open_journal
from tamis.audit.verify import Problem, verify_journal
from tamis.cli.main import cli

NAMES = ["Julie Tremblay", "Marc Gagnon", "Ana Roy", "Luc Côté", "Julie Tremblay", "Zoé Lévesque"]


def run(*args, input=None):
    return CliRunner().invoke(cli, ["journal", *args], input=input)


@pytest.fixture
def journal(tmp_path) -> Path:
    """Six decisions (n° 3 to 8), each sender with their own profile URL and message."""
    path = tmp_path / "j.jsonl"
    policy = checked()
    with open_journal(path) as writer:
        for number, name in enumerate(NAMES):
            sent = invitation(number, name) | {"message": f"Bonjour, ici {name} ({number})"}
            explained = decide(
                policy,
                photo=number % 2 == 0,
                connexions=500,
                evidence={"sans_photo": f"photo absente sur {sent['expediteur']['profil_url']}"},
            )
            writer.record_decision(explained, policy=policy, invitation=sent)
    return path


def personal_bytes(number: int) -> list[bytes]:
    return [f"linkedin.com/in/p{number}".encode(), f"ici {NAMES[number]} ({number})".encode()]


def erase(journal: Path, *args: str, motif: str = "demande de la personne"):
    result = run("effacer", "--journal", str(journal), *args, "--motif", motif, "--oui")
    assert result.exit_code == 0, result.output
    return result


def verified(journal: Path):
    result = run("verifier", "--journal", str(journal))
    assert result.exit_code == 0, result.output
    return result.output


def test_erase_by_id(journal):
    assert run("chercher", "--journal", str(journal)).exit_code == 0  # builds the index
    assert b"in/p1" in index_path(journal).read_bytes()
    result = erase(journal, "inv-1", "inv-3")
    assert result.output == (
        "2 décision(s) effacée(s) (n° 4, 6) ; motif : demande de la personne ; "
        "enregistrement « effacement » n° 9.\n"
    )
    data = journal.read_bytes()
    for gone in (*personal_bytes(1), *personal_bytes(3), b"Marc Gagnon", "Luc Côté".encode()):
        assert gone not in data
    assert all(kept in data for kept in personal_bytes(2))
    assert "2 décision(s) aux données personnelles effacées" in verified(journal)
    found = run("chercher", "--journal", str(journal), "--expediteur", "gagnon")
    assert "0 décision(s) trouvée(s)" in found.stderr
    index = index_path(journal).read_bytes()
    assert b"in/p1" not in index and b"Gagnon" not in index and b"in/p2" in index


def test_a_motif_with_control_characters_is_shown_escaped(journal):
    """The summary printed the motif as given: a terminal escape in a motif pasted from an
    email ran, and a line break split the line, while ``pourquoi`` shows it escaped."""
    result = erase(journal, "inv-1", motif="courriel\x1b[2J du\n2 décembre")
    assert result.output == (
        "1 décision(s) effacée(s) (n° 4) ; motif : courriel\\x1b[2J du\\n2 décembre ; "
        "enregistrement « effacement » n° 9.\n"
    )
    why = run("pourquoi", "--journal", str(journal), "inv-1")
    assert "(courriel\\x1b[2J du\\n2 décembre)" in why.output


def test_an_id_that_selects_nothing_is_an_error_and_the_others_are_erased(journal):
    """« effacer inv-7 » (a typo: inv-1) said « Aucune décision ni aucun conseil à effacer. » and
    ended with code 0: a script answering an erasure request believed it done."""
    before = journal.read_bytes()
    alone = run("effacer", "--journal", str(journal), "inv-77", "--motif", "m", "--oui")
    assert alone.exit_code == 1
    assert alone.stderr == (
        f"erreur : aucune décision ni aucun conseil choisi pour « inv-77 » dans {journal} :"
        " rien n'est effacé pour cet identifiant\n"
    )
    assert journal.read_bytes() == before
    both = run("effacer", "--journal", str(journal), "inv-77", "inv-1", "--motif", "m", "--oui")
    assert both.exit_code == 1
    assert "« inv-77 »" in both.stderr and "« inv-1 »" not in both.stderr
    assert both.stdout.startswith("1 décision(s) effacée(s) (n° 4) ; motif : m ;")
    again = run("effacer", "--journal", str(journal), "inv-1", "--motif", "m", "--oui")
    assert again.exit_code == 0  # erased already: chosen, not missing
    assert "1 enregistrement(s) choisi(s) déjà effacé(s)." in again.stderr


def test_erase_by_sender_name_or_url(journal):
    erase(journal, "--expediteur", "julie tremblay")
    data = journal.read_bytes()
    assert b"Julie Tremblay" not in data and b"in/p0" not in data and b"in/p4" not in data
    erase(journal, "--expediteur", "linkedin.com/in/p5")
    assert "Lévesque".encode() not in journal.read_bytes()
    out = verified(journal)
    assert "OK : 10 enregistrement(s)" in out and "3 décision(s) aux données" in out


def test_erase_by_a_profile_url_pasted_from_the_browser(journal):
    """The address as the browser shows it (final « / », ``ca.``, ``?trk=…``) erased nothing,
    « Aucune décision ni aucun conseil à effacer. », exit 0: the recorded URL has none of
    them. ``chercher`` and ``GET …/journal`` found nothing either; only ``pourquoi`` did."""
    pasted = "https://ca.linkedin.com/in/P3/?trk=public_profile"
    found = run("chercher", "--journal", str(journal), "--expediteur", pasted)
    assert "1 décision(s) trouvée(s)" in found.stderr
    result = erase(journal, "--expediteur", pasted)
    assert result.output.startswith("1 décision(s) effacée(s) (n° 6) ;")
    assert all(p not in journal.read_bytes() for p in personal_bytes(3))


def test_an_expediteur_of_spaces_erases_nobody(journal):
    """Normalising a pasted URL must not turn « --expediteur "  " » into a match-all."""
    before = journal.read_bytes()
    result = run("effacer", "--journal", str(journal), "--expediteur", "  ", "--motif", "m",
                 "--oui")  # fmt: skip
    assert result.exit_code != 0 or "Aucune décision" in result.output
    assert journal.read_bytes() == before


def test_erase_by_filter(journal):
    erase(journal, "--decision", "refuser")  # the even ones (no photo)
    data = journal.read_bytes()
    assert all(p not in data for n in (0, 2, 4) for p in personal_bytes(n))
    assert all(p in data for n in (1, 3, 5) for p in personal_bytes(n))
    assert "3 décision(s) aux données" in verified(journal)


def age(journal: Path, days: int) -> None:
    """Move every record ``days`` back in time and re-seal the chain (as if written then)."""
    moment = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    previous, lines = layout.GENESIS, []
    for line in journal.read_bytes().splitlines():
        record = orjson.loads(line)
        record.update(horodatage=moment, precedente=previous)
        record.pop("empreinte")
        record["empreinte"] = previous = layout.record_digest(record)
        lines.append(layout.canonical(record) + b"\n")
    journal.write_bytes(b"".join(lines))


def test_purger_with_the_context_retention_and_with_a_date(journal, tmp_path):
    context = tmp_path / "tamis.toml"
    context.write_text('conservation = "365j"\n', encoding="utf-8")
    fresh = run("purger", "--journal", str(journal), "--contexte", str(context), "--oui")
    assert fresh.exit_code == 0 and fresh.output == "Aucune décision ni aucun conseil à effacer.\n"
    age(journal, 400)
    with open_journal(journal) as writer:  # one recent decision, kept
        writer.record_decision(decide(checked()), policy=checked(), invitation=invitation(9))
    old = run("purger", "--journal", str(journal), "--contexte", str(context), "--oui")
    assert old.exit_code == 0
    assert "6 décision(s) effacée(s)" in old.output
    assert "motif : durée de conservation (365 jours)" in old.output
    assert b"in/p9" in journal.read_bytes() and b"in/p0" not in journal.read_bytes()
    result = run("purger", "--journal", str(journal), "--avant", just_now(), "--oui")
    assert result.exit_code == 0 and "1 décision(s) effacée(s)" in result.output
    assert "7 décision(s) aux données" in verified(journal)


@pytest.mark.parametrize("when", ["9999-12-31", "tomorrow", "in a minute"])
def test_purger_refuses_a_date_still_to_come(journal, when):
    """``purger --avant 9999-12-31 --oui`` erased every decision, today's too, without a
    word: a retention date still to come (a typo, or a way of saying « everything ») is a
    usage error naming --avant and the date, and effacer, which chooses recent decisions."""
    soon = datetime.now(UTC) + {
        "tomorrow": timedelta(days=1),
        "in a minute": timedelta(minutes=2),
    }.get(when, timedelta())
    avant = {
        "tomorrow": soon.date().isoformat(),
        "in a minute": soon.strftime("%Y-%m-%dT%H:%M"),
    }.get(when, when)
    before = journal.read_bytes()
    refused = run("purger", "--journal", str(journal), "--avant", avant, "--oui")
    assert refused.exit_code == 2, refused.output
    assert f"Erreur : --avant : le {avant} n'est pas encore passé ; purger effacerait" in (
        refused.output
    )
    assert f"tamis journal effacer (p. ex. --jusqu-a {avant} --motif …)" in refused.output
    assert journal.read_bytes() == before
    today = datetime.now(UTC).date().isoformat()  # midnight, passed: the decisions are after
    kept = run("purger", "--journal", str(journal), "--avant", today, "--oui")
    assert kept.exit_code == 0 and kept.output == "Aucune décision ni aucun conseil à effacer.\n"


def test_retention_errors_are_french(journal, tmp_path):
    context = tmp_path / "tamis.toml"
    context.write_text('conservation = "un an"\n', encoding="utf-8")
    bad = run("purger", "--journal", str(journal), "--contexte", str(context))
    assert bad.exit_code == 1 and 'écrivez une durée en jours, p. ex. "365j"' in bad.output
    context.write_text("", encoding="utf-8")
    none = run("purger", "--journal", str(journal), "--contexte", str(context))
    assert none.exit_code == 2 and "n'indique pas de durée de conservation" in none.output
    date = run("purger", "--journal", str(journal), "--avant", "hier")
    assert date.exit_code == 2 and "--avant : date illisible « hier »" in date.output
    nothing = run("purger", "--journal", str(journal))
    assert nothing.exit_code == 2 and "indiquez --avant DATE" in nothing.output


def test_after_erasure_pourquoi_still_explains_the_decision(journal):
    erase(journal, "inv-0", motif="demande du 2 décembre")
    result = run("pourquoi", "inv-0", "--journal", str(journal))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[1:3] == ["Décision : refuser", "Règle : « photo », ligne 2"]
    assert "Motif : Pas de photo, pas de contact." in lines
    assert '     2 | règle "photo" : refuser si sans_photo ou profil_entreprise' in lines
    erased = next(line for line in lines if line.startswith("Données personnelles effacées le "))
    assert erased.endswith(
        "(demande du 2 décembre) : l'invitation, l'explication et les valeurs qui la citaient "
        "ne sont plus au journal (effacement n° 9)."
    )
    assert "    sans_photo → vrai" in lines  # non-personal condition values stay
    assert "Tremblay" not in result.output and "photo absente" not in result.output
    data = json.loads(
        run("pourquoi", "inv-0", "--journal", str(journal), "--format", "json").stdout
    )
    assert data["effacement"]["motif"] == "demande du 2 décembre" and data["explication"] is None


def test_rejouer_skips_erased_decisions_and_says_how_many(journal, tmp_path, monkeypatch):
    erase(journal, "inv-0", "inv-1")
    policy = tmp_path / "p.tamis"
    policy.write_text("accepter si sans_photo\nsinon refuser\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["rejouer", "-p", str(policy), "--journal", str(journal), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["effacees"] == 2 and report["total"] == 4 and report["rejetees"] == []
    assert "2 décision(s) du journal n'ont pas été rejouées" in result.stderr


def test_exporter_marks_erased_decisions(journal, tmp_path):
    erase(journal, "inv-2", motif="fin de la relation")
    lines = run("exporter", "--journal", str(journal)).stdout.splitlines()
    records = {json.loads(line)["contenu"]["id"]: json.loads(line) for line in lines}
    assert records["inv-2"]["contenu"]["effacement"]["motif"] == "fin de la relation"
    assert "invitation" not in records["inv-2"]["contenu"]
    assert "effacement" not in records["inv-3"]["contenu"]
    out = tmp_path / "e.csv"
    assert (
        run("exporter", "--journal", str(journal), "--format", "csv", "-o", str(out)).exit_code == 0
    )
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0].endswith(",donnees_effacees")
    assert rows[3].endswith("Z (fin de la relation)") and rows[4].endswith(",")


def test_seals_stay_valid_after_erasure(journal, tmp_path):
    seals = tmp_path / "s.jsonl"
    assert run("sceller", "--journal", str(journal), "-o", str(seals)).exit_code == 0
    erase(journal, "--expediteur", "tremblay")
    result = run("verifier", "--journal", str(journal), "--sceau", str(seals))
    assert result.exit_code == 0 and "Sceaux OK : 1 sceau(x)" in result.output


def tamper(journal: Path, seq: int, change) -> None:
    lines = journal.read_bytes().splitlines(keepends=True)
    record = orjson.loads(lines[seq - 1])
    change(record)
    lines[seq - 1] = layout.canonical(record) + b"\n"
    journal.write_bytes(b"".join(lines))


def failure(journal: Path) -> str:
    result = run("verifier", "--journal", str(journal))
    assert result.exit_code == 1, result.output
    return result.output


def test_restored_data_is_caught(journal):
    before = orjson.loads(journal.read_bytes().splitlines()[4])  # n° 5, inv-2
    erase(journal, "inv-2")
    tamper(journal, 5, lambda r: r.update(donnees_personnelles=before["donnees_personnelles"]))
    assert failure(journal) == (
        f"ÉCHEC : {journal}:ligne 9 : l'effacement n° 9 liste le n° 5, dont les données "
        "personnelles sont de nouveau présentes — données restaurées après effacement.\n"
    )


def test_a_changed_tombstone_is_caught(journal):
    erase(journal, "inv-2")
    tamper(journal, 5, lambda r: r["donnees_personnelles"]["effacement"].update(motif="autre"))
    assert "ligne 5 : la pierre tombale du n° 5 ne correspond pas à l'effacement n° 9" in (
        failure(journal)
    )
    erase(journal, "inv-3")  # the next erasure copies the line as it is
    tamper(journal, 6, lambda r: r["donnees_personnelles"].update(engagement="0" * 64))
    assert "ligne 6 : l'enregistrement n° 6 a été modifié" in failure(journal)


def test_a_changed_salt_is_caught(journal):
    tamper(journal, 4, lambda r: r["donnees_personnelles"].update(sel="ab" * 16))
    assert "ligne 4 : l'enregistrement n° 4 a été modifié" in failure(journal)


def test_a_tombstone_without_its_erasure_record_is_caught(journal):
    erase(journal, "inv-2")
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join(lines[:-1]))  # the effacement record cut off
    assert "ligne 5 : les données personnelles du n° 5 ont été effacées sans enregistrement" in (
        failure(journal)
    )


def test_the_documented_verifier_checks_erasures(journal, tmp_path):
    script = documented_verifier(tmp_path)
    erase(journal, "inv-2", "inv-4")
    assert run_documented(script, journal).startswith("OK : 9 enregistrements")
    tamper(journal, 5, lambda r: r["donnees_personnelles"]["effacement"].update(motif="x"))
    assert run_documented(script, journal) == "ÉCHEC ligne 9 : n° 5 mal effacé"


EVERY_PASS = {
    "line by line": {"parallel": False},
    "line by line, small blocks": {"parallel": False, "block": 4096},
    "one range": {},
    "a range per line, two processes": {"length": 1, "parallel_from": 0, "processes": 2},
}
"""The verifier's passes: each finds the lines that mention erasures as it checks the chain."""


def every_pass(journal: Path, monkeypatch) -> list:
    """``verify_journal`` of ``journal`` in each of ``EVERY_PASS``."""
    found = []
    for options in EVERY_PASS.values():
        options = dict(options)
        with monkeypatch.context() as patched:
            patched.setattr(blocks, "BLOCK", options.pop("block", blocks.BLOCK))
            found.append(verify_journal(journal, **options))
    return found


def restored(journal: Path) -> None:
    before = orjson.loads(journal.read_bytes().splitlines()[4])  # n° 5, inv-2
    erase(journal, "inv-2")
    tamper(journal, 5, lambda r: r.update(donnees_personnelles=before["donnees_personnelles"]))


def changed_tombstone(journal: Path) -> None:
    erase(journal, "inv-2")
    tamper(journal, 5, lambda r: r["donnees_personnelles"]["effacement"].update(motif="autre"))


def erasure_record_cut_off(journal: Path) -> None:
    erase(journal, "inv-2")
    journal.write_bytes(b"".join(journal.read_bytes().splitlines(keepends=True)[:-1]))


@pytest.mark.parametrize(
    ("spoil", "erased", "line", "message"),
    [
        (
            restored,
            0,
            9,
            "ligne 9 : l'effacement n° 9 liste le n° 5, dont les données personnelles sont de "
            "nouveau présentes — données restaurées après effacement.",
        ),
        (
            changed_tombstone,
            1,
            5,
            "ligne 5 : la pierre tombale du n° 5 ne correspond pas à l'effacement n° 9 (date ou "
            "motif modifiés).",
        ),
        (
            erasure_record_cut_off,
            1,
            5,
            "ligne 5 : les données personnelles du n° 5 ont été effacées sans enregistrement « "
            "effacement » qui le liste (pierre tombale du n° 9 introuvable) — effacement hors "
            "de tamis, ou pierre tombale modifiée.",
        ),
    ],
)
def test_every_pass_names_the_same_erasure_problem(
    journal, monkeypatch, spoil, erased, line, message
):
    """Whether the problem's line is read line by line, in the only range, or in a later
    range by another process, it is named with its line in the journal."""
    spoil(journal)
    for result in every_pass(journal, monkeypatch):
        assert result.problem == Problem("effacement", line, message)
        assert result.count == len(journal.read_bytes().splitlines())
        assert result.erased == erased


@pytest.mark.parametrize(("spoiled", "line"), [(None, None), (3, 3), (7, 7)])
def test_erasures_read_before_and_after_a_rewritten_line_are_checked_together(
    journal, monkeypatch, spoiled, line
):
    """A line rewritten by another program (intact) sends the parallel pass back to line by
    line from its range: the tombstone before it (n° 3, read by a worker) and the one after
    it (n° 7, read line by line) are both checked against the ``effacement`` record n° 9."""
    erase(journal, "inv-0", "inv-4")
    if spoiled is not None:
        tamper(journal, spoiled, lambda r: r["donnees_personnelles"]["effacement"].update(le="x"))
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[4] = json.dumps(json.loads(lines[4])).encode() + b"\n"  # n° 5: spaces, escapes
    journal.write_bytes(b"".join(lines))
    for result in every_pass(journal, monkeypatch):
        assert (result.count, result.rewritten, result.first_rewritten) == (9, 1, 5)
        assert result.erased == 2 and result.erased_advice == 0
        if spoiled is None:
            assert result.ok
        else:
            assert result.problem == Problem(
                "effacement",
                line,
                f"ligne {line} : la pierre tombale du n° {spoiled} ne correspond pas à "
                "l'effacement n° 9 (date ou motif modifiés).",
            )


def test_format_2_decisions_are_not_erased(tmp_path):
    journal = tmp_path / "v2.jsonl"
    shutil.copy(V2_JOURNAL, journal)
    before = journal.read_bytes()
    result = run("effacer", "inv-01", "--journal", str(journal), "--motif", "m", "--oui")
    assert result.exit_code == 0
    assert result.stdout == "Aucune décision ni aucun conseil à effacer.\n"
    assert "au format 2" in result.stderr and "tamis journal migrer" in result.stderr
    assert journal.read_bytes() == before


def test_the_confirmation_names_the_people_a_sender_filter_picked(journal):
    """``--expediteur u`` picks every sender whose name holds a « u »: the question gave only
    the count (« 4 décision(s) »), and the data of people nobody meant to name went for good."""
    before = journal.read_bytes()
    asked = run("effacer", "--journal", str(journal), "--expediteur", "u", "--motif", "m",
                input="n\n")  # fmt: skip
    assert asked.exit_code == 1
    assert asked.stderr.startswith(
        "Personnes concernées (3) : Julie Tremblay, Luc Côté, Zoé Lévesque.\n"
        "Effacer définitivement les données personnelles de 4 décision(s) de "
    )
    assert journal.read_bytes() == before
    quiet = erase(journal, "--expediteur", "tremblay")  # --oui: nothing asked, nobody listed
    assert "Personnes concernées" not in quiet.output


def test_confirmation_with_the_count(journal):
    before = journal.read_bytes()
    asked = run("effacer", "inv-1", "--journal", str(journal), "--motif", "m", input="n\n")
    assert asked.exit_code == 1
    assert "Effacer définitivement les données personnelles de 1 décision(s)" in asked.output
    assert "effacement annulé ; rien n'a été modifié" in asked.output
    assert journal.read_bytes() == before
    yes = run("effacer", "inv-1", "--journal", str(journal), "--motif", "m", input="o\n")
    assert yes.exit_code == 0 and "1 décision(s) effacée(s)" in yes.output


def test_no_answer_at_all_is_a_refusal_on_its_own_line(journal):
    """Input ended (Ctrl-D, a script without --oui): « … ? [o/N] Erreur : effacement
    annulé … » was glued to the question."""
    before = journal.read_bytes()
    unanswered = run("effacer", "inv-1", "--journal", str(journal), "--motif", "m", input="")
    assert unanswered.exit_code == 1
    assert unanswered.stderr.endswith(
        "de 1 décision(s) de " + str(journal) + " ? [o/N] \n"
        "Erreur : effacement annulé ; rien n'a été modifié (--oui : sans question).\n"
    )
    assert journal.read_bytes() == before


def test_usage_errors(journal):
    nothing = run("effacer", "--journal", str(journal), "--motif", "m")
    assert nothing.exit_code == 2 and "choisissez les décisions à effacer" in nothing.output
    no_motif = run("effacer", "inv-1", "--journal", str(journal))
    assert no_motif.exit_code == 2 and "--motif est obligatoire" in no_motif.output
    missing = run("effacer", "inv-1", "--journal", str(journal.with_name("x")), "--motif", "m")
    assert missing.exit_code == 1 and "journal introuvable" in missing.output
    again = erase(journal, "inv-1")
    twice = run("effacer", "inv-1", "--journal", str(journal), "--motif", "m", "--oui")
    assert twice.stdout == "Aucune décision ni aucun conseil à effacer.\n"
    assert "déjà effacé" in twice.stderr
    assert "Traceback" not in nothing.output + no_motif.output + missing.output + again.output


def test_a_rule_no_decision_has_erases_nothing_and_says_the_closest(journal):
    """« --regle Photo » (the rule is « photo ») erased nothing and said only « Aucune
    décision ni aucun conseil à effacer. », as if no decision had been taken by it."""
    before = journal.read_bytes()
    result = erase(journal, "--regle", "Photo")
    assert journal.read_bytes() == before
    assert result.stdout == "Aucune décision ni aucun conseil à effacer.\n"
    assert result.stderr == (
        "avertissement : --regle « Photo » : aucune décision du journal n'a cette règle (les noms"
        " comptent les majuscules et les accents) ; vouliez-vous dire « photo » ?\n"
    )


SENT_TO = ("Olivier Bouchard", "linkedin.com/in/olivier-bouchard-42")
"""The recipient of an OUTGOING row of policies/exemples/Invitations.csv (sent by the user)."""


@pytest.fixture
def both_ways(tmp_path) -> Path:
    """Invitations.csv decided with ``--sens toutes``: received invitations and requests sent."""
    path, root = tmp_path / "j.jsonl", Path(__file__).resolve().parents[2]
    decided = CliRunner().invoke(
        cli,
        ["decider", "-p", str(root / "policies" / "blogue.tamis"), "--sens", "toutes",
         "--journal", str(path), str(root / "policies" / "exemples" / "Invitations.csv")],
    )  # fmt: skip
    assert decided.exit_code == 0, decided.output
    assert all(part.encode() in path.read_bytes() for part in SENT_TO)
    return path


@pytest.mark.parametrize("who", [SENT_TO[0], f"https://www.{SENT_TO[1]}/"])
def test_erase_by_expediteur_reaches_a_request_sent_to_that_person(both_ways, who):
    """« Effacez mes données » from the recipient of a request the user sent erased nothing
    (« Aucune décision ni aucun conseil à effacer. »): their name and profile URL, in the
    request's ``destinataire``, stayed in the journal. ``--expediteur`` names the other person,
    as for advice: the recipient of a request to send; the user who sent it is not matched."""
    assert "Aucune" in run("effacer", "--journal", str(both_ways), "--expediteur",
                           "Jade Bérubé Morin", "--oui", "--motif", "m").output  # fmt: skip
    found = run("chercher", "--journal", str(both_ways), "--expediteur", who)
    assert "1 décision(s) trouvée(s)" in found.stderr, found.output
    asked = run("effacer", "--journal", str(both_ways), "--expediteur", who, "--motif", "m")
    assert "Personnes concernées (1) : Olivier Bouchard." in asked.output, asked.output
    result = erase(both_ways, "--expediteur", who)
    assert result.output.startswith("1 décision(s) effacée(s) (n° "), result.output
    data = both_ways.read_bytes()
    assert all(part.encode() not in data for part in (*SENT_TO, "Bonjour Olivier"))
    assert "1 décision(s) aux données personnelles effacées" in verified(both_ways)


@pytest.mark.parametrize("index", [[], ["--sans-index"]])
@pytest.mark.parametrize(
    ("command", "said"),
    [("chercher", '"id":"li-4b722287e184d3d5"'), ("exporter", '"id":"li-4b722287e184d3d5"'),
     ("stats", '"total":1,')],
)  # fmt: skip
def test_the_expediteur_filter_finds_the_recipient_of_a_request_sent(
    both_ways, command, said, index
):
    """``chercher``, ``exporter`` and ``stats --expediteur`` found nothing for the recipient of
    a request sent (only its sender, the user, matched): now the same person as ``effacer``."""
    shape = ["--format", "jsonl" if command == "exporter" else "json"]
    result = run(command, "--journal", str(both_ways), "--expediteur", SENT_TO[0], *shape, *index)
    assert result.exit_code == 0, result.output
    assert said in result.stdout, result.output


def test_pourquoi_of_a_name_finds_the_request_sent_to_that_person(both_ways):
    """``pourquoi "Olivier Bouchard"`` found no invitation (only its sender, the user, was
    searched); it now finds the request sent to him, and says whom it designated by."""
    result = run("pourquoi", SENT_TO[0], "--journal", str(both_ways))
    assert result.exit_code == 0, result.output
    assert "Demande à envoyer, destinataire : Olivier Bouchard" in result.stdout
    assert result.stderr.startswith(  # a request to send: « à » its recipient, whom it matched
        "« Olivier Bouchard » : l'invitation li-4b722287e184d3d5 (à Olivier Bouchard), la seule "
        "dont le destinataire correspond à « Olivier Bouchard »."
    ), result.stderr


def test_the_csv_export_names_the_recipient_of_a_request_sent(both_ways):
    """``exporter --format csv --expediteur "Olivier Bouchard"`` gave a row naming only the
    user (its expediteur columns): nothing said whom the request went to. Now ``sens``,
    ``destinataire`` and ``destinataire_profil_url`` do."""
    result = run("exporter", "--journal", str(both_ways), "--expediteur", SENT_TO[0],
                 "--format", "csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    [row] = csv.DictReader(io.StringIO(result.stdout))
    assert (row["sens"], row["destinataire"]) == ("sortante", SENT_TO[0])
    assert row["destinataire_profil_url"] == f"https://www.{SENT_TO[1]}"


def test_an_index_of_the_previous_schema_is_rebuilt_not_misread(both_ways):
    """An index built by the version before ``--expediteur`` named the recipient of a request
    to send (schema tamis-index-6) held the user in its sender columns for that request: read
    as is, ``chercher --expediteur "Olivier Bouchard"`` would find nothing. It is rebuilt."""
    assert "1 décision(s)" in run("chercher", "--journal", str(both_ways), "--expediteur",
                                  SENT_TO[0]).stderr  # fmt: skip
    connection = sqlite3.connect(index_path(both_ways))
    with connection:  # what tamis-index-6 held: the sender, never the recipient
        connection.execute("UPDATE details SET name = 'Jade Bérubé Morin', url = NULL")
        connection.execute("UPDATE meta SET value = 'tamis-index-6' WHERE key = 'schema'")
    connection.close()
    found = run("chercher", "--journal", str(both_ways), "--expediteur", SENT_TO[0])
    assert "1 décision(s) trouvée(s)" in found.stderr, found.output
    connection = sqlite3.connect(index_path(both_ways))
    assert connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == (
        "tamis-index-8",
    )
    connection.close()


@pytest.mark.parametrize("index", [[], ["--sans-index"]])
def test_an_erased_request_sent_is_no_longer_found_by_its_recipient(both_ways, index):
    """Once erased, a request sent to Olivier Bouchard is not matched by his name or URL
    (its ``destinataire`` is gone), every reader still reads it, and its CSV row keeps the
    decision without a person."""
    assert erase(both_ways, "--expediteur", SENT_TO[0]).exit_code == 0
    for who in SENT_TO:
        found = run("chercher", "--journal", str(both_ways), "--expediteur", who, *index)
        assert found.exit_code == 0 and "0 décision(s)" in found.stderr, found.output
    result = run("exporter", "--journal", str(both_ways), "--format", "csv", *index)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    [row] = [row for row in rows if row["id"] == "li-4b722287e184d3d5"]
    assert row["donnees_effacees"] and not (row["destinataire"] or row["destinataire_profil_url"])
    assert row["decision"]
    for command in ("stats", "pourquoi"):
        shown = run(command, *(["li-4b722287e184d3d5"] if command == "pourquoi" else []),
                    "--journal", str(both_ways), *index)  # fmt: skip
        assert shown.exit_code == 0, shown.output
