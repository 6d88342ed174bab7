"""Settings read once from the environment, with defaults that make a fresh clone work."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mappings.iri import base_from_env

#: Where `data/`, `shapes/`, `queries/` and `ontology/` are: the checkout, or site-packages once installed
#: with `pip install .` (they are shipped as package data beside `graph_service/`).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Stores and reports: `var/` of the checkout, or of the current directory for an installed copy.
DEFAULT_HOME = PROJECT_ROOT / "var" if (PROJECT_ROOT / "pyproject.toml").exists() else Path.cwd() / "var"


@dataclass(frozen=True)
class Settings:
    """Where the data, stores and reports live, and the public base of our IRIs."""

    base: str
    data_dir: Path
    home: Path
    # `bercy-graph serve` (graph_service/app.py); the CLI overrides them with dataclasses.replace.
    host: str = "127.0.0.1"
    port: int = 8000
    query_workers: int = 2            # worker processes, i.e. queries running at once
    query_timeout: float = 30.0       # seconds; a query past it is stopped (its worker is killed)
    queue_wait: float = 2.0           # seconds a request waits for a free worker before a 503
    max_query_length: int = 100_000   # characters (not bytes) of query/update text, GET and POST alike
    max_nesting: int = 128            # braces, parentheses and brackets nested; the parser crashes near 900
    service_allowlist: tuple[str, ...] = ()  # endpoints SERVICE/LOAD may reach; empty = none
    store_path: Path | None = None    # serve this store directory instead of the current build
    update_token: str | None = None   # set = SPARQL Update enabled (bearer token) on store_path only
    worker_memory_limit: int = 2048   # MiB of heap per query worker (RLIMIT_DATA), 0 = none; past it: 500
    send_timeout: float = 10.0        # seconds a send of results waits for a client that does not read (0: none)
    # the web layer (graph_service/server.py, graph_service/bounds.py)
    page_slots: int = 4               # page/API requests doing store work at once in the app process
    page_cache_mib: int = 128         # pages, documents and figures kept per build (web/page_cache.py), LRU
    header_timeout: float = 10.0      # seconds a client has to send a request's headers
    keep_alive: float = 5.0           # seconds an idle keep-alive connection stays open
    max_connections: int = 500        # open connections (and tasks) before new requests get 503
    forwarded_allow_ips: tuple[str, ...] = ()  # proxies whose X-Forwarded-* headers count; empty = none
    change_retention_days: int = 366  # days of change history kept (graph `changes`, /feed, /ldes)
    graph_store: str | None = None    # a SPARQL engine's URL: builds publish to it, queries go to it (remote_store.py)

    def public_url(self, path: str) -> str:
        """The absolute URL of a path of ours, from the configured base, never from the request's Host."""
        return self.base + path

    @property
    def store_root(self) -> Path:
        return self.home / "stores"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @classmethod
    def from_env(cls) -> Settings:
        """BERCY_GRAPH_BASE, BERCY_GRAPH_DATA, BERCY_GRAPH_HOME and BERCY_GRAPH_STORE override the defaults."""
        return cls(
            base=base_from_env(),
            data_dir=Path(os.environ.get("BERCY_GRAPH_DATA", PROJECT_ROOT / "data")),
            home=Path(os.environ.get("BERCY_GRAPH_HOME", DEFAULT_HOME)),
            graph_store=os.environ.get("BERCY_GRAPH_STORE") or None,
        )
