"""Numbers written the French way for a person (``tamis.grammar.numbers``): the exact texts, and
the promise that the language reads each of them back as the same number, alone or in a list."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tamis.grammar.numbers import french, group
from tamis.grammar.parse import parse_policy
from tamis.grammar.to_ast import MAX_NUMBER_DIGITS

N = "\u202f"  # narrow no-break space


def read_back(text: str):
    """The literal of ``paramètre p = text`` as the parser reads it."""
    policy, diagnostics = parse_policy(f"paramètre p = {text}\n")
    assert diagnostics == [], [d.message for d in diagnostics]
    return policy.statements[0].value


def test_exact_texts():
    assert [french(v) for v in (0, 7, 999, 1000, 25000, 1234567, -12500)] == [
        "0",
        "7",
        "999",
        f"1{N}000",
        f"25{N}000",
        f"1{N}234{N}567",
        f"-12{N}500",
    ]
    assert [french(v) for v in (0.5, 0.98, 12.0, -12500.25, 1e20)] == [
        "0,5",
        "0,98",
        "12,0",
        f"-12{N}500,25",
        f"100{N}000{N}000{N}000{N}000{N}000{N}000,0",
    ]
    assert (
        french(0.98, 2) == "0,98"
        and french(0.0, 2) == "0,00"
        and french(12345.678, 2) == (f"12{N}345,68")
    )
    assert french(float("inf")) == "inf" and group(1048576) == f"1{N}048{N}576"


def test_in_a_list_a_decimal_keeps_its_point():
    assert french(0.5, in_list=True) == "0.5"
    assert french(12500.25, in_list=True) == f"12{N}500.25"


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_float_reads_as_its_exact_decimal_digits(value):
    """Every digit Python keeps and no exponent, whether the float's repr has one or not."""
    expected = format(Decimal(repr(value)), "f")
    expected = expected if "." in expected else expected + ".0"
    whole, _, fraction = french(value).replace(N, "").lstrip("-").partition(",")
    assert f"{whole}.{fraction}" == expected.lstrip("-")


def _fits(value: float) -> bool:
    return sum(c.isdigit() for c in french(value)) <= MAX_NUMBER_DIGITS


NUMBERS = st.integers(-(10**15), 10**15) | st.floats(-1e12, 1e12).filter(_fits)


@given(NUMBERS)
def test_the_language_reads_a_french_number_back_as_the_same_number(value):
    read = read_back(french(value))
    assert read.value == value and type(read.value) is type(value)


@given(st.lists(NUMBERS, min_size=1, max_size=5))
def test_the_language_reads_a_list_of_french_numbers_back_as_the_same_list(values):
    text = "[" + ", ".join(french(v, in_list=True) for v in values) + "]"
    read = read_back(text)
    assert [item.value for item in read.items] == values
