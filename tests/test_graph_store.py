"""`/store`: the read-only SPARQL 1.1 Graph Store HTTP Protocol, driven over HTTP with `requests` and
read back with rdflib, on the session build and on the requests of the W3C Graph Store manifest
(../shared/external/sparql-protocol/graph-store-protocol/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, RDFS

from graph_service.build.load import load_new_store, swap_in
from graph_service.config import PROJECT_ROOT
from graph_service.store import new_build_id
from graph_service.web import formats
from tests.conftest import fresh_settings
from tests.serving import running_server

MANIFESTS = PROJECT_ROOT.parent / "shared/external/sparql-protocol/graph-store-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
STATUSES = {HTS.OK: {200}, HTS.Created: {201}, HTS.NoContent: {204}, HTS.NotFound: {404},
            HTS.StatusCode2xx: set(range(200, 300))}
#: rdflib's parser of each RDF format the store offers
PARSERS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
           "application/rdf+xml": "xml", "application/n-quads": "nquads", "application/trig": "trig",
           "text/n3": "n3", "text/plain": "nt", "application/x-turtle": "turtle"}
WRITE = ("PUT", "POST", "DELETE")
GSP = URIRef("https://www.w3.org/TR/sparql11-http-rdf-update/")


@pytest.fixture(scope="module")
def served(settings, store):
    with running_server(settings) as url:
        yield url


def graph_iri(settings, name: str) -> str:
    return f"{settings.base}/graph/{name}"


def size(store, graph: str | None) -> int:
    pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    return int(store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")[0]["n"])


def test_a_named_graph_is_the_graph_its_source_lifted(served, settings, store):
    graph = graph_iri(settings, "cog-regions")
    answer = requests.get(served + "/store", params={"graph": graph}, headers={"Accept": "text/turtle"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/turtle; charset=utf-8"
    assert len(Graph().parse(data=answer.text, format="turtle")) == size(store, graph) > 0
    assert answer.headers["Vary"] == "Accept" and answer.headers["Last-Modified"]
    again = requests.get(served + "/store", params={"graph": graph},
                         headers={"Accept": "text/turtle", "If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304 and not again.content
    head = requests.head(served + "/store", params={"graph": graph}, headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and not head.content and head.headers["ETag"] == answer.headers["ETag"]


def test_the_default_graph_is_every_distinct_triple_once(served, store):
    """`?default`: the merge of the named graphs, streamed (1.17M triples), each triple on one line."""
    distinct = int(store.select("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE "
                                "{ GRAPH ?g { ?s ?p ?o } } }")[0]["n"])
    lines = 0
    with requests.get(served + "/store?default", headers={"Accept": "application/n-triples"}, stream=True,
                      timeout=600) as answer:
        assert answer.status_code == 200 and "Content-Length" not in answer.headers   # streamed
        for chunk in answer.iter_content(1 << 20):
            lines += chunk.count(b"\n")
    assert lines == distinct == size(store, None)


@pytest.mark.parametrize("media", formats.offers(formats.GRAPH))
def test_every_rdf_format_is_offered(served, settings, store, media):
    graph = graph_iri(settings, "cog-regions")
    answer = requests.get(served + "/store", params={"graph": graph}, headers={"Accept": media})
    assert answer.status_code == 200 and answer.headers["content-type"] == formats.content_type(media)
    if PARSERS[media] in ("nquads", "trig"):   # quad formats: the graph's triples in the default graph
        dataset = Dataset().parse(data=answer.content, format=PARSERS[media])
        count = sum(1 for _ in dataset.quads((None, None, None, None)))
    else:
        count = len(Graph().parse(data=answer.content, format=PARSERS[media]))
    assert count == size(store, graph)


@pytest.mark.parametrize("query,status,says", [
    ("", 400, "name one graph"),
    ("?default&graph=http://127.0.0.1:8000/graph/cog-regions", 400, "not both"),
    ("?graph=http://127.0.0.1:8000/graph/cog-regions&graph=http://127.0.0.1:8000/graph/naf", 400, "more than one"),
    ("?graph=http://127.0.0.1:8000/graph/nowhere", 404, "no graph named"),
    ("?graph=%3E%20%7D%20UNION%20%7B%20%3Fs%20%3Fp%20%3Fo", 404, "no graph named"),
])
def test_a_request_naming_no_known_graph_is_refused(served, query, status, says):
    answer = requests.get(served + "/store" + query, headers={"Accept": "text/turtle"})
    assert answer.status_code == status and says in answer.text
    browser = requests.get(served + "/store" + query, headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.status_code == status and browser.headers["content-type"].startswith("text/html")


def test_nothing_acceptable_is_a_406(served, settings):
    answer = requests.get(served + "/store", params={"graph": graph_iri(settings, "naf")},
                          headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 406 and "text/turtle" in answer.text


@pytest.mark.parametrize("method", [*WRITE, "PATCH"])
def test_the_graph_store_is_read_only(served, settings, store, method):
    graph = graph_iri(settings, "cog-regions")
    before = size(store, graph)
    answer = requests.request(method, served + "/store", params={"graph": graph}, data="<a:b> <a:c> <a:d> .",
                              headers={"Content-Type": "text/turtle"})
    assert answer.status_code == 405 and answer.headers["Allow"] == "GET, HEAD"
    assert size(store, graph) == before


def test_the_service_description_lists_the_graph_store(served, settings):
    answer = requests.get(served + "/sparql", headers={"Accept": "text/turtle"})
    description = Graph().parse(data=answer.text, format="turtle")
    endpoint = URIRef(settings.public_url("/store"))
    assert (URIRef(settings.public_url("/sparql")), RDFS.seeAlso, endpoint) in description
    assert (endpoint, DCTERMS.conformsTo, GSP) in description
    assert (endpoint, RDF.type, URIRef("http://www.w3.org/ns/dcat#DataService")) in description


# ------------------------------------------------------------------------------ the W3C manifest

@dataclass
class Step:
    """One request of a W3C Graph Store test, with what the response must be."""

    test: str
    index: int
    method: str
    path: str
    headers: dict[str, str]
    body: str | None
    statuses: set[int]
    expected_type: str | None = None
    expected_body: str | None = None
    state: dict[str, str] = field(default_factory=dict)   # graph name ("" = default) -> Turtle to preload


def _headers(g: Graph, node) -> dict[str, str]:
    found = g.value(node, HT.headers)
    return {str(g.value(h, HT.fieldName)).lower(): str(g.value(h, HT.fieldValue))
            for h in (Collection(g, found) if found else [])}


def _graph_named(path: str) -> str | None:
    """The graph a request names: its IRI, "" for `?default`, None for direct identification."""
    split = urlsplit(path)
    params = parse_qs(split.query, keep_blank_values=True)
    if "graph" in params:
        return params["graph"][0]
    return "" if "default" in params else None


def load_steps() -> list[Step]:
    steps: list[Step] = []
    for name in ("manifest-indirect.ttl", "manifest-direct.ttl"):
        g = Graph().parse(MANIFESTS / name, format="turtle")
        for test in g.subjects(RDF.type, MF.GraphStoreProtocolTest):
            written: dict[str, str] = {}   # the last body written to each path, for a HEAD that follows
            action = g.value(test, MF.action)
            for index, request in enumerate(Collection(g, g.value(action, HT.requests))):
                response = g.value(request, HT.resp)
                body = g.value(request, HT.body)
                expected = g.value(response, HT.body)
                step = Step(str(test).rsplit("#", 1)[-1], index, str(g.value(request, HT.methodName)),
                            str(g.value(request, HT.absolutePath)), _headers(g, request),
                            str(g.value(body, CNT.chars)) if body else None,
                            set().union(*(STATUSES[s] for s in g.objects(response, MF.expectedStatus))),
                            _headers(g, response).get("content-type"),
                            str(g.value(expected, CNT.chars)) if expected else None)
                if step.method in ("PUT", "POST") and step.body:
                    written[step.path] = step.body
                target = _graph_named(step.path)
                if step.method in ("GET", "HEAD") and target is not None and 200 in step.statuses:
                    step.state = {target: step.expected_body or written.get(step.path, "")}
                steps.append(step)
    return steps


STEPS = load_steps() if MANIFESTS.exists() else []


def why_skipped(step: Step) -> str | None:
    """The manifest requests this read-only store does not replay, and why."""
    if step.method in WRITE:
        return "a write: the public Graph Store is read-only (405, checked by test_manifest_writes_are_refused)"
    if _graph_named(step.path) is None:
        return "direct graph identification (mf:DirectGraphIdentification): graphs are named by ?graph="
    if "$LOCATION$" in step.path:
        return "reads a graph created by POST (mf:POSTGraphCreation), which a read-only store cannot do"
    return None


def params(steps: list[Step], keep) -> list:
    return [pytest.param(s, id=f"{s.test}-{s.index}-{s.method}",
                         marks=[pytest.mark.skip(reason=why)] if (why := keep(s)) else [])
            for s in steps]


def test_manifest_is_found_and_read():
    assert MANIFESTS.exists(), f"the W3C Graph Store manifest is in the shared material ({MANIFESTS})"
    assert len({s.test for s in STEPS}) == 14 and {s.method for s in STEPS} == {"GET", "HEAD", *WRITE}
    assert sum(1 for s in STEPS if why_skipped(s) is None) >= 10


@pytest.fixture(scope="module")
def scratch(settings, tmp_path_factory):
    """A server on a scratch home whose store each step replaces (swapped in, as a build does)."""
    home = fresh_settings(settings, tmp_path_factory.mktemp("gsp"))
    home.store_root.mkdir(parents=True)
    seed = home.store_root / "seed.ttl"
    seed.write_text("<http://example.org/seed> <http://example.org/p> 1 .\n", encoding="utf-8")
    first = home.store_root / new_build_id(datetime.now(timezone.utc))
    load_new_store(first, [(seed, "http://example.org/graph/seed")])
    swap_in(home.store_root, first)
    with running_server(home) as url:
        yield home, url


def preload(home, state: dict[str, str]) -> None:
    """A new store holding the graphs the earlier writes of the test would have left (the default
    graph is the merge of the named graphs here: its content goes to a graph of its own)."""
    files = []
    for n, (graph, turtle) in enumerate(state.items()):
        path = home.store_root / f"state-{n}.ttl"
        path.write_text(turtle, encoding="utf-8")
        files.append((path, graph or "http://example.org/graph/default-state"))
    path = home.store_root / new_build_id(datetime.now(timezone.utc))
    load_new_store(path, files)
    swap_in(home.store_root, path)


@pytest.mark.parametrize("step", params([s for s in STEPS if s.method in ("GET", "HEAD")], why_skipped))
def test_manifest_reads(scratch, step):
    home, url = scratch
    preload(home, step.state)
    answer = requests.request(step.method, url + step.path.replace("/gsp", "/store", 1), headers=step.headers)
    assert answer.status_code in step.statuses
    if step.expected_type and answer.status_code == 200:
        assert answer.headers["content-type"] == step.expected_type
    if step.expected_body is not None:
        got = Graph().parse(data=answer.text, format="turtle")
        assert isomorphic(got, Graph().parse(data=step.expected_body, format="turtle"))


def why_not_sent(step: Step) -> str | None:
    if _graph_named(step.path) is None and step.path != "/gsp":
        return "direct graph identification (mf:DirectGraphIdentification): no such path here"
    return None


@pytest.mark.parametrize("step", params([s for s in STEPS if s.method in WRITE], why_not_sent))
def test_manifest_writes_are_refused(scratch, step):
    """Every write of the manifest, sent as written (method, path, headers, body): 405, nothing changes."""
    _, url = scratch
    answer = requests.request(step.method, url + step.path.replace("/gsp", "/store", 1), headers=step.headers,
                              data=(step.body or "").encode("utf-8"))
    assert answer.status_code == 405 and answer.headers["Allow"] == "GET, HEAD"
