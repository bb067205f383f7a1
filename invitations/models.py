"""The invitation as the user supplies it (JSON), validated with pydantic v2.

First stage of the domain flow: raw JSON -> ``Invitation`` -> facts (``extract``). Every
field but ``id`` may be absent, and absent means *inconnu*. Field names are French, as in
the published JSON Schema (``docs/invitation.schema.json``). Validation problems become
French messages in ``tamis.invitations.validation``; unknown keys are ignored here and
reported there as warnings.
"""

from __future__ import annotations

import json
import re
import unicodedata
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
)

_MONTH = re.compile(r"\d{4}(-(0[1-9]|1[0-2]))?")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def _year_month(value: str) -> str:
    if not _MONTH.fullmatch(value):
        raise ValueError("date_annee_mois")
    return value


def _iso_datetime(value: object) -> object:
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("date_iso") from None
    raise ValueError("date_iso")


def _photo(value: object) -> object:
    if isinstance(value, str) and not _URL.fullmatch(value.strip()):
        raise ValueError("photo")
    return value


def _null_means_none_given(value: object) -> object:
    """``message: null`` means *no note* (known), unlike an absent ``message`` (unknown).

    A field validator runs only for keys present in the input, so absent stays ``None``.
    """
    return "" if value is None else value


MAX_DIGITS = 18  # a count has at most 18 digits (docs/faits.md, « Limites »)
Count = Annotated[StrictInt, Field(ge=0, le=10**MAX_DIGITS - 1)]
YearMonth = Annotated[
    StrictStr,
    AfterValidator(_year_month),
    Field(json_schema_extra={"pattern": r"^\d{4}(-(0[1-9]|1[0-2]))?$"}),
]


def _composed(value: str) -> str:
    """Accents composed (NFC), as policies are: « café » typed either way is one text."""
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


Text = Annotated[StrictStr, AfterValidator(_composed)]
Texts = list[Text]
NullMeansNone = Annotated[Text | None, BeforeValidator(_null_means_none_given)]


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
    photo: Annotated[StrictBool | StrictStr | None, AfterValidator(_photo)] = Field(
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

    def schools(self) -> tuple[str, ...] | None:
        """The names of the schools attended (``None`` when the education is unknown)."""
        if self.formation is None:
            return None
        names = (f if isinstance(f, str) else f.ecole for f in self.formation)
        return tuple(n for n in names if n)

    def employers(self) -> tuple[str, ...] | None:
        """Current employer then past ones, without duplicates (``None`` when unknown)."""
        if self.entreprise is None and self.experiences is None:
            return None
        names = [self.entreprise, *(e.entreprise for e in self.experiences or ())]
        return tuple(dict.fromkeys(n for n in names if n))


class Invitation(_Model):
    """One LinkedIn connection invitation, received (``entrante``) or to send (``sortante``)."""

    id: Annotated[StrictStr, Field(min_length=1, pattern=r"\S")]  # not only spaces
    recue_le: Annotated[datetime | None, BeforeValidator(_iso_datetime)] = None
    sens: Literal["entrante", "sortante"] | None = None
    message: NullMeansNone = Field(default=None, description='"" ou null : aucune note')
    inmail: NullMeansNone = Field(default=None, description='"" ou null : aucun InMail')
    relation_declaree: Text | None = None
    expediteur: Expediteur = Field(default_factory=Expediteur)
    destinataire: Personne | None = None

    def recue_le_iso(self) -> str | None:
        return self.recue_le.isoformat() if self.recue_le is not None else None


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
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(schema_text(), end="")
