"""read_invitations never raises on bad input: random text, mutated JSON and CSV samples."""

from __future__ import annotations

import io

from hypothesis import example, given, settings
from hypothesis import strategies as st
from invitation_helpers import EXAMPLES, example_context

from tamis.invitations.extract import builtin_names, extract_facts
from tamis.invitations.reader import read_invitations

SAMPLES = [
    (EXAMPLES / "invitations.jsonl").read_text(encoding="utf-8")[:3000],
    (EXAMPLES / "Invitations.csv").read_text(encoding="utf-8"),
    '[{"id": "a", "expediteur": {"connexions": 3}}, {"id": "b"}]',
]


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(SAMPLES))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 20))
        insert = draw(st.text(alphabet=',"{}[]:\n\r\ufeff0123456789-aé ', max_size=6))
        text = text[:at] + insert + text[at + cut :]
    return text


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=300), mutated()))
@example("\r" + SAMPLES[1])  # a carriage return before the header: csv.Error, a traceback
def test_reading_and_extracting_never_raise(text):
    context = example_context()
    for record in read_invitations(io.StringIO(text), name="fuzz", sens="toutes"):
        assert record.location.startswith("fuzz")
        assert (record.invitation is None) == bool(record.errors)
        if record.invitation is not None:
            extract_facts(record.invitation, context, sorted(builtin_names()), {})
