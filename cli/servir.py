"""``tamis servir``: the decision service over HTTP; ``tamis servir jeton``: a new token.

A thin command over ``tamis.service``: options (or ``--config service.toml``) become a
``ServiceConfig``, every policy is loaded and every journal opened before the socket is
announced, and each failure is a French message (exit 1) or a usage error (exit 2); the
server then runs until SIGTERM or SIGINT (exit 0).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import click

from tamis.audit.errors import os_reason
from tamis.cli import options
from tamis.service.config import (
    DEFAULT_ANSWERS_KEPT,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_INVITATIONS,
    NO_KEY,
    UTC_ZONE,
    ZONE_EXPECTED,
    CommandLine,
    ConfigInvalid,
    Journal,
    Limits,
    ServiceConfig,
    journal_of,
    load_config,
    single_workspace,
    time_zone,
)
from tamis.service.hangups import Hangups
from tamis.service.stops import StopAsked, StoppedStarting
from tamis.service.tokens import TokenFileUnusable, digest, token_in_file

ENV_TOKEN = "TAMIS_JETON"


@click.group(
    "servir",
    invoke_without_command=True,
    short_help="Sert les décisions par HTTP (API JSON, journal, métriques).",
    subcommand_metavar="[jeton]",
)
@click.option("-p", "--politique", metavar="POLITIQUE", help="Politique de l'espace « defaut ».")
@options.contexte
@options.journal
@options.moteur
@options.parametre
@click.option(
    "--config",
    "config",
    metavar="FICHIER",
    type=click.Path(path_type=Path, dir_okay=False),
    help="service.toml : plusieurs espaces, leurs jetons (au lieu de -p).",
)
@click.option(
    "--sceaux",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FICHIER",
    help="Scelle la tête du journal à intervalles réguliers et ajoute chaque sceau à FICHIER"
    " (à garder ailleurs que le journal ; voir tamis journal verifier --sceau).",
)
@click.option(
    "--cle",
    "cle",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FICHIER",
    help="Clé Ed25519 qui signe la tête du journal (GET /journal/tete, --sceaux ; créée en "
    "0600 au premier sceau) ; défaut : <journal>.cle.pem, obligatoire pour un journal "
    "PostgreSQL.",
)
@click.option(
    "--sceller-toutes",
    "sceller_toutes",
    type=click.IntRange(min=1),
    default=3600,
    show_default=True,
    metavar="SECONDES",
    help="Intervalle entre deux sceaux (avec --sceaux).",
)
@click.option(
    "--idempotence-duree",
    "idempotence_duree",
    type=click.IntRange(min=1),
    default=None,
    metavar="SECONDES",
    help="Durée de conservation des réponses gardées pour Idempotency-Key (défaut : 86400, "
    "un jour) ; un renvoi plus tardif est décidé à nouveau.",
)
@click.option(
    "--fuseau",
    "fuseau",
    metavar="NOM",
    default=None,
    callback=lambda _ctx, _param, value: named_zone(value),  # a usage error, in French
    help="Fuseau horaire des heures et des jours des pages web (p. ex. America/Toronto ; "
    "défaut : UTC).",
)
@click.option(
    "--hote", metavar="ADRESSE", default="127.0.0.1", show_default=True, help="Adresse d'écoute."
)
@click.option(
    "--port",
    metavar="PORT",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="0 : libre.",
)
@click.option(
    "--jeton-fichier",
    "jeton_fichier",
    metavar="FICHIER",
    type=click.Path(path_type=Path, dir_okay=False),
    help=f"Fichier contenant le jeton de l'espace « defaut » (sinon ${ENV_TOKEN}).",
)
@click.option(
    "--processus",
    metavar="N",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processus de travail (ils partagent les journaux).",
)
@options.durabilite
@click.option(
    "--taille-max",
    "taille_max",
    type=click.IntRange(min=1),
    default=None,
    metavar="OCTETS",
    help="Taille maximale d'un corps de requête (défaut : 1\u00a0Mio).",
)
@click.option(
    "--invitations-max",
    "invitations_max",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Invitations au plus par requête (défaut : 1\u202f000).",
)
@click.pass_context
def servir(ctx: click.Context, **given: object) -> None:
    """Sert les décisions par HTTP : POST /decisions décide et inscrit chaque décision au
    journal avant de répondre ; voir docs/service.md. S'arrête proprement sur SIGTERM ou
    Ctrl-C ; SIGHUP relit service.toml (jetons, fuseaux) et les politiques."""
    if ctx.invoked_subcommand is not None:
        return
    stop = StopAsked().listen()  # a SIGTERM or Ctrl-C while starting ends the start cleanly
    hangups = Hangups().listen()  # a SIGHUP sent while starting is acted on once serving
    try:
        with stop.interrupting():
            server, config, checked, standing, sock = started(ctx, given)
    except StoppedStarting as stopped:
        stopped_starting(stopped)
        return
    try:
        server.serve(config, sock, int(given["processus"]), checked, standing, hangups, stop)
    except server.NotStarted as error:  # its journal or policy gone since the check above
        raise click.ClickException(f"{error} ; le service n'a pas démarré.") from None


def started(ctx: click.Context, given: dict):
    """Everything ``tamis servir`` does before it serves: the configuration read, the
    standing warnings said, every policy and journal checked (``check_or_exit``), the
    socket bound. Returns the server module and what ``server.serve`` takes."""
    if given["config"] is not None:
        refuse_beside_config(ctx)
    config = config_or_exit(given, os.environ.get(ENV_TOKEN))
    standing = warn_ignored_variables(ctx, config) if given["config"] is not None else []
    host = str(given["hote"])
    if not is_loopback(host) and not config.has_tokens:
        raise click.UsageError(
            f"--hote {host} : refusé sans jeton ; un service joignable d'ailleurs que cette "
            f"machine exige un jeton (${ENV_TOKEN}, --jeton-fichier ou les jetons de --config)."
        )
    from tamis.service import server  # the web stack is imported only to serve

    checked = check_or_exit(server, config)
    try:
        sock = server.bind(host, int(given["port"]))
    except OSError as error:
        raise click.ClickException(
            f"impossible d'écouter sur {host}:{given['port']} : {os_reason(error)}"
        ) from None
    return server, config, checked, standing, sock


def stopped_starting(stopped: StoppedStarting) -> None:
    """The log line of a service stopped before it served (exit 0, as a stop while serving:
    the operator asked for it). What the start had opened is closed (``service.stops``)."""
    from tamis.service.logs import make_logger

    make_logger().warning(
        "arret_avant_service",
        signal=stopped.name,
        message=f"{stopped.name} reçu pendant le démarrage : le service s'arrête avant "
        "d'avoir servi.",
    )


BESIDE_CONFIG = {
    "contexte": ("--contexte", "contexte = … dans la table de chaque espace"),
    "journal": ("--journal", "journal = … dans la table de chaque espace"),
    "moteur": ("--moteur", "moteur = … dans la table de chaque espace"),
    "parametres": ("--parametre", "parametres = { … } dans la table de chaque espace"),
    "sceaux": ("--sceaux", "sceaux = … dans la table de chaque espace"),
    "cle": ("--cle", "cle = … dans la table de chaque espace"),
    "jeton_fichier": ("--jeton-fichier", "[[espaces.NOM.jetons]], de « tamis servir jeton »"),
    "fuseau": ("--fuseau", "fuseau = … dans la table de chaque espace"),
    "durabilite": ("--durabilite", "durabilite = … dans [service]"),
    "sceller_toutes": ("--sceller-toutes", "sceller_toutes = … dans [service]"),
}
"""Options that ``--config`` takes from its file instead, and where the file says them."""


def refuse_beside_config(ctx: click.Context) -> None:
    """An option given with ``--config`` that the file decides would be silently ignored:
    a usage error naming where the file says it. (Limits and ``--idempotence-duree`` do
    apply over the file's; an environment variable such as ``TAMIS_JOURNAL`` is not an
    option given.)"""
    for name, (option, instead) in BESIDE_CONFIG.items():
        if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE:
            raise click.UsageError(
                f"{option} ne s'emploie pas avec --config : écrivez-le dans service.toml "
                f"({instead})."
            )


def warn_ignored_variables(ctx: click.Context, config: ServiceConfig) -> list[str]:
    """``$TAMIS_JOURNAL`` and ``$TAMIS_JETON`` do not apply with ``--config`` (each workspace
    names its journal and its tokens in the file), yet whoever exported them believes they
    do: a warning in the service's log at start, naming the variable and what applies
    instead, and again on each SIGHUP (the warnings are returned for ``server.serve``). Not
    a usage error: a shell that exports ``TAMIS_JOURNAL`` for the other commands may still
    serve a ``service.toml``."""
    from tamis.service.logs import make_logger

    warnings = [w for w in (_journal_variable(ctx, config), _token_variable(config)) if w]
    logger = make_logger()
    for warning in warnings:
        logger.warning("avertissement", message=warning)
    return warnings


def _journal_variable(ctx: click.Context, config: ServiceConfig) -> str | None:
    from tamis.audit.postgres.backend import shown

    if ctx.get_parameter_source("journal") is not click.core.ParameterSource.ENVIRONMENT:
        return None
    used = "; ".join(f"« {w.name} » : {shown(str(w.journal))}" for w in config.workspaces.values())
    return (
        f"la variable {options.ENV_VAR} ({shown(str(ctx.params['journal']))}) ne s'applique pas "
        f"avec --config : chaque espace écrit dans le journal que nomme service.toml ({used}). "
        "Retirez-la de l'environnement du service, ou nommez ce journal dans service.toml "
        "(journal = … dans [espaces.NOM])."
    )


def _token_variable(config: ServiceConfig) -> str | None:
    if not (os.environ.get(ENV_TOKEN) or "").strip():
        return None
    none = "" if config.has_tokens else " ; il n'en nomme aucun : le service n'en demande pas"
    return (
        f"la variable {ENV_TOKEN} ne s'applique pas avec --config : le service n'accepte que "
        "les jetons de service.toml ([[espaces.NOM.jetons]], créés par « tamis servir jeton "
        f"--espace NOM »){none}."
    )


def config_or_exit(given: dict, env_token: str | None) -> ServiceConfig:
    """The configuration from ``--config`` or from ``-p`` and its options."""
    path, policy = given["config"], given["politique"]
    if (path is None) == (policy is None):
        raise click.UsageError("donnez soit -p POLITIQUE (un espace), soit --config service.toml.")
    limits = Limits(
        given["taille_max"] or DEFAULT_MAX_BODY, given["invitations_max"] or DEFAULT_MAX_INVITATIONS
    )
    if path is not None:
        try:
            loaded = load_config(path)
        except ConfigInvalid as error:
            click.echo(str(error), err=True)
            raise click.ClickException(
                f"configuration « {path} » invalide ; le service n'a pas démarré."
            ) from None
        options_given = (given["taille_max"], given["invitations_max"], given["idempotence_duree"])
        return CommandLine(*options_given).over(loaded)  # type: ignore[arg-type]
    token = token_or_exit(given["jeton_fichier"], env_token)
    journal = journal_of(str(given["journal"]))
    if given["sceaux"] is not None and given["cle"] is None and isinstance(journal, str):
        raise click.UsageError(f"--sceaux : {NO_KEY}.")
    if given["sceaux"] is not None:
        refuse_seals_on_own_files(given["sceaux"], journal, given["cle"])
    return single_workspace(
        Path(str(policy)),
        context=Path(str(given["contexte"])) if given["contexte"] else None,
        journal=journal,
        token_sha256=digest(token) if token else None,
        limits=limits,
        durability=str(given["durabilite"]),
        engine=str(given["moteur"]),
        overrides=tuple(given["parametres"]),  # type: ignore[arg-type]
        seals=given["sceaux"],  # type: ignore[arg-type]
        seal_every=int(given["sceller_toutes"]),  # type: ignore[arg-type]
        answers_kept=int(given["idempotence_duree"] or DEFAULT_ANSWERS_KEPT),  # type: ignore[arg-type]
        key=given["cle"],  # type: ignore[arg-type]
        zone=given["fuseau"],  # type: ignore[arg-type]
        token_file=given["jeton_fichier"],  # type: ignore[arg-type]
    )


def named_zone(name: str | None):
    """``--fuseau``'s zone (UTC when not given), or a usage error (exit 2) naming it."""
    if name is None:
        return UTC_ZONE
    zone = time_zone(name)
    if zone is None:
        raise click.UsageError(f"--fuseau : fuseau horaire inconnu « {name} » ; {ZONE_EXPECTED}.")
    return zone


def refuse_seals_on_own_files(seals: Path, journal: Journal, key: Path | None) -> None:
    """``--sceaux`` naming the journal (or its key) would damage it (or carry the private
    key with the seals): a usage error, before anything is opened."""
    from tamis.audit.seal import default_key_path, own_file
    from tamis.cli.sceau import own_file_message

    if key is None and not isinstance(journal, str):
        key = default_key_path(journal)
    what = own_file(seals, journal, key)
    if what is not None:
        raise click.UsageError(f"--sceaux {own_file_message(str(seals), what)}")


def token_or_exit(path: Path | None, env_token: str | None) -> str | None:
    """The token of ``--jeton-fichier`` (first line), else ``$TAMIS_JETON``, else None."""
    if path is None:
        return env_token.strip() if env_token and env_token.strip() else None
    try:
        return token_in_file(path)
    except TokenFileUnusable as error:
        raise click.ClickException(str(error)) from None


def check_or_exit(server, config: ServiceConfig):
    """Every policy loads and every journal opens (``server.Checked``: their policy texts,
    for the workers to start with, and the warnings said), or a French error and exit 1."""
    from tamis.service.calls import JournalError, PolicyRefused

    try:
        return server.check(config)
    except PolicyRefused as error:
        if not error.of_policy:  # its context, parameters or engine: the message names them
            reason = error.message.removesuffix(".")
            raise click.ClickException(f"{reason} ; le service n'a pas démarré.") from None
        click.echo(error.message, err=True)
        raise click.ClickException("politique inutilisable ; le service n'a pas démarré.") from None
    except JournalError as error:
        reason = str(error).removesuffix(".")
        raise click.ClickException(f"{reason} ; le service n'a pas démarré.") from None


@servir.command("jeton", short_help="Crée un jeton pour un espace du service.")
@click.option("--espace", required=True, metavar="NOM", help="L'espace du jeton.")
@click.option(
    "--droits",
    default="decider,lire",
    show_default=True,
    metavar="DROITS",
    help="decider, lire, admin, séparés par des virgules.",
)
@click.option("--nom", default=None, metavar="TEXTE", help="À quoi sert ce jeton (mémo).")
def jeton(espace: str, droits: str, nom: str | None) -> None:
    """Crée un jeton : l'affiche une seule fois, avec les lignes à copier dans service.toml,
    qui n'en garde que l'empreinte SHA-256."""
    from tamis.service.tokens import new_token, parse_rights

    rights, problem = parse_rights(droits)
    if problem is not None:
        raise click.UsageError(f"--droits : {problem}")
    token = new_token()
    listed = ", ".join(f'"{r.value}"' for r in sorted(rights))
    click.echo(f"Jeton (affiché une seule fois, gardez-le en lieu sûr) : {token}")
    click.echo(f"\nÀ ajouter à service.toml :\n\n[[espaces.{espace}.jetons]]")
    click.echo(f'sha256 = "{digest(token)}"\ndroits = [{listed}]')
    if nom:
        click.echo(f"nom = {_toml_text(nom)}")


def _toml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
