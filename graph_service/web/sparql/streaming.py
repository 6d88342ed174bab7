"""The HTTP response that streams a query's results from its worker, each send under a time limit.

A client that stops reading would otherwise hold a worker as long as it keeps its connection open:
the server's send waits for buffer space forever, and the query's deadline is only looked at when
the next chunk comes from the worker (two such clients held both workers for 79 s, every other
query got 503). Here each send may take at most the pool's send timeout, and never runs past the
query's deadline; past it the response stops and the worker (mid-stream) is killed and replaced.
The response stays incomplete, so the server closes the connection (asyncio first flushes what it
already buffered: a client that never reads keeps a socket until it leaves, but no worker).
Whatever way the response ends, its results are closed: the worker never stays taken.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.responses import StreamingResponse
from starlette.types import Message, Send

from graph_service.web.sparql.workers import Results

log = logging.getLogger("bercy_graph.streaming")


class ResultsResponse(StreamingResponse):
    """A StreamingResponse of a job's Results whose every send is bounded by `Results.send_limit`."""

    def __init__(self, results: Results, status_code: int, headers: dict[str, str], media_type: str) -> None:
        super().__init__(results, status_code=status_code, headers=headers, media_type=media_type)
        self.results = results

    async def stream_response(self, send: Send) -> None:
        async def bounded_send(message: Message) -> None:
            limit = self.results.send_limit()
            try:
                async with asyncio.timeout(max(limit, 0)):   # a timer, no task per send (asyncio.wait_for)
                    await send(message)
            except TimeoutError:
                raise StalledClient(limit) from None

        try:
            await super().stream_response(bounded_send)
        except StalledClient as exc:   # the response stays incomplete: the server closes the connection
            log.warning("results not sent: %s", exc)
        finally:
            self.results.close()


class StalledClient(Exception):
    """A send to the client did not complete in time."""

    def __init__(self, limit: float) -> None:
        super().__init__(f"the client read nothing for {limit:g} s" if limit > 0 else
                         "the query's time limit passed while the client was still reading")
