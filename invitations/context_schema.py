"""The context file's schema as pydantic models: what decides, and words, a context file that
is not of the expected shape.

``context.quick_context_file`` reads a well-formed ``tamis.toml`` without pydantic (it costs
a tenth of a second to import at every start of ``tamis decider``); any other document comes
here, and the first problem pydantic finds becomes a French ``ContextError`` naming the file
and the key. ``tests/invitations/test_context_quick.py`` checks that the quick reading
accepts nothing these models refuse, and reads what they read.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
)

from tamis.invitations import context

ParamValue = StrictBool | StrictInt | StrictFloat | StrictStr | list[StrictStr]
Names = Annotated[list[StrictStr], Field(default_factory=list)]


_UNION_TAGS = {"bool", "int", "float", "str", "list[str]"}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Moi(_Section):
    nom: StrictStr | None = None
    domaines: Names
    entreprises: Names
    ecoles: Names
    langues: Names


class Reseau(_Section):
    contacts: Names
    fichiers: Names


class ContextFile(_Section):
    """The TOML document's shape (``[moi]``, ``[reseau]``, ``[parametres]``)."""

    moi: Moi = Field(default_factory=Moi)
    reseau: Reseau = Field(default_factory=Reseau)
    parametres: dict[str, ParamValue] = Field(default_factory=dict)
    conservation: StrictStr | None = None  # "365j": how long the journal keeps personal data


def validate_document(document: Mapping[str, object], path: Path) -> context.ContextFile:
    """The document's sections (``context.ContextFile``); raises ``context.ContextError``
    naming the file and the first key in error."""
    try:
        parsed = ContextFile.model_validate(document)
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        key = ".".join(str(p) for p in detail["loc"] if str(p) not in _UNION_TAGS)
        message = f"{path} : clé « {key} » : {_french_context(detail, key)}"
        raise context.ContextError(message) from None
    return plain(parsed)


def plain(parsed: ContextFile) -> context.ContextFile:
    """The plain sections (``context``) of a validated document."""
    moi = context.Me(**parsed.moi.model_dump())
    reseau = context.NetworkSection(**parsed.reseau.model_dump())
    return context.ContextFile(moi, reseau, dict(parsed.parametres), parsed.conservation)


def _french_context(detail: Mapping[str, object], key: str) -> str:
    sections = {"moi": Moi, "reseau": Reseau, "parametres": None}
    kind = detail["type"]
    if kind == "extra_forbidden":
        section = key.split(".")[0]
        known = sections.get(section) if "." in key else None
        allowed = sorted(known.model_fields) if known else sorted(sections)
        return "clé inconnue ; clés permises : " + ", ".join(allowed)
    if kind in ("list_type", "string_type"):
        return "doit être " + ("une liste de textes" if kind == "list_type" else "un texte")
    if key.startswith("parametres."):
        return "doit être un nombre, un texte, un booléen ou une liste de textes"
    return "doit être une table TOML" if kind in ("model_type", "dict_type") else "valeur invalide"
