"""The advice (``conseil`` records) of a PostgreSQL journal, for ``advice_log.select``.

The SQL keeps the rows whose ``evenement`` is ``conseil`` (the ``evenement`` index) within
the filter's period (``horodatage`` compared byte by byte, ``COLLATE "C"``, as the file's
readers compare it); the rows stream as every query's do (``query.records_where``): a record
whose digest no longer matches its content is still shown as the journal holds it, with a
French warning, as for a file.
"""

from __future__ import annotations

from collections.abc import Iterator

from tamis.audit.advice import EVENT
from tamis.audit.filters import Filter
from tamis.audit.postgres.query import records_where
from tamis.audit.reader import Warn


def records(url: str, period: Filter, warn: Warn) -> Iterator[dict]:
    """The ``conseil`` records within ``period``'s bounds, in ``seq`` order (merged)."""
    condition, params = ["evenement = %s"], [EVENT]
    if period.since is not None:
        condition.append('horodatage COLLATE "C" >= %s')
        params.append(period.since)
    if period.until is not None:
        condition.append('horodatage COLLATE "C" < %s')
        params.append(period.until)
    return records_where(url, " AND ".join(condition), params, warn)
