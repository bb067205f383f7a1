"""Running test files: decide each case with the chosen engines and compare with what it expects.

Third stage of ``tamis tester``, after ``load`` and ``bind``: test files are grouped by the
policy they test (loaded and compiled once), each selected case is decided by every engine
asked for (``natif``, ``durable``, or both with ``tous``), and the result holds, per case,
each engine's outcome and every difference from the expectation. With both engines, any
difference between them fails the case too. Coverage is fed from the same decisions. No
printing here: ``tamis.cases.report`` and ``tamis.cases.junit`` render a ``Session``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from tamis.cases import deciding
from tamis.cases.bind import Ready, bind
from tamis.cases.coverage import Coverage
from tamis.cases.discover import Found
from tamis.cases.load import load_case_file
from tamis.cases.model import Case, CaseFile
from tamis.cases.problems import Problems
from tamis.engine.engines import EngineFailed, undecided
from tamis.grammar.checked import CheckedPolicy
from tamis.grammar.vocabulary import Value
from tamis.invitations.models import composed


class EngineChoice(Enum):
    """``--moteur``: one engine, or both compared."""

    NATIF = "natif"
    DURABLE = "durable"
    TOUS = "tous"

    @property
    def engines(self) -> tuple[str, ...]:
        return ("natif", "durable") if self is EngineChoice.TOUS else (self.value,)


@dataclass(frozen=True)
class Mismatch:
    """One way a case's outcome differs from its expectation (French labels)."""

    what: str  # « décision », « règle », « fait suspect », « explication », « moteurs »
    expected: str
    actual: str


@dataclass(frozen=True)
class EngineRun:
    engine: str
    outcome: deciding.Outcome


@dataclass(frozen=True)
class CaseResult:
    file: Path
    policy: Path
    case: Case
    runs: tuple[EngineRun, ...]
    mismatches: tuple[Mismatch, ...]
    context_note: str | None = None  # the context differs from the one the journal recorded

    @property
    def passed(self) -> bool:
        return not self.mismatches


@dataclass
class FileReport:
    """One test file: its results, and its diagnostics when some cases could not run."""

    path: Path
    policy: Path | None
    results: list[CaseResult] = field(default_factory=list)
    problems: Problems | None = None
    policy_error: str | None = None  # the policy could not be used: rendered French
    cases: tuple[Case, ...] = ()  # every case of the file, those that could not run too

    @property
    def diagnostics(self) -> str:
        return self.problems.rendered() if self.problems and self.problems.found else ""

    @property
    def broken(self) -> int:
        """Cases that could not run, plus one when the file as a whole is wrong."""
        if self.problems is None or not self.problems.found:
            return 0
        return len(self.problems.broken_cases()) + int(self.problems.whole_file())


@dataclass
class Session:
    files: list[FileReport] = field(default_factory=list)
    engine_errors: list[str] = field(default_factory=list)  # French, once per engine
    untested: list[Path] = field(default_factory=list)  # policies found without cases
    missing: list[str] = field(default_factory=list)
    coverage: dict[Path, Coverage] = field(default_factory=dict)
    selected: int = 0  # cases selected by -k (all when no -k)

    @property
    def results(self) -> list[CaseResult]:
        return [result for report in self.files for result in report.results]

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.passed)

    @property
    def errors(self) -> int:
        return sum(report.broken for report in self.files)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.errors and not self.engine_errors and not self.missing


@dataclass(frozen=True)
class Options:
    engine: EngineChoice = EngineChoice.NATIF
    keywords: tuple[str, ...] = ()  # -k: a case runs when one of these is in its name


def run(found: Found, options: Options) -> Session:
    """Load, bind and run every test file ``found`` names; nothing raises, all is reported."""
    session = Session(missing=list(found.missing))
    by_policy: dict[Path, list[CaseFile]] = {}
    for path in found.case_files:
        case_file = load_case_file(path)
        if case_file.policy is None:
            problems, cases = case_file.problems, case_file.cases
            session.files.append(FileReport(path, None, problems=problems, cases=cases))
            continue
        by_policy.setdefault(_key(case_file.policy), []).append(case_file)
    runner = _Runner(session, options)
    for policy_path, case_files in by_policy.items():
        runner.policy(policy_path, case_files)
    tested = set(by_policy) | {_key(p) for p in found.unpaired}  # the latter: already errors
    session.untested = [p for p in found.policies if _key(p) not in tested]
    return session


def _key(path: Path) -> Path:
    return Path(path).resolve()


class _Runner:
    def __init__(self, session: Session, options: Options) -> None:
        self.session = session
        self.options = options
        self.unavailable: set[str] = set()

    def policy(self, policy_path: Path, case_files: list[CaseFile]) -> None:
        shown = case_files[0].policy or policy_path
        policy = self.load(shown, case_files)
        if policy is None:
            return
        engines = self.engines(policy)
        coverage = self.session.coverage.setdefault(shown, Coverage(policy))
        for case_file in case_files:
            problems, cases = case_file.problems, case_file.cases
            report = FileReport(case_file.path, shown, problems=problems, cases=cases)
            self.session.files.append(report)
            for ready in bind(_selected(case_file, self.options.keywords), policy):
                result = self.case(report, policy, engines, ready)
                if result is not None:
                    report.results.append(result)
                    coverage.add(result.runs[0].outcome.decision)

    def load(self, path: Path, case_files: list[CaseFile]) -> CheckedPolicy | None:
        try:
            return deciding.load_policy(path)
        except deciding.PolicyInvalid as error:
            rendered = str(error)
        for case_file in case_files:
            problems = case_file.problems
            message = f"politique « {path} » inutilisable (ses erreurs suivent)"
            problems.error("C012", message, ("politique",), on_value=True)
            cases = case_file.cases
            report = FileReport(
                case_file.path, path, problems=problems, policy_error=rendered, cases=cases
            )
            self.session.files.append(report)
        return None

    def engines(self, policy: CheckedPolicy) -> list[tuple[str, deciding.Decider]]:
        out = []
        for name in self.options.engine.engines:
            try:
                out.append((name, deciding.decider(name, policy)))
            except deciding.EngineUnavailable as error:
                if name not in self.unavailable:
                    self.unavailable.add(name)
                    self.session.engine_errors.append(str(error))
        return out

    def case(
        self,
        report: FileReport,
        policy: CheckedPolicy,
        engines: list[tuple[str, deciding.Decider]],
        ready: Ready,
    ) -> CaseResult | None:
        if not engines:
            return None
        self.session.selected += 1
        case = ready.case
        asked = [fact.name for fact in case.expected.facts]
        runs = tuple(
            run
            for name, engine in engines
            if (run := self.attempt(report, ready, name, engine, asked)) is not None
        )
        if not runs:
            return None
        mismatches = compare(case, runs[0].outcome) + engines_differ(runs)
        note = _context_note(case, ready)
        return CaseResult(report.path, report.policy, case, runs, tuple(mismatches), note)

    def attempt(
        self, report: FileReport, ready: Ready, name: str, engine: deciding.Decider, asked: list
    ) -> EngineRun | None:
        """One engine's run of a case, or None when the engine could not decide it
        (durable-rules' limits): said in ``engine_errors``, which fails the session."""
        case = ready.case
        try:
            outcome = deciding.decide(
                engine, case.invitation, ready.context, ready.parameters, asked
            )
        except EngineFailed as error:
            why = undecided(case.invitation.id, error, journaling=False)
            self.session.engine_errors.append(f"{report.path}, cas « {case.name} » : {why}")
            return None
        return EngineRun(name, outcome)


def _selected(case_file: CaseFile, keywords: tuple[str, ...]) -> CaseFile:
    """``case_file`` with only the cases ``-k`` selects (all without ``-k``): case left
    aside, and accents however written (« é » one code point or two, in the file or on the
    command line), as ``tamis journal chercher --expediteur`` compares; an accent still
    counts (« etabli » is not « établi »), as in every filter of tamis."""
    if not keywords:
        return case_file
    words = [composed(k).casefold() for k in keywords]
    kept = tuple(
        case for case in case_file.cases if any(w in composed(case.name).casefold() for w in words)
    )
    return CaseFile(case_file.path, case_file.policy, kept, case_file.problems)


def compare(case: Case, outcome: deciding.Outcome) -> list[Mismatch]:
    """Every difference between what ``case`` expects and ``outcome``."""
    expected, decision = case.expected, outcome.decision
    out = []
    if decision.action is not expected.decision:
        out.append(Mismatch("décision", expected.decision.value, decision.action.value))
    if expected.rule is not None and decision.label != expected.rule:
        out.append(Mismatch("règle", expected.rule, decision.label))
    for fact in expected.facts:
        actual = outcome.values.get(fact.name)
        if not same_value(fact.value, actual):
            out.append(Mismatch(f"fait {fact.name}", value_words(fact.value), value_words(actual)))
    if expected.explanation is not None and expected.explanation not in outcome.explanation:
        out.append(Mismatch("explication", f"contient « {expected.explanation} »", "non"))
    return out


def engines_differ(runs: Iterable[EngineRun]) -> list[Mismatch]:
    """A mismatch when two engines decided differently (``--moteur tous``)."""
    first, *others = list(runs)
    return [
        Mismatch(
            f"moteurs {first.engine} et {other.engine}",
            _summary(first.outcome),
            _summary(other.outcome),
        )
        for other in others
        if not deciding.same_decision(first.outcome.decision, other.outcome.decision)
        or first.outcome.explanation != other.outcome.explanation
    ]


def _summary(outcome: deciding.Outcome) -> str:
    return f"{outcome.decision.action.value} (règle {outcome.decision.label})"


def same_value(expected: Value, actual: Value) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool) or expected is None:
        return expected == actual and type(expected) is type(actual)
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-12)
    return expected == (tuple(actual) if isinstance(actual, list) else actual)


def value_words(value: Value) -> str:
    """vrai, faux, inconnu, 12, « texte », [a, b]: a value as the report shows it."""
    if value is None:
        return "inconnu"
    if isinstance(value, bool):
        return "vrai" if value else "faux"
    if isinstance(value, str):
        return f"« {value} »"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(f"« {v} »" for v in value) + "]"
    return str(value)


def _context_note(case: Case, ready: Ready) -> str | None:
    recorded = case.context.recorded_sha256
    if recorded is None or recorded == ready.context.sha256:
        return None
    now = ready.context.sha256 or "aucun contexte"
    return (
        f"le contexte a changé depuis la décision du journal (empreinte {recorded[:12]}…,"
        f" aujourd'hui {now[:12]}…)"
    )
