"""``migrer``: a format 2 journal rewritten as format 3 into a new journal, so it can be erased.

Sits beside erasure (``erase``): a format 2 decision's digest covers its personal data, so it
cannot be erased without breaking the chain. ``migrate`` checks the old journal (a broken one
is not migrated), then, keeping its writers out (a shared lock on a file; the journal's
advisory lock, held in a transaction, in PostgreSQL), writes a new journal: each record keeps
its ``seq``, ``horodatage``, event and content; format 2 decisions are split
(``personal.split``, a new salt each) and become format 3; every record is chained anew; a
last ``migration`` record names the old journal (a URL without its password) and its head
(``seq``, ``empreinte``), so the new chain vouches for the old one it came from. A new file is
written through a temporary file in its folder, synced and renamed: it appears whole or not
at all; a new PostgreSQL journal must be empty and gets every row in one transaction
(``copy.into_database``). The old journal is not touched (it still holds the personal data:
the user keeps or destroys it).

Format 1 records and format 3 records are carried over as they are (chained anew); format 1
decisions stay unerasable. A journal without any format 2 decision is not migrated: the new
journal would be a copy (``copier`` makes one) and the old one would be called unerasable.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from tamis.audit import layout, personal
from tamis.audit.errors import JournalError, os_error_message, warn_on_stderr
from tamis.audit.new_file import write_new
from tamis.audit.postgres import url as urls
from tamis.audit.postgres.backend import lines_of, shown, verify_any
from tamis.audit.processors import UtcClock
from tamis.audit.reader import PathLike
from tamis.audit.record import SCHEMA_VERSION
from tamis.audit.verify import EMPTY


@dataclass(frozen=True)
class Migration:
    records: int  # records carried over
    split: int  # format 2 decisions now in format 3
    old_seq: int  # the old journal's head
    old_digest: str
    record: dict  # the ``migration`` record


@dataclass
class _Counts:
    records: int = 0
    split: int = 0
    closing: dict = field(default_factory=dict)


def migrate(
    old: PathLike,
    new: PathLike,
    *,
    clock: Callable[[], str] | None = None,
    warn: Callable[[str], None] = warn_on_stderr,
) -> Migration:
    """Write the format 3 journal ``new`` (a file or a PostgreSQL URL) from ``old`` (either
    too; see the module's docstring). Raises ``JournalError`` (French) if ``new`` exists or
    holds a journal, or ``old`` is not intact; a torn last line of ``old`` (a write never
    acknowledged) is left behind and ``warn`` says so."""
    old, new = os.fspath(old), os.fspath(new)
    if urls.is_url(new):
        from tamis.audit.postgres.copy import require_empty

        require_empty(new)  # before ``old``'s lock is taken: ``new`` may be ``old`` itself
    elif Path(new).exists() or Path(new).is_symlink():
        raise JournalError(f"{new} existe déjà : choisissez un nouveau fichier.")
    with _writers_kept_out(old):
        checked = verify_any(old, contents=True)  # every record is parsed to be moved
        if checked.problem is not None and checked.problem.empty:
            raise JournalError(f"{shown(old)} : {EMPTY} ; rien à migrer.")
        if checked.problem is not None and not checked.problem.only_torn:
            where = f"{shown(old)} : " if urls.is_url(old) else f"{old}:"
            raise JournalError(
                f"{where}{checked.problem.message} Un journal endommagé n'est pas migré "
                "(« tamis journal verifier » le localise)."
            )
        counts = _Counts()
        head = (checked.last_seq, checked.last_digest)
        lines = _migrated(old, head, (clock or UtcClock())(), counts, warn)
        _write_to(new, lines, warn)
    return Migration(counts.records, counts.split, *head, counts.closing)


@contextlib.contextmanager
def _writers_kept_out(journal: str) -> Iterator[None]:
    """Writers wait while the journal is read: a shared ``flock`` on a file, the journal's
    advisory lock (in a transaction left open) in PostgreSQL."""
    if urls.is_url(journal):
        from tamis.audit.postgres.locking import held

        with held(journal):
            yield
        return
    try:
        fd = os.open(journal, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as error:
        raise JournalError(os_error_message(journal, error, "ouvrir")) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # writers (LOCK_EX) wait until the copy is done
        yield
    finally:
        os.close(fd)


def _migrated(
    old: str, head: tuple[int, str], moment: str, counts: _Counts, warn: Callable[[str], None]
) -> Iterator[bytes]:
    """The new journal's lines (without ``\\n``): ``old``'s up to its verified head, each
    converted and chained anew, then the ``migration`` record."""
    previous = layout.GENESIS
    for line in lines_of(old, warn=warn):
        raw = orjson.loads(line)
        if raw.get("seq", 0) > head[0]:
            break  # never past the head verified under the lock
        record, converted = _converted(raw)
        previous = _chained(record, previous)
        counts.records, counts.split = counts.records + 1, counts.split + converted
        yield layout.canonical(record)
    if not counts.split:  # before the last line: the new journal is then never created
        raise JournalError(
            f"{shown(old)} : aucune décision au format 2, le seul que migrer convertit ; rien "
            "à migrer. Pour le copier ailleurs : tamis journal copier."
        )
    closing = _migration_record(shown(old), *head, counts.records, counts.split, moment)
    _chained(closing, previous)
    counts.closing = closing
    yield layout.canonical(closing)


def _write_to(new: str, lines: Iterable[bytes], warn: Callable[[str], None]) -> None:
    if urls.is_url(new):
        from tamis.audit.postgres.copy import into_database

        into_database(lines, new, warn)
        return
    write_new(Path(new), lines, taken=f"{new} existe déjà : choisissez un nouveau fichier.")


def _converted(record: dict) -> tuple[dict, int]:
    """A format 2 decision split into format 3 (1); any other record as it was (0)."""
    if record.get("evenement") != "decision" or record.get("version") != 2:
        return record, 0
    decision, data = personal.split(record["contenu"])
    record.update(contenu=decision, version=personal.FORMAT)
    record[personal.KEY] = personal.personal_part(data)
    return record, 1


def _chained(record: dict, previous: str) -> str:
    """Link ``record`` after ``previous`` and seal it; its new digest."""
    record.pop("empreinte", None)
    record["precedente"] = previous
    record["empreinte"] = layout.record_digest(record)
    return record["empreinte"]


def _migration_record(old: str, seq: int, digest: str, count: int, split: int, moment: str) -> dict:
    return {
        "contenu": {
            "ancien_journal": old,
            "ancienne_tete": {"empreinte": digest, "seq": seq},
            "decisions_migrees": split,
            "enregistrements": count,
        },
        "evenement": "migration",
        "horodatage": moment,
        "seq": seq + 1,
        "version": SCHEMA_VERSION,
    }
