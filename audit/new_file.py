"""A journal written whole into a file that must not exist yet: what ``migrer NOUVEAU`` and
``copier SOURCE FICHIER`` produce.

The lines go to a private temporary file beside the target, synced, then linked to the
target's name (``os.link`` never replaces a file created meanwhile) and the folder synced:
the target appears whole or not at all, mode 0600 (a journal names third parties).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from tamis.audit.errors import JournalError, os_error_message, write_reason


def write_new(target: Path, lines: Iterable[bytes], *, taken: str) -> None:
    """Write ``lines`` (each without its newline) as the new file ``target``; a
    ``JournalError`` in French, ``taken`` when ``target`` exists (or appeared meanwhile)."""
    folder = target.parent
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise JournalError(os_error_message(target, error, "créer", write_reason)) from None
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as out:
            for line in lines:
                out.write(line + b"\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o600)
        os.link(temp, target)
        sync_folder(folder)
    except FileExistsError:
        raise JournalError(taken) from None
    except OSError as error:
        raise JournalError(os_error_message(target, error, "écrire")) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def sync_folder(folder: Path) -> None:
    """Make a name created or replaced in ``folder`` durable (fsync of the folder)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
