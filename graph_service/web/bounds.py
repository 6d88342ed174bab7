"""The bounds of the pages and the API, which query the store in the app process (not in the workers).

- Paging: no request skips more than `MAX_OFFSET` items, and page numbers stop at `MAX_PAGE`; the
  numbers of a URL are ASCII digits only (`int()` would read `١` as 1, `+5`, ` 5 ` or `5_0` too).
- Concurrency: `StoreSlots` lets at most `settings.page_slots` requests do store work at once;
  a request that waits longer than `settings.queue_wait` for a slot gets 503 with `Retry-After`
  (problem+json under /api). 100 parallel label searches grew the app to 2.4 GB and 300 parallel
  entity pages starved its health checks before. `/sparql` has its own bound (the worker pool).
"""

from __future__ import annotations

import anyio
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_OFFSET = 10_000   # items a list request may skip (`offset`)
MAX_PAGE = 10_000     # page numbers (`page`)
RETRY_AFTER = "5"     # seconds, in the Retry-After of a 503
#: Paths that do no store work here: /sparql runs in the worker pool, the rest is static.
UNBOUNDED = ("/sparql", "/sparql/", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")


def whole_number(raw: str, low: int, high: int) -> int:
    """A number written in a URL: ASCII digits only, between `low` and `high` (ValueError says why)."""
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError(f"not a whole number written with the digits 0-9: {raw[:40]!r}")
    digits = raw.lstrip("0") or "0"
    value = int(digits) if len(digits) <= len(str(high)) else high + 1   # never int() of a huge string
    if not low <= value <= high:
        raise ValueError(f"must be between {low} and {high}")
    return value


def busy(scope: Scope) -> Response:
    """The 503 of a request that found no free slot: problem+json under /api, plain text elsewhere."""
    from graph_service.web.api.router import problem

    detail = "the server is busy with other requests, retry shortly"
    if scope["path"].startswith("/api/"):
        response = problem(Request(scope), 503, detail)
    else:
        response = PlainTextResponse(detail + "\n", status_code=503)
    response.headers["Retry-After"] = RETRY_AFTER
    return response


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
