"""The advice (``conseil`` records) of a PostgreSQL journal, for ``advice_log.select``.

The SQL keeps the rows whose ``evenement`` is ``conseil`` (the ``evenement`` index) within
the filter's period (``horodatage`` compared byte by byte, ``COLLATE "C"``, as the file's
readers compare it); the rows stream through a server-side cursor in ``seq`` order and each
line is rebuilt by ``rows.line_of``. A record whose digest no longer matches its content is
still shown as the journal holds it, with a French warning, as for a file.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg

from tamis.audit.advice import EVENT
from tamis.audit.chain import parse_record
from tamis.audit.errors import JournalError
from tamis.audit.filters import Filter
from tamis.audit.postgres import rows, schema
from tamis.audit.postgres import url as urls
from tamis.audit.reader import Warn
from tamis.audit.verify import sealed

_FETCH = 2000


def records(url: str, period: Filter, warn: Warn) -> Iterator[dict]:
    """The ``conseil`` records within ``period``'s bounds, in ``seq`` order (merged)."""
    condition, params = ["evenement = %s"], [EVENT]
    if period.since is not None:
        condition.append('horodatage COLLATE "C" >= %s')
        params.append(period.since)
    if period.until is not None:
        condition.append('horodatage COLLATE "C" < %s')
        params.append(period.until)
    query = (
        f"SELECT {', '.join(rows.LINE_COLUMNS)} FROM {schema.TABLE} "
        f"WHERE {' AND '.join(condition)} ORDER BY seq"
    )
    with urls.connect(url) as connection:
        schema.check(url, connection)
        try:
            with connection.cursor(name="tamis_conseils") as cursor:
                cursor.itersize = _FETCH
                cursor.execute(query, params)
                for row in cursor:
                    yield _record(url, rows.line_of(*row), warn)
        except psycopg.Error as error:
            raise urls.failed(url, error, "de lire") from None


def _record(url: str, line: bytes, warn: Warn) -> dict:
    record = parse_record(line)
    if record is None:
        raise JournalError(f"{urls.shown(url)} : enregistrement illisible dans le journal.")
    if not sealed(line):
        warn(
            f"{urls.shown(url)} : l'enregistrement n° {record['seq']} a été modifié après son "
            "inscription (son empreinte ne correspond plus à son contenu) ; ce qui est montré "
            "est son contenu modifié."
        )
    return record
