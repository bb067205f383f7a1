"""Benchmark of the checker (issue 11, « The checker is linear »): time to validate large policies.

Run ``python bench/verification.py [--tailles 1000,2000,4000,8000,50000]`` after
``pip install -e .``. Each policy is generated deterministically: ``N`` decision rules over
fields, built-in facts, a few definitions and parameters, some named, with a sprinkling of
repeated conditions (so that the pairwise warnings W004/W005 have work to do). For each size
it validates the text as ``tamis valider`` does (parse, then check: ``load_policy``) and
prints the median and the spread of several runs, then the ratios between successive sizes
and the two targets: 50,000 rules in at most 10 s, and time(8,000) ≤ 2.5 × time(4,000)
(linear growth gives 2).

Two clocks are read: the processor time of this process (``time.process_time``), which the
targets are judged on, and the elapsed time, printed beside it with the machine's load
average. On a shared machine the elapsed time is the processor time stretched by every
other program running (×3 at a load of 10 on two cores), which says nothing of tamis.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence

from tamis.grammar.load import load_policy
from tamis.invitations.vocabulary import vocabulary

TARGET_SECONDS = 10.0
TARGET_SIZE = 50_000
TARGET_RATIO = 2.5
ACTIONS = ("accepter", "refuser", "ignorer", "signaler", "examiner")
SHAPES = (
    "expediteur.connexions < {n} et sans_photo",
    'message contient "mot{n}" ou expediteur.titre commence par "titre{n}"',
    "non connu et expediteur.relations_communes entre {n} et {m}",
    'expediteur.secteur dans ["s{n}", "t{n}"] et pertinent',
    "suspect et expediteur.recommandations >= {n}",
    'message correspond à "(?i)offre{n}|promo" et seuil_vente < {n}',
)


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Vitesse du vérificateur de tamis.")
    parser.add_argument("--tailles", default="1000,2000,4000,8000,50000", help="nombres de règles")
    parser.add_argument("--repetitions", type=int, default=5, help="mesures par taille (≤ 10 000)")
    return parser.parse_args(argv)


def policy_text(rules: int) -> str:
    """A valid policy of ``rules`` decision rules (one in 50 repeats an earlier condition)."""
    lines = [
        f'politique "banc de {rules} règles"',
        "paramètre seuil_vente = 3",
        "définir suspect si peu_de_connexions et sans_recommandations",
    ]
    for i in range(rules):
        n = i // 50 * 50 if i % 50 == 49 else i  # every 50th rule repeats an earlier one
        condition = SHAPES[n % len(SHAPES)].format(n=n, m=n + 10)
        name = f'règle "r{i}" : ' if i % 3 == 0 else ""
        lines.append(f"{name}{ACTIONS[i % len(ACTIONS)]} si {condition}")
    lines.append("sinon examiner")
    return "\n".join(lines) + "\n"


def timed(source: str, repetitions: int) -> tuple[list[float], list[float]]:
    """Processor and elapsed seconds of each validation of ``source`` (must be valid)."""
    processor, elapsed = [], []
    for _ in range(repetitions):
        started, started_cpu = time.perf_counter(), time.process_time()
        checked, diagnostics = load_policy(source, "banc.tamis", vocabulary())
        processor.append(time.process_time() - started_cpu)
        elapsed.append(time.perf_counter() - started)
        if checked is None:
            raise SystemExit(f"politique générée invalide : {diagnostics[0].message}")
    return processor, elapsed


def main(argv: Sequence[str] | None = None) -> None:
    args = arguments(argv)
    sizes = [int(s) for s in args.tailles.split(",")]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Python {platform.python_version()} ; charge de la machine : {load}")
    print("temps processeur : médiane et étendue de plusieurs validations ; temps écoulé")
    medians: dict[int, float] = {}
    for size in sizes:
        runs = max(3, min(args.repetitions, 10_000 * args.repetitions // size))
        processor, elapsed = timed(policy_text(size), runs)
        medians[size] = statistics.median(processor)
        spread = f"{min(processor):.3f}–{max(processor):.3f} s"
        wall = statistics.median(elapsed)
        print(
            f"{size:>7} règles : {medians[size]:.3f} s (médiane de {runs}, étendue {spread}) ;"
            f" écoulé {wall:.3f} s"
        )
    for small, large in itertools.pairwise(sizes):
        ratio = medians[large] / medians[small]
        print(f"temps({large}) / temps({small}) = {ratio:.2f} (taille × {large / small:g})")
    report_targets(medians)


def report_targets(medians: dict[int, float]) -> None:
    if 4000 in medians and 8000 in medians:
        ratio = medians[8000] / medians[4000]
        verdict = "atteinte" if ratio <= TARGET_RATIO else "MANQUÉE"
        print(f"cible temps(8000) ≤ {TARGET_RATIO} × temps(4000) : {ratio:.2f}, {verdict}")
    if TARGET_SIZE in medians:
        seconds = medians[TARGET_SIZE]
        verdict = "atteinte" if seconds <= TARGET_SECONDS else "MANQUÉE"
        print(f"cible {TARGET_SIZE} règles en ≤ {TARGET_SECONDS:g} s : {seconds:.2f} s, {verdict}")


if __name__ == "__main__":
    main(sys.argv[1:])
