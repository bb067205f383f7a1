"""Several ``tamis servir`` instances on one PostgreSQL journal: ``python bench/service.py
--postgresql URL``.

Prints, measured in one run against the server at URL (a database the bench may write to: it
works in a PostgreSQL schema of its own, dropped at the end), the decisions per second of
single-invitation requests (``--requetes`` per round, 10 keep-alive clients per instance):

1. one instance alone;
2. three instances sharing the journal, the same requests dealt out among them;
3. the ratio of the two, round by round (rounds alternate which side goes first, so that the
   machine's ups and downs favour neither), as a median and its spread;
4. with ``--avant PYTHON`` (the interpreter of another tamis's virtual environment, e.g. a
   checkout of an earlier commit installed with ``pip install -e``): that version's one
   instance and three instances on the same journal, in the same rounds, and this version
   against it (one instance against one, three against three).

With ``--cles``, every request carries an ``Idempotency-Key`` of its own (the answers kept in
the database, in the transaction of the decisions). Every instance is ``--processus 1``. The
chain is verified at the end: every decision is in it once. The load generator and, usually,
the database run on the same machine: their CPU counts against the instances', and on 2 cores
three instances cannot triple anything; the figure measures what the shared journal's lock
costs, not what more machines would give.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import generer
from journal_postgresql import journal_schema  # bench/, like generer

from service import Server, Spread, drive_many, nombre  # bench/, like generer
from tamis.audit.postgres import read

CLIENTS = 10  # per instance, as in issue 13's test
INSTANCES = 3


def run(url: str, args) -> None:
    """The whole benchmark in a schema of its own on ``url``."""
    with journal_schema(url, "banc_service") as scoped:
        measure(scoped, args)


def measure(url: str, args) -> None:
    count = args.requetes
    sides = 4 if args.avant else 2
    invitations = list(generer.generate(count * (sides * args.manches + 1)))
    bodies = [json.dumps(i).encode() for i in invitations]
    load = os.getloadavg()
    print(f"tamis servir sur un journal PostgreSQL : 1 instance contre {INSTANCES}")
    keys = ", chacune avec sa propre Idempotency-Key" if args.cles else ""
    print(f"{CLIENTS} clients par instance, {count} requêtes d'une invitation par manche{keys}")
    print(f"charge de la machine au départ : {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    with tempfile.TemporaryDirectory(prefix="tamis-bench-service-pg-") as folder:
        servers: list[Server] = []
        wanted = [(f"m{n}", sys.executable) for n in range(INSTANCES)]
        wanted += [(f"a{n}", args.avant) for n in range(INSTANCES)] if args.avant else []
        try:  # one at a time: a server that fails to start stops those already started
            for name, python in wanted:
                servers.append(start(Path(folder) / name, url, python))
            found = rounds(servers, bodies, count, args.manches, args.cles)
        finally:
            for server in servers:
                server.stop()
    report(*found)
    checked = read.verify(url)
    print(
        f"chaîne vérifiée : {'oui' if checked.ok else 'NON'}, "
        f"{nombre(checked.count)} enregistrements"
    )
    load = os.getloadavg()
    print(f"charge de la machine à la fin : {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def start(folder: Path, url: str, python: str = sys.executable) -> Server:
    folder.mkdir()
    return Server(folder, 1, journal=url, python=python)


def rounds(servers: list[Server], bodies: list[bytes], count: int, manches: int, keyed: bool):
    """Decisions/s of one instance and of ``INSTANCES`` together, of this version then of
    the earlier one (its servers after this one's, when there are), round by round, in an
    order that turns each round (fresh invitations each time: every decision a new one)."""
    urls = [server.url for server in servers]
    batches = iter([bodies[i : i + count] for i in range(0, len(bodies), count)])
    drive_many(urls, "/decisions", next(batches)[: count // 4], CLIENTS, 1, keyed)  # warm-up
    found: list[list[float]] = [[], [], [], []]  # one, three, then the earlier version's
    sides = [(found[0], urls[:1]), (found[1], urls[:INSTANCES])]
    if len(urls) > INSTANCES:
        earlier = urls[INSTANCES:]
        sides += [(found[2], earlier[:1]), (found[3], earlier)]
    for number in range(manches):
        turn = number % len(sides)
        order = sides[turn:] + sides[:turn]
        for rates, chosen in order if number % 2 == 0 else reversed(order):
            seconds, _latencies, decided = drive_many(
                chosen, "/decisions", next(batches), CLIENTS, 1, keyed
            )
            rates.append(decided / seconds)
    return found


def report(
    one: list[float], three: list[float], one_before: list[float], three_before: list[float]
) -> None:
    def ratio(top: list[float], bottom: list[float]) -> Spread:
        return Spread.of([t / b for t, b in zip(top, bottom, strict=True)])

    def line(label: str, spread: Spread, unit: str, decimals: int = 0) -> str:
        low, high = nombre(spread.low, decimals), nombre(spread.high, decimals)
        return f"   {label:<36}{nombre(spread.median, decimals):>9} {unit}  (écart {low}–{high})"

    print(line("1 instance", Spread.of(one), "décisions/s"))
    print(line(f"{INSTANCES} instances, au total", Spread.of(three), "décisions/s"))
    print(line(f"{INSTANCES} instances / 1", ratio(three, one), "×", 2))
    if not one_before:
        return
    print("version d'avant (--avant), dans les mêmes manches :")
    print(line("1 instance", Spread.of(one_before), "décisions/s"))
    print(line(f"{INSTANCES} instances, au total", Spread.of(three_before), "décisions/s"))
    print(line(f"{INSTANCES} instances / 1", ratio(three_before, one_before), "×", 2))
    print("cette version / celle d'avant :")
    print(line("1 instance", ratio(one, one_before), "×", 2))
    print(line(f"{INSTANCES} instances", ratio(three, three_before), "×", 2))
