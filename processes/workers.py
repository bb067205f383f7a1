"""Worker processes forked once, each sending its results through a pipe of its own, so that
a worker that dies is seen at once, whatever it was doing.

Used by ``tamis decider --processus`` (``tamis.triage.parallel``) and by the journal's
readers on several cores (``tamis.audit.blocks.in_pool``: a large file, a PostgreSQL
journal): it knows neither, and sends them ``WorkerStopped`` for a worker that died.

Why not ``concurrent.futures.ProcessPoolExecutor``: its workers share one result pipe, which
the parent also holds open for writing. A worker killed in the middle of writing a result
(SIGKILL, the kernel's out-of-memory killer) leaves half a message in it; the executor's
manager thread then waits forever for the rest, never looks at the workers' sentinels, and
``tamis decider --processus 2`` hung instead of stopping with its French error (seen under
load, about one kill in fifteen, CPython 3.11); ``tamis journal verifier`` could too. Here
only the worker holds the far end of its result pipe: when it dies, reading from it ends
(``EOFError``, or ``OSError`` in the middle of a message), and the run stops with
``WorkerStopped``.

Tasks go out through one shared pipe, which only the workers read (one at a time, under a
lock), and whichever worker is free takes the next one: a worker slowed down by the
machine's load does not hold the others back. A sender thread writes them, so this process
never blocks on a worker that is itself blocked sending back a large result; once every
worker is dead, that pipe has no reader left and the sender's write fails instead of waiting.
Each result comes back, numbered, on its worker's pipe, read by a reader thread as soon as it
arrives (the reading overlaps this process's own work), and waits until ``Task.result`` asks
for it. Both sides read their pipes into a buffer they keep (``Inbox``), not through
``Connection.recv_bytes``, whose blocks for each piece of a large message fragmented the
heaps. Both threads start after every worker is forked: a fork after a thread has started
may copy a held lock, so a pool refuses to start beside another thread (``alone`` tells a
caller beforehand: the HTTP service's threads read in their own process instead).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import signal
import struct
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:  # imported when a pool starts: a small input never pays for them
    from multiprocessing.connection import Connection
    from multiprocessing.synchronize import Lock

_STOP = b""  # the task that tells a worker to exit
_FIRST_BUFFER = 1 << 16  # bytes an ``Inbox`` starts with (it grows to the largest message)
_JOIN_SECONDS = 10  # how long a worker told to stop may take before it is killed
_PIPE_BYTES = 1 << 20  # each pipe's size (``_roomy``): Linux's default largest, a whole batch
T = TypeVar("T")


def alone() -> bool:
    """True if no other thread runs in this process: a pool may fork."""
    return threading.active_count() == 1


class WorkerStopped(Exception):
    """A worker process died (killed, out of memory): the run cannot go on in order."""


class Task(Generic[T]):
    """A call given to the workers; ``result`` is its return value (or raises its error)."""

    def __init__(self, pool: WorkerPool, number: int) -> None:
        self._pool, self._number = pool, number

    def result(self) -> T:
        return self._pool.result(self._number)


class WorkerPool:
    """``count`` processes forked now, each running ``enter(state)`` (if given) then the
    calls it takes from the task pipe (module-level functions or ``partial`` of them, sent by
    name); ``close`` stops them."""

    def __init__(
        self, count: int, enter: Callable[[Any], None] | None = None, state: Any = None
    ) -> None:
        if not alone():  # a fork would copy the other threads' locks as held
            raise RuntimeError("start the worker processes before any other thread")
        import multiprocessing
        import queue

        context = multiprocessing.get_context("fork")
        tasks, self._tasks = _roomy(*context.Pipe(duplex=False))
        taking = context.Lock()
        self._processes, self._pipes = [], []
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # see ``_serve``
        try:
            for _ in range(count):
                mine, theirs = _roomy(*context.Pipe(duplex=False))
                inherited = [self._tasks, *self._pipes, mine]
                process = context.Process(
                    target=_serve,
                    args=((tasks, taking), theirs, inherited, enter, state),
                    daemon=True,
                )
                process.start()
                theirs.close()  # the worker's end is the worker's only: its death ends the pipe
                self._processes.append(process)
                self._pipes.append(mine)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a Ctrl-C held is raised here
        tasks.close()  # only the workers read the tasks: once they are gone, writing fails
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._submitted = 0
        self._pending = 0  # submitted, not yet handed back by ``result``
        self._arrived: dict[int, tuple[bool, Any]] = {}  # read, not yet asked for
        self._stopped = False  # a worker's pipe ended
        self._changed = threading.Condition()
        self._threads = [
            threading.Thread(target=self._send_all, name="tamis-taches", daemon=True),
            threading.Thread(target=self._read_all, name="tamis-resultats", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, function: Callable[..., T], *args: Any) -> Task[T]:
        """``function(*args)`` in the next free worker."""
        number = self._submitted
        self._submitted += 1
        self._pending += 1
        self._outbox.put(pickle.dumps((number, function, args), pickle.HIGHEST_PROTOCOL))
        return Task(self, number)

    def result(self, number: int) -> Any:
        """Task ``number``'s value once it has come back; ``WorkerStopped`` if a worker's
        pipe ended before."""
        with self._changed:
            while number not in self._arrived and not self._stopped:
                self._changed.wait()
            if number not in self._arrived:
                raise WorkerStopped
            done, value = self._arrived.pop(number)
        self._pending -= 1
        if not done:
            raise value
        return value

    def close(self) -> None:
        """Every worker stopped: told to exit if nothing it was given is still unread (and
        killed if it takes longer than ``_JOIN_SECONDS``), else killed at once (a run that
        stops early does not wait for work it will not use); then both threads, ended."""
        for process in self._processes:
            if self._pending:
                process.kill()
            else:
                self._outbox.put(_STOP)
        self._outbox.put(None)  # the sender's own end
        self._join_workers()
        for thread in self._threads:  # no worker is left: both have met the end of a pipe
            thread.join()
        for pipe in (self._tasks, *self._pipes):
            pipe.close()

    def _join_workers(self) -> None:
        """Wait for every worker to exit, ``_JOIN_SECONDS`` at most, watching their
        sentinels: a worker that exits otherwise than told to (killed, out of memory) may
        have died holding the task lock, and the others, waiting for it, would never read
        their order to stop; they are killed at once."""
        from multiprocessing.connection import wait

        deadline = time.monotonic() + _JOIN_SECONDS
        left = {process.sentinel: process for process in self._processes}
        while left and (ready := wait(list(left), max(0.0, deadline - time.monotonic()))):
            for sentinel in ready:
                process = left.pop(sentinel)  # type: ignore[call-overload]
                process.join()
                if process.exitcode != 0:
                    for other in left.values():
                        other.kill()
        for process in left.values():  # still running after ``_JOIN_SECONDS``
            process.kill()
        for process in self._processes:
            process.join()

    def _send_all(self) -> None:
        """The sender thread: each task in turn, until told to end or no worker is left."""
        while (message := self._outbox.get()) is not None:
            try:
                self._tasks.send_bytes(message)
            except OSError:  # every worker is gone: ``result`` says so
                return

    def _read_all(self) -> None:
        """The reader thread: every result as it arrives, until a worker's pipe ends (its
        death, or its exit once told to stop)."""
        from multiprocessing.connection import wait

        inbox = Inbox()  # one buffer for every pipe: this thread reads one message at a time
        while True:
            for pipe in wait(self._pipes):
                if not self._arrive(inbox, pipe):  # type: ignore[arg-type]
                    with self._changed:
                        self._stopped = True
                        self._changed.notify_all()
                    return

    def _arrive(self, inbox: Inbox, pipe: Connection) -> bool:
        """The next result on ``pipe`` (read into ``inbox``), kept until asked for (a method
        of its own, so that this thread holds no reference to it once ``result`` has handed
        it back); False at the pipe's end, or for a reply that cannot be read: either way no
        result is left to wait for."""
        try:
            with inbox.receive(pipe) as message:
                number, done, value = pickle.loads(message)
        except Exception:  # EOFError, OSError: the worker is gone
            return False
        with self._changed:
            self._arrived[number] = (done, value)
            self._changed.notify_all()
        return True


def _roomy(reading: Connection, writing: Connection) -> tuple[Connection, Connection]:
    """A pipe's two ends, the pipe made to hold ``_PIPE_BYTES`` (on Linux: elsewhere, or
    past the system's ``pipe-max-size``, it keeps its size). A batch's texts or results (a few
    hundred KiB: 256 decisions' records are about 850 KiB) then go through in one write: in
    a 64 KiB pipe, a worker sending its results waited for this process's reader thread to
    empty it a dozen times, the thread taking the interpreter's lock from this process's
    work each time (as the sender thread does for a task, while the worker reading it holds
    the task lock). Workers' time asleep in ``tamis decider --processus 2`` on 20,000
    invitations, both summed, medians of 6 alternating runs on a loaded machine (load 2.4 to
    4.4): 0.31 -> 0.26 s and 0.68 -> 0.47 s. The kernel keeps the buffer (at most 1 MiB a
    pipe, only while full), not the processes."""
    setting = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if setting is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(writing.fileno(), setting, _PIPE_BYTES)
    return reading, writing


def _serve(
    tasks: tuple[Connection, Lock],
    results: Connection,
    inherited: list[Connection],
    enter: Callable[[Any], None] | None,
    state: Any,
) -> None:
    """A worker's life: ``enter(state)`` (if given), then each task's ``(number, True,
    value)`` or ``(number, False, error)`` sent back, until told to stop or no task can come.

    Ctrl-C (SIGINT, which a terminal sends to the whole process group) is the parent's to
    handle: it stops the workers. A worker ignores it from its first instruction: the parent
    blocks it while forking, so that one pressed then waits, and this ignores it before
    unblocking it (no ``KeyboardInterrupt`` traceback from a worker just started)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    for other in inherited:  # the ends only this process's parent uses (its own result
        other.close()  # pipe's reading end too: were the parent killed, writing must fail)
    if enter is not None:
        enter(state)
    pipe, taking = tasks
    inbox = Inbox()
    while True:
        try:
            with taking:
                message = inbox.receive(pipe)
        except (EOFError, OSError):
            return
        with message:
            if message == _STOP:
                return
            reply = _answer(message)
        results.send_bytes(reply)


class Inbox:
    """Messages (``Connection.send_bytes``'s framing) read into one buffer, reused from one
    message to the next. ``Connection.recv_bytes`` asks, for each 64 KiB the pipe gives, for
    a new block the size of what is left to read, then copies the pieces twice: for messages
    of hundreds of KiB (a batch's texts or results), blocks that left free memory in the C
    library's heaps, growing with the input."""

    def __init__(self) -> None:
        self._buffer = bytearray(_FIRST_BUFFER)

    def receive(self, pipe: Connection) -> memoryview:
        """``pipe``'s next message, a view of the buffer valid until the next ``receive``
        (release it before: ``with``). ``EOFError`` at the pipe's end, ``OSError`` in a
        message."""
        fd = pipe.fileno()
        (size,) = struct.unpack("!i", _read(fd, 4, at_start=True))
        if size == -1:  # 2 GiB or more
            (size,) = struct.unpack("!Q", _read(fd, 8))
        if size > len(self._buffer):
            self._buffer = bytearray(size)
        view = memoryview(self._buffer)[:size]
        _fill(fd, view)
        return view


def _read(fd: int, size: int, *, at_start: bool = False) -> bytes:
    view = memoryview(bytearray(size))
    _fill(fd, view, at_start=at_start)
    return bytes(view)


def _fill(fd: int, view: memoryview, *, at_start: bool = False) -> None:
    """``view`` filled from ``fd``; ``EOFError`` at once at its end (``at_start``), else
    ``OSError``."""
    got = 0
    while got < len(view):
        count = os.readv(fd, [view[got:]])
        if count == 0:
            if at_start and got == 0:
                raise EOFError
            raise OSError("got end of file during message")
        got += count


def _answer(message: bytes | memoryview) -> bytes:
    """A task's reply, pickled. A function of its own, so that the task, its value and its
    reply are freed once sent, not kept alive beside the next task's (as
    ``concurrent.futures`` deletes them too)."""
    number, function, args = pickle.loads(message)
    try:
        reply = (number, True, function(*args))
    except Exception as error:  # raised again in the parent (``result``)
        reply = (number, False, error)
    return _pickled(reply)


def _pickled(reply: tuple[int, bool, Any]) -> bytes:
    try:
        return pickle.dumps(reply, pickle.HIGHEST_PROTOCOL)
    except Exception as error:  # an error that cannot cross: its words still do
        return pickle.dumps((reply[0], False, RuntimeError(repr(reply[2]), repr(error))))
