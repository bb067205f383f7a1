"""The shapes of the service's answers, for its OpenAPI schema (``/openapi.json``, ``/docs``).

Documentation only: the routes answer with JSON they build from the application layer's
values (``calls``), and these models say what that JSON holds, French keys as users read
them. The schemathesis test checks every answer against them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tamis.service.errors import Erreur


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Resultat(_Open):
    """One decision, as ``tamis decider`` prints it (``?trace=true`` adds the trace keys)."""

    id: str
    decision: str
    regle: str
    motif: str | None
    explication: str
    avertissements: list[str] | None = None


class Decision(Resultat):
    index: int
    ligne: int | None = None


class Rejet(BaseModel):
    index: int
    ligne: int | None = None
    erreurs: list[str]
    champ: str | None


class NonDecidee(BaseModel):
    """A valid invitation the workspace's engine (``durable``) could not decide."""

    index: int
    ligne: int | None = None
    erreurs: list[str]


class Avertissement(BaseModel):
    index: int
    ligne: int | None = None
    message: str


class Lot(BaseModel):
    """The answer to a list (or a CSV file): decisions and rejected records, by index."""

    decisions: list[Decision]
    rejetees: list[Rejet]
    non_decidees: list[NonDecidee]
    avertissements: list[Avertissement]


class Explications(BaseModel):
    id: str
    decisions: list[dict[str, Any]]


class Sante(BaseModel):
    etat: str
    espaces: int
    espaces_en_erreur: int
    journaux_indisponibles: int


class ErreurDecision(Erreur):
    erreurs: list[str] | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErreurDecision if status == 422 else Erreur, "description": text}
    for status, text in (
        (400, "Requête invalide (corps, paramètre)"),
        (401, "Jeton manquant ou invalide"),
        (403, "Le jeton n'a pas ce droit"),
        (404, "Espace ou décision inconnus"),
        (409, "Clé d'idempotence déjà employée pour une autre requête"),
        (413, "Corps trop volumineux ou trop d'invitations"),
        (415, "Type de contenu non pris en charge"),
        (422, "Invitation invalide"),
        (503, "Journal inutilisable"),
    )
}
DECISIONS_ERRORS = {
    **ERRORS,
    422: {
        "model": ErreurDecision,
        "description": "Invitation invalide, ou que le moteur de l'espace ne sait pas décider",
    },
}

_INVITATIONS = {
    "oneOf": [
        {"type": "object", "description": "une invitation (docs/faits.md)"},
        {
            "type": "array",
            "items": {},
            "description": "une liste d'invitations ; un élément qui n'en est pas une est "
            "rapporté dans « rejetees » avec son indice, les autres sont décidés",
        },
    ]
}

DECISIONS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _INVITATIONS},
            "application/x-ndjson": {
                "schema": {"type": "string", "description": "JSON Lines : une invitation par ligne"}
            },
            "text/csv": {
                "schema": {"type": "string", "description": "Invitations.csv de LinkedIn"}
            },
        },
    }
}

POLICY_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"text/plain": {"schema": {"type": "string", "description": "une politique"}}},
    }
}


class LigneJournal(_Open):
    seq: int
    horodatage: str
    id: str | None
    expediteur: Any = Field(
        None, description="l'expéditeur (vous, pour une demande à envoyer) : nom, sinon adresse"
    )
    sens: str | None = Field(
        None,
        description="« sortante » pour une demande à envoyer ; null sinon, même pour une "
        "invitation inscrite « entrante » (GET …/decisions/{id} donne le sens inscrit)",
    )
    destinataire: Any = Field(
        None, description="à qui va une demande à envoyer : nom, sinon adresse du profil"
    )
    decision: str | None
    regle: str | None


class PageJournal(BaseModel):
    decisions: list[LigneJournal]
    suivant: int | None
    # when nothing is found: each ``regle`` no decision of the journal names, and the closest
    avertissements: list[str]


class StatsJournal(_Open):
    total: int
    par_decision: dict[str, int]
    par_regle: list[dict[str, Any]]
    par_fait: dict[str, dict[str, int]]
    par_periode: dict[str, dict[str, int]]
    avertissements: list[str]  # as GET …/journal's: a ``regle`` no decision names


class Rejeu(_Open):
    total: int
    changees: int
    comptes: list[dict[str, Any]]
    changements: list[dict[str, Any]]
    suivant: int | None
    rejetees: list[str]  # records of the journal that no longer validate
    non_decidees: list[str]  # valid invitations the engine could not decide
    avertissements: list[str]  # as GET …/journal's: a ``regle`` no decision names


class Diagnostics(BaseModel):
    valide: bool
    diagnostics: list[dict[str, Any]]


class Politique(BaseModel):
    nom: str | None
    chemin: str
    sha256: str
    source: str
    parametres: dict[str, Any]
    moteur: str
    chargee_le: str


class Rechargement(BaseModel):
    sha256_avant: str
    sha256: str
    change: bool


class Constat(_Open):
    code: str
    fait: str
    gravite: str
    constat: str
    preuve: str
    guide: str
    suggestion: str
    mots: list[str] | None = None


class LigneConseil(BaseModel):
    """One advice of the journal (``tamis journal conseils --format json``)."""

    seq: int
    horodatage: str
    id: str | None
    destinataire: str | None = Field(description="nom, sinon adresse ; null une fois effacé")
    verdict: str | None
    constats: list[str] = Field(description="les codes des constats")
    origine: str | None
    effacement: dict[str, Any] | None = None


class PageConseils(BaseModel):
    conseils: list[LigneConseil]
    suivant: int | None


class ConseilJournal(BaseModel):
    """Where the journal holds a piece of advice (its ``conseil`` record)."""

    id: str = Field(description="identifiant du conseil (conseil-…)")
    seq: int = Field(description="numéro de l'enregistrement « conseil » au journal")


class Conseil(BaseModel):
    """``tamis conseiller --format json``: the verdict, every finding, a note to start from,
    and where the advice was journaled (null: not journaled, ``?apercu=true``)."""

    verdict: str
    constats: list[Constat]
    modele: str | None
    journal: ConseilJournal | None


ADVICE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["a", "message"],
                    "additionalProperties": False,
                    "properties": {
                        "a": {"type": "string", "minLength": 1, "description": "destinataire"},
                        "message": {"type": "string", "description": 'la note ("" : aucune)'},
                        "profil": {
                            "type": ["string", "null"],
                            "description": "adresse du profil",
                        },
                        "contexte_rencontre": {"type": ["string", "null"]},
                    },
                }
            }
        },
    }
}
