"""SIGHUP: service.toml read again; tokens and time zones applied, the rest kept for a restart.

Runs before the policies are reloaded (``server.reload_all``). What a workspace lets in
(its ``[[espaces.NOM.jetons]]``: added, removed, rights changed) and its ``fuseau`` change
while serving: each request, each web session (``web_session`` asks the tokens in force at
every request) and each page reads them afresh. Everything else service.toml says (a
workspace added or removed; a workspace's policy file, journal, context, parameters, engine,
seals, key; ``[service]``) is held by what the service opened at start (journals and their
locks, stores, scheduled seals, limits): applied by halves, it would serve a workspace
without its journal. The running value stays, and one ``avertissement`` names what waits for
a restart. A file that no longer parses or checks changes nothing: ``rechargement_refuse``,
each problem with its line. With ``-p``, ``--jeton-fichier`` is read again likewise.

Under ``--processus N`` the parent reads the file and says what it found, once; every
worker, those it starts later too, applies what the parent read (``server.Supervisor``),
never reads the file itself. Only SIGHUP reads it: a policy reloaded over HTTP does not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from tamis.service.config import (
    DEFAULT_WORKSPACE,
    ConfigInvalid,
    ServiceConfig,
    WorkspaceConfig,
    load_config,
    sole_token,
)
from tamis.service.tokens import TokenFileUnusable, digest, token_in_file

WORKSPACE_KEYS = {
    "policy": "politique",
    "journal": "journal",
    "context": "contexte",
    "parameters": "parametres",
    "engine": "moteur",
    "seals": "sceaux",
    "key": "cle",
}
"""A workspace's settings that wait for a restart, by attribute: their key in service.toml."""

NO_TOKEN_LEFT = (
    "l'absence de tout jeton (d'ici là, le service en exige toujours un : chaque requête est "
    "refusée)"
)


@dataclass(frozen=True)
class Reread:
    """The configuration to serve with (the running one, with the file's tokens and time
    zones), the keys it changed (``applied``), and what the file changes that waits for a
    restart (``kept``, French)."""

    config: ServiceConfig
    applied: tuple[str, ...]
    kept: tuple[str, ...]


def reread(running: ServiceConfig, logger: Any) -> ServiceConfig:
    """The configuration to serve with once service.toml (or ``--jeton-fichier``) is read
    again: ``running`` itself if there is nothing to read or the file is refused. Says
    (``logger``) what was refused, applied, or kept for a restart."""
    try:
        found = merged(running, fresh) if (fresh := read_again(running)) else None
    except (ConfigInvalid, TokenFileUnusable) as error:
        logger.error(
            "rechargement_refuse", configuration=_where(running), diagnostics=_lines(error)
        )
        return running
    if found is None:
        return running
    _say(found, logger, _where(running))
    return found.config


def read_again(running: ServiceConfig) -> ServiceConfig | None:
    """What the file says now, the command line's options over it; None without a file
    (``-p`` without ``--jeton-fichier``). Raises ``ConfigInvalid`` or ``TokenFileUnusable``."""
    if running.source is not None:
        return running.command_line.over(load_config(running.source))
    if running.token_file is None:
        return None
    tokens = sole_token(digest(token_in_file(running.token_file)))
    default = replace(running.workspaces[DEFAULT_WORKSPACE], tokens=tokens)
    return replace(running, workspaces={DEFAULT_WORKSPACE: default})


def merged(running: ServiceConfig, fresh: ServiceConfig) -> Reread:
    """``running`` with ``fresh``'s tokens and time zones, and what else differs."""
    applied: list[str] = []
    kept = [
        f"« espaces.{name} » (ajouté)"
        for name in sorted(fresh.workspaces.keys() - running.workspaces.keys())
    ]
    kept += [
        f"« espaces.{name} » (retiré)"
        for name in sorted(running.workspaces.keys() - fresh.workspaces.keys())
    ]
    workspaces = dict(running.workspaces)
    for name, serving in running.workspaces.items():
        if name in fresh.workspaces:
            workspaces[name] = _workspace(
                serving, fresh.workspaces[name], running.guarded, applied, kept
            )
    kept += _service(running, fresh)
    config = replace(running, workspaces=workspaces, tokens_required=running.guarded)
    if config.guarded and not config.has_tokens:
        kept.append(NO_TOKEN_LEFT)
    return Reread(config, tuple(applied), tuple(kept))


def _workspace(
    running: WorkspaceConfig, fresh: WorkspaceConfig, guarded: bool, applied: list, kept: list
) -> WorkspaceConfig:
    """Workspace ``running`` (as served) with ``fresh``'s (as the file says it now) tokens,
    if the service asks for tokens (one started without any lets everyone in until a
    restart), and time zone; what else differs goes to ``kept``."""
    where = f"espaces.{running.name}"
    kept += [
        f"« {where}.{key} »"
        for attr, key in WORKSPACE_KEYS.items()
        if getattr(running, attr) != getattr(fresh, attr)
    ]
    tokens = running.tokens
    if fresh.tokens != running.tokens and guarded:
        tokens = fresh.tokens
        applied.append(f"{where}.jetons")
    elif fresh.tokens != running.tokens:
        kept.append(
            f"« {where}.jetons » (un service démarré sans jeton n'en exige qu'après un redémarrage)"
        )
    if fresh.zone.key != running.zone.key:
        applied.append(f"{where}.fuseau")
    return replace(running, tokens=tokens, zone=fresh.zone)


def _service(running: ServiceConfig, fresh: ServiceConfig) -> list[str]:
    """``[service]``'s keys that differ (a value the command line sets differs from nothing)."""
    pairs = (
        ("taille_max", running.limits.max_body, fresh.limits.max_body),
        ("invitations_max", running.limits.max_invitations, fresh.limits.max_invitations),
        ("durabilite", running.durability, fresh.durability),
        ("sceller_toutes", running.seal_every, fresh.seal_every),
        ("idempotence_duree", running.answers_kept, fresh.answers_kept),
    )
    return [f"« service.{key} »" for key, served, read in pairs if served != read]


def _say(found: Reread, logger: Any, where: str) -> None:
    if found.kept:
        logger.warning(
            "avertissement",
            message=f"{where} relu : ces changements attendent le redémarrage de tamis "
            f"servir (les valeurs en vigueur restent d'ici là) : {', '.join(found.kept)}.",
        )
    if found.applied:
        logger.info("configuration_rechargee", configuration=where, changements=list(found.applied))


def _where(running: ServiceConfig) -> str:
    return str(running.source or running.token_file)


def _lines(error: ConfigInvalid | TokenFileUnusable) -> list[str]:
    """Each problem with its place (« service.toml:12: erreur : … »)."""
    if isinstance(error, ConfigInvalid):
        return [error.render(problem) for problem in error.problems]
    return [str(error)]
