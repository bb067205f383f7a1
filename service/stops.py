"""SIGTERM and SIGINT (stop) heard from the moment ``tamis servir`` starts, to its exit.

A stop can reach the service at any moment, and each moment has its way of stopping:
- while it starts (configuration read, policies loaded, journals checked and opened, the
  retention purge, its socket bound: ``StopAsked.interrupting``), the step under way ends at
  once, as an exception (``StoppedStarting``) that unwinds what the step had opened; the
  command then says it stopped before serving (``arret_avant_service``) and exits 0, as a
  SIGTERM while serving does. Before, SIGTERM's default action ended the process there
  (journals left open, nothing logged, exit by signal) and SIGINT raised
  ``KeyboardInterrupt``, which click turned into « Aborted! ». A purge cut short leaves the
  journal as a crash would (``audit.erase``: the old journal whole), and is redone at the
  next start;
- from then until it serves (workers spawned, uvicorn starting), it is recorded and acted
  on once whoever serves can act on it (``acted_on_by``): uvicorn stops, the parent of
  ``--processus N`` stops its workers;
- while it serves, uvicorn (or the parent) stops as usual.
Imports nothing of the web stack: the CLI listens before it loads it.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import uvicorn


class StoppedStarting(BaseException):
    """A stop (``signum``) received while ``tamis servir`` started: raised where the start
    was, so that every ``with`` and ``finally`` on the way closes what it opened. A
    ``BaseException``, as ``KeyboardInterrupt``: no ``except Exception`` on the way words it
    as the step's failure."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


class StopAsked:
    """SIGTERM or SIGINT, from ``listen`` on. The first one received ends the start step
    under way (``interrupting``), or calls what ``acted_on_by`` gave, now or once given;
    a later one only calls that again (a process already stopping stops once: uvicorn
    raises again, against these handlers, a signal it handled, and a second signal during
    the start must not interrupt the closing the first one began)."""

    def __init__(self) -> None:
        self.asked: int | None = None
        self._interrupting = False
        self._act: Callable[[], None] | None = None

    def listen(self) -> StopAsked:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._asked)
        return self

    def _asked(self, signum: int, _frame: Any) -> None:
        first = self.asked is None
        if first:
            self.asked = signum
        if self._act is not None:
            self._act()
        elif first and self._interrupting:
            raise StoppedStarting(signum)

    @contextlib.contextmanager
    def interrupting(self) -> Iterator[None]:
        """A stop received within (or before) ends it, as ``StoppedStarting``."""
        if self.asked is not None:
            raise StoppedStarting(self.asked)
        self._interrupting = True
        try:
            yield
        finally:
            self._interrupting = False

    def acted_on_by(self, act: Callable[[], None]) -> None:
        """From now on a stop calls ``act``; at once if one was received meanwhile."""
        self._act = act
        if self.asked is not None:
            act()

    def serving(self, server: uvicorn.Server) -> None:
        """``server`` is about to serve: stopped at once if a stop was received meanwhile."""
        self.acted_on_by(lambda: setattr(server, "should_exit", True))
