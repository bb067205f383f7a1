"""Benchmark of the journal in PostgreSQL: ``python bench/journal.py --postgresql URL``.

Prints, measured in one run against the server at URL (a database the bench may write to: it
works in a PostgreSQL schema of its own, dropped at the end):

1. appends in batches of 1,000 prepared records through ``Journal.write`` (advisory lock,
   chain head read, sealing, one ``COPY``, commit with ``synchronous_commit`` on) next to
   its ceiling measured on the same rows: a bare ``COPY`` of them into a table with the same
   columns and indexes, one transaction per 1,000 rows; the ratio of the medians (target
   ≥ 0.5×);
2. over a journal of ``--n-postgresql`` / 10 then ``--n-postgresql`` records (default
   1,000,000): ``verifier``, ``chercher`` (two filters, the file benchmark's), ``stats``,
   ``pourquoi`` (by id, and by a sender no record has: every sender tested) and
   ``exporter``, each in a forked child, ``--postgresql-read-rounds`` times (default 3, the
   order reversed every other round): median time [min–max], median CPU of the child and its
   workers, peak RSS (flat memory: the same order at both sizes); then the copy to a file;
3. ``tamis servir``: three instances sharing a journal against one, their decisions per
   second (``bench/service_postgresql.py``, ``--instances-requetes`` single-invitation
   requests per round, 3 rounds; 0 leaves it out), so that the figures issue 13 asks for
   come from one run.

Rounds alternate the two sides so that the server's ups and downs favour neither. The large
journal is filled as a setup step, not as a measure of tamis: a file journal written by
``Journal.write`` (real records, chained and sealed), its lines cut into rows by their bytes
(``Rows``) and loaded with ``COPY`` in batches of 1,000, so that a million records take
seconds rather than the minutes of appending them through the journal.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import psycopg

from tamis.audit import layout
from tamis.audit.journal import open_journal
from tamis.audit.postgres import query, read, rows, schema
from tamis.audit.postgres.backend import verify_any
from tamis.audit.postgres.copy import copy_journal
from tamis.audit.queries import parse_filter

BATCH = 1000


def run(url: str, pairs, pool_of, args, measured, load) -> None:
    """The whole benchmark in a schema of its own on ``url`` (``measured`` and ``load``:
    ``bench/journal.py``'s forked-child timer and load average)."""
    print(f"Journal PostgreSQL — {time.strftime('%Y-%m-%d %H:%M')}, charge : {load()}")
    with journal_schema(url, "banc") as scoped:
        appends(scoped, pairs, pool_of, args.postgresql_rounds)
        reads(scoped, pairs, args.n_postgresql, measured, load, args.postgresql_read_rounds)
    if args.instances_requetes:
        from service_postgresql import run as instances  # bench/: imports this module

        print()
        wanted = {"requetes": args.instances_requetes, "manches": 3, "cles": False, "avant": None}
        instances(url, argparse.Namespace(**wanted))


@contextlib.contextmanager
def journal_schema(url: str, prefix: str) -> Iterator[str]:
    """The URL of an empty journal in a PostgreSQL schema of its own (``prefix`` and a random
    part), dropped with everything in it at the end: each benchmark works beside, never in,
    the database's own journal."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {name}")
    try:
        scoped = url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{name}"
        schema.initialise(scoped)
        yield scoped
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


def reads(url: str, pairs, n: int, measured, load, rounds: int = 3) -> None:
    """verifier and chercher over n / 10 then n records, each in a forked child, ``rounds``
    times."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"TRUNCATE {schema.TABLE}")  # the appends' journal
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "source.jsonl"
        start = time.perf_counter()
        build(source, pairs, n)
        built = time.perf_counter() - start
        print(
            f"\nPréparation : journal en fichier de {n:,} décisions écrit en {built:.0f} s".replace(
                ",", " "
            )
        )
        with open(source, "rb") as lines:
            filled = 0
            for size in (max(1, n // 10), n):
                start = time.perf_counter()
                filled += fill(url, lines, size + 2 - filled)  # + ouverture, politique
                seconds = time.perf_counter() - start
                start = time.perf_counter()
                vacuumed(url)
                kept = time.perf_counter() - start
                loaded = f"{filled:,} enregistrements chargés par COPY".replace(",", " ")
                print(
                    f"\n{loaded} en {seconds:.1f} s, puis VACUUM (ANALYZE) en {kept:.1f} s ; "
                    f"charge : {load()}"
                )
                in_rounds(jobs(url), measured, rounds)
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            copy_journal(url, str(Path(out) / "copie.jsonl"))
            copied = time.perf_counter() - start
    print(f"  copier vers un fichier (vérifie source et copie) : {copied:.1f} s")


def in_rounds(named: dict, measured, rounds: int) -> None:
    """Each job ``rounds`` times, the order reversed every other round (the server's caches
    and the machine's load favour no job), then per job: the median time [min–max], the
    median CPU, the largest peak RSS."""
    found: dict[str, list] = {name: [] for name in named}
    for round_ in range(rounds):
        order = list(named.items()) if round_ % 2 == 0 else list(reversed(named.items()))
        for name, job in order:
            found[name].append(measured(job))
    for name, runs in found.items():
        spent = [run[0] for run in runs]
        cpu = statistics.median(run[1] for run in runs)
        rss, workers = max(run[2] for run in runs), max(run[3] for run in runs)
        print(
            f"  {name:46} {statistics.median(spent):6.2f} s [{min(spent):.2f}–{max(spent):.2f}] "
            f"(CPU {cpu:6.2f} s)  pic RSS {rss:6.1f} Mo, auxiliaires {workers:6.1f} Mo  "
            f"{runs[-1][4]}"
        )


def build(path: Path, pairs, n: int) -> None:
    """A file journal of ``n`` real decisions, written by ``Journal.write`` in batches."""
    from journal import build as build_file  # bench/journal.py, the file benchmark

    build_file(path, pairs, n)


def jobs(url: str) -> dict:
    day = time.strftime("%Y-%m-%d", time.gmtime())
    refused = parse_filter(decisions=["refuser"], since=day)
    rare = parse_filter(rules=["profil incomplet"], since=day)
    quiet = lambda message: None  # noqa: E731 - no record is altered here

    def found(flt) -> str:
        return f"{sum(1 for _ in query.search(url, flt, quiet)):,} trouvées".replace(",", " ")

    return {
        "rien (référence)": lambda: "",
        "verifier": lambda: verified(url),
        "chercher --decision refuser --depuis": lambda: found(refused),
        "chercher --regle 'profil incomplet' --depuis": lambda: found(rare),
        "stats (chaque invitation une fois)": lambda: counted(url, quiet),
        "pourquoi inv-0000500": lambda: why_count(url, quiet),
        "pourquoi par expéditeur (aucun ne correspond)": lambda: by_sender(url, quiet),
        "exporter --regle 'profil incomplet' --depuis": lambda: exported(url, rare, quiet),
    }


def counted(url: str, quiet) -> str:
    """What ``tamis journal stats`` counts on PostgreSQL: each invitation's latest decision,
    in local days (its default), by GROUP BY."""
    total = query.journal_stats(url, parse_filter(), "jour", quiet, local=True).total
    return f"{total:,} invitations comptées".replace(",", " ")


def exported(url: str, flt, quiet) -> str:
    """What ``tamis journal exporter`` reads and writes: every chosen record, whole."""
    with open(os.devnull, "w") as sink:
        count = sum(1 for r in query.select(url, flt, quiet) if sink.write(jsonl(r)))
    return f"{count:,} exportées".replace(",", " ")


def jsonl(record: dict) -> str:
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode() + "\n"


def why_count(url: str, quiet) -> str:
    """``pourquoi`` for an id the generated journal holds once per 1,000 records."""
    return f"{len(query.find_decisions(url, 'inv-0000500', quiet)):,} décisions".replace(",", " ")


def by_sender(url: str, quiet) -> str:
    """``pourquoi`` given a name no sender has: no id matches it, so every decision's sender
    is tested (from the copies and the personal parts), the longest designation."""
    found = query.look_up(url, "Personne Introuvable", quiet)
    return f"{len(found.found) + len(found.candidates)} trouvée(s)"


def verified(url: str) -> str:
    """What ``tamis journal verifier`` checks: the chain, then the erasures."""
    result = verify_any(url)
    count = f"{result.count:,}".replace(",", " ")
    return f"{count} enregistrements, " + ("intacts" if result.ok else result.problem.message)


def vacuumed(url: str) -> None:
    """The journal's table as it is in service: a journal appended to over weeks is
    vacuumed by autovacuum as it grows (its tuples' commit status recorded in them, its
    visibility map set). One loaded by ``COPY`` in seconds is not: the first command to read
    it writes the whole table back while autovacuum scans it beside (``verifier`` of a million
    rows: 6.9 to 10.7 s then, 4.7 s once vacuumed). That is the setup's doing, not tamis's."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"VACUUM (ANALYZE) {schema.TABLE}")


def fill(url: str, lines, count: int) -> int:
    """Load the next ``count`` lines of the open file ``lines`` as rows, by ``COPY``."""
    cut, loaded = Rows(), 0
    statement = f"COPY {schema.TABLE} ({', '.join(rows.COLUMNS)}) FROM STDIN"
    with (
        psycopg.connect(url) as connection,
        connection.cursor() as cursor,
        cursor.copy(statement) as copy,
    ):
        for batch in _batches(lines, count):
            copy.write(b"".join(cut.row(line.rstrip(b"\n")) for line in batch))
            loaded += len(batch)
    return loaded


def _batches(lines, count: int):
    """Lists of up to ``BATCH`` of the next ``count`` lines."""
    taken = itertools.islice(lines, count)
    while batch := list(itertools.islice(taken, BATCH)):
        yield batch


class Rows:
    """The COPY text rows of sealed lines, cut by their bytes: ``contenu`` and the personal
    part are the line's own bytes, the indexed copies are those ``rows.row_of`` gave for the
    same content the first time (the benchmark's journal repeats 1,000 contents); a line
    whose cut does not give ``row_of``'s row is loaded from ``row_of``."""

    def __init__(self) -> None:
        self.copies: dict[tuple[str, bytes], tuple] = {}

    def row(self, line: bytes) -> bytes:
        tail = layout.read_tail(line)
        if tail is None:
            return text_row(rows.row_of(line))
        mark = line.find(PERSONAL, 0, tail.start)
        content = line[11 : tail.start if mark < 0 else mark]
        personal = None if mark < 0 else line[mark + len(PERSONAL) : tail.start]
        copies = self.copies.get((tail.evenement, content))
        if copies is None:
            whole = rows.row_of(line)
            if (whole.contenu.encode(), whole.donnees_personnelles) != (
                content,
                None if personal is None else personal.decode(),
            ):
                return text_row(whole)
            copies = self.copies[(tail.evenement, content)] = tuple(whole[8:])
        envelope = (tail.seq, tail.horodatage, tail.evenement, tail.precedente, tail.empreinte)
        fields = [*map(text, envelope), text(tail.version), escaped(content)]
        fields += [escaped(personal), *map(text, copies)]
        return b"\t".join(fields) + b"\n"


PERSONAL = b',"donnees_personnelles":'


def text_row(row: rows.Row) -> bytes:
    return b"\t".join(map(text, row)) + b"\n"


def text(value) -> bytes:
    return escaped(None if value is None else str(value).encode())


def escaped(value: bytes | None) -> bytes:
    """A value in COPY's text format (``\\N`` for NULL)."""
    if value is None:
        return b"\\N"
    for raw, escape in ((b"\\", b"\\\\"), (b"\t", b"\\t"), (b"\n", b"\\n"), (b"\r", b"\\r")):
        value = value.replace(raw, escape)
    return value


def timed(job) -> float:
    start = time.perf_counter()
    job()
    return BATCH / (time.perf_counter() - start)


def spread(rates: list[float]) -> str:
    return f"{statistics.median(rates):8,.0f} [{min(rates):,.0f}–{max(rates):,.0f}]".replace(
        ",", " "
    )
