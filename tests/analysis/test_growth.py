"""``tamis analyser``'s work in Python grows linearly with the rules (A001 asks the solver
with every earlier rule as an assumption; z3's ``check`` casts each one in Python)."""

from __future__ import annotations

import sys
from pathlib import Path

import z3

from tamis.analysis.analyse import analyse_policy
from tamis.analysis.domain import invitation_domain
from tamis.analysis.invitation_oracle import InvitationOracle

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import analyse as bench


def casts(rules: int, monkeypatch) -> int:
    """How many times z3 checked a formula's sort in Python while analysing ``rules`` rules."""
    count = 0
    cast = z3.BoolSortRef.cast

    def counted(self, value):
        nonlocal count
        count += 1
        return cast(self, value)

    policy = bench.checked(bench.refusals(rules), f"refus-{rules}.tamis")
    domain = invitation_domain()
    with monkeypatch.context() as patch:
        patch.setattr(z3.BoolSortRef, "cast", counted)
        findings = analyse_policy(policy, domain, InvitationOracle(domain))
    assert sum(f.code == "A001" for f in findings) > rules // 3  # each a proof over the others
    return count


def test_doubling_the_rules_does_not_quadruple_the_python_work(monkeypatch) -> None:
    small, large = casts(60, monkeypatch), casts(120, monkeypatch)
    assert large <= 2.5 * small, (small, large)
