"""Valid invitations built without pydantic: the usual shape, checked key by key.

Between reading and the model (``validation`` calls it first): ``quick_invitation`` returns
the plain ``Invitation`` when every field present has exactly the type and form the schema
accepts (``schema``, the pydantic models), and ``None`` for anything else, however minor;
then the pydantic models decide, and word the errors. So this module never has to refuse
anything, or say why: it only has to accept nothing that the models refuse, and build what
they would build (``tests/invitations/test_quick.py`` checks both on generated invitations).

Each object is read in one pass over the keys it holds (``_checked``), each key checked by
its field's rule: absent fields cost nothing, and a key no model declares is ignored, as by
the models, but noted (``Quick.all_known``), so that ``validation`` looks for unknown fields
only in the rare record that has one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from tamis.invitations.models import (
    _MONTH,
    _URL,
    INCOMING,
    MAX_COUNT,
    OUTGOING,
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


class Quick(NamedTuple):
    """What the quick path made of a record: the invitation (None: the models decide) and
    whether every key of every object in it is a declared field."""

    invitation: Invitation | None
    all_known: bool


_NOT_QUICK = Quick(None, False)


def quick_invitation(raw: Any) -> Invitation | None:
    """The invitation ``raw`` describes, when it is valid and of the usual shape; else None."""
    return quick(raw).invitation


def quick(raw: Any) -> Quick:
    """``quick_invitation``, and whether ``raw`` holds only declared keys (when it is quick)."""
    strays: list[str] = []
    invitation = _parsed(raw, strays)
    return _NOT_QUICK if invitation is None else Quick(invitation, not strays)


def known_invitation(raw: Any) -> Invitation | None:
    """``quick(raw).invitation`` when every key of ``raw`` is a declared field, else None
    (the usual record, without building its ``Quick``)."""
    strays: list[str] = []
    invitation = _parsed(raw, strays)
    return None if strays else invitation


def _parsed(raw: Any, strays: list[str]) -> Invitation | None:
    """The invitation ``raw`` describes, its undeclared keys added to ``strays``; None when
    it is not a valid record of the usual shape (the models then decide)."""
    if type(raw) is not dict:
        return None
    try:
        return _invitation(raw, strays)
    except (NotQuick, ValueError):
        return None


Check = Callable[[Any, list[str]], Any]  # a key's value, the strays list -> the field value
Fields = Mapping[str, tuple[str, Check]]
"""Each field's key mapped to that key as written in this module, and its check
(``_fields``): the values are kept under this module's own key objects, which Python
interned as names, so that ``kind(**values)`` matches each to its parameter by identity.
A key as ``orjson`` read it is an equal but distinct string, compared character by
character with the parameters before it: ``Expediteur(**values)`` of a usual sender took
1.8 µs with the keys as read, 0.8 µs with these."""


def _fields(checks: Mapping[str, Check]) -> Fields:
    return {key: (key, check) for key, check in checks.items()}


def _checked(raw: dict, fields: Fields, strays: list[str]) -> dict[str, Any]:
    """The field values of the keys of ``raw``, each through its check; a key that is not a
    field is left out, and noted in ``strays``."""
    values = {}
    for key, value in raw.items():
        found = fields.get(key)
        if found is None:
            strays.append(key)
        else:
            name, check = found
            values[name] = check(value, strays)
    return values


def _invitation(raw: dict, strays: list[str]) -> Invitation:
    values = _checked(raw, _INVITATION_FIELDS, strays)
    ident = values.get("id")
    if ident is None:
        raise NotQuick
    if "destinataire" in values and values.get("sens") is None and values["destinataire"]:
        raise NotQuick  # a recipient without a direction: the models refuse it (``schema``)
    return Invitation(**values)


def _id(value: object, _strays: list[str]) -> str:
    if type(value) is not str or not value.strip() or "\x00" in value:
        raise NotQuick
    return value


def _when(value: object, _strays: list[str]) -> object:
    if value is not None and type(value) is not str:
        raise NotQuick
    return iso_datetime(value)  # ValueError when unreadable


def _choice(choices: tuple[str, ...]) -> Check:
    def check(value: object, _strays: list[str]) -> str | None:
        if value is None or (type(value) is str and value in choices):
            return value  # type: ignore[return-value]
        raise NotQuick

    return check


def _note(value: object, strays: list[str]) -> str:
    """``message`` and ``inmail`` when present: ``null`` is no note (""); absent stays None."""
    return "" if value is None else _text(value, strays)  # type: ignore[return-value]


def _text(value: object, _strays: list[str]) -> str | None:
    if value is None:
        return None
    if type(value) is not str:
        raise NotQuick
    return value if value.isascii() else composed(value)


def _texts(value: object, strays: list[str]) -> list[str] | None:
    if value is None:
        return None
    if type(value) is not list:
        raise NotQuick
    return [_text_required(item) for item in value]


def _text_required(value: object) -> str:
    if type(value) is not str:
        raise NotQuick
    return value if value.isascii() else composed(value)


def _month(value: object, _strays: list[str]) -> str | None:
    if value is None:
        return None
    if type(value) is not str or not _MONTH.fullmatch(value):
        raise NotQuick
    return value


def _count(value: object, _strays: list[str]) -> int | None:
    if value is None:
        return None
    if type(value) is not int or not 0 <= value <= MAX_COUNT:
        raise NotQuick
    return value


def _photo(value: object, _strays: list[str]) -> bool | str | None:
    if value is None or type(value) is bool:
        return value  # type: ignore[return-value]
    if type(value) is str and _URL.fullmatch(value.strip()):
        return value
    raise NotQuick


def _object(checks: dict[str, Check], kind: Callable[..., Any]) -> Callable[[object, list], Any]:
    """The check of a key whose value is one object of ``kind``."""
    fields = _fields(checks)

    def check(value: object, strays: list[str]) -> Any:
        if type(value) is not dict:
            raise NotQuick
        return kind(**_checked(value, fields, strays))

    return check


def _optional(check: Check) -> Check:
    return lambda value, strays: None if value is None else check(value, strays)


def _objects(one: Check) -> Check:
    """The check of a key whose value is a list of objects checked by ``one``."""

    def check(value: object, strays: list[str]) -> list | None:
        if value is None:
            return None
        if type(value) is not list:
            raise NotQuick
        return [one(item, strays) for item in value]

    return check


_POSITION = {"entreprise": _text, "poste": _text, "debut": _month, "fin": _month}
_SCHOOL = {**_POSITION, "ecole": _text, "diplome": _text, "domaine": _text}
del _SCHOOL["entreprise"], _SCHOOL["poste"]
_school = _object(_SCHOOL, Formation)


def _schools(value: object, strays: list[str]) -> list[Formation | str] | None:
    """A list of schools: each a bare name (kept as written) or an object."""
    if value is None:
        return None
    if type(value) is not list:
        raise NotQuick
    return [item if type(item) is str else _school(item, strays) for item in value]


_SENDER: dict[str, Check] = {
    "nom": _text,
    "profil_url": _text,
    "photo": _photo,
    "titre": _text,
    "entreprise": _text,
    "poste": _text,
    "experiences": _objects(_object(_POSITION, Experience)),
    "formation": _schools,
    "centres_interet": _texts,
    "competences": _texts,
    "secteur": _text,
    "localisation": _text,
    "connexions": _count,
    "recommandations": _count,
    "relations_communes": _count,
    "type": _choice(("personne", "entreprise")),
}
_INVITATION: dict[str, Check] = {
    "id": _id,
    "recue_le": _when,
    "sens": _choice((INCOMING, OUTGOING)),
    "message": _note,
    "inmail": _note,
    "relation_declaree": _text,
    "expediteur": _object(_SENDER, Expediteur),
    "destinataire": _optional(_object({"nom": _text, "profil_url": _text}, Personne)),
}
_INVITATION_FIELDS = _fields(_INVITATION)
