"""``tamis conseiller``: check a draft request before sending it, every finding at once.

A thin command over ``tamis.outreach.advice``: it reads the note (option, file or standard
input) and the context, asks for the advice, journals it as a ``conseil`` record
(``outreach.journaled``; the journal options are ``tamis decider``'s: ``--journal``,
``$TAMIS_JOURNAL``, ``--durabilite``, and ``--sans-journal`` to write nothing), then prints it
in French (or JSON), saying where the journal holds it. Nothing is printed before the advice
is in the journal. Exit 0 when the draft is ready to send, 1 when it should be reworked or not
sent (or the journal cannot take it), 2 on a usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson

from tamis.audit.advice import Origin
from tamis.audit.errors import JournalError, os_reason
from tamis.audit.journal import open_journal
from tamis.audit.postgres.backend import shown as shown_journal
from tamis.audit.sink import parse_durability
from tamis.cli import options
from tamis.grammar.terminal import safe
from tamis.invitations.context import Context, ContextError, load_context
from tamis.invitations.files import TooLarge, read_bounded, read_bounded_from
from tamis.invitations.french import not_utf8
from tamis.outreach import journaled
from tamis.outreach.advice import Advice, Draft, advise, profile_refusal, recipient_refusal
from tamis.outreach.findings import Verdict
from tamis.outreach.journaled import Journaled


@click.command("conseiller", short_help="Vérifie une demande de contact avant de l'envoyer.")
@click.option("--a", "a", required=True, metavar="NOM", help="Nom du destinataire.")
@click.option("--profil", metavar="URL", help="Adresse du profil LinkedIn du destinataire.")
@click.option("--message", metavar="TEXTE", help="La note que vous comptez joindre.")
@click.option(
    "--message-fichier",
    "message_fichier",
    type=click.Path(dir_okay=False, allow_dash=True),
    metavar="FICHIER",
    help="Lit la note dans FICHIER (« - » : l'entrée standard).",
)
@click.option(
    "--contexte-rencontre",
    "rencontre",
    metavar="TEXTE",
    help="Où vous vous êtes rencontrés, ou le projet commun, pour le modèle de note.",
)
@options.contexte
@options.format_(("texte", "json"), "texte")
@options.journal
@options.durabilite
@options.sans_journal
@click.argument("entree", required=False, metavar="[-]")
def conseiller(
    a: str,
    profil: str | None,
    message: str | None,
    message_fichier: str | None,
    rencontre: str | None,
    contexte: str | None,
    format_: str,
    journal: str,
    durabilite: str,
    sans_journal: bool,
    entree: str | None,
) -> None:
    """Vérifie une demande de contact à envoyer : texte par défaut, absence de contexte
    personnel, contenu commercial (Loi canadienne anti-pourriel), destinataire hors de votre
    réseau réel, note trop longue, passé commun que votre contexte contredit. Chaque constat
    cite le guide dont il vient et propose une correction ; un modèle de note est proposé
    quand le brouillon est vide ou par défaut.

    La note vient de --message, de --message-fichier ou de l'entrée standard (« - »).
    Le conseil est inscrit au journal d'audit (événement « conseil », distinct des décisions ;
    --sans-journal : rien n'est inscrit) avant d'être affiché.
    Codes de sortie : 0 prête à envoyer, 1 à retoucher ou à ne pas envoyer, 2 usage incorrect.
    """
    a = a.strip()  # a tab or a line break pasted around the name is no part of it
    refusal = recipient_refusal(a)
    if refusal is not None:
        raise click.BadParameter(refusal, param_hint="--a")
    refusal = None if profil is None else profile_refusal(profil, safe(profil))
    if refusal is not None:
        raise click.BadParameter(refusal, param_hint="--profil")
    note = read_note(message, message_fichier, entree)
    context = load_or_exit(contexte)
    draft = Draft(a, note, profil, rencontre)
    advice = advise(draft, context)
    written = None if sans_journal else journal_or_exit(journal, durabilite, draft, advice, context)
    if format_ == "json":
        shown = journaled.answer(advice, written)
        click.echo(orjson.dumps(shown, option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(render(advice, written, journal))
    sys.exit(0 if advice.verdict is Verdict.PRETE else 1)


def journal_or_exit(
    path: str, durability: str, draft: Draft, advice: Advice, context: Context
) -> Journaled:
    """The advice journaled as a ``conseil`` record; a French error (exit 1) if it cannot be."""

    def warn(message: str) -> None:
        click.echo(f"avertissement : {message}", err=True)

    try:
        mode = parse_durability(durability)
        with open_journal(path, durability=mode, warn=warn) as journal:
            return journaled.record(journal, draft, advice, Origin.COMMAND, context)
    except JournalError as error:
        raise click.ClickException(options.journal_message(error)) from None


def read_note(message: str | None, path: str | None, entree: str | None) -> str:
    """The draft's note from exactly one source; ``""`` (no note) only if asked for."""
    sources = [s for s in (message is not None, path is not None, entree == "-") if s]
    if entree not in (None, "-"):
        raise click.UsageError(f"argument inattendu « {entree} » (seul « - » est accepté)")
    if len(sources) != 1:
        raise click.UsageError(
            "donnez la note par une seule source : --message, --message-fichier ou « - »"
            ' (--message "" pour une demande sans note)'
        )
    if message is not None:
        return message
    return read_text(path or "-")


def read_text(path: str) -> str:
    """The note, from a file or standard input: at most ``MAX_FILE_BYTES`` are read, so a
    path to something endless (``/dev/zero``) ends with an error instead of never returning."""
    where = "l'entrée standard" if path == "-" else f"« {path} »"
    try:
        data = read_bounded_from(sys.stdin.buffer) if path == "-" else read_bounded(Path(path))
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{where} : la note {not_utf8(error)}") from None
    except TooLarge as error:
        raise click.ClickException(f"{where} : {error}") from None
    except OSError as error:
        reason = os_reason(error)
        raise click.ClickException(f"« {path} » : lecture impossible ({reason})") from None


def load_or_exit(path: str | None) -> Context:
    if path is None:
        return Context.empty()
    try:
        return load_context(path)
    except ContextError as error:
        raise click.ClickException(str(error)) from None


def render(advice: Advice, written: Journaled | None = None, journal: str = "") -> str:
    """The findings as a French list, the verdict, where the journal holds the advice, then
    the note skeleton if there is one."""
    lines = []
    for finding in advice.findings:
        check = finding.check
        lines.append(f"{check.severity.value} [{check.code}] : {check.title}")
        if finding.words:
            lines.append("  mots en cause : " + ", ".join(f"« {w} »" for w in finding.words))
        lines.append(f"  lu : {finding.evidence}")
        lines.append(f"  source : {check.guide}")
        lines.append(f"  suggestion : {check.suggestion}")
    if not advice.findings:
        lines.append("Aucun problème trouvé.")
    lines.append(f"Verdict : {advice.verdict.value}.")
    if written is not None:
        lines.append(
            f"Conseil {written.id} inscrit au journal {shown_journal(journal)} "
            f"(enregistrement n° {written.seq})."
        )
    if advice.skeleton:
        lines += ["", "Modèle de note à personnaliser :", "", advice.skeleton]
    return "\n".join(lines)
