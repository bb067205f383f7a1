"""Journal test helpers shared by tests/audit and tests/cli: a small real policy, decisions
from it, invitations, and a filled journal. A module of its own (not ``conftest``) so that any
test file can import it by a name no other ``conftest.py`` shadows."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from tamis.audit.journal import open_journal
from tamis.engine.compile import compile_policy
from tamis.engine.explainer import Explainer
from tamis.grammar.load import load_policy
from tamis.invitations.vocabulary import vocabulary

POLICY = """politique "Essai"
règle "photo" : refuser si sans_photo ou profil_entreprise
    motif "Pas de photo, pas de contact."
refuser si message_par_defaut
accepter si expediteur.connexions > 100
sinon examiner
"""


def just_now() -> str:
    """A ``purger --avant`` every record written so far is before: now, to the microsecond
    (a date still to come is refused)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def checked(source: str = POLICY, path: str = "essai.tamis"):
    policy, diagnostics = load_policy(source, path, vocabulary())
    assert policy is not None, diagnostics
    return policy


def decide(
    policy,
    *,
    photo: bool | None = True,
    connexions: int = 12,
    default_message=False,
    evidence: dict[str, str] | None = None,
):
    """The ``Explained`` of one decision of ``policy``, as the journal receives it."""
    facts = {
        "sans_photo": photo,
        "profil_entreprise": False,
        "message_par_defaut": default_message,
        "expediteur.connexions": connexions,
    }
    return explained(policy, compile_policy(policy).decide(facts), evidence)


def explained(policy, decision, evidence: dict[str, str] | None = None):
    return Explainer(policy)(decision, evidence or {})


def invitation(number: int, name: str = "Jean Tremblay") -> dict:
    return {
        "id": f"inv-{number}",
        "message": "Bonjour",
        "expediteur": {"nom": name, "profil_url": f"https://www.linkedin.com/in/p{number}"},
    }


def fill(path: Path, policy, count: int, **options) -> list[dict]:
    """Write ``count`` decisions (alternating refuser / accepter) and return the records."""
    records = []
    with open_journal(path, **options) as journal:
        for number in range(count):
            note = {"sans_photo": "expediteur.photo absente"}
            decision = decide(policy, photo=number % 2 == 0, connexions=500, evidence=note)
            records.append(
                journal.record_decision(
                    decision,
                    policy=policy,
                    invitation=invitation(number),
                    context_sha256=None,
                    duration_ms=0.5,
                )
            )
    return records


def large_journal(path: Path, size: int, policy=None) -> None:
    """A journal of at least ``size`` bytes, written quickly: records of about 1 MB (long
    messages), so that a test reaches the readers' pool at its default threshold."""
    policy, message = policy or checked(), "é" * 500_000
    with open_journal(path) as journal:
        for number in range(size // 1_000_000 + 1):
            journal.record_decision(
                decide(policy, photo=number % 2 == 0, connexions=500),
                policy=policy,
                invitation={**invitation(number), "message": message},
                context_sha256=None,
                duration_ms=0.5,
            )


def children(pid: int) -> list[int]:
    """The process ids of ``pid``'s children (Linux's ``/proc``); none once it has exited."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(n) for n in path.read_text().split()] if path.exists() else []


def started_workers(process: subprocess.Popen, count: int = 2) -> list[int]:
    """The ``count`` worker processes of ``process``, once they are all up (a minute at most)."""
    deadline = time.monotonic() + 60
    while len(children(process.pid)) < count and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    workers = children(process.pid)
    assert len(workers) == count, process.communicate()
    return workers
