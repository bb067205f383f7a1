"""``chercher`` on PostgreSQL reads ranges of rows on every core, as a file's scan does: the
same rows, in the same order, as the same journal in a file. The ranges are made small so
that a short journal is read by two processes."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import psycopg
import pytest
from click.testing import CliRunner

from tamis.audit.postgres import query
from tamis.audit.postgres.copy import copy_journal
from tamis.audit.postgres.url import shown
from tamis.audit.queries import journal_stats, parse_filter, search
from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "chambre.tamis")
INVITATIONS = str(ROOT / "policies" / "exemples" / "invitations.jsonl")
SMALL = {"span": 5, "parallel_from": 0, "processes": 2}


@pytest.fixture
def journal(pg_url: str) -> str:
    runner = CliRunner()
    assert runner.invoke(cli, ["journal", "initialiser", pg_url]).exit_code == 0
    decided = runner.invoke(cli, ["decider", "-p", POLICY, "--journal", pg_url, INVITATIONS])
    assert decided.exit_code == 0, decided.output
    return pg_url


@pytest.mark.parametrize(
    "choice",
    [
        {},
        {"decisions": ["signaler"]},
        {"rules": ["message commercial"]},
        {"rules": ["message commercial"], "decisions": ["signaler", "ignorer"]},
        {"invitation_prefix": "inv-1"},
        {"since": "2020-01-01", "decisions": ["examiner", "accepter"]},
        {"rules": ["aucune règle de ce nom"]},
        {"sender": "TREMBLAY"},
        {"sender": "linkedin.com/in/julie-tremblay-ludis", "decisions": ["examiner"]},
    ],
)
def test_ranges_on_two_processes_give_the_file_scans_rows(journal, tmp_path, choice):
    copy = tmp_path / "copie.jsonl"
    copy_journal(journal, str(copy))
    flt = parse_filter(**choice)
    warned: list[str] = []
    in_file = list(search(copy, flt, warned.append, index=False))
    for options in (SMALL, {}):
        assert list(query.search(journal, flt, warned.append, **options)) == in_file
    assert not warned
    assert bool(in_file) == (choice.get("rules") != ["aucune règle de ce nom"])


def test_an_altered_record_is_shown_and_warned_of_once_when_records_are_read(journal):
    """A filter the copied columns cannot answer (a fact) reads the records: the altered one
    is shown as the journal holds it, with its warning, as a file's scan does. Without such a
    filter, chercher shows the copies the writer made, without reading the records, as the
    file's query index does; ``verifier`` names the altered record either way."""
    with psycopg.connect(journal, autocommit=True) as connection:
        connection.execute(
            "UPDATE tamis_journal SET contenu = replace(contenu, %s, %s) WHERE seq = 12",
            ('"decision":"examiner"', '"decision":"accepter"'),
        )
    warned: list[str] = []
    everything = parse_filter(facts=["message_commercial=faux"])
    rows = list(query.search(journal, everything, warned.append, **SMALL))
    assert 12 in [row["seq"] for row in rows]
    assert warned == [
        f"{shown(journal)} : l'enregistrement n° 12 a été modifié après son inscription (son "
        "empreinte ne correspond plus à son contenu) ; ce qui est montré est son contenu "
        "modifié. « tamis journal verifier » localise la première modification."
    ]
    assert next(row for row in rows if row["seq"] == 12)["decision"] == "accepter"
    copies = list(query.search(journal, parse_filter(), warned.append, **SMALL))
    assert [row["seq"] for row in copies] == list(range(3, 50)) and len(warned) == 1
    assert copies[9]["seq"] == 12 and copies[9]["decision"] == "examiner"
    verified = CliRunner().invoke(cli, ["journal", "verifier", "--journal", journal])
    assert verified.exit_code == 1 and "l'enregistrement n° 12 a été modifié" in verified.output


@pytest.mark.parametrize(
    "choice",
    [
        {},
        {"decisions": ["ignorer", "refuser"]},
        {"rules": ["pitch de vente"]},
        {"policy": "blogue.tamis"},
        {"policy": "chambre.tamis"},
        {"facts": ["pitch_de_vente"]},
        {"sender": "tremblay"},
        {"invitation_prefix": "inv-1", "since": "2020-01-01"},
    ],
)
def test_stats_by_group_by_count_what_the_file_scan_counts(twice, tmp_path, choice):
    """Each invitation once (its latest decision), by decision, rule, fact and period, with
    every key in the scan's order, in local days or UTC, by day or week."""
    copy = tmp_path / "copie.jsonl"
    copy_journal(twice, str(copy))
    flt = parse_filter(**choice)
    toronto = ZoneInfo("America/Toronto")  # a workspace's fuseau: grouped by the minute
    for per, local, zone in (
        ("jour", True, None), ("semaine", False, None), ("jour", False, None),
        ("jour", False, toronto), ("semaine", False, toronto),
    ):  # fmt: skip
        in_file = journal_stats(copy, flt, per, local=local, zone=zone, index=False).as_dict()
        counted = query.journal_stats(twice, flt, per, print, local=local, zone=zone).as_dict()
        assert list(counted["par_decision"].items()) == list(in_file["par_decision"].items())
        assert orjson.dumps(counted) == orjson.dumps(in_file)
    assert (in_file["total"] == 0) == (choice.get("policy") == "chambre.tamis")


@pytest.fixture
def twice(journal: str) -> str:
    """The journal with every invitation decided again by another policy (a later
    decision, sometimes another outcome): stats counts only the latest."""
    runner = CliRunner()
    again = [
        "decider", "-p", str(ROOT / "policies" / "blogue.tamis"), "--redecider",
        "--journal", journal, INVITATIONS,
    ]  # fmt: skip
    decided = runner.invoke(cli, again)
    assert decided.exit_code == 0, decided.output
    return journal


@pytest.mark.parametrize(
    ("command", "column", "value"),
    [
        ("chercher", "issue", "pas du JSON"),
        ("chercher", "issue", '{"a": 1}'),
        ("chercher", "expediteur", "pas du JSON"),
        ("stats", "issue", "[1, 2]"),
        ("stats", "profil", "pas du JSON"),
        ("stats", "profil", '[["connu"]]'),
    ],
)
def test_a_copy_edited_by_hand_is_a_french_error(journal, command, column, value):
    with psycopg.connect(journal, autocommit=True) as connection:
        connection.execute(f"UPDATE tamis_journal SET {column} = %s WHERE seq = 7", (value,))
    found = CliRunner().invoke(cli, ["journal", command, "--journal", journal])
    assert found.exit_code == 1
    assert found.output == (
        f"Erreur : {shown(journal)} : les copies de l'enregistrement n° 7 (colonnes issue, "
        "profil, expediteur) sont illisibles : elles ont été modifiées hors de tamis ; « tamis "
        "journal verifier » contrôle le journal.\n"
    )


@pytest.mark.parametrize("after", [0, 4, 12, 49, 60])
def test_rows_after_a_number_are_the_file_rows_after_it_in_one_process(journal, tmp_path, after):
    """The service's pages: only the ranges past ``after`` are read, in this process."""
    copy = tmp_path / "copie.jsonl"
    copy_journal(journal, str(copy))
    for flt in (parse_filter(), parse_filter(facts=["message_commercial=faux"])):
        in_file = [row for row in search(copy, flt, print, index=False) if row["seq"] > after]
        found = list(query.search(journal, flt, print, span=5, processes=1, after=after))
        assert found == in_file
        assert bool(found) == (after < 49)


def _plan(url: str, settings: str, flt) -> str:
    """The plan of reading one range of what ``flt`` keeps, in a session set by ``settings``."""
    condition, params = query.where(flt)
    statement = f"SELECT seq FROM tamis_journal WHERE seq BETWEEN 1 AND 20 AND {condition}"
    with psycopg.connect(url) as connection:
        connection.execute(settings)
        found = connection.execute(f"EXPLAIN {statement} ORDER BY seq", params).fetchall()
    return "\n".join(line for (line,) in found)


def test_a_journal_without_statistics_is_read_range_by_range_by_its_key(journal):
    """Just filled (``copier``, a new journal that autovacuum has not analysed yet), the
    journal has no statistics: the planner takes a decision for rare and reads its rows
    through their index, the whole journal for each range, then sorts them (11 s instead of
    3 for a million records). chercher then forbids sorting, so each range is read by its
    key; once the journal is analysed, the planner chooses again, and a rule is always
    looked up by its index."""
    with psycopg.connect(journal, autocommit=True) as connection:  # 500 more decisions
        connection.execute("ALTER TABLE tamis_journal SET (autovacuum_enabled = false)")
        columns = "horodatage, evenement, precedente, empreinte, version, contenu, decision"
        connection.execute(
            f"INSERT INTO tamis_journal (seq, {columns}) SELECT 100 + g, {columns} "
            "FROM tamis_journal, generate_series(1, 500) g WHERE seq = 12"
        )
    refused = parse_filter(decisions=["signaler"], since="2020-01-01")
    blind = query.settings_for(journal, refused)
    assert blind == query.IN_ORDER + query.KEYED
    assert "Sort" in _plan(journal, query.IN_ORDER, refused)  # what it would do
    keyed = _plan(journal, blind, refused)
    assert "tamis_journal_pkey" in keyed and "Sort" not in keyed
    rare = parse_filter(rules=["message commercial"])
    assert query.settings_for(journal, rare) == query.IN_ORDER
    with psycopg.connect(journal, autocommit=True) as connection:
        connection.execute("ANALYZE tamis_journal")
    assert query.settings_for(journal, refused) == query.IN_ORDER
