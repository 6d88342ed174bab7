"""`/store`: the SPARQL 1.1 Graph Store HTTP Protocol, read-only (indirect graph identification).

`GET`/`HEAD /store?graph=<IRI>` return one named graph (one source, as the build lifted it), and
`/store?default` the default graph (the merge of them all, each triple once), in the RDF format
`Accept` asks for (graph_service/web/formats.py). Graphs are large (the default graph of the
embedded data: 1.17M triples), so the body is streamed as the store writes it, never held in memory.
An unknown graph is a 404, neither or both parameters a 400, and PUT/POST/DELETE/PATCH a 405: the
public service is read-only. ETag and Last-Modified as for every document (graph_service/web/http.py).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from mappings.namespaces import PREFIXES

from graph_service.store import GraphStore
from graph_service.web import deps, formats, http
from graph_service.web.conneg import negotiate

router = APIRouter()
PATH = "/store"
READ = "GET, HEAD"
#: chunks (of about 8 KiB, as the store writes them) waiting for the client: the writer blocks beyond
QUEUE = 64


def requested_graph(request: Request) -> str | None:
    """The graph IRI the request names (None: the default graph); 400 unless exactly one of
    `graph` and `default` is given."""
    params = request.query_params
    graph = http.single(params.getlist("graph"), "graph")
    default = "default" in params
    if (graph is None) == (not default):
        raise http.HttpError(400, "name one graph: `?graph=<IRI>` for a named graph, or `?default` for the "
                                  "default graph (not both)")
    return graph


@router.api_route(PATH, methods=["GET", "HEAD"], tags=["graph store"])
def read_graph(request: Request) -> Response:
    """One named graph (`?graph=<IRI>`, one per source) or the default graph (`?default`, the merge of
    all, each triple once), in the RDF format of `Accept`."""
    graph = requested_graph(request)
    offers = formats.offers(formats.GRAPH)
    media = negotiate(request.headers.get("accept"), offers)
    if media is None:
        raise http.HttpError(406, "graphs are available as: " + ", ".join(offers))
    store = deps.open_store(request)
    if graph is not None and graph not in store.named_graphs():   # compared, never put into a query
        raise http.HttpError(404, f"no graph named <{graph}> in this build (the graphs are listed in "
                                  f"the VoID description, /.well-known/void)")
    current = http.version(store, PATH, graph or "?default", media)
    headers = {**current.headers(), "Vary": "Accept"}
    if http.fresh(request, current):
        return Response(status_code=304, headers=headers)
    body = iter(()) if request.method == "HEAD" else stream(store, graph, media)   # HEAD: no length known
    return StreamingResponse(body, headers=headers, media_type=formats.content_type(media))


@router.api_route(PATH, methods=["PUT", "POST", "DELETE", "PATCH"], include_in_schema=False)
def refuse_writes(request: Request) -> Response:
    """The public service is read-only: a Graph Store write is a 405 naming what is allowed."""
    raise http.HttpError(405, f"{request.method} {PATH}: this Graph Store is read-only (allowed: {READ})",
                         {"Allow": READ})


class _Writer:
    """What the store writes to: its chunks go to a bounded queue, read by the response."""

    def __init__(self, chunks: queue.Queue, stop: threading.Event) -> None:
        self.chunks, self.stop = chunks, stop

    def put(self, item: object) -> None:
        while not self.stop.is_set():   # the client went away: give up instead of waiting forever
            try:
                self.chunks.put(item, timeout=1)
                return
            except queue.Full:
                continue
        raise BrokenPipeError("the client stopped reading")

    def write(self, data: bytes) -> int:
        self.put(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def stream(store: GraphStore, graph: str | None, media: str) -> Iterator[bytes]:
    """The graph serialized by the store in a thread, chunk by chunk as it is written. A failure midway
    ends the response incomplete (the client sees a cut transfer, never a shorter valid file)."""
    chunks: queue.Queue = queue.Queue(maxsize=QUEUE)
    stop = threading.Event()
    out = _Writer(chunks, stop)

    def produce() -> None:
        end: object = None
        try:
            store.write_graph(graph, media, out, PREFIXES)
        except BaseException as exc:   # handed to the response, which stops there
            end = exc
        try:
            out.put(end)
        except BrokenPipeError:
            pass

    threading.Thread(target=produce, name="graph-store", daemon=True).start()
    try:
        while (item := chunks.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
