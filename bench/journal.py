"""Benchmark of the audit journal (a script, not a test): ``python bench/journal.py [--n N]``.

Prints, measured in one run on this machine's disk:
1. append rates: ``groupee`` (one lock per record, and batches under one lock), ``stricte``,
   and the ceiling for ``stricte`` — a bare loop writing the same orjson line and syncing it
   (the same ``fdatasync`` call) — with the ratio; plus ``record_decision`` end to end
   (explanation and trace built by the engine for every record);
2. over a generated journal of N decision records (default 1,000,000) and one of N/10: the
   time and peak memory (RSS of a forked child, ``wait4``) of ``verifier``, ``chercher``
   (``--decision refuser --depuis …``) and ``stats``.

Records are real: invitations from ``bench/generer.py`` decided by ``policies/blogue.tamis``;
a pool of their record contents is reused with a fresh id per record for the large journals.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from generer import generate

from tamis.audit import layout
from tamis.audit.journal import Journal, open_journal
from tamis.audit.queries import parse_filter, select, summary
from tamis.audit.sink import sync_file
from tamis.audit.stats import compute_stats
from tamis.audit.verify import verify_journal
from tamis.cli.pipeline import decide_invitation, prepare
from tamis.invitations.models import Invitation

POLICY = Path(__file__).parent.parent / "policies" / "blogue.tamis"


def decided(count: int) -> list[tuple[object, dict]]:
    """``count`` real ``(decision, record_decision kwargs)`` pairs."""
    setup = prepare(str(POLICY))
    pairs = []
    for raw in generate(count):
        decision, evidence = decide_invitation(setup, Invitation.model_validate(raw))
        kwargs = dict(
            policy=setup.policy,
            invitation=raw,
            evidence=evidence,
            context_sha256=None,
            duration_ms=0.02,
        )
        pairs.append((decision, kwargs))
    return pairs


def contents(journal: Journal, pairs: list[tuple[object, dict]]) -> list[dict]:
    return [journal._content(decision, **kw) for decision, kw in pairs]


def fresh(pool: list[dict], number: int) -> dict:
    content = pool[number % len(pool)]
    return {
        **content,
        "id": f"inv-{number}",
        "invitation": {**content["invitation"], "id": f"inv-{number}"},
    }


def append_each(journal: Journal, pool: list[dict], n: int) -> float:
    """One lock, one write per record: what a caller of ``record_decision`` gets."""
    start = time.perf_counter()
    for number in range(n):
        with journal.sink.locked():
            journal.log.msg("decision", contenu=fresh(pool, number))
    return n / (time.perf_counter() - start)


def append_batches(journal: Journal, pool: list[dict], n: int, batch: int = 1000) -> float:
    """``record_decisions``-style: one lock and one write per batch."""
    start = time.perf_counter()
    for first in range(0, n, batch):
        with journal.sink.locked():
            for number in range(first, min(n, first + batch)):
                journal.log.msg("decision", contenu=fresh(pool, number))
    return n / (time.perf_counter() - start)


def ceiling(path: Path, pool: list[dict], n: int) -> float:
    """The same orjson line written and synced n times, nothing else."""
    line = orjson.dumps(fresh(pool, 0), option=orjson.OPT_SORT_KEYS) + b"\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    start = time.perf_counter()
    for _ in range(n):
        os.write(fd, line)
        sync_file(fd)
    rate = n / (time.perf_counter() - start)
    os.close(fd)
    return rate


def end_to_end(path: Path, pairs: list[tuple[object, dict]], n: int) -> float:
    with open_journal(path) as journal:
        start = time.perf_counter()
        for decision, kw in itertools.islice(itertools.cycle(pairs), n):
            journal.record_decision(decision, **kw)
        return n / (time.perf_counter() - start)


def measured(job: Callable[[], str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, job's note) of ``job`` run in a forked child."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        start = time.perf_counter()
        note = job()
        os.write(write, f"{time.perf_counter() - start}\t{note}".encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as stream:
        seconds, note = stream.read().split("\t", 1)
    _, _, usage = os.wait4(pid, 0)
    return float(seconds), usage.ru_maxrss / 1024, note


def queries(path: Path, day: str) -> dict[str, Callable[[], str]]:
    chercher = parse_filter(decisions=["refuser"], since=day)
    rare = parse_filter(rules=["mensonge"], since=day)
    return {
        "rien (référence)": lambda: "",
        "verifier": lambda: f"{verify_journal(path).count:,} enregistrements, ok",
        "chercher --decision refuser --depuis": lambda: (
            f"{sum(1 for r in select(path, chercher) if summary(r)):,} trouvées"
        ),
        "chercher --regle mensonge --depuis": lambda: (
            f"{sum(1 for r in select(path, rare) if summary(r)):,} trouvées"
        ),
        "stats": lambda: f"{compute_stats(select(path, parse_filter())).total:,} comptées",
    }


def build(path: Path, pairs: list[tuple[object, dict]], n: int) -> float:
    with open_journal(path) as journal:
        pool = contents(journal, pairs)
        return append_batches(journal, pool, n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="records in the large journal")
    parser.add_argument("--stricte", type=int, default=2000, help="records for stricte")
    parser.add_argument("--groupee", type=int, default=100_000, help="records for groupee")
    parser.add_argument("--dir", default=None, help="directory for the journals (disk to test)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        run(Path(folder), args)


def run(folder: Path, args: argparse.Namespace) -> None:
    pairs = decided(256)
    print(f"Journal d'audit — {POLICY.name}, {len(pairs)} décisions réelles réutilisées")
    print(f"  charge de la machine au départ : {os.getloadavg()[0]:.1f} ({os.cpu_count()} cœurs)")
    with open_journal(folder / "groupee.jsonl", durability="groupee") as journal:
        pool = contents(journal, pairs)
        size = len(layout.canonical(fresh(pool, 0)))
        print(f"  taille moyenne d'un enregistrement : ~{size} octets")
        each = append_each(journal, pool, args.groupee)
        batched = append_batches(journal, pool, args.groupee)
    print(f"  groupee, un verrou par enregistrement : {each:10,.0f} enr./s")
    print(f"  groupee, lots de 1000 (record_decisions) : {batched:10,.0f} enr./s")
    with open_journal(folder / "stricte.jsonl", durability="stricte") as journal:
        strict = append_each(journal, pool, args.stricte)
    top = ceiling(folder / "plafond.jsonl", pool, args.stricte)
    sync = sync_file.__name__
    print(f"  stricte : {strict:10,.0f} enr./s ; plafond ligne + {sync} : {top:10,.0f} /s")
    print(f"  stricte / plafond : {strict / top:.0%}")
    e2e = end_to_end(folder / "bout.jsonl", pairs, min(args.groupee, 20_000))
    print(f"  record_decision de bout en bout (explication + trace) : {e2e:10,.0f} enr./s")
    for n in (max(1, args.n // 10), args.n):
        path = folder / f"grand-{n}.jsonl"
        rate = build(path, pairs, n)
        mb = path.stat().st_size / 2**20
        print(f"\nJournal de {n:,} décisions ({mb:,.0f} Mo), écrit à {rate:,.0f} enr./s")
        day = time.strftime("%Y-%m-%d", time.gmtime())
        for name, job in queries(path, day).items():
            seconds, rss, note = measured(job)
            print(f"  {name:38} {seconds:7.2f} s  pic RSS {rss:6.1f} Mo  {note}")
        path.unlink()
    print(f"\ncharge de la machine à la fin : {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
