"""The attacks of issue 7 on `/sparql` that the request checks stop, replayed over HTTP.

SSRF: a listener on 127.0.0.1 stands for an internal service; no disguise of SERVICE or LOAD may reach it,
by GET, POST form or POST direct, and each is refused by the scanner with a 400 (the workers' network
guard is a second wall: a 400 shows the first one held). Then the other request checks: nesting that
would crash the parser, the length counted in characters, and the lexing kept off the event loop.
"""

from __future__ import annotations

import asyncio
import http.client
import threading
import urllib.parse

import httpx
import pytest
import requests

from graph_service.web.sparql import router as sparql_router
from graph_service.web.sparql import scan as sparql_scan
from graph_service.web.app import create_app
from graph_service.config import Settings
from tests.listener import Listener, listening
from tests.serving import running_server

# TARGET stands for the listener's URL. pyoxigraph calls it for each text (the lexer's cases are also
# checked against pyoxigraph in test_sparql_scan_fuzz.py), or the disguise is no SPARQL and is refused.
LEAK = "{ ?leak ?p ?o }"
QUERIES = {
    "comment ended by LF": "SELECT ?leak WHERE { # x\nSERVICE <TARGET> " + LEAK + " }",
    "comment ended by CR": "SELECT ?leak WHERE { # x\rSERVICE <TARGET> " + LEAK + " }",
    "comment ended by CR LF": "SELECT ?leak WHERE { # x\r\nSERVICE <TARGET> " + LEAK + " }",
    "CR in the prologue": "PREFIX e: <http://e/> # x\rSELECT ?leak WHERE { SERVICE <TARGET> " + LEAK + " }",
    "comment at the end": "SELECT ?leak WHERE { SERVICE <TARGET> " + LEAK + " } # end",
    "form feed before SERVICE": "SELECT ?leak WHERE {\x0cSERVICE <TARGET> " + LEAK + " }",
    "vertical tab, nbsp, line separator": "SELECT ?leak WHERE {\x0b\xa0SERVICE\u2028<TARGET> " + LEAK + " }",
    "glued, lower case, SILENT": "select*where{servicesilent<TARGET>{?leak ?p ?o}}",
    "`<` read as an IRI": "PREFIX : <TARGET> SELECT * WHERE { FILTER(1<2)SERVICE:x#>\n" + LEAK + " }",
    "keyword after a dotted local name": "PREFIX : <http://a/> SELECT * { :s :p :o.a.SERVICE <TARGET> {} }",
    "string with an escaped quote": "SELECT * WHERE { BIND('a\\'' AS ?x) SERVICE <TARGET> {} } #'",
}
UPDATES = {
    "LOAD after a comment ended by CR": "# x\rLOAD <TARGETx>",
    "LOAD glued after a data block": "INSERT DATA { <http://a/s> <http://a/p> '''o''' };LOADSILENT<TARGETx>",
}
DIRECT = {False: "application/sparql-query", True: "application/sparql-update"}


@pytest.fixture(scope="module")
def listener():
    with listening() as it:
        yield it


@pytest.fixture(scope="module")
def url(built, settings):
    with running_server(settings, "--workers", "1") as base:
        yield base + "/sparql"


def send(url: str, method: str, text: str, update: bool = False) -> requests.Response:
    """The text by GET (percent-encoded: `%23%0DSERVICE`), POST form or POST direct."""
    name = "update" if update else "query"
    if method == "GET":
        return requests.get(url, params={name: text}, timeout=60)
    if method == "form":
        return requests.post(url, data={name: text}, timeout=60)
    return requests.post(url, data=text.encode("utf-8"), headers={"Content-Type": DIRECT[update]}, timeout=60)


@pytest.mark.parametrize("method", ["GET", "form", "direct"])
@pytest.mark.parametrize("disguise", list(QUERIES))
def test_service_in_disguise_is_refused(url, listener: Listener, disguise, method):
    before = listener.connections
    r = send(url, method, QUERIES[disguise].replace("TARGET", listener.url))
    assert r.status_code == 400, r.text
    assert listener.connections == before


@pytest.mark.parametrize("method", ["form", "direct"])
@pytest.mark.parametrize("disguise", list(UPDATES))
def test_load_in_disguise_is_refused(url, listener: Listener, disguise, method):
    before = listener.connections
    r = send(url, method, UPDATES[disguise].replace("TARGET", listener.url), update=True)
    assert r.status_code == 400, r.text
    assert listener.connections == before


def test_service_inside_a_comment_is_no_call(url, listener: Listener):
    """A form feed does not end a comment: what follows is commented out, for the store as for the scanner."""
    r = send(url, "direct", "ASK { # x\x0cSERVICE <%s> {} \n}" % listener.url)
    assert r.status_code == 200 and r.json()["boolean"] is True


# ------------------------------------------------------------------------------------- nesting

def test_deep_nesting_is_refused_before_parsing(url):
    """30 000 open braces crashed a worker (500 "the query worker stopped"); now a 400 that says why."""
    r = send(url, "direct", "ASK " + "{" * 30_000 + "}" * 30_000)
    assert r.status_code == 400 and "nest 30000 deep" in r.text and f"{Settings.max_nesting} levels" in r.text
    mixed = "ASK { FILTER(" + "(" * 70 + "EXISTS { ?s ?p " + "[ <http://a/p> " * 70 + "] " * 70 + "}" + ")" * 70 + ") }"
    r = send(url, "direct", mixed)     # braces, parentheses and brackets count together: 1+1+70+1+70
    assert r.status_code == 400 and "nest 143 deep" in r.text


def test_nesting_up_to_the_bound_is_answered(url):
    depth = Settings.max_nesting
    r = send(url, "direct", "ASK " + "{" * depth + "}" * depth)
    assert r.status_code == 200 and r.json()["boolean"] is True


# -------------------------------------------------------------------------------------- length

def test_length_is_counted_in_characters_for_every_method(url):
    """60 000 characters of `é` are 120 000 bytes in UTF-8 and 360 000 in a form: all under the
    100 000-character limit (POST direct refused it before: it counted bytes)."""
    text = 'ASK { FILTER(STRLEN("' + "é" * 60_000 + '") = 60000) }'
    for method in ("form", "direct"):
        r = send(url, method, text)
        assert r.status_code == 200 and r.json()["boolean"] is True, (method, r.text[:200])
    over = "ASK {}" + "é" * Settings.max_query_length
    for method in ("form", "direct"):
        r = send(url, method, over)
        assert r.status_code == 413 and "character" in r.text, (method, r.text[:200])


def test_a_body_no_query_could_fill_is_refused_unread(url):
    """Past 12 bytes a character (percent-encoded UTF-8) plus room for parameters, a body is refused
    from its Content-Length alone."""
    size = Settings.max_query_length * 12 + 64 * 1024 + 1
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.putrequest("POST", parts.path)
    conn.putheader("Content-Type", "application/sparql-query")
    conn.putheader("Content-Length", str(size))
    conn.endheaders(b"ASK {}")    # the rest never comes: the answer must not wait for it
    response = conn.getresponse()
    assert response.status == 413 and b"character" in response.read()
    conn.close()


# ------------------------------------------------------------------------------ the event loop

def test_lexing_a_long_text_runs_off_the_event_loop_once_per_request(built, settings, monkeypatch):
    """While one request's long text is being lexed, the app answers another; each text is lexed once.

    The lexing of the first request is held (in its thread) until the second request was answered;
    had it run on the event loop, the second could not be answered until it gave up waiting. (A text
    of at most `INLINE_SCAN` characters is lexed on the loop: under a millisecond, less than a thread hop.)"""
    started, answered = threading.Event(), threading.Event()
    calls: list[str] = []
    real_scan = sparql_scan.scan

    def held_scan(text: str) -> sparql_scan.Scan:
        calls.append(text)
        if "held" in text:
            started.set()
            answered.wait(timeout=60)
        return real_scan(text)

    monkeypatch.setattr(sparql_scan, "scan", held_scan)
    app = create_app(settings)
    # refused by the scanner (no worker needed); long enough to be lexed in a thread
    held = "SELECT * WHERE { SERVICE <http://a/held> {} }" + " " * sparql_router.INLINE_SCAN

    async def scenario() -> tuple[int, int, bool]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            first = asyncio.create_task(client.post("/sparql", data={"query": held}))
            assert await asyncio.to_thread(started.wait, 60)
            second = await client.post("/sparql", data={"query": "SELECT * { SERVICE <http://a/other> {} }"})
            on_time = not first.done()
            answered.set()
            return (await first).status_code, second.status_code, on_time

    first_status, second_status, answered_while_held = asyncio.run(scenario())
    assert answered_while_held and (first_status, second_status) == (400, 400)
    assert len(calls) == 2    # one lexing per request
