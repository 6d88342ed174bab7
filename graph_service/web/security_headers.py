"""Security headers on every response: what a browser may load or run for our pages, and how.

Our pages load nothing from elsewhere: one inline stylesheet (graph_service/web/html/layout.py), and
on the query page one script (graph_service/web/html/sparql.py). They are constants, so
the Content-Security-Policy allows exactly them by their SHA-256 hash: no `'unsafe-inline'`, and
an injected `<script>` would not run. FastAPI's /docs and /redoc pages load Swagger UI and ReDoc
from a CDN with inline code: those paths get a policy that allows what they load, until the
assets are served from here.
"""

from __future__ import annotations

import base64
import hashlib

from starlette.types import Scope

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

CDN, FONTS = "https://cdn.jsdelivr.net", "https://fonts.googleapis.com"
DOCS_POLICY = policy(
    "default-src 'self'",
    f"script-src 'self' 'unsafe-inline' {CDN}",
    f"style-src 'self' 'unsafe-inline' {CDN} {FONTS}",
    "font-src 'self' https://fonts.gstatic.com", "img-src 'self' data: https:", "worker-src 'self' blob:",
    "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'")
#: FastAPI's interactive documentation (Swagger UI, ReDoc), built from CDN assets.
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")

ALWAYS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin",
          "X-Frame-Options": "DENY"}


def headers(scope: Scope) -> dict[str, str]:
    """The security headers of a response to a request for `scope`'s path."""
    return {**ALWAYS, "Content-Security-Policy": DOCS_POLICY if scope["path"] in DOCS_PATHS else PAGES_POLICY}
