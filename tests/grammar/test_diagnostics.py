"""Rendering of diagnostics, and the golden corpus of broken policies.

Each ``tests/corpus/diagnostics/NAME.tamis`` has a ``NAME.attendu`` holding every diagnostic
rendered as ``tamis valider`` prints it. To regenerate after a deliberate change, run
``TAMIS_GOLDEN=ecrire pytest tests/grammar/test_diagnostics.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tamis.grammar.ast import Span
from tamis.grammar.diagnostics import Diagnostic, Severity, render
from tamis.grammar.load import load_policy
from tamis.invitations.vocabulary import vocabulary

GOLDEN = Path(__file__).resolve().parents[1] / "corpus" / "diagnostics"
CASES = sorted(GOLDEN.glob("*.tamis"))


def rendered(path: Path) -> str:
    source = path.read_text(encoding="utf-8")
    _, diagnostics = load_policy(source, path.name, vocabulary())
    return "\n\n".join(render(d, source) for d in diagnostics) + "\n"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden(path: Path) -> None:
    expected = path.with_suffix(".attendu")
    actual = rendered(path)
    if os.environ.get("TAMIS_GOLDEN") == "ecrire":
        expected.write_text(actual, encoding="utf-8")
    assert actual == expected.read_text(encoding="utf-8")


def test_golden_corpus_is_not_empty() -> None:
    assert len(CASES) >= 5
    assert all(p.with_suffix(".attendu").exists() for p in CASES)


def diag(span: Span, help: str | None = None, code: str = "E011") -> Diagnostic:
    return Diagnostic(code, Severity.ERREUR, "problème", span, help, "p.tamis")


def test_render_header_line_caret_and_help() -> None:
    text = render(
        diag(Span(2, 12, 2, 21), "vouliez-vous dire « sans_photo » ?"), "\nrefuser si sans_phot\n"
    )
    assert text == (
        "p.tamis:2:12: erreur[E011]: problème\n"
        " 2 | refuser si sans_phot\n"
        "   |            ^^^^^^^^^\n"
        "  aide : vouliez-vous dire « sans_photo » ?"
    )


def test_render_expands_tabs_under_the_caret() -> None:
    text = render(diag(Span(1, 3, 1, 4)), "a\tb c")
    assert text.splitlines()[1:] == [" 1 | a    b c", "   |      ^"]


def test_render_counts_wide_characters_twice() -> None:
    text = render(diag(Span(1, 4, 1, 6)), "東京 東京")
    assert text.splitlines()[1:] == [" 1 | 東京 東京", "   |      ^^^^"]


def test_render_counts_invisible_characters_as_nothing() -> None:
    """A zero-width space, a joiner, a direction mark or an emoji's variation selector in a
    string takes no column of a terminal: the caret after them stood one column to the
    right for each (they counted 1, as only combining accents counted 0)."""
    line = 'règle "a\u200b\u200d\u200eb\u2764\ufe0f" : refuser si x'
    column = line.index(" x") + 2
    text = render(diag(Span(1, column, 1, column + 1)), line)
    # the direction mark is shown escaped (« \u200e », six columns), the three others not
    assert text.splitlines()[1] == " 1 | " + line.replace("\u200e", "\\u200e")
    assert text.splitlines()[2] == "   | " + " " * (column - 1 - 4 + 6) + "^"
    assert render(diag(Span(1, 2, 1, 3)), "\xadx").splitlines()[2] == "   |  ^"  # soft hyphen


def test_render_cuts_a_long_line_around_the_span() -> None:
    """A line of thousands of characters (a policy on one line, a list of thousands of items)
    is shown as 100 characters around the span, « … » at each cut: each of its diagnostics
    printed the whole line, and 2,000 errors in a 6,000-character line made 12 Mo of output,
    20 s and 880 Mo of memory for valider."""
    line = "paramètre l = [" + ", ".join(f"{i:03}" for i in range(1000)) + "]"
    middle = line.index("500") + 1
    shown, carets = render(diag(Span(1, middle, 1, middle + 3)), line).splitlines()[1:]
    assert shown == " 1 | …" + line[middle - 41 : middle + 59] + "…"
    assert carets == "   | " + " " * 41 + "^^^"
    first = render(diag(Span(1, 16, 1, 19)), line).splitlines()[1:]
    assert first == [" 1 | " + line[:100] + "…", "   | " + " " * 15 + "^^^"]
    end = len(line) + 1
    last = render(diag(Span(1, end, 1, end + 1)), line).splitlines()[1:]
    assert last == [" 1 | …" + line[-100:], "   | " + " " * 101 + "^"]


def test_render_shows_the_line_the_parser_counted() -> None:
    """Lines end at LF only, as the parser counts them: a form feed, U+0085 or U+2028 in a
    comment or a string does not end one (str.splitlines says it does, and the excerpt showed
    « suite » for line 5 below)."""
    source = (
        "# Partie 1\x0c\nrefuser si sans_photo\n# page 2 \u2028 suite\n"
        'examiner si expediteur.titre = "a\x85b"\nrefuser si conu\nsinon accepter\n'
    )
    text = render(diag(Span(5, 12, 5, 16)), source)
    assert text.splitlines()[1:] == [" 5 | refuser si conu", "   |            ^^^^"]


def test_render_multi_line_span_marks_each_line() -> None:
    source = 'règle "a" : refuser si x\n    motif "m"\n'
    text = render(diag(Span(1, 1, 2, 14)), source)
    assert text.splitlines()[1:] == [
        ' 1 | règle "a" : refuser si x',
        "   | ^^^^^^^^^^^^^^^^^^^^^^^^",
        ' 2 |     motif "m"',
        "   |     ^^^^^^^^^",
    ]


def test_render_long_span_is_cut_after_four_lines() -> None:
    source = "\n".join(f"ligne {n}" for n in range(1, 11))
    lines = render(diag(Span(2, 1, 9, 3)), source).splitlines()
    assert lines[1] == " 2 | ligne 2"
    assert lines[-2:] == ["   | ^^^^^^^", "   | …"]
    assert len(lines) == 1 + 2 * 4 + 1


def test_render_gutter_is_as_wide_as_the_largest_line_number() -> None:
    source = "\n" * 9 + "abc\ndef\n"
    lines = render(diag(Span(10, 1, 11, 2)), source).splitlines()
    assert lines[1:] == [" 10 | abc", "    | ^^^", " 11 | def", "    | ^"]


def test_render_empty_span_after_the_end_of_a_line() -> None:
    lines = render(diag(Span(1, 4, 1, 4), code="W003"), "abc").splitlines()
    assert lines[1:] == [" 1 | abc", "   |    ^"]


def test_render_without_position_has_no_excerpt() -> None:
    text = render(diag(Span(0, 0, 0, 0), "vérifiez le chemin", code="E000"), "")
    assert text == "p.tamis: erreur[E000]: problème\n  aide : vérifiez le chemin"


def test_render_position_past_the_end_of_the_source() -> None:
    assert render(diag(Span(5, 1, 5, 2)), "abc") == "p.tamis:5:1: erreur[E011]: problème"


def test_to_json_shape() -> None:
    assert diag(Span(2, 3, 2, 7), "aide").to_json() == {
        "code": "E011",
        "severity": "erreur",
        "file": "p.tamis",
        "line": 2,
        "column": 3,
        "end": {"line": 2, "column": 7},
        "message": "problème",
        "suggestion": "aide",
    }


def test_control_characters_in_the_excerpt_are_escaped_and_the_caret_follows() -> None:
    """A policy is a file people share: a string holding a terminal's escape sequences
    (clear the screen, set the title) was printed raw under each diagnostic of its line."""
    source = 'politique "x"\nrègle "a\x1b[2J\x1b]0;t\x07\ttab" : refuser si sans_phot\n'
    _, diagnostics = load_policy(source, "p.tamis", vocabulary())
    text = render(next(d for d in diagnostics if d.code == "E011"), source)
    shown, carets = text.splitlines()[1:3]
    assert shown == ' 2 | règle "a\\x1b[2J\\x1b]0;t\\x07    tab" : refuser si sans_phot'
    assert carets.index("^") == shown.index("sans_phot")
    assert carets.count("^") == len("sans_phot")
    assert not any(c in text for c in "\x1b\x07")


def test_a_direction_override_is_shown_escaped_with_its_caret_under_it() -> None:
    source = 'politique "x"\nrègle "b\u202eevil" : refuser si sans_photo\nsinon accepter\n'
    _, diagnostics = load_policy(source, "p.tamis", vocabulary())
    text = render(next(d for d in diagnostics if d.code == "W012"), source)
    shown, carets = text.splitlines()[1:3]
    assert shown == ' 2 | règle "b\\u202eevil" : refuser si sans_photo'
    assert carets.strip(" |") == "^" * len("\\u202e")
    assert carets.index("^") == shown.index("\\u202e")
