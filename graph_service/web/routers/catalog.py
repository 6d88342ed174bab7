"""`/catalog`: the DCAT-AP 3 catalog for harvesters (data.gouv.fr's udata, CKAN's ckanext-dcat,
data.europa.eu), paged with Hydra, plus an unpaged dump and one document per dataset.

    /catalog[.ttl|.rdf|.jsonld|.nt]                  ?page= &page_size= &modified_since=
    /catalog/full[.ttl|.rdf|.jsonld|.nt]             ?modified_since=
    /catalog/datasets/{identifier}[.ttl|.rdf|.jsonld|.nt]

Without an extension the format follows Accept (Turtle for */*). Paging links are absolute, built
from the configured public base (`BERCY_GRAPH_BASE`), never from the request's Host header, so they
stay right behind a reverse proxy. The documents are built in the app process from its own
read-only view of the store (small CONSTRUCTs, no user-written SPARQL: no worker needed).
"""

from __future__ import annotations

import hashlib
import threading
from email.utils import format_datetime
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from rdflib import Graph

from graph_service.web.documents import catalog as pages
from graph_service.web.documents.catalog import FORMATS, BadParameter
from graph_service.web.conneg import explicitly_wants, negotiate
from graph_service.web.html.layout import esc, link, number, page
from graph_service.store import GraphStore, StoreMissing

router = APIRouter()
_lock = threading.Lock()


class NotFound(Exception):
    pass


def open_store(request: Request) -> GraphStore:
    """The app's read-only view of the served store, reopened after a build swapped a new one in."""
    from graph_service.web.app import served_store

    target = served_store(request.app.state.settings).resolve()
    with _lock:
        current: GraphStore | None = getattr(request.app.state, "catalog_store", None)
        if current is None or current.path != target:
            current = GraphStore(target)
            request.app.state.catalog_store = current
    return current


def jsonld(ntriples: bytes) -> bytes:
    """Compact JSON-LD with our prefixes as @context (pyoxigraph writes expanded JSON-LD only)."""
    graph = Graph()
    graph.parse(data=ntriples.decode("utf-8"), format="nt")
    return graph.serialize(format="json-ld", context=pages.DOCUMENT_PREFIXES, auto_compact=True,
                           encoding="utf-8")


def render(store: GraphStore, sparql: str, media_type: str, extra: list = ()) -> bytes:
    """Run a document's CONSTRUCT on the catalog and EU graphs, add `extra` triples, serialize."""
    graphs = pages.catalog_graphs(store.named_graphs())
    text = pages.ntriples(list(extra))
    if media_type == "application/ld+json":
        return jsonld(store.construct(sparql, "application/n-triples", default_graph=graphs, extra=text))
    return store.construct(sparql, media_type, default_graph=graphs, extra=text,
                           prefixes=pages.DOCUMENT_PREFIXES)


def _media_type(request: Request, ext: str | None) -> str | None:
    if ext is not None:
        return FORMATS.get(ext)
    return negotiate(request.headers.get("accept"), list(FORMATS.values()))


def _graph(store: GraphStore) -> str:
    graphs = pages.catalog_graphs(store.named_graphs())
    if not graphs:
        raise NotFound("no catalog graph in the served store")
    return graphs[0]


def _listing(store: GraphStore, modified_since: str | None) -> tuple[str, list[str]]:
    rows = store.select(pages.datasets_query(modified_since))
    if rows:
        return rows[0]["catalog"], [r["ds"] for r in rows]
    found = store.select(pages.catalog_query())
    if not found:
        raise NotFound("no DCAT catalog in the served graph")
    return found[0]["catalog"], []


def _page(request: Request, store: GraphStore, path: str) -> tuple[str, pages.Paging, list[str]]:
    """The catalog IRI, the paging of the requested listing and the datasets of the requested page."""
    query = pages.parse_request(request.query_params)
    catalog, datasets = _listing(store, query.modified_since)
    paging = pages.Paging(request.app.state.settings.public_url(path), query, len(datasets))
    if query.page > paging.last:
        raise NotFound(f"page {query.page} is past the last page ({paging.last}) of this listing; "
                       f"first page: {paging.page_url(1)}")
    return catalog, paging, paging.members(datasets)


def catalog_page(request: Request, store: GraphStore, ext: str | None, media_type: str) -> bytes:
    catalog, paging, members = _page(request, store, "/catalog" + (f".{ext}" if ext else ""))
    sparql = pages.document_query(_graph(store), [catalog, *members], catalog, members)
    return render(store, sparql, media_type, paging.hydra(catalog))


def catalog_html(request: Request, store: GraphStore) -> str:
    """A page of the catalog for people: its datasets, links to the RDF formats, previous/next."""
    catalog, paging, members = _page(request, store, "/catalog")
    number_ = paging.request.page
    rows = store.select(pages.titles_query(members)) if members else []
    own = paging.page_url(number_).split("?", 1)[1]
    formats = " ".join(link(f"/catalog.{ext}?{own}", f".{ext}") for ext in FORMATS)
    pager = " ".join(link(paging.page_url(n), label) for n, label in (
        (number_ - 1, "← précédente"), (number_ + 1, "suivante →")) if 1 <= n <= paging.last)
    table = "".join(f"<tr><td>{link(r['ds'], r['title'])}</td><td>{esc(r['id'])}</td>"
                    f"<td>{link('/catalog/datasets/' + quote(r['id'], safe='') + '.ttl', 'ttl')}</td></tr>"
                    for r in rows)
    body = (f"<h1>Catalogue DCAT-AP</h1><p class=iri>{esc(catalog)}</p>"
            f"<p>{number(paging.total)} jeux de données — page {number_} sur {paging.last}</p>"
            f"<p class=formats>Pour les moissonneurs : {formats} "
            f"{link('/catalog/full.ttl', 'catalogue complet')}</p><p class=pager>{pager}</p>"
            f"<table><tr><th>Titre</th><th>Identifiant</th><th>RDF</th></tr>{table}</table>")
    alternates = [(f"/catalog.{ext}?{own}", media) for ext, media in FORMATS.items()]
    return page("Catalogue DCAT-AP", body, alternates=alternates)


def full_dump(request: Request, store: GraphStore, media_type: str) -> bytes:
    query = pages.parse_request(request.query_params, paged=False)
    catalog, datasets = _listing(store, query.modified_since)
    sparql = pages.document_query(_graph(store), [catalog, *datasets], catalog, datasets)
    return render(store, sparql, media_type, pages.collection_triples(catalog, len(datasets)))


def dataset_document(store: GraphStore, identifier: str, media_type: str) -> bytes:
    found = store.select(pages.dataset_by_identifier(identifier))
    if not found:
        raise NotFound(f"no dataset with identifier {identifier!r} in the catalog")
    return render(store, pages.document_query(_graph(store), [found[0]["ds"]]), media_type)


def respond(request: Request, ext: str | None, build) -> Response:
    """Negotiate, build the document, map failures to plain-text errors; HEAD gets the headers only.

    `ETag` (build id + URL + format) and `Last-Modified` (the build's time) let a harvester
    revalidate with a 304 instead of downloading an unchanged page again.
    """
    from graph_service.web.routers.entities import build_version, not_modified

    media_type = _media_type(request, ext)
    if media_type is None:
        offers = ", ".join(FORMATS.values()) if ext is None else ", ".join(f".{e}" for e in FORMATS)
        status = 406 if ext is None else 404
        return PlainTextResponse(f"available formats: {offers}\n", status_code=status)
    try:
        store = open_store(request)
        build_id, made = build_version(store)
        version = f"{build_id} {request.app.state.settings.base} {request.url.path} " \
                  f"{sorted(request.query_params.multi_items())} {media_type}"
        headers = {"ETag": '"' + hashlib.sha256(version.encode()).hexdigest()[:32] + '"',
                   "Last-Modified": format_datetime(made, usegmt=True), "Cache-Control": "no-cache"}
        if ext is None:
            headers["Vary"] = "Accept"
        if not_modified(request, headers["ETag"], made):
            return Response(status_code=304, headers=headers)
        body = build(store, media_type)
    except BadParameter as exc:
        return PlainTextResponse(f"{exc}\n", status_code=400)
    except NotFound as exc:
        return PlainTextResponse(f"{exc}\n", status_code=404)
    except StoreMissing as exc:
        return PlainTextResponse(f"{exc}\n", status_code=503)
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        return Response(status_code=200, media_type=media_type, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def split_ext(name: str) -> tuple[str, str | None]:
    """`bofip-impots.ttl` -> (`bofip-impots`, `ttl`); a name without a known extension is kept whole."""
    stem, dot, ext = name.rpartition(".")
    return (stem, ext) if dot and ext in FORMATS else (name, None)


GET_HEAD = ["GET", "HEAD"]


@router.api_route("/catalog", methods=GET_HEAD, tags=["catalog"])
def catalog(request: Request) -> Response:
    """A page of the catalog (Hydra paging; `page`, `page_size`, `modified_since`), format by Accept;
    browsers (asking for HTML by name, above the RDF types) get an HTML view of the page."""
    if explicitly_wants(request.headers.get("accept"), "text/html", list(FORMATS.values())):
        try:
            html = catalog_html(request, open_store(request))
        except BadParameter as exc:
            return PlainTextResponse(f"{exc}\n", status_code=400)
        except (NotFound, StoreMissing) as exc:
            return PlainTextResponse(f"{exc}\n", status_code=404 if isinstance(exc, NotFound) else 503)
        if request.method == "HEAD":
            return HTMLResponse(None, headers={"Vary": "Accept", "Content-Length": str(len(html.encode()))})
        return HTMLResponse(html, headers={"Vary": "Accept"})
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
