"""The relations declared between built-in facts hold on real invitations, and parse.

A wrong relation would make ``tamis analyser`` prove false things, so each one is evaluated
by the real engine (as the condition of a one-rule policy) on the shipped example
invitations, with and without the example context, and on generated invitations with
several parameter values: the condition must always be vrai.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest

from tamis.analysis.domain import invitation_domain, parse_relation
from tamis.engine.compile import compile_policy
from tamis.grammar.load import load_policy
from tamis.invitations import relations
from tamis.invitations.context import Context, load_context
from tamis.invitations.extract import extract_facts
from tamis.invitations.models import Invitation
from tamis.invitations.validation import invitation_from
from tamis.invitations.vocabulary import FACTS, FIELDS, vocabulary
from tamis.invitations.witnesses import RECIPES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "policies" / "exemples"
sys.path.insert(0, str(ROOT))
from bench.generer import generate  # noqa: E402

DECLARED = {name for name, _, _ in (*FACTS, *FIELDS)}
TEXTS = [
    (name, text)
    for name, spec in {**relations.FIELDS, **relations.FACTS}.items()
    for text in (*spec.always, *([spec.exact] if spec.exact else []))
]
PARAMETERS = [
    {},
    {"connexions_min": 500, "vedette_min": 400, "seuil_commercial": 0.1},
    {"sections_manquantes_min": 1, "seuil_commercial": 0.95, "connexions_min": 0},
]


def test_relations_and_recipes_name_declared_facts() -> None:
    assert set(relations.FACTS) <= DECLARED
    assert set(relations.FIELDS) <= DECLARED
    assert set(RECIPES) <= {name for name, _, _ in FACTS}
    assert invitation_domain().relations  # every text parses (else ValueError)


def _invitations() -> list[Invitation]:
    lines = (EXAMPLES / "invitations.jsonl").read_bytes().splitlines()
    raw = [orjson.loads(line) for line in lines if line.strip()] + list(generate(300, seed=7))
    return [invitation_from(item) for item in raw]


INVITATIONS = _invitations()
CONTEXTS = [Context.empty(), load_context(EXAMPLES / "tamis.toml")]


@pytest.mark.parametrize(("name", "text"), TEXTS)
def test_each_relation_is_always_vrai(name: str, text: str) -> None:
    spec = {**relations.FIELDS, **relations.FACTS}[name]
    exact = text == spec.exact
    policy = (
        _policy(f"définir valeur si {text}\nrefuser si valeur ou {name}\n")
        if exact
        else (parse_relation(text, vocabulary()))
    )
    engine = compile_policy(policy)
    defaults = dict(policy.parameters)
    for parameters in PARAMETERS:
        values = {**defaults, **parameters}
        for context in CONTEXTS:
            for invitation in INVITATIONS:
                facts = extract_facts(invitation, context, policy.base_names, values).values
                decision = engine.decide(facts, values)
                if exact:
                    assert _value(decision) is facts[name], (text, invitation.id, facts)
                else:
                    assert decision.fired, (text, invitation.id, facts)


def _value(decision) -> bool | None:
    """The value of the exact relation's condition (the definition ``valeur``)."""
    return decision.derived["valeur"]


def _policy(source: str):
    checked, diagnostics = load_policy(source, "<relation>", vocabulary())
    assert checked is not None, diagnostics
    return checked
