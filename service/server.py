"""Running the service: bind, announce, serve with uvicorn; reload on SIGHUP; stop cleanly.

The last step of ``tamis servir`` (config -> workspaces -> app -> **server**). The socket is
bound here, before any worker starts, so ``--port 0`` works and the address is announced
once. One process serves in place; ``--processus N`` starts N worker processes on the same
socket, each with its own workspaces (the journals' file lock keeps one chain per journal),
and the parent forwards SIGHUP (reload) and SIGTERM/SIGINT (stop) to them. In each worker,
uvicorn stops accepting on SIGTERM, lets in-flight requests finish, and the journals are
synced and closed before the process exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import pickle
import signal
import socket
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI

from tamis.audit.errors import JournalError
from tamis.service import calls, pruning, reconfigure, scheduled_seals, sealing, sharing
from tamis.service.app import create_app
from tamis.service.calls import PolicyRefused, PolicyUnsettled
from tamis.service.config import ServiceConfig
from tamis.service.hangups import RELOAD_ASKED, Hangups, held, spawn_parent, unheld
from tamis.service.logs import make_logger, route_server_messages
from tamis.service.metrics import MULTIPROCESS_ENV, Metrics
from tamis.service.protocol import FrenchHttp
from tamis.service.stops import StopAsked
from tamis.service.web_session import session_key
from tamis.service.workspaces import Workspace, Workspaces

GRACE_SECONDS = 30  # in-flight requests get this long after SIGTERM
RESTART_STABLE_SECONDS = 10.0  # a worker that lived this long did not die of its start
RESTART_DELAY_MAX = 30.0  # the longest wait before a worker that keeps dying is started


class NotStarted(Exception):
    """A worker that could not open what it serves (a journal, a policy) since the service
    checked them at start: its French reason."""


@dataclass(frozen=True)
class Checked:
    """What the start check found: each workspace's policy text (``sources``), which every
    worker starts with, and the warnings it logged (``warned``), which a worker opening the
    same journals does not log again: one start, one warning, however many processes."""

    sources: dict[str, str]
    warned: frozenset[str]


def check(config: ServiceConfig) -> Checked:
    """Load every policy and open every journal once, then close: what could stop a worker
    is found before the socket is announced (raises ``PolicyRefused`` or ``JournalError``).
    Returns each workspace's policy text, read once settled and checked: every worker
    starts with it (``serve``), never with the file as it may be when it starts; and the
    warnings logged, each once.
    A PostgreSQL journal is reached here (``calls.check_journal``), not when a worker opens
    it; two workspaces naming one journal are refused (``sharing``). Then the retention
    each context sets (``conservation``) is applied, once, and each
    workspace's ``Idempotency-Key`` store is checked (``pruning.check_stores``)."""
    logger, warned = make_logger(), set[str]()
    for workspace in config.workspaces.values():
        calls.check_journal(workspace.journal, _warner(logger, workspace.name, warned))
    sharing.check(config)
    opened = Workspaces(config, _warnings(logger, warned)).open()
    try:
        sources = opened.sources()
    finally:  # a stop received meanwhile (``stops``) closes them too
        opened.close()
    pruning.check_stores(config)
    sealing.check_keys(config)
    sealing.purge_expired(config, make_logger())
    return Checked(sources, frozenset(warned))


def _warnings(logger: Any, said: set[str] | frozenset[str] = frozenset()):
    """A warning as every line of the log gives one: ``avertissement``, its ``message``;
    one in ``said`` is not logged again, and a set ``said`` records those logged."""

    def warn(message: str) -> None:
        if message in said:
            return
        if isinstance(said, set):
            said.add(message)
        logger.warning("avertissement", message=message)

    return warn


def _warner(logger: Any, workspace: str, said: set[str]):
    warn = _warnings(logger, said)
    return lambda message: warn(f"espace « {workspace} » : {message}")


def bind(host: str, port: int) -> socket.socket:
    """The listening socket (``port`` 0: a free port chosen by the system)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(
    config: ServiceConfig,
    sock: socket.socket,
    processes: int,
    checked: Checked | None = None,
    standing: Sequence[str] = (),
    hangups: Hangups | None = None,
    stop: StopAsked | None = None,
) -> None:
    """Serve until SIGTERM or SIGINT, in this process or in ``processes`` workers, each
    starting with the policies ``checked`` (``check``'s) if given. ``standing``: warnings
    about the configuration logged at start (``$TAMIS_JOURNAL`` set beside ``--config``),
    logged again, once, on each SIGHUP: a reload re-reads the configuration, the condition
    still holds. ``hangups`` and ``stop``: the SIGHUPs and the stop heard since the command
    started (the CLI listens before its start check), acted on once serving."""
    hangups = hangups or Hangups().listen()
    stop = stop or StopAsked().listen()
    logger = make_logger()
    logger.info(
        "demarrage",
        adresse=address(sock),
        espaces=sorted(config.workspaces),
        processus=processes,
    )
    sealer = scheduled_seals.start(config, logger)  # once for the service, not per worker
    pruner = pruning.start(config, logger)
    try:
        if processes <= 1:
            run_worker(config, sock, checked=checked, standing=standing, hangups=hangups, stop=stop)
        else:
            Supervisor(config, sock, processes, logger, hangups, checked, standing).run(stop)
    finally:
        pruner.stop()
        if sealer is not None:
            sealer.stop()
    logger.info("arret")


def run_worker(
    config: ServiceConfig,
    sock: socket.socket,
    supervised: bool = False,
    checked: Checked | None = None,
    standing: Sequence[str] = (),
    hangups: Hangups | None = None,
    stop: StopAsked | None = None,
    configured: Configured | None = None,
) -> None:
    """One process serving every workspace; returns once stopped and the journals closed.
    It starts with the policies ``checked`` (the ones the service checked), not with the
    files as they are now (a worker replaced while a file is emptied for saving would serve
    an empty policy); its catch-up reload then reads the files as any reload does. The
    check's warnings are not logged again; ``standing`` ones are on SIGHUP (``serve``).
    ``hangups`` and ``stop``: this process is the service's only one, and the SIGHUPs and
    the stop heard before it serves are acted on then; None for a worker of ``--processus
    N``, whose parent hears SIGHUP, and which listens for a stop from here on.
    ``configured``: the configuration to serve with after a SIGHUP (``reload_all``);
    None: service.toml read again, and what it changes said (``reconfigure.reread``)."""
    stop = stop or StopAsked().listen()
    acts_on_early = hangups is not None  # a worker's are its parent's, which said them
    hangups = hangups or unheld()
    logger = make_logger()
    route_server_messages(logger)
    configured = configured or (lambda running: reconfigure.reread(running, logger))
    said, sources = (checked.warned, checked.sources) if checked else (frozenset(), None)
    try:
        workspaces = Workspaces(config, _warnings(logger, said)).open(sources)
    except (JournalError, PolicyRefused) as error:  # since the service's check: a file gone…
        raise NotStarted(getattr(error, "message", str(error))) from None
    try:
        app = create_app(workspaces, config.limits, logger, supervised=supervised)
        metrics = app.state.metrics
        lifespan = _lifespan(
            workspaces, logger, metrics, standing, hangups, acts_on_early, configured, supervised
        )
        app.router.lifespan_context = lifespan
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                http=FrenchHttp,
                log_config=None,
                access_log=False,
                timeout_graceful_shutdown=GRACE_SECONDS,
                server_header=False,
            )
        )
        stop.serving(server)
        server.run(sockets=[sock])
    finally:
        workspaces.close()


def _lifespan(
    workspaces: Workspaces,
    logger: Any,
    metrics: Metrics,
    standing: Sequence[str],
    hangups: Hangups,
    acts_on_early: bool,
    configured: Configured,
    supervised: bool = False,
):
    """Reload on SIGHUP while serving (``reload_all``, with ``configured``). ``hangups``
    heard SIGHUP since the process started (its handler stays: once the service stops,
    SIGHUP is heard and does nothing, where asyncio's handler, removed, left SIGHUP's
    default, which ended the process before its journals were closed). ``acts_on_early``:
    those heard before serving are acted on (the only process); else (a worker) dropped,
    its catch-up reload taking what its parent serves with and reading the policy files.
    ``supervised``: a worker of ``--processus N``, which stops once its parent is gone
    (``_when_orphaned``)."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        retries = Retries(logger, metrics)
        args = (workspaces, logger, metrics, configured, False, retries)

        def reload() -> None:
            warn_again(logger, standing)
            loop.run_in_executor(None, reload_all, *args)

        heard = hangups.take() > 0 and acts_on_early
        if heard:
            warn_again(logger, standing)
        watchers = [asyncio.create_task(_on_hangups(hangups, reload))]
        if supervised:
            watchers.append(asyncio.create_task(_when_orphaned(logger)))
        only_changes = not heard
        catch_up = (*args[:4], only_changes, retries)
        await loop.run_in_executor(None, reload_all, *catch_up)
        yield
        for watcher in watchers:
            watcher.cancel()
        retries.stop()

    return lifespan


HANGUPS_SECONDS = 0.1
"""How often a serving process looks for a SIGHUP heard (uvicorn wakes as often)."""


async def _on_hangups(hangups: Hangups, reload: Callable[[], None]) -> None:
    """``reload`` once per turn in which SIGHUPs were heard, until cancelled."""
    while True:
        await asyncio.sleep(HANGUPS_SECONDS)
        if hangups.take():
            reload()


PARENT_SECONDS = 0.5
"""How often a worker of ``--processus N`` looks whether its parent still runs."""


async def _when_orphaned(logger: Any) -> None:
    """Stop this worker, as a SIGTERM would, once its parent is gone. A parent killed
    outright (``kill -9``, the kernel's out-of-memory killer) can neither stop its workers
    nor replace them: they served on, on its port, with nobody to forward a reload, and a
    new ``tamis servir`` could not take the port. The parent is the one spawn gave
    (``spawn_parent``): a worker whose parent died before it looked is orphaned too."""
    while spawn_parent() is not None:
        await asyncio.sleep(PARENT_SECONDS)
    logger.warning(
        "parent_arrete",
        pid=os.getpid(),
        message="le processus parent de tamis servir s'est arrêté : ce processus de travail "
        "cesse de servir (relancez tamis servir).",
    )
    os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's own stop: requests finished, journals closed


def warn_again(logger: Any, standing: Sequence[str]) -> None:
    """The configuration's standing warnings, once more (a SIGHUP, to the process that
    received it: the only worker, or the parent of ``--processus N``)."""
    for message in standing:
        logger.warning("avertissement", message=message)


Configured = Callable[[ServiceConfig], ServiceConfig]
"""What a process serves with after a SIGHUP, given what it serves with: service.toml read
again (a single process, the parent of ``--processus N``: ``reconfigure.reread``), or what
the parent read (a worker: ``parent_configuration``)."""


def reload_all(
    workspaces: Workspaces,
    logger: Any,
    metrics: Metrics,
    configured: Configured,
    only_changes: bool = False,
    retries: Retries | None = None,
) -> None:
    """SIGHUP: the configuration ``configured`` applied (its tokens and time zones:
    ``reconfigure``), then every workspace's policy re-read; a refused one stays as it was
    (logged). ``only_changes``: log and count nothing for a policy that has not changed. A
    policy file caught being written is read again once it has settled (``retries``)."""
    workspaces.reconfigure(configured(workspaces.config))
    for workspace in workspaces.by_name.values():
        reload_one(workspace, logger, metrics, only_changes, retries)


def reload_one(
    workspace: Workspace,
    logger: Any,
    metrics: Metrics,
    only_changes: bool = False,
    retries: Retries | None = None,
    tries: int = 0,
) -> None:
    """``reload_all`` for one workspace; ``tries``: the reloads of a file being written
    already tried (``Retries``)."""
    try:
        done = workspace.reload()
    except PolicyUnsettled as error:
        _unsettled(workspace.name, error, logger, retries, tries)
        if retries is not None and tries < RETRY_TRIES:
            retries.schedule(workspace, tries + 1, only_changes)
        return
    except PolicyRefused as error:
        if retries is not None:
            retries.cancel(workspace.name)
        metrics.reloaded(workspace.name, ok=False)
        logger.error(
            "rechargement_refuse",
            espace=workspace.name,
            diagnostics=[_diagnostic(d) for d in error.diagnostics] or [error.message],
        )
        return
    if retries is not None:
        retries.cancel(workspace.name)
    if only_changes and not done.changed:
        return
    metrics.reloaded(workspace.name, ok=True)
    logger.info("rechargement", espace=workspace.name, sha256=done.after, change=done.changed)


RETRY_SECONDS = 0.5
"""How often a policy file caught being written is read again."""
RETRY_TRIES = 240
"""How many times (two minutes), before the policy in force is left as it is."""


def _unsettled(name: str, error: PolicyUnsettled, logger: Any, retries: Any, tries: int) -> None:
    """Say, once, that a reload waits for the policy file; and when it is given up."""
    if tries == 0:
        logger.warning(
            "rechargement_en_attente",
            espace=name,
            message=f"{error.message} Nouvel essai dès que le fichier ne change plus.",
        )
    elif retries is None or tries >= RETRY_TRIES:
        logger.error(
            "rechargement_abandonne",
            espace=name,
            message=f"{error.message} Abandon après {tries} essais : la politique en vigueur "
            "reste ; corrigez le fichier puis rechargez (SIGHUP ou POST …/politique/recharger).",
        )


class Retries:
    """Reloads refused because the policy file was being written (``PolicyUnsettled``),
    tried again every ``RETRY_SECONDS`` (one pending retry per workspace, replaced by a new
    SIGHUP's) until the file settles: then it is loaded, or refused for what it says, as on
    SIGHUP."""

    def __init__(self, logger: Any, metrics: Metrics) -> None:
        self.logger, self.metrics = logger, metrics
        self.timers: dict[str, threading.Timer] = {}
        self.lock = threading.Lock()
        self.stopped = False

    def schedule(self, workspace: Workspace, tries: int, only_changes: bool) -> None:
        timer = threading.Timer(
            RETRY_SECONDS,
            reload_one,
            (workspace, self.logger, self.metrics, only_changes, self, tries),
        )
        timer.daemon = True
        with self.lock:
            if self.stopped:
                return
            self.cancel(workspace.name, locked=True)
            self.timers[workspace.name] = timer
            timer.start()

    def cancel(self, name: str, locked: bool = False) -> None:
        with contextlib.nullcontext() if locked else self.lock:
            timer = self.timers.pop(name, None)
        if timer is not None and timer is not threading.current_thread():
            timer.cancel()

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            for name in list(self.timers):
                self.cancel(name, locked=True)


def _diagnostic(found: dict) -> str:
    """« politique.tamis:1:25: E004 fin de fichier inattendue… », for the log line."""
    return f"{found['file']}:{found['line']}:{found['column']}: {found['code']} {found['message']}"


class Supervisor:
    """The parent of ``--processus N``: starts the workers, restarts one that dies, and
    forwards SIGHUP and SIGTERM/SIGINT to them."""

    def __init__(
        self,
        config: ServiceConfig,
        sock: socket.socket,
        count: int,
        logger: Any,
        hangups: Hangups,
        checked: Checked | None = None,
        standing: Sequence[str] = (),
    ):
        self.config, self.sock, self.count, self.logger = config, sock, count, logger
        self.hangups = hangups  # heard since the command started, forwarded by the loop
        self.asked = Hangups()  # reloads asked by a worker (RELOAD_ASKED), forwarded too
        self.checked = checked  # the policies every worker starts with, warnings said
        self.standing = standing  # said again on SIGHUP, here: once, not by every worker
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[Any] = []
        self.stopping = False
        self.folder = ""  # the parent's private folder, once ``run`` made it
        self.started_at: dict[int, float] = {}  # each position's last start (monotonic)
        self.quick_deaths: dict[int, int] = {}  # its deaths in a row soon after starting
        self.due: dict[int, float] = {}  # positions whose replacement waits until then

    def run(self, stop: StopAsked) -> None:
        """Until ``stop`` (heard since the command started: one heard before is acted on
        here, and no worker is started)."""
        stop.acted_on_by(self._stop)
        self.asked.listen(RELOAD_ASKED)  # before any worker can ask
        with tempfile.TemporaryDirectory(prefix="tamis-servir-") as folder:
            os.environ.setdefault(MULTIPROCESS_ENV, folder)  # inherited by the workers
            session_key()  # drawn here, so every worker signs web sessions with the same key
            self.folder = folder  # each worker's start file (``write_start``): written now
            write_start(folder, self.config, self.checked)  # and again by each SIGHUP
            for position in range(self.count):
                if not self.stopping:
                    self._start(position)
            while not self.stopping:
                self._reload()  # first: a SIGHUP heard while the service was starting
                time.sleep(0.2)
                self._replace_dead()
            for worker in self.workers:
                worker.join()

    def _start(self, position: int) -> None:
        """A new worker at ``position`` in ``workers``, which ignores SIGHUP until it can
        reload: spawned with SIGHUP blocked (``held``), which the parent hears once it is
        spawned. What it starts with (the configuration as it is now) is in a file
        (``write_start``: at the start, then by each SIGHUP), not in its arguments. A stop
        asked while it was spawned was sent to the workers listed then, not to it: it is
        sent to it once listed."""
        self.started_at[position] = time.monotonic()
        with held():
            args = (os.path.join(self.folder, START_FILE), self.sock)
            worker = self.context.Process(target=run_started, args=args)
            worker.start()
        if position < len(self.workers):
            self.workers[position] = worker
        else:
            self.workers.append(worker)
        if self.stopping:
            self._send(signal.SIGTERM)

    def _replace_dead(self) -> None:
        """Each dead worker said and replaced: at once, or once its delay is over
        (``_restart_delay``)."""
        now = time.monotonic()
        for position, worker in enumerate(self.workers):
            if self.stopping:
                return
            if position in self.due:
                if now >= self.due[position]:
                    del self.due[position]
                    self._start(position)
                continue
            if worker.is_alive():
                continue
            delay = self._restart_delay(position, now)
            when = (
                "il est remplacé."
                if not delay
                else (
                    f"il est remplacé dans {delay:g} s ({self.quick_deaths[position]} arrêts de "
                    f"suite moins de {RESTART_STABLE_SECONDS:g} s après leur départ)."
                )
            )
            self.logger.error(
                "processus_arrete",
                pid=worker.pid,
                code=worker.exitcode,
                message=f"le processus de travail n° {position + 1} (pid {worker.pid}) "
                f"s'est arrêté, {_ended(worker.exitcode)} : {when}",
            )
            if delay:
                self.due[position] = now + delay
            else:
                self._start(position)

    def _restart_delay(self, position: int, now: float) -> float:
        """0 for a worker that served a while, and for the first of a position to die soon
        after starting; then 1, 2, 4… s, at most ``RESTART_DELAY_MAX``. A worker that cannot
        start (its journal gone, its database down) was spawned again five times a second,
        for good: each time a Python start on a core the others serve with, and a line."""
        lived = now - self.started_at.get(position, now)
        quick = self.quick_deaths.get(position, 0) + 1 if lived < RESTART_STABLE_SECONDS else 0
        self.quick_deaths[position] = quick
        return 0.0 if quick <= 1 else min(RESTART_DELAY_MAX, 2.0 ** (quick - 2))

    def _stop(self) -> None:
        self.stopping = True
        self._send(signal.SIGTERM)

    def _reload(self) -> None:
        """SIGHUPs heard since the last turn of the loop, and reloads a worker asked for,
        forwarded to the workers (SIGHUP). On an operator's SIGHUP only, as a single process
        does: service.toml read again here, what it changes said once (``reconfigure``), and
        written where every worker, now and started later, takes it (``write_start``,
        ``parent_configuration``), before they are sent SIGHUP; and the standing warnings
        said again, once. A worker read the file itself: one that read it after an edit the
        parent had not seen, or caught it half-written and refused it quietly, served
        tokens other than those the parent's line named (a token said removed, still let
        in). A reload over HTTP (a policy, one workspace's ``admin``) applied service.toml
        too under ``--processus N``, and not in a single process."""
        operator, asked = self.hangups.take(), self.asked.take()
        if operator:
            self.config = reconfigure.reread(self.config, self.logger)
            write_start(self.folder, self.config, self.checked)
        if operator or asked:
            self._send(signal.SIGHUP)
        if operator:
            warn_again(self.logger, self.standing)

    def _send(self, signum: int) -> None:
        for worker in self.workers:
            if worker.is_alive() and worker.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signum)


START_FILE = "depart.pickle"


def write_start(folder: str, config: ServiceConfig, checked: Checked | None) -> str:
    """What a worker of ``--processus N`` starts with (the configuration, the policies
    checked), written into the parent's private ``folder`` (mode 0700) for the worker to
    read (``run_started``); its path. It went in the worker's arguments, which
    multiprocessing writes into a pipe that the worker reads as it starts, while the parent
    keeps the worker's end of it open: with a policy over 64 KiB (the pipe's buffer), a
    worker that died before reading it all (killed, out of memory) left the parent blocked
    in that write for good. A path is written at once, whatever befalls the worker, and a
    dead one is replaced. Renamed into place whole: a worker still reading the file a
    former start wrote reads that one, whole."""
    fd, written = tempfile.mkstemp(dir=folder, prefix=".depart-")
    with os.fdopen(fd, "wb") as stream:
        pickle.dump((config, checked), stream, protocol=pickle.HIGHEST_PROTOCOL)
    path = os.path.join(folder, START_FILE)
    os.replace(written, path)
    return path


def run_started(start_file: str, sock: socket.socket) -> None:
    """A worker of ``--processus N``: ``run_worker`` with what its parent wrote for it
    (``write_start``), and again on each SIGHUP (``parent_configuration``)."""
    config, checked = _read_start(start_file)
    configured = lambda _running: parent_configuration(start_file)  # noqa: E731
    try:
        run_worker(config, sock, True, checked, configured=configured)
    except NotStarted as error:  # said in the log, in French; the parent replaces it
        make_logger().error(
            "processus_non_demarre",
            message=f"le processus de travail ne peut pas démarrer : {error}",
        )
        raise SystemExit(1) from None


def parent_configuration(start_file: str) -> ServiceConfig:
    """In a worker of ``--processus N``: the configuration its parent serves with now, as
    its last SIGHUP left it (``Supervisor._reload``): never service.toml read again here."""
    return _read_start(start_file)[0]


def _read_start(start_file: str) -> tuple[ServiceConfig, Checked | None]:
    with open(start_file, "rb") as stream:
        return pickle.load(stream)


def _ended(exitcode: int | None) -> str:
    """How a worker ended, for ``processus_arrete``: the signal that killed it, or its
    exit code."""
    if exitcode is not None and exitcode < 0:
        with contextlib.suppress(ValueError):
            return f"tué par le signal {signal.Signals(-exitcode).name}"
        return f"tué par le signal {-exitcode}"
    return f"code de sortie {exitcode}"
