"""One connection per worker process for the ranges it checks, not one per range.

Each range of ``verifier``'s fast pass (``digests.check_range``) opened a connection of its
own: a new server process, its authentication, its caches filled again for the first query.
That cost ≈ 60 ms a range: the 21 ranges of a million rows took 9.6 s in one process with a
connection each, 8.4 s on one connection; ``verifier`` of a million rows on two cores took
5.02 s before, 4.74 s now (the server's processor time 9.35 s, 8.51 s;
``bench/verification_postgresql.py``, 5 alternated rounds). A worker of ``blocks.in_pool``
now keeps its connection (``kept``) for every range it takes, and closes it when it ends;
anywhere else (the parent reading a small journal, a thread of the service) each call opens
its own and closes it at once, as before: a connection kept there would outlive the command,
or be shared between threads.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import psycopg

from tamis.audit.postgres import url as urls

_KEPT: dict[tuple[str, Callable], psycopg.Connection] = {}
_in_worker = False


def in_worker(_state: object = None) -> None:
    """The pool's ``enter``: this process is a worker, whose connections may be kept."""
    global _in_worker
    _in_worker = True


@contextlib.contextmanager
def kept(url: str, setup: Callable[[psycopg.Connection], None]) -> Iterator[psycopg.Connection]:
    """A connection to ``url`` prepared by ``setup``, in autocommit: a worker's kept one (a
    new one if it broke), else one of its own, closed once used."""
    if not _in_worker:
        with urls.connect(url, autocommit=True) as connection:
            setup(connection)
            yield connection
        return
    key = (url, setup)
    connection = _KEPT.get(key)
    if connection is None or connection.closed:
        connection = urls.connect(url, autocommit=True)
        try:
            setup(connection)
        except BaseException:
            connection.close()
            raise
        _KEPT[key] = connection  # kept once prepared: never one whose setup failed
    try:
        yield connection
    except psycopg.Error:
        del _KEPT[key]  # broken, or the server restarted: the next range connects again
        connection.close()
        raise
