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
