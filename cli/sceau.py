"""``tamis journal sceller`` and ``verifier --sceau``: signed checkpoints of the journal's head.

Thin commands over ``tamis.audit.seal``: ``sceller`` checks the chain (a broken journal is
never sealed), signs its head with the journal's key (created 0600 on first use, public key
printed on stderr) and appends the checkpoint to ``--sortie`` or prints it; ``seal_report``
gives ``verifier`` the French lines for ``--sceau``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tamis.audit import seal
from tamis.audit.errors import JournalError
from tamis.audit.postgres.backend import shown, verify_any
from tamis.audit.postgres.url import is_url as postgres_url
from tamis.audit.verify import EMPTY
from tamis.cli import options


def warn(message: str) -> None:
    click.echo(f"avertissement : {message}", err=True)


def key_option(function):
    return click.option(
        "--cle",
        "cle",
        metavar="FICHIER",
        default=None,
        help="Clé Ed25519 du journal (PEM, 0600) ; défaut : <journal>.cle.pem, créée au "
        "premier sceau.",
    )(function)


@click.command("sceller", short_help="Signe la tête du journal, pour la prouver plus tard.")
@options.journal
@key_option
@click.option(
    "--sortie",
    "-o",
    "sortie",
    metavar="FICHIER",
    default=None,
    help="Fichier de sceaux à allonger (créé en 0600), à garder ailleurs que le journal ; "
    "sans cette option, le sceau est affiché.",
    callback=options.given_path("un fichier de sceaux, ou rien pour afficher le sceau"),
)
def sceller(journal: str, cle: str | None, sortie: str | None) -> None:
    """Signe la tête du journal (numéro, empreinte et heure du dernier enregistrement) avec la
    clé du journal, pour pouvoir prouver plus tard que ses derniers enregistrements n'ont été
    ni supprimés ni réécrits (« tamis journal verifier --sceau FICHIER »)."""
    key_path = key_of(journal, cle)
    if sortie is not None:
        refuse_own_files(sortie, journal, key_path)
    try:
        checked = verify_any(journal)
        if checked.problem is not None and checked.problem.empty:
            raise click.ClickException(f"{shown(journal)} : {EMPTY} ; rien à sceller.")
        if checked.problem is not None:
            where = f"{shown(journal)} : " if postgres_url(journal) else f"{journal}:"
            if not checked.problem.only_torn:
                raise click.ClickException(
                    f"{where}{checked.problem.message} Un journal endommagé n'est pas scellé."
                )
            warn(
                f"{where}{checked.problem.message} Le sceau couvre les "
                f"{checked.count} enregistrements intacts, jusqu'au n° {checked.last_seq}."
            )
        key, created = seal.load_or_create_key(key_path, warn)
        checkpoint = seal.sign_head(key, checked.last_seq, checked.last_digest)
        if sortie is not None:
            seal.append_checkpoint(sortie, checkpoint)
    except JournalError as error:
        raise click.ClickException(options.journal_message(error)) from None
    if created:
        click.echo(f"Clé de sceau créée : {key_path} (mode 0600, gardez-la secrète).", err=True)
    click.echo(f"Clé publique du journal : {checkpoint.cle_publique}", err=True)
    if sortie is None:
        sys.stdout.write(checkpoint.line().decode())
        return
    click.echo(
        f"Sceau ajouté à {sortie} : enregistrement n° {checkpoint.seq}, empreinte "
        f"{checkpoint.empreinte}, scellé le {checkpoint.scelle_le}."
    )


OWN_FILES = {"journal": "le journal lui-même", "cle": "la clé de sceau du journal"}


def refuse_own_files(sortie: str, journal: str, key_path: Path) -> None:
    """The seal appended to the journal would make its last line unreadable (« ÉCHEC :
    ligne illisible » from then on), to the key would lose it (and carry the private key
    with the seals): refused, before anything, even for a key the first seal would create."""
    what = seal.own_file(sortie, journal, key_path)
    if what is not None:
        raise click.ClickException(own_file_message(sortie, what))


def own_file_message(seals: str, what: str) -> str:
    """Why ``seals`` cannot receive seals: ``what`` is ``seal.own_file``'s answer."""
    return (
        f"{seals} est {OWN_FILES[what]} : y ajouter le sceau le rendrait illisible ; gardez"
        " les sceaux dans un autre fichier, ailleurs que le journal."
    )


def key_of(journal: str, cle: str | None) -> Path:
    """``--cle``, else ``<journal>.cle.pem`` beside a file; a PostgreSQL journal has no
    folder of its own, so its key is always named."""
    if cle:
        return Path(cle)
    if postgres_url(journal):
        raise click.UsageError(
            f"un journal PostgreSQL ({shown(journal)}) n'a pas de dossier où ranger sa clé de "
            "sceau : indiquez-la avec --cle FICHIER (créée en mode 0600 au premier sceau)."
        )
    return seal.default_key_path(journal)


def trusted_key(journal: str, cle: str | None, cle_publique: str | None):
    """The public key seals must be signed with: ``--cle-publique``, else the key file's."""
    if cle_publique is not None:
        try:
            return seal.parse_public_key(cle_publique)
        except ValueError as error:
            raise click.UsageError(str(error)) from None
    key_path = key_of(journal, cle)
    try:
        return seal.load_key(key_path, warn).public_key()
    except FileNotFoundError:
        raise click.ClickException(
            f"clé du journal introuvable : {key_path} ; indiquez-la avec --cle FICHIER, ou la "
            "clé publique notée au premier sceau avec --cle-publique."
        ) from None
    except JournalError as error:
        raise click.ClickException(options.journal_message(error)) from None


def seal_report(journal: str, sceau: str, cle: str | None, cle_publique: str | None) -> str:
    """The French line ``verifier`` prints for ``--sceau``; ``ClickException`` on a problem."""
    trusted = trusted_key(journal, cle, cle_publique)
    try:
        result = seal.verify_seals(journal, sceau, trusted)
    except JournalError as error:
        raise click.ClickException(options.journal_message(error)) from None
    if result.problem is not None:
        return f"ÉCHEC (sceaux) : {result.problem.message}"
    last = result.last
    assert last is not None
    return (
        f"Sceaux OK : {result.count} sceau(x) vérifié(s) ; le journal contient toujours chaque "
        f"enregistrement scellé (le dernier : n° {last.seq}, scellé le {last.scelle_le})."
    )
