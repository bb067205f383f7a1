"""The invitation's schema as pydantic models: the full validation and the published JSON
Schema (``docs/invitation.schema.json``).

Beside the plain objects of ``models`` (what the rest of tamis reads): a valid invitation of
the usual shape is built by ``quick`` without pydantic, which costs a tenth of a second to
import at every start of ``tamis decider``. Anything else comes here: these models decide
whether it is valid (``validation`` words their errors in French, and turns a valid model
into the plain objects). Field names are French, as in the published schema; every field
but ``id`` may be absent, and absent means *inconnu*; unknown keys are ignored here and
reported by ``validation`` as warnings. ``tests/invitations/test_quick.py`` checks that
``quick`` accepts nothing these models refuse, and builds what they build.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
)

from tamis.invitations.models import (
    MAX_DIGITS,
    composed,
    identifier,
    iso_datetime,
    null_means_none_given,
    photo_address,
    year_month,
)

Count = Annotated[StrictInt, Field(ge=0, le=10**MAX_DIGITS - 1)]
YearMonth = Annotated[
    StrictStr,
    AfterValidator(year_month),
    Field(json_schema_extra={"pattern": r"^\d{4}(-(0[1-9]|1[0-2]))?$"}),
]
Text = Annotated[StrictStr, AfterValidator(composed)]
Texts = list[Text]
NullMeansNone = Annotated[Text | None, BeforeValidator(null_means_none_given)]


RECORDED = "enregistree"
"""The validation context's key of an invitation read back from the journal."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Experience(_Model):
    """A position held: employer, title, and dates as ``"2015"`` or ``"2015-03"``."""

    entreprise: Text | None = None
    poste: Text | None = None
    debut: YearMonth | None = None
    fin: YearMonth | None = Field(default=None, description="absente pour le poste actuel")


class Formation(_Model):
    """A school attended; a bare string in the input stands for ``{"ecole": …}``."""

    ecole: Text | None = None
    diplome: Text | None = None
    domaine: Text | None = None
    debut: YearMonth | None = None
    fin: YearMonth | None = None


class Personne(_Model):
    """The other side of an outgoing invitation (not exposed to policies, read by ``connu``)."""

    nom: Text | None = None
    profil_url: Text | None = None


class Expediteur(_Model):
    """What is known of the sender's profile."""

    nom: Text | None = None
    profil_url: Text | None = None
    photo: Annotated[StrictBool | StrictStr | None, AfterValidator(photo_address)] = Field(
        default=None, description="adresse de la photo, true ou false"
    )
    titre: Text | None = None
    entreprise: Text | None = None
    poste: Text | None = None
    experiences: list[Experience] | None = None
    formation: list[Formation | StrictStr] | None = None
    centres_interet: Texts | None = None
    competences: Texts | None = None
    secteur: Text | None = None
    localisation: Text | None = None
    connexions: Count | None = None
    recommandations: Count | None = None
    relations_communes: Count | None = None
    type: Literal["personne", "entreprise"] | None = None


class Invitation(_Model):
    """One LinkedIn connection invitation, received (``entrante``) or to send (``sortante``)."""

    id: Annotated[  # not only spaces, no NUL
        StrictStr,
        Field(min_length=1, pattern=r"\S", json_schema_extra={"not": {"pattern": "\\u0000"}}),
        AfterValidator(identifier),
    ]
    recue_le: Annotated[datetime | None, BeforeValidator(iso_datetime)] = None
    sens: Literal["entrante", "sortante"] | None = None
    message: NullMeansNone = Field(default=None, description='"" ou null : aucune note')
    inmail: NullMeansNone = Field(default=None, description='"" ou null : aucun InMail')
    relation_declaree: Text | None = None
    expediteur: Expediteur = Field(default_factory=Expediteur)
    destinataire: Personne | None = None

    @field_validator("destinataire")
    @classmethod
    def _directed(cls, recipient: Personne | None, info: ValidationInfo) -> Personne | None:
        """A ``destinataire`` without ``sens`` is refused: most likely a request to send whose
        ``sens`` was forgotten, it was decided as received (its sender named as the other
        person, « Accepter » or « Ignorer » advised) while its policy saw ``sens`` inconnu.
        ``quick`` never vouches for one. An invitation read back from the journal
        (``RECORDED`` in the context: ``rejouer``) was decided as it is, and still is."""
        recorded = bool(info.context and info.context.get(RECORDED))
        if recorded or recipient is None or "sens" not in info.data or info.data["sens"]:
            return recipient  # no ``sens`` in ``data``: it was refused, and says so
        raise ValueError("destinataire_sans_sens")


_FRENCH = {
    "Invitation": "Une invitation LinkedIn reçue (entrante) ou à envoyer (sortante).",
    "Expediteur": "Ce que l'on sait du profil de l'expéditeur ; tout champ absent est inconnu.",
    "Experience": "Un poste occupé ; dates « 2015 » ou « 2015-03 », fin absente si actuel.",
    "Formation": 'Un établissement fréquenté (une simple chaîne vaut {"ecole": …}).',
    "Personne": "Le destinataire d'une invitation sortante (lu par le fait connu).",
}


def schema_text() -> str:
    """The published JSON Schema of an invitation (``docs/invitation.schema.json``).

    Descriptions are replaced by French ones: the schema is user documentation.
    """
    schema = Invitation.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Invitation LinkedIn (tamis)"
    schema["description"] = _FRENCH["Invitation"]
    for name, definition in schema.get("$defs", {}).items():
        definition["description"] = _FRENCH[name]
    schema["if"] = {
        "properties": {"destinataire": {"type": "object"}},
        "required": ["destinataire"],
    }
    schema["then"] = {  # ``Invitation._directed``: a recipient tells a direction, or is refused
        "properties": {"sens": {"type": "string"}},
        "required": ["sens"],
    }
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(schema_text(), end="")
