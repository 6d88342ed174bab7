"""`/catalog`: the DCAT-AP 3 catalog for harvesters (data.gouv.fr's udata, CKAN's ckanext-dcat,
data.europa.eu), paged with Hydra, plus an unpaged dump and one document per dataset.

    /catalog[.ttl|.rdf|.jsonld|.nt]                  ?page= &page_size= &modified_since=
    /catalog/full[.ttl|.rdf|.jsonld|.nt]             ?modified_since=
    /catalog/datasets/{identifier}[.ttl|.rdf|.jsonld|.nt]

Without an extension the format follows Accept (Turtle for */*). Paging links are absolute, built
from the configured public base (`BERCY_GRAPH_BASE`), never from the request's Host header, so they
stay right behind a reverse proxy. The documents are built in the app process from its own
read-only view of the store (small CONSTRUCTs, no user-written SPARQL: no worker needed). `ETag`
(build id + URL + format) and `Last-Modified` (the build's time) let a harvester revalidate with a
304 instead of downloading an unchanged page again (`graph_service.web.http`).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response

from graph_service.store import GraphStore
from graph_service.web import deps, formats, http, page_cache
from graph_service.web.conneg import negotiate
from graph_service.web.documents import catalog as pages
from graph_service.web.documents import paging as hydra
from graph_service.web.html import catalog as catalog_html

router = APIRouter()


def render(store: GraphStore, sparql: str, media_type: str, extra: list = ()) -> bytes:
    """Run a document's CONSTRUCT on the catalog and EU graphs, add `extra` triples, serialize."""
    return http.rdf_document(store, sparql, media_type, pages.DOCUMENT_PREFIXES,
                             default_graph=pages.catalog_graphs(store.named_graphs()),
                             extra=hydra.ntriples(list(extra)))


def _graph(store: GraphStore) -> str:
    graphs = pages.catalog_graphs(store.named_graphs())
    if not graphs:
        raise http.HttpError(404, "no catalog graph in the served store")
    return graphs[0]


def _listing(store: GraphStore, modified_since: str | None) -> tuple[str, list[str]]:
    rows = store.select(pages.datasets_query(modified_since))
    if rows:
        return rows[0]["catalog"], [r["ds"] for r in rows]
    found = store.select(pages.catalog_query())
    if not found:
        raise http.HttpError(404, "no DCAT catalog in the served graph")
    return found[0]["catalog"], []


def _page(request: Request, store: GraphStore, path: str) -> tuple[str, pages.Paging, list[str]]:
    """The catalog IRI, the paging of the requested listing and the datasets of the requested page."""
    query = pages.parse_request(http.query_params(request))
    catalog, datasets = _listing(store, query.modified_since)
    paging = pages.Paging(deps.settings(request).public_url(path), query, len(datasets))
    if query.page > paging.last:
        raise http.HttpError(404, f"page {query.page} is past the last page ({paging.last}) of this listing; "
                                  f"first page: {paging.page_url(1)}")
    return catalog, paging, paging.members(datasets)


def catalog_page(request: Request, store: GraphStore, ext: str | None, media_type: str) -> bytes:
    catalog, paging, members = _page(request, store, "/catalog" + (f".{ext}" if ext else ""))
    sparql = pages.document_query(_graph(store), [catalog, *members], catalog, members)
    return render(store, sparql, media_type, paging.hydra(catalog, _fetched(request)))


def _fetched(request: Request) -> str:
    """The public URL the client fetched (the page's `hydra:view`)."""
    return hydra.fetched_url(deps.settings(request).public_url(request.url.path), request.url.query)


def full_dump(request: Request, store: GraphStore, media_type: str) -> bytes:
    query = pages.parse_request(http.query_params(request), paged=False)
    catalog, datasets = _listing(store, query.modified_since)
    sparql = pages.document_query(_graph(store), [catalog, *datasets], catalog, datasets)
    return render(store, sparql, media_type, hydra.collection(catalog, len(datasets)))


def dataset_document(store: GraphStore, identifier: str, media_type: str) -> bytes:
    found = store.select(pages.dataset_by_identifier(identifier))
    if not found:
        raise http.HttpError(404, f"no dataset with identifier {identifier!r} in the catalog")
    return render(store, pages.document_query(_graph(store), [found[0]["ds"]]), media_type)


def _media_type(request: Request, ext: str | None) -> str:
    """The extension's format, else the one Accept prefers (404 / 406 when there is none)."""
    if ext is not None:
        found = formats.BY_EXT.get(ext)
        if found not in formats.DOCUMENTS:
            raise http.HttpError(404, "available formats: " + ", ".join(f".{f.ext}" for f in formats.DOCUMENTS))
        return found.media_type
    media = negotiate(request.headers.get("accept"), formats.DOCUMENT_TYPES)
    if media is None:
        raise http.HttpError(406, "available formats: " + ", ".join(formats.DOCUMENT_TYPES))
    return media


def respond(request: Request, ext: str | None, build: Callable[[GraphStore, str], bytes]) -> Response:
    """Negotiate, then send the document `build` makes (or 304 when the harvester's copy is current)."""
    media_type = _media_type(request, ext)
    http.query_params(request)   # each parameter given once, before any 304
    store = deps.open_store(request)
    current = http.version(store, _fetched(request), media_type)   # the page names the URL it was fetched at
    headers = {"Vary": "Accept"} if ext is None else {}
    if http.fresh(request, current):
        return http.send(request, b"", media_type, headers, current)
    made = page_cache.answer(store, ("catalog", _fetched(request), media_type),
                             lambda: page_cache.Answer(build(store, media_type), media_type, headers, current))
    return http.send(request, made.body, media_type, made.headers, made.version)


def split_ext(name: str) -> tuple[str, str | None]:
    """`bofip-impots.ttl` -> (`bofip-impots`, `ttl`); a name without a document extension is kept whole."""
    stem, dot, ext = name.rpartition(".")
    return (stem, ext) if dot and formats.BY_EXT.get(ext) in formats.DOCUMENTS else (name, None)


GET_HEAD = ["GET", "HEAD"]


@router.api_route("/catalog", methods=GET_HEAD, tags=["catalog"])
def catalog(request: Request) -> Response:
    """A page of the catalog (Hydra paging; `page`, `page_size`, `modified_since`), format by Accept;
    browsers (asking for HTML by name, above the RDF types) get an HTML view of the page."""
    if http.wants_html(request):
        store = deps.open_store(request)
        current = http.version(store, _fetched(request), formats.HTML.media_type)
        made = page_cache.answer(store, ("catalog", _fetched(request), "html"), lambda: page_cache.Answer(
            catalog_html.render(store, *_page(request, store, "/catalog")).encode("utf-8"),
            formats.HTML.media_type, {"Vary": "Accept"}, current))
        return http.send(request, made.body, made.media_type, made.headers, made.version)
    return respond(request, None, lambda store, media: catalog_page(request, store, None, media))


@router.api_route("/catalog.{ext}", methods=GET_HEAD, tags=["catalog"])
def catalog_as(request: Request, ext: str) -> Response:
    """A page of the catalog in the format of the extension (ttl, rdf, jsonld, nt)."""
    return respond(request, ext, lambda store, media: catalog_page(request, store, ext, media))


@router.api_route("/catalog/full", methods=GET_HEAD, tags=["catalog"])
def catalog_full(request: Request) -> Response:
    """The whole catalog in one document (optionally `modified_since`), format by Accept."""
    return respond(request, None, lambda store, media: full_dump(request, store, media))


@router.api_route("/catalog/full.{ext}", methods=GET_HEAD, tags=["catalog"])
def catalog_full_as(request: Request, ext: str) -> Response:
    """The whole catalog in one document, in the format of the extension."""
    return respond(request, ext, lambda store, media: full_dump(request, store, media))


@router.api_route("/catalog/datasets/{name}", methods=GET_HEAD, tags=["catalog"])
def dataset(request: Request, name: str) -> Response:
    """One dataset with its distributions, publisher, licences and concepts (`{identifier}[.ext]`)."""
    identifier, ext = split_ext(name)
    return respond(request, ext, lambda store, media: dataset_document(store, identifier, media))
