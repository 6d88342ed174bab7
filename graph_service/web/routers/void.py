"""`/.well-known/void`: the VoID description of the graph (Turtle, JSON-LD, N-Triples, RDF/XML by
Accept or extension), and `/dumps/{graph}.nq`: each named graph as an N-Quads file.

A dump is written once per build, on first request, under `{home}/dumps/{build id}/` (the store
changes only when a build is swapped in), then served as a file. The VoID document is computed
once per build too (its linkset counts scan the links) and kept in memory; like every document,
it carries an ETag (build id + URL + format) and answers 304 to it.
"""

from __future__ import annotations

import os
import threading

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from mappings.namespaces import PREFIXES

from graph_service.store import GraphStore
from graph_service.web import deps, formats, http, page_cache
from graph_service.web.conneg import negotiate
from graph_service.web.documents import void as void_description
from graph_service.web.documents.void import VOID_PATH

router = APIRouter()
_lock = threading.Lock()   # one dump written at a time


def void_ntriples(request: Request, store: GraphStore) -> str:
    """N-Triples of the VoID document, once per build and base (`page_cache`)."""
    settings = deps.settings(request)

    def make() -> str:
        triples = void_description.triples(store, deps.minter(request), settings.public_url(VOID_PATH))
        return "".join(f"{s} {p} {o} .\n" for s, p, o in triples)

    return page_cache.cached(store, ("void", settings.base), make)


def _void(request: Request, ext: str | None) -> Response:
    found = formats.BY_EXT.get(ext) if ext else None
    media = found.media_type if found in formats.DOCUMENTS else None
    if ext is None:
        media = negotiate(request.headers.get("accept"), formats.DOCUMENT_TYPES)
    if media is None:
        raise http.HttpError(406 if ext is None else 404, "the VoID description is available as: "
                             + ", ".join(formats.DOCUMENT_TYPES))
    store = deps.open_store(request)

    def body() -> bytes:
        return http.from_ntriples(void_ntriples(request, store).encode("utf-8"), media, PREFIXES)

    headers = {"Vary": "Accept"} if ext is None else {}
    return http.send(request, body, media, headers, http.version(store, request.url.path, media))


@router.api_route(VOID_PATH, methods=["GET", "HEAD"], tags=["void"])
def void(request: Request) -> Response:
    """The VoID description of the dataset: SPARQL endpoint, example resources, dumps, linksets."""
    return _void(request, None)


@router.api_route(VOID_PATH + ".{ext}", methods=["GET", "HEAD"], tags=["void"])
def void_as(request: Request, ext: str) -> Response:
    """The VoID description in the format of the extension (ttl, jsonld, nt, rdf)."""
    return _void(request, ext)


@router.api_route("/dumps/{name}.nq", methods=["GET", "HEAD"], tags=["void"])
def dump(request: Request, name: str) -> Response:
    """One named graph (one source) as N-Quads, graph names kept."""
    settings = deps.settings(request)
    store = deps.open_store(request)
    graph = f"{settings.base}/graph/{name}"
    if graph not in store.named_graphs():
        raise http.HttpError(404, f"no graph named {name!r} in this build")
    folder = settings.home / "dumps" / store.path.name
    path = folder / f"{name}.nq"
    with _lock:
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{name}.{os.getpid()}.tmp"
            store.dump_graph(graph, tmp)
            os.replace(tmp, path)
    return FileResponse(path, media_type="application/n-quads")
