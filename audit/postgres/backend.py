"""A journal named by a path or by a ``postgresql://`` URL: the few operations that take
either (``verifier``, ``copier``, ``chercher``, ``stats``). psycopg is imported only for a
URL, so file journals never load it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from tamis.audit import reader
from tamis.audit.errors import warn_on_stderr
from tamis.audit.postgres import url as urls
from tamis.audit.verify import Problem, Verification, verify_journal

if TYPE_CHECKING:  # annotations only: ``shown``'s users (conseiller…) need not load them
    from datetime import tzinfo

    from tamis.audit.filters import Filter
    from tamis.audit.stats import Stats


def shown(journal: str) -> str:
    """A journal's name as users may see it (a URL without its password)."""
    return urls.shown(journal) if urls.is_url(journal) else journal


def stats_any(
    journal: str,
    flt: Filter,
    per: str,
    warn: Callable[[str], None],
    *,
    local: bool = False,
    zone: tzinfo | None = None,
    index: bool = True,
) -> Stats:
    """``journal stats``' counts: a file's through its index (``index``) or scan,
    PostgreSQL's by SQL, each invitation once, its latest decision; periods of ``zone`` if
    given (the service's pages), else local if ``local`` (the command), else UTC."""
    from tamis.audit.stats import utc_days

    if zone is not None and utc_days(zone):  # UTC's days: the workspaces without a fuseau
        zone, local = None, False
    if not urls.is_url(journal):
        from tamis.audit import queries

        return queries.journal_stats(journal, flt, per, warn, local=local, zone=zone, index=index)
    from tamis.audit.postgres import query

    return query.journal_stats(journal, flt, per, warn, local=local, zone=zone)


def search_any(
    journal: str,
    flt: Filter,
    warn: Callable[[str], None],
    *,
    index: bool = True,
    after: int = 0,
    processes: int = 0,
) -> Iterator[dict]:
    """``chercher``'s rows (``queries.summary``), in journal order, numbered above ``after``
    (the service's pages): a file's through its index (``index``) or scan, PostgreSQL's by
    SQL from ``after`` on, on every core for a long journal (``processes``; 1: in this
    process, as the service reads)."""
    if not urls.is_url(journal):
        from tamis.audit import queries

        rows = queries.search(journal, flt, warn, index=index)
        return (row for row in rows if row["seq"] > after) if after else rows
    from tamis.audit.postgres import query

    return query.search(journal, flt, warn, processes=processes, after=after)


def verify_any(journal: str, *, contents: bool = False) -> Verification:
    """``verify_journal`` for a file; for PostgreSQL, ``postgres.read.verify``'s chain, then
    its erasures (``postgres.tombstones``), as ``verify_journal`` checks a file's.
    ``contents``: each record is also parsed, for a file to be read as a record, for a
    table to be read as one and to say what each copied column says."""
    if not urls.is_url(journal):
        return verify_journal(journal, contents=contents)
    from tamis.audit.postgres import read, tombstones

    result = read.verify(journal, contents=contents)
    if not result.ok:
        return result
    found = tombstones.check_erasures(journal)
    problem = None
    if found.message is not None:
        problem = Problem("effacement", found.line or 0, found.message)
    return replace(result, problem=problem, erased=found.erased, erased_advice=found.advice)


def lines_of(journal: str, warn: Callable[[str], None] = warn_on_stderr) -> Iterator[bytes]:
    """A journal's lines (without ``\\n``), in order, whichever its backend."""
    if urls.is_url(journal):
        from tamis.audit.postgres import read

        yield from read.iter_lines(journal)
        return
    for _, line in reader.iter_lines(journal, warn):
        yield line
