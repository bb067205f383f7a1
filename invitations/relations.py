"""What is known to hold between built-in facts and fields, for ``tamis analyser``.

The analysis (``tamis.analysis``) treats each built-in fact as a free vrai / faux / inconnu
value; these declarations narrow it to what the facts' code can actually produce, so that
"this rule can never apply" is not missed for want of knowing that ``sans_photo`` is exactly
``non expediteur.photo``. Each is a tamis condition over the vocabulary:

- ``exact``: the fact always has the value of this condition (vrai, faux or inconnu alike);
- ``always``: conditions that are vrai for every invitation, context and parameter values
  (``est renseigné`` says what is known, since a condition with an inconnu part is not vrai).

A declaration must be *sound*: true of the code in ``tamis.invitations.facts`` for every
input. Leaving one out only makes the analysis look for (and then fail to build) witnesses
that cannot exist; a wrong one would make it prove false things. ``parameters`` lists the
parameters a fact reads, so that two policies with different thresholds get distinct facts.
How to *produce* each value on a real invitation is ``tamis.invitations.witnesses``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Relations:
    exact: str | None = None
    always: tuple[str, ...] = ()
    parameters: tuple[str, ...] = ()


def _known_with_message(name: str) -> str:
    """``name`` is known exactly when the note (``message``) is."""
    return (
        f"(message est renseigné et {name} est renseigné)"
        f" ou (message n'est pas renseigné et {name} n'est pas renseigné)"
    )


def _never_faux_without_message(name: str) -> str:
    """With the note unknown, ``name`` is vrai (something else gave it away) or inconnu."""
    return f"message est renseigné ou {name} ou {name} n'est pas renseigné"


FACTS: dict[str, Relations] = {
    "sans_photo": Relations(exact="non expediteur.photo"),
    "profil_entreprise": Relations(
        always=(
            "expediteur.type n'est pas renseigné"
            ' ou profil_entreprise = (expediteur.type = "entreprise")',
            "expediteur.type est renseigné ou profil_entreprise"
            " ou profil_entreprise n'est pas renseigné",
        )
    ),
    "profil_incomplet": Relations(parameters=("sections_manquantes_min",)),
    "peu_de_connexions": Relations(
        exact="expediteur.connexions < connexions_min", parameters=("connexions_min",)
    ),
    "sans_recommandations": Relations(exact="expediteur.recommandations = 0"),
    "message_par_defaut": Relations(
        always=(
            _known_with_message("message_par_defaut"),
            'message n\'est pas renseigné ou message != "" ou message_par_defaut',
        )
    ),
    "mensonge": Relations(always=(_never_faux_without_message("mensonge"),)),
    "pitch_de_vente": Relations(
        always=(
            _never_faux_without_message("pitch_de_vente"),
            "message n'est pas renseigné ou pitch_de_vente est renseigné",
            "pitch_de_vente n'est pas renseigné ou non pitch_de_vente ou message_commercial",
            "message_commercial est renseigné ou pitch_de_vente n'est pas renseigné",
        ),
        parameters=("seuil_commercial",),
    ),
    "message_commercial": Relations(
        always=(
            _never_faux_without_message("message_commercial"),
            "message n'est pas renseigné ou message_commercial est renseigné",
            "message.score_commercial n'est pas renseigné"
            " ou message_commercial = (message.score_commercial >= seuil_commercial)",
        ),
        parameters=("seuil_commercial",),
    ),
    "message.score_commercial": Relations(
        always=(
            _known_with_message("message.score_commercial"),
            "message.score_commercial n'est pas renseigné ou message.score_commercial entre 0 et 1",
        )
    ),
    "fausse_vedette": Relations(
        exact="expediteur.connexions > vedette_min et non connu", parameters=("vedette_min",)
    ),
    "pertinent": Relations(
        always=(
            "pertinent n'est pas renseigné ou expediteur.titre est renseigné"
            " ou expediteur.poste est renseigné ou expediteur.secteur est renseigné"
            " ou expediteur.competences est renseigné"
            " ou expediteur.centres_interet est renseigné"
            " ou expediteur.entreprises est renseigné",
        )
    ),
    "connu": Relations(
        always=(
            '(sens est renseigné et sens = "sortante") ou connu n\'est pas renseigné'
            " ou expediteur.nom est renseigné ou expediteur.profil_url est renseigné",
        )
    ),
    "homonyme_d_un_contact": Relations(
        always=(
            '(sens est renseigné et sens = "sortante") ou homonyme_d_un_contact n\'est pas'
            " renseigné ou expediteur.nom est renseigné",
            "homonyme_d_un_contact n'est pas renseigné ou connu est renseigné",
            "homonyme_d_un_contact n'est pas renseigné ou non homonyme_d_un_contact ou non connu",
        )
    ),
    "note_trop_longue": Relations(
        always=(
            _known_with_message("note_trop_longue"),
            'message n\'est pas renseigné ou message != "" ou non note_trop_longue',
        )
    ),
    "message_personnalise": Relations(
        always=(
            _known_with_message("message_personnalise"),
            "message n'est pas renseigné ou non message_par_defaut ou non message_personnalise",
        )
    ),
}
"""Built-in facts, as declared in ``tamis.invitations.vocabulary.FACTS``."""


def _count(name: str) -> Relations:
    return Relations(always=(f"{name} n'est pas renseigné ou {name} >= 0",))


_EMPLOYERS = "expediteur.entreprise n'est pas renseigné ou expediteur.entreprises est renseigné"

FIELDS: dict[str, Relations] = {
    "id": Relations(always=('id est renseigné et id != ""',)),
    "sens": Relations(always=('sens n\'est pas renseigné ou sens dans ["entrante", "sortante"]',)),
    "expediteur.type": Relations(
        always=(
            "expediteur.type n'est pas renseigné"
            ' ou expediteur.type dans ["personne", "entreprise"]',
        )
    ),
    "expediteur.connexions": _count("expediteur.connexions"),
    "expediteur.recommandations": _count("expediteur.recommandations"),
    "expediteur.relations_communes": _count("expediteur.relations_communes"),
    "expediteur.entreprise": Relations(always=(_EMPLOYERS,)),
    "expediteur.entreprises": Relations(
        always=(
            _EMPLOYERS,
            'expediteur.entreprises n\'est pas renseigné ou non expediteur.entreprises contient ""',
        )
    ),
    "expediteur.formation": Relations(
        always=(
            'expediteur.formation n\'est pas renseigné ou non expediteur.formation contient ""',
        )
    ),
}
"""Invitation fields whose values are narrower than their type (validation, getters)."""

INTEGERS = frozenset(
    {"expediteur.connexions", "expediteur.recommandations", "expediteur.relations_communes"}
)
"""Number fields that only hold whole numbers."""
