"""Web sessions: a token typed once into the login form becomes a signed, expiring cookie.

Sits in front of the web pages (``web_pages``) as ``auth`` sits in front of the API. The
token itself never leaves the login request: the cookie holds the workspace, the rights the
token grants there, an expiry and a random session number, signed with HMAC-SHA-256 under a
key the service draws at start (``TAMIS_CLE_SESSIONS``, inherited by ``--processus`` workers;
set it yourself to keep sessions across restarts). The cookie is ``HttpOnly``,
``SameSite=Strict`` and ``Secure`` over HTTPS; it expires after ``LIFETIME``. ``read`` says
whether a cookie is genuine and current; whether its number was revoked (logged out) is
asked of the workspace's store, which every process and instance shares (``revocations``).
State-changing requests must come from the service's own pages (``same_origin``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass

from starlette.requests import Request

from tamis.service.tokens import Right, rights_of
from tamis.service.workspaces import Workspace, Workspaces

COOKIE = "tamis_session"
KEY_ENV = "TAMIS_CLE_SESSIONS"
LIFETIME = 8 * 3600  # seconds: a working day


def session_key() -> bytes:
    """The signing key: ``$TAMIS_CLE_SESSIONS``, else a new one kept in the environment so
    that worker processes started afterwards share it."""
    value = os.environ.get(KEY_ENV)
    if not value:
        value = secrets.token_urlsafe(32)
        os.environ[KEY_ENV] = value
    return hashlib.sha256(value.encode()).digest()


@dataclass(frozen=True)
class Session:
    workspace: str
    rights: frozenset[Right]
    expires: int  # Unix time
    number: str  # random: what logging out revokes

    def may(self, right: Right) -> bool:
        return right in self.rights


class Sessions:
    """Signs and reads session cookies for one service process."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def open(self, workspaces: Workspaces, name: str, token: str) -> Session | None:
        """A session in workspace ``name`` if ``token`` is valid there (None otherwise).
        Without any token configured, the loopback service lets everyone in with all rights."""
        workspace = workspaces.get(name)
        if workspace is None:
            return None
        if workspaces.config.has_tokens:
            rights = rights_of(workspace.config.tokens, token)
            if rights is None:
                return None
        else:
            rights = frozenset(Right)
        return Session(name, rights, int(time.time()) + LIFETIME, secrets.token_urlsafe(12))

    def cookie(self, session: Session) -> str:
        rights = ",".join(sorted(r.value for r in session.rights))
        payload = f"{session.workspace}\n{rights}\n{session.expires}\n{session.number}"
        data = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
        return f"{data}.{self._sign(data)}"

    def read(self, request: Request) -> Session | None:
        """The request's session, or None (absent, forged or expired); not yet asked
        whether it was revoked (``revocations``)."""
        value = request.cookies.get(COOKIE, "")
        data, _, signature = value.partition(".")
        if not data or not hmac.compare_digest(signature, self._sign(data)):
            return None
        try:
            payload = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode()
            name, rights, expires, number = payload.split("\n")
            session = Session(name, _rights(rights), int(expires), number)
        except ValueError:
            return None
        if session.expires < time.time():
            return None
        return session

    def _sign(self, data: str) -> str:
        return hmac.new(self._key, data.encode(), hashlib.sha256).hexdigest()


def _rights(text: str) -> frozenset[Right]:
    return frozenset(Right(part) for part in text.split(",") if part)


def workspace_of(workspaces: Workspaces, session: Session) -> Workspace | None:
    return workspaces.get(session.workspace)


def same_origin(request: Request) -> bool:
    """A POST from one of our own pages: its ``Origin`` (or, failing that, ``Referer``) is
    this service's own scheme, host and port. No header at all is refused too."""
    own = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    if origin:
        return origin == own
    referer = request.headers.get("referer", "")
    return referer == own or referer.startswith(own + "/")


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"
