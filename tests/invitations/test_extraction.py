"""extract_facts: the registry matches the vocabulary, only requested names are computed,
each once, and fields follow the model."""

from __future__ import annotations

import pytest
from invitation_helpers import context, invitation, sender

from tamis.invitations import registry
from tamis.invitations.extract import builtin_names, extract_facts
from tamis.invitations.vocabulary import vocabulary


def test_every_declared_name_has_an_extractor_and_nothing_else():
    assert builtin_names() == frozenset(vocabulary().names)


def test_declared_types_match_computed_values():
    from tamis.grammar.vocabulary import type_of

    inv = invitation(
        recue_le="2026-01-29T14:37:00", sens="entrante", message="Bonjour", inmail="",
        relation_declaree="Ami", expediteur=sender(experiences=[{"entreprise": "IGA"}]),
    )  # fmt: skip
    facts = extract_facts(inv, context(), sorted(builtin_names()), {})
    for name, value in facts.values.items():
        if value is not None:
            assert type_of(value) is vocabulary().names[name].type, name


def test_only_requested_names_are_computed_and_each_once(monkeypatch):
    calls: list[str] = []
    for name, function in list(registry.FACT_EXTRACTORS.items()):

        def counting(inputs, name=name, function=function):
            calls.append(name)
            return function(inputs)

        monkeypatch.setitem(registry.FACT_EXTRACTORS, name, counting)
    inv = invitation(message="Anciens collègues!", expediteur=sender(connexions=20000))
    facts = extract_facts(inv, context(), ["fausse_vedette", "mensonge", "connu"], {})
    assert sorted(calls) == ["connu", "fausse_vedette", "mensonge"]
    assert set(facts.values) == {"fausse_vedette", "mensonge", "connu"}
    assert set(facts.evidence) == {"fausse_vedette", "mensonge", "connu"}


def test_a_dependency_is_computed_and_explained_but_not_returned():
    inv = invitation(expediteur=sender(connexions=20000))
    facts = extract_facts(inv, context(), ["fausse_vedette"], {})
    assert facts.values == {"fausse_vedette": True}
    assert facts.evidence["connu"].startswith("expediteur « Audrey Paquette")


def test_fields_absent_means_none_and_lists_are_tuples():
    inv = invitation(
        message=None,
        expediteur={"entreprise": "Metro", "experiences": [{"entreprise": "IGA", "fin": "2019"}],
                    "formation": ["UQAM", {"ecole": "HEC Montréal", "diplome": "MBA"}]},
    )  # fmt: skip
    names = [
        "message",
        "inmail",
        "expediteur.entreprises",
        "expediteur.formation",
        "expediteur.photo",
    ]
    values = extract_facts(inv, context(), names, {}).values
    assert values == {
        "message": "",
        "inmail": None,
        "expediteur.entreprises": ("Metro", "IGA"),
        "expediteur.formation": ("UQAM", "HEC Montréal"),
        "expediteur.photo": None,
    }


def test_unknown_name_is_a_key_error():
    with pytest.raises(KeyError, match="inexistant"):
        extract_facts(invitation(), context(), ["inexistant"], {})


def test_an_evidence_note_is_worded_only_when_read_and_once(monkeypatch):
    """An extractor may return a function that words its note: deciding never calls it; an
    explanation that shows the fact reads the note, worded then, and only once."""
    worded: list[str] = []

    def note() -> str:
        worded.append("peu_de_connexions")
        return "expediteur.connexions (20) < connexions_min (50)"

    monkeypatch.setitem(registry.FACT_EXTRACTORS, "peu_de_connexions", lambda _: (True, note))
    facts = extract_facts(invitation(), context(), ["peu_de_connexions", "sans_photo"], {})
    assert facts.values["peu_de_connexions"] is True and worded == []
    assert "peu_de_connexions" in facts.evidence and len(facts.evidence) == 2
    assert facts.evidence["peu_de_connexions"] == note() and worded == ["peu_de_connexions"] * 2
    assert facts.evidence["peu_de_connexions"] == note()
    assert worded == ["peu_de_connexions"] * 3  # read twice, worded by the mapping once
    assert dict(facts.evidence)["sans_photo"].startswith("expediteur.photo")


def test_only_the_notes_a_trace_shows_are_worded(monkeypatch):
    """The explainer reads the notes of the names its trace shows, not the others'."""
    from tamis.engine.decision import EngineName
    from tamis.engine.engines import make_engine
    from tamis.engine.explainer import Explainer
    from tamis.grammar.load import load_policy

    worded: list[str] = []
    for name in ("sans_photo", "peu_de_connexions"):
        original = registry.FACT_EXTRACTORS[name]

        def lazy(inputs, name=name, original=original):
            value, note = original(inputs)
            return value, lambda: worded.append(name) or (note if isinstance(note, str) else note())

        monkeypatch.setitem(registry.FACT_EXTRACTORS, name, lazy)
    source = "refuser si sans_photo\nrefuser si peu_de_connexions\nsinon accepter\n"
    policy, _ = load_policy(source, "p.tamis", vocabulary())
    assert policy is not None
    engine, explainer = make_engine(EngineName.NATIF, policy), Explainer(policy)

    def explain(**profile) -> str:
        facts = extract_facts(
            invitation(expediteur=sender(**profile)), context(), policy.base_names, {}
        )
        return explainer(engine.decide(facts.values, {}), facts.evidence).explanation

    assert "expediteur.photo = faux" in explain(photo=False, connexions=10)
    assert sorted(worded) == ["peu_de_connexions", "sans_photo"]  # both rules fired, shown
    worded.clear()
    assert "connexions_min" not in explain(photo=False, connexions=500)
    assert worded == ["sans_photo"]  # peu_de_connexions was computed, never shown
