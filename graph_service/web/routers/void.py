"""`/.well-known/void`: the VoID description of the graph (Turtle, JSON-LD, N-Triples, RDF/XML by
Accept or extension), and `/dumps/{graph}.nq`: each named graph as an N-Quads file.

A dump is written once per build, on first request, under `{home}/dumps/{build id}/` (the store
changes only when a build is swapped in), then served as a file. The VoID document is computed
once per build too (its linkset counts scan the links) and kept in memory.
"""

from __future__ import annotations

import os
import threading

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response
from rdflib import Graph

from mappings.iri import Minter
from mappings.namespaces import PREFIXES

from graph_service.web.documents import void as void_description
from graph_service.web.conneg import negotiate
from graph_service.web.documents.catalog import FORMATS
from graph_service.store import StoreMissing
from graph_service.web.routers.catalog import jsonld, open_store
from graph_service.web.routers.entities import RDF_TYPES

router = APIRouter()
_lock = threading.Lock()
_cache: dict[tuple[str, str], str] = {}   # (store path, base) -> N-Triples of the VoID document
VOID_PATH = "/.well-known/void"
RDFLIB_FORMATS = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/n-triples": "nt"}


def void_ntriples(request: Request) -> str:
    settings = request.app.state.settings
    store = open_store(request)
    key = (str(store.path), settings.base)
    with _lock:
        if key not in _cache:
            _cache.clear()
            triples = void_description.triples(store, Minter(settings.base), settings.public_url(VOID_PATH))
            _cache[key] = "".join(f"{s} {p} {o} .\n" for s, p, o in triples)
        return _cache[key]


def _void(request: Request, ext: str | None) -> Response:
    media = FORMATS.get(ext) if ext else negotiate(request.headers.get("accept"), RDF_TYPES)
    if media is None:
        return PlainTextResponse("the VoID description is available as: " + ", ".join(RDF_TYPES) + "\n",
                                 status_code=406 if ext is None else 404)
    try:
        text = void_ntriples(request)
    except StoreMissing as exc:
        return PlainTextResponse(f"{exc}\n", status_code=503)
    if media == "application/ld+json":
        body = jsonld(text.encode("utf-8"))
    else:
        graph = Graph()
        for name, ns in PREFIXES.items():
            graph.bind(name, ns)
        graph.parse(data=text, format="nt")
        body = graph.serialize(format=RDFLIB_FORMATS[media], encoding="utf-8")
    headers = {"Vary": "Accept"} if ext is None else {}
    if request.method == "HEAD":
        return Response(status_code=200, media_type=media, headers={**headers, "Content-Length": str(len(body))})
    return Response(body, media_type=media, headers=headers)


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
    settings = request.app.state.settings
    try:
        store = open_store(request)
    except StoreMissing as exc:
        return PlainTextResponse(f"{exc}\n", status_code=503)
    graph = f"{settings.base}/graph/{name}"
    if graph not in store.named_graphs():
        return PlainTextResponse(f"no graph named {name!r} in this build\n", status_code=404)
    folder = settings.home / "dumps" / store.path.name
    path = folder / f"{name}.nq"
    with _lock:
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{name}.{os.getpid()}.tmp"
            store.dump_graph(graph, tmp)
            os.replace(tmp, path)
    return FileResponse(path, media_type="application/n-quads")
