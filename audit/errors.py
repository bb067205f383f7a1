"""The one exception the journal raises; its text is French and names the file and line.

``JournalError`` is raised by every stage of ``tamis.audit`` that meets a journal it cannot
use: a missing or unreadable file, a file that is not a tamis journal, a line that does not
parse, a failed write. Commands turn it into ``click.ClickException`` (exit 1). Two carry
their data for the shell to add what only it can say (its option, its command):
``JournalMissing`` (the path) and ``DamagedLine`` (the path and line); ``JournalUnavailable``
says that trying again later may work. ``Altered`` is a
warning, not an error: a record read back whose digest no longer matches.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable


class JournalError(Exception):
    """A journal that cannot be read or written; ``str(error)`` is the French message."""


class JournalUnavailable(JournalError):
    """A journal whose server cannot be reached or used for now (PostgreSQL down, restarting,
    the connection lost): nothing was written; the same request may succeed later. The
    service answers 503 with ``Retry-After`` for it."""


class JournalMissing(JournalError):
    """No journal at ``path``; the shell says how to point at one (its option, its
    environment variable)."""

    def __init__(self, path: object) -> None:
        super().__init__(f"journal introuvable : {path}.")
        self.path = path

    def __reduce__(self) -> tuple[type, tuple[object]]:  # raised in a reader's worker process
        return type(self), (self.path,)


class DamagedLine(JournalError):
    """Line ``line`` of the journal at ``path`` is not a record (a reader cannot go on); the
    shell says how to find what happened to it."""

    def __init__(self, path: object, line: int) -> None:
        super().__init__(f"{path}:{line} : ligne illisible, le journal est endommagé.")
        self.path, self.line = path, line

    def __reduce__(self) -> tuple[type, tuple[object, int]]:  # as ``JournalMissing``
        return type(self), (self.path, self.line)


_REASONS = {
    errno.ENOENT: "fichier introuvable",
    errno.EACCES: "permission refusée",
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.ENOSPC: "disque plein",
    errno.EROFS: "système de fichiers en lecture seule",
}


def os_error_message(
    path: object, error: OSError, action: str, reason: Callable[[OSError], str] | None = None
) -> str:
    """A French sentence for an ``OSError`` met while ``action`` (« lire », « écrire »…);
    ``reason``: ``write_reason`` where the file may be being created (its folder missing)."""
    return f"impossible {_of(action)} le journal {path} : {(reason or os_reason)(error)}."


def os_reason(error: OSError) -> str:
    """Why an ``OSError`` happened, in French (the OS's own ``strerror`` is English)."""
    return _REASONS.get(error.errno or 0) or system_reason(error)


def write_reason(error: OSError) -> str:
    """Why a file could not be written (created, replaced, added to): a path that does not
    exist there is its folder's, not « fichier introuvable » for the file being made."""
    return "dossier introuvable" if error.errno == errno.ENOENT else os_reason(error)


def system_reason(error: OSError) -> str:
    """The system's error by its symbolic name (``EIO``): the OS's own text is English."""
    return f"erreur du système ({errno.errorcode.get(error.errno or 0, error.errno)})"


def _of(verb: str) -> str:
    """« de lire », but « d'ouvrir », « d'écrire »: French elides before a vowel."""
    return f"d'{verb}" if verb[:1] in "aeéèêiîoôu" else f"de {verb}"


class Altered(str):
    """The French warning that a record read back to be shown was edited after it was written
    (its ``empreinte`` no longer matches its content). It names no command; it carries its
    data (``path``, ``line``, ``seq``), so that the shell can say how to find every edit."""

    path: object
    line: int
    seq: object

    def __new__(cls, path: object, line: int, seq: object) -> Altered:
        text = (
            f"{path}:{line} : l'enregistrement n° {seq} a été modifié après son inscription "
            "(son empreinte ne correspond plus à son contenu) ; ce qui est montré est son "
            "contenu modifié."
        )
        notice = super().__new__(cls, text)
        notice.path, notice.line, notice.seq = path, line, seq
        return notice


def warn_on_stderr(message: str) -> None:
    """Default receiver of the journal's French warnings."""
    print(f"avertissement : {message}", file=sys.stderr)
