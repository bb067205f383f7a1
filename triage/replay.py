"""What-if: re-decide the invitations of a journal under another policy, writing nothing.

Sits after the journal reader (``tamis.audit.reader``): each ``decision`` record carries the
invitation as received and the hash of the context it was decided with, so the invitation
is validated again, its facts re-extracted with today's context, decided and explained by
the new policy (``pipeline.decide_invitation``). The comparison keeps, per invitation id, the latest
decision the journal holds; ``replay_journal`` reads only the lines the filter selects, found
through the journal's query index or by a scan (``queries.select_numbered``), and names each
rejected record by its file and line. Decisions journaled with ``--minimiser`` are counted:
fields the old policy did not read are *inconnu* to the new one. No click here: ``tamis
rejouer`` only renders the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

from tamis.audit.queries import Filter, select_numbered
from tamis.audit.reader import Warn
from tamis.engine.engines import EngineFailed, undecided
from tamis.invitations.validation import validate
from tamis.triage.pipeline import Setup, decide_invitation


@dataclass(frozen=True)
class Change:
    """One invitation whose decision would differ, with both explanations."""

    id: str
    seq: int
    decidee_le: str  # the former decision's time, as journaled (UTC)
    avant: str
    regle_avant: str
    explication_avant: str
    apres: str
    regle_apres: str
    explication_apres: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Report:
    counts: Counter = field(default_factory=Counter)  # (old decision, new decision) -> n
    changes: list[Change] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # French, one per record no longer valid
    other_context: int = 0  # decisions taken with a context whose hash differs from today's
    minimised: int = 0  # decisions journaled with --minimiser (their invitation is partial)
    erased: int = 0  # decisions whose personal data was erased: nothing left to replay
    # French, one per valid invitation the engine could not decide (``--moteur durable``'s
    # limits): not a record that no longer validates, so kept apart from ``rejected``
    undecided: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def found_nothing(self) -> bool:
        """No decision of the journal was read: none passed the filters."""
        return not (self.total or self.rejected or self.undecided or self.erased)

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "changees": len(self.changes),
            "comptes": [
                {"avant": old, "apres": new, "nombre": n}
                for (old, new), n in sorted(self.counts.items())
            ],
            "changements": [change.to_json() for change in self.changes],
            "rejetees": self.rejected,
            "contexte_different": self.other_context,
            "minimisees": self.minimised,
            "effacees": self.erased,
            "non_decidees": self.undecided,
        }


KEPT = (
    *("id", "invitation", "decision", "regle", "explication", "contexte_sha256", "minimise"),
    "effacement",
)
Numbered = tuple[int | None, Mapping[str, Any]]  # (line in the journal if known, record)


def latest_decisions(records: Iterable[Numbered], flt: Filter) -> list[Mapping]:
    """The last accepted ``decision`` record of each invitation id, in journal order.

    Only what replaying reads is kept (not the trace, facts or policy of each record), so
    memory grows with the number of distinct invitations, not with the journal's size.
    """
    latest: dict[str, Mapping[str, Any]] = {}
    for line, record in records:
        if record.get("evenement") == "decision" and flt.matches(record):
            content = record["contenu"]
            ident = str(content.get("id"))
            latest.pop(ident, None)
            latest[ident] = {
                "seq": record.get("seq"),
                "horodatage": record.get("horodatage"),
                "ligne": line,
                "contenu": {key: content.get(key) for key in KEPT},
            }
    return list(latest.values())


def replay_journal(
    setup: Setup, path: str | PathLike[str], flt: Filter, warn: Warn, *, index: bool = True
) -> Report:
    """``replay`` on the journal at ``path``: only the lines ``flt`` selects are parsed,
    found through the query index if it can answer (``index``), else by a scan."""
    records = select_numbered(path, flt, warn, index=index)
    return _replay(setup, latest_decisions(records, flt), str(path))


def replay(setup: Setup, records: Iterable[Mapping[str, Any]], flt: Filter) -> Report:
    """Re-decide each selected invitation with ``setup``'s policy; nothing is written."""
    return _replay(setup, latest_decisions(((None, r) for r in records), flt), "journal")


def _replay(setup: Setup, latest: list[Mapping], source: str) -> Report:
    report = Report()
    for record in latest:
        replay_one(setup, record, report, source)
    return report


def place(source: str, record: Mapping[str, Any]) -> str:
    """« j.jsonl:12 (enregistrement n° 11) »: where a replayed record is in the journal."""
    line = record.get("ligne")
    where = f"{source}:{line}" if line is not None else source
    return f"{where} (enregistrement n° {record.get('seq')})"


def replay_one(
    setup: Setup, record: Mapping[str, Any], report: Report, source: str = "journal"
) -> None:
    content = record["contenu"]
    if content.get("effacement") is not None:  # the invitation is gone: skipped, counted
        report.erased += 1
        return
    invitation, errors, _ = validate(content.get("invitation"), "contenu.invitation", recorded=True)
    if invitation is None:
        report.rejected.append(f"{place(source, record)} : " + "; ".join(errors))
        return
    if content.get("contexte_sha256") != setup.context.sha256:
        report.other_context += 1
    if content.get("minimise") is True:
        report.minimised += 1
    try:
        explained, _ = decide_invitation(setup, invitation)
    except EngineFailed as error:  # durable's limits: this one alone is not replayed
        reason = undecided(invitation.id, error, journaling=False)
        report.undecided.append(f"{place(source, record)} : {reason}")
        return
    decision = explained.decision
    old, new = content.get("decision"), decision.action.value
    report.counts[(old, new)] += 1
    if old != new:
        report.changes.append(
            Change(
                id=invitation.id,
                seq=int(record.get("seq", 0)),
                decidee_le=str(record.get("horodatage") or ""),
                avant=str(old),
                regle_avant=str(content.get("regle")),
                explication_avant=str(content.get("explication", "")),
                apres=new,
                regle_apres=decision.label,
                explication_apres=explained.explanation,
            )
        )
