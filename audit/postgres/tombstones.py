"""``verifier``'s second look at a PostgreSQL journal: every erasure is what it says it is.

The rows that mention ``effacement`` (the ``effacement`` records, and the personal parts that
name one: tombstones), in ``seq`` order, go through the file's own check
(``audit.tombstones.check_lines``): each ``effacement`` record finds a tombstone naming it on
every record it lists, and every tombstone belongs to an ``effacement`` record that lists it.
Those rows are found by a partial index (``schema.ERASURES``), so a journal without erasures
costs one index probe. A problem's ``line`` is the record's number (in a chain found intact, the
rank and the number are the same).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import psycopg

from tamis.audit.postgres import rows, schema
from tamis.audit.postgres import url as urls
from tamis.audit.tombstones import ErasureCheck, check_lines

_SELECT = f"""
SELECT {", ".join(rows.LINE_COLUMNS)} FROM {schema.TABLE} WHERE {schema.ERASURES} ORDER BY seq
"""


def check_erasures(url: str) -> ErasureCheck:
    """The file's check; its message without the file's « ligne N : » (a table has no lines,
    and the message names the records by their numbers)."""
    found = check_lines(_mentions(url))
    if found.message is None:
        return found
    return replace(found, message=found.message.removeprefix(f"ligne {found.line} : "))


def _mentions(url: str) -> Iterator[tuple[int, bytes]]:
    with urls.connect(url) as connection:
        schema.check(url, connection)
        try:
            with connection.cursor(name="tamis_effacements") as cursor:
                cursor.itersize = 2000
                cursor.execute(_SELECT)
                for row in cursor:
                    yield row[0], rows.line_of(*row)
        except psycopg.Error as error:
            raise urls.failed(url, error, "de lire") from None
