"""What a person reads from ``tamis journal``: terminal-safe text, ``pourquoi`` by id prefix or
sender, local time (``--utc`` keeps UTC), French numbers, 80-column tables, no colour in a pipe.

The journal is written by ``tamis decider`` itself, from invitations a stranger could send."""

from __future__ import annotations

import json
import time
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from tamis.audit.postgres.backend import stats_any
from tamis.audit.queries import journal_stats, parse_filter
from tamis.audit.stats import _day_in
from tamis.cli import human
from tamis.cli.main import cli

POLICY = """politique "Essai"
paramètre seuil = 0.5
paramètre plafond = 12500
règle "photo" : refuser si sans_photo
    motif "Pas de photo."
sinon accepter
"""
PHOTO = "https://media.licdn.com/x.jpg"
HOSTILE = "\x1b[31mRouge\x1b[0m [/x] \u202eevil\x07"
INVITATIONS = [
    {"id": "abc-1", "expediteur": {"nom": HOSTILE, "profil_url": "https://linkedin.com/in/r"}},
    {
        "id": "abc-2",
        "expediteur": {"nom": "Marie Gagnon", "profil_url": "https://linkedin.com/in/mgagnon"},
    },
    {
        "id": "zz-3",
        "expediteur": {
            "nom": "Marie Tremblay",
            "profil_url": "https://www.linkedin.com/in/marie-t/",
            "photo": PHOTO,
        },
    },
]
EST = "EST5EDT,M3.2.0,M11.1.0"  # a POSIX rule: no tzdata needed


@pytest.fixture
def journal(tmp_path):
    policy, invitations, path = (tmp_path / n for n in ("p.tamis", "i.jsonl", "j.jsonl"))
    policy.write_text(POLICY, encoding="utf-8")
    invitations.write_text("".join(json.dumps(i) + "\n" for i in INVITATIONS), encoding="utf-8")
    args = ["decider", "-p", str(policy), str(invitations), "--journal", str(path)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    return path


@pytest.fixture
def zone(monkeypatch):
    """The process's time zone set to ``tz`` (then back)."""

    def set_zone(tz: str) -> None:
        monkeypatch.setenv("TZ", tz)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


def run(journal, *args, columns: int = 80):
    result = CliRunner().invoke(
        cli, ["journal", *args, "--journal", str(journal)], env={"COLUMNS": str(columns)}
    )
    assert "Traceback" not in result.output, result.output
    return result


def moments(journal) -> list[str]:
    return [json.loads(line)["horodatage"] for line in journal.read_text().splitlines()]


def test_control_characters_and_markup_from_invitations_are_shown_not_obeyed(journal):
    table = run(journal, "chercher")
    assert table.exit_code == 0
    assert "\x1b" not in table.stdout and "\u202e" not in table.stdout
    assert "\x07" not in table.stdout
    assert "\\x1b[31mRouge" in table.stdout and "[/x]" in table.stdout  # folded, all there
    why = run(journal, "pourquoi", "abc-1")
    assert why.exit_code == 0 and "\x1b" not in why.stdout and "\u202e" not in why.stdout
    assert "\\x1b[31mRouge\\x1b[0m [/x] \\u202eevil\\x07" in why.stdout
    exact = run(journal, "chercher", "--format", "json")
    assert json.loads(exact.stdout.splitlines()[0])["expediteur"] == HOSTILE


def test_human_safe_escapes_every_control_character_and_keeps_the_rest():
    assert human.safe("a\tb\nc\rd\x00\x7f\x9b\u200f\u2066é « x »") == (
        "a\\tb\\nc\\rd\\x00\\x7f\\x9b\\u200f\\u2066é « x »"
    )


def test_tables_fit_80_columns_by_dropping_the_motif_then_the_rule(journal):
    narrow = run(journal, "chercher", columns=80)
    lines = narrow.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0].split() == [
        "N°",
        "Date",
        "locale",
        "Invitation",
        "Personne",
        "Décision",
        "Règle",
    ]
    wide = run(journal, "chercher", columns=140).stdout.splitlines()
    assert wide[0].split()[-1] == "Motif" and max(len(line) for line in wide) <= 140
    stats = run(journal, "stats", columns=80)
    assert max(len(line) for line in stats.stdout.splitlines()) <= 80


def test_no_colour_outside_a_terminal(journal):
    for args in (["chercher"], ["stats"], ["pourquoi", "zz-3"]):
        assert "\x1b[" not in run(journal, *args).stdout


def test_pourquoi_by_a_unique_id_prefix_says_which_invitation(journal):
    result = run(journal, "pourquoi", "zz")
    assert result.exit_code == 0
    assert result.stdout.startswith("Invitation zz-3 — enregistrement n° 5 du ")
    second = result.stdout.splitlines()[1]
    assert second == "Expéditeur : Marie Tremblay (https://www.linkedin.com/in/marie-t/)"
    assert result.stderr == (
        "« zz » : l'invitation zz-3 (Marie Tremblay), la seule dont l'identifiant commence "
        "par « zz ».\n"
    )


def test_pourquoi_by_sender_name_or_pasted_url(journal):
    by_name = run(journal, "pourquoi", "GAGNON")
    assert by_name.exit_code == 0 and by_name.stdout.startswith("Invitation abc-2 — ")
    assert "la seule dont l'expéditeur correspond à « GAGNON »" in by_name.stderr
    by_url = run(journal, "pourquoi", "https://linkedin.com/in/marie-t")
    assert by_url.exit_code == 0 and by_url.stdout.startswith("Invitation zz-3 — ")


def test_pourquoi_lists_the_invitations_a_prefix_or_sender_may_mean(journal):
    when = [human.when(m, utc=True, seconds=False) for m in moments(journal)[2:4]]
    result = run(journal, "pourquoi", "abc", "--utc")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        "Erreur : plusieurs invitations dont l'identifiant commence par « abc » ; précisez "
        "laquelle (ID) :\n"
        f"  abc-1  \\x1b[31mRouge\\x1b[0m [/x] \\u202eevil\\x07 — accepter le {when[0]} UTC\n"
        f"  abc-2  Marie Gagnon — accepter le {when[1]} UTC\n"
    )
    marie = run(journal, "pourquoi", "marie")
    assert marie.exit_code == 1 and "dont l'expéditeur correspond à « marie »" in marie.stderr
    assert (
        "  abc-2  Marie Gagnon — " in marie.stderr and "  zz-3  Marie Tremblay — " in marie.stderr
    )
    none = run(journal, "pourquoi", "personne")
    assert none.exit_code == 1
    assert "aucune décision pour l'invitation « personne »" in none.stderr


def test_times_are_local_unless_utc_and_the_journal_stays_utc(journal, zone):
    zone(EST)
    moment = moments(journal)[3]  # abc-2's decision
    local = human.moment(moment, utc=False)
    result = run(journal, "pourquoi", "abc-2")
    expected = f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}"
    assert local.tzname() in ("EST", "EDT")
    assert result.stdout.splitlines()[0] == f"Invitation abc-2 — enregistrement n° 4 du {expected}"
    utc = run(journal, "pourquoi", "abc-2", "--utc")
    assert utc.stdout.splitlines()[0].endswith(f"du {moment[:10]} {moment[11:19]} UTC")
    table = run(journal, "chercher")
    assert "Date locale" in table.stdout and f"{local:%Y-%m-%d %H:%M}" in table.stdout
    assert "Date (UTC)" in run(journal, "chercher", "--utc").stdout
    assert (
        json.loads(run(journal, "chercher", "--format", "json").stdout.splitlines()[1])[
            "horodatage"
        ]
        == moment
    )


def test_stats_count_local_days_through_the_index_as_without_it(journal, zone):
    """A decision at 03:00 UTC is on the previous day in Québec: both ways of counting agree."""
    zone(EST)
    lines = journal.read_text().splitlines(keepends=True)
    first = json.loads(lines[2])
    local_day = human.day(first["horodatage"], utc=False)
    for use in ([], ["--sans-index"]):
        data = json.loads(run(journal, "stats", "--format", "json", *use).stdout)
        assert list(data["par_periode"]) == [local_day]
        utc = json.loads(run(journal, "stats", "--format", "json", "--utc", *use).stdout)
        assert list(utc["par_periode"]) == [first["horodatage"][:10]]


def test_stats_count_the_days_of_a_named_zone_through_the_index_as_without_it(journal):
    """The service's pages count by the days of a workspace's ``fuseau`` (a name of the IANA
    base, not the process's ``TZ``): through the index (grouped by the minute, SQLite knows
    no such zone) and by the scan alike. Of UTC+14 and UTC-11, one is always on another day
    than UTC's."""
    first = json.loads(journal.read_text().splitlines()[2])["horodatage"]
    moment = datetime.fromisoformat(first.replace("Z", "+00:00"))
    days = set()
    for name in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        zone = ZoneInfo(name)
        expected = moment.astimezone(zone).date().isoformat()
        for index in (True, False):
            found = journal_stats(journal, parse_filter(), "jour", print, zone=zone, index=index)
            assert list(found.as_dict()["par_periode"]) == [expected], (name, index)
        days.add(expected)
    assert days != {first[:10]}


def test_utc_days_are_counted_by_the_day_as_without_a_zone(journal):
    """The service's pages pass their workspace's zone, UTC when it names none: UTC's days
    were then grouped by the minute and each minute read in the zone, for the same counts
    (on 60,000 decisions over a year, the statistics page took two to three times as long as
    before the fuseau). UTC, and any zone always at offset zero, now counts by the day, as
    without a zone: through the index and by the scan, no minute is read in a zone."""
    expected = stats_any(str(journal), parse_filter(), "semaine", print).as_dict()
    _day_in.cache_clear()
    for zone in (ZoneInfo("UTC"), ZoneInfo("Etc/GMT")):
        for index in (True, False):
            found = stats_any(str(journal), parse_filter(), "semaine", print, zone=zone,
                              index=index)  # fmt: skip
            assert found.as_dict() == expected, (zone, index)
    assert _day_in.cache_info().currsize == 0


def test_french_numbers_in_human_output(journal):
    assert human.number(1234567) == "1\u202f234\u202f567" and human.number(0.5) == "0,5"
    assert human.percent(1, 3) == "33,3" and human.number(12.0) == "12,0"
    assert human.value([0.5, 12500, "a"]) == "[0.5, 12\u202f500, a]"  # a list stays unambiguous
    why = run(journal, "pourquoi", "zz-3")
    assert why.stdout.splitlines()[-1] == (
        "Paramètres : connexions_min = 50 ; plafond = 12\u202f500 ; sections_manquantes_min = 2 ; "
        "seuil = 0,5 ; seuil_commercial = 0,5 ; vedette_min = 10\u202f000"
    )
    stats = run(journal, "stats")
    assert "  accepter        3   100,0" in stats.stdout


def test_pourquoi_says_a_record_was_edited_after_indexing_with_or_without_the_index(journal):
    assert run(journal, "pourquoi", "abc-2").stderr == ""  # builds the index
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b"Marie Gagnon", b"Marie Gagnom")
    journal.write_bytes(b"".join(lines))
    warning = (
        f"avertissement : {journal}:4 : l'enregistrement n° 4 a été modifié après son "
        "inscription (son empreinte ne correspond plus à son contenu) ; ce qui est montré est "
        "son contenu modifié. « tamis journal verifier » localise la première modification.\n"
    )
    for use in ([], ["--sans-index"]):
        result = run(journal, "pourquoi", "abc-2", *use)
        assert result.exit_code == 0 and result.stderr == warning
        assert "Expéditeur : Marie Gagnom" in result.stdout


def test_journal_errors_carry_data_and_the_command_line_adds_its_own_words(journal, tmp_path):
    from tamis.audit.errors import DamagedLine, JournalMissing
    from tamis.audit.queries import parse_filter, select

    absent = tmp_path / "absent.jsonl"
    with pytest.raises(JournalMissing) as missing:
        list(select(absent, parse_filter()))
    assert missing.value.path == absent and "--" not in str(missing.value)
    result = run(absent, "chercher")
    assert result.exit_code == 1 and result.stderr == (
        f"Erreur : journal introuvable : {absent} (indiquez-le avec --journal CHEMIN ou la "
        "variable TAMIS_JOURNAL).\n"
    )
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join([*lines[:3], b"pas un enregistrement\n", *lines[3:]]))
    with pytest.raises(DamagedLine) as damaged:
        list(select(journal, parse_filter(), index=False))
    assert (damaged.value.path, damaged.value.line) == (journal, 4)
    assert "tamis journal" not in str(damaged.value)
    result = run(journal, "exporter", "--sans-index")
    assert result.exit_code == 1 and result.stderr == (
        f"Erreur : {journal}:4 : ligne illisible, le journal est endommagé ; « tamis journal "
        "verifier » localise le problème.\n"
    )


def test_accents_typed_either_way_find_the_same_decisions(tmp_path):
    """A name or rule typed with decomposed accents (NFD: pasted from a macOS file name, some
    keyboards), or recorded so (the invitation is journaled as received), found nothing:
    « chercher --expediteur Zoé » missed « Zoé » written the other way, and « pourquoi Zoé »
    said there was no such decision."""
    nfd = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731
    policy, invitations, path = (tmp_path / n for n in ("p.tamis", "i.jsonl", "j.jsonl"))
    policy.write_text('règle "déjà vu" : refuser si sans_photo\nsinon accepter\n')
    sent = [
        {"id": "d-1", "expediteur": {"nom": nfd("Zoé Lévesque"), "photo": False}},
        {"id": "c-2", "expediteur": {"nom": "Hélène Côté", "photo": True}},
    ]
    invitations.write_text("".join(json.dumps(i) + "\n" for i in sent), encoding="utf-8")
    decided = CliRunner().invoke(
        cli, ["decider", "-p", str(policy), str(invitations), "--journal", str(path)]
    )
    assert decided.exit_code == 0, decided.output
    for index in ((), ("--sans-index",)):
        for name, ident in (("Zoé", "d-1"), (nfd("Zoé"), "d-1"), (nfd("Hélène"), "c-2")):
            found = run(path, "chercher", "--expediteur", name, "--format", "json", *index)
            assert [json.loads(line)["id"] for line in found.stdout.splitlines()] == [ident]
            why = run(path, "pourquoi", name, *index)
            assert why.exit_code == 0 and why.stdout.startswith(f"Invitation {ident} — ")
        by_rule = run(path, "chercher", "--regle", nfd("déjà vu"), "--format", "json", *index)
        assert [json.loads(line)["id"] for line in by_rule.stdout.splitlines()] == ["d-1"]
