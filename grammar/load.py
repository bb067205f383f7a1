"""Policy text or file -> checked policy: parse, then check, collecting every diagnostic.

The one entry point the commands and the engine use to get a ``CheckedPolicy``. Never
raises on bad input: an unreadable file becomes diagnostic E000, a syntax error the
parser's diagnostics (E001-E009), the rest the checker's (E010-E049, W001-W019).
"""

from __future__ import annotations

import codecs
import errno
import gc
import os
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from tamis.grammar.ast import NO_SPAN, Span
from tamis.grammar.checked import CheckedPolicy
from tamis.grammar.diagnostics import Diagnostic, Severity
from tamis.grammar.lines import unified_line_ends
from tamis.grammar.numbers import group
from tamis.grammar.vocabulary import Vocabulary

if TYPE_CHECKING:
    from tamis.grammar.cache import PolicyCache


def load_policy(
    source: str, path: str, vocabulary: Vocabulary
) -> tuple[CheckedPolicy | None, list[Diagnostic]]:
    """Parse and check ``source``; the policy is None iff some diagnostic is an error."""
    if len(source) > MAX_POLICY_BYTES // 4 and len(source.encode("utf-8")) > MAX_POLICY_BYTES:
        return None, [unreadable(path, TOO_LARGE)]
    # Imported here: lark and the checker are needed only when no cached result serves.
    from tamis.grammar.check import check_policy
    from tamis.grammar.parse import parse_policy

    source = unified_line_ends(source)
    with _collector_paused():
        policy, syntax = parse_policy(source, path)
        if policy is None:
            return None, syntax
        checked, diagnostics = check_policy(policy, vocabulary, source=source, path=path)
    everything = sorted([*syntax, *diagnostics], key=Diagnostic.sort_key)
    if any(d.is_error for d in everything):
        return None, everything
    return checked, everything


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a policy is built: the parse tree and the AST
    hold no reference cycles, yet each collection would walk every node allocated so far, a
    cost that grows with the policy (a third of the time at 8,000 rules)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_policy_file(
    path: str | os.PathLike[str], vocabulary: Vocabulary, cache: PolicyCache | None = None
) -> tuple[CheckedPolicy | None, list[Diagnostic], str]:
    """Read, parse and check a policy file; the third item is its text ("" if unreadable).

    With a ``cache`` (``tamis.grammar.cache``), a policy already checked in an earlier run
    is read back from it instead of being parsed and checked again."""
    shown = str(path)
    try:
        source = read_policy_text(Path(path))
    except UnreadablePolicy as problem:
        return None, [problem.diagnostic(shown)], ""
    checked, diagnostics = load_policy_source(source, shown, vocabulary, cache)
    return checked, diagnostics, source


def load_policy_source(
    source: str, shown: str, vocabulary: Vocabulary, cache: PolicyCache | None = None
) -> tuple[CheckedPolicy | None, list[Diagnostic]]:
    """``load_policy_file`` of a file's text already read."""
    if cache is not None:
        return cache.load(source, shown, vocabulary, load_policy)
    return load_policy(source, shown, vocabulary)


MAX_POLICY_BYTES = 8 * 1024 * 1024
"""Largest policy accepted, in bytes of UTF-8 (8 Mio: about 100,000 rules)."""

TOO_LARGE = f"trop grande : plus de {group(MAX_POLICY_BYTES)} octets (8 Mio), la taille maximale"


def load_policy_stream(
    stream: BinaryIO, shown: str, vocabulary: Vocabulary
) -> tuple[CheckedPolicy | None, list[Diagnostic], str]:
    """Like ``load_policy_file`` for an open binary stream (standard input): read at most
    ``MAX_POLICY_BYTES``, so an endless input ends with a diagnostic."""
    try:
        source = decode_policy(read_limited(stream))
    except UnreadablePolicy as problem:
        return None, [problem.diagnostic(shown)], ""
    checked, diagnostics = load_policy(source, shown, vocabulary)
    return checked, diagnostics, source


class UnreadablePolicy(Exception):
    """A policy file that cannot be read as UTF-8 text; ``str()`` is the French reason,
    ``span`` the place of the first byte that is not UTF-8 (else none)."""

    def __init__(self, reason: str, span: Span = NO_SPAN) -> None:
        super().__init__(reason)
        self.span = span

    def diagnostic(self, path: str) -> Diagnostic:
        """E000 for the policy at ``path``."""
        return unreadable(path, str(self), self.span)


def read_policy_text(path: Path) -> str:
    """The file's text (UTF-8, a leading byte-order mark dropped)."""
    return decode_policy(read_policy_bytes(path))


def read_policy_bytes(path: Path) -> bytes:
    """The file's bytes as stored; ``UnreadablePolicy`` (French) when it cannot be read or
    is larger than ``MAX_POLICY_BYTES`` (never more is read: ``/dev/zero`` ends too)."""
    try:
        with path.open("rb") as stream:
            return read_limited(stream)
    except FileNotFoundError:
        raise UnreadablePolicy("fichier introuvable") from None
    except IsADirectoryError:
        raise UnreadablePolicy("c'est un dossier, pas un fichier") from None
    except PermissionError:
        raise UnreadablePolicy("lecture refusée (permissions)") from None
    except OSError as error:
        code = errno.errorcode.get(error.errno or 0, error.errno)
        raise UnreadablePolicy(f"lecture impossible (erreur du système {code})") from None


SETTLE_SECONDS = 0.3
"""A policy file changed more recently than this may still be being written: an editor
that saves in place empties the file, then writes it (``read_settled`` waits)."""
SETTLE_LIMIT = 10.0
"""How long ``read_settled`` waits for a file that keeps changing."""


class UnsettledPolicy(UnreadablePolicy):
    """A policy file that kept changing while it was read (being written)."""


def read_settled(path: Path, settle: float = SETTLE_SECONDS, limit: float = SETTLE_LIMIT) -> bytes:
    """``read_policy_bytes`` of a file that has settled: unchanged for ``settle`` seconds
    before the read, and the same (size, times, inode) after it as before, so that what is
    read is one whole version of the file, not the first lines of one being written.
    Waits ``limit`` seconds at most, then raises ``UnsettledPolicy`` (French)."""
    deadline = time.monotonic() + limit
    while True:
        before = _stamp(path)
        age = time.time() - before[2] / 1e9 if before is not None else settle
        if age >= settle or age < 0:  # a time in the future says nothing: the stamps do
            data = read_policy_bytes(path)
            if before is None or (_stamp(path) == before and len(data) == before[1]):
                return data
        if time.monotonic() >= deadline:
            raise UnsettledPolicy(
                f"le fichier change encore après {limit:g} s (enregistrement en cours ?)"
            )
        time.sleep(max(0.02, min(settle - max(age, 0.0), settle)))


def _stamp(path: Path) -> tuple[int, int, int, int] | None:
    """What changes when a file is written or replaced; None if it cannot be read (the
    read then says why)."""
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns


def read_limited(stream: BinaryIO) -> bytes:
    """At most ``MAX_POLICY_BYTES`` from ``stream``; ``UnreadablePolicy`` past that."""
    data = stream.read(MAX_POLICY_BYTES + 1)
    if len(data) > MAX_POLICY_BYTES:
        raise UnreadablePolicy(TOO_LARGE)
    return data


def decode_policy(data: bytes) -> str:
    """UTF-8 text, a leading byte-order mark dropped, composed (NFC): a name typed with
    decomposed accents (as some editors save them) is the same name as its composed form;
    CRLF and CR line ends become LF."""
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _not_utf8(data, error.start) from None
    return unified_line_ends(unicodedata.normalize("NFC", text))


def _not_utf8(data: bytes, start: int) -> UnreadablePolicy:
    """The first byte that is not UTF-8, placed as a diagnostic places a character: its line
    (CR, LF and CRLF end one) and its column in characters of that line."""
    before = unified_line_ends(unicodedata.normalize("NFC", data[:start].decode("utf-8")))
    line = before.count("\n") + 1
    column = len(before) - before.rfind("\n")
    span = Span(line, column, line, column + 1, len(before), len(before) + 1)
    return UnreadablePolicy(
        f"le fichier n'est pas en UTF-8 (octet 0x{data[start]:02x} à la ligne {line}, "
        f"colonne {column})",
        span,
    )


NOT_UTF8_HELP = (
    "réenregistrez la politique en UTF-8 (l'encodage se choisit à l'enregistrement, dans "
    "l'éditeur) ; un « é » en Latin-1 ou un fichier en UTF-16 n'est pas de l'UTF-8"
)


def unreadable(path: str, reason: str, span: Span = NO_SPAN) -> Diagnostic:
    if reason == TOO_LARGE:
        help = "une politique tient en 8 Mio au plus : découpez-la en plusieurs politiques"
    elif span != NO_SPAN:
        help = NOT_UTF8_HELP
    else:
        help = (
            "vérifiez le chemin du fichier ; une politique est un fichier texte en UTF-8 "
            "(extension .tamis)"
        )
    message = f"impossible de lire la politique : {reason}"
    return Diagnostic("E000", Severity.ERREUR, message, span, help, path)
