"""Inputs that arrive as text or as parsed objects instead of files: the service's bodies.

Sits beside ``pipeline`` and feeds it: a policy sent in a request (``rejouer``,
``politiques/valider``) is checked from its text, and invitations the service has already
parsed from a JSON body become the reader's ``Record`` values, each validated on its own, so
one invalid element is reported by its index while its neighbours are decided.
"""

from __future__ import annotations

from collections.abc import Sequence

from tamis.grammar.diagnostics import Diagnostic
from tamis.grammar.load import load_policy
from tamis.invitations.reader import Record
from tamis.invitations.validation import validate
from tamis.invitations.vocabulary import vocabulary
from tamis.triage.pipeline import PolicyInvalid, Setup, SetupOptions, render_all, setup_for


def policy_diagnostics(source: str, name: str) -> list[Diagnostic]:
    """Every diagnostic of a policy text (``tamis valider`` on a file holding it)."""
    _policy, diagnostics = load_policy(source, name, vocabulary())
    return diagnostics


def prepare_text(source: str, options: SetupOptions) -> Setup:
    """``pipeline.prepare`` for a policy given as text, named ``options.policy_path`` in
    diagnostics and in the journal; raises what ``prepare`` raises."""
    policy, diagnostics = load_policy(source, options.policy_path, vocabulary())
    if policy is None:
        raise PolicyInvalid([d for d in diagnostics if d.is_error] or diagnostics, source)
    return setup_for(policy, render_all(diagnostics, source), options)


def records_of_objects(objects: Sequence[object], name: str) -> list[Record]:
    """One ``Record`` per parsed object, located as « name[i] » (i from 0)."""
    return [record_of(raw, f"{name}[{index}]") for index, raw in enumerate(objects)]


def record_of(raw: object, location: str) -> Record:
    invitation, errors, warnings = validate(raw)
    kept = raw if isinstance(raw, dict) else None
    return Record(location, invitation, kept, tuple(errors), tuple(warnings))
