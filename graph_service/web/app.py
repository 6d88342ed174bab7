"""The web service: `create_app(settings)` builds the FastAPI app that `bercy-graph serve` runs.

The app owns the pool of query worker processes (started and stopped with the app), which every
router that runs SPARQL shares through `app.state.query_pool`. Around the routers: security headers,
CORS, and the bound on concurrent store work of the pages and the API (graph_service/bounds.py).
Absolute URLs come from the configured base, never from the request's Host header.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from graph_service.web.bounds import StoreSlots
from graph_service.config import Settings
from graph_service.web.cors import OpenCORS
from graph_service.web.sparql.workers import QueryPool
from graph_service.web.api import router as api
from graph_service.web.routers import catalog
from graph_service.web.routers import entities
from graph_service.web.routers import pages
from graph_service.web.sparql import router as sparql
from graph_service.web.routers import void
from graph_service.web.security_headers import SecurityHeaders
from graph_service.store import CURRENT

ROUTERS = [sparql.router, catalog.router, entities.router, pages.router, void.router, api.router]


def served_store(settings: Settings) -> Path:
    """The store directory the workers open: `--store`, else the `current` link of the last build."""
    return settings.store_path or settings.store_root / CURRENT


def create_app(settings: Settings) -> FastAPI:
    """The app, with its routers; the query workers start with the app's lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        writable = settings.update_token is not None
        pool = QueryPool(served_store(settings), size=1 if writable else settings.query_workers,
                         timeout=settings.query_timeout, queue_wait=settings.queue_wait, writable=writable,
                         network=bool(settings.service_allowlist), memory_limit=settings.worker_memory_limit,
                         send_timeout=settings.send_timeout)
        pool.start()
        app.state.query_pool = pool
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(title="bercy-graph", lifespan=lifespan, redirect_slashes=False,
                  description="Linked open data of the French Ministry of Economy and Finance")
    app.state.settings = settings
    app.add_middleware(StoreSlots, slots=settings.page_slots, wait=settings.queue_wait)
    app.add_middleware(OpenCORS)
    app.add_middleware(SecurityHeaders)   # the last added runs first: on every answer, 503s included
    app.add_exception_handler(HTTPException, http_error)
    for router in ROUTERS:
        app.include_router(router)
    app.router.default = slash_redirect(app.router, settings)
    return app


async def http_error(request: Request, exc: HTTPException) -> Response:
    """The router's own 404/405 (no route matched): problem+json under /api, FastAPI's JSON elsewhere."""
    if request.url.path.startswith("/api/"):
        detail = f"{exc.detail}: {request.method} {request.url.path} (see /docs)"
        return api.problem(request, exc.status_code, detail, exc.headers)
    return await http_exception_handler(request, exc)


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
