"""Without tokens, only a ``Host`` of this machine is answered: no DNS rebinding.

A service without tokens trusts whoever reaches it, which it may since it listens on loopback
only (``server``). A web page cannot reach it directly, but it can through DNS rebinding:
``evil.example`` first resolves to the attacker, then to 127.0.0.1, and the browser, which
sees one origin, lets the page's scripts read ``/journal`` and log in to the interface. Its
requests name that host in ``Host``, so ``LoopbackHost`` (installed only when no token is
configured) answers 400 to any ``Host`` that is not this machine's: ``localhost`` (and
``*.localhost``), a 127.0.0.0/8 address or ``[::1]``, with any port.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from tamis.service.errors import ApiError, error_response

REFUSED = ApiError(
    400,
    "en-tête Host refusé : sans jeton, le service ne répond qu'aux adresses de cette machine "
    "(127.0.0.1, localhost, [::1]) ; pour l'atteindre sous un autre nom, configurez des jetons",
    "Host",
)


def is_loopback_host(host: str) -> bool:
    """``Host`` (with or without its port) names this machine."""
    name = host.strip().lower()
    if name.startswith("["):  # [::1]:8765
        name = name[1 : name.find("]")] if "]" in name else name
    elif name.count(":") == 1:
        name = name.rpartition(":")[0]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class LoopbackHost:
    """ASGI middleware: 400 for a request whose ``Host`` is not this machine's."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            host = dict(scope["headers"]).get(b"host")
            if host is not None and not is_loopback_host(host.decode("latin-1")):
                await error_response(REFUSED)(scope, receive, send)
                return
        await self.app(scope, receive, send)
