"""Filters, CSV safety and counts over a small journal."""

from __future__ import annotations

import io

import pytest
from conftest import fill

from tamis.audit.csvsafe import safe_cell, write_csv
from tamis.audit.filters import Criterion, Problem
from tamis.audit.queries import FilterError, parse_filter, select, value_matches
from tamis.audit.stats import compute_stats, period_of
from tamis.cli.options import filter_message


@pytest.fixture
def journal(journal_path, policy):
    fill(journal_path, policy, 6)  # even: refuser by "photo"; odd: accepter by "ligne 5"
    return journal_path


def ids(path, **filters):
    return [r["contenu"]["id"] for r in select(path, parse_filter(**filters))]


def test_filters_by_decision_rule_fact_sender_and_policy(journal):
    assert ids(journal, decisions=["refuser"]) == ["inv-0", "inv-2", "inv-4"]
    assert ids(journal, rules=["ligne 5"]) == ["inv-1", "inv-3", "inv-5"]
    assert ids(journal, facts=["sans_photo=faux"]) == ["inv-1", "inv-3", "inv-5"]
    assert ids(journal, facts=["sans_photo", "expediteur.connexions=500"]) == [
        "inv-0",
        "inv-2",
        "inv-4",
    ]
    assert ids(journal, sender="p3") == ["inv-3"]
    assert ids(journal, sender="jean TREMBLAY", decisions=["accepter"]) == [
        "inv-1",
        "inv-3",
        "inv-5",
    ]
    assert len(ids(journal, policy="Essai")) == 6 and ids(journal, policy="autre") == []


def test_date_bounds_are_inclusive_days(journal):
    assert len(ids(journal, since="2000-01-01", until="2999-12-31")) == 6
    assert ids(journal, until="2000-01-01") == []


@pytest.mark.parametrize(
    ("options", "criterion", "value", "problem", "message"),
    [
        (
            {"decisions": ["refus"]},
            Criterion.DECISION,
            "refus",
            Problem.UNKNOWN_DECISION,
            "--decision : décision inconnue « refus » ; choisissez parmi accepter, refuser, "
            "ignorer, signaler, examiner.",
        ),
        (
            {"since": "hier"},
            Criterion.SINCE,
            "hier",
            Problem.BAD_DATE,
            "--depuis : date illisible « hier » ; écrivez AAAA-MM-JJ ou AAAA-MM-JJTHH:MM "
            "(heure UTC).",
        ),
        (
            {"until": "2026-13-01"},
            Criterion.UNTIL,
            "2026-13-01",
            Problem.BAD_DATE,
            "--jusqu-a : date illisible « 2026-13-01 » ; écrivez AAAA-MM-JJ ou "
            "AAAA-MM-JJTHH:MM (heure UTC).",
        ),
        (
            {"facts": ["=vrai"]},
            Criterion.FACT,
            "=vrai",
            Problem.BAD_FACT,
            "--fait : « =vrai » n'est pas de la forme NOM ou NOM=VALEUR.",
        ),
        (
            {"invitation": "inv-\udcff"},
            Criterion.INVITATION,
            "inv-\udcff",
            Problem.NOT_TEXT,
            "ID : « inv-\\xff » n'est pas du texte UTF-8 ; vérifiez l'encodage de votre "
            "terminal (LANG, LC_ALL).",
        ),
    ],
)
def test_bad_filter_values_carry_their_data_and_the_shell_words_them(
    options, criterion, value, problem, message
):
    """The audit layer says which filter and which value; cli/ names the option in French."""
    with pytest.raises(FilterError) as caught:
        parse_filter(**options)
    error = caught.value
    assert (error.criterion, error.value, error.problem) == (criterion, value, problem)
    assert "--" not in str(error)
    assert filter_message(error) == message


def test_value_matching_follows_the_three_values():
    assert value_matches(None, "inconnu") and not value_matches(False, "inconnu")
    assert value_matches(12, "12") and value_matches(0.5, "0,5")
    assert value_matches(["UQAM", "HEC"], "hec") and value_matches("Ana", "ana")


@pytest.mark.parametrize("cell", ['=HYPERLINK("x")', "+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_formula_cells_are_neutralised(cell):
    assert safe_cell(cell) == "'" + cell


def test_csv_keeps_ordinary_values_and_numbers():
    stream = io.StringIO()
    write_csv(stream, ["a", "b", "c", "d"], [{"a": "Jean", "b": -5, "c": None, "d": True}])
    assert stream.getvalue().splitlines() == ["a,b,c,d", "Jean,-5,,vrai"]


def test_stats_count_by_decision_rule_fact_and_period(journal):
    stats = compute_stats(select(journal, parse_filter()), "semaine")
    assert stats.total == 6 and stats.by_decision == {"refuser": 3, "accepter": 3}
    assert stats.by_rule[("photo", "refuser")] == 3
    assert stats.by_fact["sans_photo"] == {"vrai": 3, "faux": 3}
    assert sum(sum(c.values()) for c in stats.by_period.values()) == 6
    assert period_of("2026-01-05T10:00:00.000000Z", "semaine") == "2026-S02"


def test_policy_and_fact_tests_on_their_own_parts():
    flt = parse_filter(policy="essai.tamis", facts=["sans_photo=faux", "n=3"])
    assert flt.policy_ok({"nom": "Essai", "chemin": "/p/essai.tamis", "sha256": "ab"})
    assert not flt.policy_ok({}) and parse_filter().policy_ok({})
    assert flt.facts_ok({"sans_photo": False, "n": 3.0}) and not flt.facts_ok({"sans_photo": False})
    assert parse_filter(policy="abcdef").policy_ok({"sha256": "ABCDEF12".lower()})
