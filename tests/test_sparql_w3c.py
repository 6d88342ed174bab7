"""The W3C SPARQL 1.1 Protocol test suite, replayed from its manifest against `bercy-graph serve`.

Read-only server: every query test and every negative test (27 of the 34). Server with the
operator-enabled update store (bearer token): the 7 update tests, and the negative update tests
again (they must fail for what they are, not just because updates are off).
"""

from __future__ import annotations

import http.client
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from graph_service.build.load import load_new_store
from tests.serving import running_server

SUITE = Path(__file__).parent / "w3c" / "protocol"
MANIFEST = SUITE / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
TOKEN = "w3c-test-token"

STATUS_CLASSES = {HTS.StatusCode2xx: range(200, 300), HTS.StatusCode3xx: range(300, 400),
                  HTS.StatusCode4xx: range(400, 500), HTS.OK: [200], HTS.Created: [201],
                  HTS.NoContent: [204], HTS.NotFound: [404]}
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
             "application/rdf+xml": "xml", "application/n-quads": "nquads", "application/trig": "trig"}


@dataclass
class Step:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: list[int]
    format: str | None
    boolean: bool | None


@dataclass
class W3CTest:
    name: str
    steps: list[Step]
    graphs: dict[str, Path] = field(default_factory=dict)

    @property
    def update(self) -> bool:
        return self.name.startswith("update_")


def _list(g: Graph, node) -> list:
    return list(Collection(g, node)) if node is not None else []


def load_manifest() -> list[W3CTest]:
    """The manifest's entries in order, each with its requests and expected responses."""
    g = Graph().parse(MANIFEST, format="turtle", publicID=MANIFEST.as_uri())
    manifest = g.value(predicate=RDF.type, object=MF.Manifest, any=False)
    tests = []
    for entry in _list(g, g.value(manifest, MF.entries)):
        steps = []
        for req in _list(g, g.value(g.value(entry, MF.action), HT.requests)):
            headers = {str(g.value(h, HT.fieldName)): str(g.value(h, HT.fieldValue))
                       for h in _list(g, g.value(req, HT.headers))}
            body_node = g.value(req, HT.body)
            body = None
            if body_node is not None:
                encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(body_node, CNT.chars)).encode(encoding)
            resp = g.value(req, HT.resp)
            statuses = sorted({s for cls in g.objects(resp, MF.expectedStatus) for s in STATUS_CLASSES[cls]})
            boolean = g.value(resp, MF.expectedBoolean)
            fmt = g.value(resp, MF.expectedFormat)
            steps.append(Step(str(g.value(req, HT.methodName)), str(g.value(req, HT.absolutePath)), headers, body,
                              statuses, str(fmt) if fmt else None,
                              boolean.toPython() if boolean is not None else None))
        graphs = {str(g.value(d, RDFS.label)): Path(str(g.value(d, UT.graph)).removeprefix("file://"))
                  for d in g.objects(entry, UT.graphData)}
        tests.append(W3CTest(str(entry).rsplit("#", 1)[1], steps, graphs))
    return tests


TESTS = load_manifest()


def test_manifest_is_read_whole():
    """The runner sees every entry of the manifest, each with at least one request."""
    g = Graph().parse(MANIFEST, format="turtle")
    declared = {str(t).rsplit("#", 1)[1] for t in g.subjects(RDF.type, MF.ProtocolTest)}
    assert len(TESTS) == len(declared) and {t.name for t in TESTS} == declared
    assert all(t.steps and all(s.statuses for s in t.steps) for t in TESTS)


def _suite_store(tmp: Path) -> Path:
    """A scratch store with every graph the manifest preloads (ut:graphData) in its named graph."""
    graphs: dict[str, Path] = {}
    for t in TESTS:
        graphs.update(t.graphs)
    store = tmp / "w3c-store"
    load_new_store(store, [(path, iri) for iri, path in sorted(graphs.items())])
    return store


@pytest.fixture(scope="module")
def readonly_url(settings, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("w3c-ro")
    with running_server(replace(settings, home=tmp), "--store", str(_suite_store(tmp))) as url:
        yield url


@pytest.fixture(scope="module")
def update_url(settings, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("w3c-rw")
    with running_server(replace(settings, home=tmp), "--store", str(_suite_store(tmp)),
                        "--enable-update", "--update-token", TOKEN) as url:
        yield url


def replay(url: str, test: W3CTest, token: str | None = None) -> None:
    host, port = url.removeprefix("http://").split(":")
    for step in test.steps:
        path = step.path.replace("/sparql/", "/sparql", 1)   # the manifest's prefix -> our endpoint
        headers = dict(step.headers)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.request(step.method, path, body=step.body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        conn.close()
        where = f"{test.name}: {step.method} {path}"
        assert response.status in step.statuses, f"{where} -> {response.status} {payload[:300]!r}"
        media = (response.getheader("Content-Type") or "").split(";")[0].strip()
        if step.format == "RDF":
            assert media in RDF_TYPES, f"{where}: {media} is not an RDF format"
            Graph().parse(data=payload, format=RDF_TYPES[media])
        elif step.format in ("boolean", "tabular"):
            value = _results(media, payload, where)
            if step.format == "boolean":
                assert isinstance(value, bool), f"{where}: not a boolean result"
                if step.boolean is not None:
                    assert value is step.boolean, f"{where}: expected {step.boolean}"
            else:
                assert isinstance(value, list), f"{where}: not a tabular result"


def _results(media: str, payload: bytes, where: str) -> bool | list:
    """An ASK result as a bool, a SELECT result as its variable names."""
    if media in ("application/sparql-results+json", "application/json"):
        data = json.loads(payload)
        return data["boolean"] if "boolean" in data else data["head"]["vars"]
    if media in ("application/sparql-results+xml", "application/xml"):
        ns = "{http://www.w3.org/2005/sparql-results#}"
        root = ET.fromstring(payload)
        b = root.find(f"{ns}boolean")
        return b.text.strip() == "true" if b is not None else [v.get("name") for v in root.iter(f"{ns}variable")]
    raise AssertionError(f"{where}: {media} is not a SPARQL results format")


READONLY = [t for t in TESTS if not t.update]
UPDATE = [t for t in TESTS if "update" in t.name]


@pytest.mark.parametrize("test", READONLY, ids=[t.name for t in READONLY])
def test_w3c_protocol_readonly(readonly_url, test):
    replay(readonly_url, test)


@pytest.mark.parametrize("test", UPDATE, ids=[t.name for t in UPDATE])
def test_w3c_protocol_update(update_url, test):
    replay(update_url, test, token=TOKEN)


def test_read_only_endpoint_refuses_updates(readonly_url):
    """Updates are off by default: the W3C update requests are refused, and the data is unchanged."""
    update = next(t for t in TESTS if t.name == "update_post_direct")
    step = update.steps[0]
    host, port = readonly_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("POST", "/sparql", body=step.body, headers={**step.headers, "Authorization": f"Bearer {TOKEN}"})
    assert conn.getresponse().status == 403
    conn.close()
    ask = next(t for t in TESTS if t.name == "query_dataset_default_graphs_get")
    replay(readonly_url, ask)   # data1 and data2 still there after the refused CLEAR ALL

