"""Checked policies kept on disk between runs, so that a run whose policy has not changed
neither parses nor checks it (nor imports lark): ``tamis decider`` on one invitation.

Sits beside ``load`` (text -> checked policy), which it memoises for policy files: the
entry is keyed by the SHA-256 of everything the result depends on (the policy text, the
path shown in diagnostics, the vocabulary checked against, tamis's version, the Python
that pickled it, and the size and date of every module of this package, so a changed
checker never serves an old result). Only policies without errors are kept, with their
warnings; a policy with errors is checked again each time (its diagnostics are printed).

Where: ``$XDG_CACHE_HOME/tamis/politiques`` (``~/.cache/tamis/politiques`` by default).
The folder is created private (0700); one that another user owns, or that others may
write to, is never read nor written, nor is anything when the folder cannot be created:
then each run parses and checks, as without a cache. Each file is ``MAGIC``, the SHA-256
of the payload, then the payload (a pickle); a file whose digest, shape or policy text
does not match is ignored and rewritten, never trusted. Files are replaced atomically;
the oldest are removed past ``KEEP`` entries. Deleting the folder is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path

from tamis.audit.version import VERSION
from tamis.grammar.checked import CheckedPolicy
from tamis.grammar.diagnostics import Diagnostic
from tamis.grammar.vocabulary import Vocabulary

MAGIC = b"tamis-politique-verifiee 1\n"
KEEP = 64  # entries kept; past that, the least recently written are removed
FOLDER = "politiques"
ENV_DISABLE = "TAMIS_SANS_CACHE"  # set (non-empty): no cache is read or written
GRAMMAR_FILE = "grammaire.lark-cache"  # lark's parser tables (not an entry: never pruned)

Loaded = tuple[CheckedPolicy | None, list[Diagnostic]]


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/tamis``, or ``~/.cache/tamis`` (the XDG base directory rule:
    a relative ``XDG_CACHE_HOME`` is ignored)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tamis"


def private_folder(path: Path) -> Path | None:
    """``path``, created 0700 if missing, when it is a folder of ours that only we may
    write to; None otherwise (or when it cannot be created)."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = path.stat()
    except OSError:
        return None
    ours = status.st_uid == os.geteuid()
    if not ours or status.st_mode & 0o022 or not os.access(path, os.W_OK | os.X_OK):
        return None
    return path


class PolicyCache:
    """The checked policies of one folder; ``load(source, path, vocabulary, build)``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def for_user(cls) -> PolicyCache | None:
        """The user's cache, or None when disabled or not safely usable."""
        if os.environ.get(ENV_DISABLE):
            return None
        folder = private_folder(cache_root() / FOLDER)
        return cls(folder) if folder is not None else None

    def load(
        self,
        source: str,
        path: str,
        vocabulary: Vocabulary,
        build: Callable[[str, str, Vocabulary], Loaded],
    ) -> Loaded:
        """``build(source, path, vocabulary)``, from the cache when a sound entry is there."""
        entry = self.folder / (entry_key(source, path, vocabulary) + ".pickle")
        found = read_entry(entry, source, path)
        if found is not None:
            return found
        checked, diagnostics = build(source, path, vocabulary)
        if checked is not None:
            write_entry(entry, (checked, diagnostics))
            self.prune()
        return checked, diagnostics

    def prune(self) -> None:
        """Remove the oldest entries past ``KEEP`` (by date written)."""
        try:
            entries = [e for e in os.scandir(self.folder) if e.name.endswith(".pickle")]
            if len(entries) <= KEEP:
                return
            entries.sort(key=lambda e: e.stat().st_mtime_ns)
            for old in entries[: len(entries) - KEEP]:
                os.unlink(old.path)
        except OSError:
            pass  # another run pruned the same entry, or the folder went away


def grammar_cache_file() -> str | None:
    """Where lark keeps the parser it builds from ``tamis.lark`` (lark's own ``cache=``,
    which checks the grammar's text, the options and lark's version before using it), in
    the same private folder: a run whose policy changed, and ``tamis valider``, skip
    building the parser. None when the cache is off or the folder not safely usable."""
    if os.environ.get(ENV_DISABLE):
        return None
    folder = private_folder(cache_root() / FOLDER)
    return str(folder / GRAMMAR_FILE) if folder is not None else None


def entry_key(source: str, path: str, vocabulary: Vocabulary) -> str:
    """The SHA-256 (hex) of everything a checked policy depends on."""
    digest = hashlib.sha256()
    for part in (VERSION, sys.version, code_fingerprint(), repr(vocabulary), path, source):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def code_fingerprint() -> str:
    """Name, size and modification time of each module of this package (the parser, the
    checker, the AST): an edited checker changes the key, even when the version does not."""
    folder = os.path.dirname(__file__)
    try:
        entries = sorted(
            (e.name, e.stat().st_size, e.stat().st_mtime_ns)
            for e in os.scandir(folder)
            if e.name.endswith((".py", ".lark"))
        )
    except OSError:
        return "?"
    return repr(entries)


def read_entry(entry: Path, source: str, path: str) -> Loaded | None:
    """The entry's checked policy and diagnostics when the file is whole, its digest right
    and its policy the one asked for; None for anything else (missing, cut, altered)."""
    try:
        data = entry.read_bytes()
    except OSError:
        return None
    header = len(MAGIC) + 64
    if not data.startswith(MAGIC) or len(data) <= header:
        return None
    payload = data[header:]
    if hashlib.sha256(payload).hexdigest().encode() != data[len(MAGIC) : header]:
        return None
    try:
        checked, diagnostics = pickle.loads(payload)
    except Exception:  # a payload from another build of tamis: rebuild it
        return None
    if not _sound(checked, diagnostics, source, path):
        return None
    return checked, diagnostics


def _sound(checked: object, diagnostics: object, source: str, path: str) -> bool:
    return (
        isinstance(checked, CheckedPolicy)
        and checked.source == source
        and checked.path == path
        and isinstance(diagnostics, list)
        and all(isinstance(d, Diagnostic) and not d.is_error for d in diagnostics)
    )


def write_entry(entry: Path, loaded: Loaded) -> None:
    """Write the entry atomically (a private file of this process, renamed over it); a failure
    (full disk, read-only folder) only means the next run checks the policy again."""
    try:
        payload = pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return
    data = MAGIC + hashlib.sha256(payload).hexdigest().encode() + payload
    temporary = entry.with_name(f".{os.getpid()}-{entry.name}")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        os.replace(temporary, entry)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
