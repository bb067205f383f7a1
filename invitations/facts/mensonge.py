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

from tamis.invitations.registry import Inputs, Result, fact
from tamis.invitations.text import related_name, words

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
Pattern = tuple[tuple[str, ...], str]  # (normalised words, the phrase as written)
_PATTERNS: dict[str, tuple[Pattern, ...]] = {
    kind: tuple((tuple(words(p)), p) for p in phrases) for kind, phrases in CLAIMS.items()
}
_RELATION_PATTERNS = {
    kind: _PATTERNS[kind] + tuple((tuple(words(w)), w) for w in extra)
    for kind, extra in RELATION_WORDS.items()
}
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
    kind: str
    phrase: str
    sentence: str
    source: str  # "message" or "relation_declaree"


def find_claims(text: str, source: str) -> list[Claim]:
    """Every non-negated claim of a shared past in ``text``, one per kind and sentence."""
    claims = []
    table = _RELATION_PATTERNS if source == "relation_declaree" else _PATTERNS
    for sentence in re.split(r"[.!?;\n]+", text):
        tokens = words(sentence)
        for kind, patterns in table.items():
            phrase = _first_claim(tokens, patterns)
            if phrase:
                claims.append(Claim(kind, phrase, sentence.strip(), source))
    return claims


def _first_claim(tokens: list[str], patterns: tuple[Pattern, ...]) -> str | None:
    for pattern, written in patterns:
        size = len(pattern)
        for start in range(len(tokens) - size + 1):
            if tuple(tokens[start : start + size]) == pattern:
                window = tokens[max(0, start - 3) : start + size]
                if not _NEGATIONS & set(window):
                    return written
    return None


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


@fact("mensonge")
def mensonge(inputs: Inputs) -> Result:
    """vrai: a claim the context contradicts; faux: no claim, or every claim checks out;
    inconnu: a claim cannot be checked, or the note is unknown and nothing is contradicted."""
    invitation = inputs.invitation
    texts = [(invitation.message, "message"), (invitation.relation_declaree, "relation_declaree")]
    claims = [c for text, source in texts if text for c in find_claims(text, source)]
    verdicts = [check_claim(claim, inputs) for claim in claims]
    notes = " ; ".join(note for _, note in verdicts)
    if any(v is True for v, _ in verdicts):
        return True, notes
    if invitation.message is None:
        return None, "message absent : une affirmation pourrait s'y trouver" + (
            f" ; {notes}" if notes else ""
        )
    if any(v is None for v, _ in verdicts):
        return None, notes
    return False, notes or "aucune affirmation de passé commun"
