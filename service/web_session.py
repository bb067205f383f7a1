"""Web sessions: a token typed once into the login form becomes a signed, expiring cookie.

Sits in front of the web pages (``web_pages``) as ``auth`` sits in front of the API. The
token itself never leaves the login request: the cookie holds the workspace, a tag of the
token (an HMAC of its SHA-256, which says nothing of it to whoever reads the cookie), an
expiry and a random session number, signed with HMAC-SHA-256 under a
key the service draws at start (``TAMIS_CLE_SESSIONS``, inherited by ``--processus`` workers;
set it yourself to keep sessions across restarts). Each request takes the rights the token
has now: a token removed from the configuration (revoked) ends its sessions, and a right
taken from it is taken from them, from the reload that applies the file on (SIGHUP,
``reconfigure``). The cookie is ``HttpOnly``,
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

from tamis.service.tokens import Right, digest
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
    token: str = ""  # the tag of the token logged in with ("": no token configured)

    def may(self, right: Right) -> bool:
        return right in self.rights


class Sessions:
    """Signs and reads session cookies for one service process."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def open(self, workspaces: Workspaces, name: str, token: str) -> Session | None:
        """A session in workspace ``name`` if ``token`` is valid there (None otherwise).
        Without any token configured, the loopback service lets everyone in with all rights."""
        tag = self._tag(digest(token)) if workspaces.config.guarded else ""
        rights = self._rights_now(workspaces, name, tag)
        if rights is None:
            return None
        expires = int(time.time()) + LIFETIME
        return Session(name, rights, expires, secrets.token_urlsafe(12), tag)

    def cookie(self, session: Session) -> str:
        fields = (session.workspace, session.token, str(session.expires), session.number)
        payload = "\n".join(fields)
        data = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
        return f"{data}.{self._sign(data)}"

    def read(self, request: Request, workspaces: Workspaces) -> Session | None:
        """The request's session with the rights its token has now, or None (absent,
        forged, expired, or its token no longer in its workspace); not yet asked whether it
        was logged out (``revocations``)."""
        value = request.cookies.get(COOKIE, "")
        data, _, signature = value.partition(".")
        if not data or not same(signature, self._sign(data)):
            return None
        try:
            payload = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode()
            name, tag, expires, number = payload.split("\n")
            ends = int(expires)
        except ValueError:  # also a cookie of the earlier layout (rights, not the token)
            return None
        rights = self._rights_now(workspaces, name, tag)
        if ends < time.time() or rights is None:
            return None
        return Session(name, rights, ends, number, tag)

    def seal(self, session: Session, value: str) -> str:
        """A mark that ``value`` (a decision's id, in an address) was given to this session:
        an address copied into another session shows it nothing."""
        return self._sign(f"sceau\n{session.number}\n{value}")[:32]

    def sealed(self, session: Session, value: str, seal: str) -> bool:
        return same(self.seal(session, value), seal)

    def _rights_now(self, workspaces: Workspaces, name: str, tag: str) -> frozenset[Right] | None:
        """The rights of the token tagged ``tag`` in workspace ``name`` under the
        configuration in force (None: no such workspace, or no token of it has this tag).
        Without any token configured, the loopback service gives every right to a session
        opened without one. Every token of the workspace is compared, in constant time."""
        workspace = workspaces.get(name)
        if workspace is None:
            return None
        if not workspaces.config.guarded:
            return frozenset(Right) if tag == "" else None
        found: frozenset[Right] | None = None
        for entry in workspace.config.tokens:
            if same(self._tag(entry.sha256), tag):
                found = entry.rights
        return found

    def _tag(self, sha256: str) -> str:
        return self._sign(f"jeton\n{sha256}")[:32]

    def _sign(self, data: str) -> str:
        return hmac.new(self._key, data.encode(), hashlib.sha256).hexdigest()


def same(mine: str, given: str) -> bool:
    """``hmac.compare_digest`` of a text we made and one a request gave, as bytes: given
    two texts, it raises on a non-ASCII character, and a cookie or an address holding « é »
    was a 500 on every page (logging out included) instead of no session, or no seal."""
    return hmac.compare_digest(mine.encode(), given.encode())


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
