"""``rows.row_of``: a line that is not a record is a French ``JournalError`` naming the
record, whatever is wrong with it, never a ``KeyError`` or ``AttributeError``; the table
it was going into is left as it was."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import checked, fill

from tamis.audit.errors import JournalError
from tamis.audit.postgres import rows
from tamis.audit.postgres.copy import into_database


def without(key: str):
    def change(record: dict) -> None:
        del record[key]

    return change


def content_as_a_list(record: dict) -> None:
    record["contenu"] = [1]


def seq_as_a_text(record: dict) -> None:
    record["seq"] = "sept"


CHANGES = [
    (without("precedente"), "enregistrement n° 3 illisible : son champ « precedente » manque"),
    (without("version"), "enregistrement n° 3 illisible : son champ « version » manque"),
    (content_as_a_list, "enregistrement n° 3 illisible : son champ « contenu » n'est pas un objet"),
    (seq_as_a_text, 'enregistrement n° "sept" illisible : son champ « seq » n\'est pas un entier'),
]


@pytest.fixture
def lines(tmp_path: Path) -> list[bytes]:
    path = tmp_path / "journal.jsonl"
    fill(path, checked(), 4)
    return path.read_bytes().splitlines()


@pytest.mark.parametrize(("change", "said"), CHANGES)
def test_a_line_that_is_not_a_record_is_a_french_error_naming_it(lines, change, said):
    record = orjson.loads(lines[2])
    change(record)
    with pytest.raises(JournalError) as raised:
        rows.row_of(orjson.dumps(record))
    assert str(raised.value) == f"{said}."
    with pytest.raises(JournalError, match=r"^enregistrement n° \? illisible : ce n'est pas du"):
        rows.row_of(b"pas du json")
    assert rows.row_of(lines[2]).seq == 3  # the line as tamis wrote it


def test_such_a_line_stops_a_copy_into_a_table_which_stays_empty(pg_url, lines):
    record = orjson.loads(lines[2])
    del record["precedente"]
    with pytest.raises(JournalError, match="enregistrement n° 3 illisible"):
        into_database([lines[0], lines[1], orjson.dumps(record), *lines[3:]], pg_url)
    with psycopg.connect(pg_url) as connection:
        assert connection.execute("SELECT count(*) FROM tamis_journal").fetchone() == (0,)
