"""`POST /names`: the names of a list of IRIs (one per line in a text/plain body), as a JSON object IRI -> name,
by the one label policy (documents/labels.py). The query page names the IRIs of its results with it; at most
`MAX_IRIS` IRIs, each an http(s) IRI (written into SPARQL only through `sparql_values`).
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from graph_service.web import deps, http
from graph_service.web.documents.labels import best_labels

router = APIRouter()
MAX_IRIS = 1000
MAX_BYTES = 1_000_000


@router.post("/names", tags=["pages"])
async def names(request: Request) -> Response:
    """The best name of each IRI of the body that has one."""
    body = await request.body()
    if len(body) > MAX_BYTES:
        raise http.HttpError(413, f"au plus {MAX_BYTES} octets")
    try:
        lines = [line.strip() for line in body.decode("utf-8").splitlines() if line.strip()]
    except UnicodeDecodeError:
        raise http.HttpError(400, "le corps doit être du texte UTF-8 : une IRI par ligne") from None
    if len(lines) > MAX_IRIS:
        raise http.HttpError(413, f"au plus {MAX_IRIS} IRI")
    iris = [line for line in lines if line.startswith(("http://", "https://")) and len(line) < 2000]
    found = best_labels(deps.open_store(request), iris) if iris else {}
    return Response(json.dumps(found, ensure_ascii=False), media_type="application/json")
