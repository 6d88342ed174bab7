"""The JSON form of the web's one error (`graph_service.web.http.HttpError`): RFC 9457 problem details.

`http.error_response` sends it for every error under /api; `ERRORS` declares it in the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

PROBLEM = "application/problem+json"


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": Problem, "content": {PROBLEM: {}}, "description": "Bad parameter (400) or unknown entity (404)"},
    503: {"model": Problem, "content": {PROBLEM: {}}, "description": "No graph has been built yet"},
}


def problem(request: Request, status: int, detail: str, headers: Mapping[str, str] | None = None) -> Response:
    """The problem document; `instance` is the request's URL under the public base (as `next` links)."""
    query = f"?{request.url.query}" if request.url.query else ""
    instance = request.app.state.settings.public_url(request.url.path + query)
    body = Problem(title=HTTPStatus(status).phrase, status=status, detail=detail, instance=instance)
    return JSONResponse(body.model_dump(), status_code=status, media_type=PROBLEM, headers=headers)
