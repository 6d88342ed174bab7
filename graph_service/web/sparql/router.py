"""`/sparql`: the SPARQL 1.1 Protocol endpoint (query; update only when an operator enables it).

Requests are checked here (method, media type, UTF-8, length in characters, one query, lexically
sound, nesting depth, no SERVICE/LOAD outside the allow-list), then run by the worker pool
(graph_service/web/sparql/workers.py) under a time limit. The text is lexed once per request
(graph_service/web/sparql/scan.py); a long text in a thread, so that the event loop keeps serving other
requests meanwhile (a short one, the usual case, costs less to lex than the hop to a thread).
A result that came from its worker in one message goes out in one response with its Content-Length;
a larger one streams.

Default graph: a query without FROM and without default-graph-uri / named-graph-uri sees the union
of all named graphs as its default graph (each source is one named graph). A query with FROM /
FROM NAMED, or a request with the protocol's dataset parameters, sees exactly that dataset.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from graph_service.web import formats, http
from graph_service.web.conneg import explicitly_wants, negotiate
from graph_service.web.html.sparql import render_page
from graph_service.web.http import HttpError
from graph_service.web.sparql import results as result_formats
from graph_service.web.sparql import scan as sparql_scan
from graph_service.web.sparql import service_description
from graph_service.web.sparql.streaming import ResultsResponse
from graph_service.web.sparql.workers import Job, QueryPool, QueryTimeout, Saturated, WorkerFailed

router = APIRouter()

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
#: The parameters endpoints read a results format from (Virtuoso `format`, Fuseki `output`, Rasqal `results`);
#: SPARQLWrapper sends all three. Here they are one choice (graph_service.web.sparql.results.requested).
FORMAT_PARAMS = ("format", "output", "results")


@dataclass
class Operation:
    """A query or update with its protocol dataset parameters."""

    text: str | None
    update: bool = False
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    params: dict[str, list[str]] = field(default_factory=dict)


def _params(raw: str, where: str) -> dict[str, list[str]]:
    try:
        pairs = urllib.parse.parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise HttpError(400, f"the {where} is not valid UTF-8 once percent-decoded") from None
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


def _charset_ok(content_type: str) -> bool:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


#: Characters lexed on the event loop itself (about 0.5 µs each: 1 ms at most); longer texts go to a thread.
INLINE_SCAN = 2000
BYTES_PER_CHAR = 12       # a character percent-encoded in a form: up to 4 UTF-8 bytes as %XX each
FORM_ROOM = 64 * 1024     # bytes for the other parameters of a form (graph IRIs, format)


def body_limit(max_chars: int) -> int:
    """The bytes a request body may take when the query or update may take `max_chars` characters.

    The limit counts characters, the same for GET, POST form and POST direct; a body is read in bytes,
    so it is bounded by the most bytes an acceptable text can need, and a larger one is refused early."""
    return max_chars * BYTES_PER_CHAR + FORM_ROOM


async def _body(request: Request, max_chars: int) -> bytes:
    limit = body_limit(max_chars)
    too_large = HttpError(413, f"the request body is over {limit} bytes, more than a query or update "
                                   f"of the {max_chars}-character limit can take")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError(400, "the request body is not valid UTF-8") from None


def _one(params: dict[str, list[str]], name: str) -> str | None:
    return http.single(params.get(name, []), name)


async def read_operation(request: Request, limit: int) -> Operation:
    """The operation a request carries, per SPARQL 1.1 Protocol §2.1 (query) and §2.2 (update)."""
    url_params = _params(request.scope["query_string"].decode("latin-1"), "query string")
    if request.method in ("GET", "HEAD"):
        params = url_params
        if "update" in params:
            raise HttpError(400, "updates must be sent with POST")
        text, update = _one(params, "query"), False
    else:
        content_type = request.headers.get("content-type", "")
        media = content_type.split(";")[0].strip().lower()
        if media not in (FORM, QUERY, UPDATE):
            raise HttpError(415, f"POST needs Content-Type {FORM}, {QUERY} or {UPDATE} "
                                     f"(got {content_type or 'none'})")
        if not _charset_ok(content_type):
            raise HttpError(415, "the request body must be UTF-8 (charset=utf-8)")
        body = await _body(request, limit)
        if media == FORM:
            params = {**url_params}
            for name, values in _params(_decode(body), "form body").items():
                params.setdefault(name, []).extend(values)
            query, upd = _one(params, "query"), _one(params, "update")
            if query is not None and upd is not None:
                raise HttpError(400, "a request carries either `query` or `update`, not both")
            text, update = (upd, True) if upd is not None else (query, False)
            if text is None:
                raise HttpError(400, "the form has no `query` (or `update`) parameter")
        else:
            params, update, text = url_params, media == UPDATE, _decode(body)
    if text is not None and len(text) > limit:
        raise HttpError(413, f"the {'update' if update else 'query'} is {len(text)} characters long, over "
                                 f"the {limit}-character limit (characters, not bytes)")
    if update:
        return Operation(text, True, params.get("using-graph-uri", []), params.get("using-named-graph-uri", []),
                         params)
    return Operation(text, False, params.get("default-graph-uri", []), params.get("named-graph-uri", []), params)


def scan(text: str, max_nesting: int) -> sparql_scan.Scan:
    """The text lexed once for every check; refused if the store's parser would refuse or crash on it."""
    try:
        scanned = sparql_scan.scan(text)
    except sparql_scan.ScanError as exc:
        raise HttpError(400, str(exc)) from None
    if scanned.nesting > max_nesting:
        raise HttpError(400, f"braces, parentheses and brackets nest {scanned.nesting} deep; this endpoint "
                                 f"accepts at most {max_nesting} levels")
    return scanned


def check_remote_calls(scanned: sparql_scan.Scan, allowlist: tuple[str, ...]) -> None:
    """Refuse SERVICE and LOAD unless their IRI is allow-listed: the server must not fetch URLs for anyone."""
    for target in scanned.remote_targets():
        if target is None:
            raise HttpError(400, "SERVICE/LOAD must name an allow-listed endpoint with a full <IRI>")
        if target not in allowlist:
            raise HttpError(400, f"SERVICE/LOAD to <{target}> is not allowed on this endpoint"
                                     + (" (allowed: " + ", ".join(allowlist) + ")" if allowlist
                                        else " (federated queries are off)"))


def build_job(op: Operation, scanned: sparql_scan.Scan, request: Request) -> Job:
    settings = request.app.state.settings
    base = settings.public_url("/sparql")
    for iri in op.default_graphs + op.named_graphs:
        if not sparql_scan.is_iri(iri):
            raise HttpError(400, f"graph parameter is not an absolute IRI: {iri!r}")
    check_remote_calls(scanned, settings.service_allowlist)
    if op.update:
        if not settings.update_token:
            raise HttpError(403, "SPARQL Update is disabled on this endpoint")
        if request.headers.get("authorization", "") != f"Bearer {settings.update_token}":
            raise HttpError(401, "SPARQL Update needs the operator's bearer token")
        text = op.text
        if op.default_graphs or op.named_graphs:
            if scanned.has_own_dataset():
                raise HttpError(400, "using-graph-uri/using-named-graph-uri cannot be combined "
                                         "with USING or WITH in the update")
            text = scanned.add_using(op.default_graphs, op.named_graphs)
        return Job(text, update=True, base_iri=base)
    chosen = result_formats.requested([value for name in FORMAT_PARAMS for value in op.params.get(name, [])])
    protocol_dataset = bool(op.default_graphs or op.named_graphs)
    union = not protocol_dataset and not scanned.has_dataset_clause()
    # a format asked for by parameter wins over Accept; the query's kind picks among what it names
    accept = ", ".join(chosen) if chosen else request.headers.get("accept")
    return Job(op.text, accept=accept,
               default_graphs=op.default_graphs if protocol_dataset else None,
               named_graphs=op.named_graphs if protocol_dataset else None,
               union_default_graph=union, base_iri=base)


def describe_service(request: Request) -> Response:
    """A bare GET: the query page for browsers, the Service Description for RDF clients."""
    settings = request.app.state.settings
    accept = request.headers.get("accept")
    endpoint = settings.public_url("/sparql")
    rdf_types = formats.offers(formats.GRAPH)
    html = formats.HTML.media_type
    media = html if explicitly_wants(accept, html, rdf_types) else negotiate(accept, rdf_types)
    if media is None and negotiate(accept, [html]):
        media = html
    if media is None:
        raise HttpError(406, "the service description is available as: " + ", ".join(rdf_types))
    if media == html:
        return http.send(request, render_page(endpoint).encode("utf-8"), html)
    body = service_description.serialize(endpoint, media, update=bool(settings.update_token),
                                         federated=bool(settings.service_allowlist))
    return http.send(request, body, media, {"Vary": "Accept"})


@router.api_route("/sparql", methods=["GET", "HEAD", "POST"], include_in_schema=False)
@router.api_route("/sparql/", methods=["GET", "HEAD", "POST"], include_in_schema=False)   # (`Lane` takes these)
async def sparql(request: Request) -> Response:
    """SPARQL 1.1 Protocol: GET, POST form, POST direct; results negotiated with Accept (or `format=`,
    `output=`, `results=`)."""
    settings = request.app.state.settings
    op = await read_operation(request, settings.max_query_length)
    if op.text is None:
        return describe_service(request)
    accept = request.headers.get("accept")
    if (request.method == "GET" and not op.update and not any(name in op.params for name in FORMAT_PARAMS)
            and explicitly_wants(accept, formats.HTML.media_type, result_formats.offers("solutions"))):
        page = render_page(settings.public_url("/sparql"), op.text)
        return http.send(request, page.encode("utf-8"), formats.HTML.media_type)
    if len(op.text) <= INLINE_SCAN:
        scanned = scan(op.text, settings.max_nesting)
    else:
        scanned = await anyio.to_thread.run_sync(scan, op.text, settings.max_nesting)
    job = build_job(op, scanned, request)
    pool: QueryPool = request.app.state.query_pool
    try:
        outcome = await pool.run(job)
    except Saturated:
        raise HttpError(503, "all query workers are busy, retry shortly", {"Retry-After": http.RETRY_AFTER}) from None
    except QueryTimeout:
        raise HttpError(504, f"the query ran past the {settings.query_timeout:g} s time limit and was stopped") from None
    except WorkerFailed as exc:
        raise HttpError(500, f"the query could not be run: {exc}") from None
    if outcome.status >= 300:
        raise HttpError(outcome.status, outcome.message or "error")
    if outcome.status == 204:   # an update: nothing to send
        return Response(status_code=204)
    headers = {"Vary": "Accept"}
    if outcome.body is not None:   # the whole result, in one message from its worker
        headers["Content-Length"] = str(len(outcome.body))
        return Response(None if request.method == "HEAD" else outcome.body, status_code=outcome.status,
                        headers=headers, media_type=formats.content_type(outcome.media_type))
    assert outcome.chunks is not None
    if request.method == "HEAD":
        async for _ in outcome.chunks:   # run to the end so the worker is free again
            pass
        return Response(status_code=outcome.status, headers=headers,
                        media_type=formats.content_type(outcome.media_type))
    return ResultsResponse(outcome.chunks, status_code=outcome.status, headers=headers,
                           media_type=formats.content_type(outcome.media_type))


#: The methods and paths of the endpoint (`Lane` takes them; the routes above answer 405 to the others).
METHODS, PATHS = ("GET", "HEAD", "POST"), ("/sparql", "/sparql/")


async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """`sparql` as a plain ASGI app, its errors answered by the app's one error form (`http.error_response`)."""
    request = Request(scope, receive)
    try:
        response = await sparql(request)
    except HttpError as exc:
        response = http.error_response(request, exc.status, exc.detail, exc.headers)
    await response(scope, receive, send)


class Lane:
    """ASGI middleware: a SPARQL request goes straight to `endpoint`, skipping the routing and FastAPI's
    per-request work (dependency solving, exception and exit-stack layers): a tenth of a small query's
    time in the app. Added inside the security-header and CORS layers, so its answers carry them too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in PATHS and scope["method"] in METHODS:
            await endpoint(scope, receive, send)
        else:
            await self.app(scope, receive, send)
