"""A record's line and its row: the one place that knows how the table holds a record.

A row holds the record's envelope, its ``contenu`` and (format 3) its personal part, each
as canonical JSON (``layout.canonical``), plus copies of a few content fields for the
indexes. ``line_of`` puts the line back together with ``layout.canonical`` over the parts
(``orjson.Fragment``: the stored JSON is written as it is, never parsed again): for a
record tamis wrote, the very bytes of the file's line; for a line another program had
re-serialised, its canonical form, whose digest is the same. ``LINE_SQL`` is the same line
built by the server (``verifier``'s fast pass, ``read.blocks``): the same bytes for every row
whose envelope JSON escapes as orjson does, which is every row tamis writes.
"""

from __future__ import annotations

from typing import NamedTuple

import orjson

from tamis.audit import layout
from tamis.audit.chain import policy_sha
from tamis.audit.personal import KEY

COLUMNS = (
    "seq",
    "horodatage",
    "evenement",
    "precedente",
    "empreinte",
    "version",
    "contenu",
    "donnees_personnelles",
    "politique_sha256",
    "id_invitation",
    "decision",
)
LINE_COLUMNS = COLUMNS[:8]
"""The columns a line is rebuilt from, in this order."""

LINE_SQL = (
    """'{"contenu":' || contenu"""
    """ || coalesce(',"donnees_personnelles":' || donnees_personnelles, '')"""
    """ || ',"empreinte":' || to_json(empreinte) || ',"evenement":' || to_json(evenement)"""
    """ || ',"horodatage":' || to_json(horodatage) || ',"precedente":' || to_json(precedente)"""
    """ || ',"seq":' || seq || ',"version":' || version || '}'"""
)
"""``line_of`` in SQL: the stored JSON as it is, the envelope's texts escaped by the server's
``to_json`` (a text it escapes otherwise than orjson gives other bytes, whose digest fails,
and the row is then read through ``line_of``)."""


class Row(NamedTuple):
    seq: int
    horodatage: str
    evenement: str
    precedente: str
    empreinte: str
    version: int
    contenu: str
    donnees_personnelles: str | None
    politique_sha256: str | None
    id_invitation: str | None
    decision: str | None


def row_of(line: bytes) -> Row:
    """The row of a sealed line (without its ``\\n``) that tamis wrote or verified."""
    record = orjson.loads(line)
    content = record["contenu"]
    personal = record.get(KEY)
    is_decision = record["evenement"] == "decision"
    return Row(
        record["seq"],
        record["horodatage"],
        record["evenement"],
        record["precedente"],
        record["empreinte"],
        record["version"],
        layout.canonical(content).decode(),
        None if personal is None else layout.canonical(personal).decode(),
        policy_sha(record),
        str(content.get("id")) if is_decision else None,
        content.get("decision") if is_decision else None,
    )


def line_of(
    seq: int,
    horodatage: str,
    evenement: str,
    precedente: str,
    empreinte: str,
    version: int,
    contenu: str,
    donnees_personnelles: str | None,
) -> bytes:
    """The line (without ``\\n``) of a row's ``LINE_COLUMNS``."""
    record = {
        "contenu": orjson.Fragment(contenu),
        "empreinte": empreinte,
        "evenement": evenement,
        "horodatage": horodatage,
        "precedente": precedente,
        "seq": seq,
        "version": version,
    }
    if donnees_personnelles is not None:
        record[KEY] = orjson.Fragment(donnees_personnelles)
    return layout.canonical(record)
