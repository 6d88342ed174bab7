"""The interactive API documentation (`/docs`: Swagger UI, `/redoc`: ReDoc), served with its assets from
here, so that it works offline and the Content-Security-Policy names no CDN.

The assets are the npm packages `swagger-ui-dist` and `redoc`, installed at set-up (`make assets`, pinned
by graph_service/web/assets/package-lock.json, never committed) into graph_service/web/assets/node_modules.
An installed wheel has no node_modules: the pages then say how to get them (503), they do not fail.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html

ASSETS = Path(__file__).resolve().parent / "assets" / "node_modules"
#: URL prefix -> folder of the installed package whose files it serves.
MOUNTS = {"/assets/swagger-ui": ASSETS / "swagger-ui-dist", "/assets/redoc": ASSETS / "redoc" / "bundles"}
SWAGGER_JS, SWAGGER_CSS = "/assets/swagger-ui/swagger-ui-bundle.js", "/assets/swagger-ui/swagger-ui.css"
FAVICON = "/assets/swagger-ui/favicon-32x32.png"
REDOC_JS = "/assets/redoc/redoc.standalone.js"
OPENAPI = "/openapi.json"
TITLE = "bercy-graph — API"
MISSING = ("La documentation interactive de l'API a besoin de Swagger UI et ReDoc, installés par `make assets` "
           "(npm) ; ils manquent ici. La description OpenAPI reste à /openapi.json.")


def installed(url: str) -> bool:
    """Whether the asset at `url` (one of ours under `MOUNTS`) is on disk."""
    prefix, _, name = url.rpartition("/")
    return (MOUNTS[prefix] / name).is_file()


def swagger_page() -> bytes:
    # validatorUrl null: Swagger UI would otherwise send the API description to an online validator
    return get_swagger_ui_html(openapi_url=OPENAPI, title=TITLE, swagger_js_url=SWAGGER_JS,
                               swagger_css_url=SWAGGER_CSS, swagger_favicon_url=FAVICON,
                               swagger_ui_parameters={"validatorUrl": None}).body


def redoc_page() -> bytes:
    return get_redoc_html(openapi_url=OPENAPI, title=TITLE, redoc_js_url=REDOC_JS, redoc_favicon_url=FAVICON,
                          with_google_fonts=False).body


def inline_scripts() -> list[str]:
    """The inline scripts of both pages (constants: the CSP allows them by their hash)."""
    pattern = re.compile(r"<script>(.*?)</script>", re.S)
    return [m for page in (swagger_page(), redoc_page()) for m in pattern.findall(page.decode("utf-8"))]
