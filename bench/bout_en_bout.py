"""End-to-end benchmark of ``tamis decider`` (issue 9): a script, not a test.

``python bench/bout_en_bout.py [--n 20000] [--tours 3] [--rss-grand] [--memoire] [--debit]
[--demarrage] [--tours-memoire 3] [--rapide]`` generates N invitations (``generer.generate``,
fixed seed) into a temporary folder, then prints, measured in one run, each figure as the median of
several rounds and its spread (lowest–highest):

1. decisions per second of ``tamis decider`` as a subprocess, journal on (``groupee``), as
   a user runs it (worker processes for a large file) and with ``--processus 1``, of the
   hand-written reference pipeline (``bench/reference.py``, as a subprocess too) and of
   ``tamis decider --moteur durable``, in alternating rounds (the first of the pair changes
   every round, so that the machine's ups and downs favour neither side); the ratios
   tamis / reference and natif / durable, and several processes / one (wall time, and the
   processor time they cost); then, per invitation and start-up left out, the processor
   time of ``--processus 2``'s main process and of its workers (``SPLIT``: the command run
   by an interpreter that says them once the command is done);
2. peak memory of ``tamis decider`` on a file of N and of 10×N invitations; with
   ``--rss-grand``, of 10,000 and 1,000,000 too (``--memoire``: only these figures, as a run
   of a million takes minutes): ``wait4``'s ``ru_maxrss`` (the largest single process) and
   the whole process tree's PSS summed, sampled from ``/proc`` (``TreeMemory``: what the run
   costs with its workers; the target is judged on it), ``--tours-memoire`` runs of each size
   in alternation, medians and spreads (one run's peak moves by a few MiB with the timing of
   its batches and workers);
3. start-up: ``tamis --version`` and ``tamis decider`` on one invitation against
   ``python -c pass``, alternating, medians of ``--tours-demarrage`` rounds.

Each target is printed as met or not, from wall times; the same ratios from processor
time (``wait4``'s user + system) follow, steadier when other work loads the machine.
``--debit``: only the figures of part 1; ``--demarrage``: only those of part 3.

Before measuring, tamis's modules are compiled to bytecode (``compileall``), as ``pip install``
does for an installed package: in a checkout where ``PYTHONDONTWRITEBYTECODE`` is set, no
``.pyc`` is ever written, and every start would compile the modules changed since the last one
(≈ 40 ms of a 130 ms start). ``--rapide`` (tiny N, one round) only checks that
everything runs: ``tests/bench/test_bout_en_bout.py`` uses it; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generer

from tamis.audit.blocks import workers

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
    """One subprocess: its wall time and processor time (s, its workers' included), peak
    resident memory (bytes: ``ru_maxrss``, the largest one process reached), and, when
    sampled, the peak of the whole process tree's RSS and PSS summed (``TreeMemory``)."""

    seconds: float
    cpu: float
    peak_rss: int
    tree_rss: int = 0
    tree_pss: int = 0


class TreeMemory:
    """Samples, every ``PERIOD`` seconds while a command runs, the RSS and the PSS of its
    process and of every descendant (``/proc/PID/smaps_rollup``), summed: with worker
    processes, ``ru_maxrss`` is only the largest of them, and RSS summed counts twice the
    pages a fork shares; PSS shares each page among the processes that map it, so its sum is
    what the run costs the machine. Keeps the peaks."""

    PERIOD = 0.02

    def __init__(self, pid: int) -> None:
        self.pid, self.rss, self.pss = pid, 0, 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self) -> None:
        while not self.done.wait(self.PERIOD):
            rss = pss = 0
            for pid in tree(self.pid):
                found = rollup(pid)
                rss, pss = rss + found.get("Rss", 0), pss + found.get("Pss", 0)
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)

    def stop(self) -> None:
        self.done.set()
        self.thread.join()


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants (those still running)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
            for task in tasks:
                todo += [int(n) for n in (task / "children").read_text().split()]
        except OSError:  # it ended meanwhile
            continue
    return found


def rollup(pid: int) -> dict[str, int]:
    """The ``kB`` lines of ``/proc/PID/smaps_rollup``, in bytes ({} once it has ended)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return {}
    sizes = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if rest.endswith(" kB"):
            sizes[name] = int(rest[:-3]) * 1024
    return sizes


def tamis_command() -> list[str]:
    """The installed ``tamis`` script beside this interpreter, as a user runs it."""
    script = Path(sys.executable).with_name("tamis")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from tamis.cli.main import main; main()"]


def run(command: list[str], *, stdin: str | None = None, sample: bool = False) -> Run:
    """Run ``command`` (stdout discarded), fail loudly on a non-zero exit, time it;
    ``sample``: its process tree's memory too (``TreeMemory``; not while timing)."""
    source = open(stdin, "rb") if stdin else subprocess.DEVNULL  # noqa: SIM115
    started = time.perf_counter()
    child = subprocess.Popen(
        command, stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    sampler = TreeMemory(child.pid) if sample else None
    stderr = child.stderr.read() if child.stderr else b""
    if sampler is not None:
        sampler.stop()
    _, status, usage = os.wait4(child.pid, 0)  # rusage: the workers' processor time included
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if source is not subprocess.DEVNULL:
        source.close()
    if child.returncode != 0:
        raise SystemExit(f"échec ({child.returncode}) : {' '.join(command)}\n{stderr.decode()}")
    cpu, peak = usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024
    return Run(elapsed, cpu, peak, *((sampler.rss, sampler.pss) if sampler else ()))


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

    def decide(
        self,
        invitations: Path,
        engine: str = "natif",
        *,
        processes: int | None = None,
        sample: bool = False,
    ) -> Run:
        """``tamis decider`` as a user runs it (``processes``: ``--processus``; None: its
        default, workers for a large file)."""
        given = ["--processus", str(processes)] if processes else []
        return run([
            *self.tamis, "decider", "-p", POLICY, "--contexte", CONTEXT, "--moteur", engine,
            "--journal", self.journal(), "--durabilite", "groupee", *given, str(invitations),
        ], sample=sample)  # fmt: skip

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
        "un": lambda: bench.decide(invitations, processes=1),
        "reference": lambda: bench.reference(invitations),
        "durable": lambda: bench.decide(invitations, "durable"),
    }
    wall, cpu = alternate(jobs, rounds)
    print(f"1. De bout en bout, {nombre(n)} invitations d'un fichier, médiane de {rounds} tour(s)")
    print(rate_line("tamis decider (natif, groupee)", wall["tamis"], cpu["tamis"], n))
    print(rate_line("tamis decider --processus 1", wall["un"], cpu["un"], n))
    print(rate_line("référence écrite à la main", wall["reference"], cpu["reference"], n))
    print(rate_line("tamis decider --moteur durable", wall["durable"], cpu["durable"], n))
    for other, label, target in (
        ("reference", "tamis / référence", TARGET_REFERENCE),
        ("durable", "natif / durable", TARGET_DURABLE),
    ):
        print(verdict(label, wall[other].median / wall["tamis"].median, target))
        print(f"     (en temps processeur : {nombre(cpu[other].median / cpu['tamis'].median, 2)}×)")
    print(
        f"   plusieurs processus / un seul = {nombre(wall['un'].median / wall['tamis'].median, 2)}×"
        f" en temps écoulé ; {nombre(cpu['tamis'].median / cpu['un'].median, 2)}× le temps"
        f" processeur d'un seul ({workers()} processus auxiliaires)"
    )


SPLIT_MARK = "PARTAGE-PROCESSEUR"
SPLIT = f"""
import os, resource
from tamis.cli.main import cli
try:
    cli(prog_name="tamis")
finally:
    own = resource.getrusage(resource.RUSAGE_SELF)
    waited = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = own.ru_utime + own.ru_stime, waited.ru_utime + waited.ru_stime
    os.write(2, ("\\n{SPLIT_MARK} %r %r\\n" % used).encode())
"""
"""``tamis decider`` run by this interpreter, which says once the command is done the
processor time of its main process and of its workers (waited for before it returns).
``cli``, not the script's ``main``, which ends the process at once (``exit_now``)."""


def split_cpu(bench: Bench, invitations: Path) -> tuple[float, float]:
    """The processor seconds of ``tamis decider --processus 2``'s main process, then of its
    workers, on ``invitations``."""
    command = [sys.executable, "-c", SPLIT, "decider", "-p", POLICY, "--contexte", CONTEXT]
    command += ["--journal", bench.journal(), "--processus", "2", str(invitations)]
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    line = done.stderr.decode().rsplit(SPLIT_MARK, 1)[1].split()
    return float(line[0]), float(line[1])


def measure_split(bench: Bench, invitations: Path, n: int, rounds: int) -> None:
    """Where the processor time of ``--processus 2`` goes, per invitation, start-up left
    out (the same run on one invitation): the main process (reading, duplicates, journal,
    printing) and the workers (the rest); medians of ``rounds`` runs of each."""
    one = write_invitations(bench.folder / "partage-1.jsonl", 1, 1)
    runs: dict[Path, list[tuple[float, float]]] = {one: [], invitations: []}
    for _ in range(rounds):
        for path in runs:
            runs[path].append(split_cpu(bench, path))
    main, helpers = (
        (
            statistics.median(r[i] for r in runs[invitations])
            - statistics.median(r[i] for r in runs[one])
        )
        / (n - 1)
        * 1e6
        for i in (0, 1)
    )
    print(
        f"   --processus 2, temps processeur par invitation (démarrage déduit) : processus"
        f" principal {nombre(main, 1)} µs, auxiliaires {nombre(helpers, 1)} µs"
    )


def measure_rss(bench: Bench, small: int, seed: int, label: str, rounds: int) -> None:
    """Peak memory of ``tamis decider`` on a file of ``small`` and of 10× (or 100×) as many,
    ``rounds`` times each in alternation (small, large, small…), medians and spreads:
    ``ru_maxrss`` (one process, the largest) and the process tree's PSS summed (what the
    run costs, workers included: the target is judged on it, from the medians)."""
    large = small * 100 if label == "grand" else small * 10
    paths = {n: write_invitations(bench.folder / f"rss-{n}.jsonl", n, seed) for n in (small, large)}
    runs: dict[int, list[Run]] = {small: [], large: []}
    for _ in range(rounds):
        for n, path in paths.items():
            runs[n].append(bench.decide(path, sample=True))
    for path in paths.values():
        path.unlink()
    peak, pss, rss = (memory(runs, size) for size in ("peak_rss", "tree_pss", "tree_rss"))
    for name, found in (("ru_maxrss", peak), ("PSS de l'arbre", pss)):
        print(f"   {name:<15}{nombre(small):>9} invitations : {mebibytes(found[small])} ; "
              f"{nombre(large)} : {mebibytes(found[large])}")  # fmt: skip
    print(f"   (RSS de l'arbre additionné, pages partagées comptées dans chaque processus :"
          f" {nombre(rss[small].median, 1)} puis {nombre(rss[large].median, 1)} Mio ;"
          f" médianes de {rounds} tour(s))")  # fmt: skip
    label = f"PSS {nombre(large)} / {nombre(small)}"
    print(verdict(label, pss[large].median / pss[small].median, TARGET_RSS, at_most=True))
    worst = pss[large].high / pss[small].low
    largest = peak[large].median / peak[small].median
    print(f"     (au pire des tours : {nombre(worst, 2)}× ; ru_maxrss : {nombre(largest, 2)}×)")


def memory(runs: dict[int, list[Run]], size: str) -> dict[int, Spread]:
    """The spread of one of the runs' memory figures (``Run`` field ``size``), in MiB."""
    return {
        n: Spread.of([getattr(run, size) / 2**20 for run in found]) for n, found in runs.items()
    }


def mebibytes(spread: Spread) -> str:
    median = f"{nombre(spread.median, 1)} Mio"
    if spread.low == spread.high:
        return median
    return f"{median} (écart {nombre(spread.low, 1)}–{nombre(spread.high, 1)})"


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
    parser.add_argument("--tours-memoire", type=int, default=3, help="tours alternés (mémoire)")
    parser.add_argument("--graine", type=int, default=2026, help="graine du générateur")
    parser.add_argument(
        "--rss-grand", action="store_true", help="mesure aussi 10 000 contre 1 000 000"
    )
    parser.add_argument(
        "--memoire", action="store_true", help="seulement la mémoire de pointe (partie 2)"
    )
    parser.add_argument(
        "--debit", action="store_true", help="seulement le débit de bout en bout (partie 1)"
    )
    parser.add_argument(
        "--demarrage", action="store_true", help="seulement le démarrage (partie 3)"
    )
    parser.add_argument(
        "--rapide", action="store_true", help="N minuscule, un tour : vérifie que tout tourne"
    )
    args = parser.parse_args(argv)
    if args.rapide:
        args.n, args.tours, args.tours_demarrage, args.tours_memoire = min(args.n, 200), 1, 1, 1
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
    compiled()
    with tempfile.TemporaryDirectory(prefix="tamis-bout-") as folder:
        bench = Bench(Path(folder))
        if args.demarrage:
            one = write_invitations(bench.folder / "une.jsonl", 1, args.graine)
            measure_startup(bench, one, args.tours_demarrage)
            print(f"\ncharge en fin de mesure : {load()}")
            return
        if not args.memoire:
            invitations = write_invitations(bench.folder / "invitations.jsonl", args.n, args.graine)
            measure_rates(bench, invitations, args.n, args.tours)
            measure_split(bench, invitations, args.n, args.tours)
        if args.debit:
            print(f"\ncharge en fin de mesure : {load()}")
            return
        print("2. Mémoire de pointe (RSS) de tamis decider, invitations lues d'un fichier")
        measure_rss(bench, args.n, args.graine, "n", args.tours_memoire)
        if args.rss_grand:
            measure_rss(bench, 10_000, args.graine, "grand", args.tours_memoire)
        if not args.memoire:
            one = write_invitations(bench.folder / "une.jsonl", 1, args.graine)
            measure_startup(bench, one, args.tours_demarrage)
    print(f"\ncharge en fin de mesure : {load()}")


def compiled() -> None:
    """Write the bytecode of every tamis package folder (``pyproject.toml``'s
    ``package-dir``), so that no start measured compiles a module."""
    root = Path(__file__).resolve().parent.parent
    with open(root / "pyproject.toml", "rb") as project:
        folders = tomllib.load(project)["tool"]["setuptools"]["package-dir"].values()
    for folder in folders:
        compileall.compile_dir(root / folder, quiet=1)


if __name__ == "__main__":
    main()
