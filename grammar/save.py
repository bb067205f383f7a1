"""Writing a policy file whole or not at all: the other end of ``load``.

``tamis formater`` rewrites policies in place and the web editor saves the policy in force;
both go through ``write_policy`` so that a reader (the service reloading, an editor) never
sees a half-written file, and the file keeps its permissions, its owner when this process
may give it, and its place: a symbolic link stays a link, and the file it points to is the
one rewritten. A file this process may not write is not replaced behind its protection
(renaming over it needs only the folder's permission): ``PermissionError``, as ``open``
would raise. A pipe or a device is not replaced by a file: ``OSError`` (EINVAL).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path


def write_policy(path: str | Path, text: str) -> None:
    """Replace the file ``path`` names (through symbolic links) by ``text`` (UTF-8, LF line
    ends): a synced temporary file in the same folder, given the file's permissions and
    owner, then renamed over it."""
    target = Path(os.path.realpath(path))
    status = target.stat()
    if not stat.S_ISREG(status.st_mode):  # a pipe or a device: nothing to rename over
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    if not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        _keep_owner(temporary, status)
        os.chmod(temporary, status.st_mode & 0o7777)  # after chown, which clears set-id bits
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _keep_owner(temporary: str, status: os.stat_result) -> None:
    """Give the new file the old one's owner and group when this process may (root, or a
    group it belongs to); otherwise it stays this process's, as any rewrite would make it."""
    if (status.st_uid, status.st_gid) == (os.geteuid(), os.getegid()):
        return
    try:
        os.chown(temporary, status.st_uid, status.st_gid)
    except PermissionError:
        with contextlib.suppress(PermissionError):
            os.chown(temporary, -1, status.st_gid)
