"""What ``test_audit_pool`` runs, each in a fresh interpreter: the journal's readers fork
their workers only from a process with no other thread, and pytest's process may have some
(servers, journal threads) left by other tests. Each scenario takes a folder to write in and
raises ``AssertionError`` if what it checks does not hold."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
from pathlib import Path

from journal_helpers import checked, fill

from tamis.audit import blocks
from tamis.audit.errors import DamagedLine, JournalError, JournalMissing
from tamis.audit.queries import parse_filter, search
from tamis.audit.verify import verify_journal

FORCED = {"length": 1500, "parallel_from": 0, "processes": 2}  # ranges of a few lines


def pid_of(_path: Path, _part: blocks.Range) -> int:
    """Which process read the range."""
    return os.getpid()


def damaged_at(path: Path, part: blocks.Range) -> int:
    """A reader that finds its range's first line unreadable, past the first range."""
    if part.start:
        raise DamagedLine(path, part.start)
    return 0


def missing(path: Path, _part: blocks.Range) -> int:
    raise JournalMissing(path)


def journal(folder: str) -> Path:
    path = Path(folder) / "journal.jsonl"
    fill(path, checked(), 40)  # 42 records of ~1.7 kB: about 30 ranges
    return path


def workers_read_the_ranges_and_give_what_one_pass_gives(folder: str) -> None:
    path = journal(folder)
    pids = list(blocks.map_ranges(path, pid_of, **FORCED))
    assert len(pids) > 20 and os.getpid() not in pids and len(set(pids)) <= 2, pids
    assert verify_journal(path, **FORCED) == verify_journal(path, parallel=False)
    for options in ({"decisions": ["refuser"]}, {}):
        flt = parse_filter(**options)
        alone = search(path, flt, index=False, parallel_from=1 << 40)
        assert list(search(path, flt, index=False, **FORCED)) == list(alone)
    assert multiprocessing.active_children() == []


def a_read_stopped_early_leaves_no_worker_behind(folder: str) -> None:
    path = journal(folder)
    for _ in range(3):  # what ``chercher --limite 3`` does
        rows = search(path, parse_filter(), index=False, **FORCED)
        assert len(list(itertools.islice(rows, 3))) == 3
        workers = multiprocessing.active_children()
        assert len(workers) == 2, workers
        rows.close()
        assert multiprocessing.active_children() == []
        assert all(worker.exitcode is not None for worker in workers)
    assert threading.active_count() == 1  # the pool's threads ended too


def a_reader_beside_another_thread_reads_in_its_own_process(folder: str) -> None:
    """As the HTTP service's threads do: no fork (it could copy a lock another thread
    holds), the ranges read here, the same results."""
    path = journal(folder)
    found: dict[str, object] = {}

    def read() -> None:
        found["pids"] = set(blocks.map_ranges(path, pid_of, **FORCED))
        found["children"] = multiprocessing.active_children()
        found["verified"] = verify_journal(path, **FORCED)
        found["rows"] = list(search(path, parse_filter(), index=False, **FORCED))

    reader = threading.Thread(target=read)
    reader.start()
    reader.join(120)
    assert found["pids"] == {os.getpid()} and found["children"] == []
    assert found["verified"] == verify_journal(path, parallel=False)
    assert found["rows"] == list(search(path, parse_filter(), index=False, parallel_from=1 << 40))


def a_worker_s_journal_error_comes_back_as_raised_there(folder: str) -> None:
    """Not as a worker that stopped: the error's own words (and type) reach the shell."""
    path = journal(folder)
    with open(path, "rb") as stream:
        first = blocks.split(stream.fileno(), path.stat().st_size, 1500)[1].start
    for job, expected in ((damaged_at, DamagedLine(path, first)), (missing, JournalMissing(path))):
        try:
            list(blocks.map_ranges(path, job, **FORCED))
        except JournalError as error:
            assert type(error) is type(expected) and str(error) == str(expected), error
        else:
            raise AssertionError("no error")
