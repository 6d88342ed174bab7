"""The HTTP server settings of `bercy-graph serve`: one `server_config()` that the CLI and tests use.

uvicorn closes idle keep-alive connections, but a client that opens a connection and sends its
request headers slowly (or not at all) is kept forever: 200 such clients held 200 connections for
as long as they liked. `HeaderTimeoutProtocol` gives every request `header_timeout` seconds from
the moment the server waits for it until its headers are complete, then closes the connection.
`max_connections` (uvicorn's `limit_concurrency`) answers 503 past that many connections or
tasks. X-Forwarded-* headers are trusted only from the proxies the operator names.

The protocol is uvicorn's httptools one (llhttp, in C) and the event loop uvloop (uvicorn's "auto"
picks it): against h11 and asyncio they cut the app process's CPU per small SPARQL query from
about 0.62 ms to 0.41 ms (docs/ARCHITECTURE.md, "Query path").
"""

from __future__ import annotations

import asyncio
import logging

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from graph_service.config import Settings

log = logging.getLogger("uvicorn.error")


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration plus the header timeout its protocol class reads."""

    def __init__(self, app: ASGIApp, *, header_timeout: float, **kwargs) -> None:
        super().__init__(app, **kwargs)
        self.header_timeout = header_timeout


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing a connection whose request headers are not complete in
    time. The parser calls `on_headers_complete` once they are; until then the request is waited for."""

    config: ServerConfig
    header_timer: asyncio.TimerHandle | None = None
    headers_pending = True

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.wait_for_headers()

    def on_headers_complete(self) -> None:
        self.headers_pending = False
        self.stop_header_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        # the next request on this connection gets its own time; a pipelined one already parsed is not
        # waited for (its headers are in)
        if not self.transport.is_closing() and not self.pipeline:
            self.headers_pending = True
            self.wait_for_headers()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_header_timer()
        super().connection_lost(exc)

    def wait_for_headers(self) -> None:
        """(Re)start the clock of the request the connection now waits for."""
        self.stop_header_timer()
        self.header_timer = self.loop.call_later(self.config.header_timeout, self.headers_too_slow)

    def stop_header_timer(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def headers_too_slow(self) -> None:
        self.header_timer = None
        if self.headers_pending and not self.transport.is_closing():
            log.debug("closing %s: request headers not complete after %g s", self.client, self.config.header_timeout)
            self.transport.close()


def server_config(app: ASGIApp, settings: Settings, log_level: str = "info") -> ServerConfig:
    """How `bercy-graph serve` runs `app`: address, timeouts, connection limit, trusted proxies."""
    proxies = list(settings.forwarded_allow_ips)
    return ServerConfig(app, host=settings.host, port=settings.port, log_level=log_level,
                        http=HeaderTimeoutProtocol, header_timeout=settings.header_timeout,
                        timeout_keep_alive=settings.keep_alive, limit_concurrency=settings.max_connections,
                        proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None)
