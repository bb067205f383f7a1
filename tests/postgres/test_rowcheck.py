"""``rowcheck.decision_copies``, the verifier's quick way to a decision row's copies, must give
exactly what ``expected_copies`` (the definition, what every writer computes) gives, or step
aside (None): for every row tamis writes, and for contents and personal parts of any shape."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import checked, decide, fill

from tamis.audit import layout
from tamis.audit.chain import content_flaw
from tamis.audit.journal import open_journal
from tamis.audit.personal import KEY, personal_part, tombstone
from tamis.audit.postgres import rows
from tamis.audit.postgres.rowcheck import (
    COLUMNS,
    as_bytes,
    copies_hold,
    decision_copies,
    digest_of,
    expected_copies,
)


def row_bytes(row: rows.Row) -> tuple:
    """A row as the verifier reads it from a binary ``COPY`` (``rowcheck.COLUMNS``)."""
    values = row._asdict()
    return as_bytes(tuple(values[name] for name in COLUMNS))


def journal_rows(path: Path) -> list[tuple]:
    return [row_bytes(rows.row_of(line)) for line in path.read_bytes().splitlines()]


def test_every_decision_tamis_writes_takes_the_quick_way_to_the_same_copies(tmp_path):
    path = tmp_path / "journal.jsonl"
    policy = checked()
    fill(path, policy, 30)
    with open_journal(path) as journal:  # a decision that quotes its evidence
        journal.record_decision(
            decide(policy, evidence={"sans_photo": 'Guillemets " et \\ \n 🙂'}),
            policy=policy,
            invitation={"id": 'inv-é"\\', "expediteur": {"nom": 'Zoé "Z" Côté'}},
            context_sha256=None,
        )
    found = journal_rows(path)
    decisions = [row for row in found if row[3] == b"decision"]
    assert len(decisions) == 31
    for row in decisions:
        assert decision_copies(row) == expected_copies(row) and row[8:15] == expected_copies(row)
    assert all(decision_copies(row) is None for row in found if row[3] != b"decision")


def test_an_erased_decision_takes_the_quick_way_too(tmp_path):
    path = tmp_path / "journal.jsonl"
    fill(path, checked(), 3)
    row = rows.row_of(path.read_bytes().splitlines()[2])
    part = orjson.loads(row.donnees_personnelles)
    stone = layout.canonical(tombstone(part, 9, "2026-12-02T00:00:00Z", "demande")).decode()
    erased = row_bytes(row._replace(donnees_personnelles=stone, expediteur=None))
    assert decision_copies(erased) == expected_copies(erased) is not None


SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text('aé"\\', max_size=3))
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text("ab"), inner, max_size=2),
    max_leaves=4,
)
TRUTH = st.sampled_from([None, True, False])
FACTS = st.dictionaries(st.sampled_from(["a", "b", "sans_photo"]), TRUTH | VALUE, max_size=3)
SENDER = st.fixed_dictionaries({}, optional={"nom": VALUE, "profil_url": VALUE})
INVITATION = st.fixed_dictionaries({}, optional={"expediteur": SENDER | VALUE}) | VALUE
POLICY = st.one_of(VALUE, st.fixed_dictionaries({}, optional={"sha256": VALUE, "nom": VALUE}))
TEXT = st.text('aé"\\', max_size=3)
RULE = st.fixed_dictionaries({"decision": TEXT, "ligne": st.integers(1, 9), "regle": TEXT})
NODE = st.fixed_dictionaries({"condition": TEXT, "valeur": TRUTH}, optional={"detail": VALUE})
TRACE = st.lists(st.fixed_dictionaries({"condition": NODE, "regle": TEXT}), max_size=2)
OTHERS = {
    "regle": VALUE,
    "motif": VALUE,
    "faits": FACTS | VALUE,
    "faits_derives": FACTS | VALUE,
    "invitation": INVITATION,
    "trace": TRACE | st.lists(VALUE, max_size=2) | VALUE,
    "explication": VALUE,
    "resolution": VALUE,
    "declenchees": st.lists(RULE | VALUE, max_size=2) | VALUE,
    "inconnues": st.lists(RULE | VALUE, max_size=2) | VALUE,
    "parametres": VALUE,
    "preuves": VALUE,
}
USUAL = st.fixed_dictionaries(
    {
        "decision": TEXT,
        "id": TEXT,
        "regle": TEXT,
        "explication": TEXT,
        "resolution": TEXT,
        "declenchees": st.lists(RULE, max_size=2),
        "inconnues": st.lists(RULE, max_size=2),
        "politique": st.fixed_dictionaries({"sha256": TEXT}, optional={"nom": VALUE}),
        "faits": FACTS,
        "invitation": INVITATION,
        "trace": TRACE,
    },
    optional={
        "motif": VALUE,
        "faits_derives": st.dictionaries(st.sampled_from(["c", "d"]), TRUTH, max_size=2),
    },
)
"""Contents the quick way takes (when the personal part allows it)."""
CONTENT = USUAL | st.fixed_dictionaries(
    {}, optional={"decision": VALUE, "id": VALUE, "politique": POLICY, **OTHERS}
)
DATA = st.fixed_dictionaries(
    {},
    optional={
        "invitation": INVITATION,
        "faits": FACTS | VALUE,
        "details": st.dictionaries(st.sampled_from(["0", "0.e0"]), VALUE, max_size=1) | VALUE,
        "explication": VALUE,
    },
)
STONE = {"effacement": {"le": "2026-12-02", "motif": "demande", "seq": 9}, "engagement": "0" * 64}
USUAL_DATA = st.fixed_dictionaries(
    {"faits": FACTS},
    optional={"invitation": INVITATION, "details": st.just({"0": "x"}), "explication": VALUE},
)
"""Personal data as tamis writes it (or with facts and details to put back)."""
STONES = st.sampled_from([STONE, {**STONE, "effacement": 1}, {**STONE, "sel": "00"}])
PARTS = (DATA | USUAL_DATA).map(lambda data: layout.canonical(personal_part(data, "00" * 16)))
PERSONAL = st.one_of(
    st.none(),
    st.just(layout.canonical(STONE)),
    PARTS,
    VALUE.map(lambda value: layout.canonical({"donnees": value, "sel": "00" * 16})),
    st.sampled_from([b"null", b"[1]", b"{", b'{"donnees":{"invitation":{}}']),
)
COPIES = st.tuples(*[st.none() | st.binary(max_size=4)] * 7)


def slow(row: tuple) -> object:
    """``expected_copies``: it never raises, whatever the row holds (the verifier would stop
    on it with a traceback instead of naming the row)."""
    return expected_copies(row)


ENVELOPE = (b"0" * 64, b"decision", b"2026-12-02T00:00:00Z", b"0" * 64, 3, 3)
DECISION = {
    "decision": "refuser",
    "id": "i",
    "regle": "r",
    "explication": "e",
    "resolution": "première_applicable",
    "declenchees": [],
    "inconnues": [],
    "politique": {"sha256": "s"},
}
"""The least a decision's content holds (``chain.decision_flaw``)."""


def quick_or_aside(content: object, personal: bytes | None, event: bytes, copies: tuple) -> None:
    envelope = (ENVELOPE[0], event, *ENVELOPE[2:])
    row = (layout.canonical(content), personal, *envelope, *copies)
    quick, definition = decision_copies(row), slow(row)
    assert quick is None or quick == definition
    if flawed(content, personal, event):  # a row of another shape is damaged, never intact
        assert definition is None and not copies_hold(row)


def flawed(content: object, personal: bytes | None, event: bytes) -> bool:
    """True if a row's content or personal part is not of the record format."""
    record = {"contenu": content, "evenement": event.decode()}
    try:
        if personal is not None:
            record[KEY] = orjson.loads(personal)
    except orjson.JSONDecodeError:
        return True
    return content_flaw(record) is not None


@settings(max_examples=300)
@given(content=USUAL, personal=st.none() | STONES.map(layout.canonical) | PARTS, copies=COPIES)
def test_a_usual_decision_s_quick_copies_are_the_definition_s(content, personal, copies):
    quick_or_aside(content, personal, b"decision", copies)
    if personal is None and not flawed(content, None, b"decision"):  # the quick way is taken
        assert decision_copies((layout.canonical(content), None, *ENVELOPE, *copies)) is not None


@settings(max_examples=300)
@given(
    content=CONTENT | VALUE,
    personal=PERSONAL,
    event=st.sampled_from([b"decision", b"politique"]),
    copies=COPIES,
)
def test_any_other_row_gets_the_definition_s_copies_or_none(content, personal, event, copies):
    quick_or_aside(content, personal, event, copies)


def test_a_content_that_is_not_json_steps_aside():
    row = (b'{"decision":', None, b"0" * 64, b"decision", b"t", b"0" * 64, 3, 3, *[None] * 7)
    assert decision_copies(row) is None and expected_copies(row) is None


def test_facts_that_are_equal_in_python_but_not_in_json_get_their_own_profile():
    """``True == 1 == 1.0`` in Python: the profiles kept by the facts' JSON tell them apart."""
    profiles = []
    for value in (True, 1, 1.0, None, False, 0):
        content = {**DECISION, "faits": {"sans_photo": value}}
        row = (layout.canonical(content), None, *ENVELOPE, *[None] * 7)
        assert decision_copies(row) == expected_copies(row)
        profiles.append(decision_copies(row)[5])
    assert profiles == [
        b'[["sans_photo","vrai"]]',
        b"[]",
        b"[]",
        b'[["sans_photo","inconnu"]]',
        b'[["sans_photo","faux"]]',
        b"[]",
    ]


ENVELOPE_TEXTS = st.text(st.characters(codec="utf-8"), max_size=12)


@settings(max_examples=200)
@given(
    event=st.sampled_from(["decision", "politique"]) | ENVELOPE_TEXTS,
    moment=st.just("2026-12-02T00:00:00Z") | ENVELOPE_TEXTS,
    data=st.dictionaries(st.text(max_size=5), st.text(max_size=8) | st.none(), max_size=3),
    with_personal=st.booleans(),
)
def test_a_row_s_digest_from_its_bytes_is_its_record_s_digest(event, moment, data, with_personal):
    """``digest_of`` (the envelope's bytes put in place when JSON writes them as they are,
    rendered as JSON otherwise) gives ``layout.record_digest`` of the record the row holds."""
    record = {
        "contenu": {"decision": "refuser", "texte": 'é "🙂"'},
        "evenement": event,
        "horodatage": moment,
        "precedente": "0" * 64,
        "seq": 12,
        "version": 3,
    }
    if with_personal:
        record["donnees_personnelles"] = personal_part(data, "ab" * 16)
    personal = record.get("donnees_personnelles")
    row = (
        layout.canonical(record["contenu"]),
        None if personal is None else layout.canonical(personal),
        b"",
        *(event.encode(), moment.encode(), record["precedente"].encode(), 12, 3),
    )
    assert digest_of(row) == layout.record_digest(record).encode()
