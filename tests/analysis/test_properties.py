"""Every claim of the analysis, checked against exhaustive enumeration.

Random small policies read four free boolean facts (no relation between them) and a number
field ``n`` compared with 0, 5 and 10, so the possible inputs fall in exactly 3⁴ × 8 classes:
each fact vrai, faux or inconnu, and ``n`` inconnu, below 0, 0, between 0 and 5, 5, between
5 and 10, 10 or above 10 (one value stands for each). The real engine decides all 648, and
each claim of ``analyse_policy`` and ``compare_policies`` must agree: a proof ("never") holds
on all of them, an existence claim on the example given, and nothing that exists is missed.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tamis.analysis.analyse import analyse_policy
from tamis.analysis.compare import compare_policies, identity
from tamis.analysis.domain import free_domain
from tamis.analysis.oracle import FactsOracle
from tamis.engine.compile import compile_policy
from tamis.grammar.format import format_policy
from tamis.grammar.load import load_policy
from tamis.grammar.parse import parse_policy
from tamis.grammar.vocabulary import NameSpec, Type, Vocabulary

FACTS = ("a", "b", "c", "d")
NUMBERS = (None, -1, 0, 2.5, 5, 7.5, 10, 11)  # one value per class, around 0, 5 and 10
VOCABULARY = Vocabulary(
    names={
        **{n: NameSpec(n, Type.BOOLEEN, n) for n in FACTS},
        "n": NameSpec("n", Type.NOMBRE, "n", is_field=True),
    }
)
DOMAIN = free_domain(VOCABULARY)
ORACLE = FactsOracle()
INPUTS = [
    {**dict(zip(FACTS, v, strict=True)), "n": n}
    for v in itertools.product((True, False, None), repeat=4)
    for n in NUMBERS
]
COMPARISONS = (
    *(f"n {op} {k}" for op in ("<", "<=", ">", ">=", "=", "!=") for k in (0, 5, 10)),
    "n entre 0 et 5",
    "n entre 5 et 10",
    "n dans [0, 10]",
    "n n'est pas renseigné",
)
ACTIONS = ("accepter", "refuser", "ignorer", "signaler", "examiner")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def conditions(names: tuple[str, ...]) -> st.SearchStrategy[str]:
    leaves = st.one_of(
        st.sampled_from(names),
        st.sampled_from(FACTS).map(lambda n: f"{n} est renseigné"),
        st.sampled_from(FACTS).map(lambda n: f"{n} n'est pas renseigné"),
        st.sampled_from(("vrai", "faux")),
        st.sampled_from(COMPARISONS),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            inner.map(lambda c: f"non ({c})"),
            st.tuples(inner, inner).map(lambda p: f"({p[0]}) et ({p[1]})"),
            st.tuples(inner, inner).map(lambda p: f"({p[0]}) ou ({p[1]})"),
            st.tuples(inner, inner).map(lambda p: f"({p[0]}) = ({p[1]})"),
        ),
        max_leaves=4,
    )


@st.composite
def policies(draw) -> str:
    strategy = draw(st.sampled_from(("première_applicable", "refus_prioritaire", "priorité")))
    lines = [f"résolution {strategy}"]
    names: tuple[str, ...] = FACTS
    for i in range(draw(st.integers(0, 2))):
        lines.append(f"définir d{i} si {draw(conditions(names))}")
        names = (*names, f"d{i}")
    for i in range(draw(st.integers(1, 4))):
        priority = f" priorité {draw(st.integers(0, 2))}" if strategy == "priorité" else ""
        action = draw(st.sampled_from(ACTIONS))
        lines.append(f'règle "r{i}"{priority} : {action} si {draw(conditions(names))}')
    lines.append(f"sinon {draw(st.sampled_from(ACTIONS))}")
    return "\n".join(lines) + "\n"


def checked(source: str, path: str = "p.tamis"):
    policy, diagnostics = load_policy(source, path, VOCABULARY)
    assert policy is not None, diagnostics
    return policy


def decisions(policy) -> list:
    engine = compile_policy(policy)
    return [engine.decide(facts, policy.parameters) for facts in INPUTS]


def redecide(policy, witness):
    return compile_policy(policy).decide(dict(witness.case.facts), policy.parameters)


@SETTINGS
@given(policies())
def test_every_analyser_claim_matches_enumeration(source: str) -> None:
    policy = checked(source)
    all_decisions = decisions(policy)
    findings = analyse_policy(policy, DOMAIN, ORACLE, max_overlaps=100)
    by_code = {
        code: [f for f in findings if f.code == code]
        for code in ("A001", "A002", "A003", "A004", "A005", "A006", "A007")
    }
    lines = {r.span.line: r for r in policy.rules}

    def rule_at(finding):
        return next(ref for ref in compile_policy(policy).rules if ref.line == finding.span.line)

    refs = compile_policy(policy).rules
    never_fires = {r for r in refs if not any(r in d.fired for d in all_decisions)}
    never_decides = {
        r for r in refs if r not in never_fires and not any(d.rule == r for d in all_decisions)
    }
    assert {rule_at(f) for f in by_code["A002"]} == never_fires
    assert {rule_at(f) for f in by_code["A001"]} == never_decides
    for definition in policy.definitions:
        values = {d.derived[definition.name] for d in all_decisions}
        reported = {
            f.code for f in findings if f.message.startswith(f"la définition « {definition.name} »")
        }
        assert ("A004" in reported) == (True not in values)
        assert ("A005" in reported) == (False not in values)
    defaulted = [d for d in all_decisions if d.rule is None]
    assert bool(by_code["A007"]) == bool(defaulted)
    for finding in by_code["A007"]:
        assert redecide(policy, finding.witness).rule is None
    for finding in by_code["A001"]:
        ref = rule_at(finding)
        decision = redecide(policy, finding.witness)
        assert ref in decision.fired and decision.rule != ref
    _overlaps(policy, all_decisions, by_code["A003"], never_fires | never_decides, rule_at)
    for finding in by_code["A006"]:
        ref = rule_at(finding)
        name = finding.message.split("« ")[1].split(" »")[0]
        assert all(d.facts.get(name) is None for d in all_decisions if ref in d.fired)
        assert any(ref in d.fired for d in all_decisions)
    assert lines  # at least one rule


def _overlaps(policy, all_decisions, found, silent, rule_at) -> None:
    """A003: reported exactly for the pairs (winner decides, loser also fires, other actions)."""
    expected = {
        (d.rule, loser)
        for d in all_decisions
        if d.rule is not None
        for loser in d.fired
        if loser.action is not d.rule.action and loser not in silent and loser != d.rule
    }
    reported = set()
    for finding in found:
        loser = rule_at(finding)
        decision = redecide(policy, finding.witness)
        assert loser in decision.fired and decision.rule.action is not loser.action
        reported.add((decision.rule, loser))
    assert reported == expected


@SETTINGS
@given(policies(), policies())
def test_every_comparer_claim_matches_enumeration(old_source: str, new_source: str) -> None:
    old, new = checked(old_source, "ancienne.tamis"), checked(new_source, "nouvelle.tamis")
    pairs = list(zip(decisions(old), decisions(new), strict=True))
    comparison = compare_policies(old, new, DOMAIN, ORACLE, max_kinds=100)
    differing = {(o.rule, n.rule) for o, n in pairs if o.action is not n.action}
    assert comparison.equivalent == (not differing)
    assert {(d.old_rule, d.new_rule) for d in comparison.differences} == differing
    for difference in comparison.differences:
        facts = dict(difference.witness.case.facts)
        o = compile_policy(old).decide(facts, old.parameters)
        n = compile_policy(new).decide(facts, new.parameters)
        assert o.action is not n.action


@SETTINGS
@given(policies(), policies())
def test_comparer_by_rule_matches_enumeration(old_source: str, new_source: str) -> None:
    old, new = checked(old_source, "ancienne.tamis"), checked(new_source, "nouvelle.tamis")
    pairs = list(zip(decisions(old), decisions(new), strict=True))

    def label(policy, decision):
        return None if decision.rule is None else identity(policy, decision.rule)

    differs = any(o.action is not n.action or label(old, o) != label(new, n) for o, n in pairs)
    comparison = compare_policies(old, new, DOMAIN, ORACLE, by_rule=True, max_kinds=100)
    assert comparison.equivalent == (not differs)


@SETTINGS
@given(policies())
def test_a_policy_is_equivalent_to_itself_and_to_its_formatted_text(source: str) -> None:
    policy = checked(source)
    assert compare_policies(policy, policy, DOMAIN, ORACLE, by_rule=True).equivalent
    tree, _ = parse_policy(source, "p.tamis")
    formatted = checked(format_policy(tree), "formatee.tamis")
    assert compare_policies(policy, formatted, DOMAIN, ORACLE, by_rule=True).equivalent
