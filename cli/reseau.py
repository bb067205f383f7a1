"""``tamis reseau bilan``: what became of the requests you sent, from LinkedIn's export.

A thin command over ``tamis.outreach.bilan``: it reads the export folder, prints the weekly
acceptance rate as a terminal chart, the warnings, and the old pending requests to withdraw
(or all of it as JSON). Exit 0, 1 when the export cannot be read, 2 on a usage error.
"""

from __future__ import annotations

from datetime import date

import click
import orjson

from tamis.cli import french, human, options
from tamis.outreach.bilan import WITHDRAW_AFTER_DAYS, Bilan, BilanError, percent, read_bilan

BAR = 20  # characters of a full bar (100 %)


@click.group(
    "reseau",
    short_help="Votre réseau : le bilan de vos demandes envoyées.",
    subcommand_metavar=french.SUBCOMMANDS,
)
def reseau() -> None:
    """Votre réseau LinkedIn, d'après l'export de vos données."""


@reseau.command("bilan", short_help="Taux d'acceptation de vos demandes envoyées.")
@click.option(
    "--export",
    "dossier",
    required=True,
    type=click.Path(),  # an archive or a file: read_bilan says what to give instead
    metavar="DOSSIER",
    help="Dossier de l'export LinkedIn (Invitations.csv et Connections.csv).",
)
@click.option(
    "--aujourdhui",
    metavar="AAAA-MM-JJ",
    help="Date du bilan (par défaut : aujourd'hui) ; l'âge des demandes en dépend.",
)
@options.format_(("texte", "json"), "texte")
def bilan(dossier: str, aujourdhui: str | None, format_: str) -> None:
    """Lit les demandes envoyées (Direction = OUTGOING) d'Invitations.csv et les connexions de
    Connections.csv : demandes par semaine, combien sont devenues des connexions, combien
    attendent encore et depuis quand, avec un avertissement quand le profil ressemble à ce que
    LinkedIn pénalise, et la liste des vieilles demandes à retirer."""
    today = parse_day(aujourdhui)
    try:
        result = read_bilan(dossier, today)
    except BilanError as error:
        raise click.ClickException(str(error)) from None
    for problem in result.problems:
        click.echo(f"avertissement : {problem}", err=True)
    if format_ == "json":
        click.echo(orjson.dumps(to_json(result), option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(render(result))


def parse_day(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"« {text} » n'est pas une date AAAA-MM-JJ", param_hint="--aujourdhui"
        ) from None


def render(result: Bilan) -> str:
    total = len(result.requests)
    if not total:
        return "Aucune demande envoyée dans cet export (aucune ligne OUTGOING)."
    rate = result.accepted / total
    sent = _counted(total, "demande envoyée", "demandes envoyées")
    accepted = _counted(result.accepted, "acceptée", "acceptées")
    lines = [
        f"{sent} : {accepted} ({percent(rate)}), {human.number(result.pending)} en attente.",
        "",
        "Semaine du    envoyées  acceptées  taux",
    ]
    for week in result.weeks:
        filled = round(week.rate * BAR)
        bar = "█" * filled + "░" * (BAR - filled)
        counts = f"{week.sent:>8}  {week.accepted:>9}"
        lines.append(f"{week.start.isoformat()}  {counts}  {bar} {percent(week.rate)}")
    lines += ["", *(f"attention : {warning}" for warning in result.warnings)]
    if result.to_withdraw:
        lines.append(f"Demandes en attente depuis plus de {WITHDRAW_AFTER_DAYS} jours, à retirer :")
        for request in result.to_withdraw:
            age = (result.today - request.sent_at.date()).days
            where = f" ({request.url})" if request.url else ""
            lines.append(f"  {request.name}{where} : envoyée il y a {_counted(age, 'jour')}")
    return "\n".join(lines).rstrip()


def _counted(count: int, one: str, several: str | None = None) -> str:
    """« 1 demande envoyée », « 0 acceptée », « 1 200 demandes envoyées »: French puts 0 and
    1 in the singular, and groups thousands."""
    return f"{human.number(count)} {one if count < 2 else several or one + 's'}"


def to_json(result: Bilan) -> dict:
    return {
        "date": result.today.isoformat(),
        "envoyees": len(result.requests),
        "acceptees": result.accepted,
        "en_attente": result.pending,
        "semaines": [
            {"debut": w.start.isoformat(), "envoyees": w.sent, "acceptees": w.accepted}
            for w in result.weeks
        ],
        "avertissements": list(result.warnings),
        "a_retirer": [
            {
                "nom": r.name,
                "profil_url": r.url or None,
                "envoyee_le": r.sent_at.isoformat(),
                "jours": (result.today - r.sent_at.date()).days,
                "ligne": r.line,
            }
            for r in result.to_withdraw
        ],
    }
