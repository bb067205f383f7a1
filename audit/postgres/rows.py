"""A record's line and its row: the one place that knows how the table holds a record.

A row holds the record's envelope, its ``contenu`` and (format 3) its personal part, each
as canonical JSON (``layout.canonical``), plus copies of a few fields for the indexes and
the queries (``QueryCopies``): what ``chercher`` shows and ``stats`` counts, so that they read
small columns and never the content. ``line_of`` puts the line back together with
``layout.canonical`` over the parts (``orjson.Fragment``: the stored JSON is written as it
is, never parsed again): for a record tamis wrote, the very bytes of the file's line; for a
line another program had re-serialised, its canonical form, whose digest is the same.
``line_from_bytes`` is the same line from the columns' bytes as a binary ``COPY`` sends them
(the readers' fast path), with no JSON to render when the envelope's texts are plain (every
row tamis writes).
"""

from __future__ import annotations

import re
from typing import NamedTuple

import orjson

from tamis.audit import layout
from tamis.audit.chain import claimed_seq, policy_sha, record_flaw
from tamis.audit.errors import JournalError
from tamis.audit.filters import Json, Outcome, Sender
from tamis.audit.personal import KEY, merged
from tamis.audit.stats import fact_profile

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
    "issue",
    "regle",
    "profil",
    "expediteur",
)
LINE_COLUMNS = COLUMNS[:8]
"""The columns a line is rebuilt from, in this order."""


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
    issue: str | None
    regle: str | None
    profil: str | None
    expediteur: str | None


class QueryCopies(NamedTuple):
    """What a decision row copies for the queries (schema version 3), each as canonical JSON
    but ``regle``: ``issue`` the ``filters.Outcome`` (decision, rule, motif, recorded
    policy: what ``chercher`` shows and its filters test), ``regle`` the rule as text (for
    its index), ``profil`` the ``[fait, vrai|faux|inconnu]`` pairs ``stats`` counts, and
    ``expediteur`` who sent it as ``chercher`` shows it: personal data, set to NULL with
    the personal part when it is erased (a trigger, ``schema``)."""

    issue: str | None = None
    regle: str | None = None
    profil: str | None = None
    expediteur: str | None = None


def row_of(line: bytes) -> Row:
    """The row of a sealed line (without its ``\\n``) that tamis wrote or verified; a
    French ``JournalError`` naming the record (« enregistrement n° 3 illisible : … ») if it
    is not one. Its callers give lines tamis rendered, or verified with their contents
    (``copier``, ``migrer``): that error is not expected, but it is never a traceback, and
    nothing of the row is written."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise _unreadable(line, "ce n'est pas du JSON valide") from None
    why = _envelope_flaw(record)
    if why is not None:
        raise _unreadable(line, why)
    try:
        return _row(record)
    except (KeyError, TypeError, AttributeError, ValueError):
        raise _unreadable(line, record_flaw(record) or "forme inattendue") from None


_ENVELOPE = tuple(
    (key, kind, "un entier" if kind is int else "un texte")
    for key, kind in zip(LINE_COLUMNS[:6], (int, str, str, str, str, int), strict=True)
)


def _envelope_flaw(record: object) -> str | None:
    """What keeps ``record`` from filling a row's envelope columns, in French; None if
    nothing does."""
    if not isinstance(record, dict):
        return "ce n'est pas un objet JSON"
    for key, kind, said in _ENVELOPE:
        if key not in record:
            return f"son champ « {key} » manque"
        if not isinstance(record[key], kind):
            return f"son champ « {key} » n'est pas {said}"
    return None


def _unreadable(line: bytes, why: str) -> JournalError:
    return JournalError(f"enregistrement n° {claimed_seq(line)} illisible : {why}.")


def _row(record: dict) -> Row:
    personal = record.get(KEY)
    return Row(
        record["seq"],
        record["horodatage"],
        record["evenement"],
        record["precedente"],
        record["empreinte"],
        record["version"],
        layout.canonical(record["contenu"]).decode(),
        None if personal is None else layout.canonical(personal).decode(),
        *indexed(record),
        *(query_copies_of(record) if record["evenement"] == "decision" else QueryCopies()),
    )


class Indexed(NamedTuple):
    """The columns copied from a record's content for the indexes (``Row``'s 9th to 11th)."""

    politique_sha256: str | None
    id_invitation: str | None
    decision: str | None


def indexed(record: dict) -> Indexed:
    """What the copied columns of ``record``'s row hold: the policy's sha256 for any record
    that names one, the id and the decision for a decision."""
    content = record["contenu"]
    if record["evenement"] != "decision":
        return Indexed(policy_sha(record), None, None)
    return Indexed(policy_sha(record), str(content.get("id")), content.get("decision"))


def query_copies_of(record: dict) -> QueryCopies:
    """The query columns of a decision record (as parsed from its line, personal part apart);
    none if its personal part has neither of its two shapes."""
    whole = merged(record)
    if whole is None or not isinstance(whole.get("contenu"), dict):
        return QueryCopies()
    content = whole["contenu"]
    outcome = Outcome.of(content)
    shown = Sender.of(content).shown
    return QueryCopies(
        _json(list(outcome)),
        outcome.rule if isinstance(outcome.rule, str) else None,
        _json(fact_profile(content)),
        None if shown is None else _json(shown),
    )


def parts_record(contenu: str, donnees_personnelles: str | None) -> dict:
    """A decision record as ``query_copies_of`` reads it, from its two JSON columns."""
    record = {"contenu": orjson.loads(contenu), "evenement": "decision"}
    if donnees_personnelles is not None:
        record[KEY] = orjson.loads(donnees_personnelles)
    return record


def _json(value: Json) -> str:
    return layout.canonical(value).decode()


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


_PLAIN = re.compile(rb'[^"\\\x00-\x1f]*').fullmatch  # texts JSON writes as they are
_LINE = (
    b'{"contenu":%b,"empreinte":"%b","evenement":"%b","horodatage":"%b","precedente":"%b",'
    b'"seq":%d,"version":%d}'
)
_LINE_PERSONAL = (
    b'{"contenu":%b,"donnees_personnelles":%b,"empreinte":"%b","evenement":"%b",'
    b'"horodatage":"%b","precedente":"%b","seq":%d,"version":%d}'
)


def line_from_bytes(
    contenu: bytes,
    donnees_personnelles: bytes | None,
    empreinte: bytes,
    evenement: bytes,
    horodatage: bytes,
    precedente: bytes,
    seq: int,
    version: int,
) -> bytes:
    """``line_of`` of a row read as bytes (UTF-8; ``COPY_COLUMNS``' order): the same bytes,
    put together without rendering JSON when the envelope's texts need no escape."""
    if not _PLAIN(empreinte + evenement + horodatage + precedente):
        texts = (horodatage, evenement, precedente, empreinte, contenu)
        personal = None if donnees_personnelles is None else donnees_personnelles.decode()
        return line_of(seq, *(t.decode() for t in texts[:4]), version, texts[4].decode(), personal)
    if donnees_personnelles is None:
        return _LINE % (contenu, empreinte, evenement, horodatage, precedente, seq, version)
    return _LINE_PERSONAL % (
        contenu,
        donnees_personnelles,
        *(empreinte, evenement, horodatage, precedente, seq, version),
    )


COPY_COLUMNS = (
    "contenu",
    "donnees_personnelles",
    "empreinte",
    "evenement",
    "horodatage",
    "precedente",
    "seq",
    "version",
)
"""The columns ``line_from_bytes`` takes, in its order."""
COPY_TYPES = ["bytea"] * 6 + ["int8", "int4"]
"""How psycopg loads them from a binary ``COPY``: the texts as their bytes."""
