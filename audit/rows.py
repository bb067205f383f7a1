"""The rows a query shows: one per decision record, for ``chercher`` and for a spreadsheet.

Sits at the end of a query (selected records -> **rows** -> table, JSON, CSV). ``summary_row``
is the one place the row of ``chercher`` is put together: the scan calls it on the parts it
reads in a record (``summary``), the query index on the parts it keeps in its columns, so
both give the same keys, in the same order, with the same values.
"""

from __future__ import annotations

from collections.abc import Mapping

from tamis.audit.filters import Json, Outcome, Sender
from tamis.audit.stats import word
from tamis.invitations.models import OUTGOING


def summary(record: Mapping[str, Json]) -> dict[str, Json]:
    """The row ``chercher`` shows for one decision record."""
    content = record["contenu"]
    assert isinstance(content, dict)
    moment, invitation = record["horodatage"], content.get("id")
    sender, recipient = Sender.of(content).shown, Sender.request(content)
    row = summary_row(record["seq"], moment, invitation, sender, Outcome.of(content))
    return row if recipient is None else sent_to(row, recipient.shown)


def summary_row(
    seq: Json, moment: Json, invitation: Json, sender: Json, outcome: Outcome
) -> dict[str, Json]:
    """The row of ``chercher``, from the parts the scan reads in a record and the index keeps
    in its columns: the one place its keys are written (and so their order in JSON). It is
    the row of an invitation received; ``sent_to`` makes it a request's."""
    return {
        "seq": seq,
        "horodatage": moment,
        "id": invitation,
        "expediteur": sender,
        "sens": None,
        "destinataire": None,
        "decision": outcome.decision,
        "regle": outcome.rule,
        "motif": outcome.motif,
        "politique": outcome.policy_name,
    }


def sent_to(row: dict[str, Json], recipient: Json) -> dict[str, Json]:
    """``row`` as a request to send's (``filters.Sender.request``): ``sens`` « sortante »,
    and whom it goes to (name, else profile URL; None if it names no one). Its
    ``expediteur`` is the user: a reader must not take it for the other person."""
    row["sens"], row["destinataire"] = OUTGOING, recipient
    return row


SUMMARY_COLUMNS = (
    *("seq", "horodatage", "id", "expediteur", "sens", "destinataire"),
    *("decision", "regle", "motif", "politique"),
)

EXPORT_COLUMNS = (
    *SUMMARY_COLUMNS[:4],
    "expediteur_profil_url",
    "sens",
    "destinataire",
    "destinataire_profil_url",
    "decision",
    "regle",
    "ligne",
    "motif",
    "resolution",
    "declenchees",
    "inconnues",
    "faits",
    "faits_derives",
    "explication",
    "politique",
    "politique_chemin",
    "politique_sha256",
    "parametres",
    "contexte_sha256",
    "moteur",
    "duree_ms",
    "version_tamis",
    "empreinte",
    "donnees_effacees",
)


def export_row(record: Mapping[str, Json]) -> dict[str, Json]:
    """A flat row for a spreadsheet (lists and mappings as ``nom=valeur`` text). Its ``sens``
    and ``destinataire`` are ``summary``'s, which ``chercher`` shows on every backend: a
    spreadsheet joined to a search reads one word, and one person, for each decision."""
    content = record["contenu"]
    assert isinstance(content, dict)
    policy = Outcome.of(content).policy
    return {
        **summary(record),
        **{key: content.get(key) for key in ("ligne", "resolution", "explication", "moteur")},
        **{key: content.get(key) for key in ("contexte_sha256", "duree_ms", "version_tamis")},
        "expediteur_profil_url": Sender.of(content).url,
        "destinataire_profil_url": _recipient_url(content),
        "declenchees": _rule_names(content.get("declenchees")),
        "inconnues": _rule_names(content.get("inconnues")),
        "faits": pairs(content.get("faits")),
        "faits_derives": pairs(content.get("faits_derives")),
        "parametres": pairs(content.get("parametres")),
        "politique_chemin": policy.get("chemin"),
        "politique_sha256": policy.get("sha256"),
        "empreinte": record["empreinte"],
        "donnees_effacees": _erased(content.get("effacement")),
    }


def _recipient_url(content: Mapping[str, Json]) -> Json:
    """The profile URL of whom a request to send goes to (the person ``--expediteur``
    chose it by, ``Sender.person``, whom its ``expediteur`` columns, the user, do not
    name); None for an invitation received, as its ``destinataire``."""
    recipient = Sender.request(content)
    return None if recipient is None else recipient.url


def _erased(erasure: Json) -> str | None:
    """« 2026-12-02T11:18:26.123456Z (motif) » for an erased decision; None otherwise."""
    if not isinstance(erasure, dict):
        return None
    return f"{erasure.get('le')} ({erasure.get('motif')})"


def _rule_names(entries: Json) -> str:
    return " ; ".join(str(r["regle"]) for r in entries or () if isinstance(r, dict))


def pairs(values: Json) -> str:
    """``nom=valeur ; …`` for a mapping of names to values."""
    items = values.items() if isinstance(values, dict) else ()
    return " ; ".join(f"{name}={word(value)}" for name, value in items)
