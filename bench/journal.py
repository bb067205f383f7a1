"""Benchmark of the audit journal (a script, not a test): ``python bench/journal.py [--n N]``.

Prints, measured in one run on this machine's disk (the load average is printed too: other
work on the machine slows every figure):

1. the record: its size, and what building one from a ``Decision`` costs (trace,
   explanation, rendering and hashing the content) — ``record_decision`` end to end;
2. the journal's own append path, for records whose content is already built and prepared
   (number, time, chain, seal, write, durability): ``groupee`` in batches of 1,000
   (``Journal.write``) and one record per call, the same from content dicts not yet rendered,
   and ``stricte``; each next to its ceiling measured in the same run on the same lines: bare
   ``os.write`` of 1,000 lines + ``fdatasync``, and ``os.write`` + ``fdatasync`` per line.
   Rates are the best and the median of several rounds; ``stricte`` is compared with its
   ceiling twice: rounds of each in turn (each going first in half of the pairs), and one
   record and one bare line in turn (the order swapped at each pair), so that the disk's ups
   and downs favour neither side;
3. over generated journals of N/10 and N decision records (default 1,000,000): the time and
   peak memory (RSS of a forked child, and of the worker processes it started) of
   ``verifier`` (parallel, and on one core), ``chercher``, ``stats``, ``pourquoi`` and
   ``exporter`` reading every line, then the query index: built from nothing once, and the
   same four commands answered through it.

Records are real: invitations from ``bench/generer.py`` decided by ``policies/blogue.tamis``.
The journals go to a temporary directory (``--dir`` to choose the disk), deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).parent))
from generer import generate

from tamis.audit import index, layout, why
from tamis.audit.journal import Journal, Pending, open_journal
from tamis.audit.queries import journal_stats, parse_filter, search, select
from tamis.audit.record import Entry
from tamis.audit.sink import DurabilityMode, sync_file
from tamis.audit.verify import verify_journal
from tamis.invitations.extract import extract_facts
from tamis.invitations.validation import invitation_from
from tamis.triage.pipeline import Setup, SetupOptions, prepare

POLICY = Path(__file__).parent.parent / "policies" / "blogue.tamis"
BATCH = 1000


class Sample(NamedTuple):
    """A real decision of the benchmark's policy, as the journal receives it, with what
    its ``Explained`` was built from (to time the explainer alone)."""

    entry: Entry  # explained, invitation as received, duration
    evidence: Mapping[str, str]


def decided(count: int) -> tuple[Setup, list[Sample]]:
    """The benchmark's setup and ``count`` real decisions of its policy."""
    setup = prepare(SetupOptions(str(POLICY)))
    samples = []
    for raw in generate(count):
        invitation = invitation_from(raw)
        facts = extract_facts(invitation, setup.context, setup.policy.base_names, setup.parameters)
        decision = setup.engine.decide(facts.values, setup.parameters)
        explained = setup.explainer(decision, facts.evidence)
        samples.append(Sample(Entry(explained, raw, 0.02), facts.evidence))
    return setup, samples


def pool_of(journal: Journal, run: tuple[Setup, list[Sample]], size: int = BATCH) -> list[Pending]:
    """``size`` prepared records with distinct ids (content built, rendered and hashed)."""
    setup, samples = run
    pool = []
    for number in range(size):
        entry = samples[number % len(samples)].entry
        raw = dict(entry.received, id=f"inv-{number:07d}")
        pool.append(journal.prepare(entry._replace(received=raw), policy=setup.policy))
    return pool


def rounds(job: Callable[[], float], count: int = 5) -> tuple[float, float]:
    """(best, median) of ``count`` rates."""
    rates = [job() for _ in range(count)]
    return max(rates), statistics.median(rates)


def timed(n: int, job: Callable[[], None]) -> float:
    start = time.perf_counter()
    job()
    return n / (time.perf_counter() - start)


def batches(journal: Journal, pool: list[Pending], n: int) -> float:
    """``Journal.write`` of batches of 1,000 prepared records: one lock, one write each."""
    return timed(n, lambda: [journal.write(pool) for _ in range(n // len(pool))])


def one_by_one(journal: Journal, pool: list[Pending], n: int) -> float:
    """``Journal.write`` of one prepared record per call (what ``record_decision`` does)."""
    return timed(n, lambda: [journal.write([pool[i % len(pool)]]) for i in range(n)])


def from_dicts(journal: Journal, pool: list[Pending], n: int) -> float:
    """Batches whose contents are dicts: the processors render and hash them under the lock."""
    contents = [item.content.fields for item in pool]

    def job() -> None:
        for _ in range(n // len(contents)):
            with journal.sink.locked():
                for content in contents:
                    journal.log.msg("decision", contenu=content)

    return timed(n, job)


def raw_lines(pool: list[Pending]) -> list[bytes]:
    tail = layout.envelope_tail(
        {
            "evenement": "decision",
            "horodatage": "2026-01-01T00:00:00.000000Z",
            "precedente": layout.GENESIS,
            "seq": 123456,
            "version": 2,
        }
    )
    return [layout.seal_prepared(item.content, tail)[0] for item in pool]  # type: ignore[arg-type]


def ceiling_grouped(path: Path, lines: list[bytes], n: int) -> float:
    """Bare ceiling of ``groupee``: the same lines, 1,000 per ``os.write``, then a sync."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    data = b"".join(lines)

    def job() -> None:
        for _ in range(n // len(lines)):
            os.write(fd, data)
            sync_file(fd)

    try:
        return timed(n, job)
    finally:
        os.close(fd)


def ceiling_strict(path: Path, lines: list[bytes], n: int) -> float:
    """Bare ceiling of ``stricte``: the same lines as the journal's, each written and synced."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def job() -> None:
        for i in range(n):
            os.write(fd, lines[i % len(lines)])
            sync_file(fd)

    try:
        return timed(n, job)
    finally:
        os.close(fd)


def content_costs(journal: Journal, run: tuple[Setup, list[Sample]]) -> dict[str, float]:
    """µs per record of each part of building a record from a decision."""
    setup, samples = run
    policy, explainer = setup.policy, setup.explainer
    costs = {
        "trace + explication (engine.explainer)": lambda s: explainer(
            s.entry.explained.decision, s.evidence
        ),
        "contenu complet (Journal.prepare)": lambda s: journal.prepare(s.entry, policy=policy),
    }
    out = {}
    for name, job in costs.items():
        start = time.perf_counter()
        for sample in samples:
            job(sample)
        out[name] = (time.perf_counter() - start) / len(samples) * 1e6
    contents = [journal.prepare(s.entry, policy=policy).content.fields for s in samples]
    start = time.perf_counter()
    for content in contents:
        layout.prepare(content)
    out["  dont rendu JSON + SHA-256 du contenu"] = (
        (time.perf_counter() - start) / len(contents) * 1e6
    )
    return out


def end_to_end(path: Path, run: tuple[Setup, list[Sample]], n: int) -> float:
    setup, samples = run
    with open_journal(path) as journal:
        items = [samples[i % len(samples)].entry for i in range(n)]
        return timed(n, lambda: [journal.record_decisions([e], policy=setup.policy) for e in items])


def measured(job: Callable[[], str]) -> tuple[float, float, float, float, str]:
    """(seconds, CPU seconds, peak RSS MB of the child, of its workers, note) of ``job`` run
    in a forked child; CPU counts the child and the worker processes it waited for."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        start = time.perf_counter()
        note = job()
        seconds = time.perf_counter() - start
        workers = resource.getrusage(resource.RUSAGE_CHILDREN)
        busy = workers.ru_utime + workers.ru_stime
        os.write(write, f"{seconds}\t{busy}\t{workers.ru_maxrss / 1024}\t{note}".encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as stream:
        seconds, busy, workers, note = stream.read().split("\t", 3)
    _, _, usage = os.wait4(pid, 0)  # Linux: the child and the descendants it waited for
    cpu = max(usage.ru_utime + usage.ru_stime, float(busy))
    return float(seconds), cpu, usage.ru_maxrss / 1024, float(workers), note


def queries(path: Path, day: str) -> dict[str, Callable[[], str]]:
    """Reading the journal itself: verification, and chercher / stats scanning every line."""
    refused = parse_filter(decisions=["refuser"], since=day)
    rare = parse_filter(rules=["profil incomplet"], since=day)
    return {
        "rien (référence)": lambda: "",
        "verifier": lambda: f"{verify_journal(path).count:,} enregistrements, ok",
        "verifier (un seul cœur)": lambda: (
            f"{verify_journal(path, parallel=False).count:,} enregistrements"
        ),
        "chercher --decision refuser --depuis (lecture)": lambda: (
            f"{sum(1 for _ in search(path, refused, index=False)):,} trouvées"
        ),
        "chercher --regle 'profil incomplet' --depuis (lecture)": lambda: (
            f"{sum(1 for _ in search(path, rare, index=False)):,} trouvées"
        ),
        "stats (lecture)": lambda: (
            f"{journal_stats(path, parse_filter(), index=False).total:,} comptées"
        ),
        "pourquoi inv-0000500 (lecture)": lambda: why_count(path, index=False),
        "exporter --regle 'profil incomplet' --depuis (lecture)": lambda: (
            f"{sum(1 for _ in select(path, rare, index=False)):,} exportées"
        ),
    }


def why_count(path: Path, *, index: bool) -> str:
    """``pourquoi`` for an id the generated journal holds once per 1,000 records."""
    return f"{len(why.find_decisions(path, 'inv-0000500', index=index)):,} décisions"


def index_queries(path: Path, day: str) -> dict[str, Callable[[], str]]:
    """The query index (``audit/index.py``): built from nothing, then answering."""
    refused = parse_filter(decisions=["refuser"], since=day)
    rare = parse_filter(rules=["profil incomplet"], since=day)

    def cold() -> str:
        index.index_path(path).unlink(missing_ok=True)
        built = index.current(path, {})
        if built is None:
            return "index inutilisable"
        with built:
            return f"{index.index_path(path).stat().st_size / 2**20:,.0f} Mo d'index"

    return {
        "index construit de zéro (une fois)": cold,
        "chercher --decision refuser --depuis (index)": lambda: (
            f"{sum(1 for _ in search(path, refused)):,} trouvées"
        ),
        "chercher --regle 'profil incomplet' --depuis (index)": lambda: (
            f"{sum(1 for _ in search(path, rare)):,} trouvées"
        ),
        "stats (index)": lambda: f"{journal_stats(path, parse_filter()).total:,} comptées",
        "pourquoi inv-0000500 (index)": lambda: why_count(path, index=True),
        "exporter --regle 'profil incomplet' --depuis (index)": lambda: (
            f"{sum(1 for _ in select(path, rare)):,} exportées"
        ),
    }


def build(path: Path, pairs: list, n: int) -> float:
    with open_journal(path) as journal:
        pool = pool_of(journal, pairs)
        return batches(journal, pool, n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="records in the large journal")
    parser.add_argument("--stricte", type=int, default=400, help="records per stricte round")
    parser.add_argument("--groupee", type=int, default=50_000, help="records per groupee round")
    parser.add_argument("--dir", default=None, help="directory for the journals (disk to test)")
    parser.add_argument("--lecture", action="store_true", help="only the large journals (reads)")
    parser.add_argument("--postgresql", metavar="URL", help="the PostgreSQL journal instead")
    parser.add_argument("--postgresql-rounds", type=int, default=9, help="append rounds (pg)")
    parser.add_argument("--n-postgresql", type=int, default=1_000_000, help="records read (pg)")
    parser.add_argument(
        "--postgresql-read-rounds", type=int, default=3, help="rounds of each read (pg)"
    )
    parser.add_argument(
        "--instances-requetes", type=int, default=1000, help="requests per round, 1 vs 3 (pg)"
    )
    args = parser.parse_args()
    if args.postgresql:
        from journal_postgresql import run as run_postgresql  # bench/, like generer

        run_postgresql(args.postgresql, decided(256), pool_of, args, measured, load)
        return
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        run(Path(folder), args)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def run(folder: Path, args: argparse.Namespace) -> None:
    pairs = decided(256)
    print(f"Journal d'audit — {POLICY.name}, {len(pairs[1])} décisions réelles réutilisées")
    print(f"  {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cœurs, charge : {load()}")
    if not args.lecture:
        appending(folder, pairs, args)
    for n in (max(1, args.n // 10), args.n):
        large(folder, pairs, n)
    print(f"\ncharge de la machine à la fin : {load()}")


def appending(folder: Path, pairs: list, args: argparse.Namespace) -> None:
    with open_journal(folder / "groupee.jsonl", durability=DurabilityMode.GROUPEE) as journal:
        pool = pool_of(journal, pairs)
        lines = raw_lines(pool)
        size = sum(map(len, lines)) / len(lines)
        print(f"  taille moyenne d'une ligne (enregistrement v2) : {size:,.0f} octets")
        print("\n(b) construire l'enregistrement à partir de la décision, µs par décision :")
        for name, micros in content_costs(journal, pairs).items():
            print(f"  {name:40} {micros:8.1f} µs")
        appended = {
            "groupee, lots de 1 000 (Journal.write)": lambda: batches(journal, pool, args.groupee),
            "groupee, un enregistrement par appel": lambda: one_by_one(
                journal, pool, args.groupee // 5
            ),
            "groupee, lots, contenus en dict (rendu sous verrou)": lambda: from_dicts(
                journal, pool, args.groupee // 5
            ),
        }
        print("\n(a) chemin d'ajout du journal, contenu déjà construit (meilleur / médiane) :")
        for name, job in appended.items():
            best, median = rounds(job)
            print(f"  {name:52} {best:10,.0f} / {median:10,.0f} enr./s")
    top = rounds(lambda: ceiling_grouped(folder / "plafond-g.jsonl", lines, args.groupee))
    print(
        f"  plafond : lignes brutes, os.write par 1 000 + {sync_file.__name__:14} "
        f"{top[0]:10,.0f} / {top[1]:10,.0f} lignes/s"
    )
    strict(folder, pool, lines, args.stricte)
    e2e = end_to_end(folder / "bout.jsonl", pairs, 5000)
    print(f"\n(b) record_decision de bout en bout (groupee) : {e2e:10,.0f} enr./s")


def strict(folder: Path, pool: list[Pending], lines: list[bytes], n: int) -> None:
    """``stricte`` and its ceiling in alternating rounds, so both see the same disk (each
    goes first in half of the pairs of rounds)."""
    ours, bare = [], []
    with open_journal(folder / "stricte.jsonl", durability=DurabilityMode.STRICTE) as journal:
        for turn in range(6):
            pair = [
                lambda: ours.append(one_by_one(journal, pool, n)),
                lambda: bare.append(ceiling_strict(folder / "plafond-s.jsonl", lines, n)),
            ]
            for job in pair if turn % 2 == 0 else reversed(pair):
                job()
    ratio = sum(ours) / sum(bare)
    print(
        f"  stricte (un fdatasync par enregistrement) {max(ours):10,.0f} / "
        f"{statistics.median(ours):10,.0f} enr./s"
    )
    print(
        f"  plafond : ligne brute + {sync_file.__name__} par ligne     {max(bare):10,.0f} / "
        f"{statistics.median(bare):10,.0f} lignes/s"
    )
    print(f"  stricte / plafond (6 manches alternées) : {ratio:.0%}")
    ours_s, bare_s = line_by_line(folder, pool, lines, 5 * n)
    print(
        f"  stricte / plafond, alternés ligne à ligne ({5 * n:,} paires) : {bare_s / ours_s:.0%}"
        f"  ({5 * n / ours_s:,.0f} enr./s contre {5 * n / bare_s:,.0f} lignes/s)"
    )


def line_by_line(
    folder: Path, pool: list[Pending], lines: list[bytes], n: int
) -> tuple[float, float]:
    """Seconds for n ``stricte`` records and for n bare lines + sync, taken in turn (the
    order swapped at each pair), so that both see the disk at the same moments."""
    spent = [0.0, 0.0]
    clock = time.perf_counter
    fd = os.open(folder / "plafond-l.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with open_journal(folder / "stricte-l.jsonl", durability=DurabilityMode.STRICTE) as journal:
        jobs = (
            lambda i: journal.write([pool[i % len(pool)]]),
            lambda i: (os.write(fd, lines[i % len(lines)]), sync_file(fd)),
        )
        for i in range(n):
            for side in (i % 2, 1 - i % 2):
                start = clock()
                jobs[side](i)
                spent[side] += clock() - start
    os.close(fd)
    return spent[0], spent[1]


def large(folder: Path, pairs: list, n: int) -> None:
    path = folder / f"grand-{n}.jsonl"
    rate = build(path, pairs, n)
    mb = path.stat().st_size / 2**20
    print(
        f"\nJournal de {n:,} décisions ({mb:,.0f} Mo), écrit à {rate:,.0f} enr./s ; "
        f"charge : {load()}"
    )
    day = time.strftime("%Y-%m-%d", time.gmtime())
    for name, job in {**queries(path, day), **index_queries(path, day)}.items():
        seconds, cpu, rss, workers, note = measured(job)
        print(
            f"  {name:50} {seconds:6.2f} s (CPU {cpu:6.2f} s)  pic RSS {rss:6.1f} Mo, "
            f"auxiliaires {workers:6.1f} Mo  {note}"
        )
    path.unlink()
    index.index_path(path).unlink(missing_ok=True)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
