"""Benchmark of ``tamis journal verifier`` on a PostgreSQL journal:
``python bench/verification_postgresql.py URL [--n 1000000] [--tours 3] [--avant PYTHON]
[--avant-schema N] [--sans-pglz] [--schema-7] [--en-ligne] [--contenu]``.

Prints, measured in one run against the server at URL (a superuser's: the bench works in
PostgreSQL schemas of its own, dropped at the end), over a journal of ``--n`` / 10 then
``--n`` real decisions (``bench/journal.py``'s, ≈ 3.2 kB a line, loaded by ``COPY`` as a
setup step, as ``bench/journal_postgresql.py`` does) held twice: in a table as this tamis
creates it (schema 8: every text column compressed by lz4 and kept in the row) and in one
compressed by pglz, its largest columns moved to the TOAST table (the same rows, as schemas
up to 4 stored them). For each, in rounds that alternate the order, ``verifier`` (the chain,
then the erasures, as the command) run by a fresh interpreter, on tables vacuumed once
loaded: time, CPU of that process and its workers, CPU of the server (when it runs on this
machine and the bench may read its ``postmaster.pid``: its processes, from ``/proc``), peak
RSS. Each table's size (the table, its TOAST table, its indexes) is printed once loaded.
``--avant PYTHON`` adds an earlier tamis (another virtual environment's interpreter)
verifying the lz4 table in the same rounds (its ``tamis_schema`` says ``--avant-schema``,
this tamis's schema by default, for that run only), so that before/after is a ratio measured
in one run. ``--sans-pglz`` leaves the pglz table out (half the loading time).
``--schema-7`` adds the same rows stored as schemas 5 to 7 did (the JSON columns compressed
by lz4, the others by pglz, the largest moved to the TOAST table). ``--en-ligne`` adds them
in a table whose rows are kept whole, uncompressed, in the table itself
(``toast_tuple_target = 8160``, a setting a user may choose: docs/journal-postgresql.md).
``--contenu`` adds ``verifier --contenu`` (each digest computed by tamis, each copy compared)
on the lz4 table. ``--requetes`` adds, on every table measured, ``chercher --decision refuser
--depuis`` (today: three records in four), ``stats`` (``journal_stats`` by ``GROUP BY``) and
``pourquoi`` of a name no sender has (every personal part read: ``senders``), in rounds of
their own that alternate the tables in the same way: rows kept whole make the table larger,
and these commands read it for their few columns. Medians, [min–max], and the ratios of the
medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import psycopg

sys.path.insert(0, str(Path(__file__).parent))
import journal as file_bench  # bench/journal.py: real decisions, the load average
import journal_postgresql as pg_bench  # bench/journal_postgresql.py: the COPY loader

from tamis.audit.postgres import rows, schema

_JOB = (
    "import resource, sys, time\n"
    "from tamis.audit.postgres import query\n"
    "from tamis.audit.postgres.backend import verify_any\n"
    "from tamis.audit.queries import parse_filter\n"
    "url, job = sys.argv[1:3]\n"
    "quiet = lambda message: None\n"
    "if job == 'chercher':\n"
    "    day = time.strftime('%Y-%m-%d', time.gmtime())\n"
    "    chosen = parse_filter(decisions=['refuser'], since=day)\n"
    "    note = f'{sum(1 for _ in query.search(url, chosen, quiet))} trouvées'\n"
    "elif job == 'expediteur':\n"
    "    found = query.look_up(url, 'Personne Introuvable', quiet)\n"
    "    note = f'{len(found.found) + len(found.candidates)} trouvée(s)'\n"
    "elif job == 'stats':\n"
    "    counted = query.journal_stats(url, parse_filter(), 'jour', quiet, local=True)\n"
    "    note = f'{counted.total} invitations comptées'\n"
    "else:\n"
    "    result = verify_any(url, contents=job == 'contenu')\n"
    "    note = f'{result.count} {result.ok}'\n"
    "peak = next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]\n"
    "workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(max(int(peak), workers), note)\n"
)
"""One command's work (``verifier``, ``verifier --contenu``, ``chercher``, ``stats`` or
``pourquoi`` by sender) in a fresh interpreter, as ``bench/journal_postgresql.py``'s jobs do
it; it prints its peak RSS (kB: its own since ``exec``, ``VmHWM``, or its workers') before
what it found, since the ``ru_maxrss`` a parent reads of its child counts the parent's pages
copied before ``exec``."""
_TICK = os.sysconf("SC_CLK_TCK")


class Measure(NamedTuple):
    seconds: float
    cpu: float  # the verifying process and its workers
    server: float | None  # the server's processes (None: not on this machine)
    rss: float  # MB, the largest of the process and its workers
    note: str


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="a superuser's URL (the bench creates schemas)")
    parser.add_argument("--n", type=int, default=1_000_000, help="records of the large journal")
    parser.add_argument("--tours", type=int, default=3, help="rounds at each size")
    parser.add_argument("--avant", metavar="PYTHON", help="an earlier tamis's interpreter")
    parser.add_argument("--avant-schema", type=int, default=schema.VERSION, help="its schema")
    parser.add_argument("--sans-pglz", action="store_true", help="without the pglz table")
    parser.add_argument("--schema-7", action="store_true", help="with schema 7's storage")
    parser.add_argument("--en-ligne", action="store_true", help="with an uncompressed table")
    parser.add_argument("--contenu", action="store_true", help="verifier --contenu too")
    parser.add_argument("--requetes", action="store_true", help="chercher and stats too")
    args = parser.parse_args()
    print(f"verifier sur PostgreSQL — {time.strftime('%Y-%m-%d %H:%M')}, charge : {load()}")
    with (
        pg_bench.journal_schema(args.url, "banc_lz4") as lz4,
        pg_bench.journal_schema(args.url, "banc_pglz") as pglz,
        pg_bench.journal_schema(args.url, "banc_en_ligne") as whole,
        pg_bench.journal_schema(args.url, "banc_schema_7") as before,
    ):
        urls = {"lz4": lz4, "pglz": stored_before(pglz, "pglz")}
        urls |= {"en ligne": kept_whole(whole), "schéma 7": stored_before(before, "lz4")}
        run(args, urls)


def run(args: argparse.Namespace, urls: dict[str, str]) -> None:
    sides = {f"lz4 (schéma {schema.VERSION})": (sys.executable, urls["lz4"], schema.VERSION)}
    if not args.sans_pglz:
        sides["pglz"] = (sys.executable, urls["pglz"], schema.VERSION)
    if args.schema_7:
        sides[BEFORE] = (sys.executable, urls["schéma 7"], schema.VERSION)
    if args.en_ligne:
        sides[WHOLE] = (sys.executable, urls["en ligne"], schema.VERSION)
    if args.avant:
        sides["lz4, tamis d'avant"] = (args.avant, urls["lz4"], args.avant_schema)
    used = {side[1] for side in sides.values()}
    groups = {"verifier": {name: (*side, "chaine") for name, side in sides.items()}}
    if args.contenu:
        lz4 = next(iter(sides.values()))
        name = "lz4, --contenu"
        groups["verifier"] = {**groups["verifier"], name: (*lz4, "contenu")}
    if args.requetes:
        for job in ("chercher", "stats", "expediteur"):
            groups[job] = {name: (*side, job) for name, side in sides.items()}
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "source.jsonl"
        file_bench.build(source, file_bench.decided(256), args.n)
        loaded = 0
        with open(source, "rb") as lines:
            for size in (max(1, args.n // 10), args.n):
                loaded += pg_bench.fill(urls["lz4"], lines, size + 2 - loaded)
                if not args.sans_pglz:
                    same_rows(urls["lz4"], urls["pglz"])
                if args.schema_7:
                    same_rows(urls["lz4"], urls["schéma 7"])
                if args.en_ligne:
                    same_rows(urls["lz4"], urls["en ligne"])
                for url in urls.values():
                    pg_bench.vacuumed(url)  # as autovacuum keeps a journal in use
                print(f"\n{loaded:,} enregistrements ; charge : {load()}".replace(",", " "))
                for name, url in urls.items():
                    if url in used:
                        print(f"  table {name:9} {sizes(url)}")
                for job, jobs in groups.items():
                    print(f"  {job} :")
                    rounds(args, jobs, server_pid(args.url))


BEFORE = "lz4, rangé en schéma 7"
_JSON = ("contenu", "donnees_personnelles")


def stored_before(scoped: str, method: str) -> str:
    """``scoped``, an empty journal, once it stores its rows as schemas before 8 did: every
    text column ``EXTENDED`` (compressed past 2 kB, then moved to the TOAST table, the largest
    first), ``method`` compressing the JSON columns, the server's default the others."""
    texts = [name for name in rows.COLUMNS if name not in ("seq", "version")]
    altered = (
        f"ALTER COLUMN {name} SET STORAGE EXTENDED, ALTER COLUMN {name} SET COMPRESSION "
        + (method if name in _JSON else "default")
        for name in texts
    )
    with psycopg.connect(scoped, autocommit=True) as connection:
        connection.execute(f"ALTER TABLE {schema.TABLE} {', '.join(altered)}")
    return scoped


WHOLE = "en ligne, non compressé"


def kept_whole(scoped: str) -> str:
    """``scoped``, an empty journal, once its rows are kept whole in the table: a row is
    compressed or moved out of it only past 8,160 bytes."""
    with psycopg.connect(scoped, autocommit=True) as connection:
        connection.execute(f"ALTER TABLE {schema.TABLE} SET (toast_tuple_target = 8160)")
    return scoped


def sizes(scoped: str) -> str:
    """The table's size, its TOAST table's and its indexes', in MB."""
    with psycopg.connect(scoped, autocommit=True) as connection:
        table, toast, indexes = connection.execute(
            "SELECT pg_relation_size(oid), pg_total_relation_size(reltoastrelid), "
            "pg_indexes_size(oid) FROM pg_class WHERE oid = %s::regclass",
            (schema.TABLE,),
        ).fetchone()
    found = zip(_PARTS, (table, toast, indexes), strict=True)
    return ", ".join(f"{label} {size / 1e6:7.1f} Mo" for label, size in found)


_PARTS = ("table", "TOAST", "index")


def same_rows(source: str, target: str) -> None:
    """Copy the rows ``target`` lacks from ``source`` (every text ``|| ''``: compressed anew,
    by the target's method and storage)."""
    with psycopg.connect(target, autocommit=True) as connection:
        start = connection.execute(f"SELECT coalesce(max(seq), 0) FROM {schema.TABLE}").fetchone()
        origin = source.rsplit("%3D", 1)[1]
        columns = ", ".join(rows.COLUMNS)
        anew = ", ".join(
            name if name in ("seq", "version") else f"{name} || ''" for name in rows.COLUMNS
        )
        connection.execute(
            f"INSERT INTO {schema.TABLE} ({columns}) SELECT {anew} "
            f"FROM {origin}.{schema.TABLE} WHERE seq > %s",
            start,
        )
        connection.execute(f"VACUUM ANALYZE {schema.TABLE}")


def rounds(args: argparse.Namespace, sides: dict, pid: int | None) -> None:
    found: dict[str, list[Measure]] = {name: [] for name in sides}
    names = list(sides)
    for number in range(args.tours):
        for name in names if number % 2 == 0 else reversed(names):
            found[name].append(verified(*sides[name], pid))
    for name, measures in found.items():
        print(f"  {name:22} {summary(measures)}  {measures[-1].note}")
    base = found[names[0]]
    for name in names[1:]:
        ratios = [f"temps {ratio(found[name], base, 'seconds')}"]
        ratios.append(f"processeur de tamis {ratio(found[name], base, 'cpu')}")
        if all(m.server for m in (*found[name], *base)):
            ratios.append(f"du serveur {ratio(found[name], base, 'server')}")
        print(f"  {name} / {names[0]} : {', '.join(ratios)}")


def ratio(measures: list[Measure], base: list[Measure], field: str) -> str:
    """The ratio of the medians of ``field``."""
    median = statistics.median(getattr(m, field) for m in measures)
    return f"{median / statistics.median(getattr(m, field) for m in base):.2f}×"


def verified(python: str, url: str, version: int, job: str, pid: int | None) -> Measure:
    """``job`` (``_JOB``'s) on ``url`` by ``python`` in a process of its own, the journal's
    schema said to be ``version`` meanwhile."""
    said(url, version)
    try:
        return _verified(python, url, job, pid)
    finally:
        said(url, schema.VERSION)


def said(url: str, version: int) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("UPDATE tamis_schema SET version = %s", (version,))


def _verified(python: str, url: str, job: str, pid: int | None) -> Measure:
    server = server_cpu(pid)
    start = time.perf_counter()
    command = [python, "-c", _JOB, url, job]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak, note = (child.stdout.read() if child.stdout else "0 ").strip().split(" ", 1)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{job} a échoué ({python}) : code {status}")
    after = server_cpu(pid)
    spent = None if server is None or after is None else after - server
    cpu = usage.ru_utime + usage.ru_stime
    return Measure(seconds, cpu, spent, int(peak) / 1024, note)


def summary(measures: list[Measure]) -> str:
    def spread(values: list[float], unit: str) -> str:
        low, high = min(values), max(values)
        return f"{statistics.median(values):6.2f} {unit} [{low:.2f}–{high:.2f}]"

    server = [m.server for m in measures if m.server is not None]
    shown = spread(server, "s") if len(server) == len(measures) else "non mesuré"
    seconds = spread([m.seconds for m in measures], "s")
    cpu = spread([m.cpu for m in measures], "s")
    rss = max(m.rss for m in measures)
    return f"{seconds}  CPU {cpu}  serveur {shown}  pic RSS {rss:6.1f} Mo"


def server_pid(url: str) -> int | None:
    """The postmaster's process id, if the server runs here and says where its data is."""
    try:
        with psycopg.connect(url) as connection:
            folder = connection.execute("SHOW data_directory").fetchone()[0]
        return int(Path(folder, "postmaster.pid").read_text().split()[0])
    except (psycopg.Error, OSError, ValueError, IndexError):
        return None


def server_cpu(pid: int | None) -> float | None:
    """CPU seconds of the postmaster, the processes it waited for, and those still running."""
    if pid is None:
        return None
    own = _times(pid)
    if own is None:
        return None
    total = own[0] + own[1]
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _parent(int(entry)) == pid:
            child = _times(int(entry))
            total += child[0] if child else 0
    return total / _TICK


def _times(pid: int) -> tuple[int, int] | None:
    """(utime + stime, cutime + cstime) in ticks."""
    fields = _stat(pid)
    if fields is None:
        return None
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def _parent(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[1]) if fields else None


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


if __name__ == "__main__":
    main()
