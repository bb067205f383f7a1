"""Options shared by the commands that report on policies (``valider``, ``analyser``,
``comparer``), kept apart from ``options`` so that ``valider``, which editors run on every
save, does not import the journal to get them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable)


def strict(function: F) -> F:
    return click.option(
        "--strict", is_flag=True, help="Échoue aussi (code 1) quand il y a des avertissements."
    )(function)


def texte_ou_json(json_is: str) -> Callable[[F], F]:
    """``--format texte|json`` (into ``output_format``); ``json_is`` says what the JSON
    holds, in the help."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["texte", "json"]),
        default="texte",
        show_default=True,
        help=f"« texte » pour les humains ; « json » {json_is}.",
    )
