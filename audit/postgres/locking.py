"""The journal's advisory lock held for a while: writers on every machine wait meanwhile.

Writers take the lock (``sink.LOCK``) inside the transaction of each batch; ``held`` takes it
in a transaction of its own, left open for the ``with`` block (``tamis journal migrer`` reads
the whole journal under it, as it holds a shared ``flock`` on a file) and released by the
rollback at its end.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg

from tamis.audit.postgres import schema
from tamis.audit.postgres import url as urls
from tamis.audit.postgres.sink import LOCK


@contextlib.contextmanager
def held(url: str) -> Iterator[None]:
    """The lock held by a connection of its own for the block; a French ``JournalError`` if
    the journal cannot be reached or is not a journal of this schema."""
    with urls.connect(url) as connection:
        schema.check(url, connection)
        try:
            connection.execute(LOCK, (schema.LOCK_CLASS,))
        except psycopg.Error as error:
            raise urls.failed(url, error, "de verrouiller") from None
        try:
            yield
        finally:
            with contextlib.suppress(psycopg.Error):
                connection.rollback()
