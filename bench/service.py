"""Benchmark of ``tamis servir`` (a script, not a test): ``python bench/service.py``.

Starts the real server (``tamis servir`` in a child process, ``groupee`` durability, the
example policy and context, ``--processus`` workers) on a free loopback port and prints,
measured in one run, each figure the median of several rounds with its spread:

1. single-invitation requests per second and their p50/p99 latency, from ``--clients``
   concurrent keep-alive connections (a small asyncio HTTP/1.1 client: httpx would cost the
   2-core machine more than the server does);
2. decisions per second in requests of 100 invitations;
3. the same invitations through ``tamis decider`` (a file, journal ``groupee``), for
   comparison; then each target of issue 10, met or not;
4. the processor time the server (all its processes) spent per single-invitation request,
   which a loaded machine does not inflate as it does wall time.

The load generator runs on the same machine: its CPU counts against the server's, as the
targets say. The load average is printed: other work on the machine slows every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).parent))
import generer

POLICY = str(files("tamis.policies") / "blogue.tamis")
CONTEXT = str(files("tamis.policies.exemples") / "tamis.toml")
TARGET_SINGLE = 1500.0  # single decisions per second
TARGET_P99_MS = 20.0
TARGET_BATCH_RATIO = 0.6  # batched decisions/s over tamis decider's
BATCH = 100


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))


def nombre(value: float, decimals: int = 0) -> str:
    """French digit grouping (narrow no-break space) and decimal comma."""
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


def tamis(*args: str, python: str = sys.executable) -> list[str]:
    return [python, "-c", "from tamis.cli.main import main; main()", *args]


class Server:
    """``tamis servir`` in a child process; ``url`` once it announced its address."""

    def __init__(
        self, folder: Path, processes: int, journal: str = "j.jsonl", python: str = sys.executable
    ) -> None:
        """``journal``: a file in ``folder``, or a PostgreSQL URL (given through
        ``TAMIS_JOURNAL``, so that its password stays off the command line); ``python``: the
        interpreter whose tamis serves (another version's, to compare)."""
        command = tamis(
            "servir", "-p", POLICY, "--contexte", CONTEXT,
            "--port", "0", "--processus", str(processes), "--durabilite", "groupee",
            "--invitations-max", str(BATCH), python=python,
        )  # fmt: skip
        env = {**os.environ, "TAMIS_JOURNAL": journal}
        self.process = subprocess.Popen(
            command,
            cwd=folder,
            env=env,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        self.url, ready = "", threading.Event()

        def read() -> None:
            for line in self.process.stderr:  # type: ignore[union-attr]
                if not self.url and '"demarrage"' in line:
                    self.url = json.loads(line)["adresse"]
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        ready.wait(120)
        if not self.url:
            raise SystemExit("le service n'a pas démarré")

    def cpu_seconds(self) -> float:
        """Processor time (user + system) used so far by the server and its workers: unlike
        wall time, it does not grow when other work loads the machine."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, parent = int(stat.parent.name), int(fields[1])
            if self.process.pid in (pid, parent):
                total += int(fields[11]) + int(fields[12])
        return total / ticks

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(60)


def request_bytes(url: str, path: str, body: bytes, key: str | None = None) -> bytes:
    host = urlsplit(url).netloc
    keyed = f"Idempotency-Key: {key}\r\n" if key else ""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"{keyed}Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def one_connection(
    url: str, requests: list[bytes], latencies: list[float], decided: list[int], per: int
) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        for raw in requests:
            started = time.perf_counter()
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise SystemExit(f"réponse inattendue : {head[:40]!r}")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            decided.append(per)
    finally:
        writer.close()


def drive(url: str, path: str, bodies: list[bytes], clients: int, per: int):
    """Send every body once, spread over ``clients`` connections; (seconds, latencies, n)."""
    return drive_many([url], path, bodies, clients, per)


def drive_many(
    urls: list[str], path: str, bodies: list[bytes], clients: int, per: int, keyed: bool = False
):
    """``drive`` over several servers: ``clients`` connections to each, the bodies dealt
    out evenly among all the connections (``keyed``: each with an ``Idempotency-Key`` of
    its own)."""
    targets = [url for _ in range(clients) for url in urls]
    prefix = uuid.uuid4().hex[:12]
    keys = [f"banc-{prefix}-{n}" if keyed else None for n in range(len(bodies))]
    requests = [request_bytes(urls[0], path, b, k) for b, k in zip(bodies, keys, strict=True)]
    shares = [requests[i :: len(targets)] for i in range(len(targets))]
    latencies: list[float] = []
    decided: list[int] = []

    async def run() -> None:
        await asyncio.gather(
            *(
                one_connection(url, share, latencies, decided, per)
                for url, share in zip(targets, shares, strict=True)
            )
        )

    started = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - started, latencies, sum(decided)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def cli_rate(folder: Path, invitations: list[dict]) -> float:
    path = folder / "lot.jsonl"
    path.write_text("\n".join(json.dumps(i) for i in invitations) + "\n", encoding="utf-8")
    command = tamis(
        "decider", "-p", POLICY, "--contexte", CONTEXT, "--journal", "cli.jsonl",
        "--durabilite", "groupee", str(path),
    )  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return len(invitations) / (time.perf_counter() - started)


def met(ok: bool) -> str:
    return "atteinte" if ok else "NON atteinte"


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--requetes", type=int, default=6000, help="requêtes simples par manche")
    options.add_argument("--lots", type=int, default=200, help="requêtes de 100 par manche")
    options.add_argument("--clients", type=int, default=16)
    options.add_argument("--processus", type=int, default=2)
    options.add_argument("--manches", type=int, default=3)
    options.add_argument(
        "--postgresql",
        metavar="URL",
        help="à la place : trois instances contre une sur un journal PostgreSQL (voir "
        "service_postgresql.py)",
    )
    options.add_argument(
        "--cles",
        action="store_true",
        help="avec --postgresql : chaque requête porte une Idempotency-Key qui lui est propre",
    )
    options.add_argument(
        "--avant",
        metavar="PYTHON",
        help="avec --postgresql : l'interpréteur d'une autre version de tamis (celui de son "
        "environnement virtuel), mesurée aussi en une instance, dans les mêmes manches",
    )
    args = options.parse_args()
    if args.postgresql:
        from service_postgresql import run as run_postgresql  # bench/, like generer

        run_postgresql(args.postgresql, args)
        return
    invitations = list(generer.generate(max(args.requetes, BATCH * args.lots)))
    singles = [json.dumps(i).encode() for i in invitations[: args.requetes]]
    batches = [
        json.dumps(invitations[i : i + BATCH]).encode() for i in range(0, BATCH * args.lots, BATCH)
    ]
    load = os.getloadavg()
    print(f"tamis servir, {args.processus} processus, {args.clients} clients, durabilité groupee")
    print(f"charge de la machine au départ : {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    rates, p50s, p99s, batch_rates, cli_rates = [], [], [], [], []
    cpu_per_request: list[float] = []
    with tempfile.TemporaryDirectory(prefix="tamis-bench-service-") as name:
        folder = Path(name)
        server = Server(folder, args.processus)
        try:
            drive(server.url, "/decisions", singles[:500], args.clients, 1)  # warm-up
            for _round in range(args.manches):
                cpu = server.cpu_seconds()
                seconds, latencies, count = drive(
                    server.url, "/decisions", singles, args.clients, 1
                )
                cpu_per_request.append((server.cpu_seconds() - cpu) / count * 1000)
                rates.append(count / seconds)
                p50s.append(percentile(latencies, 0.50) * 1000)
                p99s.append(percentile(latencies, 0.99) * 1000)
                seconds, _latencies, count = drive(
                    server.url, "/decisions", batches, min(args.clients, 4), BATCH
                )
                batch_rates.append(count / seconds)
                cli_rates.append(cli_rate(folder, invitations[: BATCH * args.lots]))
        finally:
            server.stop()
    report(Spread.of(rates), Spread.of(p50s), Spread.of(p99s), batch_rates, cli_rates)
    cpu = Spread.of(cpu_per_request)
    print(
        f"temps processeur du service par requête d'une invitation : {nombre(cpu.median, 2)} ms "
        f"(écart {nombre(cpu.low, 2)}–{nombre(cpu.high, 2)}), soit au plus "
        f"{nombre(2000 / cpu.median)} requêtes/s sur 2 cœurs libres, générateur de charge exclu"
    )
    load = os.getloadavg()
    print(f"charge de la machine à la fin : {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def report(rate: Spread, p50: Spread, p99: Spread, batch: list[float], cli: list[float]):
    ratio = Spread.of([b / c for b, c in zip(batch, cli, strict=True)])
    batched, alone = Spread.of(batch), Spread.of(cli)

    def line(label: str, spread: Spread, unit: str, decimals: int = 0) -> str:
        low, high = nombre(spread.low, decimals), nombre(spread.high, decimals)
        return f"   {label:<44}{nombre(spread.median, decimals):>9} {unit}  (écart {low}–{high})"

    print(line("requêtes d'une invitation", rate, "décisions/s"))
    print(line("  latence p50", p50, "ms", 1))
    print(line("  latence p99", p99, "ms", 1))
    print(line(f"requêtes de {BATCH} invitations", batched, "décisions/s"))
    print(line("tamis decider (fichier, mêmes invitations)", alone, "décisions/s"))
    print(line("lots / tamis decider", ratio, "×", 2))
    print("Cibles :")
    single_ok = rate.median >= TARGET_SINGLE
    print(f"   ≥ {nombre(TARGET_SINGLE)} décisions/s une à une : {met(single_ok)}")
    print(f"   p99 < {nombre(TARGET_P99_MS)} ms : {met(p99.median < TARGET_P99_MS)}")
    batch_ok = ratio.median >= TARGET_BATCH_RATIO
    print(f"   lots ≥ {nombre(TARGET_BATCH_RATIO, 1)} × tamis decider : {met(batch_ok)}")


if __name__ == "__main__":
    main()
