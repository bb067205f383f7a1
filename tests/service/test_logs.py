"""The operations log: one JSON object per line, whoever writes to the same stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys

LOGS_LINES = (
    "from tamis.service.logs import make_logger\n"
    "log = make_logger()\n"
    "for n in range(20000):\n"
    "    log.info('essai', n=n)\n"
)


def test_two_processes_logging_at_once_write_whole_lines() -> None:
    """The workers of --processus N share their parent's stderr. Each line was written in
    two pieces (the object, then its line break), so two workers logging at once could
    leave « {…}{…} » and an empty line: two lines a collector reading one JSON object per
    line drops. Each line is now written whole."""
    reading, writing = os.pipe()
    command = [sys.executable, "-c", LOGS_LINES]
    writers = [subprocess.Popen(command, stderr=writing) for _ in range(2)]
    os.close(writing)
    with open(reading, encoding="utf-8") as pipe:
        lines = pipe.read().splitlines()
    assert [writer.wait(60) for writer in writers] == [0, 0]
    events = [json.loads(line) for line in lines]  # each line one object
    assert sorted(event["n"] for event in events) == sorted([*range(20000)] * 2)
