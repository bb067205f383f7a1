"""Advice, journaled: the one way ``tamis conseiller`` and the service write a ``conseil``.

Sits between the advice (``outreach.advice``: a draft judged, nothing decided) and the
journal (``Journal.record_advice``): it hands the journal the advice and the draft it judged
(``tamis.audit.advice.AdviceEntry``), and gives back where the journal put it
(``Journaled``), which both shells add to their answer (``answer``: ``tamis conseiller
--format json``'s object, with ``journal`` = ``{"id", "seq"}``, or ``null`` when the advice was
not journaled: ``--sans-journal``, or the web page's checks as you type).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tamis.audit.advice import AdviceEntry, Origin
from tamis.audit.journal import Journal
from tamis.invitations.context import Context
from tamis.outreach.advice import Advice, Draft


@dataclass(frozen=True)
class Journaled:
    """Where the journal holds a piece of advice: its id and its record's number."""

    id: str
    seq: int

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "seq": self.seq}


def entry(draft: Draft, advice: Advice, origin: Origin, context: Context) -> AdviceEntry:
    """What the journal receives for ``advice`` on ``draft``."""
    return AdviceEntry(
        advice.to_json(),
        draft.recipient,
        draft.message,
        draft.profile_url,
        draft.meeting,
        origin,
        context.sha256,
    )


def record(
    journal: Journal, draft: Draft, advice: Advice, origin: Origin, context: Context
) -> Journaled:
    """Append the ``conseil`` record; returns once it is in the journal (``JournalError``
    otherwise, and then nothing was written)."""
    written = journal.record_advice(entry(draft, advice, origin, context))
    return Journaled(written["contenu"]["id"], written["seq"])


def answer(advice: Advice, journaled: Journaled | None) -> dict[str, Any]:
    """``tamis conseiller --format json``'s object: the advice and where it was journaled."""
    return {**advice.to_json(), "journal": journaled.to_json() if journaled else None}
