"""Turning decisions recorded in the journal into test cases (``tamis journal figer``).

Sits after the journal's queries (``tamis.audit.queries`` selects the records) and before a
``.cas.toml`` file: each decision record becomes one ``[[cas]]`` whose invitation is the one
recorded as received, whose expectation is the recorded decision and rule, and which keeps
the hash of the context it was decided with (``contexte_sha256``), so ``tamis tester`` can
say when today's context differs. A record whose invitation is not whole any more (erased,
or journaled with ``--minimiser``) cannot be replayed faithfully and is refused with a
French reason. The TOML is written here and read back with ``tomllib`` before anyone sees it.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tamis.audit import personal

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_NO_NOTE = ("message", "inmail")  # null means « no note », as "" does; TOML has no null


@dataclass(frozen=True)
class Frozen:
    """One case written from one journal record."""

    name: str
    text: str  # the ``[[cas]]`` block, TOML


@dataclass(frozen=True)
class Refused:
    """A record that cannot become a case, and why (French)."""

    where: str  # « inv-07 (enregistrement n° 12) »
    reason: str


def where_of(record: Mapping[str, Any]) -> str:
    content = record.get("contenu", {})
    return f"« {content.get('id', '?')} » (enregistrement n° {record.get('seq', '?')})"


def refusal(record: Mapping[str, Any]) -> Refused | None:
    """Why ``record`` cannot become a case, or None when it can."""
    content = record.get("contenu", {})
    erased = personal.erased(record)
    if erased is not None:
        when = erased.get("le", "?") if isinstance(erased, dict) else "?"
        reason = f"ses données personnelles ont été effacées ({when}) : plus d'invitation à figer"
        return Refused(where_of(record), reason)
    if content.get("minimise"):
        return Refused(
            where_of(record),
            "décision journalisée avec --minimiser : l'invitation n'a gardé que les champs que"
            " la politique d'alors lisait ; rejouée, elle ne dirait pas la même chose",
        )
    if not isinstance(content.get("invitation"), dict) or "decision" not in content:
        return Refused(where_of(record), "enregistrement sans invitation ni décision lisible")
    return None


def freeze(
    record: Mapping[str, Any],
    name: str,
    *,
    journal: str,
    context: str | None = None,
) -> Frozen:
    """The ``[[cas]]`` block of one accepted record (see ``refusal`` first)."""
    content = record["contenu"]
    policy = content.get("politique", {})
    origin = (
        f"{journal}, enregistrement n° {record.get('seq')} du {record.get('horodatage')},"
        f" politique {policy.get('chemin') or policy.get('nom')}"
        f" (sha256 {str(policy.get('sha256', ''))[:12]}…)"
    )
    lines = ["[[cas]]", f"nom = {_string(name)}", f"origine = {_string(origin)}"]
    if context is not None:
        lines.append(f"contexte = {_string(context)}")
    if content.get("contexte_sha256"):
        lines.append(f"contexte_sha256 = {_string(content['contexte_sha256'])}")
    lines.append(f"attendu.decision = {_string(content['decision'])}")
    lines.append(f"attendu.regle = {_string(content['regle'])}")
    lines += _table("cas.invitation", received(content["invitation"]))
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # what is written must read back
    return Frozen(name, text)


def received(invitation: Mapping[str, Any]) -> dict[str, Any]:
    """The invitation as TOML can hold it: a null note is an empty note (same meaning), any
    other null is left out (absent is *inconnu*, as null was)."""
    out: dict[str, Any] = {}
    for key, value in invitation.items():
        if value is None:
            if key in _NO_NOTE:
                out[key] = ""
            continue
        out[key] = _without_nulls(value)
    return out


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value if v is not None]
    return value


def unique_name(wanted: str, taken: set[str]) -> str:
    """``wanted``, or ``wanted (2)``, ``(3)``… when a case already has that name."""
    name, number = wanted, 2
    while name in taken:
        name, number = f"{wanted} ({number})", number + 1
    taken.add(name)
    return name


def latest_by_id(records: Iterable[dict]) -> list[dict]:
    """The last record of each invitation id, in the order ids first appear."""
    latest: dict[str, dict] = {}
    for record in records:
        latest[str(record.get("contenu", {}).get("id"))] = record
    return list(latest.values())


# --- TOML ------------------------------------------------------------------------------


def _table(header: str, mapping: Mapping[str, Any]) -> list[str]:
    lines = ["", f"[{header}]"]
    nested = []
    for key, value in mapping.items():
        if isinstance(value, dict):
            nested.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in nested:
        lines += _table(f"{header}.{_key(key)}", value)
    return lines


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value if item is not None) + "]"
    if isinstance(value, dict):
        pairs = (f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None)
        return "{ " + ", ".join(pairs) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's (``\\"``, ``\\\\``, ``\\n``, ``\\uXXXX``)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")  # TOML bars DEL
