"""The bound on concurrent store work of the pages and the API (in the app process, not the workers).

`StoreSlots` lets at most `settings.page_slots` requests do store work at once; a request that
waits longer than `settings.queue_wait` for a slot gets 503 with `Retry-After` (answered like every
error: `http.error_response`). 100 parallel label searches grew the app to 2.4 GB and 300 parallel
entity pages starved its health checks before. `/sparql` has its own bound (the worker pool).
"""

from __future__ import annotations

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph_service.web.http import RETRY_AFTER, error_response

#: Paths that do no store work here: /sparql runs in the worker pool, the rest is static.
UNBOUNDED = ("/sparql", "/sparql/", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")


def busy(scope: Scope) -> Response:
    """The 503 of a request that found no free slot."""
    return error_response(Request(scope), 503, "the server is busy with other requests, retry shortly",
                          {"Retry-After": RETRY_AFTER})


class StoreSlots:
    """ASGI middleware: at most `slots` requests (other than UNBOUNDED paths) in progress at once.

    A slot is held until the response starts: the handlers build their whole answer (the store
    work) before that, so a client reading slowly does not keep a slot.
    """

    def __init__(self, app: ASGIApp, slots: int, wait: float) -> None:
        self.app, self.wait = app, wait
        self.semaphore = anyio.Semaphore(slots)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNBOUNDED:
            await self.app(scope, receive, send)
            return
        held = False
        with anyio.move_on_after(self.wait):
            await self.semaphore.acquire()
            held = True
        if not held:
            await busy(scope)(scope, receive, send)
            return

        def release() -> None:
            nonlocal held
            if held:
                held = False
                self.semaphore.release()

        async def send_releasing(message: Message) -> None:
            if message["type"] == "http.response.start":
                release()
            await send(message)

        try:
            await self.app(scope, receive, send_releasing)
        finally:
            release()
