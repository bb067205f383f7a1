"""Valid invitations built without pydantic: the usual shape, checked field by field.

Between reading and the model (``validation`` calls it first): ``quick_invitation`` returns
the plain ``Invitation`` when every field present has exactly the type and form the schema
accepts (``schema``, the pydantic models), and ``None`` for anything else, however minor;
then the pydantic models decide, and word the errors. So this module never has to refuse
anything, or say why: it only has to accept nothing that the models refuse, and build what
they would build (``tests/invitations/test_quick.py`` checks both on generated invitations).
Unknown keys are ignored, as by the models (``validation`` reports them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tamis.invitations.models import (
    _MONTH,
    _URL,
    MAX_COUNT,
    Expediteur,
    Experience,
    Formation,
    Invitation,
    Personne,
    composed,
    iso_datetime,
)


class NotQuick(Exception):
    """Something the quick path does not vouch for: the pydantic models will decide."""


def quick_invitation(raw: Any) -> Invitation | None:
    """The invitation ``raw`` describes, when it is valid and of the usual shape; else None."""
    if type(raw) is not dict:
        return None
    try:
        return _invitation(raw)
    except (NotQuick, ValueError):
        return None


def _invitation(raw: dict) -> Invitation:
    ident = raw.get("id")
    if type(ident) is not str or not ident.strip():
        raise NotQuick
    sender = raw.get("expediteur", _ABSENT)
    return Invitation(
        id=ident,
        recue_le=_when(raw),
        sens=_choice(raw, "sens", ("entrante", "sortante")),
        message=_note(raw, "message"),
        inmail=_note(raw, "inmail"),
        relation_declaree=_text(raw.get("relation_declaree")),
        expediteur=Expediteur() if sender is _ABSENT else _object(sender, _sender),
        destinataire=_optional_object(raw.get("destinataire"), _person),
    )


_ABSENT = object()


def _when(raw: dict) -> object:
    value = raw.get("recue_le")
    if value is not None and type(value) is not str:
        raise NotQuick
    return iso_datetime(value)  # ValueError when unreadable


def _choice(raw: dict, key: str, choices: tuple[str, ...]) -> str | None:
    value = raw.get(key)
    if value is None or (type(value) is str and value in choices):
        return value
    raise NotQuick


def _note(raw: dict, key: str) -> str | None:
    """``message`` and ``inmail``: absent is unknown (None), ``null`` is no note ("")."""
    if key not in raw:
        return None
    value = raw[key]
    return "" if value is None else _text(value)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if type(value) is not str:
        raise NotQuick
    return composed(value)


def _texts(value: object) -> list[str] | None:
    if value is None:
        return None
    if type(value) is not list:
        raise NotQuick
    return [_text_required(item) for item in value]


def _text_required(value: object) -> str:
    if type(value) is not str:
        raise NotQuick
    return composed(value)


def _month(value: object) -> str | None:
    if value is None:
        return None
    if type(value) is not str or not _MONTH.fullmatch(value):
        raise NotQuick
    return value


def _count(value: object) -> int | None:
    if value is None:
        return None
    if type(value) is not int or not 0 <= value <= MAX_COUNT:
        raise NotQuick
    return value


def _photo(value: object) -> bool | str | None:
    if value is None or type(value) is bool:
        return value
    if type(value) is str and _URL.fullmatch(value.strip()):
        return value
    raise NotQuick


def _object(value: object, build: Callable[[dict], Any]) -> Any:
    if type(value) is not dict:
        raise NotQuick
    return build(value)


def _optional_object(value: object, build: Callable[[dict], Any]) -> Any:
    return None if value is None else _object(value, build)


def _objects(value: object, build: Callable[[dict], Any]) -> list | None:
    if value is None:
        return None
    if type(value) is not list:
        raise NotQuick
    return [_object(item, build) for item in value]


def _person(raw: dict) -> Personne:
    return Personne(nom=_text(raw.get("nom")), profil_url=_text(raw.get("profil_url")))


def _position(raw: dict) -> Experience:
    get = raw.get
    return Experience(_text(get("entreprise")), _text(get("poste")), _month(get("debut")),
                      _month(get("fin")))  # fmt: skip


def _school(raw: dict) -> Formation:
    get = raw.get
    return Formation(_text(get("ecole")), _text(get("diplome")), _text(get("domaine")),
                     _month(get("debut")), _month(get("fin")))  # fmt: skip


def _schools(value: object) -> list[Formation | str] | None:
    """A list of schools: each a bare name (kept as written) or an object."""
    if value is None:
        return None
    if type(value) is not list:
        raise NotQuick
    return [item if type(item) is str else _object(item, _school) for item in value]


def _sender(raw: dict) -> Expediteur:
    get = raw.get
    return Expediteur(
        nom=_text(get("nom")),
        profil_url=_text(get("profil_url")),
        photo=_photo(get("photo")),
        titre=_text(get("titre")),
        entreprise=_text(get("entreprise")),
        poste=_text(get("poste")),
        experiences=_objects(get("experiences"), _position),
        formation=_schools(get("formation")),
        centres_interet=_texts(get("centres_interet")),
        competences=_texts(get("competences")),
        secteur=_text(get("secteur")),
        localisation=_text(get("localisation")),
        connexions=_count(get("connexions")),
        recommandations=_count(get("recommandations")),
        relations_communes=_count(get("relations_communes")),
        type=_choice(raw, "type", ("personne", "entreprise")),
    )
