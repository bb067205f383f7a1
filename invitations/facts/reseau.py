"""Facts about the user's real network: ``connu`` and the « fausse vedette ».

The chamber of commerce: « N'acceptez dans votre réseau que des gens que vous avez rencontrés
ou avec qui vous êtes en contact. » The blog: someone with more than 10,000 connections who is
really famous in your field is someone you would know already; an unknown one is a « fausse
pop star ».
"""

from __future__ import annotations

from tamis.invitations.models import Personne
from tamis.invitations.registry import Inputs, Result, fact


def _other_person(inputs: Inputs) -> tuple[str | None, str | None, str]:
    """Name, URL and role of the person to look up: the sender, or the recipient if outgoing."""
    invitation = inputs.invitation
    if invitation.sens == "sortante":
        other = invitation.destinataire or Personne()
        return other.nom, other.profil_url, "destinataire"
    return invitation.expediteur.nom, invitation.expediteur.profil_url, "expediteur"


@fact("connu")
def connu(inputs: Inputs) -> Result:
    """vrai: the name or address is in the context's network; faux: the network is described
    and they are not in it; inconnu: no network in the context, or no name nor address."""
    name, url, role = _other_person(inputs)
    network = inputs.context.network
    if not network.described:
        return None, "le contexte ne décrit pas votre réseau ([reseau] contacts ou fichiers)"
    if not name and not url:
        return None, f"ni {role}.nom ni {role}.profil_url : impossible de chercher dans le réseau"
    found = network.find(name, url)
    if found is not None:
        how, where = found
        return True, f"{role} trouvé dans votre réseau par {how} ({where})"
    who = " / ".join(filter(None, (name, url)))
    return False, f"{role} « {who} » absent de votre réseau (contacts et exports du contexte)"


@fact("fausse_vedette")
def fausse_vedette(inputs: Inputs) -> Result:
    """vrai: more than ``vedette_min`` connections and not ``connu``; faux: at most
    ``vedette_min`` or known; inconnu otherwise."""
    count, limit = inputs.sender.connexions, inputs.param("vedette_min")
    known = inputs.get("connu")
    if count is not None and count <= limit:
        return False, f"expediteur.connexions = {count} ≤ vedette_min = {limit}"
    if known:
        return False, "connu est vrai : une vraie vedette que vous connaissez"
    if count is None:
        return None, f"expediteur.connexions absent (vedette_min = {limit})"
    if known is None:
        return None, f"expediteur.connexions = {count} > vedette_min = {limit}, connu inconnu"
    return True, f"expediteur.connexions = {count} > vedette_min = {limit} et connu est faux"
