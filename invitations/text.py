"""Text normalisation shared by the built-in facts: case, accents, punctuation, spacing, stems.

Sits under the facts (``tamis.invitations.facts``): they compare what a sender wrote with
lexicons and with the user's context, in French and English, so both sides go through the
same ``normalise`` first. Stemming is deliberately simple (suffix stripping): it only has to
make « marketeur », « marketing » and « Marketing » meet, and « médias sociaux » meet
« social media ».

The helpers are pure, and the same texts come back again and again within an invitation
(several facts read the note) and across a batch (titles, employers, skills, the user's
domains), so ``normalise``, ``stem``, ``stems`` and ``related_name`` keep their recent
results in bounded caches (``CACHE_SIZE`` entries each); the facts cache their per-text
analyses the same way. ``Phrases`` holds a lexicon searched in normalised texts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
_NON_WORD = re.compile(r"[^\w]+")

_STOPWORDS = """a au aux avec ce ces chez d dans de des du en et il j l la le les leur lui ma
    mais me mes mon n ne nos notre nous on ou par pas pour qu que qui s sa se ses son sur ta te tes
    ton tu un une vos votre vous y an and are as at be by for from i in is it its me my of on
    or our so the to us we with you your"""
STOPWORDS = frozenset(_STOPWORDS.split())

# Longest first: the first suffix that leaves a long enough stem is removed.
_SUFFIXES = (
    "issements", "issement", "ements", "ement", "ations", "ation", "atrices", "atrice",
    "ateurs", "ateur", "iques", "ique", "ismes", "isme", "istes", "iste", "ities", "ity",
    "ites", "ite", "euses", "euse", "eurs", "eur", "ings", "ing", "ers", "er", "ies", "ed",
    "aux", "es", "s", "x", "e",
)  # fmt: skip


LOOKALIKES = dict(
    zip(
        "АВЕЗІЈКМНОРЅСТХУаеһіјорԛѕсԝхуԁɡıΑΒΕΖΗΙΚΜΝΟΡΤΥΧαιονρυ",
        "ABE3IJKMHOPSCTXYaehijopqscwxydgiABEZHIKMNOPTYXaiovpu",
        strict=True,
    )
)
"""Cyrillic and Greek letters (and a few Latin ones) drawn like a Latin letter, after
Unicode's confusables (UTS #39), mapped to it: « Bоuchard » with a Cyrillic о is
« Bouchard » on screen, and meets the contact « Bouchard ». Fullwidth and mathematical
letters need no entry: NFKD already makes them Latin."""


class _Unseen(dict[int, int | None]):
    """A ``str.translate`` table making ``LOOKALIKES`` Latin and deleting combining marks
    and invisible format characters
    (Unicode category Cf: zero-width space and joiners, soft hyphen, direction marks, word
    joiner, BOM), filled as characters are met. A zero-width space (U+200B) inside « Bouchard »
    shows nothing, but used to split the name in two words: a cloned profile could carry a
    contact's name that looked the same and never met it (``homonyme_d_un_contact``)."""

    def __missing__(self, code: int) -> int | None:
        character = chr(code)
        unseen = unicodedata.combining(character) or unicodedata.category(character) == "Cf"
        kept = None if unseen else ord(LOOKALIKES.get(character, character))
        self[code] = kept
        return kept


_WITHOUT_MARKS = _Unseen()
CACHE_SIZE = 8192  # distinct texts kept per cached helper: a batch's recurring texts


def fold(text: str) -> str:
    """Lower case in Latin letters, without accents nor invisible characters: « Médias
    Sociaux » -> « medias sociaux »."""
    unified = text.translate(_APOSTROPHES)
    if unified.isascii():  # nothing to decompose
        return unified.casefold()
    decomposed = unicodedata.normalize("NFKD", unified)
    return decomposed.translate(_WITHOUT_MARKS).casefold()


@lru_cache(maxsize=CACHE_SIZE)
def normalise(text: str) -> str:
    """Folded text with punctuation turned into single spaces and the ends trimmed."""
    return " ".join(_NON_WORD.sub(" ", fold(text).replace("_", " ")).split())


def words(text: str) -> list[str]:
    """The normalised words of ``text``, in order."""
    return normalise(text).split()


@lru_cache(maxsize=CACHE_SIZE)
def stem(word: str) -> str:
    """A crude French/English stem: strips one common suffix, keeping at least 4 letters."""
    if word.endswith("aux") and len(word) > 5:
        return word[:-3] + "al"
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=CACHE_SIZE)
def stems(text: str) -> frozenset[str]:
    """The stems of the meaningful words of ``text`` (stop words dropped)."""
    return frozenset(stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1)


def contains_phrase(haystack: str, phrase: str) -> bool:
    """Whether the normalised ``phrase`` occurs in normalised ``haystack`` on word bounds."""
    return f" {phrase} " in f" {haystack} "


def matching(haystack: str, phrases: Iterable[str]) -> list[str]:
    """The phrases (already normalised) that occur in the normalised ``haystack``."""
    padded = f" {haystack} "
    return [p for p in phrases if f" {p} " in padded]


class Phrases:
    """A lexicon of normalised phrases, found on word bounds in normalised texts.

    Gives the same answer as ``matching`` (declared order, duplicates kept), but indexes the
    phrases by their first word so that a text is only searched for the phrases that start
    with one of its words.
    """

    def __init__(self, phrases: Iterable[str]) -> None:
        self.phrases = tuple(phrases)
        if not all(self.phrases):
            raise ValueError("a lexicon phrase is empty once normalised")
        self._by_first_word: dict[str, list[int]] = {}
        for position, phrase in enumerate(self.phrases):
            self._by_first_word.setdefault(phrase.split(" ", 1)[0], []).append(position)

    def positions(self, haystack: str) -> list[int]:
        """The positions, in declared order, of the phrases occurring in ``haystack``."""
        starts = self._by_first_word.keys() & haystack.split()
        candidates = sorted(i for word in starts for i in self._by_first_word[word])
        padded = f" {haystack} "
        return [i for i in candidates if f" {self.phrases[i]} " in padded]

    def found_in(self, haystack: str) -> list[str]:
        """The phrases occurring in the normalised ``haystack``, as ``matching`` lists them."""
        return [self.phrases[i] for i in self.positions(haystack)]


def disguised(text: str) -> bool:
    """True if ``text`` imitates Latin writing: it holds an invisible format character, or
    Latin letters mixed with ``LOOKALIKES`` (« Bоuchard » with a Cyrillic о). A name
    written wholly in Cyrillic or Greek is not disguised."""
    if any(unicodedata.category(c) == "Cf" for c in text):
        return True
    if not any(c in LOOKALIKES for c in text):
        return False
    return any(c.isalpha() and c not in LOOKALIKES and _latin(c) for c in text)


def _latin(character: str) -> bool:
    return unicodedata.name(character, "").startswith("LATIN ")


def blank(text: str) -> bool:
    """True if ``text`` shows nothing: only spaces and invisible format characters."""
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in text)


def same_name(left: str, right: str) -> bool:
    """Loose equality of two names (people, companies, schools) after normalisation."""
    a, b = normalise(left), normalise(right)
    return bool(a) and a == b


@lru_cache(maxsize=CACHE_SIZE)
def related_name(left: str, right: str) -> bool:
    """Two organisation names that designate the same body: equal, or one contains the other.

    « Ludis Media » and « Ludis Media inc » are related; « UQAM » and
    « Université du Québec à Montréal (UQAM) » too.
    """
    a, b = normalise(left), normalise(right)
    if not a or not b:
        return False
    return a == b or contains_phrase(a, b) or contains_phrase(b, a)
