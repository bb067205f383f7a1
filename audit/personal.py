"""Journal format 3: the chain commits to the personal data of a decision, it does not hold it.

Sits between the record content (``record.decision_content``, a version 2 content) and the
line (``layout``): a decision's content is split (``split``) into its **decision part**, which
stays in ``contenu``, and its **personal part**: what quotes third parties (``PERSONAL``). The
personal part goes beside ``contenu``, under the record's ``donnees_personnelles`` key, with a
random salt::

    {"contenu": {…decision part…}, "donnees_personnelles": {"donnees": {…}, "sel": "<hex>"},
     "empreinte": …, "evenement": "decision", …, "version": 3}

Its **commitment** (``engagement``) is SHA-256 over the salt's bytes followed by the canonical
JSON of ``donnees``; the record's ``empreinte`` is SHA-256 of the canonical record without
``empreinte`` in which ``donnees_personnelles`` is replaced by that commitment (a 64-hex
string). Erasing (``tombstone``) replaces the personal part by ``{"effacement": {"le",
"motif", "seq"}, "engagement": "<hex>"}``: the commitment is kept, the salt and data are gone,
so every digest (and every seal) stays valid and nothing is left to confirm a guessed name.

A ``conseil`` record (advice on a draft, ``advice``) is cut the same way by ``advice.split``
(``prepare_advice``) and put back together by ``advice.restored``: ``ERASABLE`` names the
events that have a personal part.

Readers see one shape (``merged``): the decision part with the personal fields put back, or,
for an erased record, without them and with ``effacement`` instead. ``chain.parse_record``
applies it, so queries, ``pourquoi``, the index and ``rejouer`` read format 3 like format 2.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Iterator
from typing import Any, NamedTuple

import orjson

from tamis.audit import advice, layout

FORMAT = 3
KEY = "donnees_personnelles"
SALT_BYTES = 16
ERASABLE = ("decision", advice.EVENT)
"""The events whose records have a personal part (advice: ``advice.split``)."""
PERSONAL = ("invitation", "explication", "preuves")
"""Decision fields that are personal as a whole (see docs/journal.md for the reasons)."""
_SORTED = orjson.OPT_SORT_KEYS


def canonical(value: Any) -> bytes:
    """Canonical JSON (sorted keys, no spaces, UTF-8): ``layout.canonical``'s rule."""
    return orjson.dumps(value, option=_SORTED, default=str)


_SAYS_NOTHING = frozenset({bool, int, float, type(None)})  # the usual values, told at once


def is_personal_value(value: Any) -> bool:
    """A fact or field value that quotes the sender: text, a list or an object (a number,
    a truth value or ``null`` says nothing about who they are)."""
    return type(value) not in _SAYS_NOTHING and isinstance(value, str | list | dict)


def split(content: dict[str, Any], *, own: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """A format 2 decision content as ``(decision part, personal data)``; ``own``: the
    caller gives ``content`` up (a worker's, dropped once rendered), which then becomes the
    decision part instead of a copy of it (18 keys copied for every decision)."""
    decision = content if own else dict(content)
    data = {key: decision.pop(key) for key in PERSONAL if key in decision}
    facts = content.get("faits") or {}
    if _SAYS_NOTHING.issuperset(map(type, facts.values())):  # the usual facts: none quoted
        return decision, data
    quoted = {
        name: value
        for name, value in facts.items()
        if type(value) not in _SAYS_NOTHING and is_personal_value(value)
    }
    if quoted:
        decision["faits"] = {n: v for n, v in facts.items() if n not in quoted}
        data["faits"] = quoted
    details: dict[str, str] = {}
    if "trace" in content and quoted:  # no quoted fact: no detail to take out of the trace
        decision["trace"] = [
            {**entry, "condition": _strip(entry["condition"], str(i), set(quoted), details)}
            for i, entry in enumerate(content["trace"])
        ]
    if details:
        data["details"] = details
    return decision, data


def _strip(node: dict, path: str, quoted: set[str], details: dict[str, str]) -> dict:
    """``node`` without the ``detail`` lines that quote a personal value (kept in
    ``details`` by their path: ``0.e1.d`` is the definition of trace 0's second child)."""
    out = dict(node)
    if "detail" in node and quoted.intersection(_names(node)):
        details[path] = out.pop("detail")
    if "enfants" in node:
        out["enfants"] = [
            _strip(child, f"{path}.e{k}", quoted, details)
            for k, child in enumerate(node["enfants"])
        ]
    if "definition" in node:
        out["definition"] = _strip(node["definition"], f"{path}.d", quoted, details)
    return out


def _names(node: dict) -> list[str]:
    """The names a node read (format 2: a list; format 1: a mapping)."""
    read = node.get("lu")
    return list(read) if isinstance(read, list | dict) else []


_SALTS: deque[str] = deque()  # drawn from the system's random source, a block at a time
_BLOCK = 256  # salts per draw: one system call for many records
os.register_at_fork(after_in_child=_SALTS.clear)  # a child never reuses its parent's salts


def new_salt() -> str:
    """A fresh random salt (hex). Drawn ``_BLOCK`` at a time: one ``os.urandom`` call per
    block costs less than one per record, and each salt is still used once only (``popleft``
    is atomic, so threads never share one; a forked child starts with none)."""
    while True:
        try:
            return _SALTS.popleft()
        except IndexError:
            block = os.urandom(SALT_BYTES * _BLOCK).hex()
            width = 2 * SALT_BYTES
            _SALTS.extend(block[i : i + width] for i in range(0, len(block), width))


def personal_part(data: dict[str, Any], salt: str | None = None) -> dict[str, Any]:
    return {"donnees": data, "sel": salt or new_salt()}


def commitment(part: Any) -> str:
    """The ``engagement`` of a personal part: kept by a tombstone, computed otherwise.
    Raises ``ValueError`` for a part of neither shape."""
    if not isinstance(part, dict):
        raise ValueError("not a personal part")
    if "sel" in part and "donnees" in part and len(part) == 2:
        salt = bytes.fromhex(part["sel"]) if isinstance(part["sel"], str) else b""
        if len(salt) < SALT_BYTES:
            raise ValueError("salt too short")
        return hashlib.sha256(salt + canonical(part["donnees"])).hexdigest()
    if is_tombstone(part):
        return part["engagement"]
    raise ValueError("not a personal part")


def is_tombstone(part: Any) -> bool:
    erased = part.get("effacement") if isinstance(part, dict) else None
    return (
        isinstance(erased, dict)
        and set(part) == {"effacement", "engagement"}
        and isinstance(part["engagement"], str)
        and len(part["engagement"]) == 64
        and isinstance(erased.get("seq"), int)
        and isinstance(erased.get("le"), str)
        and isinstance(erased.get("motif"), str)
    )


def tombstone(part: dict[str, Any], seq: int, moment: str, motif: str) -> dict[str, Any]:
    """What replaces ``part`` when the ``effacement`` record ``seq`` erases it."""
    return {
        "effacement": {"le": moment, "motif": motif, "seq": seq},
        "engagement": commitment(part),
    }


def hashed_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The record as its ``empreinte`` covers it: without ``empreinte``, and with its
    personal part (if any) replaced by the commitment. ``ValueError`` if that part is bad."""
    fields = {key: value for key, value in record.items() if key != "empreinte"}
    if KEY in fields:
        fields[KEY] = commitment(fields[KEY])
    return fields


def merged(record: dict[str, Any]) -> dict[str, Any] | None:
    """The record as readers see it: a format 3 decision's content with its personal data
    put back (or ``effacement`` for an erased one); other records unchanged. None if the
    personal part has neither shape."""
    part = record.get(KEY)
    if part is None:
        return record
    content = record.get("contenu")
    if not isinstance(content, dict):
        return None
    out = {key: value for key, value in record.items() if key != KEY}
    if is_tombstone(part):
        out["contenu"] = {**content, "effacement": part["effacement"]}
        return out
    data = part.get("donnees") if isinstance(part, dict) else None
    if not isinstance(data, dict):
        return None
    restore = advice.restored if record.get("evenement") == advice.EVENT else _restored
    out["contenu"] = restore(content, data)
    return out


def _restored(content: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    whole = {**content, **{key: data[key] for key in PERSONAL if key in data}}
    if isinstance(data.get("faits"), dict) and isinstance(content.get("faits"), dict):
        whole["faits"] = dict(sorted({**content["faits"], **data["faits"]}.items()))
    details = data.get("details")
    if isinstance(details, dict) and isinstance(content.get("trace"), list):
        whole["trace"] = [
            {**entry, "condition": _put_back(entry.get("condition"), str(i), details)}
            if isinstance(entry, dict)
            else entry  # not a rule's trace: kept as it is, for ``chain.is_record`` to refuse
            for i, entry in enumerate(content["trace"])
        ]
    return whole


def _put_back(node: Any, path: str, details: dict[str, str]) -> Any:
    if not isinstance(node, dict):
        return node
    out = dict(node)
    if path in details:
        out["detail"] = details[path]
    if isinstance(node.get("enfants"), list):
        out["enfants"] = [
            _put_back(child, f"{path}.e{k}", details) for k, child in enumerate(node["enfants"])
        ]
    if "definition" in node:
        out["definition"] = _put_back(node["definition"], f"{path}.d", details)
    return out


def erased(record: dict[str, Any]) -> dict[str, Any] | None:
    """``{"le", "motif", "seq"}`` of a merged record whose personal data was erased."""
    return record.get("contenu", {}).get("effacement")


def personal_texts(content: dict[str, Any]) -> Iterator[str]:
    """Every text of a merged decision's personal data (for tests that grep for them)."""
    stack: list[Any] = [content.get(key) for key in PERSONAL]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def prepare(content: dict[str, Any]) -> layout.Prepared:
    """``layout.prepare`` for a format 3 decision: the line starts with the decision part and
    the personal part (salted), the hash with the decision part and the commitment only.

    ``seal_end`` then appends the envelope to both: the line's bytes and the digest's bytes
    differ only by the personal part standing where the digest has its commitment."""
    return prepare_parts(content, *split(content))


def prepare_advice(content: dict[str, Any]) -> layout.Prepared:
    """``prepare`` for a ``conseil`` record (``advice.split`` cuts it)."""
    return prepare_parts(content, *advice.split(content))


def prepare_parts(
    content: dict[str, Any], public: dict[str, Any], data: dict[str, Any]
) -> layout.Prepared:
    """The prepared start of a format 3 record whose ``content`` is cut into ``public``
    (``contenu``) and ``data`` (the personal part, salted here)."""
    return prepared(content, rendered_parts(public, data))


class Rendered(NamedTuple):
    """A format 3 decision's start as bytes only, without ``prepare``'s hash state (which
    cannot cross processes): a worker process renders it, the journal's process hashes it
    (``prepared``). The digest covers ``head[:cut]`` then the commitment, quoted."""

    head: bytes  # b'{"contenu":' + decision part + ',"donnees_personnelles":' + salted part
    cut: int  # where the salted personal part starts in ``head``
    commitment: str  # 64 hex: SHA-256 of the salt's bytes and the data's canonical JSON


def rendered(content: dict[str, Any], *, own: bool = False) -> Rendered:
    """``prepare``'s bytes for a decision content, to be sealed in another process
    (``own``: as ``split``'s)."""
    return rendered_parts(*split(content, own=own))


def rendered_parts(public: dict[str, Any], data: dict[str, Any]) -> Rendered:
    """The line's start laid out in one copy (``join``): each ``+`` of the 3 kB it holds
    copied it again."""
    salt = new_salt()
    rendered = canonical(data)  # once: the line holds it, the commitment hashes it
    engaged = hashlib.sha256(bytes.fromhex(salt))  # ``commitment``, without a copy
    engaged.update(rendered)
    decision = canonical(public)
    part = (rendered, b',"sel":"', salt.encode(), b'"}')  # donnees, then sel: sorted keys
    head = b"".join((_START, decision, _PART, *part))
    return Rendered(head, _CUT + len(decision), engaged.hexdigest())


def prepared(content: dict[str, Any], done: Rendered) -> layout.Prepared:
    """The ``layout.Prepared`` of rendered bytes: the hash of the line's start with the
    commitment where the personal part stands (``content``: what the caller gets back)."""
    state = hashlib.sha256(memoryview(done.head)[: done.cut])
    state.update(b'"' + done.commitment.encode() + b'"')
    return layout.Prepared(content, done.head, state)


_START = b'{"contenu":'
_MEMBER = b',"' + KEY.encode() + b'":'
_PART = _MEMBER + b'{"donnees":'
_CUT = len(_START) + len(_MEMBER)  # the personal part's start, after the decision part


def line_digest(line: bytes, tail: layout.Tail) -> str | None:
    """The digest of a format 3 decision line laid out exactly as tamis writes it, from its
    bytes alone (``layout.personal_digest``); None if it has no such part or another layout:
    the caller then parses the whole record (``hashed_fields``), which defines the digest."""
    if tail.version < FORMAT:
        return None
    state = layout.personal_digest(line, 0, len(line), tail.start)
    return None if state is None else state.hexdigest()
