"""Where the policy commands read a policy: a file, or ``-`` for standard input.

``valider``, ``analyser``, ``comparer`` and ``formater`` take ``-`` as a policy the way
``decider`` takes it as the invitations: read once, named « <entrée standard> » in every
message. Standard input can be read only once, so ``-`` given twice is a usage error rather
than an empty second policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import click

from tamis.grammar.checked import CheckedPolicy
from tamis.grammar.diagnostics import Diagnostic
from tamis.grammar.load import load_policy_file, load_policy_stream
from tamis.grammar.vocabulary import Vocabulary

STDIN = "-"
STDIN_NAME = "<entrée standard>"


def load_named(
    path: Path | str, vocab: Vocabulary
) -> tuple[CheckedPolicy | None, list[Diagnostic], str, str]:
    """The policy at ``path`` (``-``: standard input), its diagnostics, its text, and the
    name messages give it."""
    if str(path) == STDIN:
        with click.open_file(STDIN, mode="rb") as stream:
            policy, diagnostics, source = load_policy_stream(stream, STDIN_NAME, vocab)
        return policy, diagnostics, source, STDIN_NAME
    policy, diagnostics, source = load_policy_file(path, vocab)
    return policy, diagnostics, source, str(path)


def stdin_once(paths: Iterable[Path | str]) -> None:
    """A usage error if ``-`` is given more than once."""
    if sum(str(path) == STDIN for path in paths) > 1:
        raise click.UsageError(
            "« - » (l'entrée standard) ne peut être lu qu'une fois : donnez-le une seule fois."
        )
