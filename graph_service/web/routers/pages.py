"""`/`: the landing page (what is here, where to start), and `/lookup`: a code typed in its form
leads to the entity's page (303 to `/id/{kind}/{code}`), or to the search page when the graph has no such
entity (a name typed instead of a code: "Toulon").
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from mappings.iri import KINDS

from graph_service.web import deps, formats, http, page_cache
from graph_service.web.conneg import explicitly_wants
from graph_service.web.documents.void import VOID_PATH
from graph_service.web.html import landing

router = APIRouter()
#: Kinds whose codes people write in groups of digits ("329 338 883").
SPACED_CODES = ("entreprise", "etablissement")


@router.api_route("/", methods=["GET", "HEAD"], tags=["pages"])
def home(request: Request) -> Response:
    """The landing page; RDF clients are sent to the VoID description."""
    accept = request.headers.get("accept")
    if (not explicitly_wants(accept, formats.HTML.media_type, formats.DOCUMENT_TYPES)
            and any(t in (accept or "") for t in formats.DOCUMENT_TYPES)):
        return RedirectResponse(VOID_PATH, status_code=303)
    store, base = deps.open_store(request), deps.settings(request).base
    html = formats.HTML.media_type
    made = page_cache.answer(store, ("home", base), lambda: page_cache.Answer(
        landing.render(store, base).encode("utf-8"), html, {}, http.version(store, "/", html)))
    return http.send(request, made.body, made.media_type, made.headers, made.version)


@router.get("/lookup", tags=["pages"])
def lookup(request: Request, kind: str = "", code: str = "") -> Response:
    """The entity page of a code typed in the landing page's form (303), or 400 naming the problem."""
    http.query_params(request)   # each given once
    code = code.strip()
    if kind not in KINDS:
        raise http.HttpError(400, f"kind {kind!r} is not one of: {', '.join(sorted(KINDS))}")
    if not code:
        raise http.HttpError(400, "code: give the code of the entity")
    if kind in SPACED_CODES:
        code = "".join(code.split())
    minter = deps.minter(request)
    # the key is percent-encoded by the minter (unreserved characters and %XX only): safe inside <...>
    if not deps.open_store(request).ask(f"ASK {{ {minter.entity(kind, code)} ?p ?o }}"):
        return RedirectResponse(deps.settings(request).public_url("/search?" + urlencode({"q": code})), status_code=303)
    return RedirectResponse(minter.entity_iri(kind, code), status_code=303)
