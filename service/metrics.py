"""Prometheus metrics (``GET /metriques``): decisions, latency, invitations not decided,
refused requests (POST …/decisions, and every route's), server errors (5xx), journal appends
and syncs, reloads.

Fed by the routes (decisions, reloads), the request middleware (latency, refusals, errors) and
the workspaces (journal appends and syncs). Each app has its own registry; under
``--processus N`` the supervisor sets ``PROMETHEUS_MULTIPROC_DIR`` before the workers start,
prometheus-client keeps each worker's values in files there, and ``render`` adds them up,
so any worker answers for all of them. ``render`` shows the series of the workspaces the
asking token may read, and those of no workspace (latency): another workspace's name, rules
and counts are its own, as its journal is.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.metrics_core import Metric

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.decisions = Counter(
            "tamis_decisions", "Décisions rendues", ["espace", "decision", "regle"], registry=r
        )
        self.latency = Histogram(
            "tamis_requete_duree_secondes",
            "Durée des requêtes HTTP",
            ["methode", "chemin"],
            buckets=BUCKETS,
            registry=r,
        )
        self.rejected = Counter(  # one per invitation: their sum is the invitations not decided
            "tamis_entrees_rejetees",
            "Invitations non décidées, une par invitation : invalides (invitation_invalide) ou"
            " que le moteur n'a pas pu décider (non_decidee)",
            ["espace", "raison"],
            registry=r,
        )
        self.refusals = Counter(  # one per request, whatever it held: never added to the above
            "tamis_requetes_refusees",
            "Requêtes POST …/decisions refusées, une par requête, par statut HTTP (4xx : 400,"
            " 401, 403, 404, 409, 413, 415, 422…)",
            ["espace", "statut"],
            registry=r,
        )
        self.refusals_by_route = Counter(  # every route's: what a client or a page met
            "tamis_requetes_refusees_par_chemin",
            "Requêtes refusées (4xx) sur toute route de l'API et de l'interface web, une par"
            " requête, par méthode, gabarit de chemin (jamais le chemin envoyé) et statut HTTP",
            ["espace", "methode", "chemin", "statut"],
            registry=r,
        )
        self.errors_by_route = Counter(  # what an operator alerts on: the service failed
            "tamis_requetes_en_erreur_par_chemin",
            "Requêtes en erreur du service (5xx : 500 erreur interne, 503 journal injoignable ou"
            " inutilisable, santé en défaut…) sur toute route de l'API et de l'interface web, une"
            " par requête, par méthode, gabarit de chemin (jamais le chemin envoyé) et statut HTTP",
            ["espace", "methode", "chemin", "statut"],
            registry=r,
        )
        self.appends = Counter(
            "tamis_journal_ajouts", "Décisions inscrites au journal", ["espace"], registry=r
        )
        self.syncs = Counter(
            "tamis_journal_synchronisations", "Appels fdatasync du journal", ["espace"], registry=r
        )
        self.reloads = Counter(
            "tamis_rechargements", "Rechargements de politique", ["espace", "resultat"], registry=r
        )

    def decided(
        self, workspace: str, actions: list[tuple[str, str]], rejected: int, undecided: int = 0
    ) -> None:
        """One request's decisions ((action, rule) each), invalid invitations, and valid ones
        the engine could not decide (``non_decidee``: not the client's mistake, a limit of
        the durable engine, which an operator wants told apart)."""
        for action, rule in actions:
            self.decisions.labels(workspace, action, rule).inc()
        if actions:
            self.appends.labels(workspace).inc(len(actions))
        if rejected:
            self.rejected.labels(workspace, "invitation_invalide").inc(rejected)
        if undecided:
            self.rejected.labels(workspace, "non_decidee").inc(undecided)

    def synced(self, workspace: str, count: int) -> None:
        if count > 0:
            self.syncs.labels(workspace).inc(count)

    def refused(self, workspace: str | None, method: str, path: str, status: int) -> None:
        """A refused request (4xx) to the route whose template is ``path``, counted by its
        route; one to POST …/decisions also in ``tamis_requetes_refusees`` (a 422 for one
        invalid invitation, which ``decided`` counts too, in its own family: one sum over
        ``tamis_entrees_rejetees`` counts each once). Every label is bounded: the
        configured workspaces, a few methods, the route templates, the 4xx statuses."""
        method = _by_route(self.refusals_by_route, workspace, method, path, status)
        if method == "POST" and path.endswith("/decisions"):
            self.refusals.labels(workspace or "", str(status)).inc()

    def failed(self, workspace: str | None, method: str, path: str, status: int) -> None:
        """A request the service answered with a 5xx (an unexpected error, a journal out of
        reach or out of use, /sante unwell), counted by its route, with labels bounded as
        ``refused``'s: the 5xx statuses are a hundred at most."""
        _by_route(self.errors_by_route, workspace, method, path, status)

    def observed(self, method: str, path: str, seconds: float) -> None:
        self.latency.labels(bounded_method(method), path).observe(seconds)

    def reloaded(self, workspace: str, *, ok: bool) -> None:
        self.reloads.labels(workspace, "ok" if ok else "refusee").inc()

    def render(self, workspaces: Collection[str] | None = None) -> bytes:
        """The text format; every worker's values when running several processes; only the
        series of ``workspaces`` (None: every one) among those labelled by a workspace."""
        source = self.registry
        if os.environ.get(MULTIPROCESS_ENV):
            source = CollectorRegistry()
            prometheus_multiprocess.MultiProcessCollector(source)
        if workspaces is None:
            return generate_latest(source)
        return generate_latest(_Visible(source, workspaces))  # type: ignore[arg-type]


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def bounded_method(method: str) -> str:
    """The method as a label: any other than ``METHODS`` is « autre ». The HTTP parser
    lets through methods no route serves (« PROPFIND », and any word at all where uvicorn
    reads HTTP with h11): each would be a series of its own, kept as long as the process."""
    return method if method in METHODS else "autre"


def _by_route(family: Counter, workspace: str | None, method: str, path: str, status: int) -> str:
    """Count one answer in ``family`` (labelled ``espace``, ``methode``, ``chemin``,
    ``statut``): the workspace if known, the method bounded, the route's template (never the
    path sent); returns the method as labelled."""
    method = bounded_method(method)
    family.labels(workspace or "", method, path, str(status)).inc()
    return method


class _Visible:
    """The families of ``source`` holding only the samples of ``workspaces``, and those of no
    workspace (a body refused before its workspace was known is labelled ``espace=""``)."""

    def __init__(self, source: CollectorRegistry, workspaces: Collection[str]) -> None:
        self.source, self.workspaces = source, workspaces

    def collect(self) -> Iterator[Metric]:
        for family in self.source.collect():
            shown = Metric(family.name, family.documentation, family.type, family.unit)
            shown.samples = [s for s in family.samples if self._shown(s.labels)]
            yield shown

    def _shown(self, labels: dict[str, str]) -> bool:
        return labels.get("espace", "") in ("", *self.workspaces)
