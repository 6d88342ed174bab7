"""The /sparql endpoint on the session's build: real clients, content negotiation, HEAD, safety."""

from __future__ import annotations

import csv
import http.server
import io
import json
import re
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
import requests
from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from SPARQLWrapper import CSV, JSON, TURTLE, SPARQLWrapper

from graph_service.web import formats
from mappings.namespaces import sparql_prologue
from tests.serving import free_port, running_server

from .conftest import DATA

REGIONS_CSV = DATA / "referentials" / "cog2025" / "cog2025_regions.csv"
REGIONS = sparql_prologue("igeo") + "SELECT ?r ?code WHERE { ?r a igeo:Region ; igeo:codeINSEE ?code } ORDER BY ?code"
REGIONS_GRAPH = sparql_prologue("igeo") + "CONSTRUCT { ?r igeo:codeINSEE ?code } WHERE { ?r a igeo:Region ; igeo:codeINSEE ?code }"
# a cross product: never ends, in flat memory (~600 MiB: a three-way one hits the worker memory bound first)
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
TIMEOUT = 4


def region_codes() -> list[str]:
    with REGIONS_CSV.open(encoding="utf-8") as handle:
        return sorted(row["code"] for row in csv.DictReader(handle))


@pytest.fixture(scope="module")
def url(built, settings):
    port = free_port()   # served with its own URL as public base: the service description names it
    with running_server(replace(settings, base=f"http://127.0.0.1:{port}"), "--workers", "2",
                        "--timeout", str(TIMEOUT), port=port) as base:
        yield base + "/sparql"


# ------------------------------------------------------------------------------ real clients

def test_sparqlwrapper_select_json(url):
    client = SPARQLWrapper(url)
    client.setQuery(REGIONS)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert sorted(r["code"]["value"] for r in rows) == region_codes()


def test_sparqlwrapper_post_csv_and_construct(url):
    client = SPARQLWrapper(url)
    client.setMethod("POST")
    client.setQuery(REGIONS)
    client.setReturnFormat(CSV)
    table = list(csv.DictReader(io.StringIO(client.query().convert().decode("utf-8"))))
    assert sorted(r["code"] for r in table) == region_codes()
    client.setQuery(REGIONS_GRAPH)
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert sorted(str(o) for o in graph.objects()) == region_codes()


def test_answers_equal_the_store(url, store):
    """What the endpoint says is what the store says (union default graph, no FROM)."""
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    got = requests.get(url, params={"query": q}, headers={"Accept": "application/sparql-results+json"}).json()
    assert got["results"]["bindings"][0]["n"]["value"] == store.select(q)[0]["n"]


def test_from_and_protocol_dataset_restrict_the_default_graph(url, store):
    """FROM <g> or default-graph-uri=g: the default graph is that graph only, not the union."""
    graph = next(g for g in store.named_graphs() if g.endswith("/graph/cog-regions"))
    count = "SELECT (COUNT(*) AS ?n) {q} WHERE {{ ?s ?p ?o }}"
    expected = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")[0]["n"]
    for params in ({"query": count.format(q=f"FROM <{graph}>")},
                   {"query": count.format(q=""), "default-graph-uri": graph}):
        got = requests.get(url, params=params, headers={"Accept": "text/csv"}).text.split()
        assert got == ["n", expected]


# ------------------------------------------------------------------------------ content negotiation

TABULAR_MATRIX = [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/json"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("application/sparql-results+json;q=0.1, text/*;q=0.8", "text/csv"),
    ("text/turtle, text/tab-separated-values;q=0.2", "text/tab-separated-values"),
]
GRAPH_MATRIX = [
    (None, "text/turtle"),
    ("*/*", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/n-quads", "application/n-quads"),
    ("application/trig", "application/trig"),
    ("application/rdf+xml;q=0.4, application/ld+json;q=0.6, text/turtle;q=0.5", "application/ld+json"),
    ("application/sparql-results+json, application/n-triples;q=0.1", "application/n-triples"),
]
RDFLIB = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
          "application/rdf+xml": "xml", "application/n-quads": "nquads", "application/trig": "trig"}


def _get(url, query, accept):
    return requests.get(url, params={"query": query}, headers={"Accept": accept} if accept else {})


@pytest.mark.parametrize("accept,expected", TABULAR_MATRIX)
def test_select_negotiation(url, accept, expected):
    response = _get(url, REGIONS, accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == expected
    if expected.endswith("json"):
        codes = [b["code"]["value"] for b in response.json()["results"]["bindings"]]
    elif expected.endswith("xml"):
        ns = "{http://www.w3.org/2005/sparql-results#}"
        root = ET.fromstring(response.content)
        codes = [b.find(f"{ns}literal").text for b in root.iter(f"{ns}binding") if b.get("name") == "code"]
    else:
        delimiter = "," if expected == "text/csv" else "\t"
        rows = list(csv.reader(io.StringIO(response.text), delimiter=delimiter))
        assert rows[0] in (["r", "code"], ["?r", "?code"])
        codes = [r[1].strip('"') for r in rows[1:]]
    assert sorted(codes) == region_codes()


@pytest.mark.parametrize("accept,expected", GRAPH_MATRIX)
def test_construct_negotiation(url, accept, expected):
    response = _get(url, REGIONS_GRAPH, accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == expected
    graph = Graph().parse(data=response.content, format=RDFLIB[expected])
    assert len(graph) == len(region_codes())


def test_ask_and_unacceptable(url):
    assert _get(url, "ASK { ?s ?p ?o }", "application/sparql-results+json").json()["boolean"] is True
    # a graph result cannot be CSV, a table cannot be Turtle: 406 names what is possible
    r = _get(url, REGIONS_GRAPH, "text/csv")
    assert r.status_code == 406 and "text/turtle" in r.text
    assert _get(url, REGIONS, "text/turtle").status_code == 406
    assert _get(url, REGIONS, "application/sparql-results+json;q=0, text/html;q=0").status_code == 406


def test_format_parameter_for_download_links(url):
    r = requests.get(url, params={"query": REGIONS, "format": "csv"}, headers={"Accept": "text/html"})
    assert r.headers["Content-Type"].startswith("text/csv")


def test_head(url):
    get = _get(url, REGIONS, "text/csv")
    head = requests.head(url, params={"query": REGIONS}, headers={"Accept": "text/csv"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert requests.head(url, params={"query": "SELECT * {"}).status_code == 400
    bare = requests.head(url, headers={"Accept": "text/turtle"})
    assert bare.status_code == 200 and bare.headers["Content-Type"].startswith("text/turtle")


def test_service_description(url):
    r = requests.get(url, headers={"Accept": "application/n-triples"})
    g = Graph().parse(data=r.text, format="nt")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoints = {str(o) for s, p, o in g if str(p) == sd + "endpoint"}
    assert endpoints == {url}
    languages = {str(o) for s, p, o in g if str(p) == sd + "supportedLanguage"}
    assert languages == {sd + "SPARQL11Query"}   # no update on the public endpoint


@pytest.mark.parametrize("media_type", formats.offers(formats.GRAPH))
def test_service_description_in_every_rdf_format(url, media_type):
    """Comunica asks for N-Quads first: every RDF type offered answers 200 with the description in its
    default graph (N-Quads used to be a 500: rdflib writes quads from a dataset only)."""
    r = requests.get(url, headers={"Accept": media_type})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == media_type
    dataset = Dataset().parse(data=r.content, format=formats.BY_MEDIA_TYPE[media_type].rdflib)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (URIRef(url), URIRef(sd + "endpoint"), URIRef(url)) in dataset.default_graph
    assert [g.identifier for g in dataset.graphs()] == [DATASET_DEFAULT_GRAPH_ID]


def test_query_page_for_browsers(url):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = requests.get(url, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "<textarea" in r.text and "<table" not in r.text.split("<script")[0]
    # offline: no script, style or image is loaded from another host
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?(https?:)?//""", r.text)
    # a browser following a query link gets the page with the query in the editor
    r = requests.get(url, params={"query": "ASK {}"}, headers={"Accept": accept})
    assert r.headers["Content-Type"].startswith("text/html") and "ASK {}" in r.text


# ------------------------------------------------------------------------------ safety

class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        self.hits.append(self.path)
        body = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"remote"}}]}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args):
        pass


@pytest.fixture()
def remote():
    """A local 'remote endpoint' that records every request it gets."""
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/sparql", _Recorder.hits
    server.shutdown()


def test_service_never_reaches_a_remote_server(url, remote):
    target, hits = remote
    host = target.rsplit("/", 1)[0]
    attempts = [
        f"SELECT * WHERE {{ SERVICE <{target}> {{ ?x ?p ?o }} }}",
        f"select * where {{ service silent <{target}> {{ ?x ?p ?o }} }}",
        f"PREFIX r: <{host}/> SELECT * WHERE {{ SERVICE r:sparql {{ ?x ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{target}> }} SERVICE ?e {{ ?x ?p ?o }} }}",
        # forms pyoxigraph's parser accepts: glued keywords, `#` escaped in a name or an IRI
        f"SELECT * WHERE {{ SERVICESILENT <{target}> {{ ?x ?p ?o }} }}",
        f"PREFIX : <{host}/> SELECT * WHERE {{ SERVICE:sparql {{ ?x ?p ?o }} }}",
        f"PREFIX e: <{host}/> SELECT * WHERE {{ ?s e:x\\# ?o SERVICE <{target}> {{ ?x ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s <http://x/\\u0062#> ?o SERVICE <{target}> {{ ?x ?p ?o }} }}",
    ]
    for query in attempts:
        r = requests.get(url, params={"query": query})
        assert r.status_code == 400 and "SERVICE" in r.text, query
    r = requests.post(url, data={"update": f"LOAD <{target}>"})
    assert r.status_code == 400
    # the word in a literal or a comment is not a SERVICE call
    r = requests.get(url, params={"query": 'SELECT ("SERVICE <x>" AS ?s) WHERE {} # SERVICE'})
    assert r.status_code == 200
    time.sleep(0.2)
    assert hits == []


def test_slow_query_is_cut_while_others_answer(url):
    outcome = {}

    def slow():
        started = time.monotonic()
        r = requests.get(url, params={"query": SLOW}, timeout=60)
        outcome.update(status=r.status_code, text=r.text, seconds=time.monotonic() - started)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    quick = _get(url, REGIONS, "text/csv")
    # the other worker answered while the slow query was still running (not after it was stopped)
    assert quick.status_code == 200 and thread.is_alive()
    thread.join(60)
    assert outcome["status"] == 504 and "time limit" in outcome["text"]
    # stopped at the limit, never before; the query never ends by itself, so a finite answer is the kill
    assert TIMEOUT <= outcome["seconds"] < TIMEOUT + 30
    # the killed worker was replaced: the pool still has two workers
    results = []
    pair = [threading.Thread(target=lambda: results.append(_get(url, REGIONS, "text/csv").status_code))
            for _ in range(2)]
    for t in pair:
        t.start()
    for t in pair:
        t.join(30)
    assert results == [200, 200]


def test_bad_requests_are_clear(url):
    r = requests.get(url, params={"query": "SELECT * WHERE { ?s ?p "})
    assert r.status_code == 400 and "syntax" in r.text
    r = requests.post(url, data="ASK {}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and "application/sparql-query" in r.text
    assert requests.put(url, params={"query": "ASK {}"}).status_code == 405
    assert requests.get(url, params=[("query", "ASK {}"), ("query", "ASK {}")]).status_code == 400


def test_query_length_is_bounded(url):
    long_query = "ASK {}" + " " * 100_001
    r = requests.post(url, data=long_query, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413


def test_saturated_server_answers_503(built, settings, remote):
    """One worker, busy with a slow query: the next request gets a 503 with Retry-After.
    The operator's allow-list lets SERVICE reach exactly the listed endpoint."""
    target, hits = remote
    with running_server(settings, "--workers", "1", "--timeout", "3", "--queue-wait", "0.5",
                        "--allow-service", target) as base:
        endpoint = base + "/sparql"
        r = requests.get(endpoint, params={"query": f"SELECT ?x WHERE {{ SERVICE <{target}> {{ ?x ?p ?o }} }}"},
                         headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200 and len(hits) == 1
        assert [b["x"]["value"] for b in r.json()["results"]["bindings"]] == ["remote"]
        other = target.replace("/sparql", "/other")
        r = requests.get(endpoint, params={"query": f"SELECT * WHERE {{ SERVICE <{other}> {{ ?x ?p ?o }} }}"})
        assert r.status_code == 400 and len(hits) == 1
        thread = threading.Thread(target=requests.get, args=(endpoint,), kwargs={"params": {"query": SLOW}})
        thread.start()
        time.sleep(0.5)
        r = requests.get(endpoint, params={"query": "ASK {}"})
        assert r.status_code == 503 and int(r.headers["Retry-After"]) > 0
        thread.join(30)
        assert requests.get(endpoint, params={"query": "ASK {}"}).status_code == 200


def test_large_result_streams_in_chunks(url, store):
    """A CONSTRUCT of several MB arrives in chunks (no Content-Length), complete."""
    sizes = {g: int(store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")[0]["n"])
             for g in store.named_graphs()}
    graph = max((g for g, n in sizes.items() if n <= 60_000), key=sizes.get)   # MBs, yet quick
    expected = sizes[graph]
    q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    with requests.get(url, params={"query": q}, headers={"Accept": "application/n-triples"}, stream=True) as r:
        assert r.status_code == 200 and "Content-Length" not in r.headers
        chunks = list(r.iter_content(None))
    assert len(chunks) > 1
    assert sum(chunk.count(b"\n") for chunk in chunks) == expected


def test_json_results_are_well_formed(url):
    body = _get(url, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3", "application/sparql-results+json").content
    assert len(json.loads(body)["results"]["bindings"]) == 3


def test_query_page_offers_the_example_queries(url):
    """Every `queries/*.rq` is in the page's example list, under its first comment line."""
    import html

    from graph_service.web.html.sparql import QUERIES_DIR

    page = requests.get(url, headers={"Accept": "text/html"}).text
    files = sorted(QUERIES_DIR.glob("*.rq"))
    for path in files:
        title = path.read_text(encoding="utf-8").splitlines()[0].lstrip("#").strip()
        assert f">{html.escape(title)}</option>" in page, path.name


def test_client_leaving_mid_stream_frees_its_worker(url, store):
    """A client that drops a large download does not leave a worker busy: both workers answer after."""
    q = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
    with requests.get(url, params={"query": q}, headers={"Accept": "text/tab-separated-values"},
                      stream=True) as r:
        next(r.iter_content(1 << 16))
    time.sleep(0.5)
    results = []
    pair = [threading.Thread(target=lambda: results.append(_get(url, REGIONS, "text/csv").status_code))
            for _ in range(2)]
    started = time.monotonic()
    for t in pair:
        t.start()
    for t in pair:
        t.join(30)
    assert results == [200, 200] and time.monotonic() - started < TIMEOUT
