"""Options shared by the commands that decide or read decisions (``decider``, ``rejouer``).

Each function is a click decorator carrying one option with its French help, so that every
command spells ``--journal``, ``--politique`` or ``--parametre`` the same way and honours
the same defaults (``$TAMIS_JOURNAL``, ``tamis-journal.jsonl``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from tamis.cli import french

french.install()  # Choice and Path look some of their words up when they are created

F = TypeVar("F", bound=Callable)

DEFAULT_JOURNAL = "tamis-journal.jsonl"
ENGINES = ("natif", "durable")
DURABILITIES = ("stricte", "groupee")


def politique(function: F) -> F:
    return click.option(
        "-p",
        "--politique",
        "politique",
        required=True,
        metavar="POLITIQUE",
        help="Fichier de la politique (.tamis) qui décide.",
    )(function)


def contexte(function: F) -> F:
    return click.option(
        "--contexte",
        "contexte",
        metavar="FICHIER",
        default=None,
        help="Votre contexte (tamis.toml) : profil, réseau, valeurs des paramètres.",
    )(function)


def parametre(function: F) -> F:
    return click.option(
        "--parametre",
        "parametres",
        metavar="NOM=VAL",
        multiple=True,
        help="Remplace la valeur d'un paramètre (répétable), p. ex. connexions_min=100.",
    )(function)


def moteur(function: F) -> F:
    return click.option(
        "--moteur",
        "moteur",
        type=click.Choice(ENGINES),
        default="natif",
        show_default=True,
        help="Moteur de règles : natif (rapide) ou durable (Rete, durable-rules).",
    )(function)


def journal(function: F) -> F:
    return click.option(
        "--journal",
        "journal",
        metavar="CHEMIN",
        default=DEFAULT_JOURNAL,
        envvar="TAMIS_JOURNAL",
        show_default=True,
        show_envvar=True,
        help="Journal d'audit (JSON Lines, ajout seulement).",
    )(function)


def durabilite(function: F) -> F:
    return click.option(
        "--durabilite",
        "durabilite",
        type=click.Choice(DURABILITIES),
        default="groupee",
        show_default=True,
        help="stricte : fsync à chaque décision ; groupee : fsync par lots (plus rapide).",
    )(function)


def minimiser(function: F) -> F:
    return click.option(
        "--minimiser",
        "minimiser",
        is_flag=True,
        help="Ne garder au journal que les champs et faits que la politique lit.",
    )(function)


def format_(choices: tuple[str, ...], default: str) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        return click.option(
            "--format",
            "format_",
            type=click.Choice(choices),
            default=default,
            show_default=True,
            help="Format de sortie.",
        )(function)

    return decorate
