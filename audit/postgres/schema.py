"""The journal's tables in PostgreSQL, versioned: created by ``tamis journal initialiser``,
brought up to date by ``tamis journal migrer``, checked each time a journal is opened.

``tamis_journal`` holds one row per record, numbered by ``seq`` (its primary key, so a
record cannot be there twice): the envelope, ``contenu`` as the canonical JSON its digest
covers, ``donnees_personnelles`` (format 3's personal part; the only column erasure
updates), and columns copied from the content for the queries' indexes. ``tamis_schema``
holds the schema's version, one row per version the journal went through. Version 2 adds
``tamis_verification``: how far the chain was last found intact (``integrity``), so that a
writer opening the journal checks only what was appended since. Version 3 copies into
columns what ``chercher`` shows and ``stats`` counts. Version 4 adds
``tamis_idempotence``: the answers the service gave for an ``Idempotency-Key``, each written in
the same transaction as the records it answers (``answers``), so that a retry reaching any
instance gets the first answer. Version 5 compresses
the JSON columns with lz4, which ``verifier`` reads back faster. Version 6 lets erasure
reach those answers (the records each one answers). Version 7 adds
``tamis_sessions_revoquees``: the web sessions logged out (``revocations``), refused by every
instance. Version 8 keeps each row whole in the table, compressed by lz4 (``STORAGE MAIN``),
instead of moving its largest column into the TOAST table that ``verifier`` read through
its index.

A journal whose schema is newer than this tamis knows is refused, in French, before anything
is read or written; an older one too, with the command that migrates it (``migrate``: each
step of ``STEPS`` in one transaction, under the journal's advisory lock).

The tables live in the connection's schema search path, so one database can hold several
journals in several PostgreSQL schemas (``?options=-csearch_path%3Despace``).
"""

from __future__ import annotations

from typing import NamedTuple

import psycopg

from tamis.audit.errors import JournalError
from tamis.audit.postgres import url as urls

TABLE = "tamis_journal"
LOCK_CLASS = 0x7A315  # first key of the journal's advisory lock (the second: the table's oid)

BASE = f"""
CREATE TABLE tamis_schema (
    version integer NOT NULL,
    initialise_le timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE {TABLE} (
    seq bigint PRIMARY KEY CHECK (seq > 0),
    horodatage text NOT NULL,
    evenement text NOT NULL,
    precedente text NOT NULL,
    empreinte text NOT NULL,
    version integer NOT NULL,
    contenu text NOT NULL,
    donnees_personnelles text,
    politique_sha256 text,
    id_invitation text,
    decision text
);
CREATE INDEX tamis_journal_id ON {TABLE} (id_invitation COLLATE "C");
CREATE INDEX tamis_journal_evenement ON {TABLE} (evenement, decision);
CREATE INDEX tamis_journal_horodatage ON {TABLE} (horodatage COLLATE "C");
"""
"""Version 1, the first schema."""

ERASURES = "evenement = 'effacement' OR strpos(donnees_personnelles, '\"effacement\"') > 0"
"""The rows ``verifier``'s erasure check reads (``tombstones``): ``effacement`` records and the
personal parts that name one; version 2 indexes them, so that the check reads only those."""

STEPS = {
    2: f"""
CREATE TABLE tamis_verification (
    seq bigint NOT NULL,
    empreinte text NOT NULL,
    verifie_le timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tamis_journal_effacements ON {TABLE} (seq) WHERE {ERASURES};
""",
    3: f"""
ALTER TABLE {TABLE} ADD COLUMN issue text, ADD COLUMN regle text, ADD COLUMN profil text,
    ADD COLUMN expediteur text;
CREATE INDEX tamis_journal_regle ON {TABLE} (regle COLLATE "C") WHERE evenement = 'decision';
CREATE FUNCTION tamis_journal_efface_expediteur() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.donnees_personnelles IS DISTINCT FROM OLD.donnees_personnelles THEN
        NEW.expediteur := NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tamis_journal_effacement BEFORE UPDATE OF donnees_personnelles ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION tamis_journal_efface_expediteur();
""",
    4: """
CREATE TABLE tamis_idempotence (
    cle text PRIMARY KEY,
    empreinte_corps text NOT NULL,
    reponse bytea NOT NULL,
    cree_le timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tamis_idempotence_cree_le ON tamis_idempotence (cree_le);
""",
    5: f"""
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_settings WHERE name = 'default_toast_compression'
               AND 'lz4' = ANY (enumvals)) THEN
        EXECUTE 'ALTER TABLE {TABLE} ALTER COLUMN contenu SET COMPRESSION lz4, '
            || 'ALTER COLUMN donnees_personnelles SET COMPRESSION lz4';
    END IF;
END $$;
""",
    6: """
ALTER TABLE tamis_idempotence ADD COLUMN IF NOT EXISTS seq_premier bigint,
    ADD COLUMN IF NOT EXISTS seq_dernier bigint, ADD COLUMN IF NOT EXISTS effacement bigint;
CREATE INDEX IF NOT EXISTS tamis_idempotence_seq ON tamis_idempotence (seq_premier);
""",
    7: """
CREATE TABLE IF NOT EXISTS tamis_sessions_revoquees (
    numero text PRIMARY KEY,
    expire_le timestamptz NOT NULL,
    revoquee_le timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS tamis_sessions_revoquees_expire_le
    ON tamis_sessions_revoquees (expire_le);
""",
    8: f"""
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_settings WHERE name = 'default_toast_compression'
               AND 'lz4' = ANY (enumvals)) THEN
        EXECUTE (
            SELECT 'ALTER TABLE {TABLE} ' || string_agg(format(
                'ALTER COLUMN %1$I SET STORAGE MAIN, ALTER COLUMN %1$I SET COMPRESSION lz4',
                attname), ', ' ORDER BY attnum)
            FROM pg_attribute
            WHERE attrelid = '{TABLE}'::regclass AND attnum > 0 AND NOT attisdropped
                AND attlen = -1
        );
    END IF;
END $$;
""",
}
"""What brings a schema from version ``n - 1`` to ``n``. Version 3 copies into columns what
``chercher`` shows and ``stats`` counts (``rows.QueryCopies``), so that they read small columns
instead of every record's content; the sender is personal data: a trigger empties its copy
whenever the personal part is updated (erasure), so erasing needs no other grant. Migrating
to it fills the copies of the decisions already there (``_fill_copies``). Version 4 adds the
service's ``Idempotency-Key`` answers (``answers``). Version 5
compresses the two JSON columns with lz4 instead of pglz where the server has it (PostgreSQL
14 or later, built with lz4; else nothing changes): ``verifier`` reads every row, and pglz's
decompression was most of the server's work. Only rows written after it are compressed so;
older rows keep pglz until the journal is copied into a new base (``tamis journal copier``,
through a file). Version 6 gives each kept answer the ``seq`` range of the records it answers
and the erasure that emptied it (``answers``), so that erasure reaches the answers too;
answers kept before it have no range, and go when pruned. Version 7 adds the web sessions
logged out (``revocations``), so that a logout holds on every instance. Version 8 makes
every text column of the journal ``STORAGE MAIN`` and ``COMPRESSION lz4`` (where the server
has lz4, as version 5; else nothing changes): PostgreSQL compresses a row past 2 kB column
by column, and moves a ``MAIN`` column out of the row only if the row still passes ≈ 8 kB,
so a decision (≈ 2.8 kB once compressed) stays whole in its page, and ``verifier`` no
longer fetches ``contenu`` or ``donnees_personnelles`` from the TOAST table through its
index (≈ 0.8× the server's work, for a table ≈ 4 % larger in all). As with version 5, only
rows written after it are stored so (``tamis journal copier`` moves the others). A column
added by a later version is ``EXTENDED`` unless that version says otherwise."""

VERSION = max(STEPS)
WHOLE_ROWS = 8
"""The version from which rows are kept whole in the table (``STEPS[8]``)."""
_LOCK = "SELECT pg_advisory_xact_lock(%s, 0)"


class Migrated(NamedTuple):
    before: int  # the version found
    after: int  # the version now (VERSION)
    whole_rows: bool  # rows written from now on are kept whole (they were not)


_TABLES = """
SELECT to_regclass('tamis_schema') IS NOT NULL, to_regclass('tamis_journal') IS NOT NULL,
    EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass('tamis_schema')
        AND attname = 'version' AND atttypid = 'integer'::regtype AND NOT attisdropped)
"""
"""Which of the journal's two tables the search path holds, and whether ``tamis_schema`` has
tamis's ``version`` column: one round trip, asked before any of them is read."""


def version_of(url: str, connection: psycopg.Connection) -> int | None:
    """The version of the journal schema in ``connection``'s search path (None: none). A
    ``JournalError`` if the tables there are not a tamis journal's (a ``tamis_journal`` or
    ``tamis_schema`` another program made, or a journal whose ``tamis_journal`` was
    dropped): tamis reads and writes nothing there, and never offers to create a journal
    over them."""
    has_schema, has_journal, has_version = connection.execute(_TABLES).fetchone()
    if not has_schema:
        if has_journal:
            raise _foreign(
                url, "tamis_journal", "aucune table « tamis_schema » n'en donne la version"
            )
        _require_usage(url, connection)
        return None
    if not has_version:
        raise _foreign(url, "tamis_schema", "elle n'a pas de colonne « version » entière")
    found = connection.execute("SELECT max(version) FROM tamis_schema").fetchone()[0]
    if found is None:
        raise _foreign(url, "tamis_schema", "elle est vide, alors que tamis y inscrit sa version")
    if not has_journal:
        raise JournalError(
            f"le journal PostgreSQL {urls.shown(url)} n'a plus de table « tamis_journal » "
            f"(sa table « tamis_schema » dit pourtant la version {found}) : elle a été "
            "supprimée ou renommée ; restaurez-la (ou copiez une sauvegarde du journal dans une "
            "base neuve avec tamis journal copier). Rien n'a été lu ni écrit."
        )
    return found


_HIDDEN = """
SELECT current_user, n.nspname, quote_ident(current_user), quote_ident(n.nspname)
FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = 'tamis_schema'
WHERE NOT has_schema_privilege(n.oid, 'USAGE')
    AND n.nspname = ANY (SELECT (parse_ident(btrim(name), false))[1]
                         FROM unnest(string_to_array(current_setting('search_path'), ',')) name)
LIMIT 1
"""
"""A journal in a schema the search path names but the role may not use: PostgreSQL leaves
such a schema out of the search path without a word, and the journal looks absent. The
setting lists each schema as an identifier (quoted when its name needs it), which
``parse_ident`` reads as the server does; the names come back quoted for the ``GRANT``."""


def _require_usage(url: str, connection: psycopg.Connection) -> None:
    """A ``JournalError`` naming the ``GRANT USAGE`` to run when the search path names a
    schema holding a journal that the role may not use: it was told to create the journal
    (« ne contient pas de journal tamis ; créez-le »), which exists."""
    found = connection.execute(_HIDDEN).fetchone()
    if found is not None:
        role, name, role_sql, name_sql = found
        raise JournalError(
            f"le rôle « {role} » n'a pas accès au schéma « {name} », où est le journal "
            f"PostgreSQL {urls.shown(url)} : accordez-le avec le rôle propriétaire (GRANT "
            f"USAGE ON SCHEMA {name_sql} TO {role_sql};), puis les droits sur ses tables (voir "
            "« Droits » dans docs/journal-postgresql.md). Rien n'a été lu ni écrit."
        )


def _foreign(url: str, table: str, why: str) -> JournalError:
    return JournalError(
        f"{urls.shown(url)} contient une table « {table} » qui n'est pas celle d'un journal "
        f"tamis ({why}) ; tamis n'y lit ni n'écrit rien. Choisissez une autre base, ou un autre "
        "schéma PostgreSQL pour le journal (options=-csearch_path%3DNOM dans l'URL, après "
        "CREATE SCHEMA NOM)."
    )


def initialise(url: str) -> bool:
    """Create the schema; False if this version is already there. ``JournalError`` if
    another version is there, or the server refuses."""
    with urls.connect(url) as connection:
        try:
            with connection.transaction():
                connection.execute(_LOCK, (LOCK_CLASS,))
                found = version_of(url, connection)
                if found is not None:
                    require(url, found)
                    return False
                _create(url, connection)
        except psycopg.Error as error:
            raise urls.failed(url, error, "d'initialiser") from None
    return True


def _create(url: str, connection: psycopg.Connection) -> None:
    """Every table at this version, in the caller's transaction; a role that may not create
    tables there is told which role may (PostgreSQL only said « permission denied »)."""
    try:
        connection.execute(BASE)
    except psycopg.errors.InsufficientPrivilege:
        raise JournalError(
            f"le rôle « {connection.info.user} » ne peut pas créer les tables du journal "
            f"PostgreSQL {urls.shown(url)} (permission refusée) : lancez tamis journal "
            "initialiser avec le rôle propriétaire de la base ou du schéma, puis accordez au "
            "service ses droits (GRANT SELECT, INSERT …, voir « Droits » dans "
            "docs/journal-postgresql.md). Rien n'a été créé."
        ) from None
    for version in sorted(STEPS):
        connection.execute(STEPS[version])
    connection.execute("INSERT INTO tamis_schema (version) VALUES (%s)", (VERSION,))


def migrate(url: str) -> Migrated:
    """Bring the schema to ``VERSION``, one step after the other, in one transaction under
    the journal's lock (writers wait); ``JournalError`` for a newer schema, none, or a
    refusal."""
    from tamis.audit.postgres.sink import LOCK  # the writers' lock (sink imports this module)

    with urls.connect(url) as connection:
        try:
            with connection.transaction():
                connection.execute(_LOCK, (LOCK_CLASS,))
                found = version_of(url, connection)
                if found is None:
                    raise missing(url)
                _not_newer(url, found)
                if found < VERSION:
                    _require_owner(url, connection)
                connection.execute(LOCK, (LOCK_CLASS,))
                for version in range(found + 1, VERSION + 1):
                    connection.execute(STEPS[version])
                    if version == 3:
                        _fill_copies(connection)
                if found < VERSION:
                    connection.execute("INSERT INTO tamis_schema (version) VALUES (%s)", (VERSION,))
                whole = found < WHOLE_ROWS and kept_whole(connection)
        except psycopg.Error as error:
            raise urls.failed(url, error, "de migrer") from None
    return Migrated(found, VERSION, whole)


def _require_owner(url: str, connection: psycopg.Connection) -> None:
    """A ``JournalError`` naming the tables' owner unless the role may change them: only
    their owner may (PostgreSQL's « must be owner of table », which reached users in
    English)."""
    role, owner, owns = connection.execute(
        "SELECT current_user, pg_get_userbyid(relowner), pg_has_role(relowner, 'USAGE') "
        "FROM pg_class WHERE oid = %s::regclass",
        (TABLE,),
    ).fetchone()
    if not owns:
        raise JournalError(
            f"le rôle « {role} » ne peut pas migrer le journal PostgreSQL {urls.shown(url)} : "
            f"seul « {owner} », propriétaire de ses tables, peut en changer le schéma ; lancez "
            f"la même commande avec ce rôle-là. Rien n'a été modifié."
        )


def kept_whole(connection: psycopg.Connection) -> bool:
    """Whether the journal's rows are kept whole in the table (``STEPS[8]`` took effect: the
    server has lz4)."""
    found = connection.execute(
        "SELECT attstorage = 'm' FROM pg_attribute WHERE attrelid = %s::regclass "
        "AND attname = 'contenu'",
        (TABLE,),
    ).fetchone()
    return bool(found and found[0])


def _fill_copies(connection: psycopg.Connection) -> None:
    """The query copies of every decision already in the table (migrating to version 3):
    read through a server-side cursor on this connection (its transaction holds the table),
    computed by ``rows.query_copies_of`` as every writer does, written back by one ``UPDATE``."""
    from tamis.audit.postgres import rows  # rows -> filters -> stats: only when migrating

    connection.execute(
        "CREATE TEMPORARY TABLE tamis_copies (seq bigint PRIMARY KEY, issue text, regle text,"
        " profil text, expediteur text) ON COMMIT DROP"
    )
    chosen = connection.cursor(name="tamis_migration")
    chosen.execute(
        f"SELECT seq, contenu, donnees_personnelles FROM {TABLE} WHERE evenement = 'decision'"
    )
    while batch := chosen.fetchmany(5000):
        with connection.cursor() as cursor, cursor.copy("COPY tamis_copies FROM STDIN") as copy:
            for seq, content, personal in batch:
                copy.write_row((seq, *rows.query_copies_of(rows.parts_record(content, personal))))
    chosen.close()
    connection.execute(
        f"UPDATE {TABLE} j SET issue = c.issue, regle = c.regle, profil = c.profil,"
        " expediteur = c.expediteur FROM tamis_copies c WHERE j.seq = c.seq"
    )


def check(url: str, connection: psycopg.Connection) -> None:
    """A ``JournalError`` unless the journal's schema is there, at this version (a role
    that may not read it, or a connection lost meanwhile, is a ``JournalError`` too, in
    French, never psycopg's own exception)."""
    try:
        found = version_of(url, connection)
    except psycopg.Error as error:
        raise urls.failed(url, error, "de lire") from None
    if found is None:
        raise missing(url)
    require(url, found)


def identity(url: str) -> tuple[str, ...]:
    """What tells the journal at ``url`` from any other, however its URL is spelt (another
    user, ``postgres://``, a socket instead of an address): its server's system identifier
    (when the role may read it), its database, its table's oid and when its schema was
    initialised. Two URLs with the same identity name one chain (``service.sharing``)."""
    with urls.connect(url, autocommit=True) as connection:
        check(url, connection)
        try:
            server = connection.execute("SELECT system_identifier FROM pg_control_system()")
            system = str(server.fetchone()[0])
        except psycopg.Error:  # a role without the right: the other three still tell
            system = ""
        try:
            found = connection.execute(
                "SELECT current_database(), %s::regclass::oid::text, "
                "(SELECT min(initialise_le) FROM tamis_schema)::text",
                (TABLE,),
            ).fetchone()
        except psycopg.Error as error:
            raise urls.failed(url, error, "de lire") from None
    return (system, *found)


def missing(url: str) -> JournalError:
    return JournalError(
        f"{urls.shown(url)} ne contient pas de journal tamis ; créez-le avec : "
        f"tamis journal initialiser {urls.shown(url)}"
    )


def require(url: str, found: int) -> None:
    """A ``JournalError`` unless ``found`` is this tamis's version."""
    _not_newer(url, found)
    if found < VERSION:
        raise JournalError(
            f"le journal PostgreSQL {urls.shown(url)} a un schéma de version {found}, plus "
            f"ancien que celui de cette version de tamis ({VERSION}) ; migrez-le d'abord, avec "
            f"le rôle propriétaire de ses tables : tamis journal migrer --journal "
            f"{urls.shown(url)} . Rien n'a été lu ni écrit."
        )


def require_current(url: str, found: int | None) -> None:
    """``require``, for a version read by a writer under the journal's lock (None: its
    ``tamis_schema`` was emptied since it connected)."""
    if found is None:
        raise _foreign(url, "tamis_schema", "elle est vide, alors que tamis y inscrit sa version")
    require(url, found)


def _not_newer(url: str, found: int) -> None:
    if found > VERSION:
        raise JournalError(
            f"le journal PostgreSQL {urls.shown(url)} a un schéma de version {found}, plus "
            f"récent que celui que cette version de tamis connaît ({VERSION}) ; mettez tamis à "
            "jour. Rien n'a été lu ni écrit."
        )
