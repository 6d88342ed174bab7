"""`/id/{kind}/{key}`: every entity IRI the build mints dereferences here.

    /id/commune/75056            Accept decides: HTML for browsers, Turtle for `*/*`, JSON-LD,
                                 N-Triples, RDF/XML on request (`Vary: Accept`); 406 otherwise
    /id/commune/75056.ttl        the extension decides (.ttl .jsonld .nt .rdf .html)
    /id/commune/75056?format=nt  so does `format=` (ttl|turtle, jsonld|json-ld, nt|ntriples, rdf|xml, html)
    ?page=N                      the N-th page of the links pointing to the entity (Hydra links)

200 at the IRI, not 303 (see README "Entities"): the answer describes the thing the IRI names,
`Content-Location` names the document actually sent. Unknown IRIs are 404. `ETag` (build id + IRI
+ format + page) and `Last-Modified` (end of the build) let clients revalidate with 304: the store
changes only when a build is swapped in, so the build id is the version of every document.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from mappings.iri import Minter
from mappings.namespaces import PREFIXES

from graph_service.web.documents import entity as ed
from graph_service.web.html import layout as html
from graph_service.web.html import entity as entity_page
from graph_service.web.bounds import MAX_PAGE, whole_number
from graph_service.web.documents.catalog import FORMATS
from graph_service.web.conneg import explicitly_wants, negotiate
from graph_service.store import GraphStore, StoreMissing
from graph_service.web.routers.catalog import jsonld, open_store

router = APIRouter()

HTML = "text/html"
#: extension -> media type (the catalog's four RDF formats, plus HTML)
EXTENSIONS = {**FORMATS, "html": HTML}
FORMAT_NAMES = {"ttl": "ttl", "turtle": "ttl", "jsonld": "jsonld", "json-ld": "jsonld", "nt": "nt",
                "ntriples": "nt", "n-triples": "nt", "rdf": "rdf", "xml": "rdf", "rdfxml": "rdf", "html": "html"}
RDF_TYPES = list(FORMATS.values())
EXT_OF = {media: ext for ext, media in EXTENSIONS.items()}


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def build_version(store: GraphStore) -> tuple[str, datetime]:
    """The served build's id (its store directory) and when it was made (from the id, else the mtime)."""
    build_id = store.path.name
    try:
        made = datetime.strptime(build_id.split("-")[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except (IndexError, ValueError):
        made = datetime.fromtimestamp(store.path.stat().st_mtime, tz=timezone.utc).replace(microsecond=0)
    return build_id, made


def choose_media(request: Request, ext: str | None) -> str:
    """Extension, then `format=`, then Accept (HTML only when the client names it: browsers)."""
    if ext:
        return EXTENSIONS[ext]
    fmt = request.query_params.get("format")
    if fmt is not None:
        if fmt.lower() not in FORMAT_NAMES:
            raise HttpError(400, f"format={fmt!r} is not one of: " + ", ".join(sorted(FORMAT_NAMES)))
        return EXTENSIONS[FORMAT_NAMES[fmt.lower()]]
    accept = request.headers.get("accept")
    if explicitly_wants(accept, HTML, RDF_TYPES):
        return HTML
    media = negotiate(accept, RDF_TYPES) or negotiate(accept, [HTML])
    if media is None:
        raise HttpError(406, "this entity is available as: " + ", ".join([*RDF_TYPES, HTML]))
    return media


def page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    try:
        return whole_number(raw, 1, MAX_PAGE)
    except ValueError as exc:
        raise HttpError(400, f"page: {exc}") from None


def not_modified(request: Request, etag: str, modified: datetime) -> bool:
    """RFC 9110 §13.1: If-None-Match wins over If-Modified-Since."""
    inm = request.headers.get("if-none-match")
    if inm is not None:
        return inm.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in inm.split(",")]
    ims = request.headers.get("if-modified-since")
    if ims:
        try:
            return modified <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


def render(store: GraphStore, found: ed.Candidate, media: str, page: int) -> bytes:
    links = ed.incoming(store, found.iri)
    if page > links.last_page:
        raise HttpError(404, f"page {page} is past the last page ({links.last_page}) of the links to {found.iri}")
    if media == HTML:
        return entity_page.render(store, found.iri, found.kind, page, links).encode("utf-8")
    construct, extra = ed.document(found.iri, links, page)
    if media == "application/ld+json":
        return jsonld(store.construct(construct, "application/n-triples", extra=extra))
    return store.construct(construct, media, extra=extra, prefixes=PREFIXES)


def format_links(iri: str) -> str:
    return ", ".join(f'<{iri}.{ext}>; rel="alternate"; type="{media}"' for ext, media in EXTENSIONS.items())


@router.api_route("/id/{kind}/{key:path}", methods=["GET", "HEAD"], tags=["entities"])
def entity(request: Request, kind: str, key: str) -> Response:
    """The description of one entity (its statements and the links to it), format negotiated."""
    return describe(request)


def resource(request: Request, key: str) -> Response:
    """A named graph, source file, build or the software agent: described like an entity."""
    return describe(request)


for _root in sorted(ed.RESOURCE_ROOTS):
    router.add_api_route(f"/{_root}/{{key:path}}", resource, methods=["GET", "HEAD"], include_in_schema=False)


def not_found(request: Request, iri: str) -> Response:
    """404: a readable page for browsers (with a way on), plain text for everything else."""
    if explicitly_wants(request.headers.get("accept"), HTML, RDF_TYPES):
        body = (f"<h1>Introuvable</h1><p>Aucune entité <code>{html.esc(iri)}</code> dans ce graphe.</p>"
                f"<p>{html.link('/', 'Accueil')} : chercher un code (commune, SIREN, CPV…) "
                f"ou partir d'un exemple.</p>")
        return HTMLResponse(html.page("Introuvable", body), status_code=404)
    return PlainTextResponse(f"no entity {iri} in this graph\n", status_code=404)


def describe(request: Request) -> Response:
    """Find the IRI the raw path names, negotiate, answer (304 when the client's copy is current)."""
    settings = request.app.state.settings
    raw_path = request.scope.get("raw_path", b"").decode("latin-1").split("?")[0] or request.url.path
    minter = Minter(settings.base)
    try:
        store = open_store(request)
        found = next((c for c in ed.candidates(raw_path, minter, set(EXTENSIONS)) if ed.exists(store, c.iri)), None)
        if found is None:
            return not_found(request, f"{settings.base}{raw_path}")
        if not found.canonical:
            suffix = f".{found.ext}" if found.ext else ""
            query = f"?{request.url.query}" if request.url.query else ""
            return Response(status_code=301, headers={"Location": found.iri + suffix + query})
        media = choose_media(request, found.ext)
        page = page_number(request)
        build_id, made = build_version(store)
    except HttpError as exc:
        return PlainTextResponse(exc.message + "\n", status_code=exc.status)
    except StoreMissing as exc:
        return PlainTextResponse(f"{exc}\n", status_code=503)
    etag = '"' + hashlib.sha256(f"{build_id} {found.iri} {media} {page}".encode()).hexdigest()[:32] + '"'
    location = f"{found.iri}.{EXT_OF[media]}" + (f"?page={page}" if page > 1 else "")
    headers = {"ETag": etag, "Last-Modified": format_datetime(made, usegmt=True),
               "Content-Location": location, "Link": format_links(found.iri), "Cache-Control": "no-cache"}
    if found.ext is None and "format" not in request.query_params:
        headers["Vary"] = "Accept"
    if not_modified(request, etag, made):
        return Response(status_code=304, headers=headers)
    try:
        body = render(store, found, media, page)
    except HttpError as exc:
        return PlainTextResponse(exc.message + "\n", status_code=exc.status)
    content_type = media + ("; charset=utf-8" if media in (HTML, "text/turtle", "application/n-triples") else "")
    headers["Content-Length"] = str(len(body))
    if request.method == "HEAD":
        return Response(status_code=200, headers={**headers, "Content-Type": content_type})
    return Response(body, headers=headers, media_type=content_type)
