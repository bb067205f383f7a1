"""uvicorn's own messages reach the operations log as its JSON lines, an error with its type
and frames but not its message (which may quote an invitation)."""

from __future__ import annotations

import json
import logging

from servir_harness import server_messages_to

from tamis.service.logs import make_logger


def test_an_error_uvicorn_logs_is_one_json_line_without_its_message(capsys) -> None:
    with server_messages_to(make_logger()):
        try:
            {}["Tremblay, Julie"]
        except KeyError:
            # uvicorn's own words, line break included
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application\n")
        logging.getLogger("uvicorn.error").info("Started server process")  # below warnings
    (line,) = capsys.readouterr().err.splitlines()
    logged = json.loads(line)
    assert logged["evenement"] == "serveur_http" and logged["niveau"] == "erreur"
    assert logged["message"] == "erreur interne du service (500)"
    assert logged["exception"] == "KeyError"
    assert logged["pile"][-1].split("/")[-1] == (
        "test_server_messages.py:17 test_an_error_uvicorn_logs_is_one_json_line_without_its_message"
    )
    assert "Tremblay" not in line
