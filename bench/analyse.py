"""Benchmark of ``tamis analyser`` and ``tamis comparer`` (issue 16): seconds per policy.

Run ``python bench/analyse.py [--repetitions 3]`` after ``pip install -e .``. It analyses
the shipped policies (target: under 2 s each) and generated policies of 100 and 1,000 rules
(target: 1,000 rules under 60 s), and compares each generated policy with a copy where one
rule in ten changed its threshold. Each figure is the median of the repetitions with its
spread (min-max), measured in this run, and its ratio to the target. ``--croissance N``
analyses instead policies of N and 2N ``refuser si …`` rules in alternating rounds and prints
the ratio of their median processor times (target: ≤ 2.5, near-linear; a quadratic
analysis gives ≈ 4).

Generated policies are deterministic (``random.Random(graine)``): each rule reads one to
three built-in facts and fields (booleans, numbers compared with thresholds, texts with
``contient``), some through definitions, with the five actions under ``première_applicable``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from functools import partial
from importlib.resources import files

from tamis.analysis.analyse import analyse_policy
from tamis.analysis.compare import compare_policies
from tamis.analysis.domain import invitation_domain
from tamis.analysis.invitation_oracle import InvitationOracle
from tamis.grammar.checked import CheckedPolicy
from tamis.grammar.load import load_policy
from tamis.invitations.vocabulary import vocabulary

SHIPPED_TARGET = 2.0
LARGE_TARGET = 60.0
GROWTH_TARGET = 2.5
FACTS = (
    "sans_photo", "profil_entreprise", "connu", "pertinent", "message_par_defaut",
    "pitch_de_vente", "message_commercial", "mensonge", "peu_de_connexions", "fausse_vedette",
    "sans_recommandations", "message_personnalise", "profil_incomplet",
)  # fmt: skip
NUMBERS = ("expediteur.connexions", "expediteur.recommandations", "expediteur.relations_communes")
TEXTS = ("expediteur.titre", "expediteur.secteur", "message")
WORDS = ("recrut", "vente", "marketing", "rh", "finance", "coach", "emploi")
ACTIONS = ("accepter", "refuser", "ignorer", "signaler", "examiner")


def atom(rng: random.Random, threshold_shift: int = 0) -> str:
    kind = rng.random()
    if kind < 0.5:
        fact = rng.choice(FACTS)
        return fact if rng.random() < 0.7 else f"non {fact}"
    if kind < 0.8:
        op = rng.choice(("<", "<=", ">", ">="))
        return f"{rng.choice(NUMBERS)} {op} {rng.randrange(0, 500) + threshold_shift}"
    return f'{rng.choice(TEXTS)} contient "{rng.choice(WORDS)}"'


def generated(rules: int, seed: int = 2026, changed: bool = False) -> str:
    """A policy of ``rules`` rules; ``changed`` shifts the thresholds of one rule in ten."""
    rng = random.Random(seed)
    lines = ["résolution première_applicable"]
    for i in range(rules // 20):
        lines.append(f"définir d{i} si {atom(rng)} et {atom(rng)}")
    for i in range(rules):
        shift = 7 if changed and i % 10 == 0 else 0
        parts = [atom(rng, shift) for _ in range(rng.randint(1, 3))]
        if rules >= 20 and rng.random() < 0.2:
            parts.append(f"d{rng.randrange(rules // 20)}")
        joiner = " et " if rng.random() < 0.7 else " ou "
        lines.append(f'règle "r{i}" : {rng.choice(ACTIONS)} si {joiner.join(parts)}')
    lines.append("sinon examiner")
    return "\n".join(lines) + "\n"


def refusals(rules: int, seed: int = 2026) -> str:
    """A policy of ``rules`` distinct ``refuser si …`` rules, then ``sinon accepter``: most
    are A001 (an earlier rule covers them), each a proof over every rule before it."""
    rng = random.Random(seed)
    lines = [
        f'règle "r{i}" : refuser si {" et ".join(atom(rng) for _ in range(rng.randint(1, 3)))}'
        for i in range(rules)
    ]
    return "\n".join([*lines, "sinon accepter"]) + "\n"


def growth(rules: int, rounds: int, domain, oracle) -> None:
    """Processor time of analysing N then 2N rules, alternately, ``rounds`` times each."""
    policies = {n: checked(refusals(n), f"refus-{n}.tamis") for n in (rules, 2 * rules)}
    times: dict[int, list[float]] = {n: [] for n in policies}
    for _ in range(rounds):
        for n, policy in policies.items():
            timed(partial(analyse_policy, policy, domain, oracle), 1)
            times[n].append(LAST_CPU)
    for n, cpu in times.items():
        spread = f"{min(cpu):.2f}-{max(cpu):.2f}"
        label = f"analyser {n} refus"
        print(f"{label:<34} processeur médiane {statistics.median(cpu):6.2f} s  (écart {spread})")
    ratio = statistics.median(times[2 * rules]) / statistics.median(times[rules])
    verdict = "atteinte" if ratio <= GROWTH_TARGET else "MANQUÉE"
    print(f"temps({2 * rules}) / temps({rules}) = {ratio:.2f}"
          f"  (cible ≤ {GROWTH_TARGET} : {verdict})")  # fmt: skip


def checked(source: str, path: str) -> CheckedPolicy:
    policy, diagnostics = load_policy(source, path, vocabulary())
    if policy is None:
        raise SystemExit(f"{path}: {diagnostics[0].message}")
    return policy


def timed(work: Callable[[], object], repetitions: int) -> tuple[list[float], object]:
    """Wall-clock durations of ``repetitions`` calls, and the last call's result; the
    processor time of the last call is kept in ``LAST_CPU`` (the machine may be shared)."""
    global LAST_CPU
    durations, result = [], None
    for _ in range(repetitions):
        start, cpu = time.perf_counter(), time.process_time()
        result = work()
        durations.append(time.perf_counter() - start)
        LAST_CPU = time.process_time() - cpu
    return durations, result


LAST_CPU = 0.0


def line(label: str, durations: list[float], target: float | None, extra: str = "") -> str:
    median = statistics.median(durations)
    spread = f"{min(durations):.2f}-{max(durations):.2f}"
    verdict = ""
    if target is not None:
        met = "atteinte" if median < target else "MANQUÉE"
        verdict = f"  {median / target:.2f} × la cible de {target:.0f} s ({met})"
    cpu = f"processeur {LAST_CPU:.2f} s"
    return f"{label:<34} médiane {median:7.2f} s  (écart {spread} ; {cpu}){verdict}{extra}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--grand", type=int, default=1000, help="règles de la grande politique")
    parser.add_argument(
        "--croissance", type=int, default=0, metavar="N", help="mesure temps(2N) / temps(N)"
    )
    arguments = parser.parse_args()
    domain = invitation_domain()
    oracle = InvitationOracle(domain)
    if arguments.croissance:
        return growth(arguments.croissance, arguments.repetitions, domain, oracle)
    shipped = sorted(p for p in files("tamis.policies").iterdir() if p.name.endswith(".tamis"))
    print(f"tamis analyser — {arguments.repetitions} répétitions, médiane et écart (min-max)")
    for path in shipped:
        policy = checked(path.read_text(encoding="utf-8"), path.name)
        durations, found = timed(
            partial(analyse_policy, policy, domain, oracle), arguments.repetitions
        )
        print(line(f"analyser {path.name}", durations, SHIPPED_TARGET, f"  {len(found)} constats"))
    for size in (100, arguments.grand):
        policy = checked(generated(size), f"genere-{size}.tamis")
        changed = checked(generated(size, changed=True), f"genere-{size}-modifiee.tamis")
        repetitions = arguments.repetitions if size <= 100 else 1
        durations, found = timed(partial(analyse_policy, policy, domain, oracle), repetitions)
        target = LARGE_TARGET if size >= 1000 else None
        print(line(f"analyser {size} règles", durations, target, f"  {len(found)} constats"))
        durations, comparison = timed(
            partial(compare_policies, policy, changed, domain, oracle), repetitions
        )
        kinds = len(comparison.differences)
        print(line(f"comparer {size} règles (modifiée)", durations, None, f"  {kinds} sortes"))


if __name__ == "__main__":
    main()
