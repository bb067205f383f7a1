"""Paths the commands compare: one file reached under two names (a link, ``./``, another
folder) is still one file, and writing to the journal what was meant for another file, or
reading the journal as something else, would damage it or make no sense."""

from __future__ import annotations

import os
from pathlib import Path


def same_file(one: str | Path, other: str | Path) -> bool:
    """True if both names lead to one existing file; False if either does not exist (yet)."""
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False
