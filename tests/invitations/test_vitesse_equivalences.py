"""The fast paths of the fact extraction give exactly the answers of the plain definitions.

Each shortcut taken for speed (plain addresses read without ``urlsplit``, accents removed
with a translation table, lexicons indexed by first word, cached text helpers, key sets
compared for unknown fields) is checked here against a straightforward reference.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tamis.invitations.context import profile_key
from tamis.invitations.facts.commercial import LEXICON, analyse
from tamis.invitations.models import Invitation
from tamis.invitations.photo import is_default_avatar
from tamis.invitations.text import LOOKALIKES, Phrases, fold, matching, normalise
from tamis.invitations.urls import plain_host_and_path
from tamis.invitations.validation import unknown_fields

URL_CHARS = "abcAZ09.-_~/:@?#%[]+=&;é \t\n\x0b\x1c\x01"
urls = st.builds(
    lambda scheme, rest: scheme + rest,
    st.sampled_from(["", "http://", "https://", "HTTPS://", "ftp://", "https:", "//"]),
    st.text(alphabet=URL_CHARS, max_size=40),
)


@settings(max_examples=400, deadline=None)
@given(urls)
@example("https://www.linkedin.com/in/jade-b-1234")
@example("https://media.licdn.com/dms/image/D4E03AQ/profile?e=17&v=beta#x")
def test_plain_addresses_read_as_urlsplit_reads_them(url):
    plain = plain_host_and_path(url)
    if plain is not None:
        parts = urlsplit(url)
        assert plain == ((parts.hostname or ""), parts.path)


def test_linkedin_addresses_take_the_fast_path():
    assert plain_host_and_path("https://www.linkedin.com/in/jade-b-1234/") == (
        "www.linkedin.com",
        "/in/jade-b-1234/",
    )
    assert plain_host_and_path("https://static.licdn.com/sc/h/ghost.png?v=1") == (
        "static.licdn.com",
        "/sc/h/ghost.png",
    )
    assert plain_host_and_path("https://user@host/x") is None
    assert plain_host_and_path("https://host:443/x") is None
    assert plain_host_and_path("https://host/%C3%A9") is None


def reference_profile_key(url: str) -> str:
    try:
        parts = urlsplit(url.strip() if "://" in url else f"https://{url.strip()}")
        host = parts.hostname or ""
    except ValueError:
        return url.strip().casefold()
    if host.endswith("linkedin.com"):
        host = "linkedin.com"
    return f"{host}{unquote(parts.path).rstrip('/')}".casefold()


linkedin_urls = st.builds(
    lambda scheme, host, rest, ends: ends + scheme + host + rest + ends,
    st.sampled_from(["http://", "https://", "HTTPS://", "", "https:", "ftp://"]),
    st.sampled_from(["linkedin.com", "www.LinkedIn.com", "ca.linkedin.com", "xlinkedin.com",
                     "linkedin.com.evil", "linkedin.com:443", "u@linkedin.com", "[linkedin.com"]),
    st.text(alphabet="/inJé-_?#%=&20 \t", max_size=24),
    st.sampled_from(["", " ", "\u2003", "\n"]),
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(linkedin_urls)
@example(" https://CA.LinkedIn.com/in/Jade-B/?trk=x ")
@example("https://www.linkedin.com/in/luc-côté-8530/\u2003")
@example("https://www.linkedin.com")
def test_linkedin_profile_keys_match_the_urlsplit_definition(url):
    assert profile_key(url) == reference_profile_key(url)


def reference_is_default_avatar(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
        host, path = (parts.hostname or "").casefold(), parts.path
    except ValueError:
        host, path = "", url
    static = re.search(r"static(-exp\d+)?\.licdn\.com$", host)
    avatar = re.search(r"ghost|default[-_]?avatar|avatar[-_]?default|no[-_]?photo", path, re.I)
    return bool(static or avatar)


@settings(max_examples=400, deadline=None)
@given(urls)
@example(" https://CA.LinkedIn.com/in/Jade-B/?trk=x ")
@example("https://static-exp1.licdn.com/sc/h/ghost-person.png")
def test_profile_keys_and_avatars_match_the_urlsplit_definitions(url):
    assert profile_key(url) == reference_profile_key(url)
    assert is_default_avatar(url) == reference_is_default_avatar(url)


def reference_fold(text: str) -> str:
    apostrophes = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
    decomposed = unicodedata.normalize("NFKD", text.translate(apostrophes))
    unseen = [c for c in decomposed if unicodedata.combining(c) or unicodedata.category(c) == "Cf"]
    latin = (LOOKALIKES.get(c, c) for c in decomposed if c not in unseen)
    return "".join(latin).casefold()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
@example("Médias SOCIAUX — Ĺ’été ﬁn ǅ ẞ \u0301e")
@example("Bou\u200bchard\u00ad \u200e\u2060\ufeffdé\u200dmo")
@example("Olivier Bоuchard ΟΛΙΒΙΕΡ Йо")
def test_fold_removes_marks_as_the_character_by_character_definition(text):
    assert fold(text) == reference_fold(text)


WORDS = ["notre", "produit", "demo", "a", "de", "15", "minutes", "our", "services", "x"]
phrases = st.lists(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join), max_size=12
)


@settings(max_examples=300, deadline=None)
@given(phrases, st.lists(st.sampled_from(WORDS), max_size=15).map(" ".join))
def test_indexed_lexicons_find_what_a_scan_finds(lexicon, text):
    assert Phrases(lexicon).found_in(text) == matching(text, lexicon)


def test_lexicon_positions_keep_declared_order_and_duplicates():
    lexicon = Phrases(["panel", "notre produit", "demo", "panel"])
    assert lexicon.positions("un panel et une demo de notre produit") == [0, 1, 2, 3]


def test_cached_analyses_score_as_the_plain_formula():
    text = "Réservez une démo de notre solution : essai gratuit, prix spécial, 15 minutes!"
    result = analyse(text, "message")
    padded = f" {normalise(text)} "
    remaining = 1.0
    for weight, cues in LEXICON.values():
        found = {normalise(c) for c in cues if f" {normalise(c)} " in padded}
        remaining *= (1 - weight) ** len(found)
    assert result.score == round(1 - remaining, 2)
    assert analyse(text, "message") is result  # cached: the same analysis


def test_unknown_fields_keep_the_input_order_across_nested_objects():
    raw = {
        "destinataire": {"age": 3},
        "humeur": "x",
        "id": "a",
        "expediteur": {"formation": [{"note": 1}, "UQAM"], "experiences": [{"salaire": 1}]},
    }
    assert unknown_fields(Invitation, raw) == [
        "destinataire.age",
        "humeur",
        "expediteur.formation[0].note",
        "expediteur.experiences[0].salaire",
    ]


def test_unknown_fields_inside_two_nested_objects_follow_the_input_order():
    raw = {
        "id": "a",
        "destinataire": {"age": 3},
        "expediteur": {"experiences": [{"salaire": 1}, "x"], "formation": [{"note": 2}]},
    }
    assert unknown_fields(Invitation, raw) == [
        "destinataire.age",
        "expediteur.experiences[0].salaire",
        "expediteur.formation[0].note",
    ]
    assert unknown_fields(Invitation, {"id": "a", "expediteur": {"nom": "N"}}) == []
