"""What a PostgreSQL journal has already decided: the latest decision of given invitation ids.

The PostgreSQL side of ``tamis.audit.seen`` (``triage.repeat.Ledger``): one query per batch
of ids, on the indexed ``id_invitation`` column, over one connection held for the run; the
inputs' digest of each decision is computed here from its personal part
(``inputs.previous_of`` on the merged record), never stored in the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import orjson

from tamis.audit.inputs import Previous, previous_of
from tamis.audit.personal import KEY, merged
from tamis.audit.postgres import schema
from tamis.audit.postgres import url as urls

_LATEST = f"""
SELECT DISTINCT ON (id_invitation COLLATE "C")
    seq, horodatage, contenu, donnees_personnelles
FROM {schema.TABLE}
WHERE evenement = 'decision' AND id_invitation COLLATE "C" = ANY(%s)
ORDER BY id_invitation COLLATE "C", seq DESC
"""


class PostgresLedger:
    """``triage.repeat.Ledger`` over a PostgreSQL journal; ``close`` it (or use ``with``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.connection = None

    def __enter__(self) -> PostgresLedger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def latest(self, ids: Sequence[str]) -> Mapping[str, Previous]:
        import psycopg

        if not ids:
            return {}
        try:
            if self.connection is None:
                self.connection = urls.connect(self.url, autocommit=True)
            rows = self.connection.execute(_LATEST, (list(dict.fromkeys(ids)),)).fetchall()
        except psycopg.Error as error:
            self.close()
            raise urls.failed(self.url, error, "de lire") from None
        found = (_previous(*row) for row in rows)
        return {previous.id: previous for previous in found if previous is not None}

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _previous(seq: int, horodatage: str, contenu: str, personal: str | None) -> Previous | None:
    record = {"seq": seq, "horodatage": horodatage, "contenu": orjson.loads(contenu)}
    if personal is not None:
        record[KEY] = orjson.loads(personal)
    whole = merged(record)
    return previous_of(whole) if whole is not None else None
