"""Search by name or code: `/search?q=` (the results page) and `/assets/search.js` (the search box's script,
which asks `/api/search` for suggestions). Both read the index the build wrote beside the graph
(graph_service/search.py) through documents/search.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from graph_service import search as index
from graph_service.web import deps, formats, http
from graph_service.web.documents.search import find
from graph_service.web.html import search as page

router = APIRouter()
JAVASCRIPT = "text/javascript; charset=utf-8"


@router.api_route("/search", methods=["GET", "HEAD"], tags=["pages"])
def search_page(request: Request, q: str = "") -> Response:
    """The results page of the search box."""
    http.query_params(request)
    if len(q) > index.MAX_TEXT:
        raise http.HttpError(400, f"q: at most {index.MAX_TEXT} characters")
    hits = find(deps.open_store(request), q, index.MAX_LIMIT) if q.strip() else []
    return http.send(request, page.render(q, hits).encode("utf-8"), formats.HTML.media_type)


@router.api_route(page.SCRIPT_PATH, methods=["GET", "HEAD"], include_in_schema=False)
def script(request: Request) -> Response:
    return http.send(request, page.SCRIPT.encode("utf-8"), JAVASCRIPT)
