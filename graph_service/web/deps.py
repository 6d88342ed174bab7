"""What the routers take from the app (FastAPI's `dependencies.py`): its settings, the served store.

Routers import this module, never the app or one another.
"""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import Request

from mappings.iri import Minter

from graph_service.config import Settings
from graph_service.remote_store import served
from graph_service.store import CURRENT, GraphStore, Store

_lock = threading.Lock()


def settings(request: Request) -> Settings:
    return request.app.state.settings


def minter(request: Request) -> Minter:
    """Our IRIs, under the configured base."""
    return Minter(settings(request).base)


def served_store(config: Settings) -> Path:
    """The store directory the app serves: `--store`, else the `current` link of the last build."""
    return config.store_path or config.store_root / CURRENT


def query_target(config: Settings) -> str:
    """What the query workers open: the remote engine's URL, else the served store directory."""
    return config.graph_store if config.graph_store and not config.store_path else str(served_store(config))


def open_store(request: Request) -> GraphStore:
    """The app's read-only view of the served store, reopened after a build swapped a new one in (a remote
    engine: one client, whose pointer graph says which build it serves)."""
    config = settings(request)
    if config.graph_store and not config.store_path:
        with _lock:
            remote: Store | None = getattr(request.app.state, "remote_store", None)
            if remote is None:
                remote = request.app.state.remote_store = served(config)
        return remote  # type: ignore[return-value]
    target = served_store(config).resolve()
    with _lock:
        current: GraphStore | None = getattr(request.app.state, "catalog_store", None)
        if current is None or current.path != target:
            current = GraphStore(target)
            request.app.state.catalog_store = current
    return current
