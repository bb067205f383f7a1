"""Reading one of the user's own files whole, within a bound: a context (``tamis.toml``), the
LinkedIn exports it names, a test file (``.cas.toml``) and the invitation files it names, an
export folder's CSV files.

A path given by mistake to something endless (``/dev/zero``) or huge (a video, a database
dump) must end with a French error (``invitations.french.os_error``), not fill the memory or
never return: at most ``MAX_FILE_BYTES`` are read, 64 Mio, far more than any of these files
holds (a Connections.csv of 30,000 contacts is about 3 Mio).
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from tamis.grammar.numbers import group

MAX_FILE_BYTES = 64 * 1024 * 1024


class TooLarge(ValueError):
    """A file past ``MAX_FILE_BYTES``; ``str()`` is the French reason and what to do."""

    def __init__(self) -> None:
        super().__init__(
            f"fichier trop grand : plus de {group(MAX_FILE_BYTES)} octets (64 Mio) ; est-ce bien"
            " le bon fichier ?"
        )


def read_bounded(path: Path) -> bytes:
    """The file's bytes; ``TooLarge`` past ``MAX_FILE_BYTES`` (no more is read), ``OSError``
    as ``open`` raises it."""
    with open(path, "rb") as stream:
        return read_bounded_from(stream)


def read_bounded_from(stream: BinaryIO) -> bytes:
    """What ``stream`` holds (a file, standard input); ``TooLarge`` past ``MAX_FILE_BYTES``."""
    data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge
    return data
