"""An unexpected error (a bug: an exception no handler expects) as the service answers it:
a French page for the web interface, the JSON error for the API and a page's scripts,
nothing of the exception sent, the exception logged.

No route of the service fails on purpose, and none is added to it for a test: the app is
built by the service's own factory (``create_app``, as ``tamis servir`` builds it), one
failing route is registered on it under the interface's prefix and one beside the API's,
with two raw ASGI routes that fail where only uvicorn sees it, and it is served by uvicorn
on a loopback port, with the service's protocol and its log.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import html
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jinja2
import orjson
import pytest
import uvicorn
from servir_harness import NO_PHOTO, POLICY, WITH_PHOTO, server_messages_to
from starlette.routing import Route
from test_journal_api import counted, route

from tamis.audit.verify import verify_journal
from tamis.service import web_pages
from tamis.service.app import create_app
from tamis.service.config import single_workspace
from tamis.service.logs import make_logger
from tamis.service.protocol import FrenchHttp
from tamis.service.server import address, bind
from tamis.service.workspaces import Workspaces

PERSONAL = "Tremblay, Julie"  # what the exception says: it may quote an invitation


def failing() -> None:
    raise KeyError(PERSONAL)


class Silent:
    """A raw ASGI route that ends without answering: uvicorn sends its own 500."""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        return None


class CutShort:
    """A raw ASGI route that fails once its status (200) and part of its body have gone,
    as a file changed while ``StaticFiles`` sends it would."""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        await self.begin(send)
        raise OSError(PERSONAL)

    @staticmethod
    async def begin(send: Any) -> None:
        """A status (200) and a tenth of the body announced."""
        head = [(b"content-length", b"100")]
        await send({"type": "http.response.start", "status": 200, "headers": head})
        await send({"type": "http.response.body", "body": b"x" * 10, "more_body": True})


class Waiting:
    """A raw ASGI route that waits until it is cancelled, as a request still running when
    a stop's grace ends (``begun``: its status and part of its body sent first)."""

    def __init__(self, begun: bool) -> None:
        self.begun, self.reached = begun, threading.Event()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if self.begun:
            await CutShort.begin(send)
        self.reached.set()
        await asyncio.Event().wait()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``serving``'s address and log."""
    with serving(tmp_path) as (address, log, _app):
        yield address, log


@contextlib.contextmanager
def serving(
    tmp_path: Path, grace: float | None = None, routes: tuple[Route, ...] = ()
) -> Iterator[tuple[str, Path, Any]]:
    """The service's app with one failing page and one failing API route (and ``routes``),
    on loopback, uvicorn giving requests ``grace`` seconds once stopping; its address, its
    log and the app. Each piece is undone in the reverse order of its making, even if a
    later one fails: the server stopped first, then uvicorn's logger (a global, routed to
    this log as a service routes it) given back as it was, then the log closed."""
    policy = tmp_path / "essai.tamis"
    policy.write_text(POLICY, encoding="utf-8")
    config = single_workspace(
        policy, context=None, journal=tmp_path / "journal.jsonl", token_sha256=None
    )
    log = tmp_path / "service.log"
    with contextlib.ExitStack() as undo:
        out = undo.enter_context(log.open("w", encoding="utf-8"))
        with contextlib.redirect_stderr(out):
            logger = make_logger()  # writes where stderr is now: to the log file
        undo.enter_context(server_messages_to(logger))
        workspaces = Workspaces(config, lambda _message: None).open()
        undo.callback(workspaces.close)
        app = create_app(workspaces, config.limits, logger)
        for method in ("GET", "POST"):  # one operation each in the OpenAPI document
            app.add_api_route("/interface/panne", failing, methods=[method], name=f"panne_{method}")
        app.add_api_route("/panne", failing)
        app.router.routes += [Route("/muette", Silent()), Route("/coupee", CutShort()), *routes]
        sock = undo.enter_context(bind("127.0.0.1", 0))
        yield undo.enter_context(running(app, sock, grace)), log, app


@contextlib.contextmanager
def running(app, sock, grace: float | None = None) -> Iterator[str]:
    """``app`` served by uvicorn (the service's protocol and settings) in a thread, until
    the block ends; its address."""
    settings = uvicorn.Config(
        app, http=FrenchHttp, log_config=None, access_log=False, timeout_graceful_shutdown=grace
    )
    server = uvicorn.Server(settings)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn n'a pas démarré"
            time.sleep(0.02)
        yield address(sock)
    finally:
        server.should_exit = True
        thread.join(30)
        assert not thread.is_alive(), "uvicorn ne s'est pas arrêté"


def server_errors(log: Path, count: int) -> list[dict]:
    """The log's ``count`` errors of the HTTP server (uvicorn logs one once its answer is
    sent), within ten seconds."""
    deadline = time.monotonic() + 10
    while True:
        logged = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        errors = [event for event in logged if event.get("evenement") == "serveur_http"]
        if len(errors) >= count or time.monotonic() > deadline:
            assert len(errors) == count, logged
            return errors
        time.sleep(0.02)


def page_of_500(answer: httpx.Response) -> str:
    """The text of the interface's page of an unexpected error, checked: status, type,
    security headers, title, what happened."""
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-security-policy"].startswith("default-src 'self'")
    title = html.unescape(re.search(r"<title>(.*?)</title>", answer.text)[1])
    assert title == "Erreur : Incident du service — tamis"
    text = html.unescape(answer.text)
    assert "Une erreur inattendue s'est produite dans le service" in text
    return text


def test_an_unexpected_error_on_a_page_is_a_french_page_and_json_for_the_api(served):
    """A bug behind a web page answered FastAPI's JSON (« erreur interne du service ; voir
    ses journaux »), shown raw by the browser, in a tab titled with the address. It is now
    a page of the interface (500, « Erreur : » first in its title, what to do), the API and
    a page's script keep their JSON; nothing of the exception is sent, it is logged."""
    served, log = served
    page = httpx.get(f"{served}/interface/panne", headers={"Accept": "text/html"})
    form = httpx.post(f"{served}/interface/panne", data={"nom": "Zoé"})
    script = httpx.get(f"{served}/interface/panne", headers={"Accept": "application/json"})
    api = httpx.get(f"{served}/panne")
    for answer in (page, form):
        text = page_of_500(answer)
        assert "vérifiez dans les décisions ou la politique s'il a été pris en compte" in text
        assert "Tremblay" not in text and "KeyError" not in text
    expected = {"erreur": "erreur interne du service ; voir ses journaux", "champ": None}
    assert script.status_code == api.status_code == 500
    assert script.json() == api.json() == expected
    errors = server_errors(log, 4)
    assert {event["exception"] for event in errors} == {"KeyError"}
    assert {event["message"] for event in errors} == {"erreur interne du service (500)"}
    assert PERSONAL not in log.read_text(encoding="utf-8")


def test_every_5xx_answer_is_counted_by_its_route_and_status(served):
    """A 5xx answer was counted by no metric with its status (only the latency histogram saw
    it, without one): an operator could not alert on the service's errors. Each is now
    counted once in ``tamis_requetes_en_erreur_par_chemin_total``, by method, route template
    and status, as refusals are: an unexpected error (500, on the API and on a page), a
    journal out of use (503), /sante unwell (503); a refusal stays in its own family."""
    served, log = served
    journal = log.parent / "journal.jsonl"
    # a connection is not used again: uvicorn closes the one that carried a 500
    with httpx.Client(base_url=served, headers={"Connection": "close"}) as http:
        assert http.get("/panne").status_code == 500
        assert http.post("/interface/panne", data={"nom": "Zoé"}).status_code == 500
        assert http.post("/decisions", json=WITH_PHOTO).status_code == 200
        with journal.open("a", encoding="utf-8") as damaged:
            damaged.write("ligne ajoutee par un autre programme\n")
        assert http.post("/v1/espaces/defaut/decisions", json=NO_PHOTO).status_code == 503
        assert http.get("/sante").status_code == 503
        assert http.get("/decisions/Tremblay-Julie").status_code == 404
        text = http.get("/metriques").text
    assert counted(text, "tamis_requetes_en_erreur_par_chemin_total") == {
        route("/panne", "", "GET", "500"): 1.0,
        route("/interface/panne", "", "POST", "500"): 1.0,
        route("/v1/espaces/{espace}/decisions", "defaut", "POST", "503"): 1.0,
        route("/sante", "", "GET", "503"): 1.0,
    }
    assert counted(text, "tamis_requetes_refusees_par_chemin_total") == {
        route("/decisions/{identifiant}", "defaut", "GET", "404"): 1.0,
    }
    assert "Tremblay" not in text
    server_errors(log, 2)


def test_a_500_page_that_cannot_be_rendered_is_still_a_french_page(served, monkeypatch, tmp_path):
    """If the interface's page of an unexpected error could not be rendered itself (here its
    templates gone from under the running service, as an upgrade in place can leave them),
    uvicorn sent its own answer: « Internal Server Error », in English. It is now a minimal
    French page of 500, made without any template, with the same headers; the failure to
    render it is logged (its type and frames), and an unknown page fails the same way."""
    served, log = served
    (tmp_path / "vide").mkdir()
    monkeypatch.setattr(web_pages.TEMPLATES, "loader", jinja2.FileSystemLoader(tmp_path / "vide"))
    failed = httpx.get(f"{served}/interface/panne", headers={"Accept": "text/html"})
    unknown = httpx.get(f"{served}/interface/nulle-part", headers={"Accept": "text/html"})
    for answer in (failed, unknown):
        text = page_of_500(answer)
        assert "Internal Server Error" not in text and "Tremblay" not in text
    assert {e["exception"] for e in server_errors(log, 2)} == {"KeyError", "TemplateNotFound"}
    logged = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    unrendered = [e for e in logged if e.get("evenement") == "page_erreur_non_rendue"]
    assert [e["exception"] for e in unrendered] == ["TemplateNotFound"] * 2


def test_a_500_of_uvicorn_is_counted_and_an_answer_cut_short_is_logged(served):
    """docs/service.md: uvicorn's own 500, for a route that ends without answering, passes
    through the service's log and is counted in ``tamis_requetes_en_erreur_par_chemin_total``
    under its route; an answer that fails once its status has gone is no 5xx (the client
    has its 200, and the connection is closed mid-body): counted in neither family, logged
    with the status sent and a ``serveur_http`` error line."""
    served, log = served
    with httpx.Client(base_url=served, headers={"Connection": "close"}) as http:
        silent = http.get("/muette")
        assert (silent.status_code, silent.text) == (500, "Internal Server Error")
        with pytest.raises(httpx.RemoteProtocolError):
            http.get("/coupee")
        errors = server_errors(log, 2)
        text = http.get("/metriques").text
    assert counted(text, "tamis_requetes_en_erreur_par_chemin_total") == {
        route("/muette", "", "GET", "500"): 1.0
    }
    assert counted(text, "tamis_requetes_refusees_par_chemin_total") == {}
    assert [event["niveau"] for event in errors] == ["erreur", "erreur"]
    assert errors[1]["exception"] == "OSError"
    assert errors[1]["message"] == (  # was « erreur interne du service (500) »: none was sent
        "réponse interrompue après son statut (200) : une erreur pendant l'envoi de son corps ; "
        "aucune réponse 500 n'a été envoyée"
    )
    logged = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    requests = {e["chemin"]: e["statut"] for e in logged if e.get("evenement") == "requete"}
    assert requests["/muette"] == 500 and requests["/coupee"] == 200
    assert PERSONAL not in log.read_text(encoding="utf-8")


def test_a_request_interrupted_when_the_grace_ends_is_no_500(tmp_path: Path) -> None:
    """A request still running when a stop's grace ended (30 s in the service) was cancelled
    by uvicorn, then logged and counted as a 500 (``requete``,
    ``tamis_requetes_en_erreur_par_chemin_total``), uvicorn's « Internal Server Error »
    sent and « erreur interne du service (500) » logged, for what was no error of the
    service. Each is now one ``requete_interrompue`` line, counted in no error metric; one
    not yet answered gets a French 503 (the service stops), one cut short keeps its status."""
    before, after = Waiting(begun=False), Waiting(begun=True)
    paths = {"/attente": before, "/attente-entamee": after}
    answers: dict[str, Any] = {}

    def ask(url: str, path: str) -> None:
        try:
            answers[path] = httpx.get(url + path, timeout=30)
        except httpx.HTTPError as error:
            answers[path] = error

    routes = tuple(Route(path, waiting) for path, waiting in paths.items())
    with serving(tmp_path, grace=0.5, routes=routes) as (url, log, app):
        threads = [threading.Thread(target=ask, args=(url, path)) for path in paths]
        for thread in threads:
            thread.start()
        assert before.reached.wait(10) and after.reached.wait(10)
    for thread in threads:
        thread.join(30)
    assert answers["/attente"].status_code == 503
    assert answers["/attente"].json() == {
        "erreur": "le service s'arrête : requête interrompue avant sa réponse ; elle a pu "
        "être prise en compte, vérifiez-le avant de la renvoyer (avec Idempotency-Key, un "
        "renvoi n'est pas décidé deux fois)",
        "champ": None,
    }
    assert isinstance(answers["/attente-entamee"], httpx.RemoteProtocolError)
    logged = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    interrupted = [e for e in logged if e["evenement"] == "requete_interrompue"]
    assert sorted((e["chemin"], e["statut"]) for e in interrupted) == [
        ("/attente", 503),
        ("/attente-entamee", 200),
    ]
    assert interrupted[0]["message"] == (
        "requête interrompue : le service s'arrêtait et le délai de grâce était écoulé"
    )
    assert not [e for e in logged if e["evenement"] == "requete"]
    said = [e["message"] for e in logged if e["evenement"] == "serveur_http"]
    assert said == ["délai de grâce de l'arrêt écoulé : 2 requête(s) en cours interrompue(s)"]
    text = app.state.metrics.render().decode()
    assert counted(text, "tamis_requetes_en_erreur_par_chemin_total") == {}


def test_a_decision_cut_off_by_the_grace_is_written_whole_before_its_journal_closes(
    tmp_path: Path,
) -> None:
    """A ``POST /decisions`` still journaling when the stop's grace ran out goes on in its
    thread (a thread cannot be stopped), but the journals were closed under it: once it got
    the file lock it read and wrote a closed descriptor, a number the process may have given
    to another file since. Here another process holds the journal's lock (as ``tamis journal
    effacer`` does for a while) until the journals are being closed: the decision must end up
    whole in the journal, and in no other file."""
    journal = tmp_path / "journal.jsonl"
    answers: list[Any] = []
    decoys = tmp_path / "leurres"
    decoys.mkdir()

    def ask(url: str) -> None:
        try:
            answers.append(httpx.post(f"{url}/decisions", json=NO_PHOTO, timeout=30))
        except httpx.HTTPError as error:
            answers.append(error)

    def release_once_stopped(log: Path, holder: int) -> None:
        """Once the grace has ended, give the freed descriptor numbers to other files (as any
        later ``open`` would), then let the journal's lock go."""
        deadline = time.monotonic() + 30
        while "requete_interrompue" not in log.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline, "la requête n'a pas été interrompue"
            time.sleep(0.02)
        time.sleep(0.3)  # the journals would be closed by now, without the fix
        for n in range(20):
            (decoys / str(n)).open("ab").close()
        opened = [os.open(decoys / str(n), os.O_WRONLY | os.O_APPEND) for n in range(20)]
        fcntl.flock(holder, fcntl.LOCK_UN)
        time.sleep(0.3)  # the cut-off write goes on meanwhile
        for fd in opened:
            os.close(fd)

    with serving(tmp_path, grace=0.5) as (url, log, app):
        workspace = app.state.workspaces.get("defaut")
        holder = os.open(journal, os.O_RDONLY)
        fcntl.flock(holder, fcntl.LOCK_EX)  # another process's section
        asker = threading.Thread(target=ask, args=(url,))
        asker.start()
        deadline = time.monotonic() + 10
        while not workspace.lock.locked():  # the request waits for the file lock
            assert time.monotonic() < deadline
            time.sleep(0.01)
        releaser = threading.Thread(target=release_once_stopped, args=(log, holder))
        releaser.start()
    releaser.join(30)
    asker.join(30)
    os.close(holder)
    assert answers[0].status_code == 503
    assert [path.stat().st_size for path in sorted(decoys.iterdir())] == [0] * 20
    assert verify_journal(journal).problem is None
    records = [orjson.loads(line) for line in journal.read_bytes().splitlines()]
    decided = [r["contenu"]["id"] for r in records if r["evenement"] == "decision"]
    assert decided == [NO_PHOTO["id"]]
