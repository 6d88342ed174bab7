"""The web service: `create_app(settings)` builds the FastAPI app that `bercy-graph serve` runs.

The app owns the pool of query worker processes (started and stopped with the app), which every
router that runs SPARQL shares through `app.state.query_pool`. Around the routers: security headers,
CORS, the SPARQL endpoint's own lane (its requests skip the routing), the bound on concurrent store
work of the pages and the API (graph_service/web/slots.py), and one handler for every error (graph_service/web/http.py).
Absolute URLs come from the configured base, never from the request's Host header.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from graph_service.config import Settings
from graph_service.web import cors, docs, http, page_cache, security_headers
from graph_service.web.api import router as api
from graph_service.web.deps import query_target
from graph_service.web.routers import (catalog, crawl, entities, names, pages, search, tables, updates,
                                        vocabulary, void)
from graph_service.web.routers import docs as docs_pages
from graph_service.web.routers import store as graph_store
from graph_service.web.slots import StoreSlots
from graph_service.web.sparql import router as sparql
from graph_service.web.sparql.workers import QueryPool

ROUTERS = [sparql.router, graph_store.router, catalog.router, entities.router, pages.router, search.router,
           void.router, vocabulary.router, crawl.router, updates.router, api.router, docs_pages.router,
           tables.router, names.router]


def create_app(settings: Settings) -> FastAPI:
    """The app, with its routers; the query workers start with the app's lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        writable = settings.update_token is not None
        remote = query_target(settings).startswith(("http://", "https://"))   # workers reach the engine
        pool = QueryPool(query_target(settings), size=1 if writable else settings.query_workers,
                         timeout=settings.query_timeout, queue_wait=settings.queue_wait, writable=writable,
                         network=bool(settings.service_allowlist) or remote,
                         memory_limit=settings.worker_memory_limit,
                         send_timeout=settings.send_timeout)
        pool.start()
        app.state.query_pool = pool
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(title="bercy-graph", lifespan=lifespan, redirect_slashes=False, docs_url=None, redoc_url=None,
                  description="Linked open data of the French Ministry of Economy and Finance")
    app.state.settings = settings
    app.add_middleware(StoreSlots, slots=settings.page_slots, wait=settings.queue_wait)
    app.add_middleware(sparql.Lane)   # /sparql straight to its endpoint, inside the header layers
    page_cache.PAGES.resize(settings.page_cache_mib * 2**20)
    app.add_middleware(http.EveryResponse, headers=cors.headers, answer=cors.preflight_answer)
    app.add_middleware(http.EveryResponse, headers=security_headers.headers)   # added last, runs first: on every answer
    for error in http.HANDLED:   # one handler for every error: problem+json under /api, HTML or text
        app.add_exception_handler(error, http.handle)
    for router in ROUTERS:
        app.include_router(router)
    for prefix, folder in docs.MOUNTS.items():   # Swagger UI's and ReDoc's files, when installed
        app.mount(prefix, StaticFiles(directory=folder, check_dir=False), name=prefix.rsplit("/", 1)[-1])
    app.router.default = slash_redirect(app.router, settings)
    return app


def slash_redirect(router: Router, settings: Settings) -> ASGIApp:
    """Starlette's trailing-slash redirect (`/catalog/` -> `/catalog`), to a URL under the public base:
    Starlette's own builds it from the request's Host header."""
    not_found = router.default

    async def default(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        other = path.rstrip("/") if path.endswith("/") else path + "/"
        if scope["type"] == "http" and path != "/" and any(
                route.matches({**scope, "path": other})[0] is not Match.NONE for route in router.routes):
            query = scope["query_string"].decode("latin-1")
            await RedirectResponse(settings.public_url(other) + (f"?{query}" if query else ""))(scope, receive, send)
            return
        await not_found(scope, receive, send)

    return default
