"""Which journals live in PostgreSQL, how they are named to users, and how to reach them.

A journal given as ``postgresql://…`` (or ``postgres://…``) is a PostgreSQL database; the
password comes from the URL, ``PGPASSWORD`` or ``~/.pgpass`` (libpq reads them) and is never
printed: ``shown`` is the URL without it. Connection failures become a ``JournalError`` in
French; libpq's own reason (English) is translated for the common cases.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import parse_qsl, quote, unquote, urlencode

from tamis.audit.errors import JournalError, JournalUnavailable

if TYPE_CHECKING:
    import psycopg

SCHEMES = ("postgresql://", "postgres://")


def is_url(journal: object) -> bool:
    """True when ``journal`` names a PostgreSQL journal rather than a file."""
    return isinstance(journal, str) and journal.startswith(SCHEMES)


class _Parts(NamedTuple):
    scheme: str
    user: str | None  # None: no user part (no ``@`` before the address)
    password: str | None  # as written, still %-encoded
    place: str  # host, port and database
    query: list[tuple[str, str]]


def _parts(url: str) -> _Parts:
    """``url`` read as libpq reads it, not as a web address: the user part runs to the last
    ``@`` before the path's ``/`` (libpq takes ``#``, ``?`` or ``@`` in a password as they
    are), and a ``#`` is no fragment. A URL with no ``@`` before that ``/`` but one further
    on, outside the query's parameters, holds a password with a ``/`` in it: libpq refuses
    it, and its user part is still read up to that ``@`` so that the password is never
    shown."""
    scheme, _, rest = url.partition("://")
    at = _credentials_end(rest)
    if at < 0:
        place, _, query = rest.partition("?")
        return _Parts(scheme, None, None, place, parse_qsl(query, keep_blank_values=True))
    user, colon, password = rest[:at].partition(":")
    place, _, query = rest[at + 1 :].partition("?")
    secret = password if colon else None
    return _Parts(scheme, user, secret, place, parse_qsl(query, keep_blank_values=True))


def _credentials_end(rest: str) -> int:
    """Where the user part of ``rest`` (the URL after ``://``) ends: its ``@``, -1 if none.
    libpq's own rule first (an ``@`` before the path); failing that, the last ``@`` that is
    not inside a query parameter (``?options=a@b`` never ends it)."""
    slash = rest.find("/")
    at = rest.rfind("@", 0, len(rest) if slash < 0 else slash)
    if at >= 0:
        return at
    at = len(rest)
    while (at := rest.rfind("@", 0, at)) >= 0:
        _, question, query = rest[:at].partition("?")
        if not (question and "=" in query):
            return at
    return -1


def shown(url: str) -> str:
    """The URL as users may see it: no password, neither in the address nor in its query
    (a ``password`` parameter is dropped whatever follows it)."""
    parts = _parts(url)
    user = "" if parts.user is None else f"{parts.user}@"
    kept = [(k, v) for k, v in parts.query if k != "password"]
    # a socket's folder stays readable (host=/run/postgresql, not %2F…), a space is %20 as
    # libpq reads it back (urlencode's « + » would be a plus sign to libpq)
    query = f"?{urlencode(kept, safe='/', quote_via=quote)}" if kept else ""
    return f"{parts.scheme}://{user}{parts.place}{query}"


def _secrets(url: str) -> list[str]:
    """The password as written in ``url`` and as decoded, to scrub from server messages."""
    parts = _parts(url)
    found = [] if parts.password is None else [parts.password]
    found += [v for k, v in parts.query if k == "password"]
    found += [unquote(secret) for secret in found]
    return sorted({secret for secret in found if secret}, key=len, reverse=True)


def scrubbed(text: str, url: str) -> str:
    """``text`` with any password ``url`` holds replaced by ``***`` (libpq quotes what it
    could not parse, password included)."""
    for secret in _secrets(url):
        text = text.replace(secret, "***")
    return text


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection:
    """A connection with ``synchronous_commit`` on (a commit is on the server's disk before
    it returns) whose transactions are ``READ COMMITTED`` whatever the server's default: each
    statement sees what was committed before it started, so whoever takes the journal's lock
    (writers, ``effacer``, ``sceller``) reads the head after the lock is granted, not a
    snapshot taken before it. A French ``JournalError`` if the server cannot be reached.
    (psycopg is imported here: ``audit.journal`` imports this module, file journals never
    need it.)"""
    import psycopg

    ignored = ignored_password_file(url)
    # libpq's English warning for a file it ignores, unsaid; a ~ it would not expand, given
    passfile = _NO_FILE if ignored else _home_expanded(url)
    try:
        connection = psycopg.connect(
            url,
            autocommit=autocommit,
            connect_timeout=_timeout(),
            client_encoding="UTF8",
            **({"passfile": passfile} if passfile else {}),
        )
    except psycopg.Error as error:
        raise unreachable(url, error, ignored) from None
    with _closed_on_error(connection):
        _require_utf8(url, connection)
        try:
            connection.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
            connection.execute("SET synchronous_commit TO on")
            if not autocommit:
                connection.commit()
        except psycopg.Error as error:
            raise unreachable(url, error) from None
    return connection


@contextmanager
def _closed_on_error(connection: psycopg.Connection) -> Iterator[None]:
    try:
        yield
    except BaseException:
        connection.close()
        raise


def _require_utf8(url: str, connection: psycopg.Connection) -> None:
    """A ``JournalError`` unless the database stores its texts in UTF-8. A record is UTF-8
    JSON and its digest is taken over those bytes: a database in LATIN1 (or any other
    encoding) cannot store an invitation's « … » or ’, and one in SQL_ASCII does not check
    what it stores. The session's own encoding is UTF-8 whatever ``PGCLIENTENCODING`` says
    (``connect``), so the server converts nothing."""
    found = connection.info.parameter_status("server_encoding")
    if found != "UTF8":
        raise JournalError(
            f"la base du journal PostgreSQL {shown(url)} est encodée en {found} ; tamis demande "
            "une base en UTF8, la seule qui garde tel quel tout texte d'une invitation. Créez-en "
            "une avec : CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0 . Rien n'a été lu "
            "ni écrit."
        )


class IgnoredPasswordFile(NamedTuple):
    """A password file libpq would skip (printing an English warning on stderr): ``mode``
    gives others access to it, or it is no plain file (``mode`` None)."""

    path: str
    mode: int | None


_NO_FILE = os.path.join(os.devnull, "tamis")
"""A password file that cannot exist (``/dev/null`` is no folder): libpq, told to read it,
skips it without a word, where the file it would have ignored makes it print a warning."""


def ignored_password_file(url: str) -> IgnoredPasswordFile | None:
    """The password file libpq would look in for ``url`` and then ignore, as libpq decides:
    looked in only when neither the URL nor ``PGPASSWORD`` gives a password (``passfile``
    in the URL, else ``PGPASSFILE``, else ``~/.pgpass``), skipped without a word if it
    cannot be opened, ignored with a warning if it is no plain file or if its group or
    others have any access to it. None when libpq would read it, or not look."""
    parts = _parts(url)
    if _password_given(parts.password, dict(parts.query)):
        return None
    path = password_file(url)
    try:
        descriptor = os.open(path, os.O_RDONLY)  # as libpq: a folder opens too
    except OSError:
        return None
    try:
        mode = os.fstat(descriptor).st_mode
    finally:
        os.close(descriptor)
    if not stat.S_ISREG(mode):
        return IgnoredPasswordFile(path, None)
    shared = stat.S_IMODE(mode)
    return IgnoredPasswordFile(path, shared) if shared & 0o077 else None


def password_file(url: str) -> str:
    """The password file for ``url``: ``passfile`` in the URL, else ``PGPASSFILE``, else
    ``~/.pgpass`` (an empty ``?passfile=`` is ~/.pgpass, and ``PGPASSFILE`` is then not
    read), a ``~`` at its start being the user's home folder. libpq expands ``~`` only in
    its own default: it took ``?passfile=~/.pgpass-tamis`` for a file in a folder named
    « ~ », where tamis checked the one at home. ``connect`` gives libpq this path then
    (``_home_expanded``), so both read one file."""
    return os.path.expanduser(_named_password_file(url) or "~/.pgpass")


def _named_password_file(url: str) -> str | None:
    """The password file ``url`` or ``PGPASSFILE`` names, as written (None: neither)."""
    query = dict(_parts(url).query)
    return query["passfile"] if "passfile" in query else os.environ.get("PGPASSFILE")


def _home_expanded(url: str) -> str | None:
    """``password_file(url)`` where libpq would not find it by itself: named with a ``~``
    it does not expand. Else None, libpq choosing as it does: giving it a file always
    overrode the ``passfile`` of a service file (``?service=`` and ``pg_service.conf``)."""
    named = _named_password_file(url)
    return os.path.expanduser(named) if named and named.startswith("~") else None


def _password_given(in_address: str | None, query: dict[str, str]) -> bool:
    """Whether libpq has a password for ``url`` without its password file. An empty one is
    none: libpq then reads the file. Its reader of addresses drops an empty
    ``tamis:@host`` (``PGPASSWORD`` then applies); an empty ``?password=`` is kept, and
    ``PGPASSWORD`` is not read."""
    if in_address:
        return True
    if "password" in query:
        return bool(query["password"])
    return bool(os.environ.get("PGPASSWORD"))


def _timeout() -> int:
    """Seconds to wait for the server (``PGCONNECT_TIMEOUT``, else 10)."""
    try:
        return max(1, int(os.environ.get("PGCONNECT_TIMEOUT", "10")))
    except ValueError:
        return 10


def unreachable(
    url: str, error: Exception, ignored: IgnoredPasswordFile | None = None
) -> JournalError:
    """The French error for a server that cannot be reached or used (``JournalUnavailable``
    when connecting failed: trying again later may work), or for an address libpq cannot
    read (a ``JournalError``: no server was asked, and waiting fixes nothing). A password
    missing because libpq ignored the password file (``ignored``) says why, and the fix."""
    wrong = malformed(error)
    if wrong is not None:
        why = scrubbed(wrong, url)
        return JournalError(f"adresse du journal PostgreSQL {shown(url)} mal écrite : {why}.")
    why = scrubbed(reason(error), url)
    if ignored is not None and "no password supplied" in str(error):
        why = _password_file_ignored(ignored)
    return _kind(error)(f"journal PostgreSQL {shown(url)} injoignable : {why}.")


def _password_file_ignored(ignored: IgnoredPasswordFile) -> str:
    if ignored.mode is None:
        return (
            f"mot de passe manquant : le fichier de mots de passe {ignored.path} a été ignoré, "
            "car ce n'est pas un fichier ordinaire"
        )
    return (
        f"mot de passe manquant : le fichier de mots de passe {ignored.path} a été ignoré, car "
        f"d'autres utilisateurs que vous y ont accès (mode {ignored.mode:04o}) ; corrigez avec : "
        f"chmod 600 {ignored.path}"
    )


_MALFORMED = (
    (r'invalid URI query parameter: "(.*)"', "paramètre « {0} » inconnu de PostgreSQL"),
    (
        r'missing key/value separator "=" in URI query parameter: "(.*)"',
        "le paramètre « {0} » n'a pas de valeur (« {0}=… »)",
    ),
    (
        r'extra key/value separator "=" in URI query parameter: "(.*)"',
        "le paramètre « {0} » a deux « = » (écrivez %3D pour un « = » dans la valeur)",
    ),
    (r'invalid port number: "(.*)"', "port « {0} » invalide (un nombre de 1 à 65535)"),
    (
        r'invalid integer value "(.*)" for connection option "(.*)"',
        "« {1} » demande un nombre entier, pas « {0} »",
    ),
    (r'invalid (\w+) value: "(.*)"', "valeur « {1} » invalide pour « {0} »"),
    (r"looking for matching \"\]\"", "le « ] » qui ferme l'adresse IPv6 manque"),
    (r"IPv6 host address may not be empty", "adresse IPv6 vide entre crochets"),
    (
        r'unexpected character "(.*)" at position (\d+)',
        "caractère « {0} » inattendu en position {1} (« : » ou « / » attendu)",
    ),
    (r"percent-encoded", "un « % » doit être suivi de deux chiffres hexadécimaux"),
    (r"forbidden value %00", "« %00 » est interdit"),
)
"""libpq's messages for an address it cannot read, and their French: ``ProgrammingError``
when it parses the URL, ``connection is bad: …`` when it checks the values before
connecting. Quoted parts are kept (``scrubbed`` then removes any password among them)."""


def malformed(error: Exception) -> str | None:
    """Why libpq could not read the journal's address, in French; None if it could."""
    text = str(error)
    for pattern, french in _MALFORMED:
        found = re.search(pattern, text)
        if found:
            return french.format(*found.groups())
    return None


def failed(url: str, error: Exception, action: str) -> JournalError:
    """The French error for a statement that failed while ``action`` (« écrire dans »…);
    ``JournalUnavailable`` when the connection or the server failed, not the statement."""
    where, why = shown(url), scrubbed(reason(error), url)
    return _kind(error)(f"impossible {action} le journal PostgreSQL {where} : {why}.")


def privileges(url: str, query: str, kept: str, rights: str, table: str) -> tuple:
    """The row ``query`` answers (``has_table_privilege``…, its first column: whether the
    role has ``rights`` on ``table``), read at a service's start; a French ``JournalError``
    if the server cannot be asked, or if the role cannot keep ``kept`` (« les réponses
    d'idempotence »…) there, naming the ``GRANT`` to run."""
    import psycopg

    try:
        with connect(url, autocommit=True) as connection:
            found = connection.execute(query).fetchone()
    except psycopg.Error as error:
        raise failed(url, error, "de lire") from None
    if not (found and found[0]):
        raise JournalError(
            f"le rôle du service ne peut pas garder {kept} dans le journal PostgreSQL "
            f"{shown(url)} : il lui faut {rights} sur {table} (GRANT {rights} ON {table} TO …;)"
        )
    return found


_LASTING = ("password authentication failed", "no password supplied", "does not exist")
_LOST = ("terminating connection", "server closed the connection", "connection is closed")


def _kind(error: Exception) -> type[JournalError]:
    """``JournalUnavailable`` for a server down, restarting or a connection lost (trying
    again may work); ``JournalError`` for what waiting does not fix (refused credentials, a
    missing database, a statement the server rejects)."""
    import psycopg

    text = str(error)
    if any(needle in text for needle in _LASTING):
        return JournalError
    lost = any(needle in text for needle in _LOST)  # e.g. ended by the server's idle limit
    if isinstance(error, psycopg.OperationalError) or lost:
        return JournalUnavailable
    return JournalError


_REASONS = (
    (
        r'password authentication failed for user "(.*?)"',
        "authentification refusée pour l'utilisateur « {0} » (mot de passe faux, ou utilisateur"
        " inconnu du serveur)",
    ),
    ("password authentication failed", "authentification refusée (utilisateur ou mot de passe)"),
    ("no password supplied", "mot de passe manquant (URL, PGPASSWORD ou ~/.pgpass)"),
    (
        r'root certificate file "(.*?)" does not exist',
        "certificat racine « {0} » introuvable (sslrootcert)",
    ),
    (r'database "(.*?)" does not exist', "la base « {0} » n'existe pas sur ce serveur"),
    (r'role "(.*?)" does not exist', "l'utilisateur « {0} » n'existe pas sur ce serveur"),
    ("does not exist", "la base ou l'utilisateur n'existe pas"),
    (
        r'connection to server on socket "(.*?)" failed: No such file or directory',
        "aucun serveur n'écoute sur le socket Unix « {0} » (une URL sans hôte, ou dont l'hôte "
        "est un dossier, passe par un socket de cette machine) : le serveur est-il démarré "
        "ici, avec ce port ? Sinon, nommez son hôte (postgresql://HÔTE/BASE)",
    ),
    ("Connection refused", "connexion refusée (le serveur est-il démarré ?)"),
    ("timeout expired", "le serveur ne répond pas (délai dépassé)"),
    ("could not translate host name", "nom d'hôte inconnu"),
    ("failed to resolve host", "nom d'hôte inconnu"),
    ("Name or service not known", "nom d'hôte inconnu"),
    ("No route to host", "aucune route vers le serveur (réseau ou pare-feu)"),
    ("Network is unreachable", "réseau injoignable"),
    (
        "server does not support SSL, but SSL was required",
        "le serveur n'accepte pas les connexions chiffrées (SSL), que l'adresse exige (sslmode)",
    ),
    ("certificate verify failed", "certificat SSL du serveur refusé (sslrootcert, sslmode)"),
    (
        "received invalid response to SSL negotiation",
        "réponse inattendue à la demande de chiffrement (SSL) : est-ce bien un serveur"
        " PostgreSQL à cette adresse ?",
    ),
    ("SSL SYSCALL error", "la connexion chiffrée (SSL) a été coupée"),
    ("SSL connection has been closed", "la connexion chiffrée (SSL) a été coupée"),
    ("SSL error", "échec du chiffrement (SSL) de la connexion"),
    ("no pg_hba.conf entry", "le serveur n'autorise pas cette connexion (pg_hba.conf)"),
    ("too many clients already", "le serveur a atteint son nombre maximal de connexions"),
    (
        "remaining connection slots are reserved",
        "le serveur a atteint son nombre maximal de connexions",
    ),
    ("the database system is shutting down", "le serveur s'arrête"),
    ("the database system is starting up", "le serveur démarre"),
    ("the database system is in recovery mode", "le serveur redémarre"),
    ("terminating connection", "le serveur a fermé la connexion"),
    ("server closed the connection", "le serveur a fermé la connexion"),
    ("consuming input failed", "le serveur a fermé la connexion"),
    ("the connection is closed", "la connexion au serveur est fermée"),
    ("permission denied", "permission refusée au rôle de connexion"),
    (
        "no schema has been selected to create in",
        "aucun schéma où créer les tables : celui que nomme search_path n'existe pas "
        "(CREATE SCHEMA … ; ou corrigez options=-csearch_path)",
    ),
    ("read-only transaction", "serveur en lecture seule"),
    ("No space left", "disque du serveur plein"),
)
"""libpq's and the server's reasons (English) and their French, first match wins: a more
precise one before the general one it contains. Each is a regular expression; a quoted name
it captures (a user, a database) is kept, never a password (``scrubbed`` removes any)."""


def reason(error: Exception) -> str:
    """Why a PostgreSQL operation failed, in French when the reason is a known one."""
    text = str(error)
    for pattern, french in _REASONS:
        found = re.search(pattern, text)
        if found:
            return french.format(*found.groups())
    diagnostic = getattr(error, "diag", None)
    primary = getattr(diagnostic, "message_primary", None)  # without CONTEXT: and the like
    last = text.strip().splitlines()[-1] if text.strip() else type(error).__name__
    return f"raison que tamis ne traduit pas, telle que PostgreSQL l'écrit : {primary or last}"
