"""`/tables/{table}/id/{kind}/{key}`: a table of the things related to an entity (documents/tables.py), as its own
HTML page (sorted, paged: `?sort=column&order=asc|desc&page=N`), or the whole list downloaded: `.csv` (French
spreadsheet: `;`, UTF-8 with BOM, `?decimal=comma` for a decimal comma) or `.json` (with `?page=`, one page and
its Hydra view). `/assets/tables.js` is the script that sorts a table in place.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from graph_service.web import deps, formats, http
from graph_service.web.bounds import MAX_PAGE, whole_number
from graph_service.web.documents import entity as ed
from graph_service.web.documents import paging as hydra
from graph_service.web.documents import tables as td
from graph_service.web.documents.labels import best_labels
from graph_service.web.html import tables as page

router = APIRouter()
JAVASCRIPT = "text/javascript; charset=utf-8"
PARAMS = ("sort", "order", "page", "decimal")


@router.api_route("/tables/{name}/id/{kind}/{key:path}", methods=["GET", "HEAD"], tags=["pages"])
def table(request: Request, name: str, kind: str, key: str) -> Response:
    """One table of an entity: HTML page, CSV or JSON by the extension."""
    params = http.query_params(request)
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        raise http.HttpError(400, f"paramètre inconnu : {unknown[0]} (attendus : {', '.join(PARAMS)})")
    ext = next((e for e in formats.TABLE_FORMATS if key.endswith("." + e)), None)
    entity_path = f"/id/{kind}/{key[:-len(ext) - 1] if ext else key}"
    chosen = formats.TABLE_FORMATS[ext or "html"]
    store = deps.open_store(request)
    found = next((c for c in ed.candidates(entity_path, deps.minter(request), set())
                  if c.canonical and ed.exists(store, c.iri)), None)
    spec = td.find(found.kind, name) if found else None
    if found is None or spec is None:
        raise http.HttpError(404, f"pas de tableau {name!r} pour {entity_path}")
    sort = params.get("sort")
    if sort is not None and spec.column(sort) is None:
        raise http.HttpError(400, f"sort : une colonne parmi {', '.join(c.key for c in spec.columns)}")
    order = params.get("order")
    if order not in (None, "asc", "desc"):
        raise http.HttpError(400, "order : asc ou desc")
    decimal = params.get("decimal", "point")
    if decimal not in ("point", "comma"):
        raise http.HttpError(400, "decimal : point ou comma")
    try:
        number = whole_number(params["page"], 1, MAX_PAGE) if "page" in params else None
    except ValueError as exc:
        raise http.HttpError(400, f"page : {exc}") from None
    descending = None if order is None else order == "desc"
    whole = chosen is not formats.HTML and number is None   # a download: every row
    view = td.view(store, spec, found.iri, sort, descending, 0 if whole else number or 1)
    if view.page > view.last:
        raise http.HttpError(404, f"page {view.page} après la dernière ({view.last})")
    fetched = hydra.fetched_url(deps.settings(request).public_url(request.url.path), request.url.query)

    def url(n: int) -> str:
        return deps.settings(request).public_url(request.url.path) + page.query(view.sort, view.descending, n) \
            + ("&page=1" if n == 1 and chosen is not formats.HTML else "")

    def body() -> bytes:
        if chosen.media_type == "text/csv":
            return td.to_csv(view, decimal_comma=decimal == "comma")
        if chosen is formats.HTML:
            title = best_labels(store, [found.iri]).get(found.iri) or found.iri.rsplit("/", 1)[-1]
            return page.page(view, found.iri, title).encode("utf-8")
        return td.to_json(view, url, fetched)

    headers = {}
    if chosen.media_type == "text/csv":
        filename = f"{spec.name}-{found.kind}-{found.keys[-1]}.csv"
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return http.send(request, body, chosen.media_type, headers,
                     http.version(store, request.url.path, request.url.query, chosen.media_type))


@router.api_route(page.SCRIPT_PATH, methods=["GET", "HEAD"], include_in_schema=False)
def script(request: Request) -> Response:
    return http.send(request, page.SCRIPT.encode("utf-8"), JAVASCRIPT)
