"""CORS for open data: any web page may read every response (YASGUI, notebooks, dashboards).

The service is read-only and uses no cookies, so `Access-Control-Allow-Origin: *` goes on every
response whatever the request: it never depends on `Origin`, so no `Vary: Origin` is needed and
the `Vary: Accept` of negotiated resources stays exact. The operator-only `Authorization` header
(update token) is not allowed cross-origin.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import Scope

METHODS = ("GET", "HEAD", "POST")
REQUEST_HEADERS = ("accept", "content-type", "if-none-match", "if-modified-since")
ALWAYS = {"Access-Control-Allow-Origin": "*",
          "Access-Control-Expose-Headers": "ETag, Last-Modified, Content-Location, Link, Retry-After"}


def headers(scope: Scope) -> dict[str, str]:
    """The CORS headers of every response: the same whatever the request (so no `Vary: Origin`)."""
    return ALWAYS


def preflight_answer(scope: Scope) -> PlainTextResponse | None:
    """The answer to a CORS preflight request; None for any other request."""
    headers = Headers(scope=scope)
    if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
        return preflight(headers)
    return None


def preflight(headers: Headers) -> PlainTextResponse:
    """200 when the method and every requested header are allowed, else 400 saying which is not."""
    asked = [h.strip().lower() for h in headers.get("access-control-request-headers", "").split(",") if h.strip()]
    refused = [h for h in asked if h not in REQUEST_HEADERS]
    if headers["access-control-request-method"] not in METHODS:
        refused.insert(0, f"method {headers['access-control-request-method']}")
    allow = {**ALWAYS, "Access-Control-Allow-Methods": ", ".join(METHODS),
             "Access-Control-Allow-Headers": ", ".join(REQUEST_HEADERS), "Access-Control-Max-Age": "600"}
    if refused:
        return PlainTextResponse(f"CORS: not allowed: {', '.join(refused)}", status_code=400, headers=allow)
    return PlainTextResponse("OK", headers=allow)
