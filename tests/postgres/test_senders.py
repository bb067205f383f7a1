"""The byte test that spares parsing the personal parts of senders a search cannot keep: it
must never turn away a part whose sender ``Filter.sender_ok`` keeps."""

from __future__ import annotations

import sys

from hypothesis import given
from hypothesis import strategies as st

from tamis.audit import layout
from tamis.audit.postgres import senders
from tamis.audit.queries import parse_filter


def test_the_characters_folding_to_ascii_are_all_of_them_for_this_python():
    every = (chr(code) for code in range(0x80, sys.maxunicode + 1))
    found = "".join(c for c in every if any(ord(x) < 0x80 for x in c.casefold()))
    assert found == senders.FOLDS_TO_ASCII


def part(name: str, url: str) -> bytes:
    """A personal part as tamis writes it (canonical JSON), naming this sender."""
    invitation = {"expediteur": {"nom": name, "profil_url": url}, "message": "Bonjour"}
    return layout.canonical({"donnees": {"invitation": invitation}, "sel": "00"})


TEXT = st.text(alphabet=st.sampled_from('aAbKsSß"\\\né ﬁſİ.-/x'), max_size=12)


@given(name=TEXT, url=TEXT, wanted=TEXT.filter(lambda w: w.strip() != ""))
def test_a_part_whose_sender_is_kept_always_passes_the_byte_test(name, url, wanted):
    flt = parse_filter(sender=wanted)
    data = part(name, url)
    if flt.sender_ok(name, url):
        assert senders.may_name(flt)(data)
    assert senders.kept("postgresql://h/b", flt)(1, data, None) == flt.sender_ok(name, url)


def test_a_part_naming_someone_else_is_not_parsed():
    flt = parse_filter(sender="tremblay")
    assert not senders.may_name(flt)(part("Karim Lavoie", "https://linkedin.com/in/kl"))
    assert senders.may_name(flt)(part("Julie TREMBLAY", ""))
    assert senders.may_name(flt)(part("Straße", ""))  # ß folds to ss: parsed
