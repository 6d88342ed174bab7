"""The HTTP policies every router shares, each written once.

- Errors: a handler raises `HttpError(status, detail)` (or lets `StoreMissing` out); the app's one
  exception handler (`handle`) answers problem+json under /api, a readable HTML page to browsers
  (HTML named explicitly, above the RDF types) and plain text to everyone else. Unknown paths and
  wrong methods (Starlette's own 404/405) answer the same way.
- Query parameters: a parameter given twice where one value is expected is a 400 (`single`).
- Conditional GET: the store changes only when a build is swapped in, so the build id plus what
  identifies the document is its ETag, and the build's time its Last-Modified (`version`, `fresh`).
- HEAD, Content-Length and the 304 of a document: `send`.
- RDF bodies: `rdf_document` (a CONSTRUCT on the store) and `from_ntriples` (a document made here).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from rdflib import Graph
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph_service.store import GraphStore, StoreMissing
from graph_service.web import formats
from graph_service.web.api.problems import problem
from graph_service.web.conneg import explicitly_wants
from graph_service.web.documents.catalog import DOCUMENT_PREFIXES, BadParameter
from graph_service.web.html import layout

API = "/api"
RETRY_AFTER = "5"   # seconds, in the Retry-After of every 503 (a busy worker pool or busy store slots)
#: Titles of the HTML error pages (the site speaks French); other statuses use the HTTP phrase.
TITLES = {400: "Requête invalide", 404: "Page introuvable", 405: "Méthode non permise",
          406: "Format non disponible", 413: "Requête trop longue", 500: "Erreur interne",
          503: "Service indisponible"}


class HttpError(Exception):
    """An answer other than the document: its status, a sentence saying why, extra headers."""

    def __init__(self, status: int, detail: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, dict(headers or {})


# ----------------------------------------------------------------------------------- errors

def wants_html(request: Request) -> bool:
    """A browser: it names HTML itself, at least as high as every RDF type (`*/*` gets data)."""
    return explicitly_wants(request.headers.get("accept"), formats.HTML.media_type, formats.DOCUMENT_TYPES)


#: What an error means for a reader, in French (the detail, written for developers, follows it).
EXPLANATIONS = {400: "La requête n'a pas pu être comprise : un paramètre manque ou sa valeur n'est pas valide.",
                404: "Cette adresse ne correspond à aucune page ni à aucune entité du graphe.",
                405: "Cette adresse ne s'utilise pas avec cette méthode HTTP.",
                406: "Cette ressource n'existe pas dans le format demandé.",
                413: "La requête est trop longue.",
                500: "Une erreur interne s'est produite.",
                503: "Le service est momentanément occupé ou le graphe n'est pas encore construit : réessayez dans "
                     "quelques secondes."}


def error_page(status: int, detail: str) -> str:
    """The HTML of an error, in French: what went wrong, the technical detail, and a way on."""
    title = TITLES.get(status) or HTTPStatus(status).phrase
    explanation = EXPLANATIONS.get(status, "La requête n'a pas abouti.")
    body = (f"<h1>{layout.esc(title)} (erreur {status})</h1><p>{layout.esc(explanation)}</p>"
            f'<p class="note">Détail technique : <span lang="en">{layout.esc(detail)}</span></p>'
            f"<p>{layout.link('/', 'Accueil')} · {layout.link('/search', 'Rechercher par nom ou par code')} "
            f"(commune, entreprise, SIREN, mission, CPV…).</p>")
    return layout.page(f"{title} (erreur {status})", body)


def error_response(request: Request, status: int, detail: str, headers: Mapping[str, str] | None = None) -> Response:
    """The one form of an error: problem+json under /api, HTML for browsers, plain text otherwise."""
    path = request.url.path
    if path == API or path.startswith(API + "/"):
        return problem(request, status, detail, headers)
    if wants_html(request):
        return HTMLResponse(error_page(status, detail), status_code=status, headers=headers)
    return PlainTextResponse(detail + "\n", status_code=status, headers=headers)


def validation_detail(exc: RequestValidationError) -> str:
    """FastAPI's parameter errors in one line: `limit: ... (got '0')`."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(x) for x in error.get("loc", ()) if x not in ("query", "path"))
        parts.append(f"{where}: {error.get('msg')} (got {error.get('input')!r})")
    return "; ".join(parts)


async def handle(request: Request, exc: Exception) -> Response:
    """The app's one exception handler (registered for the classes of `HANDLED`)."""
    if isinstance(exc, HttpError):
        return error_response(request, exc.status, exc.detail, exc.headers)
    if isinstance(exc, StoreMissing):
        return error_response(request, 503, str(exc))
    if isinstance(exc, RequestValidationError):
        return error_response(request, 400, validation_detail(exc))
    if isinstance(exc, BadParameter):   # a document's parameter it cannot use
        return error_response(request, 400, str(exc))
    assert isinstance(exc, HTTPException)   # Starlette's own: no route (404), wrong method (405)
    detail = exc.detail
    if exc.status_code in (404, 405):
        detail = f"{exc.detail}: {request.method} {request.url.path}" + (" (see /docs)" if
                                                                         request.url.path.startswith(API) else "")
    return error_response(request, exc.status_code, detail, exc.headers)


HANDLED = (HttpError, StoreMissing, RequestValidationError, BadParameter, HTTPException)


# ----------------------------------------------------------------------------------- parameters

def single(values: list[str], name: str) -> str | None:
    """The one value of a parameter that takes one: 400 if it was given twice."""
    if len(values) > 1:
        raise HttpError(400, f"more than one `{name}` parameter")
    return values[0] if values else None


def query_params(request: Request) -> dict[str, str]:
    """The query string's parameters, each given at most once (else 400 naming it)."""
    params = request.query_params
    for name in params:
        single(params.getlist(name), name)
    return dict(params)


# ----------------------------------------------------------------------------------- conditional GET

@dataclass(frozen=True)
class Version:
    """What a client revalidates a document against: its ETag and the time of the build."""

    etag: str
    modified: datetime

    def headers(self) -> dict[str, str]:
        return {"ETag": self.etag, "Last-Modified": format_datetime(self.modified, usegmt=True),
                "Cache-Control": "no-cache"}


def version(store: GraphStore, *identity: object) -> Version:
    """The version of a document: the build id and what identifies the document (IRI, URL, format...)."""
    build_id, made = store.version()
    text = " ".join([build_id, *map(str, identity)])
    return Version('"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"', made)


def fresh(request: Request, current: Version) -> bool:
    """The client's copy is current (RFC 9110 §13.1: If-None-Match wins over If-Modified-Since)."""
    inm = request.headers.get("if-none-match")
    if inm is not None:
        return inm.strip() == "*" or current.etag in [t.strip().removeprefix("W/") for t in inm.split(",")]
    ims = request.headers.get("if-modified-since")
    if ims:
        try:
            return current.modified <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


# ----------------------------------------------------------------------------------- answers

def send(request: Request, body: bytes | Callable[[], bytes], media_type: str,
         headers: Mapping[str, str] | None = None, current: Version | None = None) -> Response:
    """The one way a document goes out: 304 when the client's copy is `current` (the body is then
    never made), the headers only for HEAD, else the body; Content-Type from the format table."""
    headers = {**(current.headers() if current else {}), **(headers or {})}
    if current is not None and fresh(request, current):
        return Response(status_code=304, headers=headers)
    data = body() if callable(body) else body
    headers["Content-Length"] = str(len(data))
    content = None if request.method == "HEAD" else data
    return Response(content, headers=headers, media_type=formats.content_type(media_type))


# ----------------------------------------------------------------------------------- RDF bodies

N_TRIPLES = "application/n-triples"
JSON_LD = "application/ld+json"


def from_ntriples(ntriples: bytes, media_type: str, prefixes: Mapping[str, str]) -> bytes:
    """A document made here (N-Triples) in `media_type`; JSON-LD compacted with the documents' @context
    (pyoxigraph writes expanded JSON-LD only)."""
    graph = Graph()
    graph.parse(data=ntriples.decode("utf-8"), format="nt")
    if media_type == JSON_LD:
        return graph.serialize(format="json-ld", context=DOCUMENT_PREFIXES, auto_compact=True, encoding="utf-8")
    for name, namespace in prefixes.items():
        graph.bind(name, namespace)
    return graph.serialize(format=formats.BY_MEDIA_TYPE[media_type].rdflib, encoding="utf-8")


def rdf_document(store: GraphStore, construct: str, media_type: str, prefixes: Mapping[str, str], *,
                 default_graph: list[str] | None = None, extra: str = "") -> bytes:
    """A CONSTRUCT's triples plus `extra` (N-Triples) as `media_type`, with `prefixes` in Turtle/RDF/XML."""
    if media_type == JSON_LD:
        text = store.construct(construct, N_TRIPLES, default_graph=default_graph, extra=extra)
        return from_ntriples(text, JSON_LD, prefixes)
    return store.construct(construct, media_type, default_graph=default_graph, extra=extra, prefixes=dict(prefixes))


class EveryResponse:
    """ASGI middleware: `headers(scope)` set on every HTTP response, even the 503s and errors of
    the layers below; `answer(scope)`, when given, may answer a request itself (a CORS preflight)."""

    def __init__(self, app: ASGIApp, headers: Callable[[Scope], Mapping[str, str]],
                 answer: Callable[[Scope], Response | None] | None = None) -> None:
        self.app, self.headers, self.answer = app, headers, answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.answer is not None and (response := self.answer(scope)) is not None:
            await response(scope, receive, send)
            return
        extra = self.headers(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)
