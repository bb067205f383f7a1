"""``quick``: the invitations it builds without pydantic are exactly those the pydantic models
of ``schema`` accept and build; the usual invitations all take it."""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from tamis.invitations import schema
from tamis.invitations.models import Invitation, json_form
from tamis.invitations.quick import quick, quick_invitation
from tamis.invitations.validation import plain, unknown_fields, validate

ROOT = Path(__file__).resolve().parents[2]

NFD = unicodedata.normalize("NFD", "Rencontrée au café")
# Values of every JSON kind, with the edge cases of each field's rules.
TEXTS = st.one_of(
    st.text(max_size=6),
    st.sampled_from([
        "", " ", "\u00a0", "\x1c", "\u2003x", "café", NFD,
        "2015", "2015-03", "2015-13", "0000-00", "2026-01-29T14:37:00Z", "2026-01-29",
        "2026-13-01T00:00:00", "https://x.y/p.jpg", " http://a ", "http://", "moi.png",
        "entrante", "sortante", "personne", "entreprise", "Entrante",
    ]),
)  # fmt: skip
NUMBERS = st.one_of(
    st.integers(min_value=-3, max_value=3),
    st.sampled_from([10**18 - 1, 10**18, -(10**18), 2**63, 1.0, 0.5, float("nan")]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXTS)
ANY = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=2), st.dictionaries(st.sampled_from(["ecole", "x"]), inner)
    ),
    max_leaves=4,
)
# Each field's values of its own kind, then the edge cases just outside it.
MONTHS = st.sampled_from(["2015", "2015-03", "1999-12", None])
COUNTS = st.one_of(st.integers(0, 3), st.sampled_from([10**18 - 1, None]))
WHEN = st.sampled_from([
    "2026-01-29T14:37:00Z", "2026-01-29T14:37:00.5+02:00", "2026-01-29", "2026-01-29T14:37", None,
])  # fmt: skip
EDGES = st.sampled_from([
    "2015-13", "mars 2015", "2015-3", 10**18, -1, True, 1.0, "hier", "2026-02-30T00:00:00",
    20260129, "Personne", "in", "moi.png", " ", "", [], {},
])  # fmt: skip


def usually(valid: st.SearchStrategy) -> st.SearchStrategy:
    """A field's value: most often one of its own kind, now and then anything."""
    return st.integers(0, 23).flatmap(lambda n: ANY if n == 0 else EDGES if n == 1 else valid)


def objects(values: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    """Objects with some of the keys of ``values`` (and now and then an unknown one)."""
    return st.fixed_dictionaries(
        {}, optional={**{k: usually(v) for k, v in values.items()}, "inconnu": ANY}
    )


PERSON = objects({"nom": TEXTS, "profil_url": TEXTS})
POSITION = objects({"entreprise": TEXTS, "poste": TEXTS, "debut": MONTHS, "fin": MONTHS})
SCHOOL = objects({
    "ecole": TEXTS, "diplome": TEXTS, "domaine": TEXTS, "debut": MONTHS, "fin": MONTHS,
})  # fmt: skip
SENDER = objects({
    "nom": TEXTS, "profil_url": TEXTS, "titre": TEXTS, "entreprise": TEXTS, "poste": TEXTS,
    "secteur": TEXTS, "localisation": TEXTS,
    "type": st.sampled_from(["personne", "entreprise", None]),
    "photo": st.one_of(st.booleans(), st.sampled_from(["https://x.y/p", " http://a "])),
    "experiences": st.lists(POSITION, max_size=2),
    "formation": st.lists(st.one_of(SCHOOL, TEXTS), max_size=2),
    "centres_interet": st.lists(TEXTS, max_size=2),
    "competences": st.lists(TEXTS, max_size=2),
    "connexions": COUNTS, "recommandations": COUNTS, "relations_communes": COUNTS,
})  # fmt: skip
INVITATIONS = usually(
    st.builds(
        lambda ident, rest: {"id": ident, **rest},
        usually(st.text(min_size=1, max_size=4)),
        objects({
        "recue_le": WHEN,
        "sens": st.sampled_from(["entrante", "sortante", None]),
        "message": st.one_of(st.none(), TEXTS), "inmail": st.one_of(st.none(), TEXTS),
        "relation_declaree": TEXTS, "expediteur": SENDER, "destinataire": PERSON,
        }),
    )
)  # fmt: skip


def by_the_models(raw: object) -> Invitation | None:
    try:
        return plain(schema.Invitation.model_validate(raw), Invitation)
    except ValidationError:
        return None


@given(INVITATIONS)
@example({"id": "a", "recue_le": "2026-01-29T14:37:00Z"})
@example({"id": " "})
@example({"id": "\x1c"})
@example({"id": "a", "expediteur": None})
@example({"id": "a", "message": None, "inmail": None})
@example({"id": "a", "expediteur": {"formation": ["UQAM", {"ecole": "HEC"}]}})
@example({"id": "a", "expediteur": {"photo": " https://x.y/p.png "}})
@example({"id": "a", "expediteur": {"photo": 1}})
@example({"id": "a", "expediteur": {"photo": "moi.png"}})
@example({"id": "a", "expediteur": {"connexions": 10**18 - 1}})
@example({"id": "a", "expediteur": {"connexions": 10**18}})
@example({"id": "a", "expediteur": {"experiences": [{"debut": "2015-13"}]}})
@example({"id": "a", "message": NFD, "expediteur": {"competences": [NFD], "nom": NFD}})
def test_quick_builds_only_what_the_models_build(raw):
    quick = quick_invitation(raw)
    if quick is None:
        return
    reference = by_the_models(raw)
    assert reference is not None, "the quick path accepted an invalid invitation"
    assert quick == reference
    assert quick.recue_le_iso() == reference.recue_le_iso()
    assert repr(quick) == repr(reference)  # the same types inside, not only equal values


@given(INVITATIONS)
@example({"id": "a", "recue_le": "2026-01-29T14:37:00.5Z", "message": None})
@example({"id": "a", "recue_le": "2026-01-29T14:37:00+02:00", "expediteur": {"formation": ["x"]}})
def test_the_json_form_is_the_models_json(raw):
    try:
        model = schema.Invitation.model_validate(raw)
    except ValidationError:
        return
    expected = model.model_dump(mode="json", exclude_none=True)
    assert json_form(plain(model, Invitation)) == expected


@given(INVITATIONS)
def test_validate_answers_as_the_models_do(raw):
    """Whichever path it takes, ``validate`` accepts what the models accept, as they build it."""
    invitation, errors, _ = validate(raw, "ligne 1")
    assert invitation == by_the_models(raw)
    assert (invitation is None) == bool(errors)


@given(INVITATIONS)
@example({"id": "a", "inconnu": 1})
@example({"id": "a", "expediteur": {"experiences": [{"poste": "x"}, {"x": 1}]}})
@example({"id": "a", "expediteur": {"formation": ["UQAM", {"ecole": "HEC", "x": 1}]}})
@example({"id": "a", "destinataire": {"nom": "x", "x": 1}})
def test_the_quick_pass_notes_exactly_the_records_with_an_unknown_key(raw):
    """``validate`` looks for unknown fields only when the quick pass met a stray key: a
    record it vouches for as all known must have none, and one with any must be noted."""
    found = quick(raw)
    if found.invitation is None:
        return
    assert found.all_known == (unknown_fields(Invitation, raw) == [])


def usual_invitations() -> list[dict]:
    sys.path.insert(0, str(ROOT / "bench"))
    import generer

    lines = (ROOT / "policies" / "exemples" / "invitations.jsonl").read_text(encoding="utf-8")
    shipped = [json.loads(line) for line in lines.splitlines() if line.strip()]
    return shipped + list(generer.generate(500, 2026))


def test_every_usual_invitation_takes_the_quick_path():
    for raw in usual_invitations():
        quick = quick_invitation(raw)
        assert quick is not None, raw
        assert quick == by_the_models(raw)
