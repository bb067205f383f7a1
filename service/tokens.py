"""Bearer tokens: made once, stored as SHA-256 only, compared in constant time.

Sits beside the configuration (``config``): ``tamis servir jeton`` makes a token with
``new_token`` and prints it once with the config line holding its ``digest``; the service
keeps only digests (``TokenEntry``) and ``rights_of`` checks a presented token against every
entry of a workspace with ``hmac.compare_digest``, so the time taken says nothing about
which digest came close.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tamis.audit.errors import os_reason

TOKEN_PREFIX = "tamis_"


class Right(enum.StrEnum):
    """What a token lets its holder do in its workspace."""

    DECIDER = "decider"  # POST decisions
    LIRE = "lire"  # read the journal, the policy, the metrics
    ADMIN = "admin"  # reload and validate policies


@dataclass(frozen=True)
class TokenEntry:
    sha256: str
    rights: frozenset[Right]
    label: str = ""


def new_token() -> str:
    """A fresh random token (256 bits), URL- and header-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def rights_of(entries: Iterable[TokenEntry], presented: str) -> frozenset[Right] | None:
    """The rights of the entry whose digest matches ``presented`` (None: no entry does).

    Every entry is compared, in constant time, even after a match."""
    wanted = digest(presented).encode("ascii")
    found: frozenset[Right] | None = None
    for entry in entries:
        if hmac.compare_digest(entry.sha256.encode("ascii"), wanted):
            found = entry.rights
    return found


class TokenFileUnusable(Exception):
    """``--jeton-fichier`` cannot be read, or holds no token; ``str``: why, in French."""


def token_in_file(path: Path) -> str:
    """The token of ``--jeton-fichier``: the file's text, stripped. Read at start and again
    on SIGHUP (a token replaced in the file, the old one is refused)."""
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = os_reason(error) if isinstance(error, OSError) else "pas en UTF-8"
        raise TokenFileUnusable(f"--jeton-fichier {path} : illisible ({reason})") from None
    if not token:
        raise TokenFileUnusable(f"--jeton-fichier {path} : fichier vide")
    return token


def parse_rights(value: Any) -> tuple[frozenset[Right], str | None]:
    """``["decider", "lire"]`` or ``"decider,lire"`` -> rights; else a French problem."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    known = ", ".join(right.value for right in Right)
    if not isinstance(value, list) or not value:
        return frozenset(), f"une liste non vide de droits parmi {known}"
    unknown = [str(item) for item in value if item not in set(Right)]
    if unknown:
        return frozenset(), f"droit inconnu « {unknown[0]} » ; choisissez parmi {known}"
    return frozenset(Right(item) for item in value), None
