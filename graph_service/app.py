"""The web service: `create_app(settings)` builds the FastAPI app that `bercy-graph serve` runs.

The app owns the pool of query worker processes (started and stopped with the app), which every
router that runs SPARQL shares through `app.state.query_pool`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from .config import Settings
from .cors import OpenCORS
from .query_workers import QueryPool
from .routers import api, catalog, entities, pages, sparql, void
from .store import CURRENT

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
                         timeout=settings.query_timeout, queue_wait=settings.queue_wait, writable=writable)
        pool.start()
        app.state.query_pool = pool
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(title="bercy-graph", lifespan=lifespan,
                  description="Linked open data of the French Ministry of Economy and Finance")
    app.state.settings = settings
    app.add_middleware(OpenCORS)
    for router in ROUTERS:
        app.include_router(router)
    return app
