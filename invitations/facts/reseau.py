"""Facts about the user's real network: ``connu`` and the « fausse vedette ».

The chamber of commerce: « N'acceptez dans votre réseau que des gens que vous avez rencontrés
ou avec qui vous êtes en contact. » The blog: someone with more than 10,000 connections who is
really famous in your field is someone you would know already; an unknown one is a « fausse
pop star ».
"""

from __future__ import annotations

from tamis.grammar.numbers import french
from tamis.invitations.context import Match, MatchKind
from tamis.invitations.facts.profil import connexions_compared
from tamis.invitations.models import OUTGOING, Personne
from tamis.invitations.registry import Inputs, Result, fact
from tamis.invitations.text import blank, disguised


def _other_person(inputs: Inputs) -> tuple[str | None, str | None, str]:
    """Name, URL and role of the person to look up: the sender, or the recipient if outgoing.
    A name of spaces or invisible characters only is no name: nobody in the network is
    called that, but the person is not known not to be there (``connu`` stays inconnu, not
    faux)."""
    invitation = inputs.invitation
    person = invitation.expediteur
    role = "expediteur"
    if invitation.sens == OUTGOING:
        person, role = invitation.destinataire or Personne(), "destinataire"
    name = person.nom if person.nom and not blank(person.nom) else None
    return name, person.profil_url, role


def _lookup(inputs: Inputs, name: str | None, url: str | None) -> Match | None:
    """``network.lookup(name, url)``, once per invitation (``connu`` and
    ``homonyme_d_un_contact`` both ask it)."""
    key = ("reseau", name, url)
    found = inputs.shared.get(key, _NOT_LOOKED_UP)
    if found is _NOT_LOOKED_UP:  # the first of the two facts: a KeyError would cost more
        found = inputs.shared[key] = inputs.context.network.lookup(name, url)
    return found  # type: ignore[return-value]


_NOT_LOOKED_UP = object()


@fact("connu")
def connu(inputs: Inputs) -> Result:
    """vrai: the profile URL is in the context's network, or the name is and no URL can tell
    otherwise (said « par nom seulement »); faux: the network is described and they are not
    in it, or only a namesake with another profile URL is, or the name imitates a contact's
    (``disguised``); inconnu: no network in the context, or no name nor address."""
    name, url, role = _other_person(inputs)
    network = inputs.context.network
    if not network.described:
        return None, _NO_NETWORK
    if not name and not url:
        return (
            None,
            lambda: f"ni {role}.nom ni {role}.profil_url : impossible de chercher dans le réseau",
        )
    match = _lookup(inputs, name, url)
    if match is None:
        return False, lambda: f"{role} « {_who(name, url)} » absent de votre réseau" + _WHERE
    if match.kind is MatchKind.ADRESSE:
        return True, lambda: f"{role} trouvé dans votre réseau par adresse {url} ({match.where})"
    if match.kind is MatchKind.HOMONYME:
        return False, lambda: _namesake(role, name, url, match)
    if disguised(name):  # type: ignore[arg-type]
        return False, lambda: _imitation(role, name, match)
    return (
        True,
        lambda: (
            f"{role} trouvé dans votre réseau par nom seulement « {name} » ({match.where})"
            f" ; {_why_name_only(role, url)}"
        ),
    )


_WHERE = " (contacts et exports du contexte)"


def _who(name: str | None, url: str | None) -> str:
    return " / ".join(filter(None, (name, url)))


@fact("homonyme_d_un_contact")
def homonyme_d_un_contact(inputs: Inputs) -> Result:
    """vrai: the name is a contact's whose known profile URL differs from the invitation's (a
    namesake, or a clone profile), or imitates a contact's name (``disguised``); faux: the URL
    is in the network, or no contact has this name; inconnu: no network, no name, or no URL
    on one side to compare."""
    name, url, role = _other_person(inputs)
    network = inputs.context.network
    if not network.described:
        return None, _NO_NETWORK
    if not name:
        return None, lambda: f"{role}.nom absent : aucun nom à comparer à ceux de votre réseau"
    match = _lookup(inputs, name, url)
    if match is None:
        return False, lambda: f"aucun contact de votre réseau ne s'appelle « {name} »"
    if match.kind is MatchKind.ADRESSE:
        return False, lambda: f"{role} trouvé dans votre réseau par adresse {url} ({match.where})"
    if match.kind is MatchKind.HOMONYME:
        return True, lambda: _namesake(role, name, url, match)
    if disguised(name):
        return True, lambda: _imitation(role, name, match)
    return (
        None,
        lambda: f"« {name} » est dans votre réseau ({match.where}) ; {_why_name_only(role, url)}",
    )


_NO_NETWORK = "le contexte ne décrit pas votre réseau ([reseau] contacts ou fichiers)"


def _namesake(role: str, name: str | None, url: str | None, match: Match) -> str:
    known = ", ".join(match.known_urls)
    return (
        f"{role} « {name} » ({url}) : homonyme d'un contact de votre réseau ({match.where})"
        f" dont l'adresse de profil diffère ({known}) : pas la même personne"
        + (f" ; {_IMITATES}" if disguised(name or "") else "")
    )


_IMITATES = (
    "son nom imite celui du contact avec des caractères invisibles ou des lettres d'un autre "
    "alphabet dessinées comme des lettres latines"
)


def _imitation(role: str, name: str | None, match: Match) -> str:
    """A name-only match of a disguised name: the contact's name, imitated (no address on one
    side can tell, but nobody writes their own name so)."""
    return (
        f"{role} « {name} » : porte le nom d'un contact de votre réseau ({match.where}), mais "
        f"{_IMITATES} : pas la même personne"
    )


def _why_name_only(role: str, url: str | None) -> str:
    if not url:
        return f"sans {role}.profil_url, l'adresse de profil n'a pas pu être vérifiée"
    return "votre réseau ne donne pas son adresse de profil : elle n'a pas pu être vérifiée"


@fact("fausse_vedette")
def fausse_vedette(inputs: Inputs) -> Result:
    """vrai: more than ``vedette_min`` connections and not ``connu``; faux: at most
    ``vedette_min`` or known; inconnu otherwise."""
    count, limit = inputs.sender.connexions, inputs.param("vedette_min")
    known = inputs.get("connu")
    if count is not None and count <= limit:
        return False, lambda: connexions_compared(count, "≤", "vedette_min", limit)
    if known:
        return False, "connu est vrai : une vraie vedette que vous connaissez"
    if count is None:
        return None, lambda: f"expediteur.connexions absent (vedette_min = {french(limit)})"

    def more() -> str:
        return connexions_compared(count, ">", "vedette_min", limit)

    if known is None:
        return None, lambda: f"{more()}, connu inconnu"
    return True, lambda: f"{more()} et connu est faux"
