"""Limits and spellings the parser accepts: number length, policy size, line ends, and numbers
written the French way (``10 000``, ``0,5``), each tested at its edge and one past it."""

from __future__ import annotations

import io

import pytest

from tamis.grammar import ast
from tamis.grammar.format import format_policy
from tamis.grammar.load import (
    MAX_POLICY_BYTES,
    load_policy,
    load_policy_file,
    load_policy_stream,
)
from tamis.grammar.parse import parse_policy
from tamis.grammar.to_ast import MAX_NUMBER_DIGITS
from tamis.invitations.vocabulary import vocabulary

VOCABULARY = vocabulary()


def value_of(text: str):
    policy, diagnostics = parse_policy(f"paramètre p = {text}\n")
    assert diagnostics == [], [d.message for d in diagnostics]
    return policy.statements[0].value


def only_error(source: str):
    _, diagnostics = load_policy(source, "p.tamis", VOCABULARY)
    assert len(diagnostics) == 1, [d.message for d in diagnostics]
    return diagnostics[0]


# --- number length -----------------------------------------------------------------


def test_a_number_of_twenty_digits_is_read():
    assert MAX_NUMBER_DIGITS == 20
    assert value_of("9" * 18).value == int("9" * 18)
    assert value_of("-" + "9" * 18).value == -int("9" * 18)
    assert value_of("1234567890.1234567890").value == 1234567890.123456789
    assert value_of("9" * 19 + ".0").value == 1e19


def test_what_the_formatter_writes_of_a_long_decimal_reads_again():
    """« 9999999999999999999.9 » (20 digits) is 1e19, which the formatter writes
    « 10000000000000000000.0 »: 21 digits, E009, so formater turned a valid policy into one
    that valider refused. The zeros that end the decimals are not counted."""
    for text in ("9999999999999999999.9", "99999999999999999.999"):
        source = f"paramètre p = {text}\nrefuser si expediteur.connexions > p\n"
        policy, diagnostics = parse_policy(source)
        assert diagnostics == []
        formatted = format_policy(policy)
        again, diagnostics = parse_policy(formatted)
        assert diagnostics == [], [d.message for d in diagnostics]
        assert format_policy(again) == formatted
    assert value_of("1,50000000000000000000000").value == 1.5
    assert only_error("refuser si expediteur.connexions > 1.00000000000000000001\n").message == (
        "nombre trop long : 21 chiffres (au plus 20)"
    )


def test_an_integer_of_more_than_eighteen_digits_is_e009():
    """« paramètre seuil = 99999999999999999999 » was read, then decider ended in a TypeError
    traceback journaling the parameter (past 64 bits): an integer has at most 18 digits, as
    an invitation's counts and a context's parameters."""
    for text in ("9" * 19, "-" + "9" * 19, "99 999 999 999 999 999 999"):
        error = only_error(f"paramètre seuil = {text}\nrefuser si expediteur.connexions < seuil\n")
        assert (error.code, error.span.line, error.span.column) == ("E009", 1, 19)
        digits = sum(c.isdigit() for c in text)
        assert error.message == f"entier trop long : {digits} chiffres (au plus 18)"
        assert error.help == (
            "un entier tient en 18 chiffres, comme les nombres d'une invitation ;"
            " vérifiez la valeur"
        )


def test_twenty_one_digits_or_thousands_is_e009_with_its_place_not_a_traceback():
    for digits in (21, 5000):
        error = only_error(f"refuser si expediteur.connexions > {'7' * digits}\nsinon examiner\n")
        assert (error.code, error.span.line, error.span.column) == ("E009", 1, 36)
        assert error.message == f"nombre trop long : {digits} chiffres (au plus 20)"
        assert error.help == (
            "un nombre d'une politique (seuil, borne, priorité) tient en quelques chiffres ;"
            " vérifiez la valeur"
        )


def test_a_long_priority_and_a_long_list_item_are_refused_too():
    source = 'résolution priorité\nrègle "a" priorité ' + "1" * 30 + " : refuser si connu\n"
    assert only_error(source).message == "nombre trop long : 30 chiffres (au plus 20)"
    assert only_error("refuser si expediteur.connexions dans [1, " + "2" * 21 + "]\n").code == (
        "E009"
    )


# --- policy size -------------------------------------------------------------------


def padded(size: int) -> str:
    """A valid policy of exactly ``size`` UTF-8 bytes (a long comment holds the padding)."""
    body = "refuser si sans_photo\nsinon examiner\n# "
    return body + "x" * (size - len(body.encode()) - 1) + "\n"


def test_a_policy_of_exactly_eight_mebibytes_is_read(tmp_path):
    text = padded(MAX_POLICY_BYTES)
    assert len(text.encode()) == MAX_POLICY_BYTES == 8 * 1024 * 1024
    path = tmp_path / "grande.tamis"
    path.write_text(text, encoding="utf-8")
    checked, diagnostics, _ = load_policy_file(path, VOCABULARY)
    assert checked is not None and diagnostics == []


TOO_LARGE = (
    "impossible de lire la politique : trop grande : plus de 8\u202f388\u202f608 octets (8 Mio),"
    " la taille maximale"
)


def test_one_byte_more_is_e000_from_a_file_a_stream_or_a_text(tmp_path):
    text = padded(MAX_POLICY_BYTES + 1)
    path = tmp_path / "trop.tamis"
    path.write_text(text, encoding="utf-8")
    for _, diagnostics, _ in (
        load_policy_file(path, VOCABULARY),
        load_policy_stream(io.BytesIO(text.encode()), "<entrée standard>", VOCABULARY),
        (None, load_policy(text, "t.tamis", VOCABULARY)[1], ""),
    ):
        assert [(d.code, d.message) for d in diagnostics] == [("E000", TOO_LARGE)]
        assert diagnostics[0].help == (
            "une politique tient en 8 Mio au plus : découpez-la en plusieurs politiques"
        )


def test_an_endless_input_stops_at_the_limit():
    class Endless(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b"\0" * len(buffer)
            return len(buffer)

    _, diagnostics, _ = load_policy_stream(io.BufferedReader(Endless()), "-", VOCABULARY)
    assert diagnostics[0].message == TOO_LARGE


# --- line ends -----------------------------------------------------------------------


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_lf_crlf_and_cr_are_all_line_ends(end):
    source = end.join(["# commentaire", "refuser si sans_phot", "sinon examiner", ""])
    error = only_error(source)
    assert (error.code, error.span.line, error.span.column) == ("E011", 2, 12)
    policy, _ = parse_policy(source)
    assert policy.comments[0].text == " commentaire"
    assert format_policy(policy) == "# commentaire\nrefuser si sans_phot\nsinon examiner\n"


def test_a_cr_only_file_is_not_one_comment_line(tmp_path):
    path = tmp_path / "mac.tamis"
    path.write_bytes(b"# politique\rrefuser si sans_photo\rsinon examiner\r")
    checked, diagnostics, source = load_policy_file(path, VOCABULARY)
    assert checked is not None and diagnostics == []
    assert [r.action for r in checked.rules] == [ast.Action.REFUSER]
    assert source == "# politique\nrefuser si sans_photo\nsinon examiner\n"


# --- numbers written the French way ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10 000", 10000),
        ("10\u00a0000", 10000),
        ("10\u202f000", 10000),
        ("1 234 567", 1234567),
        ("-2 500", -2500),
        ("0,5", 0.5),
        ("-1,25", -1.25),
        ("12 345,678", 12345.678),
        ("1 000.5", 1000.5),
    ],
)
def test_french_numbers_are_read(text, value):
    literal = value_of(text)
    assert literal.value == value and type(literal.value) is type(value)


def test_in_a_list_the_comma_always_separates_items():
    assert [i.value for i in value_of("[1,5]").items] == [1, 5]
    assert [i.value for i in value_of("[0.5, 10 000, 2]").items] == [0.5, 10000, 2]


@pytest.mark.parametrize("text", ["1 0000", "10  000", "10 00"])
def test_a_space_that_does_not_separate_groups_of_three_is_a_syntax_error(text):
    error = only_error(f"refuser si expediteur.connexions > {text}\nsinon examiner\n")
    assert error.code == "E001"


def test_the_formatter_writes_one_canonical_form():
    policy, _ = parse_policy(
        "paramètre seuil_commercial = 0,5\n"
        "refuser si expediteur.connexions > 10\u202f000 et expediteur.connexions < 1 000 000\n"
    )
    assert format_policy(policy) == (
        "paramètre seuil_commercial = 0.5\n\n"
        "refuser si expediteur.connexions > 10000 et expediteur.connexions < 1000000\n"
    )
