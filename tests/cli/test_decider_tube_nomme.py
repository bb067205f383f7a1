"""A named pipe (``mkfifo``) given as the invitation file: decider opens it once. Checking
that a file can be read by opening and closing it took a named pipe's one writer (the
writer's data went nowhere) and the real open then waited for a second writer for ever."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOGUE = str(ROOT / "policies" / "blogue.tamis")
INVITATIONS = (ROOT / "policies" / "exemples" / "invitations.jsonl").read_bytes()

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


def _write(fifo: Path, data: bytes) -> None:
    try:
        with fifo.open("wb") as stream:  # waits for a reader
            stream.write(data)
    except BrokenPipeError:  # the reader closed it unread: the defect this test is about
        pass


def test_a_named_pipe_is_read_once(tmp_path: Path) -> None:
    fifo = tmp_path / "invitations.jsonl"
    os.mkfifo(fifo)
    writer = threading.Thread(target=_write, args=(fifo, INVITATIONS), daemon=True)
    writer.start()
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()"]
    command += ["decider", "-p", BLOGUE, "--format", "json", str(fifo)]
    try:
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=30, check=False)
    finally:
        if writer.is_alive():  # let a writer still waiting for a reader go
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    assert done.returncode == 0, done.stderr.decode()
    assert len(done.stdout.splitlines()) == INVITATIONS.count(b"\n")
    assert done.stderr.decode().endswith("invitation(s) décidée(s) (examiner 27, refuser 20).\n")
