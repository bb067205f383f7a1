"""Turn a raw JSON object into an ``Invitation``, or into French errors naming record and field.

Between reading (``reader``, ``linkedin``) and the model (``models``). A valid invitation of
the usual shape is built by ``quick``, without pydantic, in the same pass that tells whether
it holds an unknown key; anything else is validated by the
pydantic models of ``schema`` (imported then only), whose English errors with internal
locations this module rewrites as « invitation « a-12 », champ « expediteur.connexions » :
… ». Unknown keys are listed as warnings (they are ignored, so never reach the facts).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import orjson

from tamis.invitations.models import MAX_DIGITS, Invitation
from tamis.invitations.quick import quick

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

_MESSAGES = {
    "missing": "champ obligatoire manquant",
    "string_type": "doit être un texte",
    "string_too_short": "ne doit pas être vide",
    "string_pattern_mismatch": "ne doit pas être fait que d'espaces",
    "int_type": "doit être un nombre entier",
    "int_from_float": "doit être un nombre entier",
    "greater_than_equal": "ne doit pas être négatif",
    "bool_type": "doit être vrai ou faux (true/false)",
    "list_type": "doit être une liste",
    "model_type": "doit être un objet JSON",
    "model_attributes_type": "doit être un objet JSON",
    "dict_type": "doit être un objet JSON",
}
_VALUE_ERRORS = {
    "date_annee_mois": "date illisible : attendu une année « 2015 » ou une année-mois « 2015-03 »",
    "date_iso": "date illisible : attendu une date ISO 8601, p. ex. « 2026-01-29T14:37:00 »",
    "photo": "doit être l'adresse (URL http…) de la photo, true ou false",
    "id_nul": "ne doit pas contenir de caractère nul (\\u0000)",
    "destinataire_sans_sens": (
        "donné sans « sens » ; ajoutez « sens » : « sortante » pour une demande à envoyer à ce "
        "destinataire (ou « entrante » pour une invitation reçue)"
    ),
}
_WITHOUT_INPUT = frozenset({"destinataire_sans_sens"})  # the value is not what is wrong
_BY_FIELD = {
    "photo": _VALUE_ERRORS["photo"],
    "formation": "doit être le nom d'un établissement (texte) ou un objet {ecole, diplome, …}",
}


def validate(
    raw: object, label: str | None = None, *, recorded: bool = False
) -> tuple[Invitation | None, list[str], list[str]]:
    """Validate one raw record; returns (invitation or None, errors, warnings), all French.

    ``label`` names the record when it has no usable ``id`` (e.g. « seq 12 »); leave it out
    when the caller reports the record's location beside each message. ``recorded``: an
    invitation read back from the journal, decided once as it was (``schema.RECORDED``).
    """
    if not _is_mapping(type(raw)):
        expected = f"un objet JSON était attendu, reçu {_kind(raw)}"
        return None, [f"{label} : {expected}" if label else expected], []
    invitation, all_known = quick(raw)
    warnings = [] if all_known else _unknown_warnings(raw, label)
    if invitation is not None:
        return invitation, [], warnings
    from pydantic import ValidationError  # only for what the quick path did not vouch for

    from tamis.invitations import schema

    try:
        model = schema.Invitation.model_validate(raw, context={schema.RECORDED: recorded})
    except ValidationError as error:
        return None, french_errors(error, record_name(raw, label)), warnings
    return plain(model, Invitation), [], warnings


def _unknown_warnings(raw: Mapping[str, Any], label: str | None) -> list[str]:
    unknown = unknown_fields(Invitation, raw)
    if not unknown:
        return []
    name = record_name(raw, label)
    return [f"{name}, champ « {p} » inconnu : ignoré" for p in unknown]


class InvalidInvitation(ValueError):
    """Not a valid invitation; ``errors`` are the French messages ``validate`` gives."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def invitation_from(raw: object) -> Invitation:
    """The invitation ``raw`` describes; raises ``InvalidInvitation`` when it is not one."""
    invitation, errors, _ = validate(raw)
    if invitation is None:
        raise InvalidInvitation(errors)
    return invitation


def plain(model: BaseModel, kind: type) -> Any:
    """The plain object (``models``) of a validated pydantic model of ``schema``."""
    values = {}
    for field in dataclasses.fields(kind):
        value = getattr(model, field.name)
        nested = kind.NESTED.get(field.name)
        if nested is not None and value is not None:
            if isinstance(value, list):
                value = [item if isinstance(item, str) else plain(item, nested) for item in value]
            else:
                value = plain(value, nested)
        values[field.name] = value
    return kind(**values)


def record_name(raw: Mapping[str, Any], label: str | None = None) -> str:
    """« invitation « a-12 » » when the record has a text id, else « invitation sans id »
    followed by the label, if any."""
    ident = raw.get("id")
    if isinstance(ident, str) and ident.strip() and "\x00" not in ident:
        return f"invitation « {ident} »"
    return f"invitation sans id ({label})" if label else "invitation sans id"


def french_errors(error: ValidationError, name: str) -> list[str]:
    """One French message per faulty field (union branches merged)."""
    by_path: dict[str, list[dict[str, Any]]] = {}
    for detail in error.errors(include_url=False):
        by_path.setdefault(_path(detail["loc"]), []).append(detail)
    return [
        f"{name}, champ « {path} » : {_explain(path, details)}"
        for path, details in by_path.items()
        if not any(other.startswith((f"{path}.", f"{path}[")) for other in by_path)
    ]


def _explain(path: str, details: list[dict[str, Any]]) -> str:
    leaf = path.rsplit(".", 1)[-1].split("[", 1)[0]
    first = details[0]
    digits = _digits(first.get("input"))
    if digits > MAX_DIGITS:  # read as a float past 2**64: never show it as « 1e+23 »
        return f"nombre de {digits} chiffres ; au plus {MAX_DIGITS}"
    if len(details) > 1 and leaf in _BY_FIELD:
        text = _BY_FIELD[leaf]
    elif first["type"] == "value_error":
        code = str(first.get("ctx", {}).get("error", ""))
        text = _VALUE_ERRORS.get(code, code)
        if code in _WITHOUT_INPUT:
            return text
    elif first["type"] == "literal_error":
        choices = re.findall(r"'([^']*)'", str(first["ctx"]["expected"]))
        text = "doit valoir " + " ou ".join(f"« {c} »" for c in choices)
    else:
        text = _MESSAGES.get(first["type"], f"valeur invalide ({first['msg']})")
    if first["type"] == "missing":
        return text
    return f"{text} (reçu : {_show(first.get('input'))})"


def _digits(value: object) -> int:
    """How many digits the integer part of a number has (0 for anything else)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return 0
    if value in (float("inf"), float("-inf")):
        return 0
    return len(str(abs(int(value))))


def _path(loc: tuple[int | str, ...]) -> str:
    """``("expediteur", "experiences", 0, "debut")`` -> ``expediteur.experiences[0].debut``.

    Union branch tags that pydantic inserts (``"str"``, ``"Formation"``, ``"function-after[…]"``)
    are dropped: they are not field names.
    """
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in _FIELD_NAMES:
            text += f".{part}" if text else part
    return text or "(racine)"


_SHOWN = 24  # characters of a wrong value shown at most: enough to recognise it, and an
# error message copied into a ticket or a log does not carry someone's message or profile


def _show(value: object) -> str:
    """A wrong value, short: a text cut to ``_SHOWN`` characters, a list or an object by its
    kind only (they hold what the sender wrote)."""
    if isinstance(value, list | dict):
        return _kind(value)
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _kind(value: object) -> str:
    names = {
        list: "une liste",
        dict: "un objet",
        str: "un texte",
        bool: "un booléen",
        type(None): "null",
    }
    return names.get(type(value), "un nombre" if isinstance(value, int | float) else "autre chose")


@dataclass(frozen=True)
class _Shape:
    """The keys a model declares, and the shape of each key that nests a model."""

    keys: frozenset[str]
    nested: Mapping[str, _Shape]


@cache
def _shape(model: type) -> _Shape:
    """The keys of a plain model (``models``) and the shapes of those that nest one."""
    nested = {name: _shape(sub) for name, sub in model.NESTED.items()}
    return _Shape(frozenset(f.name for f in dataclasses.fields(model)), nested)


def unknown_fields(model: type, raw: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of the keys in ``raw`` that ``model`` does not declare, recursively."""
    return _unknown(_shape(model), raw, prefix)


def _unknown(shape: _Shape, raw: Mapping[str, Any], prefix: str) -> list[str]:
    if not shape.keys.issuperset(raw):
        return _unknown_in_order(shape, raw, prefix)
    if not shape.nested:  # a model that nests none (an experience, a school): all known
        return []
    # The common case: only declared keys here; look inside those that nest a model.
    nested = shape.nested.keys() & raw.keys()
    if len(nested) > 1:
        nested = [key for key in raw if key in nested]  # report in the input's order
    found: list[str] = []
    for key in nested:
        found += _unknown_inside(shape.nested[key], raw[key], _join(prefix, key))
    return found


def _unknown_in_order(shape: _Shape, raw: Mapping[str, Any], prefix: str) -> list[str]:
    """Unknown keys of ``raw`` and inside its nested objects, in the input's order."""
    found: list[str] = []
    for key, value in raw.items():
        sub = shape.nested.get(key)
        if sub is not None:
            found += _unknown_inside(sub, value, _join(prefix, key))
        elif key not in shape.keys:
            found.append(_join(prefix, key))
    return found


def _unknown_inside(shape: _Shape, value: object, path: str) -> list[str]:
    """Unknown keys in the value of a key that nests a model: an object or a list of them."""
    if _is_mapping(type(value)):
        return _unknown(shape, value, path)
    found: list[str] = []
    if isinstance(value, list):
        keys = shape.keys if not shape.nested else frozenset()
        for i, item in enumerate(value):
            if _is_mapping(type(item)) and not keys.issuperset(item):
                found += _unknown(shape, item, f"{path}[{i}]")
    return found


@cache
def _is_mapping(kind: type) -> bool:
    """Whether values of type ``kind`` are JSON objects (the ABC check is slow: once a type)."""
    return issubclass(kind, Mapping)


def _join(prefix: str, key: object) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _all_field_names(model: type) -> set[str]:
    shape = _shape(model)
    names = set(shape.keys)
    for sub in model.NESTED.values():
        names |= _all_field_names(sub)
    return names


_FIELD_NAMES = _all_field_names(Invitation)
