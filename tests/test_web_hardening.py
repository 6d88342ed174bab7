"""The web layer against a hostile client (issue 7): Host header, security headers, slow clients,
unbounded page and API work, numbers in URLs. Each test replays an attack that worked before."""

from __future__ import annotations

import asyncio
import base64
import csv
import hashlib
import http.client
import io
import json
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import httpx
import pytest
import requests
import uvicorn
from rdflib import Graph

from graph_service.web import deps, security_headers
from graph_service.web.html import sparql as sparql_page
from graph_service.web.app import create_app
from graph_service.web.bounds import MAX_OFFSET
from graph_service.config import Settings
from graph_service.web.api import router as api
from graph_service.web.server import server_config
from tests.serving import free_port, running_server

EVIL = "evil.example"
HEADER_TIMEOUT = 1.0
DEADLINE = 60.0   # generous: a loaded machine may be slow, the assertions are about behaviour


# ------------------------------------------------------------------------------ helpers

def asgi_get(app, path: str, **headers: str) -> httpx.Response:
    """One request to the app in this process (no lifespan: pages and API only, no query workers)."""

    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            return await client.get(path, headers=headers)

    return asyncio.run(get())


def closed_by_server(sock: socket.socket, deadline: float = DEADLINE, drip: bytes = b"") -> bool:
    """Wait (sending `drip` one byte at a time, if given) until the server closes the connection."""
    sock.settimeout(0.2)
    end = time.monotonic() + deadline
    sent = 0
    while time.monotonic() < end:
        try:
            if sent < len(drip):
                sock.sendall(drip[sent:sent + 1])
                sent += 1
            if sock.recv(65536) == b"":
                return True
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


async def echo(scope, receive, send) -> None:
    """A tiny ASGI app: the scheme and client address the server gave the request."""
    if scope["type"] != "http":
        return
    body = f"{scope['scheme']} {scope['client'][0]}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def uvicorn_thread(settings: Settings, app=echo) -> Iterator[str]:
    """Run `server_config(app, settings)` (what `bercy-graph serve` runs) in a thread; yield its URL."""
    port = free_port()
    server = uvicorn.Server(server_config(app, replace(settings, port=port), "warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + DEADLINE
    while not server.started:
        assert thread.is_alive() and time.monotonic() < end, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(DEADLINE)


def connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


# ------------------------------------------------------------------------------ server settings

@pytest.fixture()
def quick(settings) -> Settings:
    return replace(settings, header_timeout=HEADER_TIMEOUT, keep_alive=60.0)


def test_partial_request_line_is_closed_after_the_header_timeout(quick):
    with uvicorn_thread(quick) as url, connect(url) as slow:
        slow.sendall(b"GET / HT")
        assert requests.get(url, timeout=30).text == "http 127.0.0.1"   # others are served meanwhile
        assert closed_by_server(slow)


def test_headers_dripped_byte_by_byte_are_closed_too(quick):
    """Slowloris: each byte resets no clock; the whole header section has `header_timeout` seconds."""
    request = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-a: b\r\n" * 2000
    with uvicorn_thread(quick) as url, connect(url) as slow:
        assert closed_by_server(slow, drip=request)


def test_the_next_request_on_a_kept_alive_connection_has_the_same_timeout(quick):
    with uvicorn_thread(quick) as url, connect(url) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200 OK" in conn.recv(65536)
        conn.sendall(b"GET / HTTP/1.1\r\nHost:")
        assert closed_by_server(conn)


def eventually(status: int, url: str) -> bool:
    """Whether a request to `url` gets `status` before the deadline (polling)."""
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        if requests.get(url, timeout=30).status_code == status:
            return True
        time.sleep(0.1)
    return False


def test_connections_past_the_limit_get_503(settings):
    with uvicorn_thread(replace(settings, max_connections=3)) as url:
        with connect(url), connect(url):   # two idle connections: a third one is the limit
            assert eventually(503, url)
        assert eventually(200, url)


def test_forwarded_headers_count_only_from_configured_proxies(settings):
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    with uvicorn_thread(settings) as url:
        assert requests.get(url, headers=forged, timeout=30).text == "http 127.0.0.1"
    with uvicorn_thread(replace(settings, forwarded_allow_ips=("127.0.0.1",))) as url:
        assert requests.get(url, headers=forged, timeout=30).text == "https 203.0.113.9"


# ------------------------------------------------------------------------------ the real server

@pytest.fixture(scope="module")
def base(built, settings):
    """`bercy-graph serve` with its own URL as public base and a short header timeout."""
    port = free_port()
    mine = replace(settings, base=f"http://127.0.0.1:{port}")
    with running_server(mine, "--header-timeout", str(HEADER_TIMEOUT), port=port) as url:
        yield url


def test_serve_closes_slow_headers(base):
    with connect(base) as slow:
        slow.sendall(b"GET /sparql HTTP/1.1\r\nHost: x\r\n")
        assert requests.get(base + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200
        assert closed_by_server(slow)


def test_host_header_is_never_reflected(base):
    """With `Host: evil.example` nothing we send names evil.example: pages, service description,
    the query's base IRI, redirects, paging links, problem documents."""
    html = {"Host": EVIL, "Accept": "text/html"}
    page = requests.get(base + "/sparql", headers=html, timeout=30)
    assert page.status_code == 200 and EVIL not in page.text
    assert f"<code>{base}/sparql</code>" in page.text
    sd = requests.get(base + "/sparql", headers={"Host": EVIL, "Accept": "application/n-triples"}, timeout=30)
    endpoints = {str(o) for _, p, o in Graph().parse(data=sd.text, format="nt")
                 if str(p).endswith("sparql-service-description#endpoint")}
    assert endpoints == {base + "/sparql"}
    for forged in ({"Host": EVIL}, {"X-Forwarded-Proto": "https", "X-Forwarded-Host": EVIL}):
        r = requests.get(base + "/sparql", params={"query": 'SELECT (IRI("x") AS ?b) {}'},
                         headers={**forged, "Accept": "text/csv"}, timeout=30)
        assert list(csv.reader(io.StringIO(r.text)))[1] == [base + "/x"]
    others = ["/catalog/", "/catalog.ttl?page_size=1", "/api/labels?q=ab&limit=1", "/api/nothing", "/.well-known/void"]
    for path in others:
        r = requests.get(base + path, headers={"Host": EVIL}, allow_redirects=False, timeout=60)
        assert EVIL not in r.text and EVIL not in str(r.headers), path
    redirect = requests.get(base + "/catalog/?page=1", headers={"Host": EVIL}, allow_redirects=False, timeout=30)
    assert redirect.status_code == 307 and redirect.headers["Location"] == base + "/catalog?page=1"


def test_api_urls_with_a_newline_get_a_problem(base):
    host, port = base.removeprefix("http://").split(":")
    for path in ("/api/x%0Ay", "/api/entities/commune/75%0A056", "/api/labels%0A/x"):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        conn.close()
        assert response.status == 404 and response.getheader("Content-Type") == api.PROBLEM, path
        assert b'"status":404' in body


# ------------------------------------------------------------------------------ security headers

def test_security_headers_on_every_response(built, settings):
    app = create_app(settings)
    for path in ("/", "/sparql", "/catalog", "/api/datasets?limit=1", "/api/nothing", "/nothing",
                 "/id/commune/75056", "/id/commune/00000", "/.well-known/void", "/openapi.json"):
        r = asgi_get(app, path, accept="text/html")
        assert r.headers["X-Content-Type-Options"] == "nosniff", path
        assert r.headers["X-Frame-Options"] == "DENY", path
        assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, path
        assert "unsafe-inline" not in csp and "http" not in csp, path
    docs = asgi_get(app, "/docs").headers["Content-Security-Policy"]
    assert docs == security_headers.DOCS_POLICY and "https:" not in docs   # /docs loads its assets from here


def _inline(html: str, tag: str) -> list[str]:
    """The content of each inline <script> (not JSON data) or <style> element."""
    found = re.findall(rf"<{tag}(\s[^>]*)?>(.*?)</{tag}>", html, re.S)
    return [body for attrs, body in found if "src=" not in attrs and "application/json" not in attrs]


def test_inline_code_runs_only_by_hash(built, settings):
    """Every inline script and stylesheet of our pages is allowed by its hash, nothing else inline."""
    app = create_app(settings)
    for path in ("/sparql", "/", "/catalog", "/id/commune/75056"):
        r = asgi_get(app, path, accept="text/html")
        assert r.headers["Content-Type"].startswith("text/html"), path
        allowed = r.headers["Content-Security-Policy"]
        for tag in ("script", "style"):
            for body in _inline(r.text, tag):
                digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
                assert f"'sha256-{digest}'" in allowed, (path, tag)
        assert not re.search(r"<[^>]+\s(on[a-z]+|style)=", r.text), path   # no inline handler or style


def test_query_page_data_cannot_close_its_script(settings):
    page = sparql_page.render_page(settings.public_url("/sparql"), 'SELECT ("</script><script>alert(1)" AS ?x) {}')
    # the page's data block and script, and the header's search box script (src=, served from here)
    assert page.count("<script") == 3 and page.count("</script>") == 3


# ------------------------------------------------------------------------------ result links

LINKS = {"http://example.org/a": True, "HTTPS://example.org/": True, "javascript:alert(1)": False,
         " javascript:alert(1)": False, "java\tscript:alert(1)": False, "JaVaScRiPt:alert(1)": False,
         "data:text/html,<script>alert(1)</script>": False, "vbscript:msgbox": False, "urn:isbn:0451450523": False,
         "mailto:a@example.org": False, "relative/path": False}


def test_result_iris_are_links_only_when_http():
    """The query page turns result IRIs into links: never a `javascript:` (or other non-http) one."""
    assert "term.type === \"uri\" && linkable(term.value)" in sparql_page.SCRIPT
    assert "a.href = term.value" in sparql_page.SCRIPT.split("linkable(term.value)", 1)[1].split("\n", 2)[1]
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the rule's text is checked above")
    program = sparql_page.LINK_RULE + "\nconsole.log(JSON.stringify(JSON.parse(process.argv[1]).map(linkable)));"
    iris = list(LINKS)
    out = subprocess.run([node, "-e", program, json.dumps(iris)], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert dict(zip(iris, json.loads(out))) == LINKS


# ------------------------------------------------------------------------------ bounds of pages and API

def test_offset_and_page_numbers_are_capped(built, settings):
    app = create_app(settings)
    r = asgi_get(app, "/api/labels?q=ab&offset=10000000")
    assert r.status_code == 400 and r.headers["Content-Type"] == api.PROBLEM
    assert str(MAX_OFFSET) in r.json()["detail"]
    assert asgi_get(app, f"/api/labels?q=ab&offset={MAX_OFFSET}").status_code == 200
    for path in ("/catalog?page=" + "9" * 5000, "/id/commune/75056?page=" + "9" * 5000, "/catalog?page=10001"):
        r = asgi_get(app, path)
        assert r.status_code == 400 and "between" in r.text, path
    assert asgi_get(app, "/catalog.ttl?page=" + "0" * 5000 + "1").status_code == 200   # int() would fail


@pytest.mark.parametrize("number", ["١", "٣", "+5", " 5", "5_0", "5.0", "0x5", "²"])
def test_numbers_in_urls_are_ascii_digits(built, settings, number):
    """`?page=١` (an Arabic-Indic digit) was read as page 1; so were `+5`, ` 5` and `5_0` as a limit."""
    app = create_app(settings)
    for path in (f"/id/commune/75056?page={number}", f"/catalog?page={number}",
                 f"/api/datasets?limit={number}", f"/api/datasets?offset={number}"):
        r = asgi_get(app, httpx.URL(path).raw_path.decode())
        assert r.status_code == 400, path


def test_store_work_is_bounded_with_503_and_retry_after(settings, monkeypatch):
    """With one slot held by a slow request, the next page or API request gets 503 + Retry-After
    after `queue_wait`, without waiting for it; the slot is free again once the slow one answered."""
    app = create_app(replace(settings, page_slots=1, queue_wait=0.2))
    entered, release = threading.Event(), threading.Event()

    class SlowStore:
        """Every read waits for `release`: a page's SPARQL and the API's label index alike."""
        def select(self, query: str) -> list:
            entered.set()
            release.wait(DEADLINE)
            return []

        def labels(self, text: str, kind: str | None, limit: int, offset: int) -> list:
            return self.select(text)

    monkeypatch.setattr(deps, "open_store", lambda request: SlowStore())

    async def scenario() -> tuple[httpx.Response, ...]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            held = asyncio.create_task(client.get("/api/labels", params={"q": "held"}))
            assert await asyncio.to_thread(entered.wait, DEADLINE)
            try:
                api_busy = await asyncio.wait_for(client.get("/api/labels", params={"q": "next"}), DEADLINE)
                page_busy = await asyncio.wait_for(client.get("/id/commune/75056"), DEADLINE)
            finally:
                release.set()
            first = await asyncio.wait_for(held, DEADLINE)
            after = await asyncio.wait_for(client.get("/api/labels", params={"q": "after"}), DEADLINE)
            return api_busy, page_busy, first, after

    api_busy, page_busy, first, after = asyncio.run(scenario())
    assert api_busy.status_code == 503 and api_busy.headers["Content-Type"] == api.PROBLEM
    assert api_busy.headers["Retry-After"].isdigit() and api_busy.json()["status"] == 503
    assert page_busy.status_code == 503 and page_busy.headers["Retry-After"].isdigit()
    assert page_busy.headers["Content-Type"].startswith("text/plain")
    assert first.status_code == 200 and after.status_code == 200
