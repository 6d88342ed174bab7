"""`/robots.txt` and the sitemap (`/sitemap.xml`, an index of `/sitemap/{n}.xml`) for search engines.

The list of entity pages takes one query over the store's typed subjects (2-3 s on the full graph):
it is made once per served store and base, then kept in memory (~130,000 URLs). Like every document,
the sitemaps carry an ETag (build id + URL) and `Last-Modified` (the build's time).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from graph_service.store import GraphStore
from graph_service.web import deps, http, page_cache
from graph_service.web.bounds import MAX_PAGE, whole_number
from graph_service.web.documents import sitemap

router = APIRouter()
XML = "application/xml"


def entity_pages(request: Request, store: GraphStore) -> list[str]:
    """The sorted entity page URLs, once per build and base (`page_cache`)."""
    return page_cache.cached(store, ("sitemap", deps.settings(request).base),
                             lambda: sitemap.entity_pages(store, deps.minter(request)))


@router.api_route("/robots.txt", methods=["GET", "HEAD"], tags=["crawl"])
def robots(request: Request) -> Response:
    """Crawl the pages, not the query services (`/sparql`, `/api`); the sitemap's URL."""
    text = sitemap.robots(deps.settings(request).public_url)
    return http.send(request, text.encode("utf-8"), "text/plain; charset=utf-8")


@router.api_route(sitemap.SITEMAP_PATH, methods=["GET", "HEAD"], tags=["crawl"])
def sitemap_index(request: Request) -> Response:
    """The sitemap index: one sitemap per 50,000 entity pages."""
    store = deps.open_store(request)
    made = store.version()[1]
    return http.send(request, lambda: sitemap.index(len(entity_pages(request, store)),
                                                    deps.settings(request).public_url, made),
                     XML, current=http.version(store, request.url.path))


@router.api_route("/sitemap/{number}.xml", methods=["GET", "HEAD"], tags=["crawl"])
def sitemap_file(request: Request, number: str) -> Response:
    """The `number`-th sitemap (from 1): up to 50,000 entity page URLs with the build's time."""
    try:
        n = whole_number(number, 1, MAX_PAGE)
    except ValueError as exc:
        raise http.HttpError(404, f"sitemap {number!r}: {exc}") from None
    store = deps.open_store(request)
    pages = entity_pages(request, store)
    if n > sitemap.last_sitemap(len(pages)):
        raise http.HttpError(404, f"there are {sitemap.last_sitemap(len(pages))} sitemaps; see {sitemap.SITEMAP_PATH}")
    return http.send(request, lambda: sitemap.urlset(pages, n, store.version()[1]), XML,
                     current=http.version(store, request.url.path))
