"""`/def`: the vocabulary (`bg:` terms) as RDF (Turtle, RDF/XML, JSON-LD, N-Triples by Accept or extension)
or as an HTML page with one anchored section per term (`/def#montant`); `/def/shapes/<graph>`: the
shapes each graph is validated against, the same way. Both are read from the graphs the build loaded
(`vocabulary`, `shapes-*`), so what is served is what the store holds.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mappings.namespaces import PREFIXES

from graph_service.web import deps, formats, http
from graph_service.web.conneg import negotiate
from graph_service.web.documents import vocabulary as documents
from graph_service.web.documents.vocabulary import SHAPES_PATH, VOCABULARY_PATH
from graph_service.web.html import vocabulary as pages

router = APIRouter()
#: RDF first: a client sending */* (curl, RDF libraries) gets Turtle; a browser's Accept prefers HTML
OFFERS = [*formats.DOCUMENT_TYPES, formats.HTML.media_type]


def media_type(request: Request, ext: str | None) -> str:
    """The format asked for by extension, else by Accept; 404 / 406 naming what is offered."""
    if ext is not None:
        found = formats.BY_EXT.get(ext)
        if found is None or found.media_type not in OFFERS:
            raise http.HttpError(404, "available extensions: " + ", ".join(f.ext for f in formats.DOCUMENTS) + ", html")
        return found.media_type
    media = negotiate(request.headers.get("accept"), OFFERS)
    if media is None:
        raise http.HttpError(406, "available as: " + ", ".join(OFFERS))
    return media


def answer(request: Request, name: str, media: str, html, negotiated: bool) -> Response:
    store = deps.open_store(request)
    nt = documents.ntriples(store, name)
    if not nt:
        raise http.HttpError(404, "this build has no such graph")

    def body() -> bytes:
        if media == formats.HTML.media_type:
            return html(store, nt).encode("utf-8")
        return http.from_ntriples(nt, media, PREFIXES)

    headers = {"Vary": "Accept"} if negotiated else {}
    return http.send(request, body, media, headers, http.version(store, request.url.path, media))


def vocabulary(request: Request, ext: str | None) -> Response:
    def html(store, _nt: bytes) -> str:
        return pages.render(documents.terms(store), documents.ontology_facts(store), documents.shapes_graphs(store))

    return answer(request, documents.VOCABULARY_GRAPH, media_type(request, ext), html, ext is None)


@router.api_route(VOCABULARY_PATH, methods=["GET", "HEAD"], tags=["vocabulary"])
def vocabulary_page(request: Request) -> Response:
    """The bercy-graph vocabulary (`bg:` terms with labels and comments in French and English)."""
    return vocabulary(request, None)


@router.api_route(VOCABULARY_PATH + ".{ext}", methods=["GET", "HEAD"], tags=["vocabulary"])
def vocabulary_as(request: Request, ext: str) -> Response:
    """The vocabulary in the format of the extension (ttl, rdf, jsonld, nt, html)."""
    return vocabulary(request, ext)


@router.api_route(SHAPES_PATH + "/{file}", methods=["GET", "HEAD"], tags=["vocabulary"])
def shapes(request: Request, file: str) -> Response:
    """One shapes graph (`shapes-budget`...), by Accept, or with an extension (`shapes-budget.ttl`)."""
    store = deps.open_store(request)
    names = {name for name, _ in documents.shapes_graphs(store)}
    name, ext = file, None
    if file not in names and "." in file:
        name, ext = file.rsplit(".", 1)
    if name not in names:
        raise http.HttpError(404, f"no shapes graph named {name!r}; see {VOCABULARY_PATH}")

    def html(_store, nt: bytes) -> str:
        return pages.render_shapes(name, http.from_ntriples(nt, "text/turtle", PREFIXES).decode("utf-8"))

    return answer(request, name, media_type(request, ext), html, ext is None)
