"""What the routers take from the app (FastAPI's `dependencies.py`): its settings, the served store.

Routers import this module, never the app or one another.
"""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import Request

from mappings.iri import Minter

from graph_service.config import Settings
from graph_service.store import CURRENT, GraphStore

_lock = threading.Lock()


def settings(request: Request) -> Settings:
    return request.app.state.settings


def minter(request: Request) -> Minter:
    """Our IRIs, under the configured base."""
    return Minter(settings(request).base)


def served_store(config: Settings) -> Path:
    """The store directory the app serves: `--store`, else the `current` link of the last build."""
    return config.store_path or config.store_root / CURRENT


def open_store(request: Request) -> GraphStore:
    """The app's read-only view of the served store, reopened after a build swapped a new one in."""
    target = served_store(settings(request)).resolve()
    with _lock:
        current: GraphStore | None = getattr(request.app.state, "catalog_store", None)
        if current is None or current.path != target:
            current = GraphStore(target)
            request.app.state.catalog_store = current
    return current
