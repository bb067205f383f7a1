"""Signed checkpoints: what proves a journal's end, which a hash chain alone cannot.

A hash chain proves everything before a head that someone remembers; it cannot show that its
last records were deleted, or that the whole file was rewritten with a recomputed chain.
``sceller`` signs the current head (``seq``, ``empreinte``, the time of sealing) with the
journal's Ed25519 key and hands back a checkpoint, one JSON line, that the user keeps
elsewhere; ``verifier --sceau`` checks each checkpoint's signature against the journal's
public key and that the journal still holds each sealed record with the same digest.

Sits beside verification (``verify`` checks the chain, **seal** its ends). A checkpoint is::

    {"cle_publique": "<64 hex>", "empreinte": "<64 hex>", "format": "tamis-sceau/1",
     "scelle_le": "2026-…Z", "seq": 42, "signature": "<128 hex>"}

the signature being Ed25519 over the canonical JSON (``layout.canonical``) of the other keys.
The key is a PKCS #8 PEM file, created 0600 on first use (``<journal>.cle.pem`` by default).
Errors carry French text (``JournalError``) naming the file and the line.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from tamis.audit import layout
from tamis.audit.errors import JournalError, os_reason
from tamis.audit.postgres.url import is_url
from tamis.audit.processors import UtcClock
from tamis.audit.reader import PathLike, iter_lines, parse_line

FORMAT = "tamis-sceau/1"
KEY_SUFFIX = ".cle.pem"
_HEX = frozenset("0123456789abcdef")


def default_key_path(journal: PathLike) -> Path:
    """``<journal>.cle.pem``: the journal's signing key, beside it unless told otherwise."""
    path = Path(journal)
    return path.with_name(path.name + KEY_SUFFIX)


def own_file(seals: PathLike, journal: PathLike, key: PathLike | None) -> str | None:
    """Which of the journal's own files a seal file would be: ``"journal"`` (a checkpoint
    appended to it is a line that is no record: « ligne illisible » from then on), ``"cle"``
    (the private key would travel with the seals, which are kept elsewhere), or None. One
    file under two names (a link, ``./``) is one file; a key not created yet (before the
    first seal) is compared by its path, links resolved. A PostgreSQL journal is no file."""
    for what, path in (("journal", journal), ("cle", key)):
        if path is not None and not is_url(str(path)) and _same_place(seals, path):
            return what
    return None


def _same_place(one: PathLike, other: PathLike) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:  # one is not there (yet): the same path, once links are resolved
        return os.path.realpath(one) == os.path.realpath(other)


@dataclass(frozen=True)
class Checkpoint:
    """A signed head: the record ``seq`` had digest ``empreinte`` when sealed."""

    seq: int
    empreinte: str
    scelle_le: str
    cle_publique: str
    signature: str = ""

    def signed_bytes(self) -> bytes:
        """What the signature covers: the canonical JSON of every key but ``signature``."""
        fields = {**self.as_dict(), "format": FORMAT}
        del fields["signature"]
        return layout.canonical(fields)

    def as_dict(self) -> dict:
        return {
            "cle_publique": self.cle_publique,
            "empreinte": self.empreinte,
            "format": FORMAT,
            "scelle_le": self.scelle_le,
            "seq": self.seq,
            "signature": self.signature,
        }

    def line(self) -> bytes:
        return layout.canonical(self.as_dict()) + b"\n"


def public_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw 32-byte public key, in hex: what ``sceller`` prints and ``--cle-publique`` takes."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def load_or_create_key(
    path: PathLike, warn: Callable[[str], None]
) -> tuple[Ed25519PrivateKey, bool]:
    """The signing key in ``path``, created (mode 0600) if missing; True when created."""
    try:
        return load_key(path, warn), False
    except FileNotFoundError:
        pass
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
    except FileExistsError:  # another sealer created it first: use theirs
        return load_key(path, warn), False
    except OSError as error:
        raise JournalError(f"impossible de créer la clé {path} : {os_reason(error)}.") from None
    return key, True


def load_key(path: PathLike, warn: Callable[[str], None]) -> Ed25519PrivateKey:
    """The Ed25519 private key in ``path``; ``FileNotFoundError`` if there is none."""
    try:
        with open(path, "rb") as stream:
            mode = os.fstat(stream.fileno()).st_mode
            data = stream.read()
    except FileNotFoundError:
        raise
    except OSError as error:
        raise JournalError(f"impossible de lire la clé {path} : {os_reason(error)}.") from None
    if mode & 0o077:
        warn(
            f"{path} est lisible par d'autres utilisateurs (mode {stat.S_IMODE(mode):04o}) "
            f"alors que c'est une clé secrète ; corrigez avec : chmod 600 {path}"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise JournalError(f"{path} n'est pas une clé Ed25519 de tamis (PEM PKCS #8).")
    return key


def parse_public_key(text: str) -> Ed25519PublicKey:
    """A public key from its 64 hex digits (``--cle-publique``); French ``ValueError``."""
    cleaned = text.strip().lower()
    if len(cleaned) != 64 or not set(cleaned) <= _HEX:
        raise ValueError(
            f"--cle-publique : « {text} » n'est pas une clé publique (64 chiffres hexadécimaux)."
        )
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(cleaned))


def sign_head(key: Ed25519PrivateKey, seq: int, empreinte: str, clock=None) -> Checkpoint:
    """A checkpoint of the head ``(seq, empreinte)``, signed now."""
    when = (clock or UtcClock())()
    unsigned = Checkpoint(seq, empreinte, when, public_hex(key))
    signature = key.sign(unsigned.signed_bytes()).hex()
    return Checkpoint(seq, empreinte, when, unsigned.cle_publique, signature)


def append_checkpoint(path: PathLike, checkpoint: Checkpoint) -> None:
    """Add ``checkpoint`` at the end of the seal file ``path`` (created 0600), synced."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, checkpoint.line())
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as error:
        raise JournalError(
            f"impossible d'écrire le sceau dans {path} : {os_reason(error)}."
        ) from None


# --- verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class SealProblem:
    kind: str  # illisible | signature | cle | absent | different
    message: str  # French, names the seal file's line and the sealed record


@dataclass(frozen=True)
class SealCheck:
    count: int  # checkpoints whose signature and sealed record held
    last: Checkpoint | None  # the one with the highest seq
    problem: SealProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def read_checkpoints(path: PathLike) -> Iterator[tuple[int, Checkpoint | None]]:
    """``(line, checkpoint)`` for each non-empty line of the seal file; None if unreadable."""
    try:
        with open(path, "rb") as stream:
            lines = stream.read().splitlines()
    except FileNotFoundError:
        raise JournalError(f"fichier de sceaux introuvable : {path}.") from None
    except OSError as error:
        raise JournalError(f"impossible de lire les sceaux {path} : {os_reason(error)}.") from None
    for number, line in enumerate(lines, 1):
        if line.strip():
            yield number, _checkpoint(line)


def _checkpoint(line: bytes) -> Checkpoint | None:
    try:
        data = orjson.loads(line)
        fields = (data["seq"], data["empreinte"], data["scelle_le"], data["cle_publique"])
        signature = data["signature"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None
    texts = (*fields[1:], signature)
    if data.get("format") != FORMAT or type(fields[0]) is not int:
        return None
    if not all(isinstance(text, str) for text in texts):
        return None
    return Checkpoint(*fields, signature)


def check_signature(checkpoint: Checkpoint, trusted: Ed25519PublicKey) -> str | None:
    """None if ``trusted`` signed ``checkpoint``; else why not (``cle`` or ``signature``)."""
    if checkpoint.cle_publique != public_hex(trusted):
        return "cle"
    try:
        trusted.verify(bytes.fromhex(checkpoint.signature), checkpoint.signed_bytes())
    except (InvalidSignature, ValueError):
        return "signature"
    return None


def verify_seals(journal: PathLike, seals: PathLike, trusted: Ed25519PublicKey) -> SealCheck:
    """Every checkpoint of ``seals``: signed by ``trusted``, and its record still in
    ``journal`` with the digest sealed. The first problem in seal-file order for a bad
    signature; for the journal, the lowest sealed record that is missing or altered."""
    checkpoints: list[tuple[int, Checkpoint]] = []
    for number, checkpoint in read_checkpoints(seals):
        problem = _signature_problem(seals, number, checkpoint, trusted)
        if problem is not None:
            return SealCheck(len(checkpoints), None, problem)
        checkpoints.append((number, checkpoint))  # type: ignore[arg-type]
    if not checkpoints:
        problem = SealProblem("illisible", f"{seals} : aucun sceau dans ce fichier.")
        return SealCheck(0, None, problem)
    digests = _digests(journal, {c.seq for _n, c in checkpoints})
    for number, checkpoint in sorted(checkpoints, key=lambda item: item[1].seq):
        problem = _record_problem(seals, number, checkpoint, digests)
        if problem is not None:
            return SealCheck(0, None, problem)
    last = max((c for _n, c in checkpoints), key=lambda c: c.seq)
    return SealCheck(len(checkpoints), last, None)


def _signature_problem(
    seals: PathLike, number: int, checkpoint: Checkpoint | None, trusted: Ed25519PublicKey
) -> SealProblem | None:
    where = f"{seals}:{number}"
    if checkpoint is None:
        return SealProblem("illisible", f"{where} : ligne illisible (pas un sceau tamis).")
    why = check_signature(checkpoint, trusted)
    if why == "cle":
        return SealProblem(
            "cle",
            f"{where} : le sceau du n° {checkpoint.seq} est signé par une autre clé "
            f"({checkpoint.cle_publique[:16]}…) que celle du journal ({public_hex(trusted)[:16]}…)"
            " — sceau contrefait, ou mauvaise clé.",
        )
    if why == "signature":
        return SealProblem(
            "signature",
            f"{where} : signature invalide pour le sceau du n° {checkpoint.seq} — sceau "
            "falsifié ou modifié.",
        )
    return None


def _record_problem(
    seals: PathLike, number: int, checkpoint: Checkpoint, digests: dict[int, str]
) -> SealProblem | None:
    seq, when = checkpoint.seq, checkpoint.scelle_le
    found = digests.get(seq)
    if found is None:
        return SealProblem(
            "absent",
            f"l'enregistrement scellé n° {seq} (sceau du {when}, {seals}:{number}) n'est plus "
            "dans le journal — ses derniers enregistrements ont été supprimés (journal tronqué "
            "ou remplacé).",
        )
    if found != checkpoint.empreinte:
        return SealProblem(
            "different",
            f"l'enregistrement n° {seq} n'est plus celui qui a été scellé le {when} "
            f"({seals}:{number}) : empreinte {found[:16]}… au lieu de "
            f"{checkpoint.empreinte[:16]}… — journal réécrit.",
        )
    return None


def _digests(journal: PathLike, wanted: set[int]) -> dict[int, str]:
    """``seq -> empreinte`` of the journal's records whose ``seq`` is in ``wanted`` (in
    PostgreSQL: ``postgres.seals.digests``)."""
    if is_url(journal):
        from tamis.audit.postgres.seals import digests

        return digests(str(journal), wanted)
    found: dict[int, str] = {}
    for number, line in iter_lines(journal, on_torn=lambda *_: None):
        tail = layout.read_tail(line)
        if tail is not None:
            seq, digest = tail.seq, tail.empreinte
        else:
            try:
                record = parse_line(journal, number, line)
            except JournalError:  # ``verifier`` names the unreadable line itself
                continue
            seq, digest = record["seq"], record["empreinte"]
        if seq in wanted and seq not in found:
            found[seq] = digest
    return found
