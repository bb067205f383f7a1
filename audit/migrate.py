"""``migrer``: a format 2 journal rewritten as format 3, into a new file, so it can be erased.

Sits beside erasure (``erase``): a format 2 decision's digest covers its personal data, so it
cannot be erased without breaking the chain. ``migrate`` checks the old journal (a broken one
is not migrated), then, holding a shared lock on it (writers wait), writes a new journal: each
record keeps its ``seq``, ``horodatage``, event and content; format 2 decisions are split
(``personal.split``, a new salt each) and become format 3; every record is chained anew; a
last ``migration`` record names the old journal and its head (``seq``, ``empreinte``), so the
new chain vouches for the old one it came from. The new file is written through a temporary
file in its folder, synced and renamed: it appears whole or not at all. The old journal is not
touched (it still holds the personal data: the user keeps or destroys it).

Format 1 records and format 3 records are carried over as they are (chained anew); format 1
decisions stay unerasable.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from tamis.audit import layout, personal
from tamis.audit.errors import JournalError, os_error_message
from tamis.audit.processors import UtcClock
from tamis.audit.reader import PathLike, iter_lines
from tamis.audit.record import SCHEMA_VERSION
from tamis.audit.verify import verify_journal


@dataclass(frozen=True)
class Migration:
    records: int  # records carried over
    split: int  # format 2 decisions now in format 3
    old_seq: int  # the old journal's head
    old_digest: str
    record: dict  # the ``migration`` record


def migrate(old: PathLike, new: PathLike, *, clock: Callable[[], str] | None = None) -> Migration:
    """Write the format 3 journal ``new`` from ``old`` (see the module's docstring).

    Raises ``JournalError`` (French) if ``new`` exists, or ``old`` is not intact."""
    target = Path(new)
    if target.exists() or target.is_symlink():
        raise JournalError(f"{target} existe déjà : choisissez un nouveau fichier.")
    with _shared_lock(old):
        checked = verify_journal(old)
        if checked.problem is not None:
            raise JournalError(
                f"{old}:{checked.problem.message} Un journal endommagé n'est pas migré "
                "(« tamis journal verifier » le localise)."
            )
        return _write(old, target, checked.last_seq, checked.last_digest, clock or UtcClock())


@contextlib.contextmanager
def _shared_lock(path: PathLike) -> Iterator[None]:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as error:
        raise JournalError(os_error_message(path, error, "ouvrir")) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # writers (LOCK_EX) wait until the copy is done
        yield
    finally:
        os.close(fd)


def _write(old: PathLike, target: Path, seq: int, digest: str, now: Callable[[], str]) -> Migration:
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise JournalError(os_error_message(target, error, "créer")) from None
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as out:
            previous, count, split = layout.GENESIS, 0, 0
            for _number, line in iter_lines(old, on_torn=lambda *_: None):
                record, converted = _converted(orjson.loads(line))
                previous = _chained(record, previous)
                out.write(layout.canonical(record) + b"\n")
                count, split = count + 1, split + converted
            closing = _migration_record(old, seq, digest, count, split, now())
            closing["precedente"] = previous
            _chained(closing, previous)
            out.write(layout.canonical(closing) + b"\n")
            out.flush()
            os.fsync(out.fileno())
        os.link(temp, target)  # never replaces a file created meanwhile
        _sync_folder(folder)
    except FileExistsError:
        raise JournalError(f"{target} existe déjà : choisissez un nouveau fichier.") from None
    except OSError as error:
        raise JournalError(os_error_message(target, error, "écrire")) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)
    return Migration(count, split, seq, digest, closing)


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


def _migration_record(
    old: PathLike, seq: int, digest: str, count: int, split: int, moment: str
) -> dict:
    return {
        "contenu": {
            "ancien_journal": str(old),
            "ancienne_tete": {"empreinte": digest, "seq": seq},
            "decisions_migrees": split,
            "enregistrements": count,
        },
        "evenement": "migration",
        "horodatage": moment,
        "seq": seq + 1,
        "version": SCHEMA_VERSION,
    }


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
