"""Security headers on every response: what a browser may load or run for our pages, and how.

Our pages load nothing from elsewhere: one inline stylesheet (graph_service/web/html/layout.py), the
search box's script (served from here), and on the query page one script (graph_service/web/html/sparql.py).
Inline ones are constants, so the Content-Security-Policy allows exactly them by their SHA-256 hash: no
`'unsafe-inline'` for scripts, and an injected `<script>` would not run. /docs and /redoc load Swagger UI and
ReDoc from here too (graph_service/web/docs.py); their inline start-up scripts are allowed by hash, and
their styles inline (both libraries write `<style>` elements as they render).
"""

from __future__ import annotations

import base64
import hashlib

from starlette.types import Scope

from graph_service.web import docs
from graph_service.web.html import layout as html
from graph_service.web.html import sparql as sparql_page


def source_hash(text: str) -> str:
    """The CSP source expression that allows the inline element whose content is `text`."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def policy(*directives: str) -> str:
    return "; ".join(directives)


PAGES_POLICY = policy(
    "default-src 'self'",
    f"script-src 'self' {source_hash(sparql_page.SCRIPT)}",
    f"style-src 'self' {source_hash(html.CSS)}",
    "img-src 'self' data:", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'")

DOCS_POLICY = policy(
    "default-src 'self'",
    "script-src 'self' " + " ".join(source_hash(s) for s in docs.inline_scripts()),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:", "worker-src 'self' blob:",
    "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'")
#: The interactive documentation of the API (Swagger UI, ReDoc).
DOCS_PATHS = ("/docs", "/redoc")

ALWAYS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin",
          "X-Frame-Options": "DENY"}


def headers(scope: Scope) -> dict[str, str]:
    """The security headers of a response to a request for `scope`'s path."""
    return {**ALWAYS, "Content-Security-Policy": DOCS_POLICY if scope["path"] in DOCS_PATHS else PAGES_POLICY}
