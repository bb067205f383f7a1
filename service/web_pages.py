"""The web interface: server-rendered French pages for one workspace at a time, under
``/interface/`` (``/`` leads there).

As thin over ``calls`` and the workspaces as the API routes are: a page reads the journal or
decides through the same functions, shapes the answer with ``web_views`` and renders a
Jinja2 template (autoescaped: invitation data is attacker-controlled). Access goes through a
signed session cookie (``web_session``) that no process has seen logged out (the workspace's
``revocations``, one look-up per request); every POST must come from our own pages. Each page
is sent with a Content-Security-Policy that allows only our own scripts and styles, none
inline. Reading works without JavaScript; the two small scripts only add live diagnostics in
the policy editor and a progress bar to the CSV upload.
"""

from __future__ import annotations

import dataclasses
import itertools
import secrets
from collections import deque
from collections.abc import Mapping
from datetime import tzinfo
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
import orjson
from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup, escape

from tamis.audit.advice import Origin
from tamis.grammar.save import write_policy
from tamis.grammar.terminal import DIRECTION, direction_shown
from tamis.invitations.french import ZIP_SIGNATURE
from tamis.invitations.models import INCOMING
from tamis.outreach.advice import Draft, profile_refusal, recipient_refusal
from tamis.service import calls, flat_routes, idempotence, web_forms, web_views
from tamis.service.api_advice import advise_in, advise_once
from tamis.service.api_journal import (
    check_query_text,
    filter_problem,
    period,
    policy_body,
    unknown_period,
)
from tamis.service.calls import FilterError, PolicyRefused
from tamis.service.config import DEFAULT_WORKSPACE, Limits
from tamis.service.errors import ApiError, quoted
from tamis.service.hangups import others_reload
from tamis.service.logs import failure, name_workspace
from tamis.service.tokens import Right
from tamis.service.web_session import COOKIE, LIFETIME, Session, Sessions, is_https, same_origin
from tamis.service.workspaces import Workspace

PREFIX = "/interface"
PAGE_SIZE = 25
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
ASSETS = files("tamis.service")


class AsTyped(str):
    """A value given back into a form field (``|tel_quel``): kept as typed, so that sending
    the form again sends the same text."""


def shown(value: Any) -> Any:
    """What ``{{ … }}`` shows (Jinja's ``finalize``, before escaping): a direction control
    (U+202E…) in a name, a note or an explanation quoting them is shown as ``\\u202e``, as
    the command line shows it, instead of reordering the rest of the line (a name turning
    the explanation after it backwards); a form field's value stays as typed."""
    if isinstance(value, AsTyped):
        return str(value)
    if isinstance(value, str) and DIRECTION.search(value):
        text = direction_shown(value)
        return Markup(text) if isinstance(value, Markup) else text
    return value


TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(ASSETS / "templates")),
    autoescape=True,
    finalize=shown,
)
TEMPLATES.filters["tel_quel"] = AsTyped
TEMPLATES.globals["nouvel_envoi"] = lambda: secrets.token_urlsafe(12)  # one per page shown
TEMPLATES.globals.update(
    prefix=PREFIX, truth_class=web_views.truth_class, truth_word=web_views.truth_word
)
FILTER_LABELS = {
    "decision": "Décision",
    "regle": "Règle",
    "fait": "Fait",
    "expediteur": "Personne",
    "depuis": "Depuis",
    "jusqu_a": "Jusqu'au",
}
"""The inbox's filters: each query parameter and the label of its field, which the page
shows (``decisions.html``) and its errors name, as a form's do (« Jusqu'au : … »): « jusqu_a »
is the API's word, not one the person who filled in the form saw."""
TEMPLATES.globals["etiquettes"] = FILTER_LABELS


class Denied(Exception):
    """A page the session may not see: to the login page, or a 403 page."""

    def __init__(self, status: int, message: str = "") -> None:
        self.status, self.message = status, message
        self.kept: dict[str, str] | None = None  # a form sent once the session had ended


def install(app: Any, sessions: Sessions) -> None:
    """Mount the pages, their static files and their error handling on ``app``."""
    app.state.sessions = sessions
    app.mount(f"{PREFIX}/static", StaticFiles(directory=str(ASSETS / "static")), name="static")
    flat_routes.include(app, router())

    @app.exception_handler(Denied)
    async def _denied(request: Request, error: Denied) -> Response:
        if error.status == 401 and wants_json(request):  # a page's script: it says so
            return JSONResponse({"erreur": SIGNED_OUT}, 401, headers=SECURITY_HEADERS)
        if error.status == 401 and error.kept is not None:
            return signed_out_with(request, error.kept)
        if error.status == 401:
            return RedirectResponse(login_address(request), status_code=303)
        values = {"message": error.message, "titre": refused_title(error.status)}
        return page(request, "refus.html", None, values, error.status)


def login_address(request: Request) -> str:
    """The login page, told which page to open once logged in (``suite``): a page bookmarked,
    or open when the session ended, led to the inbox after the login. A form sent without
    a session goes to the inbox: its page is not one to open again."""
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or following(wanted) == f"{PREFIX}/":
        return f"{PREFIX}/connexion"
    return f"{PREFIX}/connexion?{urlencode({'suite': wanted})}"


def following(wanted: str | None) -> str:
    """The page to open after the login: ``wanted`` if it is a page of the interface (an
    address elsewhere, « //autre.exemple/ » included, would make the login a way to send
    people there), else the inbox."""
    parts = urlsplit(wanted or "")
    local = not (parts.scheme or parts.netloc) and "\\" not in (wanted or "")
    if local and parts.path.startswith(f"{PREFIX}/") and parts.path != f"{PREFIX}/connexion":
        return wanted or ""
    return f"{PREFIX}/"


SIGNED_OUT = (
    "Votre session a expiré ou a été fermée (huit heures passées, déconnexion, service "
    "redémarré) : rechargez la page pour vous reconnecter, puis recommencez."
)


def wants_json(request: Request) -> bool:
    """A request from a page's script (the upload, the checks as you type), which reads the
    answer as JSON: a redirection to the login page would reach it as an unreadable page."""
    return "application/json" in request.headers.get("accept", "")


def is_page(request: Request) -> bool:
    """True for a request to the web interface (its pages, not the API's JSON)."""
    path = request.url.path
    return path == PREFIX or path.startswith(f"{PREFIX}/")


_REFUSALS = {
    404: "Cette page n'existe pas.",
    405: "Cette page ne s'ouvre pas ainsi : passez par les liens et les boutons de l'interface.",
    500: "Une erreur inattendue s'est produite dans le service ; son opérateur en trouvera la "
    "cause dans ses journaux. Si vous envoyiez un formulaire, vérifiez dans les décisions ou "
    "la politique s'il a été pris en compte avant de l'envoyer de nouveau.",
}


def refused_title(status: int) -> str:
    """The title (the tab's name, what a screen reader says first) of a refusal page: every
    one was « Accès refusé », an unknown page and a form refused too."""
    titles = {403: "Accès refusé", 404: "Page introuvable", 500: "Incident du service"}
    return titles.get(status, "Requête refusée")


def refusal(request: Request, error: ApiError) -> HTMLResponse | None:
    """A refusal of FastAPI's own (unknown page, wrong method, unreadable form) or an
    unexpected error (500) as a French page with the same status and headers (``Allow``),
    for a request to the interface; None for the API and a page's script, which read JSON
    (``errors``)."""
    if not is_page(request) or wants_json(request):
        return None
    message = _REFUSALS.get(
        error.status, "Requête refusée : le formulaire envoyé est illisible ou trop volumineux."
    )
    title = refused_title(error.status)
    try:
        html = TEMPLATES.get_template("refus.html").render(
            session=None, message=message, titre=title
        )
    except Exception as unrendered:
        if error.status != 500:
            raise  # an unexpected error: its handler answers with the page of a 500
        request.app.state.logger.error("page_erreur_non_rendue", **failure(unrendered))
        html = bare_page(title, message)
    return HTMLResponse(html, error.status, headers={**SECURITY_HEADERS, **error.headers})


def bare_page(title: str, message: str) -> str:
    """The page of a 500 whose template could not be rendered (templates gone from under
    the running service, a bug in one): no template, nothing that can fail, still French.
    Without it uvicorn sent its own « Internal Server Error », in English."""
    return (
        '<!doctype html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Erreur : {escape(title)} — tamis</title>\n</head>\n<body>\n"
        "<h1>Impossible d'afficher cette page</h1>\n"
        f'<p role="alert">{escape(message)}</p>\n'
        f'<p><a href="{PREFIX}/">Retour aux décisions</a></p>\n</body>\n</html>\n'
    )


def unavailable(request: Request, message: str, headers: dict[str, str]) -> HTMLResponse:
    """The 503 of a journal out of use, as a page (``app``: the API's is JSON), with the
    same headers (``Retry-After``); a GET can be tried again from it."""
    again = str(request.url.path) if request.method == "GET" else ""
    html = TEMPLATES.get_template("indisponible.html").render(
        session=None, message=message, again=again
    )
    return HTMLResponse(html, status_code=503, headers={**SECURITY_HEADERS, **headers})


def page(
    request: Request, name: str, session: Session | None, values: dict, status: int = 200
) -> HTMLResponse:
    """The page ``name`` for ``session``, which names the zone of its times and days (the
    workspace's ``fuseau``, UTC unless it names one)."""
    workspace = request.app.state.workspaces.get(session.workspace) if session else None
    zone = workspace.config.zone.key if workspace is not None else "UTC"
    html = TEMPLATES.get_template(name).render(session=session, fuseau=zone, **values)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def login_page(request: Request, values: dict, status: int = 200) -> HTMLResponse:
    """The login page; without any token configured (a service on this machine for one
    person, where the login takes none), it says so and asks for none: its « Entrez le jeton
    que l'administrateur vous a remis » sent that person looking for a token there is not."""
    config = request.app.state.workspaces.config
    shown = {"espace": prefilled(config.workspaces), **values, "sans_jeton": not config.guarded}
    return page(request, "connexion.html", None, shown, status)


def prefilled(workspaces: Mapping[str, object], sent: str | None = None) -> str:
    """The workspace the login field starts with: the one a form sent without a session was
    for (``sent``, each form carries it), else « defaut » where there is one (``tamis
    servir -p``), else nothing: « defaut » in a service whose workspaces are « jade » and
    « remi » was refused whatever the token, and a real name there would tell anyone who
    opens the page which workspaces exist."""
    if sent and sent.strip() in workspaces:
        return sent.strip()
    return DEFAULT_WORKSPACE if DEFAULT_WORKSPACE in workspaces else ""


async def allowed(request: Request, right: Right) -> tuple[Session, Workspace]:
    session, workspace = await signed_in(request)
    if not session.may(right):
        raise Denied(403, f"Votre jeton n'a pas le droit « {right.value} » dans cet espace.")
    return session, workspace


async def signed_in(request: Request) -> tuple[Session, Workspace]:
    """The request's session and its workspace; ``Denied(401)`` if the cookie is absent,
    forged, expired or logged out on any process. A store of logged-out sessions that cannot
    answer raises ``JournalError`` (a 503): a cookie that may be revoked is never let in."""
    found = cookie_session(request)
    if found is None:
        raise Denied(401)
    session, workspace = found
    name_workspace(request.scope, request.app.state.workspaces, workspace.name)
    revocations = workspace.revocations
    if await to_thread.run_sync(revocations.revoked, session.number, session.expires):
        raise Denied(401)
    return found


def cookie_session(request: Request) -> tuple[Session, Workspace] | None:
    """The cookie's genuine and current session, and its workspace (None: there is none);
    whether it was logged out is not asked here."""
    workspaces = request.app.state.workspaces
    session = request.app.state.sessions.read(request, workspaces)
    workspace = None if session is None else workspaces.get(session.workspace)
    return None if workspace is None else (session, workspace)


async def form_of(request: Request) -> dict[str, str]:
    """The posted form's fields as typed (``web_forms``); a refusal page, with nothing
    decided, journaled or saved, for a field that is not UTF-8 or a body refused."""
    try:
        return await web_forms.fields(request)
    except web_forms.FormNotText as error:
        raise Denied(400, not_text(error.field)) from None
    except ApiError as error:
        raise Denied(error.status, f"Formulaire refusé : {error.message}.") from None


def not_text(field: str | None) -> str:
    what = "un nom de champ" if field is None else f"le champ « {quoted(field)} »"
    return (
        f"Formulaire refusé : {what} n'est pas du texte UTF-8 ; rien n'a été décidé, inscrit "
        "ni enregistré. Envoyez-le depuis la page du service, qui l'encode ainsi."
    )


@dataclasses.dataclass(frozen=True)
class Elsewhere:
    """A form refused for the workspace its page named (``other_workspace``): its status
    and why; its page is shown again with what was typed."""

    status: int
    message: str


def other_workspace(session: Session, form: Any) -> Elsewhere | None:
    """Why a form is refused for the workspace its page was shown for (None: it is not). A
    page carries it (``espace``); logging in to another workspace in another tab replaced
    the session, and the older tab's form would have decided, saved or journaled in a
    workspace its page did not name (409). Every form of ours carries the field: one
    without it (or with an empty one) was taken as meant for the session's workspace,
    whatever page it came from; it is refused too (400)."""
    shown = form.get("espace")
    if not isinstance(shown, str) or not shown:
        return Elsewhere(400, WORKSPACE_UNSAID.format(session.workspace))
    if shown == session.workspace:
        return None
    shown = quoted(shown)
    message = (
        f"Cette page était celle de l'espace « {shown} », mais votre session est maintenant "
        f"dans l'espace « {session.workspace} » (une connexion dans un autre onglet) : rien "
        "n'a été décidé, inscrit ni enregistré. Envoyez de nouveau pour agir dans "
        f"« {session.workspace} », ou reconnectez-vous à « {shown} »."
    )
    return Elsewhere(409, message)


WORKSPACE_UNSAID = (
    "Formulaire refusé : il ne dit pas pour quel espace sa page a été affichée (son champ "
    "« espace » manque) ; rien n'a été décidé, inscrit ni enregistré. Cette page-ci le dit : "
    "envoyez de nouveau pour agir dans « {} »."
)


def from_our_pages(request: Request) -> None:
    """A 403 for a request that changes something and does not come from our own pages."""
    if not same_origin(request):
        raise Denied(403, "Requête refusée : elle ne vient pas d'une page de ce service.")


async def posted(request: Request, right: Right) -> tuple[Session, Workspace]:
    from_our_pages(request)
    return await allowed(request, right)


async def posted_form(request: Request, right: Right) -> tuple[Session, Workspace, dict]:
    """``posted`` and the form's fields. A form sent once the session had ended (eight
    hours, a logout, a restart) led to the login page and was lost, a policy written for an
    hour with it: the login page now carries it (``Denied.kept``), and gives it back."""
    from_our_pages(request)
    form = await form_of(request)
    try:
        session, workspace = await allowed(request, right)
    except Denied as denied:
        if denied.status == 401 and not wants_json(request):
            denied.kept = form
        raise
    return session, workspace, form


UPLOAD = "fichier"  # carried through the login for an upload sent without a session


async def posted_upload(request: Request) -> tuple[Session, Workspace]:
    """``posted`` for the upload. A file sent without JavaScript once the session had ended
    was lost without a word (the login then opened the inbox); the file is not kept (no
    body is read without a session), but the login page and then the form say it was not
    received and must be chosen again (``Denied.kept``). The page's script is told as JSON."""
    try:
        return await posted(request, Right.DECIDER)
    except Denied as denied:
        if denied.status == 401 and not wants_json(request):
            denied.kept = {UPLOAD: ""}
        raise


def sent_key(form: Mapping[str, Any]) -> str:
    """The form's ``envoi``, what makes a page sent again act once ("": a script's form,
    which has none); a 400 for one no page draws (``nouvel_envoi``): a NUL in it was taken
    by a PostgreSQL journal for a failure of its own, a 503 « Journal indisponible »."""
    key = str(form.get("envoi") or "")
    try:
        return idempotence.check_key(key) if key else ""
    except ApiError:
        raise Denied(400, FORGED_KEY) from None


FORGED_KEY = (
    "Formulaire refusé : son champ « envoi » n'est pas celui qu'une page du service y met "
    "(1 à 200 caractères ASCII visibles) ; rien n'a été décidé ni inscrit. Envoyez-le "
    "depuis la page du service."
)

NOT_SENT = ("espace", "action", "suite", "envoi")  # the page's own fields, not what was typed


RESUMED_ON = {f"{PREFIX}/televerser": f"{PREFIX}/nouvelle"}  # a form sent, the page it is on


def signed_out_with(request: Request, form: dict[str, str]) -> HTMLResponse:
    """The login page for a form sent without a session, carrying what was typed."""
    kept = {name: value for name, value in form.items() if name not in NOT_SENT}
    wanted = following(RESUMED_ON.get(request.url.path, request.url.path))
    sent = prefilled(request.app.state.workspaces.config.workspaces, form.get("espace"))
    values = {"erreur": "", "espace": sent, "suite": wanted, "reprise": kept}
    return login_page(request, values, 401)


RESUMED = (
    "Vous êtes reconnecté : ce que vous aviez tapé est revenu dans le formulaire, rien n'a "
    "encore été envoyé. Vérifiez-le, puis envoyez-le."
)


UPLOAD_LOST = (
    "Vous êtes reconnecté, mais le fichier que vous aviez envoyé n'a pas été reçu : votre "
    "session avait pris fin, et rien n'a été décidé. Choisissez-le de nouveau, puis "
    "envoyez-le."
)


def resumed_page(request: Request, session: Session, path: str, kept: dict) -> Response | None:
    """After the login, the page whose form was sent without a session, with that form's
    fields as typed (nothing decided, journaled or saved), or saying that its file was not
    received (``posted_upload``); None for any other page."""
    workspace = request.app.state.workspaces.get(session.workspace)
    if path == f"{PREFIX}/politique" and session.may(Right.LIRE):
        values = policy_values(workspace, kept.get("source", "").replace("\r\n", "\n"))
    elif path == f"{PREFIX}/nouvelle" and session.may(Right.DECIDER) and UPLOAD in kept:
        values = {**empty_form(), "lot": {"erreur": UPLOAD_LOST}}
        return page(request, "nouvelle.html", session, values)
    elif path == f"{PREFIX}/nouvelle" and session.may(Right.DECIDER):
        values = {**empty_form(), "form": kept}
    elif path == f"{PREFIX}/conseil" and session.may(Right.DECIDER):
        values = {"form": kept, "conseil": None}
    else:
        return None
    return page(request, path.rsplit("/", 1)[1] + ".html", session, {**values, "repris": RESUMED})


def router() -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/")
    @pages.get(PREFIX)
    async def root() -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=303)

    @pages.get(f"{PREFIX}/connexion")
    async def connexion(request: Request) -> Response:
        wanted = following(request.query_params.get("suite"))
        return login_page(request, {"erreur": "", "suite": wanted})

    @pages.post(f"{PREFIX}/connexion")
    async def connecter(request: Request) -> Response:
        from_our_pages(request)
        form = await form_of(request)
        name, token = form.get("espace") or "defaut", form.get("jeton") or ""
        name_workspace(request.scope, request.app.state.workspaces, name.strip())
        sessions: Sessions = request.app.state.sessions
        session = sessions.open(request.app.state.workspaces, name.strip(), token.strip())
        wanted = following(form.get("suite"))
        kept = {k[len("reprise.") :]: v for k, v in form.items() if k.startswith("reprise.")}
        if session is None:  # a token mistyped: what was typed before stays carried
            values = {"erreur": "Espace ou jeton invalide.", "espace": name, "suite": wanted,
                      "reprise": kept}  # fmt: skip
            return login_page(request, values, 401)
        resumed = resumed_page(request, session, wanted, kept) if kept else None
        response = resumed or RedirectResponse(wanted, status_code=303)
        response.set_cookie(
            COOKIE, sessions.cookie(session), max_age=LIFETIME, httponly=True,
            samesite="strict", secure=is_https(request), path="/",
        )  # fmt: skip
        return response

    @pages.post(f"{PREFIX}/deconnexion")
    async def deconnecter(request: Request) -> Response:
        from_our_pages(request)
        found = cookie_session(request)
        if found is not None:  # every process and instance refuses it from now on
            session, workspace = found
            revoke = workspace.revocations.revoke
            await to_thread.run_sync(revoke, session.number, session.expires)
        response = RedirectResponse(f"{PREFIX}/connexion", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @pages.get(f"{PREFIX}/")
    async def decisions(request: Request) -> Response:
        session, workspace = await allowed(request, Right.LIRE)
        query = request.query_params
        values = await to_thread.run_sync(inbox, request, workspace, query)
        return page(request, "decisions.html", session, values, 400 if values["erreur"] else 200)

    @pages.get(f"{PREFIX}/decision/{{ident}}")
    @pages.get(f"{PREFIX}/decision/{{ident:path}}")  # an id holding a « / »
    async def pourquoi(request: Request, ident: str) -> Response:
        session, workspace = await allowed(request, Right.LIRE)
        warn = request.app.state.warn
        shown = await to_thread.run_sync(explained, workspace, ident, warn)
        if not shown:
            message = "Aucune décision pour cette invitation dans le journal."
            values = {"message": message, "titre": "Décision introuvable"}
            return page(request, "refus.html", session, values, 404)
        return page(request, "decision.html", session, {"ident": ident, "decisions": shown})

    @pages.get(f"{PREFIX}/nouvelle")
    async def nouvelle(request: Request) -> Response:
        """The form; after a decision (``decidee``, sealed for this session: the form's
        token may be allowed to decide and not to read), that decision above it."""
        session, workspace = await allowed(request, Right.DECIDER)
        values = empty_form()
        ident, seal = request.query_params.get("decidee", ""), request.query_params.get("sceau")
        if ident and request.app.state.sessions.sealed(session, ident, seal or ""):
            warn = request.app.state.warn
            found = await to_thread.run_sync(explained, workspace, ident, warn)
            values["resultat"] = found[-1] if found else None
        return page(request, "nouvelle.html", session, values)

    @pages.post(f"{PREFIX}/nouvelle")
    async def decider(request: Request) -> Response:
        session, workspace, form = await posted_form(request, Right.DECIDER)
        wrong = other_workspace(session, form)
        if wrong:
            values = {**empty_form(), "form": form, "erreur": wrong.message}
            return page(request, "nouvelle.html", session, values, wrong.status)
        values = await to_thread.run_sync(decide_form, workspace, form)
        if values["erreur"] or values["refus"]:
            return page(request, "nouvelle.html", session, values, 422)
        return decided_page(request, session, values["resultat"]["id"])

    @pages.post(f"{PREFIX}/televerser")
    async def televerser(request: Request) -> Response:
        session, workspace = await posted_upload(request)
        form = await request.form()
        upload = form.get("fichier")
        limits = request.app.state.limits  # one byte past the limit tells it is too large
        data = await upload.read(limits.max_body + 1) if hasattr(upload, "read") else b""
        wrong = other_workspace(session, form)
        if wrong:
            summary, status = {"erreur": wrong.message}, wrong.status
        else:
            key = sent_key(form)
            summary = await to_thread.run_sync(decide_csv, workspace, data, limits, key)
            status = 422 if summary["erreur"] else 200
        if wants_json(request):
            return JSONResponse(summary, status, headers=SECURITY_HEADERS)
        values = {**empty_form(), "lot": summary}
        return page(request, "nouvelle.html", session, values, status)

    @pages.get(f"{PREFIX}/politique")
    async def politique(request: Request) -> Response:
        session, workspace = await allowed(request, Right.LIRE)
        source = workspace.loaded.setup.policy.source
        return page(request, "politique.html", session, policy_values(workspace, source))

    @pages.post(f"{PREFIX}/politique/diagnostics")
    async def diagnostics(request: Request) -> Response:
        await posted(request, Right.LIRE)
        source = await policy_body(request)  # within the size limit, UTF-8 or a 4xx
        found = await to_thread.run_sync(calls.validate, source, "politique.tamis")
        return JSONResponse({"diagnostics": found}, headers=SECURITY_HEADERS)

    @pages.post(f"{PREFIX}/politique")
    async def politique_action(request: Request) -> Response:
        session, workspace, form = await posted_form(request, Right.LIRE)
        action = form.get("action", "verifier")
        source = form.get("source", "").replace("\r\n", "\n")
        wrong = other_workspace(session, form)
        if wrong:
            values = policy_values(workspace, source, message=wrong.message, refus=wrong.status)
        elif action == "enregistrer" and not session.may(Right.ADMIN):
            values = policy_values(workspace, source, message=NOT_ADMIN, refus=403)
        else:
            values = await to_thread.run_sync(policy_action, request, workspace, action, source)
        return page(request, "politique.html", session, values, values["refus"] or 200)

    @pages.get(f"{PREFIX}/conseil")
    async def conseil(request: Request) -> Response:
        session, _ = await allowed(request, Right.DECIDER)
        return page(request, "conseil.html", session, {"form": {}, "conseil": None})

    @pages.post(f"{PREFIX}/conseil")
    async def conseiller(request: Request) -> Response:
        """« Vérifier » journals the advice; the checks as you type (``?apercu=1``) do not."""
        session, workspace, form = await posted_form(request, Right.DECIDER)
        preview = request.query_params.get("apercu") == "1"
        key = sent_key(form)  # « Vérifier » sent again journals once under it (``advised_once``)
        wrong = other_workspace(session, form)
        if wrong:
            advice, status = {"erreur": wrong.message}, wrong.status
        else:
            advice = await to_thread.run_sync(advice_for, workspace, form, preview, key)
            status = 422 if advice and advice.get("erreur") else 200
        if wants_json(request):
            return JSONResponse(advice, status, headers=SECURITY_HEADERS)
        values = {"form": form, "conseil": advice}
        return page(request, "conseil.html", session, values, status)

    @pages.get(f"{PREFIX}/statistiques")
    async def statistiques(request: Request) -> Response:
        session, workspace = await allowed(request, Right.LIRE)
        try:
            per = period(request.query_params.get("par", ""))
        except ApiError:
            values = {"erreur": f"Statistiques non affichées : {unknown_period()}.", "par": ""}
            return page(request, "statistiques.html", session, values, 400)
        warn = request.app.state.warn
        everything, zone = calls.make_filter(), workspace.config.zone  # its fuseau's days
        found = await to_thread.run_sync(
            calls.stats, workspace.journal.path, everything, per, warn, zone
        )
        bars, width = web_views.chart(found["par_periode"])
        values = {"stats": found, "bars": bars, "largeur": width, "par": per}
        return page(request, "statistiques.html", session, values)

    return pages


# --- what each page shows ------------------------------------------------------------


def inbox(request: Request, workspace: Workspace, query: Any) -> dict[str, Any]:
    """The newest decisions matching the filters (before the ``avant`` cursor). A field left
    blank, or holding only spaces, filters on nothing: spaces around a value are not part of it."""
    shown = {key: query.get(key, "").strip() for key in FILTER_LABELS}
    zone = workspace.config.zone  # its days and times: the workspace's fuseau
    try:
        check_query_text(request, FILTER_LABELS)
        flt = calls.make_filter(
            decisions=[shown["decision"]] if shown["decision"] else (),
            rules=[shown["regle"]] if shown["regle"] else (),
            facts=[shown["fait"]] if shown["fait"] else (),
            sender=shown["expediteur"] or None,
            since=web_views.zoned_bound(shown["depuis"], zone, end=False) or None,
            until=web_views.zoned_bound(shown["jusqu_a"], zone, end=True) or None,
        )
        calls.check_facts(workspace.journal.path, flt, request.app.state.warn)
    except FilterError as error:
        field = error.criterion.value
        refused = f"{FILTER_LABELS[field]} : {filter_problem(error, zone.key)}"
        return {"lignes": [], "filtres": shown, "erreur": refused, "suivant": None,
                "a_examiner": 0, "champ": field}  # fmt: skip
    before = _cursor(query.get("avant"))
    path, warn = workspace.journal.path, request.app.state.warn
    rows = deque(
        (r for r in calls.search(path, flt, 0, 10**12, warn) if r["seq"] < before),
        maxlen=PAGE_SIZE + 1,
    )
    more = len(rows) > PAGE_SIZE
    page_rows = list(rows)[-PAGE_SIZE:][::-1]
    lines = [web_views.inbox_line(r, _recorded(path, r, warn), zone) for r in page_rows]
    waiting = calls.stats(path, calls.make_filter(decisions=["examiner"]), "jour", warn)["total"]
    following = lines[-1].seq if more and lines else None
    notes = [] if lines else calls.rule_notes(path, flt, warn)
    empty = not lines and not any(shown.values()) and "avant" not in query  # no decision yet
    older = before < 10**18  # a page past the first: the way back to the newest
    return {"lignes": lines, "filtres": shown, "erreur": "", "suivant": following, "vide": empty,
            "plus_anciennes": older,
            "a_examiner": waiting, "notes": [f"Règle « {n} » : {t}" for n, t in notes]}  # fmt: skip


def decided_page(request: Request, session: Session, ident: str) -> Response:
    """To the form, with the decision just taken above it (Post/Redirect/Get): reloading
    the page, or going back and forth, sent the form again and decided the invitation a
    second time, under another id."""
    seal = request.app.state.sessions.seal(session, ident)
    query = urlencode({"decidee": ident, "sceau": seal})
    return RedirectResponse(f"{PREFIX}/nouvelle?{query}", status_code=303)


def explained(workspace: Workspace, ident: str, warn) -> list[dict[str, Any]]:
    """Each recorded decision of ``ident`` as the pages show it (none: no such decision)."""
    found = calls.explain(workspace.journal.path, ident, warn)
    recorded = calls.recorded_invitations(workspace.journal.path, ident, warn) if found else {}
    zone = workspace.config.zone
    return [explained_view(item, _received(recorded.get(item["seq"])), zone) for item in found]


def _cursor(value: str | None) -> int:
    return int(value) if value and value.isdecimal() and len(value) < 19 else 10**18


def _recorded(path: Path, row: dict, warn) -> calls.Recorded | None:
    """What the journal holds of this decision's invitation, and of its erasure."""
    return calls.recorded_invitations(path, str(row["id"]), warn).get(row["seq"])


def _received(recorded: calls.Recorded | None) -> dict | None:
    return None if recorded is None else recorded.invitation


def explained_view(item: dict[str, Any], invitation: dict | None, zone: tzinfo) -> dict[str, Any]:
    evidence = item.get("preuves") or {}
    conditions = [
        {**entry, "arbre": web_views.tree(entry["condition"], evidence)}
        for entry in item.get("conditions") or ()
    ]
    step = web_views.step(item["decision"], invitation, item.get("effacement"))
    missing = web_views.unknown_leaves(c["arbre"] for c in conditions)
    shown = {"decidee_le": web_views.stamped(item["horodatage"], zone)}
    outgoing = web_views.outgoing(item)  # a request to send: its sender is the user
    shown["personne"] = item["destinataire"] if outgoing else item["expediteur"]
    if item.get("effacement"):
        shown["effacee_le"] = web_views.stamped(item["effacement"]["le"], zone)
    return {**item, **shown, "conditions": conditions, "etape": step, "manquants": missing}


def empty_form() -> dict[str, Any]:
    return {"form": {}, "resultat": None, "erreur": "", "refus": {}, "lot": None}


FIELD_NAMES = {"connexions": "Connexions", "relations_communes": "Relations en commun"}


def decide_form(workspace: Workspace, form: dict[str, str]) -> dict[str, Any]:
    values = {**empty_form(), "form": form}
    ident = "web-" + secrets.token_hex(6)
    try:
        invitation = web_views.invitation_from_form(form, ident)
    except web_views.FormProblem as problem:
        if problem.field is None:
            return {**values, "erreur": str(problem)}
        named = f"{FIELD_NAMES.get(problem.field, problem.field)} : {problem}"
        return {**values, "refus": {problem.field: named}}
    outcome = workspace.decide(calls.records_from_json([invitation]), trace=False)[0]
    if outcome.result is None:
        return {**values, "erreur": " ; ".join(outcome.errors)}
    return {**values, "resultat": outcome.result}


ARCHIVE = (
    "Ce fichier est une archive ZIP : l'export de LinkedIn tel que téléchargé (ou un classeur "
    "Excel .xlsx). Décompressez-la et envoyez le fichier Invitations.csv qu'elle contient ; "
    "un classeur Excel, enregistrez-le en « CSV UTF-8 »."
)

NOT_UTF8 = (
    "Ce fichier n'est pas du texte UTF-8 : l'export de LinkedIn l'est, mais Excel enregistre "
    "son « CSV » autrement. Dans Excel, enregistrez-le en « CSV UTF-8 », puis envoyez-le "
    "de nouveau."
)


def decide_csv(workspace: Workspace, data: bytes, limits: Limits, key: str = "") -> dict[str, Any]:
    """Decide an uploaded Invitations.csv within the service's limits (as ``POST
    …/decisions`` does): counts, and the rows that were rejected."""
    if not data:
        return {"erreur": "Choisissez le fichier Invitations.csv de votre export LinkedIn."}
    if len(data) > limits.max_body:
        return {"erreur": f"Fichier trop volumineux : {limits.max_body} octets au plus."}
    if data.startswith(ZIP_SIGNATURE):
        return {"erreur": ARCHIVE}
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return {"erreur": NOT_UTF8}
    records = calls.records_from_csv(text, INCOMING)
    if not records:
        return {"erreur": "Aucune invitation reçue dans ce fichier."}
    if len(records) > limits.max_invitations:
        return {
            "erreur": f"Trop d'invitations dans ce fichier : {limits.max_invitations} au plus "
            "par envoi ; aucune n'a été décidée. Découpez-le en plusieurs fichiers."
        }
    if not key:  # a script's upload
        return summarized(workspace.decide(records, trace=False))
    return decided_once(workspace, records, data, key)


def decided_once(workspace: Workspace, records: list, data: bytes, key: str) -> dict[str, Any]:
    """The upload sent again (its page reloaded without JavaScript, « Précédent » then
    « Suivant ») gets the summary of the first time: every invitation of the file was
    decided and journaled once more each time. ``key`` is drawn for each page shown; the
    same page sending another file is another upload."""
    fingerprint = idempotence.fingerprint(data, "interface-televersement")
    respond = lambda outcomes: orjson.dumps(summarized(outcomes))  # noqa: E731
    try:
        given = workspace.answer_once(
            records, respond, trace=False, key=f"interface-lot-{key}", fingerprint=fingerprint
        )
    except ApiError as error:  # the key came with another file (409), or was erased (410)
        if error.status != 409:
            return {"erreur": f"Fichier non redécidé : {error.message}."}
        return summarized(workspace.decide(records, trace=False))
    return orjson.loads(given.body)


def summarized(outcomes: list) -> dict[str, Any]:
    """The counts by decision and the rows rejected, with their line."""
    decided = [o.result for o in outcomes if o.result is not None]
    counts = {key: len(list(group)) for key, group in itertools.groupby(
        sorted(r["decision"] for r in decided))}  # fmt: skip
    rejected = [f"{o.line or o.index + 1} : {' ; '.join(o.errors)}" for o in outcomes if o.errors]
    return {"erreur": "", "decidees": len(decided), "comptes": counts, "rejetees": rejected}


def advice_for(
    workspace: Workspace, form: dict[str, str], preview: bool, key: str
) -> dict[str, Any] | None:
    """``tamis conseiller``'s JSON for the draft of the form (None: no recipient yet, as you
    type; « Vérifier » without one is refused in French: the browser's own « required »
    message is in the language of its installation, often English),
    journaled unless it is a ``preview`` (the checks as you type); ``{"erreur": …}``, with
    nothing journaled, for a profile address that is not a LinkedIn profile's, in the words
    of ``conseiller --profil`` and ``POST …/conseils``. ``key``: the page's ``envoi``, as
    ``sent_key`` checked it ("": a script's form, which has none)."""
    recipient = form.get("a", "").strip()
    if not recipient and preview:  # nothing to check yet
        return None
    refusal = recipient_refusal(recipient)
    if refusal is not None:
        return {"erreur": f"Nom du destinataire : {refusal}", "champ": "a"}
    profile = form.get("profil", "").strip() or None
    refusal = None if profile is None else profile_refusal(profile, None)
    if refusal is not None:
        return {"erreur": f"Adresse de son profil : {refusal}", "champ": "profil"}
    draft = Draft(
        recipient,
        form.get("message", "").replace("\r\n", "\n"),
        profile,
        form.get("contexte_rencontre", "").strip() or None,
    )
    if preview or not key:  # a preview is not journaled; a script's form has no key
        return advise_in(workspace, draft, None if preview else Origin.WEB)
    return advised_once(workspace, draft, key)


def advised_once(workspace: Workspace, draft: Draft, key: str) -> dict[str, Any]:
    """« Vérifier » sent again (the page reloaded, « Précédent » then « Suivant ») gets the
    advice journaled the first time: it was journaled once more each time. ``key`` is drawn
    for each page shown (``nouvel_envoi``): a draft changed and checked again is another."""
    fingerprint = idempotence.fingerprint(orjson.dumps(dataclasses.astuple(draft)), "interface")
    try:
        body, _replayed = advise_once(workspace, draft, f"interface-{key}", fingerprint, Origin.WEB)
    except ApiError as error:  # the key came with another draft (409), or was erased (410)
        if error.status != 409:
            return {"erreur": f"Conseil non réinscrit : {error.message}."}
        return advise_in(workspace, draft, Origin.WEB)
    return orjson.loads(body)


def policy_values(workspace: Workspace, source: str, **extra: Any) -> dict[str, Any]:
    loaded = workspace.loaded
    values = {
        "politique": loaded.describe(),
        "chargee_le": web_views.stamped(loaded.loaded_at, workspace.config.zone),
        "lignes": web_views.highlighted(loaded.setup.policy.source),
        "source": source,
        "diagnostics": [],
        "rejeu": None,
        "message": "",
        "refus": 0,  # the status of a request refused (its message says why), else 0
    }
    values.update(extra)
    return values


def policy_action(request: Request, workspace: Workspace, action: str, source: str) -> dict:
    diagnostics = calls.validate(source, "politique.tamis")
    invalid = any(d["severity"] == "erreur" for d in diagnostics)
    if action == "formater" and not invalid:
        source = calls.formatted(source) or source
        diagnostics = calls.validate(source, "politique.tamis")
    if action == "etsi" and not invalid:
        return policy_values(workspace, source, diagnostics=diagnostics, rejeu=replayed(
            request, workspace, source))  # fmt: skip
    if action == "enregistrer":
        outcome = saved(workspace, source, invalid, request.app.state.supervised)
        return policy_values(workspace, source, diagnostics=diagnostics, **outcome)
    return policy_values(workspace, source, diagnostics=diagnostics)


def replayed(request: Request, workspace: Workspace, source: str) -> dict[str, Any]:
    warn = request.app.state.warn
    try:
        path, everything = workspace.journal.path, calls.make_filter()
        return calls.replay(workspace.config, source, path, everything, warn)
    except PolicyRefused as error:
        return {"erreur": error.message}


UNSAVED_INVALID = "Politique non enregistrée : corrigez d'abord les erreurs."

NOT_ADMIN = (
    "Politique non enregistrée : votre jeton n'a pas le droit « admin » dans cet espace. Votre "
    "texte est resté dans l'éditeur : copiez-le pour le faire enregistrer par qui a ce droit."
)

BLANK_POLICY = (
    "Politique non enregistrée : le texte est vide. Pour ne garder aucune règle, écrivez-le "
    "(« sinon examiner »)."
)


def saved(workspace: Workspace, source: str, invalid: bool, supervised: bool) -> dict[str, Any]:
    """Write the policy file, then reload it; an invalid or blank text is never written."""
    if invalid:
        return {"message": UNSAVED_INVALID, "refus": 422}
    if not source.strip():  # the reload would refuse it, after the file was emptied a moment
        return {"message": BLANK_POLICY, "refus": 422}
    path = workspace.config.policy
    previous = path.read_bytes().decode("utf-8")  # restored exactly if the reload fails
    write_policy(path, source)
    try:
        reloaded = workspace.reload()
    except PolicyRefused as error:
        write_policy(path, previous)
        message = f"Politique refusée, l'ancienne reste en vigueur : {error.message}"
        return {"message": message, "refus": 422}
    if supervised:  # the other worker processes reload too, as after POST …/recharger
        others_reload()
    note = "enregistrée et rechargée" if reloaded.changed else "inchangée"
    return {"message": f"Politique {note} (sha256 {reloaded.after[:12]}…)."}


__all__ = ["ApiError", "install"]
