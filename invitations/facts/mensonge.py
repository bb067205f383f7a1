"""The « mensonge » fact: a claimed shared past that the user's context contradicts.

The blog: « Si vous inscrivez que nous sommes d'anciens collègues et que c'est faux… je ne
cliquerai assurément pas sur "j'accepte". » The note and ``relation_declaree`` are read
sentence by sentence for claims (former colleagues, studied together, met, friends, did
business together), each checked against the context: common employer, common school, or
the person being in the real network. A negated claim (« nous ne nous sommes jamais
rencontrés ») is no claim.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from tamis.invitations.models import Invitation
from tamis.invitations.registry import Inputs, Result, fact
from tamis.invitations.text import CACHE_SIZE, Phrases, normalise, related_name, words

CLAIMS: dict[str, tuple[str, ...]] = {
    "collègues": (
        "anciens collègues", "ancien collègue", "ancienne collègue", "anciennes collègues",
        "collègues", "collègue", "travaillé ensemble", "travaillés ensemble",
        "travaillé avec vous", "former colleagues", "former colleague", "colleagues",
        "colleague", "worked together", "worked with you",
    ),
    "études": (
        "étudié ensemble", "étudiés ensemble", "camarade de classe", "camarades de classe",
        "camarades d'études", "même classe", "même cohorte", "même école", "même université",
        "studied together", "classmate", "classmates", "went to school together",
        "same school", "same university", "same class",
    ),
    "rencontre": (
        "nous nous sommes rencontrés", "on s'est rencontrés", "on s'est déjà rencontrés",
        "nous nous sommes déjà rencontrés", "suite à notre rencontre", "comme convenu",
        "suite à notre discussion", "we met", "we've met", "we have met", "as discussed",
        "following our meeting", "nice meeting you", "great meeting you",
    ),
    "amis": ("nous sommes amis", "on est amis", "we are friends", "we're friends"),
    "affaires": (
        "fait affaire ensemble", "fait des affaires ensemble", "done business together",
        "did business together",
    ),
}  # fmt: skip
# ``relation_declaree`` is often one word (LinkedIn's old « How do you know X? » choices).
RELATION_WORDS: dict[str, tuple[str, ...]] = {
    "collègues": ("collègue", "collègues", "colleague", "colleagues", "coworker"),
    "études": ("camarade", "camarades", "classmate", "classmates", "étudiants", "alumni"),
    "rencontre": ("rencontré", "rencontrés", "rencontre", "met"),
    "amis": ("ami", "amie", "amis", "friend", "friends"),
    "affaires": ("affaires", "business", "client", "cliente", "fournisseur", "partner"),
}  # fmt: skip


class Pattern(NamedTuple):
    """A claim phrase of one kind, as normalised words to look for."""

    kind: str
    tokens: tuple[str, ...]  # normalised words
    written: str  # the phrase as written in the table


@dataclass(frozen=True)
class _Table:
    """The claim phrases of every kind, in order, and the same phrases as a lexicon."""

    patterns: tuple[Pattern, ...]
    lexicon: Phrases  # position i is patterns[i], normalised


def _table(phrases_by_kind: dict[str, tuple[str, ...]]) -> _Table:
    patterns = tuple(
        Pattern(kind, tuple(words(phrase)), phrase)
        for kind, phrases in phrases_by_kind.items()
        for phrase in phrases
    )
    return _Table(patterns, Phrases(" ".join(p.tokens) for p in patterns))


_CLAIMS = _table(CLAIMS)
_RELATION_CLAIMS = _table({kind: CLAIMS[kind] + extra for kind, extra in RELATION_WORDS.items()})
_SENTENCE_END = re.compile(r"[.!?;\n]+")
_NEGATIONS = frozenset(["pas", "jamais", "ni", "not", "never", "no", "t", "aucun", "aucune"])
_NAME = r"([A-ZÀ-Ý0-9][\w&'’.-]*(?:\s+(?:de\s+|du\s+|des\s+|d'|à\s+)?[A-ZÀ-Ý0-9][\w&'’.-]*){0,4})"
_AT_EMPLOYER = re.compile(r"\b(?:chez|at|au sein de|pour)\s+(?:l'|la\s+|le\s+|les\s+)?" + _NAME)
_AT_SCHOOL = re.compile(r"\b(?:à|a|au|at|de|from)\s+(?:l'|la\s+|le\s+|the\s+)?" + _NAME)
_SCHOOL_WORDS = re.compile(
    r"universit|école|ecole|college|collège|cégep|cegep|institut|polytechnique|hec\b|school", re.I
)
_ACRONYM = re.compile(r"[A-ZÉ]{2,}")


@dataclass(frozen=True)
class Claim:
    """A past the sender claims to share (an employer, a school), and where it is said."""

    kind: str
    phrase: str
    sentence: str
    source: str  # "message" or "relation_declaree"


@lru_cache(maxsize=CACHE_SIZE)
def find_claims(text: str, source: str) -> tuple[Claim, ...]:
    """Every non-negated claim of a shared past in ``text``, one per kind and sentence."""
    table = _RELATION_CLAIMS if source == "relation_declaree" else _CLAIMS
    return tuple(
        Claim(kind, phrase, sentence.strip(), source)
        for sentence in _SENTENCE_END.split(text)
        for kind, phrase in _first_claims(sentence, table).items()
    )


def _first_claims(sentence: str, table: _Table) -> dict[str, str]:
    """Kind -> its first phrase (in table order) that ``sentence`` asserts, not negated."""
    normalised = normalise(sentence)
    tokens = normalised.split()
    first: dict[str, str] = {}
    for position in table.lexicon.positions(normalised):
        pattern = table.patterns[position]
        if pattern.kind not in first and _asserted(tokens, pattern.tokens):
            first[pattern.kind] = pattern.written
    return first


def _asserted(tokens: list[str], pattern: tuple[str, ...]) -> bool:
    """Whether ``pattern`` occurs in ``tokens`` without a negation in the 3 words before it."""
    size = len(pattern)
    for start in range(len(tokens) - size + 1):
        if tuple(tokens[start : start + size]) == pattern:
            window = tokens[max(0, start - 3) : start + size]
            if not _NEGATIONS & set(window):
                return True
    return False


def _listing(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(names) if names else "aucun"


def _named(pattern: re.Pattern[str], sentence: str, keep: Callable[[str], bool]) -> list[str]:
    return [m.strip(" .'’") for m in pattern.findall(sentence) if keep(m)]


def _check_shared(
    claim: Claim, named: list[str], theirs: tuple[str, ...] | None, mine: tuple[str, ...], what: str
) -> tuple[bool | None, str]:
    """Check a claim of a shared employer or school; (contradicted?, French note)."""
    head = f"affirmation « {claim.phrase} » ({claim.source})"
    if not mine:
        return None, f"{head} : votre contexte ne liste pas vos {what}, invérifiable"
    for name in named:
        if not any(related_name(name, m) for m in mine):
            return True, f"{head} : « {name} » n'est pas parmi vos {what} ({_listing(mine)})"
    if named:
        return False, f"{head} : « {named[0]} » est bien parmi vos {what}"
    if theirs is None:
        return None, f"{head} : les {what} de l'expéditeur sont inconnus, invérifiable"
    common = [t for t in theirs if any(related_name(t, m) for m in mine)]
    if common:
        return False, f"{head} : en commun : {_listing(common)}"
    return True, (
        f"{head} : aucun en commun — expéditeur : {_listing(theirs)} ; vous : {_listing(mine)}"
    )


def _is_school(name: str) -> bool:
    return bool(_SCHOOL_WORDS.search(name) or _ACRONYM.fullmatch(name.split()[0]))


def check_claim(claim: Claim, inputs: Inputs) -> tuple[bool | None, str]:
    """Whether the context contradicts ``claim`` (None: cannot tell), with a French note."""
    sender, context = inputs.sender, inputs.context
    if claim.kind == "collègues":
        named = _named(_AT_EMPLOYER, claim.sentence, lambda _: True)
        return _check_shared(claim, named, sender.employers(), context.entreprises, "employeurs")
    if claim.kind == "études":
        named = _named(_AT_SCHOOL, claim.sentence, _is_school)
        return _check_shared(claim, named, sender.schools(), context.ecoles, "établissements")
    head = f"affirmation « {claim.phrase} » ({claim.source})"
    if inputs.get("connu"):
        return False, f"{head} : la personne fait partie de votre réseau"
    return None, f"{head} : votre contexte ne permet pas de la vérifier"


def _claims_of(invitation: Invitation) -> tuple[Claim, ...]:
    """The claims of the note, then those of ``relation_declaree``."""
    note, relation = invitation.message, invitation.relation_declaree
    in_note = find_claims(note, "message") if note else ()
    return in_note + (find_claims(relation, "relation_declaree") if relation else ())


@fact("mensonge")
def mensonge(inputs: Inputs) -> Result:
    """vrai: a claim the context contradicts; faux: no claim, or every claim checks out;
    inconnu: a claim cannot be checked, or the note is unknown and nothing is contradicted."""
    invitation = inputs.invitation
    verdicts = [check_claim(claim, inputs) for claim in _claims_of(invitation)]
    contradicted = {value for value, _ in verdicts}  # True (contradicted), False, None
    notes = " ; ".join(note for _, note in verdicts) if verdicts else ""
    if True in contradicted:
        return True, notes
    if invitation.message is None:
        return None, "message absent : une affirmation pourrait s'y trouver" + (
            f" ; {notes}" if notes else ""
        )
    if None in contradicted:
        return None, notes
    return False, notes or "aucune affirmation de passé commun"
