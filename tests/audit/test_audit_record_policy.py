"""``Journal.record_policy``: a reloaded policy is in the journal at once, once."""

from __future__ import annotations

from journal_helpers import checked, decide, invitation

from tamis.audit.journal import open_journal
from tamis.audit.reader import iter_records
from tamis.audit.verify import verify_journal

OTHER = 'politique "Autre"\nrefuser si sans_photo\nsinon accepter\n'


def test_a_new_policy_is_recorded_once_and_the_chain_still_verifies(journal_path):
    first, second = checked(), checked(OTHER, "autre.tamis")
    with open_journal(journal_path) as journal:
        journal.record_decision(decide(first), policy=first, invitation=invitation(1))
        assert journal.record_policy(first) is None  # already named by the last record
        recorded = journal.record_policy(second)
        assert recorded["contenu"]["politique"]["nom"] == "Autre"
        assert journal.record_policy(second) is None
        journal.record_decision(decide(second), policy=second, invitation=invitation(2))
    events = [r["evenement"] for r in iter_records(journal_path)]
    assert events == ["ouverture", "politique", "decision", "politique", "decision"]
    assert verify_journal(journal_path).ok


def test_a_new_journal_opens_before_its_first_policy(journal_path):
    with open_journal(journal_path) as journal:
        journal.record_policy(checked())
    assert [r["evenement"] for r in iter_records(journal_path)] == ["ouverture", "politique"]
