"""End-to-end benchmark of ``tamis decider`` (issue 9): a script, not a test.

``python bench/bout_en_bout.py [--n 20000] [--tours 3] [--rss-grand] [--memoire] [--rapide]``
generates N invitations (``generer.generate``, fixed seed) into a temporary folder, then
prints, measured in one run, each figure as the median of several rounds and its spread
(lowest–highest):

1. decisions per second of ``tamis decider`` as a subprocess, journal on (``groupee``), of
   the hand-written reference pipeline (``bench/reference.py``, as a subprocess too) and of
   ``tamis decider --moteur durable``, in alternating rounds (the first of the pair changes
   every round, so that the machine's ups and downs favour neither side); the ratios
   tamis / reference and natif / durable;
2. peak RSS (``wait4``'s ``ru_maxrss`` of the child) of ``tamis decider`` on a file of N and
   of 10×N invitations; with ``--rss-grand``, of 10,000 and 1,000,000 too (``--memoire``:
   only these figures, as a run of a million takes minutes);
3. start-up: ``tamis --version`` and ``tamis decider`` on one invitation against
   ``python -c pass``, alternating, medians of ``--tours-demarrage`` rounds.

Each target is printed as met or not, from wall times; the same ratios from processor
time (``wait4``'s user + system) follow, steadier when other work loads the machine.
``--rapide`` (tiny N, one round) only checks that everything runs:
``tests/bench/test_bout_en_bout.py`` uses it; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generer

POLICY = str(files("tamis.policies") / "blogue.tamis")
CONTEXT = str(files("tamis.policies.exemples") / "tamis.toml")
REFERENCE = str(Path(__file__).resolve().parent / "reference.py")
TARGET_REFERENCE = 0.5  # tamis / reference, decisions per second
TARGET_DURABLE = 10.0  # natif / durable, end to end
TARGET_RSS = 1.3  # peak RSS for 10×N (or 1,000,000) over N (or 10,000)
TARGET_DECIDE_ONE = 8.0  # tamis decider on one invitation / python -c pass
TARGET_VERSION = 3.0  # tamis --version / python -c pass


@dataclass(frozen=True)
class Spread:
    """The median of a series of measures and its lowest and highest values."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))


@dataclass(frozen=True)
class Run:
    """One subprocess: its wall time and processor time (s), peak resident memory (bytes)."""

    seconds: float
    cpu: float
    peak_rss: int


def tamis_command() -> list[str]:
    """The installed ``tamis`` script beside this interpreter, as a user runs it."""
    script = Path(sys.executable).with_name("tamis")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from tamis.cli.main import main; main()"]


def run(command: list[str], *, stdin: str | None = None) -> Run:
    """Run ``command`` (stdout discarded), fail loudly on a non-zero exit, time it."""
    source = open(stdin, "rb") if stdin else subprocess.DEVNULL  # noqa: SIM115
    started = time.perf_counter()
    child = subprocess.Popen(
        command, stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    stderr = child.stderr.read() if child.stderr else b""
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if source is not subprocess.DEVNULL:
        source.close()
    if child.returncode != 0:
        raise SystemExit(f"échec ({child.returncode}) : {' '.join(command)}\n{stderr.decode()}")
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024)


def write_invitations(path: Path, n: int, seed: int) -> Path:
    with path.open("wb") as out:
        for raw in generer.generate(n, seed):
            out.write(orjson.dumps(raw) + b"\n")
    return path


class Bench:
    """The commands measured, over one temporary folder (journals deleted after each run)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.tamis = tamis_command()

    def journal(self) -> str:
        path = self.folder / "journal.jsonl"
        path.unlink(missing_ok=True)
        return str(path)

    def decide(self, invitations: Path, engine: str = "natif") -> Run:
        return run([
            *self.tamis, "decider", "-p", POLICY, "--contexte", CONTEXT, "--moteur", engine,
            "--journal", self.journal(), "--durabilite", "groupee", str(invitations),
        ])  # fmt: skip

    def reference(self, invitations: Path) -> Run:
        command = [sys.executable, REFERENCE, str(invitations), "--contexte", CONTEXT]
        return run([*command, "--journal", self.journal()])

    def version(self) -> Run:
        return run([*self.tamis, "--version"])

    def python(self) -> Run:
        return run([sys.executable, "-c", "pass"])


def alternate(
    jobs: dict[str, Callable[[], Run]], rounds: int
) -> tuple[dict[str, Spread], dict[str, Spread]]:
    """Each job once per round, the order rotated each round; the spread of each job's wall
    times, and of its processor times (steadier on a machine others load)."""
    runs: dict[str, list[Run]] = {name: [] for name in jobs}
    names = list(jobs)
    for number in range(rounds):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            runs[name].append(jobs[name]())
    wall = {name: Spread.of([r.seconds for r in found]) for name, found in runs.items()}
    cpu = {name: Spread.of([r.cpu for r in found]) for name, found in runs.items()}
    return wall, cpu


def nombre(value: float, decimals: int = 0) -> str:
    """French digit grouping (narrow no-break space) and decimal comma."""
    text = f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return text


def rate_line(label: str, seconds: Spread, cpu: Spread, n: int) -> str:
    """Decisions per second from the median time, the spread from the fastest and slowest
    rounds, and the same from processor time."""
    return (
        f"   {label:<34}{nombre(n / seconds.median):>9} décisions/s"
        f"  (écart {nombre(n / seconds.high)}–{nombre(n / seconds.low)} ;"
        f" temps processeur : {nombre(n / cpu.median)}/s)"
    )


def verdict(label: str, value: float, target: float, *, at_most: bool = False) -> str:
    met = value <= target if at_most else value >= target
    sign = "≤" if at_most else "≥"
    state = "atteinte" if met else "NON ATTEINTE"
    return f"   {label} = {nombre(value, 2)}×  (cible {sign} {nombre(target, 1)}× : {state})"


def measure_rates(bench: Bench, invitations: Path, n: int, rounds: int) -> None:
    jobs = {
        "tamis": lambda: bench.decide(invitations),
        "reference": lambda: bench.reference(invitations),
        "durable": lambda: bench.decide(invitations, "durable"),
    }
    wall, cpu = alternate(jobs, rounds)
    print(f"1. De bout en bout, {nombre(n)} invitations d'un fichier, médiane de {rounds} tour(s)")
    print(rate_line("tamis decider (natif, groupee)", wall["tamis"], cpu["tamis"], n))
    print(rate_line("référence écrite à la main", wall["reference"], cpu["reference"], n))
    print(rate_line("tamis decider --moteur durable", wall["durable"], cpu["durable"], n))
    for other, label, target in (
        ("reference", "tamis / référence", TARGET_REFERENCE),
        ("durable", "natif / durable", TARGET_DURABLE),
    ):
        print(verdict(label, wall[other].median / wall["tamis"].median, target))
        print(f"     (en temps processeur : {nombre(cpu[other].median / cpu['tamis'].median, 2)}×)")


def measure_rss(bench: Bench, small: int, seed: int, label: str) -> None:
    """Peak RSS of ``tamis decider`` on a file of ``small`` and of 10× (or 100×) as many."""
    large = small * 100 if label == "grand" else small * 10
    sizes = {}
    for n in (small, large):
        path = write_invitations(bench.folder / f"rss-{n}.jsonl", n, seed)
        sizes[n] = bench.decide(path).peak_rss
        path.unlink()
    mib = {n: nombre(size / 2**20, 1) for n, size in sizes.items()}
    print(f"   {nombre(small):>9} invitations : {mib[small]} Mio ; "
          f"{nombre(large)} : {mib[large]} Mio")  # fmt: skip
    ratio = sizes[large] / sizes[small]
    print(verdict(f"RSS {nombre(large)} / {nombre(small)}", ratio, TARGET_RSS, at_most=True))


def measure_startup(bench: Bench, one: Path, rounds: int) -> None:
    jobs = {
        "python": bench.python,
        "version": bench.version,
        "decider": lambda: bench.decide(one),
    }
    wall, cpu = alternate(jobs, rounds)
    print(f"3. Démarrage, médiane de {rounds} tour(s)")
    labels = {
        "python": "python -c pass",
        "version": "tamis --version",
        "decider": "tamis decider, une invitation",
    }
    for name, label in labels.items():
        spread = wall[name]
        print(
            f"   {label:<34}{nombre(spread.median * 1000):>6} ms"
            f"  (écart {nombre(spread.low * 1000)}–{nombre(spread.high * 1000)} ;"
            f" processeur : {nombre(cpu[name].median * 1000)} ms)"
        )
    base, base_cpu = wall["python"].median, cpu["python"].median
    for name, label, target in (
        ("decider", "decider une invitation / python", TARGET_DECIDE_ONE),
        ("version", "--version / python", TARGET_VERSION),
    ):
        print(verdict(label, wall[name].median / base, target, at_most=True))
        ratio = cpu[name].median / base_cpu if base_cpu else float("inf")
        print(f"     (en temps processeur : {nombre(ratio, 2)}×)")


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="tamis decider de bout en bout.")
    parser.add_argument("--n", type=int, default=20_000, help="invitations générées")
    parser.add_argument("--tours", type=int, default=3, help="tours alternés (débit)")
    parser.add_argument("--tours-demarrage", type=int, default=10, help="tours (démarrage)")
    parser.add_argument("--graine", type=int, default=2026, help="graine du générateur")
    parser.add_argument(
        "--rss-grand", action="store_true", help="mesure aussi 10 000 contre 1 000 000"
    )
    parser.add_argument(
        "--memoire", action="store_true", help="seulement la mémoire de pointe (partie 2)"
    )
    parser.add_argument(
        "--rapide", action="store_true", help="N minuscule, un tour : vérifie que tout tourne"
    )
    args = parser.parse_args(argv)
    if args.rapide:
        args.n, args.tours, args.tours_demarrage = min(args.n, 200), 1, 1
    return args


def load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "inconnue"
    return f"{nombre(one, 2)} (1 min), {nombre(five, 2)} (5 min)"


def main(argv: Sequence[str] | None = None) -> None:
    args = arguments(argv)
    print(
        f"tamis — de bout en bout ({platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cœurs, charge {load()})"
    )
    print(f"politique {POLICY}\ncontexte {CONTEXT}\n")
    with tempfile.TemporaryDirectory(prefix="tamis-bout-") as folder:
        bench = Bench(Path(folder))
        if not args.memoire:
            invitations = write_invitations(bench.folder / "invitations.jsonl", args.n, args.graine)
            measure_rates(bench, invitations, args.n, args.tours)
        print("2. Mémoire de pointe (RSS) de tamis decider, invitations lues d'un fichier")
        measure_rss(bench, args.n, args.graine, "n")
        if args.rss_grand:
            measure_rss(bench, 10_000, args.graine, "grand")
        if not args.memoire:
            one = write_invitations(bench.folder / "une.jsonl", 1, args.graine)
            measure_startup(bench, one, args.tours_demarrage)
    print(f"\ncharge en fin de mesure : {load()}")


if __name__ == "__main__":
    main()
