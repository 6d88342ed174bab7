"""What search engines read: `/robots.txt` (read with Python's own robots.txt parser, as crawlers
do) and the sitemap index with its sitemaps, checked against the sitemap protocol's rules (its XML
namespace, at most 50,000 URLs a file, absolute URLs under the public base, W3C dates), listing every
dataset of the catalog and every entity page; expected pages come from SPARQL on the served store.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.robotparser import RobotFileParser

import pytest
from fastapi.testclient import TestClient

from graph_service.web.app import create_app

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
LIMIT = 50_000   # URLs per sitemap file (sitemaps.org protocol)


@pytest.fixture(scope="module")
def client(built, settings) -> TestClient:
    return TestClient(create_app(settings))


def xml(client: TestClient, url: str, base: str) -> ET.Element:
    assert url.startswith(base + "/"), url
    response = client.get(url[len(base):])
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


@pytest.fixture(scope="module")
def sitemaps(client, settings) -> list[ET.Element]:
    """The sitemap files the index lists, in its order."""
    index = xml(client, settings.public_url("/sitemap.xml"), settings.base)
    assert index.tag == f"{NS}sitemapindex"
    return [xml(client, entry.findtext(f"{NS}loc"), settings.base) for entry in index.findall(f"{NS}sitemap")]


def test_robots_allows_the_pages_and_points_to_the_sitemap(client, settings):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    robots = RobotFileParser()
    robots.parse(response.text.splitlines())
    base = settings.base
    assert robots.site_maps() == [f"{base}/sitemap.xml"]
    for allowed in ("/", "/id/commune/83137", "/id/commune/83137.html", "/catalog", "/sitemap/1.xml"):
        assert robots.can_fetch("Googlebot", base + allowed), allowed
    for refused in ("/sparql", "/sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D", "/api/datasets?q=budget",
                    "/api/communes/83137"):
        assert not robots.can_fetch("Googlebot", base + refused), refused


def test_sitemaps_follow_the_protocol(client, settings, store, sitemaps):
    made = store.version()[1]
    index = ET.fromstring(client.get("/sitemap.xml").content)
    assert [e.findtext(f"{NS}lastmod") for e in index] == [made.isoformat(timespec="seconds")] * len(sitemaps)
    counts = [len(s.findall(f"{NS}url")) for s in sitemaps]
    assert all(s.tag == f"{NS}urlset" and len(s) == n for s, n in zip(sitemaps, counts))   # nothing but <url>
    assert len(sitemaps) == math.ceil(sum(counts) / LIMIT) > 1      # the full graph needs several files
    assert counts[:-1] == [LIMIT] * (len(counts) - 1) and 0 < counts[-1] <= LIMIT
    for sitemap in sitemaps:
        for url in sitemap:
            loc = url.findtext(f"{NS}loc")
            assert loc.startswith(settings.base + "/id/") and len(loc) < 2048, loc
            assert datetime.fromisoformat(url.findtext(f"{NS}lastmod")) == made
    past = len(sitemaps) + 1
    assert client.get(f"/sitemap/{past}.xml").status_code == 404 and client.get("/sitemap/0.xml").status_code == 404


def test_sitemaps_list_every_dataset_and_entity_page_once(client, settings, store, sitemaps):
    locs = [url.findtext(f"{NS}loc") for sitemap in sitemaps for url in sitemap]
    assert len(locs) == len(set(locs))
    listed = set(locs)
    datasets = [r["d"] for r in store.select("SELECT ?d WHERE { ?c a <http://www.w3.org/ns/dcat#Catalog> ; "
                                             "<http://www.w3.org/ns/dcat#dataset> ?d }")]
    assert len(datasets) == 678 and {f"{d}.html" for d in datasets} <= listed
    toulon = f"{settings.base}/id/commune/83137.html"
    assert toulon in listed
    page = client.get(toulon[len(settings.base):], headers={"Accept": "*/*"})   # a crawler's Accept
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    typed = {r["s"] for r in store.select("SELECT DISTINCT ?s WHERE { ?s a ?t }")
             if r["s"].startswith(settings.base + "/id/") and "#" not in r["s"]}
    assert listed == {f"{s}.html" for s in typed}
