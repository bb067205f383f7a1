"""What ``verifier --sceau`` reads of a PostgreSQL journal: the digests of the sealed records.

A seal names a record (``seq``) and the digest it had; ``seal.verify_seals`` asks whether
the journal still holds that record with that digest. In a table the answer is one indexed
query on the primary key, for the sealed numbers only.
"""

from __future__ import annotations

import psycopg

from tamis.audit.postgres import schema
from tamis.audit.postgres import url as urls

_SELECT = f"SELECT seq, empreinte FROM {schema.TABLE} WHERE seq = ANY(%s)"


def digests(url: str, wanted: set[int]) -> dict[int, str]:
    """``seq -> empreinte`` of the records whose ``seq`` is in ``wanted``."""
    with urls.connect(url) as connection:
        schema.check(url, connection)
        try:
            found = connection.execute(_SELECT, (sorted(wanted),)).fetchall()
        except psycopg.Error as error:
            raise urls.failed(url, error, "de lire") from None
    return dict(found)
