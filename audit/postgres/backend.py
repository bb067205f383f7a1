"""A journal named by a path or by a ``postgresql://`` URL: the few operations that take
either (``verifier``, ``copier``). psycopg is imported only for a URL, so file journals
never load it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from tamis.audit import reader
from tamis.audit.errors import warn_on_stderr
from tamis.audit.postgres import url as urls
from tamis.audit.verify import Problem, Verification, verify_journal


def shown(journal: str) -> str:
    """A journal's name as users may see it (a URL without its password)."""
    return urls.shown(journal) if urls.is_url(journal) else journal


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
