"""The byte test that spares parsing the personal parts of senders a search cannot keep: it
must never turn away a part whose sender ``Filter.sender_ok`` keeps."""

from __future__ import annotations

import sys
import unicodedata
from functools import partial

from hypothesis import given
from hypothesis import strategies as st

from tamis.audit import layout
from tamis.audit.postgres import senders
from tamis.audit.queries import parse_filter


def test_the_characters_folding_to_ascii_are_all_of_them_for_this_python():
    every = (chr(code) for code in range(0x80, sys.maxunicode + 1))
    found = "".join(c for c in every if any(ord(x) < 0x80 for x in c.casefold()))
    assert found == senders.FOLDS_TO_ASCII


def test_the_characters_composing_to_ascii_are_all_of_them_for_this_python():
    """Those whose NFC is ASCII, and the marks that complete a character of
    ``FOLDS_TO_ASCII`` (one ASCII letter and one mark) when they follow another mark; no
    character is one of those followed by more marks (it would compose back into itself)."""
    every = [chr(code) for code in range(0x80, sys.maxunicode + 1)]
    nfc, nfd = (partial(unicodedata.normalize, form) for form in ("NFC", "NFD"))
    singletons = [c for c in every if not c.isascii() and any(x.isascii() for x in nfc(c))]
    pairs = [nfd(c) for c in senders.FOLDS_TO_ASCII if len(nfd(c)) == 2 and nfd(c) != c]
    marks = {pair[1] for pair in pairs}
    completing = [c for c in every if unicodedata.combining(nfd(c)[0]) and marks & set(nfd(c))]
    found = "".join(c for c in singletons + completing if c not in senders.FOLDS_TO_ASCII)
    assert found == senders.COMPOSES_TO_ASCII
    assert not [c for c in every if any(nfd(c).startswith(p) and nfd(c) != p for p in pairs)]


def part(name: str, url: str) -> bytes:
    """A personal part as tamis writes it (canonical JSON), naming this sender."""
    invitation = {"expediteur": {"nom": name, "profil_url": url}, "message": "Bonjour"}
    return layout.canonical({"donnees": {"invitation": invitation}, "sel": "00"})


TEXT = st.text(alphabet=st.sampled_from('aAbKsSß"\\\né ﬁſİ.-/xhȟ\u0331;\u037e`\u1fef'), max_size=12)


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


def test_a_name_that_gives_ascii_once_composed_is_parsed():
    """« xȟ » then U+0331 composes into « xẖ », which folds to « xh » and a mark; U+037E
    composes into « ; »: neither has those ASCII bytes, and both were turned away."""
    for name, wanted in (("xȟ\u0331", "XH"), ("a\u037eb", "a;b"), ("\u1fef", "`")):
        flt = parse_filter(sender=wanted)
        assert flt.sender_ok(name, None)
        assert senders.may_name(flt)(part(name, ""))
