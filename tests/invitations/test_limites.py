"""The documented limits of an invitation (size, nesting, digits), each at the limit and one
past it, and hostile inputs (endless, NaN, huge numbers) as French messages with their place:
never an exception, and the neighbours are read."""

# ruff: noqa: E501 - expected French messages stay on one line, as users see them

from __future__ import annotations

import io

import orjson
import pytest

from tamis.invitations.limits import MAX_CHARS, MAX_DEPTH
from tamis.invitations.models import MAX_DIGITS
from tamis.invitations.reader import read_invitations

TOO_DEEP = "imbrication trop profonde : plus de 64 niveaux d'objets et de listes"


def read(text: str, name: str = "t") -> list:
    return list(read_invitations(io.StringIO(text), name=name))


def sized(length: int, ident: str = "long") -> str:
    """A valid invitation whose JSON text has exactly ``length`` characters."""
    empty = orjson.dumps({"id": ident, "message": ""}).decode()
    return orjson.dumps({"id": ident, "message": "x" * (length - len(empty))}).decode()


def nested(levels: int) -> str:
    """An invitation (level 1) whose unknown field nests objects down to ``levels``."""
    inner = "1"
    for _ in range(levels - 1):
        inner = '{"a": ' + inner + "}"
    return '{"id": "creux", "x": ' + inner + "}"


def neighbours_kept(records: list, poisoned: int = 1) -> None:
    assert [r.invitation.id for r in records if r.invitation] == ["avant", "apres"]
    assert records[poisoned].invitation is None


def around(text: str) -> str:
    return f'{{"id": "avant"}}\n{text}\n{{"id": "apres"}}\n'


def test_size_limit_at_and_past() -> None:
    (at,) = read(sized(MAX_CHARS))
    assert at.invitation.id == "long" and not at.errors
    records = read(around(sized(MAX_CHARS + 1)))
    neighbours_kept(records)
    assert records[1].location == "t:2"
    assert records[1].errors == ("invitation trop longue : plus de 1 048 576 caractères",)


@pytest.mark.parametrize("length", [MAX_CHARS + 2, MAX_CHARS + 3, MAX_CHARS + 60_000, 17 * 65_536])
@pytest.mark.parametrize("binary", [False, True])
def test_an_overlong_line_never_takes_the_next_one_with_it(length: int, binary: bool) -> None:
    """A line whose last piece (the input is read 64 Kio at a time) both went past the limit
    and ended the line: the next line was read as the rest of the overlong one, so that
    invitation was lost without a word, and every later line number was one off."""
    text = around(sized(length)) + '{"id": "fin"}\n'
    source = io.BytesIO(text.encode()) if binary else io.StringIO(text)
    records = list(read_invitations(source, name="t"))
    assert [(r.location, r.invitation.id if r.invitation else None) for r in records] == [
        ("t:1", "avant"),
        ("t:2", None),
        ("t:3", "apres"),
        ("t:4", "fin"),
    ]
    assert records[1].errors[0].startswith("invitation trop longue")


def test_size_limit_in_an_array_ends_only_that_element_when_it_is_complete() -> None:
    text = f'[{{"id": "avant"}}, {sized(MAX_CHARS + 1)}, {{"id": "apres"}}]'
    records = read(text)
    neighbours_kept(records)
    assert records[1].errors == ("invitation trop longue : plus de 1 048 576 caractères",)


def test_nesting_limit_at_and_past() -> None:
    assert MAX_DEPTH == 64
    (at,) = read(nested(MAX_DEPTH))
    assert at.invitation.id == "creux" and at.warnings  # the unknown field, ignored
    records = read(around(nested(MAX_DEPTH + 1)))
    neighbours_kept(records)
    assert records[1].errors == (
        f"invitation « creux », champ « x.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a… » : {TOO_DEEP}",
    )


@pytest.mark.parametrize("levels", [255, 5000])
def test_a_deeply_nested_invitation_is_rejected_alone(levels: int) -> None:
    for records in (
        read(around(nested(levels))),
        read(f'[{{"id": "avant"}}, {nested(levels)}, {{"id": "apres"}}]'),
    ):
        neighbours_kept(records)
        assert records[1].errors[0].endswith(TOO_DEEP)


def test_digits_limit_at_and_past() -> None:
    assert MAX_DIGITS == 18
    (at,) = read('{"id": "n", "expediteur": {"connexions": 999999999999999999}}')
    assert at.invitation.expediteur.connexions == 999_999_999_999_999_999
    records = read(around('{"id": "n", "expediteur": {"connexions": 1234567890123456789}}'))
    neighbours_kept(records)
    assert records[1].errors == (
        "invitation « n », champ « expediteur.connexions » : nombre de 19 chiffres ; au plus 18",
    )
    (beyond_64_bits,) = read(
        '{"id": "n", "expediteur": {"recommandations": 123456789012345678901}}'
    )
    assert beyond_64_bits.errors == (
        "invitation « n », champ « expediteur.recommandations » : nombre de 21 chiffres ; au plus 18",
    )
    (big,) = read('{"id": "n", "expediteur": {"connexions": 12345678901234567890123}}')
    assert big.errors == (
        "invitation « n », champ « expediteur.connexions » : nombre de 23 chiffres ; au plus 18",
    )


def test_long_digit_runs_inside_texts_are_not_numbers_and_unknown_fields_keep_them() -> None:
    (record,) = read('{"id": "12345678901234567890123", "message": "tél. 1234567890123456789012"}')
    assert record.invitation.id == "12345678901234567890123" and not record.errors


def test_nan_and_infinity_are_named_not_shown_as_null() -> None:
    records = read(around('{"id": "n", "expediteur": {"connexions": NaN}}'))
    neighbours_kept(records)
    assert records[1].errors == (
        "JSON invalide, colonne 42 (NaN et Infinity ne sont pas des nombres JSON)",
    )
    (element,) = read('[{"id": "n", "expediteur": {"connexions": -Infinity}}]')
    assert element.errors == (
        "JSON invalide, colonne 44 (NaN et Infinity ne sont pas des nombres JSON)",
    )


def test_an_id_of_spaces_is_refused() -> None:
    (record,) = read('{"id": "   "}')
    assert record.errors == (
        'invitation sans id, champ « id » : ne doit pas être fait que d\'espaces (reçu : "   ")',
    )


def test_a_wrong_value_is_shown_short_and_an_object_by_its_kind() -> None:
    long_name = {
        "id": "a",
        "expediteur": {"connexions": "Jean-Sébastien Tremblay-Gagnon, directeur"},
    }
    (record,) = read(orjson.dumps(long_name).decode())
    assert record.errors == (
        'invitation « a », champ « expediteur.connexions » : doit être un nombre entier (reçu : "Jean-Sébastien Trembla…)',
    )
    (record,) = read('{"id": "a", "expediteur": {"nom": {"prive": "secret"}}}')
    assert record.errors == (
        "invitation « a », champ « expediteur.nom » : doit être un texte (reçu : un objet)",
    )


class Endless(io.RawIOBase):
    """``/dev/zero``, or any input that never ends, counting what was read."""

    def __init__(self, prefix: bytes = b"", byte: bytes = b"\0") -> None:
        self.prefix, self.byte, self.given = prefix, byte, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = (self.prefix + self.byte * len(buffer))[: len(buffer)]
        self.prefix = self.prefix[len(data) :]
        buffer[: len(data)] = data
        self.given += len(data)
        return len(data)


@pytest.mark.parametrize(
    ("prefix", "byte", "expected"),
    [
        (b"", b"\0", "format non reconnu : ni JSON, ni JSON Lines, ni Invitations.csv de LinkedIn"),
        (
            b'{"id": "a"}\n{"id": "',
            b"a",
            "ligne sans fin : plus de 67 108 864 caractères ; lecture arrêtée",
        ),
        (b"", b" ", "plus de 1 048 576 caractères blancs au début : lecture arrêtée"),
        (b'[{"id": "a"}, "', b"a", "invitation trop longue : plus de 1 048 576 caractères"),
    ],
)
def test_an_endless_input_ends_with_a_french_message(
    prefix: bytes, byte: bytes, expected: str
) -> None:
    stream = Endless(prefix, byte)
    records = list(read_invitations(io.BufferedReader(stream), name="/dev/zero"))
    assert records[-1].errors == (expected,)
    assert stream.given < 80 * MAX_CHARS
    assert [r.invitation.id for r in records if r.invitation] == (["a"] if prefix else [])
