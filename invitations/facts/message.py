"""Facts about the invitation note: the default text, or a personalised note.

The blog: « Si votre demande de connexion débute par "Je vous invite à faire partie de mon
réseau professionnel sur LinkedIn." je risque de vous trouver un peu paresseux! » — one line
of your own is enough. The chamber of commerce: personalise, « mentionner le contexte de
votre rencontre ou pour quelle raison vous faites votre demande ».
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tamis.invitations.registry import Inputs, Result, fact
from tamis.invitations.text import CACHE_SIZE, Phrases, normalise, words

# LinkedIn's stock notes over the years, in French and English (compared normalised).
DEFAULT_NOTES = (
    "Je vous invite à faire partie de mon réseau professionnel sur LinkedIn.",
    "J'aimerais vous inviter à rejoindre mon réseau professionnel sur LinkedIn.",
    "J'aimerais vous ajouter à mon réseau professionnel sur LinkedIn.",
    "Je souhaiterais vous ajouter à mon réseau professionnel sur LinkedIn.",
    "Je souhaite vous ajouter à mon réseau professionnel sur LinkedIn.",
    "J'aimerais faire partie de votre réseau LinkedIn.",
    "Je souhaiterais faire partie de votre réseau LinkedIn.",
    "J'aimerais me connecter avec vous sur LinkedIn.",
    "Comme vous êtes une personne de confiance, je souhaite vous inviter à rejoindre mon réseau"
    " sur LinkedIn.",
    "I'd like to add you to my professional network on LinkedIn.",
    "I would like to add you to my professional network on LinkedIn.",
    "I'd like to add you to my professional network.",
    "I'd like to join your LinkedIn network.",
    "I would like to join your LinkedIn network.",
    "I'd like to connect with you on LinkedIn.",
    "Since you are a person I trust, I wanted to invite you to join my network on LinkedIn.",
)
_DEFAULTS = tuple(words(note) for note in DEFAULT_NOTES)
_DEFAULT_TEXTS = tuple(f" {' '.join(default)} " for default in _DEFAULTS)
_WORD = re.compile(r"\w+")
_GREETINGS = frozenset(
    ("bonjour", "bonsoir", "salut", "allo", "cher", "chere", "hi", "hello", "hey", "dear")
)
_CLOSINGS = frozenset((
    "merci", "cordialement", "salutations", "amicalement", "sincerement", "au", "plaisir",
    "bonne", "journee", "a", "vous", "bien", "thanks", "thank", "you", "regards", "best",
    "kind", "cheers", "sincerely", "warm",
))  # fmt: skip
_MAX_SIGNATURE_WORDS = 3
_MAX_GREETING_WORDS = 4


@dataclass(frozen=True)
class DefaultMatch:
    """A note found to be LinkedIn's stock one, with the greeting and signature around it."""

    stock: str  # the stock note found
    greeting: str
    signature: str


@lru_cache(maxsize=CACHE_SIZE)
def find_default(note: str) -> DefaultMatch | None:
    """The stock note ``note`` consists of (with a greeting and a signature at most)."""
    tokens = words(note)
    padded = f" {' '.join(tokens)} "
    for stock, default, whole in zip(DEFAULT_NOTES, _DEFAULTS, _DEFAULT_TEXTS, strict=True):
        if whole not in padded:  # the stock words must all be there, in order
            continue
        start = _stock_start(tokens, default)
        if start is not None:
            return _default_match(note, tokens, stock, start, start + len(default))
    return None


def _stock_start(tokens: list[str], default: list[str]) -> int | None:
    """Where ``default`` starts in ``tokens``, after a greeting and before a signature at most."""
    for start in range(min(len(tokens) - len(default), _MAX_GREETING_WORDS) + 1):
        if tokens[start : start + len(default)] != default:
            continue
        before, after = tokens[:start], tokens[start + len(default) :]
        if before and before[0] not in _GREETINGS:
            continue
        if len([w for w in after if w not in _CLOSINGS]) <= _MAX_SIGNATURE_WORDS:
            return start
    return None


def _default_match(note: str, tokens: list[str], stock: str, start: int, end: int) -> DefaultMatch:
    """The match, with the greeting and signature shown as written when the words line up."""
    shown = _WORD.findall(note)
    shown = shown if len(shown) == len(tokens) else tokens
    return DefaultMatch(stock, " ".join(shown[:start]), " ".join(shown[end:]))


def _quote(text: str, limit: int = 70) -> str:
    flat = " ".join(text.split())
    return f"« {flat if len(flat) <= limit else flat[: limit - 1] + '…'} »"


@fact("message_par_defaut")
def message_par_defaut(inputs: Inputs) -> Result:
    """vrai: no note, or a stock LinkedIn note (greeting and signature allowed); faux: any
    other note; inconnu: the note is unknown (``message`` absent)."""
    note = inputs.invitation.message
    if note is None:
        return None, "message absent : on ne sait pas si l'invitation porte une note"
    if not note.strip():
        return True, "aucune note jointe à l'invitation"
    found = find_default(note)
    if found is None:
        return False, lambda: f"note rédigée : {_quote(note)}"
    return True, lambda: _stock_note(found)


def _stock_note(found: DefaultMatch) -> str:
    extra = f", signature « {found.signature} »" if found.signature else ""
    return f"texte par défaut de LinkedIn {_quote(found.stock)}{extra}"


_CUE_TEXTS = (
        # where or how you met
        "rencontré", "rencontrée", "rencontrés", "rencontrer", "rencontre", "croisé", "croisée",
        "on s'est vus", "nous nous sommes vus", "on s'est parlé", "nous avons discuté",
        "conférence", "congrès", "colloque", "salon", "atelier", "webinaire", "événement",
        "5 à 7", "souper", "dîner", "déjeuner", "réunion", "panel", "lors de", "lors du",
        "we met", "met you", "meeting you", "met at", "conference", "event", "meetup",
        "webinar", "workshop", "summit", "talk", "panel", "last week", "yesterday",
        # why you ask
        "parce que", "car je", "afin de", "pour discuter", "j'ai lu", "votre article",
        "votre billet", "votre blogue", "votre publication", "votre présentation",
        "votre expertise", "votre parcours", "vos travaux", "projet", "collaborer",
        "collaboration", "de la part de", "recommandé", "recommandée", "m'a suggéré",
        "m'a parlé de vous", "échanger", "mon équipe", "même domaine", "comme vous",
        "ensemble", "collègue", "collègues", "together", "colleague", "colleagues",
        "because", "read your", "your article", "your post", "your talk", "your presentation",
        "your work", "project", "collaborate", "referred", "introduced", "suggested",
        "mutual", "discuss", "exchange ideas", "my team", "same field", "like you",
)  # fmt: skip
_CONTEXT_CUES = Phrases(normalise(cue) for cue in _CUE_TEXTS)
_MIN_WORDS = 4


@lru_cache(maxsize=CACHE_SIZE)
def context_cues(note: str) -> tuple[str, ...]:
    """The cues of ``note`` that say where you met or why you ask (normalised)."""
    return tuple(_CONTEXT_CUES.found_in(normalise(note)))


@fact("message_personnalise")
def message_personnalise(inputs: Inputs) -> Result:
    """vrai: a note (not the stock text) that gives context — where you met, why you ask;
    faux: no note, the stock text, or a note without context; inconnu: note unknown."""
    default = inputs.get("message_par_defaut")
    note = inputs.invitation.message
    if default is None or note is None:
        return None, "message absent : on ne sait pas si l'invitation porte une note"
    if default:
        return False, "pas de note personnelle (" + inputs.note("message_par_defaut") + ")"
    cues = context_cues(note)
    if cues and len(words(note)) >= _MIN_WORDS:
        shown = ", ".join(f"« {c} »" for c in cues[:4])
        return True, f"la note donne un contexte ({shown}) : {_quote(note)}"
    return False, f"la note ne dit ni où vous vous êtes rencontrés ni pourquoi : {_quote(note)}"
