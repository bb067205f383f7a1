"""The invitation as the rest of tamis reads it: plain objects, built once validated.

First stage of the domain flow: raw JSON -> ``Invitation`` -> facts (``extract``). Every
field but ``id`` may be absent, and absent means *inconnu* (``None``). Field names are
French, as in the published JSON Schema (``docs/invitation.schema.json``, from the pydantic
models of ``schema``). ``validation`` builds these objects: through ``quick`` for a valid
invitation of the usual shape, else through the pydantic models, which word the errors.
No pydantic here: a run of ``tamis decider`` on valid invitations never imports it.

Nothing changes these objects once built: the facts only read them. They are slotted
dataclasses, not ``frozen`` ones, because a frozen dataclass sets each field through
``object.__setattr__`` when built, which cost about 3 µs of the 21 µs spent reading and
validating each invitation of ``bench/bout_en_bout.py``; a ``NamedTuple`` builds as fast
but is slower to read, and the facts read every field several times.

The helpers below are the field rules both ways share (the pydantic models use them as
validators): a date as ``"2015"`` or ``"2015-03"``, an ISO 8601 time, a photo address, text
composed (NFC), and ``null`` meaning *no note* for ``message`` and ``inmail``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from typing import ClassVar

from tamis.grammar.numbers import MAX_DIGITS  # a count's 18 digits (docs/faits.md, « Limites »)

INCOMING = "entrante"
"""The ``sens`` of an invitation the user received (LinkedIn's ``INCOMING``)."""
OUTGOING = "sortante"
"""The ``sens`` of a request the user is about to send, to its ``destinataire`` (LinkedIn's
``OUTGOING``). Plain text, as read from the JSON: every reader of ``sens`` compares with
these two, never with a literal of its own."""

MAX_COUNT = 10**MAX_DIGITS - 1

_MONTH = re.compile(r"\d{4}(-(0[1-9]|1[0-2]))?")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def year_month(value: str) -> str:
    if not _MONTH.fullmatch(value):
        raise ValueError("date_annee_mois")
    return value


def identifier(value: str) -> str:
    """An ``id`` without NUL: PostgreSQL cannot store it in the journal's ``id_invitation``
    column, and no identifier needs one."""
    if "\x00" in value:
        raise ValueError("id_nul")
    return value


def iso_datetime(value: object) -> object:
    """An ISO 8601 text (``2026-01-29``, ``2026-01-29T14:37:00-05:00``) as a ``datetime``; a
    TOML date or date-time (a case of ``tamis tester``: ``recue_le = 2026-01-29``) is taken as
    the same text would be."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("date_iso") from None
    raise ValueError("date_iso")


def photo_address(value: object) -> object:
    if isinstance(value, str) and not _URL.fullmatch(value.strip()):
        raise ValueError("photo")
    return value


def null_means_none_given(value: object) -> object:
    """``message: null`` means *no note* (known), unlike an absent ``message`` (unknown).

    Applied only to keys present in the input, so absent stays ``None``.
    """
    return "" if value is None else value


def composed(value: str) -> str:
    """Accents composed (NFC), as policies are: « café » typed either way is one text."""
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


@dataclass(slots=True)
class Experience:
    """A position held: employer, title, and dates as ``"2015"`` or ``"2015-03"``."""

    entreprise: str | None = None
    poste: str | None = None
    debut: str | None = None
    fin: str | None = None  # absent for the current position

    NESTED: ClassVar[dict[str, type]] = {}


@dataclass(slots=True)
class Formation:
    """A school attended; a bare string in the input stands for ``{"ecole": …}``."""

    ecole: str | None = None
    diplome: str | None = None
    domaine: str | None = None
    debut: str | None = None
    fin: str | None = None

    NESTED: ClassVar[dict[str, type]] = {}


@dataclass(slots=True)
class Personne:
    """The other side of an outgoing invitation (not exposed to policies, read by ``connu``)."""

    nom: str | None = None
    profil_url: str | None = None

    NESTED: ClassVar[dict[str, type]] = {}


@dataclass(slots=True)
class Expediteur:
    """What is known of the sender's profile."""

    nom: str | None = None
    profil_url: str | None = None
    photo: bool | str | None = None  # the photo's address, true or false
    titre: str | None = None
    entreprise: str | None = None
    poste: str | None = None
    experiences: list[Experience] | None = None
    formation: list[Formation | str] | None = None
    centres_interet: list[str] | None = None
    competences: list[str] | None = None
    secteur: str | None = None
    localisation: str | None = None
    connexions: int | None = None
    recommandations: int | None = None
    relations_communes: int | None = None
    type: str | None = None  # "personne" or "entreprise"

    NESTED: ClassVar[dict[str, type]] = {"experiences": Experience, "formation": Formation}

    def schools(self) -> tuple[str, ...] | None:
        """The names of the schools attended (``None`` when the education is unknown)."""
        if self.formation is None:
            return None
        names = (f if isinstance(f, str) else f.ecole for f in self.formation)
        return tuple(n for n in names if n)

    def employers(self) -> tuple[str, ...] | None:
        """Current employer then past ones, without duplicates (``None`` when unknown)."""
        current, experiences = self.entreprise, self.experiences
        if current is None and experiences is None:
            return None
        names = [current] if current else []
        for experience in experiences or ():
            if experience.entreprise:
                names.append(experience.entreprise)
        return tuple(dict.fromkeys(names))


@dataclass(slots=True)
class Invitation:
    """One LinkedIn connection invitation, received (``entrante``) or to send (``sortante``)."""

    id: str
    recue_le: datetime | None = None
    sens: str | None = None  # INCOMING or OUTGOING
    message: str | None = None  # "" when the input says null: no note
    inmail: str | None = None  # "" when the input says null: no InMail
    relation_declaree: str | None = None
    expediteur: Expediteur = field(default_factory=Expediteur)
    destinataire: Personne | None = None

    NESTED: ClassVar[dict[str, type]] = {"expediteur": Expediteur, "destinataire": Personne}

    def recue_le_iso(self) -> str | None:
        return self.recue_le.isoformat() if self.recue_le is not None else None


def json_form(value: object) -> object:
    """The JSON form of an invitation (or of a part of it): absent fields left out, the time
    in ISO 8601 (``Z`` for UTC), as the published schema describes it."""
    if isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, list):
        return [json_form(item) for item in value]
    if not is_dataclass(value):
        return value
    pairs = ((f.name, getattr(value, f.name)) for f in fields(value))
    return {name: json_form(item) for name, item in pairs if item is not None}
