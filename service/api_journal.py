"""``GET …/journal``, ``GET …/stats``, ``POST …/rejouer``: the journal's questions over HTTP.

Routes only, over ``calls``: the same filters as ``tamis journal chercher`` (query
parameters named like its options), answered by the audit queries; pages follow the
records' ``seq`` (``apres``: the last ``seq`` already seen; ``suivant``: the cursor for the
next page, ``null`` at the end). A filter value the audit layer cannot use is a 400 naming
the parameter, worded here (``triage.filter_words`` holds the words every shell shares). An
empty value (``?decision=``) is no filter, as if the parameter were left out.
"""

from collections.abc import Callable, Iterable
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from tamis.audit.stats import PERIODS
from tamis.service import calls, inputs
from tamis.service.calls import DECISIONS, Criterion, FilterError, Problem
from tamis.service.errors import ApiError, json_response, quoted
from tamis.service.schemas import ERRORS, POLICY_BODY, PageJournal, Rejeu, StatsJournal
from tamis.service.tokens import Right
from tamis.service.workspaces import Workspace
from tamis.triage.fact_names import unknown_fact, wrong_fact_value
from tamis.triage.filter_words import clocks_changed, not_text, unknown_problem

MAX_PAGE = 1000


async def journal_filter(
    request: Request,
    decision: Annotated[list[str] | None, Query(description="accepter, refuser…")] = None,
    regle: Annotated[list[str] | None, Query(description="règle décisive")] = None,
    fait: Annotated[list[str] | None, Query(description="NOM ou NOM=VALEUR")] = None,
    expediteur: Annotated[str | None, Query(description="nom ou adresse")] = None,
    depuis: Annotated[str | None, Query(description="AAAA-MM-JJ (UTC)")] = None,
    jusqu_a: Annotated[str | None, Query(description="AAAA-MM-JJ incluse (UTC)")] = None,
    politique: Annotated[str | None, Query(description="nom, chemin ou sha256")] = None,
) -> calls.Filter:
    """The ``Filter`` the query parameters describe (``tamis journal chercher``'s options)."""
    try:
        check_query_text(request, FILTER_PARAMETERS)
        return calls.make_filter(
            decisions=given(decision),
            rules=given(regle),
            facts=given(fait),
            sender=expediteur or None,
            since=depuis or None,
            until=jusqu_a or None,
            policy=politique or None,
        )
    except FilterError as error:
        raise filter_error(error) from None


def check_query_text(request: Request, names: Iterable[str]) -> None:
    """A ``FilterError`` for the filter parameter among ``names`` whose value is not UTF-8,
    as ``tamis journal chercher`` refuses one: read with U+FFFD (``inputs.undecodable_query``),
    it filtered on a text nobody typed and found nothing, without a word."""
    for name, value in inputs.undecodable_query(request):
        if name in names:
            raise FilterError(Criterion(name), value, Problem.NOT_TEXT)


FILTER_PARAMETERS = ("decision", "regle", "fait", "expediteur", "depuis", "jusqu_a", "politique")


def given(values: list[str] | None) -> list[str]:
    """The values given (``?decision=`` with nothing after it is no filter, as left out)."""
    return [value for value in values or () if value]


def filter_error(error: FilterError, zone: str = "UTC") -> ApiError:
    """The 400 of a filter refused, naming the query parameter (what an API client sends)."""
    name = error.criterion.value
    return ApiError(400, f"paramètre « {name} » : {filter_problem(error, zone)}", name)


def filter_problem(error: FilterError, zone: str = "UTC") -> str:
    """What is wrong with a filter's value, for whoever names the parameter or the field
    before it: the words of its problem (``PROBLEM_WORDS``), or those of a problem no shell
    words yet; a date is read in ``zone`` (the API's: UTC; a web page's: its workspace's
    ``fuseau``). The value is quoted as ``errors.quoted`` quotes it: escaped, bounded."""
    error = FilterError(error.criterion, quoted(error.value), error.problem, error.near)
    words = PROBLEM_WORDS.get(error.problem)
    return unknown_problem(error) if words is None else words(error, zone)


def _unreadable_date(_error: FilterError, zone: str) -> str:
    hour = "heure UTC" if zone == "UTC" else f"heure du fuseau {zone}"
    return f"date illisible ; écrivez AAAA-MM-JJ ou AAAA-MM-JJTHH:MM ({hour})"


PROBLEM_WORDS: dict[Problem, Callable[[FilterError, str], str]] = {
    Problem.UNKNOWN_DECISION: lambda _error, _zone: (
        f"décision inconnue ; choisissez parmi {', '.join(DECISIONS)}"
    ),
    Problem.BAD_DATE: _unreadable_date,
    Problem.BAD_FACT: lambda _error, _zone: "doit être de la forme NOM ou NOM=VALEUR",
    Problem.FACT_VALUE: lambda error, _zone: wrong_fact_value(error),
    Problem.UNKNOWN_FACT: lambda error, _zone: unknown_fact(error),
    Problem.NOT_TEXT: lambda error, _zone: not_text(error),
    Problem.NO_SUCH_TIME: clocks_changed,
    Problem.AMBIGUOUS_TIME: clocks_changed,
}
"""What the API and the web pages say of each ``Problem`` of a filter value, after the
parameter's or the field's name, given the error and the zone its dates are read in. The
command line words them in a table of the same shape (``cli.options.problem_words``); it
also quotes the value for three problems (decision, date, fact's form), which these words
leave out."""


async def checked(request: Request, workspace: Workspace, flt: calls.Filter) -> None:
    """A 400 naming « fait » for a fact name nothing knows (``calls.check_facts``)."""
    warn, path = request.app.state.warn, workspace.journal.path
    try:
        await to_thread.run_sync(calls.check_facts, path, flt, warn)
    except FilterError as error:
        raise filter_error(error) from None


Filtered = Annotated[calls.Filter, Depends(journal_filter)]
After = Annotated[int, Query(ge=0, description="dernier seq déjà vu (0 : depuis le début)")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="taille de la page")]
Per = Annotated[str, Query(description="jour ou semaine ; laissé vide : jour")]


def period(par: str) -> str:
    """The grouping ``par`` names (blank: per day, as left out); a 400 naming the parameter
    and the groupings there are for any other, rather than counts by a grouping not asked."""
    chosen = par.strip() or PERIODS[0]
    if chosen not in PERIODS:
        raise ApiError(400, f"paramètre « par » : {unknown_period()}", "par")
    return chosen


def unknown_period() -> str:
    return f"regroupement inconnu ; choisissez parmi {', '.join(PERIODS)}"


def register(router: APIRouter, need) -> None:
    reading = Annotated[Workspace, Depends(need(Right.LIRE))]

    @router.get(
        "/journal",
        summary="Chercher dans le journal (tamis journal chercher)",
        response_model=PageJournal,
        responses=ERRORS,
    )
    async def chercher(
        request: Request, workspace: reading, flt: Filtered, apres: After = 0, limite: Limit = 100
    ) -> Response:
        """Les décisions qui passent tous les filtres, la plus ancienne d'abord, par pages."""
        await checked(request, workspace, flt)
        warn, path = request.app.state.warn, workspace.journal.path
        rows = await to_thread.run_sync(calls.search, path, flt, apres, limite + 1, warn)
        notes = [] if rows else await to_thread.run_sync(calls.rule_notes, path, flt, warn)
        warnings = calls.json_warnings(notes)
        return json_response({**page("decisions", rows, limite), "avertissements": warnings})

    @router.get(
        "/stats",
        summary="Comptes du journal (tamis journal stats)",
        response_model=StatsJournal,
        responses=ERRORS,
    )
    async def stats(request: Request, workspace: reading, flt: Filtered, par: Per = "jour"):
        """Décisions par type, par règle, par fait et par jour ou semaine ; si rien ne
        correspond, ``avertissements`` nomme chaque ``regle`` qu'aucune décision ne porte."""
        await checked(request, workspace, flt)
        warn, path = request.app.state.warn, workspace.journal.path
        per = period(par)
        return json_response(await to_thread.run_sync(calls.stats, path, flt, per, warn))

    @router.post(
        "/rejouer",
        summary="Essayer une politique sur le journal, sans rien écrire (tamis rejouer)",
        response_model=Rejeu,
        responses=ERRORS,
        openapi_extra=POLICY_BODY,
    )
    async def rejouer(
        request: Request, workspace: reading, flt: Filtered, apres: After = 0, limite: Limit = 100
    ) -> Response:
        """Redécide les invitations du journal avec la politique envoyée dans le corps ; si
        rien n'est lu, ``avertissements`` nomme chaque ``regle`` qu'aucune décision ne porte."""
        source = await policy_text(request)
        await checked(request, workspace, flt)
        warn, path = request.app.state.warn, workspace.journal.path
        try:
            report = await to_thread.run_sync(
                calls.replay, workspace.config, source, path, flt, warn
            )
        except calls.PolicyRefused as error:
            raise refused(error) from None
        changes = [c for c in report["changements"] if c["seq"] > apres]
        return json_response({**report, **page("changements", changes, limite)})


def page(key: str, rows: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    """``limit`` rows and the cursor of the next page (None when these are the last)."""
    more = len(rows) > limit
    shown = rows[:limit]
    return {key: shown, "suivant": shown[-1]["seq"] if more else None}


async def policy_body(request: Request) -> str:
    """A policy text sent as the body (``text/plain``, UTF-8, strictly), within the size
    limit; 415, 413 or 400 naming the body otherwise. It may be empty (the editor's live
    diagnostics say what an empty policy is)."""
    media = inputs.media_type(request.headers.get("content-type"))
    if media not in ("text/plain", ""):  # none said: taken as text
        raise inputs.unsupported(media, "la politique en « text/plain »")
    return inputs.decode(await inputs.request_body(request))


async def policy_text(request: Request) -> str:
    """``policy_body``, never empty: a policy to replay or validate."""
    text = await policy_body(request)
    if not text.strip():
        raise ApiError(400, "corps vide : envoyez le texte d'une politique", "corps")
    return text


def refused(error: calls.PolicyRefused) -> ApiError:
    return ApiError(
        422,
        "politique inutilisable",
        "politique",
        extra={"diagnostics": error.diagnostics, "detail": error.message},
    )
