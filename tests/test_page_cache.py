"""Pages rendered once per build (graph_service/web/page_cache.py): an LRU bounded by bytes, one maker
per key, errors never kept; over HTTP, a cached page and its 304 are answered without touching the
store, and the figures (medians, VoID, sitemap) share the one cache.
"""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from graph_service.store import GraphStore
from graph_service.web import page_cache
from graph_service.web.app import create_app
from graph_service.web.page_cache import PageCache

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TOULON = "/id/commune/83137"


def test_the_least_recently_used_entries_leave_first_when_the_bytes_run_out():
    cache = PageCache(max_bytes=100)
    cache.put("a", "A", 40)
    cache.put("b", "B", 40)
    assert cache.get("a") == "A"          # a is now the most recently used
    cache.put("c", "C", 40)               # 120 > 100: b (least recently used) goes
    assert cache.get("b") is None and cache.get("a") == "A" and cache.get("c") == "C"
    assert cache.bytes == 80 and len(cache) == 2
    cache.put("huge", "H", 101)           # bigger than the whole cache: not kept, nothing evicted
    assert cache.get("huge") is None and len(cache) == 2
    cache.resize(50)
    assert cache.bytes <= 50 and cache.get("c") == "C"


def test_fifty_readers_of_a_cold_page_wait_for_one_rendering():
    cache = PageCache()
    calls = []

    def render() -> bytes:
        calls.append(1)
        time.sleep(0.2)
        return b"page"

    got = []
    threads = [threading.Thread(target=lambda: got.append(cache.get_or_make("k", render, len))) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [b"page"] * 50 and len(calls) == 1


def test_an_error_is_not_kept():
    cache = PageCache()
    attempts = []

    def failing() -> bytes:
        attempts.append(1)
        raise LookupError("no such entity")

    for _ in range(2):
        with pytest.raises(LookupError):
            cache.get_or_make("k", failing, len)
    assert len(attempts) == 2 and cache.get("k") is None


@pytest.fixture(scope="module")
def client(built, settings) -> TestClient:
    return TestClient(create_app(settings))


@pytest.fixture
def store_refused(monkeypatch):
    """Every query of the app's store fails from now on: what is answered was not queried."""
    def refuse(*args, **kwargs):
        raise AssertionError("the store was queried")

    for name in ("select", "ask", "construct", "query", "named_graphs"):
        monkeypatch.setattr(GraphStore, name, refuse)


@pytest.mark.parametrize("path, accept", [(TOULON, BROWSER), (f"{TOULON}.ttl", "*/*"), ("/catalog?page=2", BROWSER),
                                          ("/catalog.ttl?page=2", "*/*"), ("/", BROWSER),
                                          ("/.well-known/void.nt", "*/*")])
def test_a_page_is_made_once_per_build_then_served_and_revalidated_without_a_query(client, path, accept, request):
    first = client.get(path, headers={"Accept": accept})
    assert first.status_code == 200 and first.headers["etag"]
    request.getfixturevalue("store_refused")
    again = client.get(path, headers={"Accept": accept})
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    revalidated = client.get(path, headers={"Accept": accept, "If-None-Match": first.headers["etag"]})
    assert revalidated.status_code == 304 and revalidated.content == b""
    head = client.head(path, headers={"Accept": accept})
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(first.content))


#: the Accept headers two browsers send for a page (Chromium 120, Firefox 120)
BROWSERS = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
            "application/signed-exchange;v=b3;q=0.7",
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8")


def test_browsers_with_different_accept_headers_share_one_rendering(client, request):
    """A page is rendered once per format, not once per Accept header: the cache is keyed on the format
    the header chooses."""
    first = client.get(f"{TOULON}?page=2", headers={"Accept": BROWSERS[0]})
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/html")
    request.getfixturevalue("store_refused")
    other = client.get(f"{TOULON}?page=2", headers={"Accept": BROWSERS[1]})
    assert other.status_code == 200 and other.content == first.content
    with pytest.raises(AssertionError, match="the store was queried"):   # another format: its own rendering
        client.get(f"{TOULON}?page=2", headers={"Accept": "text/html;q=0.5, text/turtle"})


def test_errors_are_answered_afresh_and_a_new_build_is_a_new_entry(client, store, settings):
    assert client.get("/id/commune/99999", headers={"Accept": BROWSER}).status_code == 404
    assert client.get(f"{TOULON}?page=0", headers={"Accept": BROWSER}).status_code == 400
    keys = [k for k in page_cache.PAGES._items if k[0] == str(store.path)]
    assert keys and all(k[0] == str(store.path) for k in keys)   # every entry names its build's store
    assert not any("99999" in str(k) for k in keys)               # the 404 was not kept


def test_what_a_commune_s_pages_share_is_read_once_per_build_in_the_same_cache(client, store):
    """Its medians, the links to it, its sales table and its sales' points: computed once for every page,
    format and language of it, bounded with the pages."""
    from graph_service.web.documents import entity, figures, geo, tables

    toulon = f"{store_base(store)}/id/commune/83137"
    for key, read in ((("medians", toulon), lambda: figures.median_prices(store, toulon)),
                      (("incoming", toulon), lambda: entity.incoming(store, toulon)),
                      (("table", "ventes", toulon), lambda: tables.rows(store, tables.SALES, toulon)),
                      (("sale points", toulon), lambda: geo.sale_points(store, toulon))):
        first = read()
        assert first and (str(store.path), *key) in page_cache.PAGES._items
        assert read() is first


def store_base(store: GraphStore) -> str:
    """The base the session's build was made under (its communes' IRIs)."""
    row = store.select("SELECT ?c WHERE { ?c <http://rdf.insee.fr/def/geo#codeINSEE> \"83137\" } LIMIT 1")
    return row[0]["c"].rsplit("/id/", 1)[0]
