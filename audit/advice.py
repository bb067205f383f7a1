"""The ``conseil`` record: advice on a draft request, journaled as an event of its own.

Sits beside ``record`` (which serialises decisions): ``tamis conseiller`` and the service's
``POST …/conseils`` hand the journal what the advice concluded (an ``AdviceEntry``: the
advice as ``tamis conseiller --format json`` gives it, and the draft it judged); ``content``
serialises it, ``split`` cuts it in two as format 3 cuts a decision, and the journal seals it
like any record (``Journal.record_advice``). Nothing here decides anything, and no reader of
decisions (``chercher``, ``stats``, ``pourquoi``, the index) ever sees one: they keep
``evenement == "decision"``.

The **advice part** (``contenu``) says what was concluded and under what, without naming
anyone: ``id`` (``conseil-`` and 16 random hex digits), ``verdict``, ``constats`` (each
finding's ``code``, ``fait``, ``gravite``, ``constat``, ``guide``, ``suggestion``: tamis's own
texts), ``modele_propose``, ``longueur_note``, ``origine`` (``conseiller``, ``service``,
``interface``), ``version_tamis`` and ``contexte_sha256`` when a context was read. The
**personal part** (``donnees_personnelles.donnees``) is everything that comes from the draft
or quotes it: ``destinataire`` (``nom``, ``profil_url``), ``message``, ``contexte_rencontre``,
``modele`` (the skeleton, with the recipient's first name) and, aligned with ``constats``,
each finding's ``preuve`` and ``mots``. Readers see the two put back together (``restored``):
``contenu.constats`` then reads exactly as ``tamis conseiller --format json``'s.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any, NamedTuple

from tamis.audit.version import VERSION

if TYPE_CHECKING:  # annotations only: the journal's writers need not load the filters
    from tamis.audit.filters import Filter, Json

EVENT = "conseil"
ID_PREFIX = "conseil-"
QUOTING = ("preuve", "mots")
"""A finding's keys that quote the draft: kept in the personal part."""
_DRAFT = ("destinataire", "message", "contexte_rencontre", "modele")
"""The personal part's keys besides the findings' quotes."""


class Origin(Enum):
    """Who asked for the advice (values: what ``contenu.origine`` holds)."""

    COMMAND = "conseiller"  # tamis conseiller
    SERVICE = "service"  # POST …/conseils
    WEB = "interface"  # the « Avant d'envoyer » page, on an explicit « Vérifier »


class AdviceEntry(NamedTuple):
    """What the journal receives for one piece of advice."""

    advice: Mapping[str, Any]  # ``Advice.to_json()``: verdict, constats, modele
    recipient: str
    message: str
    profile_url: str | None
    meeting: str | None
    origin: Origin
    context_sha256: str | None = None


def new_id() -> str:
    """An advice's identifier: opaque (random), so it names no one. ``os.urandom(8).hex()``
    is what ``secrets.token_hex(8)`` returns; the ``secrets`` module would cost every
    command that opens a journal 7M instructions of imports."""
    return ID_PREFIX + os.urandom(8).hex()


def content(entry: AdviceEntry, advice_id: str) -> dict[str, Any]:
    """The whole ``contenu`` as readers see it (advice part and personal part together)."""
    recipient = {"nom": entry.recipient}
    if entry.profile_url:
        recipient["profil_url"] = entry.profile_url
    out: dict[str, Any] = {
        "id": advice_id,
        "verdict": entry.advice["verdict"],
        "constats": [dict(finding) for finding in entry.advice["constats"]],
        "modele_propose": entry.advice.get("modele") is not None,
        "longueur_note": len(entry.message.strip()),
        "origine": entry.origin.value,
        "version_tamis": VERSION,
        "destinataire": recipient,
        "message": entry.message,
    }
    optional = (
        ("contexte_sha256", entry.context_sha256),
        ("contexte_rencontre", entry.meeting),
        ("modele", entry.advice.get("modele")),
    )
    out.update((key, value) for key, value in optional if value is not None)
    return out


def split(whole: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(advice part, personal data)`` of a ``content``; ``restored`` undoes it."""
    public = {key: value for key, value in whole.items() if key not in _DRAFT}
    data = {key: whole[key] for key in _DRAFT if key in whole}
    findings = whole.get("constats") or []
    public["constats"] = [_without(finding, QUOTING) for finding in findings]
    data["constats"] = [_only(finding, QUOTING) for finding in findings]
    return public, data


def restored(public: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The advice part with its personal data put back (what ``split`` cut)."""
    whole = {**public, **{key: data[key] for key in _DRAFT if key in data}}
    quotes = data.get("constats")
    findings = public.get("constats")
    if isinstance(quotes, list) and isinstance(findings, list):
        whole["constats"] = [
            _with(finding, quote) for finding, quote in zip(findings, quotes, strict=False)
        ]
    return whole


def _with(finding: Any, quote: Any) -> Any:
    both = isinstance(finding, dict) and isinstance(quote, dict)
    return {**finding, **quote} if both else finding


def _without(finding: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: value for key, value in finding.items() if key not in keys}


def _only(finding: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: finding[key] for key in keys if key in finding}


def shape(contenu: Mapping[str, Any]) -> bool:
    """The keys and types every reader of advice relies on (``chain.is_record``)."""
    findings = contenu.get("constats")
    return (
        isinstance(contenu.get("id"), str)
        and isinstance(contenu.get("verdict"), str)
        and isinstance(findings, list)
        and all(isinstance(f, dict) and isinstance(f.get("code"), str) for f in findings)
        and isinstance(contenu.get("destinataire", {}), dict)
    )


def recipient(contenu: Mapping[str, Json]) -> tuple[Json, Json]:
    """``(name, profile URL)`` as recorded (both None once erased)."""
    person = contenu.get("destinataire")
    if not isinstance(person, dict):
        return None, None
    return person.get("nom"), person.get("profil_url")


def codes(contenu: Mapping[str, Json]) -> list[str]:
    """The findings' codes, in the order they were shown."""
    findings = contenu.get("constats")
    if not isinstance(findings, list):
        return []
    return [f["code"] for f in findings if isinstance(f, dict) and isinstance(f.get("code"), str)]


def decision_only(flt: Filter) -> bool:
    """A filter with a criterion only a decision has (decision, rule, fact, policy, invitation):
    no advice can match it."""
    return bool(
        flt.decisions
        or flt.rules
        or flt.facts
        or flt.policy is not None
        or flt.invitation is not None
        or flt.invitation_prefix is not None
    )


def matches(flt: Filter, record: Mapping[str, Json]) -> bool:
    """The journal's filter on an advice record: its period, and ``--expediteur`` read as the
    person the advice is about (its recipient). What erases a person's decisions therefore
    erases the advice about them too."""
    contenu = record.get("contenu")
    moment = record.get("horodatage")
    return (
        record.get("evenement") == EVENT
        and isinstance(contenu, dict)
        and not decision_only(flt)
        and flt.in_period(moment if isinstance(moment, str) else "")
        and flt.sender_ok(*recipient(contenu))
    )
