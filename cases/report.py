"""What ``tamis tester`` prints: a block per failing case, the summary, coverage, and JSON.

Last stage, after ``tamis.cases.run``: a ``Session`` in, French text or a JSON-ready dict
out (French keys). Nothing is decided or read here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tamis.cases.coverage import Coverage
from tamis.cases.run import CaseResult, Session, value_words
from tamis.grammar.diagnostics import Diagnostic


def plural(count: int, word: str) -> str:
    """``1 réussi``, ``12 réussis``, ``0 échoué``: French plural from 2 on."""
    return f"{count} {word}{'s' if count >= 2 else ''}"


def summary(session: Session) -> str:
    """``12 réussis, 1 échoué`` (``, 2 en erreur`` when cases or files could not run)."""
    text = f"{plural(session.passed, 'réussi')}, {plural(session.failed, 'échoué')}"
    if session.errors:
        text += f", {session.errors} en erreur"
    return text


def failure_block(result: CaseResult) -> str:
    return "\n".join(_failure_lines(result))


def _failure_lines(result: CaseResult) -> Iterator[str]:
    case, expected = result.case, result.case.expected
    yield f"ÉCHEC {result.file}:{case.line} « {case.name} » (politique {result.policy})"
    rule = f", règle « {expected.rule} »" if expected.rule is not None else ""
    yield f"  attendu : {expected.decision.value}{rule}"
    for run in result.runs:
        decision, engine = run.outcome.decision, run.outcome.engine
        yield f"  obtenu  : {decision.action.value}, règle « {decision.label} » ({engine})"
    yield "  écarts :"
    for mismatch in result.mismatches:
        yield f"    - {mismatch.what} : attendu {mismatch.expected}, obtenu {mismatch.actual}"
    if expected.explanation is not None:
        yield f"  explication attendue : contient « {expected.explanation} »"
    for run in result.runs:
        yield f"  explication obtenue ({run.outcome.engine}) : {run.outcome.explanation}"
    if result.context_note:
        yield f"  note : {result.context_note}"


def text_report(session: Session, *, coverage: bool) -> Iterator[str]:
    """Every block of the text report, in order: diagnostics, failures, coverage, summary."""
    for report in session.files:
        if report.diagnostics:
            yield report.diagnostics
        if report.policy_error:
            yield report.policy_error
    for problem in session.missing:
        yield f"erreur : {problem}"
    for result in session.results:
        if not result.passed:
            yield failure_block(result)
        elif result.context_note:
            where = f"{result.file}:{result.case.line} « {result.case.name} »"
            yield f"note : {where} : {result.context_note}"
    if coverage:
        for path, cov in session.coverage.items():
            yield "\n".join(coverage_lines(str(path), cov))
        for path in session.untested:
            yield f"Couverture de {path} : aucun cas (0 %)"
    elif session.untested:
        yield "\n".join(f"avertissement : {p} : aucun fichier de cas" for p in session.untested)


# --- coverage ---------------------------------------------------------------------


def coverage_lines(path: str, cov: Coverage) -> Iterator[str]:
    """The coverage block of one policy; a heading only above something to list."""
    if cov.percent is None:  # no decision rule: nothing to cover, no 0-out-of-0 percentage
        yield (
            f"Couverture de {path} : aucune règle de décision, rien à couvrir ;"
            f" {cov.cases} cas (sinon : {cov.by_default})"
        )
    else:
        yield (
            f"Couverture de {path} : {cov.fired_rules} règle(s) sur {len(cov.rules)}"
            f" déclenchée(s) ({_percent(cov.percent)}), {cov.cases} cas"
        )
        yield "  règles (décisive / battue / inconnue / fausse) :"
        for rule, counts in zip(cov.policy.rules, cov.rules, strict=True):
            yield (
                f"    {rule_words_of(rule)} : {counts.decisive} / {counts.lost}"
                f" / {counts.unknown} / {counts.false}"
            )
        yield f"    sinon : {cov.by_default}"
    if cov.definitions:
        yield "  définitions (vraie / fausse / inconnue) :"
        for name, seen in cov.definitions.items():
            yield f"    {name} : {seen[True]} / {seen[False]} / {seen[None]}"
    if cov.atoms:
        yield "  conditions (vraie / fausse / inconnue) :"
    for atom, seen in zip(cov.atoms, cov.atom_values, strict=True):
        yield f"    ligne {atom.line} : {atom.text} : {seen[True]} / {seen[False]} / {seen[None]}"
    gaps = cov.gaps()
    if gaps:
        yield "  jamais exercé :"
        for gap in gaps:
            yield f"    ligne {gap.line} : {gap.what} : {gap.why}"


def rule_words_of(rule: Any) -> str:
    """``règle « photo » (ligne 17)`` from a policy's rule."""
    if rule.name is None:
        return f"règle de la ligne {rule.span.line}"
    return f"règle « {rule.name} » (ligne {rule.span.line})"


def _percent(value: float) -> str:
    text = f"{value:.1f}".replace(".", ",").removesuffix(",0")
    return f"{text} %"


def coverage_json(path: str, cov: Coverage) -> dict[str, Any]:
    return {
        "politique": path,
        "cas": cov.cases,
        "pourcentage": None if cov.percent is None else round(cov.percent, 2),
        "regles": [
            {
                "regle": rule.label,
                "ligne": rule.span.line,
                "decisive": counts.decisive,
                "battue": counts.lost,
                "inconnue": counts.unknown,
                "fausse": counts.false,
            }
            for rule, counts in zip(cov.policy.rules, cov.rules, strict=True)
        ],
        "sinon": cov.by_default,
        "definitions": [
            {"definition": name, **_truth_counts(seen)} for name, seen in cov.definitions.items()
        ],
        "conditions": [
            {"condition": atom.text, "ligne": atom.line, "dans": atom.owner, **_truth_counts(seen)}
            for atom, seen in zip(cov.atoms, cov.atom_values, strict=True)
        ],
        "jamais_exerce": [{"ligne": g.line, "quoi": g.what, "pourquoi": g.why} for g in cov.gaps()],
    }


def _truth_counts(seen: Any) -> dict[str, int]:
    return {"vraie": seen[True], "fausse": seen[False], "inconnue": seen[None]}


# --- JSON ---------------------------------------------------------------------------


def session_json(session: Session, *, coverage: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "reussis": session.passed,
        "echoues": session.failed,
        "en_erreur": session.errors,
        "resultats": [result_json(r) for r in session.results],
        "erreurs": [
            d.to_json() for f in session.files if f.problems for d in f.problems.diagnostics
        ],
        "moteurs_indisponibles": session.engine_errors,
        "sans_cas": [str(p) for p in session.untested] + session.missing,
    }
    if coverage:
        out["couverture"] = [coverage_json(str(p), c) for p, c in session.coverage.items()]
    return out


def session_diagnostics(session: Session) -> list[Diagnostic]:
    return [d for f in session.files if f.problems for d in f.problems.diagnostics]


def result_json(result: CaseResult) -> dict[str, Any]:
    expected = result.case.expected
    return {
        "fichier": str(result.file),
        "ligne": result.case.line,
        "cas": result.case.name,
        "politique": str(result.policy),
        "statut": "reussi" if result.passed else "echoue",
        "attendu": {
            "decision": expected.decision.value,
            "regle": expected.rule,
            "faits": {f.name: value_words(f.value) for f in expected.facts},
            "explication": expected.explanation,
        },
        "obtenu": [
            {
                "moteur": run.outcome.engine,
                "decision": run.outcome.decision.action.value,
                "regle": run.outcome.decision.label,
                "explication": run.outcome.explanation,
            }
            for run in result.runs
        ],
        "ecarts": [
            {"quoi": m.what, "attendu": m.expected, "obtenu": m.actual} for m in result.mismatches
        ],
        "note": result.context_note,
    }
