"""Suite-wide settings: property tests check behaviour, never speed (bench/ measures speed),
so a slow or busy CI machine must not fail them on hypothesis's per-example deadline.

``pg_server`` is one real PostgreSQL server for the session (``tests/pg_cluster.py``: the URL
in ``TAMIS_TEST_PG_URL``, or a throwaway cluster), started only by the tests that ask for it;
``pg_url`` is a new, empty database on it for one test; ``own_cluster``, a server of one
test's own, which it may stop and start again. ``full_disk`` is a folder on a 16 KiB tmpfs
of its own, to fill (root only, as CI runs: skipped for another user; as root, a tmpfs that
cannot be mounted fails the test).

The suite (and every ``tamis`` it starts) keeps its cache of checked policies in a folder of
its own, never in the user's ``~/.cache/tamis``: ``XDG_CACHE_HOME`` is set before any test."""

import atexit
import contextlib
import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator

import psycopg
import pytest
from hypothesis import settings
from pg_cluster import ENV_URL, Cluster, ClusterError

_CACHE = tempfile.mkdtemp(prefix="tamis-cache-essais-")
os.environ["XDG_CACHE_HOME"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

settings.register_profile("tamis", deadline=None)
settings.load_profile("tamis")


@pytest.fixture(autouse=True)
def _uvicorn_logger_left_as_found() -> Iterator[None]:
    """uvicorn's logger is a global: a test that serves in its own process routes it to its
    own log (``servir_harness.server_messages_to``), and one that left it so sent the next
    tests' uvicorn messages to a closed file, or made them pass or fail by their order.
    Every test must leave it as it found it."""
    server = logging.getLogger("uvicorn")
    before = (list(server.handlers), server.level, server.propagate)
    yield
    after = (list(server.handlers), server.level, server.propagate)
    assert after == before, "le logger « uvicorn » n'a pas été rendu tel quel"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A superuser's URL on a running PostgreSQL server."""
    given = os.environ.get(ENV_URL)
    if given:
        yield given
        return
    with _running() as cluster:
        yield cluster.url


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """The URL of a new, empty database, dropped after the test."""
    name = f"essai_{secrets.token_hex(6)}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = pg_server.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A PostgreSQL server of this test's own, which it stops and starts again."""
    with _running() as cluster:
        yield cluster


@contextlib.contextmanager
def _running() -> Iterator[Cluster]:
    """A throwaway cluster, started (a test that cannot start one fails with the reason, in
    French), and stopped at the end."""
    cluster = Cluster()
    try:
        cluster.start()
    except ClusterError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def full_disk(tmp_path) -> Iterator:
    """A folder on a 16 KiB tmpfs, to fill: what a full disk does to a command's writes."""
    import subprocess

    disk = tmp_path / "petit"
    disk.mkdir()
    if os.geteuid() != 0:  # CI runs as root: there, a mount that fails is a failure
        pytest.skip("mounting a tmpfs needs root")
    mount = ["mount", "-t", "tmpfs", "-o", "size=16k", "tamis-essai", str(disk)]
    mounted = subprocess.run(mount, capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"tmpfs impossible à monter : {mounted.stderr.strip()}", pytrace=False)
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)
