"""The head of the hash chain: what the next record must continue from.

Shared by the processors (which number and link the next record) and the sink (which
refreshes it from the file under the lock, and advances it as records are written). It is
rebuilt from the last complete line of the journal, so several processes keep one chain.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from tamis.audit import advice
from tamis.audit.errors import JournalError
from tamis.audit.layout import GENESIS
from tamis.audit.personal import KEY, merged


@dataclass(slots=True)
class ChainHead:
    seq: int = 0  # the last record's number (0: empty journal)
    empreinte: str = GENESIS  # the last record's digest
    politique: str | None = None  # the policy sha256 the last record names, if any
    size: int = -1  # file size this head describes; -1: unknown, re-read before writing

    def advance(self, record: dict, nbytes: int) -> None:
        """Move past ``record`` (already sealed), which takes ``nbytes`` in the file."""
        self.seq, self.empreinte = record["seq"], record["empreinte"]
        policy = record["contenu"].get("politique")
        if isinstance(policy, dict):
            self.politique = policy.get("sha256") or self.politique
        self.size += nbytes

    def copy(self) -> ChainHead:
        return ChainHead(self.seq, self.empreinte, self.politique, self.size)

    def restore(self, other: ChainHead) -> None:
        self.seq, self.empreinte = other.seq, other.empreinte
        self.politique, self.size = other.politique, other.size


def policy_sha(record: dict) -> str | None:
    """The sha256 of the policy a ``politique`` or ``decision`` record names (None if it
    names none as a text: a line edited by hand)."""
    policy = record.get("contenu", {}).get("politique")
    sha = policy.get("sha256") if isinstance(policy, dict) else None
    return sha if isinstance(sha, str) else None


def head_from_line(line: bytes, size: int, where: str) -> ChainHead:
    """The head after the complete ``line`` ending at offset ``size``; ``where`` names it."""
    record = parse_record(line)
    if record is None:
        raise JournalError(
            f"{where} : ce n'est pas un enregistrement de journal tamis ; le fichier n'est pas "
            "un journal ou il est endommagé (« tamis journal verifier » le localise). "
            "Rien n'a été écrit."
        )
    return ChainHead(record["seq"], record["empreinte"], policy_sha(record), size)


def parse_record(line: bytes | memoryview) -> dict | None:
    """The record on one line (without its ``\\n``), or None if it is not one."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if isinstance(record, dict) and KEY in record:
        record = merged(record)  # format 3: the personal data put back, as readers want it
    return record if is_record(record) else None


def is_record(value: object) -> bool:
    """True for a parsed line that has the journal's envelope and, for a decision, the shape
    every reader relies on (``decision_shape``; ``advice.shape`` for a ``conseil``): a line
    edited into another shape is reported as damaged, in French, instead of failing deep
    inside a query. A format 3 record is judged as readers see it (``personal.merged``)."""
    if isinstance(value, dict) and KEY in value:
        value = merged(value)
    return (
        isinstance(value, dict)
        and isinstance(value.get("contenu"), dict)
        and isinstance(value.get("seq"), int)
        and isinstance(value.get("empreinte"), str)
        and isinstance(value.get("evenement"), str)
        and isinstance(value.get("horodatage"), str)
        and (value["evenement"] != "decision" or decision_shape(value["contenu"]))
        and (value["evenement"] != advice.EVENT or advice.shape(value["contenu"]))
    )


_TEXTS = ("decision", "id", "explication", "resolution")
_TEXTS_ERASED = ("decision", "id", "resolution")  # the explanation quoted personal data
_MAPPINGS = ("faits", "faits_derives", "parametres", "preuves")


def decision_shape(content: dict) -> bool:
    """The keys and types of a decision's content that queries, ``pourquoi`` and ``rejouer``
    read without further checks (``record.DecisionContent`` is the whole schema)."""
    invitation = content.get("invitation", {})
    texts = _TEXTS if "effacement" not in content else _TEXTS_ERASED
    return (
        all(isinstance(content.get(key), str) for key in texts)
        and isinstance(content.get("regle"), str)
        and isinstance(content.get("politique"), dict)
        and all(isinstance(content.get(key, {}), dict) for key in _MAPPINGS)
        and isinstance(invitation, dict)
        and isinstance(invitation.get("expediteur", {}), dict | None)
        and _rules(content.get("declenchees"))
        and _rules(content.get("inconnues"))
    )


def _rules(entries: object) -> bool:
    """A list of rule entries as ``record.rule_entry`` writes them."""
    return isinstance(entries, list) and all(
        isinstance(entry, dict)
        and isinstance(entry.get("regle"), str)
        and isinstance(entry.get("ligne"), int)
        and isinstance(entry.get("decision"), str)
        for entry in entries
    )
