"""The HTTP/1.1 protocol uvicorn serves with, its 400 for an unreadable request in French.

A request that the HTTP parser cannot read never reaches the app: uvicorn answers it itself,
in English (« Invalid HTTP request received. »). The one a francophone user meets is curl
sending an accented query as it was typed (``curl '…/journal?expediteur=Côté'``), bytes that
HTTP wants encoded as ``%C3%B4``. ``FrenchHttp`` is uvicorn's own protocol (httptools when
installed, else h11) whose 400 is the service's JSON error, saying how to send it.
"""

from __future__ import annotations

from typing import Any

import orjson
from uvicorn.protocols.http.auto import AutoHTTPProtocol

UNREADABLE = {
    "erreur": "requête HTTP illisible (adresse ou en-têtes mal formés) ; un caractère accentué "
    "de l'adresse s'y écrit encodé, « é » en %C3%A9 : avec curl, passez les paramètres par "
    "-G --data-urlencode 'expediteur=Côté'",
    "champ": None,
}


class FrenchHttp(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    def send_400_response(self, msg: str) -> None:
        """The parser's refusal (``msg``, English, is left to uvicorn's own log) as the
        service's JSON error; the connection is closed, as uvicorn does."""
        state: Any = self.server_state
        body = orjson.dumps(UNREADABLE)
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        head += [name + b": " + value + b"\r\n" for name, value in state.default_headers]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()
