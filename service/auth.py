"""Who may do what: the bearer token of a request -> its workspace, or 401/403/404.

Sits between the HTTP routes and the workspaces. Without any token configured (a service on
loopback for one person) every request is let through. Otherwise a request needs
``Authorization: Bearer …``: a missing or unknown token is 401 (with ``WWW-Authenticate``),
a token valid for another workspace, or any token for a workspace that does not exist, is
404, so that nobody learns which workspaces exist; a token without the right is 403.
"""

from __future__ import annotations

from tamis.service.errors import ApiError
from tamis.service.tokens import Right, rights_of
from tamis.service.workspaces import Workspace, Workspaces

CHALLENGE = 'Bearer realm="tamis"'
"""What a 401 asks for (RFC 6750): a bearer token; with the reason a client acts on, when one
was sent, as ``error="invalid_token"`` (a 403 for a missing right: ``insufficient_scope``)."""

MISSING = "jeton manquant : ajoutez l'en-tête « Authorization: Bearer JETON »"


def bearer(header: str | None) -> str | None:
    """The token of ``Authorization: Bearer TOKEN`` (None if absent or of another scheme)."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def missing_token() -> ApiError:
    return ApiError(401, MISSING, "Authorization", headers={"WWW-Authenticate": CHALLENGE})


def invalid_token() -> ApiError:
    challenge = f'{CHALLENGE}, error="invalid_token"'
    return ApiError(401, "jeton invalide", "Authorization", headers={"WWW-Authenticate": challenge})


def without_right(right: Right) -> ApiError:
    challenge = f'{CHALLENGE}, error="insufficient_scope"'
    message = f"ce jeton n'a pas le droit « {right.value} »"
    return ApiError(403, message, "Authorization", headers={"WWW-Authenticate": challenge})


def unknown_workspace() -> ApiError:
    return ApiError(404, "espace inconnu", "espace")


def authorize(workspaces: Workspaces, name: str, header: str | None, right: Right) -> Workspace:
    """The workspace ``name`` if the request's token may use ``right`` there."""
    workspace = workspaces.get(name)
    if not workspaces.config.guarded:
        if workspace is None:
            raise unknown_workspace()
        return workspace
    token = bearer(header)
    if token is None:
        raise missing_token()
    rights = rights_of(workspace.config.tokens, token) if workspace is not None else None
    if rights is None:
        if _valid_anywhere(workspaces, token):
            raise unknown_workspace()
        raise invalid_token()
    if right not in rights:
        raise without_right(right)
    return workspace  # type: ignore[return-value]


def _valid_anywhere(workspaces: Workspaces, token: str) -> bool:
    return any(rights_of(ws.config.tokens, token) is not None for ws in workspaces.by_name.values())


def authorize_any(workspaces: Workspaces, header: str | None, right: Right) -> list[str] | None:
    """A request for the whole service (``/metriques``): a token with ``right`` in any
    workspace; the workspaces where it has it (None: every one, no token being configured)."""
    if not workspaces.config.guarded:
        return None
    token = bearer(header)
    if token is None:
        raise missing_token()
    found = {name: rights_of(ws.config.tokens, token) for name, ws in workspaces.by_name.items()}
    granted = {name: rights for name, rights in found.items() if rights is not None}
    if not granted:
        raise invalid_token()
    allowed = [name for name, rights in granted.items() if right in rights]
    if not allowed:
        raise without_right(right)
    return allowed
