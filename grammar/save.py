"""Writing a policy file whole or not at all: the other end of ``load``.

``tamis formater`` rewrites policies in place and the web editor saves the policy in force;
both go through ``write_policy`` so that a reader (the service reloading, an editor) never
sees a half-written file, and the file keeps its permissions.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_policy(path: str | Path, text: str) -> None:
    """Replace ``path`` by ``text`` (UTF-8, LF line ends): a synced temporary file in the same
    folder, given the file's permissions, then renamed over it."""
    target = Path(path)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, target.stat().st_mode & 0o7777)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
