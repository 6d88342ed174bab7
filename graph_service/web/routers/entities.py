"""`/id/{kind}/{key}`: every entity IRI the build mints dereferences here.

    /id/commune/75056            Accept decides: HTML for browsers, Turtle for `*/*`, JSON-LD,
                                 N-Triples, RDF/XML on request (`Vary: Accept`); 406 otherwise
    /id/commune/75056.ttl        the extension decides (.ttl .jsonld .nt .rdf .html)
    /id/commune/75056?format=nt  so does `format=` (ttl|turtle, jsonld|json-ld, nt|ntriples, rdf|xml, html)
    ?page=N                      the N-th page of the links pointing to the entity (Hydra links)

200 at the IRI, not 303 (see README "Entities"): the answer describes the thing the IRI names,
`Content-Location` names the document actually sent. Unknown IRIs are 404. `ETag` (build id + IRI
+ format + page) and `Last-Modified` (end of the build) let clients revalidate with 304
(`graph_service.web.http`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mappings.iri import RESOURCE_ROOTS
from mappings.namespaces import PREFIXES

from graph_service.store import GraphStore
from graph_service.web import deps, formats, http, page_cache
from graph_service.web.bounds import MAX_PAGE, whole_number
from graph_service.web.conneg import negotiate
from graph_service.web.documents import entity as ed
from graph_service.web.documents import paging as hydra
from graph_service.web.documents.labels import page_language
from graph_service.web.html import entity as entity_page

router = APIRouter()

#: What an entity is offered as: the RDF documents, plus its HTML page.
OFFERED = (*formats.DOCUMENTS, formats.HTML)
HTML = formats.HTML.media_type


def choose_media(request: Request, ext: str | None) -> formats.Format:
    """Extension, then `format=`, then Accept (HTML only when the client names it: browsers)."""
    if ext:
        return formats.BY_EXT[ext]
    name = http.query_params(request).get("format")
    if name is not None:
        found = formats.by_name(name, OFFERED)
        if found is None:
            raise http.HttpError(400, f"format={name!r} is not one of: " + ", ".join(formats.names(OFFERED)))
        return found
    if http.wants_html(request):
        return formats.HTML
    accept = request.headers.get("accept")
    media = negotiate(accept, formats.DOCUMENT_TYPES) or negotiate(accept, [HTML])
    if media is None:
        raise http.HttpError(406, "this entity is available as: " + ", ".join([*formats.DOCUMENT_TYPES, HTML]))
    return formats.BY_MEDIA_TYPE[media]


def page_number(request: Request) -> int:
    try:
        return whole_number(http.query_params(request).get("page", "1"), 1, MAX_PAGE)
    except ValueError as exc:
        raise http.HttpError(400, f"page: {exc}") from None


def render(store: GraphStore, found: ed.Candidate, media: str, page: int, fetched: str, lang: str = "fr") -> bytes:
    links = ed.incoming(store, found.iri)
    if page > links.last_page:
        raise http.HttpError(404, f"page {page} is past the last page ({links.last_page}) of the links to {found.iri}")
    if media == HTML:
        return entity_page.render(store, found.iri, found.kind, page, links, lang).encode("utf-8")
    construct, extra = ed.document(found.iri, links, page, fetched)
    return http.rdf_document(store, construct, media, PREFIXES, extra=extra)


def format_links(iri: str) -> str:
    return ", ".join(f'<{iri}.{f.ext}>; rel="alternate"; type="{f.media_type}"' for f in OFFERED)


@router.api_route("/id/{kind}/{key:path}", methods=["GET", "HEAD"], tags=["entities"])
def entity(request: Request, kind: str, key: str) -> Response:
    """The description of one entity (its statements and the links to it), format negotiated."""
    return describe(request)


def resource(request: Request, key: str) -> Response:
    """A named graph, source file, build or the software agent: described like an entity."""
    return describe(request)


for _root in sorted(RESOURCE_ROOTS):
    router.add_api_route(f"/{_root}/{{key:path}}", resource, methods=["GET", "HEAD"], include_in_schema=False)


def describe(request: Request) -> Response:
    """Answer from the page cache (304 when the client's copy is current, before any query), else
    find the IRI, negotiate and render once for this build (`page_cache`)."""
    raw_path = request.scope.get("raw_path", b"").decode("latin-1").split("?")[0] or request.url.path
    store = deps.open_store(request)
    lang = page_language(request.query_params.get("lang"), request.headers.get("accept-language"))
    identity = ("entity", deps.settings(request).base, raw_path, request.url.query, accepted(request), lang)
    made = page_cache.answer(store, identity, lambda: answer(request, store, raw_path))
    if made.status != 200:
        return Response(status_code=made.status, headers=dict(made.headers))
    return http.send(request, made.body, made.media_type, made.headers, made.version)


def accepted(request: Request) -> str:
    """The format the request's Accept chooses, for the page cache's key: browsers send different Accept
    headers for the same page (one rendering for all); the header itself when it chooses none (a 406 to come)."""
    try:
        return choose_media(request, None).media_type
    except http.HttpError:
        return request.headers.get("accept", "")


def answer(request: Request, store: GraphStore, raw_path: str) -> page_cache.Answer:
    """The document the raw path names, in the negotiated format (404, 400, 406: HttpError)."""
    base = deps.settings(request).base
    found = next((c for c in ed.candidates(raw_path, deps.minter(request), {f.ext for f in OFFERED})
                  if ed.exists(store, c.iri)), None)
    if found is None:
        raise http.HttpError(404, f"no entity {base}{raw_path} in this graph")
    if not found.canonical:
        suffix = f".{found.ext}" if found.ext else ""
        query = f"?{request.url.query}" if request.url.query else ""
        return page_cache.Answer(b"", "", {"Location": found.iri + suffix + query}, status=301)
    chosen = choose_media(request, found.ext)
    page = page_number(request)
    fetched = hydra.fetched_url(deps.settings(request).public_url(raw_path), request.url.query)
    headers = {"Content-Location": f"{found.iri}.{chosen.ext}" + (f"?page={page}" if page > 1 else ""),
               "Link": format_links(found.iri)}
    if found.ext is None and "format" not in request.query_params:
        headers["Vary"] = "Accept"
    lang = "fr"
    if chosen.media_type == HTML:   # the page's language (`?lang=`, else Accept-Language): labels.page_language
        lang = page_language(request.query_params.get("lang"), request.headers.get("accept-language"))
        headers["Vary"] = ", ".join(filter(None, [headers.get("Vary"), "Accept-Language"]))
        headers["Content-Language"] = lang
    return page_cache.Answer(render(store, found, chosen.media_type, page, fetched, lang), chosen.media_type, headers,
                             http.version(store, found.iri, chosen.media_type, page, fetched, lang))
