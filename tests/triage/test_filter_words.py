"""Every ``Problem`` of a filter value worded by both shells, and a future one not falsely.

``cli.options.filter_message`` and ``service.api_journal.filter_error`` ended in a catch-all
that said « n'est pas du texte UTF-8 » of any problem they did not name: a time skipped or
repeated by a change of clocks (``Problem.NO_SUCH_TIME``, ``AMBIGUOUS_TIME``) reached the
command line as an encoding problem, and so would any problem added later.
"""

from __future__ import annotations

import enum

import pytest

from tamis.audit.filters import Criterion, FilterError, Problem
from tamis.cli.options import filter_message, problem_words
from tamis.service.api_journal import PROBLEM_WORDS, filter_error

EXAMPLES = {  # a value and ``near`` as the code that raises each problem gives them
    Problem.UNKNOWN_DECISION: (Criterion.DECISION, "accepté", ()),
    Problem.BAD_DATE: (Criterion.SINCE, "hier", ()),
    Problem.BAD_FACT: (Criterion.FACT, "=vrai", ()),
    Problem.NOT_TEXT: (Criterion.RULE, "caf\udce9", ()),
    Problem.UNKNOWN_FACT: (Criterion.FACT, "sans_foto", ("sans_photo",)),
    Problem.FACT_VALUE: (Criterion.FACT, "sans_photo=oui", ("booléen",)),
    Problem.NO_SUCH_TIME: (Criterion.SINCE, "2026-03-08T02:30", ("EST", "EDT")),
    Problem.AMBIGUOUS_TIME: (
        Criterion.UNTIL,
        "2026-11-01T01:30",
        ("EDT", "EST", "2026-11-01T01:30-04:00", "2026-11-01T01:30-05:00"),
    ),
}


def messages(error: FilterError) -> tuple[str, str]:
    """What the command line and the API say of ``error``."""
    return filter_message(error), filter_error(error, "America/Toronto").message


def test_every_problem_has_an_example():
    assert set(EXAMPLES) == set(Problem)


def test_both_shells_word_the_problems_in_one_table_each_keyed_by_problem():
    """The API's words were an if/elif beside the command line's table: a problem added to
    one was easily missed in the other. Each is a table by problem, and they hold the same."""
    assert set(PROBLEM_WORDS) == set(problem_words()) == set(Problem)


@pytest.mark.parametrize("problem", list(Problem), ids=lambda p: p.value)
def test_every_problem_is_worded_for_what_it_is(problem):
    criterion, value, near = EXAMPLES[problem]
    said = messages(FilterError(criterion, value, problem, near))
    for text in said:
        assert ("UTF-8" in text) == (problem is Problem.NOT_TEXT), text
        assert "refusée (problème" not in text, text  # not the words for an unknown one
    assert said[0].startswith(("--", "ID")) and said[1].startswith("paramètre « ")


def test_the_times_a_change_of_clocks_skips_or_repeats_on_the_command_line():
    skipped, repeated = (
        filter_message(FilterError(*EXAMPLES[p][:2], p, EXAMPLES[p][2]))
        for p in (Problem.NO_SUCH_TIME, Problem.AMBIGUOUS_TIME)
    )
    assert skipped == (
        "--depuis : l'heure 02:30 n'existe pas le 2026-03-08 : les horloges avancent (EST → "
        "EDT) et sautent cette heure-là ; écrivez une heure d'avant ou d'après le changement "
        "d'heure."
    )
    assert repeated.startswith("--jusqu-a : l'heure 01:30 a lieu deux fois le 2026-11-01 : ")
    assert repeated.endswith("2026-11-01T01:30-04:00 (EDT) ou 2026-11-01T01:30-05:00 (EST).")


class Later(enum.Enum):
    """A problem a later version of ``audit.filters`` might add, that no shell words yet."""

    NOUVEAU = "probleme_nouveau"


def test_a_problem_no_shell_words_yet_is_said_as_refused_with_its_code():
    error = FilterError(Criterion.RULE, "photo", Later.NOUVEAU)  # type: ignore[arg-type]
    assert messages(error) == (
        "--regle : valeur « photo » refusée (problème « probleme_nouveau »).",
        "paramètre « regle » : valeur « photo » refusée (problème « probleme_nouveau »)",
    )


def test_a_value_that_is_not_text_is_shown_escaped_by_both_shells():
    """The API said « paramètre « regle » : n'est pas du texte UTF-8 », without the value
    the command line shows; both show it, its bytes escaped (it is not text to print)."""
    error = FilterError(*EXAMPLES[Problem.NOT_TEXT][:2], Problem.NOT_TEXT)
    assert messages(error) == (
        "--regle : « caf\\xe9 » n'est pas du texte UTF-8 ; vérifiez l'encodage de votre"
        " terminal (LANG, LC_ALL).",
        "paramètre « regle » : « caf\\xe9 » n'est pas du texte UTF-8",
    )
