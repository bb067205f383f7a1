"""A throwaway PostgreSQL cluster for the tests: a real server, never a mock.

``TAMIS_TEST_PG_URL`` (a superuser's URL; CI may start the server beforehand) is used when
set. Otherwise ``Cluster.start`` runs Debian's ``initdb`` in a temporary folder, then
``pg_ctl`` on a free loopback port with its Unix socket in that folder, and ``stop`` removes
it. ``initdb`` and ``pg_ctl`` refuse to run as root: as root they run as the ``postgres``
user (``nobody`` where it is missing) through ``setpriv``. The superuser has a password, so
the tests see URLs with one (and check that tamis never prints it).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

ENV_URL = "TAMIS_TEST_PG_URL"
SUPERUSER = "tamis_essais"


class ClusterError(RuntimeError):
    """PostgreSQL could not be started: the message says what to install or fix."""


def pg_bin(name: str) -> str:
    """The path of a PostgreSQL server program (Debian keeps them out of PATH)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found += [p for p in [shutil.which(name)] if p]
    if not found:
        raise ClusterError(
            f"{name} introuvable : installez le paquet Debian « postgresql » "
            f"(apt-get install postgresql) ou donnez l'URL d'un serveur dans {ENV_URL}."
        )
    return found[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """One cluster in a temporary folder, owned by an unprivileged user."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="tamis-pg-"))
        self.data = self.folder / "donnees"
        self.password = secrets.token_hex(12)
        self.port = free_port()
        self.user = _unprivileged_user()

    @property
    def url(self) -> str:
        return f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/postgres"

    def start(self) -> str:
        """Create and start the cluster; its superuser's URL."""
        os.chmod(self.folder, 0o700)
        password_file = self.folder / "motdepasse"
        password_file.write_text(self.password + "\n")
        if self.user is not None:
            os.chown(self.folder, self.user.pw_uid, self.user.pw_gid)
            os.chown(password_file, self.user.pw_uid, self.user.pw_gid)
        self._run(
            pg_bin("initdb"), "-D", str(self.data), "-U", SUPERUSER, "-E", "UTF8",
            "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256",
            f"--pwfile={password_file}",
        )  # fmt: skip
        self.resume()
        return self.url

    def resume(self) -> None:
        """Start the server (again) on the same port, folder and data."""
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.folder} -c fsync=off -c max_connections=200"
        )
        log = self.folder / "serveur.log"
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(log), "-o", options, "-w",
                  "-t", "60", "start")  # fmt: skip

    def pause(self) -> None:
        """Stop the server as an operator would (``-m fast``: sessions cut, transactions
        rolled back), keeping its data for ``resume``."""
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        """Stop and start again (not ``pg_ctl restart``: the server it starts would keep the
        pipes ``_run`` reads to the end, and ``_run`` would never return)."""
        self.pause()
        self.resume()

    def stop(self) -> None:
        try:
            self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, *command: str) -> None:
        prefix = []
        if self.user is not None:
            uid, gid = str(self.user.pw_uid), str(self.user.pw_gid)
            prefix = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
        done = subprocess.run(
            [*prefix, *command], capture_output=True, text=True, cwd=self.folder, check=False
        )
        if done.returncode != 0:
            log = self.folder / "serveur.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise ClusterError(
                f"PostgreSQL n'a pas pu être lancé ({Path(command[0]).name} : code "
                f"{done.returncode}) :\n{done.stdout}{done.stderr}{tail}"
            )


def _unprivileged_user() -> pwd.struct_passwd | None:
    """The user the server runs as when the tests run as root; None otherwise."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ClusterError("aucun utilisateur sans privilège (postgres ou nobody) pour PostgreSQL.")


class Role(NamedTuple):
    name: str
    secret: str
    url: str  # logs in as the role, with its password
    shown: str  # the same URL as tamis prints it: without the password


@contextlib.contextmanager
def login_role(
    url: str, prefix: str, *grants: str, secret: str = "mot-de-passe-du-service"
) -> Iterator[Role]:
    """A role that logs in with ``secret`` to ``url``'s database, given each of ``grants``
    (« SELECT, INSERT ON tamis_journal »…), named after the database (tests running at once
    never share one); dropped afterwards with every privilege it was given (``DROP OWNED``)."""
    import psycopg  # only the tests that make roles need it

    name = f"{prefix}_{url.rsplit('_', 1)[1]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{secret}'")
    server, database = url.split("@", 1)[1].split("/")[0], url.rsplit("/", 1)[1]
    role = Role(
        name,
        secret,
        f"postgresql://{name}:{secret}@{server}/{database}",
        f"postgresql://{name}@{server}/{database}",
    )
    try:
        grant(url, role, *grants)
        yield role
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {name}")
            admin.execute(f"DROP ROLE {name}")


def grant(url: str, role: Role, *grants: str) -> None:
    """``GRANT`` each of ``grants`` to ``role``, as ``url``'s superuser."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as admin:
        for one in grants:
            admin.execute(f"GRANT {one} TO {role.name}")
