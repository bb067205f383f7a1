"""Benchmark of the journal in PostgreSQL: ``python bench/journal.py --postgresql URL``.

Prints, measured in one run against the server at URL (a database the bench may write to: it
works in a PostgreSQL schema of its own, dropped at the end):

1. appends in batches of 1,000 prepared records through ``Journal.write`` (advisory lock,
   chain head read, sealing, one ``COPY``, commit with ``synchronous_commit`` on) next to
   its ceiling measured on the same rows: a bare ``COPY`` of them into a table with the same
   columns and indexes, one transaction per 1,000 rows; the ratio of the medians (target
   ≥ 0.5×);
2. ``verifier`` and the copy to a file over a journal of ``--n`` records (time, rate).

Rounds alternate the two sides so that the server's ups and downs favour neither.
"""

from __future__ import annotations

import secrets
import statistics
import tempfile
import time
from pathlib import Path

import psycopg

from tamis.audit.journal import open_journal
from tamis.audit.postgres import read, rows, schema
from tamis.audit.postgres.copy import copy_journal

BATCH = 1000


def run(url: str, pairs, pool_of, args) -> None:
    """The whole benchmark in a schema of its own on ``url``."""
    name = f"banc_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {name}")
    try:
        scoped = url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{name}"
        schema.initialise(scoped)
        appends(scoped, pairs, pool_of, args.postgresql_rounds)
        reads(scoped, pairs, pool_of, args.n_postgresql)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {name} CASCADE")


def appends(url: str, pairs, pool_of, count: int) -> None:
    with open_journal(url) as journal, psycopg.connect(url) as bare:
        pool = pool_of(journal, pairs)
        journal.write(pool)  # warm: the politique record, the connection, the caches
        table = last_rows(journal)
        bare.execute(f"CREATE TABLE banc_copie (LIKE {schema.TABLE} INCLUDING ALL)")
        bare.commit()
        ours, ceiling = [], []
        for number in range(count):
            sides = [(ours, lambda: timed(lambda: journal.write(pool)))]
            sides.append((ceiling, lambda: timed(lambda: bare_copy(bare, table))))
            for found, job in sides if number % 2 == 0 else reversed(sides):
                found.append(job())
    print(f"\nAjout par lots de {BATCH} ({count} tours, enregistrements/s, médiane [min–max]) :")
    print(f"  Journal.write (verrou, tête, sceau, COPY, commit) : {spread(ours)}")
    print(f"  COPY nu des mêmes lignes, mêmes index            : {spread(ceiling)}")
    ratio = statistics.median(ours) / statistics.median(ceiling)
    verdict = "atteint" if ratio >= 0.5 else "NON atteint"
    print(f"  rapport des médianes : {ratio:.2f}× (objectif ≥ 0,5× : {verdict})")


def last_rows(journal) -> list[rows.Row]:
    """The rows of the last batch written (renumbered for the bare table each round)."""
    lines = list(read.iter_lines(journal.sink.url))[-BATCH:]
    return [rows.row_of(line) for line in lines]


def bare_copy(connection: psycopg.Connection, table: list[rows.Row]) -> None:
    start = connection.execute("SELECT coalesce(max(seq), 0) FROM banc_copie").fetchone()[0]
    columns = ", ".join(rows.COLUMNS)
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY banc_copie ({columns}) FROM STDIN") as copy,
    ):
        for offset, row in enumerate(table, start + 1):
            copy.write_row(row._replace(seq=offset))
    connection.commit()


def reads(url: str, pairs, pool_of, n: int) -> None:
    with open_journal(url) as journal:
        pool = pool_of(journal, pairs)
        for start in range(0, n, BATCH):
            journal.write(pool[: min(BATCH, n - start)])
    start = time.perf_counter()
    result = read.verify(url)
    verified = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        copy_journal(url, str(Path(folder) / "copie.jsonl"))
        copied = time.perf_counter() - start
    print(f"\nLecture d'un journal de {result.count:,} enregistrements :".replace(",", " "))
    print(f"  verifier : {verified:.2f} s ({result.count / verified:,.0f}/s)".replace(",", " "))
    print(f"  copier vers un fichier (vérifie source et copie) : {copied:.2f} s".replace(",", " "))


def timed(job) -> float:
    start = time.perf_counter()
    job()
    return BATCH / (time.perf_counter() - start)


def spread(rates: list[float]) -> str:
    return f"{statistics.median(rates):8,.0f} [{min(rates):,.0f}–{max(rates):,.0f}]".replace(
        ",", " "
    )
