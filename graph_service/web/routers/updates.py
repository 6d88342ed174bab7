"""What changed and what should have: `/feed` (Atom, for people and their feed readers), `/ldes` (a
Linked Data Event Stream, for machines) and `/nouveautes` (a page) from the `changes` graph
(graph_service/web/documents/changes.py); `/fraicheur`, the datasets late on their declared frequency
(graph_service/web/documents/freshness.py).

The activities are read once per build (the page cache). Every page of the event stream but the newest is
closed: a build's activities never change, so closed pages say `Cache-Control: immutable`.
"""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request
from fastapi.responses import Response

from graph_service.store import GraphStore
from graph_service.web import deps, formats, http, page_cache
from graph_service.web.conneg import negotiate
from graph_service.web.documents import changes, freshness
from graph_service.web.html import updates as pages

router = APIRouter()
ATOM = "application/atom+xml"
IMMUTABLE = "public, max-age=31536000, immutable"


def activities(request: Request, store: GraphStore) -> list[changes.Activity]:
    """The recorded activities, once per build and base (`page_cache`)."""
    return page_cache.cached(store, ("changes", deps.settings(request).base),
                             lambda: changes.activities(store, deps.minter(request)))


@router.api_route(changes.FEED_PATH, methods=["GET", "HEAD"], tags=["changes"])
def feed(request: Request) -> Response:
    """The newest changes as an Atom feed, each summarised in French ("312 marchés ajoutés, 4 modifiés")."""
    store = deps.open_store(request)
    items = activities(request, store)
    return http.send(request, lambda: changes.atom(items, deps.settings(request).public_url), ATOM,
                     current=http.version(store, request.url.path))


def _stream(request: Request, page: str | None) -> Response:
    store = deps.open_store(request)
    items = activities(request, store)
    if page is not None and page not in changes.builds(items):
        raise http.HttpError(404, f"no page {page!r} in the event stream (pages are builds that changed data)")
    media = negotiate(request.headers.get("accept"), formats.DOCUMENT_TYPES)
    if media is None:
        raise http.HttpError(406, "the event stream is available as: " + ", ".join(formats.DOCUMENT_TYPES))
    closed = page is not None and changes.is_closed(items, page)

    def body() -> bytes:
        settings = deps.settings(request)
        triples = changes.stream_triples(items, settings.public_url, page, settings.change_retention_days)
        text = "".join(f"{s} {p} {o} .\n" for s, p, o in triples)
        return http.from_ntriples(text.encode("utf-8"), media, changes.PREFIXES_USED)

    headers = {"Vary": "Accept", **({"Cache-Control": IMMUTABLE} if closed else {})}
    current = http.version(store, request.url.path, media)
    if closed:   # the same bytes in every later build: an ETag of the page alone
        digest = hashlib.sha256(f"{request.url.path} {media}".encode()).hexdigest()[:32]
        current = http.Version(f'"{digest}"', current.modified)
    return http.send(request, body, media, headers, current)


@router.api_route(changes.LDES_PATH, methods=["GET", "HEAD"], tags=["changes"])
def stream(request: Request) -> Response:
    """The event stream (LDES, DCAT-AP Feeds): its description and the link to its first page."""
    return _stream(request, None)


@router.api_route(changes.LDES_PATH + "/{page}", methods=["GET", "HEAD"], tags=["changes"])
def stream_page(request: Request, page: str) -> Response:
    """One page of the event stream: the activities of one build, and a relation to the next build's."""
    return _stream(request, page)


@router.api_route("/nouveautes", methods=["GET", "HEAD"], tags=["changes"])
def news(request: Request) -> Response:
    """The newest changes in plain French, with the feeds to follow them."""
    store = deps.open_store(request)
    items = activities(request, store)
    return http.send(request, lambda: pages.news(items).encode("utf-8"), formats.HTML.media_type,
                     current=http.version(store, request.url.path))


@router.api_route("/fraicheur", methods=["GET", "HEAD"], tags=["changes"])
def late_datasets(request: Request) -> Response:
    """The datasets late on the update frequency their publisher declared."""
    store = deps.open_store(request)

    def body() -> bytes:
        measured = freshness.datasets(store)
        return pages.freshness([f for f in measured if f.days_late is not None], len(measured)).encode("utf-8")

    return http.send(request, body, formats.HTML.media_type, current=http.version(store, request.url.path))
