"""What makes two decisions « the same »: one policy, the same parameters, context and invitation.

Sits beside the record schema (``record``): ``tamis decider`` skips an invitation the journal
already decided from the same inputs (``tamis.triage.repeat``), and the journal's readers
(the query index, a scan, PostgreSQL) give, for each invitation id, the latest decision and
the digest of its inputs (``Previous``). The **inputs** of a decision are:

- the policy's sha256 (of its source text);
- the parameters in force (``parametres``, every one of them, as journaled);
- the context's sha256 (``contexte_sha256``: the context file and the LinkedIn exports it
  names; absent when there was no context);
- the invitation as journaled (the whole object as received, or what ``--minimiser`` kept).

The first three are the run's **setting** (``setting``: SHA-256 of their canonical JSON, all
in the decision part); the inputs' **digest** is SHA-256 over the setting and the canonical
JSON of the invitation. It is computed from the
record's personal part while the journal holds it, and kept only where the personal data
already is (the query index, mode 0600, deleted by ``effacer``; memory): never in the
decision part, where a digest of the invitation would let anyone holding the journal
confirm a guessed name after the erasure. An erased decision has no digest (``None``):
its inputs cannot be compared any more (docs/journal.md says how ``decider`` treats it).
"""

# No ``from __future__ import annotations``: typing builds NamedTuple and TypedDict classes
# from their annotations and compiles each one written as a string (≈ 0.07M instructions a
# field, 6 here, every start).
import hashlib
from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson

_SORTED = orjson.OPT_SORT_KEYS


def setting(
    policy_sha256: str | None, parameters: Mapping[str, Any], context_sha256: str | None
) -> str:
    """The digest of what a run decides with: policy, parameters, context (no personal data:
    all three are in the decision part of each record)."""
    data = {"contexte": context_sha256, "parametres": parameters, "politique": policy_sha256}
    return hashlib.sha256(orjson.dumps(data, option=_SORTED, default=str)).hexdigest()


def digest(setting_digest: str, invitation: Mapping[str, Any]) -> str:
    """The digest of a decision's inputs: its ``setting`` and the invitation as journaled."""
    data = setting_digest.encode() + orjson.dumps(invitation, option=_SORTED, default=str)
    return hashlib.sha256(data).hexdigest()


def setting_of(content: Mapping[str, Any]) -> str:
    """The ``setting`` of a decision content, from its decision part."""
    policy = content.get("politique")
    sha = policy.get("sha256") if isinstance(policy, dict) else None
    parameters = content.get("parametres")
    parameters = parameters if isinstance(parameters, dict) else {}
    return setting(sha, parameters, content.get("contexte_sha256"))


def of_content(content: Mapping[str, Any]) -> str | None:
    """The inputs' digest of a merged decision content; None when it cannot be computed
    (personal data erased, or a record without its invitation)."""
    invitation = content.get("invitation")
    if content.get("effacement") is not None or not isinstance(invitation, dict):
        return None
    return digest(setting_of(content), invitation)


class Previous(NamedTuple):
    """The latest decision a journal holds for one invitation id."""

    id: str
    seq: int | None  # None: decided earlier in this same run
    horodatage: str | None  # UTC, as journaled; None: decided earlier in this same run
    decision: str
    setting: str  # ``setting`` digest: policy, parameters, context
    inputs: str | None  # ``digest`` of its inputs; None: erased (or not comparable)


def previous_of(record: Mapping[str, Any]) -> Previous:
    """The ``Previous`` of a merged decision record."""
    content = record["contenu"]
    return Previous(
        str(content.get("id")),
        record.get("seq"),
        str(record.get("horodatage", "")),
        str(content.get("decision")),
        setting_of(content),
        of_content(content),
    )
