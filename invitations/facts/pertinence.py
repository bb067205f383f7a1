"""The « pertinent » fact: is the sender related to the user's field?

The blog: « Mon seul critère est que cette personne soit pertinente ou reliée de quelque
façon à mon domaine d'expertise. » Each of the user's ``domaines`` (context) is compared with
the sender's title, position, sector, skills, interests and employers: a domain matches a text
when every stem of the domain occurs among the text's stems (accent- and case-insensitive,
simple French/English stemming, so « médias sociaux » meets « Social Media Manager »).
Working for one of the user's own employers also counts as related.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from tamis.invitations.models import Expediteur
from tamis.invitations.registry import Inputs, Note, Result, fact
from tamis.invitations.text import CACHE_SIZE, related_name, stems


def _one(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else (value,)


def _sources(
    sender: Expediteur, employers: tuple[str, ...] | None
) -> list[tuple[str, Sequence[str] | None]]:
    """(field name, its texts or None when unknown) for every field compared with domains."""
    return [
        ("expediteur.titre", _one(sender.titre)),
        ("expediteur.poste", _one(sender.poste)),
        ("expediteur.secteur", _one(sender.secteur)),
        ("expediteur.competences", sender.competences),
        ("expediteur.centres_interet", sender.centres_interet),
        ("expediteur.entreprises", employers),
    ]


class _Domains:
    """The user's domains with their stems, and the first domain each text met so far
    matched: one per context (``_domains``), as titles, skills and employers recur."""

    __slots__ = ("_found", "_stems")

    def __init__(self, domains: tuple[str, ...]) -> None:
        self._stems = tuple((domain, stems(domain)) for domain in domains)
        self._found: dict[str, str | None] = {}

    def match(self, text: str) -> str | None:
        """The first domain whose stems all occur among the stems of ``text``."""
        found = self._found.get(text, _UNSEEN)
        if found is _UNSEEN:
            if len(self._found) >= CACHE_SIZE:  # bounded, as the text helpers' caches
                self._found.clear()
            found = self._found[text] = self._first(stems(text))
        return found  # type: ignore[return-value]

    def _first(self, text_stems: frozenset[str]) -> str | None:
        for domain, wanted in self._stems:
            if wanted and wanted <= text_stems:
                return domain
        return None


_UNSEEN = object()


@lru_cache(maxsize=64)
def _domains(domains: tuple[str, ...]) -> _Domains:
    return _Domains(domains)


@fact("pertinent")
def pertinent(inputs: Inputs) -> Result:
    """vrai: a domain matches a field, or they work for one of your employers; faux: none
    matches and at least one field is known; inconnu: no domains in the context, or no field."""
    domains, employers = tuple(inputs.context.domaines), inputs.sender.employers()
    sources = _sources(inputs.sender, employers)
    if not domains:
        return None, "le contexte ne donne pas vos domaines ([moi] domaines)"
    match = _domains(domains).match
    for name, texts in sources:
        for text in texts or ():
            domain = match(text)
            if domain is not None:
                return True, _matched(name, text, domain)
    for employer in employers or ():
        if _one_of(employer, inputs.context.entreprises):
            return True, _same_employer(employer)
    read = [name for name, texts in sources if texts is not None]
    if not read:
        return None, "ni titre, poste, secteur, compétences, intérêts ni employeur connus"
    return False, lambda: f"aucun de vos domaines ({', '.join(domains)}) dans {', '.join(read)}"


@lru_cache(maxsize=CACHE_SIZE)
def _one_of(employer: str, mine: tuple[str, ...]) -> bool:
    """Whether ``employer`` is one of the user's own employers ``mine`` (``related_name``):
    kept, as the same employers recur across a batch."""
    return any(related_name(employer, name) for name in mine)


def _same_employer(employer: str) -> Note:
    return lambda: f"expediteur.entreprises : « {employer} » est aussi votre employeur"


def _matched(name: str, text: str, domain: str) -> Note:
    return lambda: f"{name} « {text} » correspond au domaine « {domain} »"
