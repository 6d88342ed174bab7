"""What search engines read: `/robots.txt`, and the sitemap of every entity page we serve (datasets,
communes, companies, contracts...), so that a citizen searching for a commune or a dataset lands on it.

The sitemap protocol (sitemaps.org 0.9) allows 50,000 URLs per file: `/sitemap.xml` is a sitemap index
of `/sitemap/1.xml` ... `/sitemap/N.xml`, each listing up to `MAX_URLS` pages. The pages are the
entity IRIs the build minted (`{base}/id/{kind}/{key}`) with `.html`, the URL that answers HTML
whatever a crawler's Accept header says. Every URL comes from the configured public base, and
`lastmod` is the build's time: the store changes only when a build is swapped in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from xml.sax.saxutils import escape

from mappings.iri import KINDS, Minter

from graph_service.store import GraphStore
from graph_service.web.documents import paging

NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: The protocol's limit of URLs per sitemap file.
MAX_URLS = 50_000
SITEMAP_PATH = "/sitemap.xml"
#: What crawlers must not walk: query URLs (every query string is another URL, and each costs a query).
DISALLOWED = ("/sparql", "/api")

#: Every typed subject: each entity we mint has a type. Filtering the base in Python is 4x faster than
#: STRSTARTS in the query (Oxigraph would build the string of each of the graph's ~1M subjects).
SUBJECTS = "SELECT DISTINCT ?s WHERE { ?s a ?type }"


def entity_pages(store: GraphStore, minter: Minter) -> list[str]:
    """The HTML URL of every entity under our base (hash IRIs are parts of their document), sorted."""
    pages = []
    for row in store.select(SUBJECTS):
        subject = row["s"]
        if subject.startswith(minter.base) and "#" not in subject:
            parsed = minter.parse(subject)
            if parsed is not None and parsed.kind in KINDS:
                pages.append(subject + ".html")
    return sorted(pages)


def last_sitemap(count: int) -> int:
    """How many sitemap files `count` pages need."""
    return paging.last_page(count, MAX_URLS)


def _lastmod(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")   # W3C Datetime, with its zone


def index(count: int, public_url: Callable[[str], str], made: datetime) -> bytes:
    """The sitemap index: one `<sitemap>` per file of at most `MAX_URLS` pages (`public_url(path)`)."""
    entries = "".join(f"<sitemap><loc>{escape(public_url(f'/sitemap/{n}.xml'))}</loc>"
                      f"<lastmod>{_lastmod(made)}</lastmod></sitemap>\n" for n in range(1, last_sitemap(count) + 1))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{NAMESPACE}">\n{entries}'
            "</sitemapindex>\n").encode()


def urlset(pages: list[str], number: int, made: datetime) -> bytes:
    """Sitemap file `number` (from 1): its slice of the pages."""
    entries = "".join(f"<url><loc>{escape(url)}</loc><lastmod>{_lastmod(made)}</lastmod></url>\n"
                      for url in paging.page_of(pages, number, MAX_URLS))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NAMESPACE}">\n{entries}</urlset>\n'.encode()


def robots(public_url: Callable[[str], str]) -> str:
    """robots.txt: crawl the pages, not the query services; where the sitemap is. The refusals come first:
    some parsers (Python's) take the first rule that matches, others (Google's) the longest."""
    disallow = "".join(f"Disallow: {path}\n" for path in DISALLOWED)
    return f"User-agent: *\n{disallow}Allow: /\n\nSitemap: {public_url(SITEMAP_PATH)}\n"
