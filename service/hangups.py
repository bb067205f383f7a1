"""SIGHUP (reload) heard from the moment ``tamis servir`` starts, acted on once it can be.

A service reloads on SIGHUP; it can only act on one once it serves (the parent of
``--processus N`` once its workers are started, a single process once its app runs). Until
then, SIGHUP was ignored, or ended the process (its default): a deployment script that
reloads right after the start got nothing. ``Hangups.listen`` installs, before anything
slow (journals checked, workers started), a handler that only counts (a handler writing to
stderr could interrupt a log line being written: « reentrant call »); whoever serves
``take``s the count and acts on it. The handler stays until the process exits: SIGHUP is
never back to its default, which ends the process (asyncio's ``remove_signal_handler``
restores it, so a SIGHUP sent while the service stopped ended it before its journals were
closed). Imports nothing of the web stack: the CLI listens before it loads it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Iterator
from multiprocessing import resource_tracker
from typing import Any


class Hangups:
    """The SIGHUPs this process received since ``listen``. The handler only adds to
    ``heard`` and ``take`` only writes ``taken``: one received while the other runs is
    never lost (a handler runs between two bytecodes of the main thread)."""

    def __init__(self) -> None:
        self.heard = 0
        self.taken = 0

    def listen(self, signum: int = signal.SIGHUP) -> Hangups:
        """Count ``signum`` from now on (SIGHUP; the parent of ``--processus N`` also counts
        ``RELOAD_ASKED`` apart)."""
        signal.signal(signum, self._heard)
        return self

    def _heard(self, _signum: int, _frame: Any) -> None:
        self.heard += 1

    def take(self) -> int:
        """How many were received since the last ``take`` (0: none)."""
        heard = self.heard
        new, self.taken = heard - self.taken, heard
        return new


HELD = {signal.SIGHUP, signal.SIGTERM, signal.SIGINT}
"""The signals a worker of ``--processus N`` handles, once it has its handlers."""


@contextlib.contextmanager
def held() -> Iterator[None]:
    """``HELD`` blocked (kept pending, not lost) while a worker process is spawned: the
    worker inherits the blocked signals across its exec, and unblocks them once it has its
    handlers (``unheld``). A SIGHUP sent to it before it can reload neither ends it (a
    handler does not survive an exec, SIG_DFL would) nor is ignored by the parent meanwhile
    (SIG_IGN would drop the parent's). A Ctrl-C (SIGINT to every process of the terminal)
    or a SIGTERM while it imports what it serves with stops it once it has its handlers,
    where it raised ``KeyboardInterrupt`` and wrote Python's traceback, in English, into the
    log of JSON lines. multiprocessing's resource tracker is started first: starting it
    unblocks SIGINT and SIGTERM, which the worker would then not inherit blocked."""
    resource_tracker.ensure_running()
    signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD)


def unheld() -> Hangups:
    """In a worker of ``--processus N``, once it handles SIGTERM and SIGINT: SIGHUP heard
    (``Hangups``), then ``HELD`` no longer blocked as its parent's spawn left them
    (``held``). SIGHUPs heard before its app serves are its parent's forwards, which its
    catch-up reload covers."""
    hangups = Hangups().listen()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD)
    return hangups


def spawn_parent() -> int | None:
    """In a worker of ``--processus N``: the number of the parent spawn gave it, while that
    parent runs; None once it has died (the worker adopted by PID 1 or a subreaper), or in
    a process no one spawned."""
    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None and os.getppid() == parent.pid else None


RELOAD_ASKED = signal.SIGUSR1
"""What a worker of ``--processus N`` sends its parent to have every worker reload (a
policy saved or reloaded over HTTP). Not SIGHUP: that one is the operator's, on which the
parent reads service.toml again and says the standing warnings again, as a single process
does on SIGHUP; a reload over HTTP does neither in a single process, and, asked with
SIGHUP, did both under ``--processus N``."""


def others_reload() -> None:
    """In a worker of ``--processus N``: ask its parent to have every worker reload (a
    policy saved or reloaded through one of them). ``RELOAD_ASKED`` goes to the parent spawn
    gave this worker (``spawn_parent``), never to whatever process adopted it once that
    parent died: such a worker stops (``server._when_orphaned``) and has nothing to
    forward."""
    parent = spawn_parent()
    if parent is not None:
        os.kill(parent, RELOAD_ASKED)
