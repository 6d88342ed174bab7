"""`/docs` (Swagger UI) and `/redoc` (ReDoc): the interactive API documentation, with its assets served from
here (graph_service/web/docs.py; the app mounts them), or a 503 saying how to install them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from graph_service.web import docs, formats, http

router = APIRouter()


def page(request: Request, asset: str, body: bytes) -> Response:
    if not docs.installed(asset):
        raise http.HttpError(503, docs.MISSING)
    return http.send(request, body, formats.HTML.media_type)


@router.api_route("/docs", methods=["GET", "HEAD"], include_in_schema=False)
def swagger_ui(request: Request) -> Response:
    return page(request, docs.SWAGGER_JS, docs.swagger_page())


@router.api_route("/redoc", methods=["GET", "HEAD"], include_in_schema=False)
def redoc(request: Request) -> Response:
    return page(request, docs.REDOC_JS, docs.redoc_page())
