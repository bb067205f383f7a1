"""Advice on a draft request: every finding at once, a verdict, and a skeleton when needed.

Sits beside the application layer and reads the draft through the built-in facts
(``tamis.invitations.extract``) as an outgoing invitation (``sens = "sortante"``): the same
definitions of « message par défaut », « commercial » or « connu » that decide received
invitations judge the notes the user sends, so the two can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tamis.grammar.terminal import escaped
from tamis.invitations.context import Context
from tamis.invitations.extract import extract_facts
from tamis.invitations.facts.commercial import analyse
from tamis.invitations.models import OUTGOING, Invitation
from tamis.invitations.urls import is_profile_address
from tamis.invitations.validation import invitation_from
from tamis.outreach.findings import CHECKS, FACTS_READ, Check, Verdict, verdict
from tamis.outreach.skeleton import skeleton


@dataclass(frozen=True)
class Draft:
    """What the user is about to send: to whom, and the note (``""``: no note)."""

    recipient: str
    message: str
    profile_url: str | None = None
    meeting: str | None = None  # where you met or the project, for the skeleton

    def invitation(self) -> Invitation:
        recipient = {"nom": self.recipient, "profil_url": self.profile_url}
        draft = {"id": "brouillon", "sens": OUTGOING, "message": self.message}
        return invitation_from({**draft, "destinataire": recipient})


PROFILE_EXPECTED = "(attendu : https://www.linkedin.com/in/nom) ; rien n'a été inscrit au journal."


def profile_refusal(address: str, shown: str | None) -> str | None:
    """Why ``address`` cannot be a draft's recipient profile, in French (None: it can).

    ``shown``: the address as the message may quote it (None: not quoted, as the service
    never echoes a personal value). ``tamis conseiller --profil`` and ``POST …/conseils``
    both say it this way."""
    if is_profile_address(address):
        return None
    if not address.strip():
        reason = "l'adresse du profil est vide"
    elif shown is None:
        reason = "ce n'est pas l'adresse d'un profil LinkedIn"
    else:
        reason = f"« {shown} » n'est pas l'adresse d'un profil LinkedIn"
    return f"{reason} {PROFILE_EXPECTED}"


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # C0, DEL, C1: no name holds one


def recipient_refusal(name: str) -> str | None:
    """Why ``name``, its surrounding white space already stripped (a tab pasted after it
    went to the journal), cannot name a draft's recipient, in French (None: it can): empty,
    or holding a control character, shown escaped (``\\x1b``), which a name never holds
    and which would reach the journal and every screen that shows it. ``tamis conseiller
    --a``, ``POST …/conseils`` and the « Avant d'envoyer » page say it this way."""
    if not name:
        return "le nom du destinataire est vide."
    found = _CONTROL.search(name)
    if found is None:
        return None
    return (
        f"le nom du destinataire contient un caractère de contrôle ({escaped(found.group())}) :"
        " écrivez le nom tel qu'il s'affiche ; rien n'a été inscrit au journal."
    )


@dataclass(frozen=True)
class Finding:
    check: Check
    evidence: str  # what the fact read, in French
    words: tuple[str, ...] = ()  # the words that triggered a commercial finding

    def to_json(self) -> dict[str, Any]:
        out = {
            "code": self.check.code,
            "fait": self.check.fact,
            "gravite": self.check.severity.value,
            "constat": self.check.title,
            "preuve": self.evidence,
            "guide": self.check.guide,
            "suggestion": self.check.suggestion,
        }
        if self.words:
            out["mots"] = list(self.words)
        return out


@dataclass(frozen=True)
class Advice:
    findings: tuple[Finding, ...]
    verdict: Verdict
    skeleton: str | None  # a personalised note to start from, when the draft has none

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "constats": [finding.to_json() for finding in self.findings],
            "modele": self.skeleton,
        }


def advise(draft: Draft, context: Context) -> Advice:
    """Every finding on ``draft``, most serious first, with the verdict they add up to."""
    facts = extract_facts(draft.invitation(), context, FACTS_READ, context.parameters)
    found = [c for c in CHECKS if facts.values[c.fact] is c.when]
    if facts.values["message_par_defaut"]:  # « no context » says the same thing again
        found = [c for c in found if c.fact != "message_personnalise"]
    findings = tuple(Finding(c, facts.evidence[c.fact], _words(c, draft)) for c in found)
    default = bool(facts.values["message_par_defaut"])
    model = skeleton(draft.recipient, context.nom, draft.meeting) if default else None
    return Advice(findings, verdict({f.check.severity for f in findings}), model)


def _words(check: Check, draft: Draft) -> tuple[str, ...]:
    """The commercial cues of the note, as written in the lexicon (empty for other checks)."""
    if check.fact != "message_commercial":
        return ()
    cues = analyse(draft.message, "message").cues
    return tuple(dict.fromkeys(cue for found in cues.values() for cue in found))
