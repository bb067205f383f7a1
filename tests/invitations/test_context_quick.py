"""``context.quick_context_file``: the context documents it reads without pydantic are exactly
those the pydantic models of ``context_schema`` accept, read the same way."""

from __future__ import annotations

import datetime
import tomllib
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from tamis.invitations import context_schema
from tamis.invitations.context import quick_context_file

ROOT = Path(__file__).resolve().parents[2]

ODD = st.sampled_from([1, 1.5, True, "x", [], ["a", 1], {}, datetime.date(2026, 1, 1)])
TEXTS = st.lists(st.sampled_from(["UQAM", "", "café", "https://linkedin.com/in/x"]), max_size=2)


def usually(valid: st.SearchStrategy) -> st.SearchStrategy:
    """A value of its own kind most often, now and then something else."""
    return st.integers(0, 11).flatmap(lambda n: ODD if n == 0 else valid)


def table(values: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    optional = {key: usually(value) for key, value in values.items()}
    return st.fixed_dictionaries({}, optional={**optional, "inconnue": st.just(1)}).map(
        lambda found: {k: v for k, v in found.items() if k != "inconnue" or len(found) % 7 == 0}
    )


ME = table({
    "nom": st.sampled_from(["Léa Roy", ""]), "domaines": TEXTS, "entreprises": TEXTS,
    "ecoles": TEXTS, "langues": TEXTS,
})  # fmt: skip
NETWORK = table({"contacts": TEXTS, "fichiers": TEXTS})
PARAMETERS = st.dictionaries(
    st.sampled_from(["connexions_min", "seuil", "mots"]),
    st.one_of(st.integers(-2, 2), st.floats(), st.booleans(), st.text(max_size=3), TEXTS, ODD),
)
DOCUMENTS = table({
    "moi": ME, "reseau": NETWORK, "parametres": PARAMETERS, "conservation": st.just("365j"),
})  # fmt: skip


def by_the_models(document: dict):
    try:
        return context_schema.plain(context_schema.ContextFile.model_validate(document))
    except ValidationError:
        return None


@given(DOCUMENTS)
@example({"moi": {"nom": 3}})
@example({"moi": {"domaines": ["a", 1]}})
@example({"reseau": {"contacts": "x"}})
@example({"parametres": {"x": datetime.date(2026, 1, 1)}})
@example({"parametres": {"x": ["a", 2]}})
@example({"conservation": 365})
@example({"autre": {}})
@example({"moi": {"age": 3}})
def test_quick_reads_only_what_the_models_read(document):
    quick = quick_context_file(document)
    reference = by_the_models(document)
    if quick is not None:
        assert reference is not None, "the quick reading accepted a document the models refuse"
        assert quick == reference
        assert repr(quick) == repr(reference)


@pytest.mark.parametrize("path", sorted((ROOT / "policies" / "exemples").glob("*.toml")))
def test_the_shipped_contexts_take_the_quick_reading(path):
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    assert quick_context_file(document) is not None
    assert quick_context_file(document) == by_the_models(document)
