"""Facts about the sender's profile, from « Pourquoi je n'accepterai pas votre invitation ».

The blog author looks at every profile: a photo (a face on the name, not a logo standing for
a company), where they work, what they studied, what interests them, and enough connections
and recommendations to be a real, established person.
"""

from __future__ import annotations

import re

from tamis.grammar.numbers import french
from tamis.invitations.models import Expediteur
from tamis.invitations.photo import has_photo
from tamis.invitations.registry import Inputs, Result, fact
from tamis.invitations.text import fold

_LEGAL_FORM = re.compile(
    r"\b(inc|ltee|ltd|llc|corp|corporation|sarl|sas|gmbh|s\.?a|s\.?e\.?n\.?c|enr|limitee|limited)"
    r"\.?$",
    re.IGNORECASE,
)


@fact("sans_photo")
def sans_photo(inputs: Inputs) -> Result:
    """vrai: no photo or a default avatar; faux: a photo; inconnu: photo not given."""
    present, note = has_photo(inputs.sender.photo)
    return (None if present is None else not present), note


@fact("profil_entreprise")
def profil_entreprise(inputs: Inputs) -> Result:
    """vrai: type « entreprise », a /company/ address or a legal form in the name;
    faux: type « personne »; inconnu otherwise."""
    sender = inputs.sender
    if sender.type is not None:
        return sender.type == "entreprise", f"expediteur.type = « {sender.type} »"
    if sender.profil_url and "/company/" in sender.profil_url:
        return True, f"expediteur.profil_url est une page d'entreprise ({sender.profil_url})"
    if sender.nom and _LEGAL_FORM.search(fold(sender.nom).strip()):
        return True, f"expediteur.nom « {sender.nom} » porte une forme juridique d'entreprise"
    return None, "expediteur.type absent et rien dans le nom ni l'adresse n'indique une entreprise"


def _work(sender: Expediteur) -> bool | None:
    """Whether we can tell where they work (None when the profile says nothing either way)."""
    if sender.entreprise:
        return True
    for experience in sender.experiences or ():
        if experience.entreprise and experience.fin is None:  # a current position
            return True
    return False if sender.entreprise is not None or sender.experiences is not None else None


def _studies(sender: Expediteur) -> bool | None:
    """Whether a school is named (``Expediteur.schools`` is not empty), without listing them."""
    if sender.formation is None:
        return None
    return any(school if isinstance(school, str) else school.ecole for school in sender.formation)


def _interests(sender: Expediteur) -> bool | None:
    if sender.centres_interet or sender.competences:
        return True
    return None if sender.centres_interet is None else False


_SECTIONS = (
    ("travail", "expediteur.entreprise / expediteur.experiences", _work),
    ("études", "expediteur.formation", _studies),
    ("intérêts", "expediteur.centres_interet / expediteur.competences", _interests),
)


@fact("profil_incomplet")
def profil_incomplet(inputs: Inputs) -> Result:
    """vrai: at least ``sections_manquantes_min`` of work, studies, interests are missing;
    faux: even the unknown ones could not reach it; inconnu otherwise."""
    needed = inputs.param("sections_manquantes_min")
    missing, unknown = [], []
    for label, _, test in _SECTIONS:
        state = test(inputs.sender)
        if state is False:
            missing.append(label)
        elif state is None:
            unknown.append(label)

    def note() -> str:
        return (
            f"sections manquantes : {', '.join(missing) or 'aucune'} ; "
            f"inconnues : {', '.join(unknown) or 'aucune'}"
            f" (sections_manquantes_min = {french(needed)})"
        )

    if len(missing) >= needed:
        return True, note
    return (False if len(missing) + len(unknown) < needed else None), note


@fact("peu_de_connexions")
def peu_de_connexions(inputs: Inputs) -> Result:
    """vrai: ``expediteur.connexions`` < ``connexions_min``; faux: ≥; inconnu: count absent."""
    count, minimum = inputs.sender.connexions, inputs.param("connexions_min")
    if count is None:
        return None, "expediteur.connexions absent"
    few = count < minimum
    return few, lambda: connexions_compared(count, "<" if few else "≥", "connexions_min", minimum)


def connexions_compared(count: int, sign: str, parameter: str, limit: int) -> str:
    """« expediteur.connexions (25 000) > vedette_min (10 000) »: each value read follows its
    name in parentheses, as the trace writes a value read (``tamis.engine.trace.glossed``),
    so that « = 25 000 > … » never reads as one more comparison."""
    return f"expediteur.connexions ({french(count)}) {sign} {parameter} ({french(limit)})"


@fact("sans_recommandations")
def sans_recommandations(inputs: Inputs) -> Result:
    """vrai: 0 recommendations; faux: at least one; inconnu: count absent."""
    count = inputs.sender.recommandations
    if count is None:
        return None, "expediteur.recommandations absent"
    return count == 0, lambda: f"expediteur.recommandations = {french(count)}"
