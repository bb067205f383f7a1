"""Benchmark of the engines (issue 3, « Speed »): decisions per second, measured in one run.

Run ``python bench/moteur.py [--n 100000]`` after ``pip install -e .``. It generates the
invitations deterministically (``generer.generate``, ``random.Random(graine)``), then prints:

1. decisions/second on precomputed base facts for ``natif``, ``durable`` (on a smaller
   sample, said in the output, when it is slow) and the hand-written if/elif function
   (``baseline.decide``), with the ratios natif/baseline and natif/durable against the
   targets (≥ 0.25× and ≥ 50×);
2. end-to-end decisions/second from raw JSON Lines text with ``natif``: reading, validation,
   facts extraction and deciding, as ``tamis decider`` does (without the journal).
"""

from __future__ import annotations

import argparse
import io
import platform
import sys
import time
from collections.abc import Callable, Sequence
from importlib.resources import files
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline
import generer

from tamis.engine.decision import EngineName
from tamis.engine.engines import EngineUnavailable, make_engine
from tamis.invitations.models import INCOMING
from tamis.invitations.reader import read_invitations
from tamis.triage.pipeline import Decided, Setup, SetupOptions, decide_records, prepare

POLICY = str(files("tamis.policies") / "blogue.tamis")  # the policy baseline.decide implements
TARGET_BASELINE = 0.25
TARGET_DURABLE = 50.0
REPEATS = 3  # the best of several passes: the machine's noise only ever slows a pass down


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Vitesse des moteurs de tamis.")
    parser.add_argument("--n", type=int, default=100_000, help="invitations générées")
    parser.add_argument("--n-durable", type=int, default=2_000, help="échantillon pour durable")
    parser.add_argument("--graine", type=int, default=2026, help="graine du générateur")
    parser.add_argument("--contexte", default=str(files("tamis.policies.exemples") / "tamis.toml"))
    return parser.parse_args(argv)


def rate(run: Callable[[], int]) -> float:
    """Items per second of the best of ``REPEATS`` passes of ``run`` (returns its item count)."""
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        count = run()
        best = min(best, time.perf_counter() - started)
    return count / best


def decide_all(decide: Callable, facts: list[dict], parameters) -> Callable[[], int]:
    def run() -> int:
        for values in facts:
            decide(values, parameters)
        return len(facts)

    return run


def baseline_all(facts: list[dict]) -> Callable[[], int]:
    def run() -> int:
        decide = baseline.decide
        for values in facts:
            decide(values)
        return len(facts)

    return run


def end_to_end(setup: Setup, text: str) -> tuple[float, list[dict]]:
    """One timed pass from JSON Lines text to decisions (as ``tamis decider``, no journal).

    Returns the rate and each decision's base facts, which the engine kept: they are the
    precomputed facts the engine-only measurements reuse.
    """
    started = time.perf_counter()
    records = read_invitations(io.StringIO(text), name="bench", sens=INCOMING)
    facts = [o.decision.facts for o in decide_records(setup, records) if isinstance(o, Decided)]
    elapsed = time.perf_counter() - started
    return len(facts) / elapsed, facts


def agreement(setup: Setup, facts: list[dict]) -> float:
    """Share of invitations where the engine and the hand-written function agree."""
    same = 0
    for values in facts:
        decision = setup.engine.decide(values, setup.parameters)
        same += (decision.action.value, decision.label) == baseline.decide(values)
    return same / len(facts)


def nombre(value: float) -> str:
    """``123 456`` : French digit grouping."""
    return f"{value:,.0f}".replace(",", " ")


def verdict(ratio: float, target: float) -> str:
    return "atteint" if ratio >= target else "NON ATTEINT"


def durable_rate(setup: Setup, facts: list[dict], sample: int) -> tuple[float | None, str]:
    try:
        engine = make_engine(EngineName.DURABLE, setup.policy)
    except EngineUnavailable as error:
        return None, str(error)
    chosen = facts[:sample]
    return rate(
        decide_all(engine.decide, chosen, setup.parameters)
    ), f"sur {nombre(len(chosen))} inv."


def main(argv: Sequence[str] | None = None) -> None:
    args = arguments(argv)
    setup = prepare(SetupOptions(POLICY, args.contexte))
    raws = generer.generate(args.n, args.graine)
    text = "\n".join(orjson.dumps(raw).decode() for raw in raws) + "\n"
    print(
        f"tamis — banc d'essai des moteurs ({platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()})"
    )
    print(f"politique {POLICY}\ncontexte {args.contexte}")
    print(f"{nombre(args.n)} invitations générées (graine {args.graine})\n")
    whole, facts = end_to_end(setup, text)
    report_decisions(setup, facts, args)
    report_end_to_end(whole, len(facts))


def report_decisions(setup: Setup, facts: list[dict], args) -> None:
    natif = rate(decide_all(setup.engine.decide, facts, setup.parameters))
    hand = rate(baseline_all(facts))
    durable, durable_note = durable_rate(setup, facts, args.n_durable)
    print("1. Décisions par seconde sur faits de base précalculés")
    print(f"   natif            {nombre(natif):>12} /s  (sur {nombre(len(facts))} inv.)")
    print(f"   if/elif à la main{nombre(hand):>12} /s  (sur {nombre(len(facts))} inv.)")
    if durable is None:
        print(f"   durable          indisponible : {durable_note}")
    else:
        print(f"   durable          {nombre(durable):>12} /s  ({durable_note})")
    print(f"   accord natif / if-elif : {agreement(setup, facts):.2%} des invitations")
    ratio = natif / hand
    print(
        f"   natif / if-elif  = {ratio:.2f}×  (cible ≥ {TARGET_BASELINE}× : "
        f"{verdict(ratio, TARGET_BASELINE)})"
    )
    if durable is not None:
        ratio = natif / durable
        print(
            f"   natif / durable  = {nombre(ratio)}×  (cible ≥ {TARGET_DURABLE:.0f}× : "
            f"{verdict(ratio, TARGET_DURABLE)})"
        )


def report_end_to_end(measured: float, n: int) -> None:
    print("\n2. De bout en bout, du JSON Lines brut à la décision (natif, sans journal)")
    print("   lecture + validation + extraction des faits + décision, en une passe")
    print(f"   natif            {nombre(measured):>12} /s  (sur {nombre(n)} inv.)")


if __name__ == "__main__":
    main()
