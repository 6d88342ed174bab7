"""Real SPARQL clients with their default settings against `bercy-graph serve` (issue 14).

SPARQLWrapper 2 sends its return format three times (`format`, `output`, `results`), for TSV, JSON-LD and
RDF/XML twice more as a media type or empty, and asks `format=xml` for CONSTRUCT/DESCRIBE by default.
Every query form in every return format it maps to a media type must come back in that format, and
`.convert()` must give the python object its documentation promises. rdflib's SPARQLStore reads the
endpoint as a graph. The expected figures come from the COG 2025 regions file, not from the endpoint.
"""

from __future__ import annotations

import csv
import io
import urllib.error
import warnings
from dataclasses import replace
from xml.dom.minidom import Document

import pytest
import requests
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper import RDF as RDF_FORMAT

from mappings.namespaces import sparql_prologue
from tests.serving import free_port, running_server

from .conftest import DATA

IGEO = Namespace("http://rdf.insee.fr/def/geo#")
REGIONS_CSV = DATA / "referentials" / "cog2025" / "cog2025_regions.csv"
PROLOGUE = sparql_prologue("igeo")
COUNT = PROLOGUE + "SELECT (COUNT(*) AS ?n) WHERE { ?r a igeo:Region }"
ASK = PROLOGUE + "ASK { ?r a igeo:Region ; igeo:codeINSEE '84' }"
CONSTRUCT = PROLOGUE + "CONSTRUCT { ?r igeo:codeINSEE ?code } WHERE { ?r a igeo:Region ; igeo:codeINSEE ?code }"
DESCRIBE = PROLOGUE + "DESCRIBE ?r WHERE { ?r a igeo:Region ; igeo:codeINSEE '84' }"

#: The return formats SPARQLWrapper maps to a media type for each query form (None: its default, XML).
TABLE_FORMATS = [None, JSON, XML, CSV, TSV]
GRAPH_FORMATS = [None, XML, RDF_FORMAT, RDFXML, JSONLD, TURTLE, N3]
#: The ones it sends with `Accept: */*` and a RuntimeWarning ("unexpected returned format").
TABLE_MISFITS = [JSONLD, N3, TURTLE, RDF_FORMAT, RDFXML]
GRAPH_MISFITS = [JSON, CSV, TSV]
METHODS = ["GET", "POST"]

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


def region_codes() -> list[str]:
    with REGIONS_CSV.open(encoding="utf-8") as handle:
        return sorted(row["code"] for row in csv.DictReader(handle))


@pytest.fixture(scope="module")
def url(built, settings):
    port = free_port()
    with running_server(replace(settings, base=f"http://127.0.0.1:{port}"), "--workers", "2", port=port) as base:
        yield base + "/sparql"


def run(url: str, query: str, fmt: str | None, method: str):
    """What `.convert()` gives for SPARQLWrapper's defaults but the return format and method; fails if
    the endpoint answered in another format than the one asked for (SPARQLWrapper then warns)."""
    client = SPARQLWrapper(url)
    client.setQuery(query)
    if fmt:
        client.setReturnFormat(fmt)
    client.setMethod(method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # `rdf` is sent with Accept */* and a warning
        result = client.query()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)    # "Format requested was X, but Y ... returned"
        return result.convert()


def rows(body: bytes, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8")), delimiter=delimiter))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", TABLE_FORMATS)
def test_select(url, fmt, method):
    got = run(url, COUNT, fmt, method)
    expected = str(len(region_codes()))
    if fmt == JSON:
        assert got["results"]["bindings"][0]["n"]["value"] == expected
    elif fmt in (None, XML):
        assert isinstance(got, Document)
        assert got.getElementsByTagName("literal")[0].firstChild.data == expected
    else:
        assert rows(got, "," if fmt == CSV else "\t") == [["n" if fmt == CSV else "?n"], [expected]]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", TABLE_FORMATS)
def test_ask(url, fmt, method):
    got = run(url, ASK, fmt, method)
    if fmt == JSON:
        assert got["boolean"] is True
    elif fmt in (None, XML):
        assert got.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        assert got.decode("utf-8").strip() == "true"


def as_graph(got, fmt: str | None) -> Graph:
    """RDF/XML and JSON-LD convert to an rdflib graph; Turtle and N3 stay bytes for the caller to parse."""
    if fmt in (TURTLE, N3):
        assert isinstance(got, bytes)
        return Graph().parse(data=got, format="turtle" if fmt == TURTLE else "n3")
    assert isinstance(got, Graph)
    return got


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_construct(url, fmt, method):
    graph = as_graph(run(url, CONSTRUCT, fmt, method), fmt)
    assert set(graph.predicates()) == {IGEO.codeINSEE}
    assert sorted(str(o) for o in graph.objects()) == region_codes()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_describe(url, fmt, method):
    graph = as_graph(run(url, DESCRIBE, fmt, method), fmt)
    region = graph.value(predicate=IGEO.codeINSEE, object=Literal("84"))
    assert isinstance(region, URIRef)
    assert (region, RDF.type, IGEO.Region) in graph


FORMS = {"select": COUNT, "ask": ASK, "construct": CONSTRUCT, "describe": DESCRIBE}


@pytest.mark.parametrize("form,fmt", [(form, f) for form in ("select", "ask") for f in TABLE_MISFITS]
                         + [(form, f) for form in ("construct", "describe") for f in GRAPH_MISFITS])
def test_a_format_the_form_cannot_have_is_406_naming_the_offers(url, form, fmt):
    """A table as Turtle, a graph as CSV (SPARQLWrapper itself warns it is unexpected): a 406, not another
    format than the one asked for (its `.convert()` would misread it)."""
    with pytest.raises(urllib.error.HTTPError) as caught, warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        run(url, FORMS[form], fmt, "GET")
    assert caught.value.code == 406
    assert b"available as" in caught.value.read()


# ------------------------------------------------------------------------------ the parameters themselves

@pytest.mark.parametrize("params,expected", [
    ([("format", "tsv"), ("format", "text/tab-separated-values"), ("output", "tsv"), ("results", "")],
     "text/tab-separated-values"),
    ([("format", "json"), ("output", "application/json")], "application/sparql-results+json"),
    ([("output", "csv")], "text/csv"),
    ([("format", "xml")], "application/sparql-results+xml"),
])
def test_repeated_names_of_one_format_are_one_choice(url, params, expected):
    response = requests.get(url, params=[("query", COUNT), *params], headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == expected


@pytest.mark.parametrize("params,expected", [
    ([("format", "xml")], "application/rdf+xml"),
    ([("format", "rdf+xml"), ("format", "application/rdf+xml")], "application/rdf+xml"),
    ([("format", "json-ld"), ("format", "application/ld+json,application/x-json+ld")], "application/ld+json"),
    ([("format", "n3")], "text/n3"),
    ([("format", "text/n3")], "text/n3"),
])
def test_graph_format_names(url, params, expected):
    response = requests.get(url, params=[("query", CONSTRUCT), *params])
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == expected


@pytest.mark.parametrize("params", [
    [("format", "csv"), ("format", "json")],
    [("format", "csv"), ("output", "tsv")],
    [("format", "xml"), ("results", "application/sparql-results+json")],
    [("format", "bogus")],
])
def test_different_or_unknown_formats_are_400(url, params):
    response = requests.get(url, params=[("query", COUNT), *params])
    assert response.status_code == 400


# ------------------------------------------------------------------------------ rdflib's SPARQLStore

def test_rdflib_sparqlstore(url, store):
    graph = Graph(store=SPARQLStore(url))
    regions = set(graph.subjects(RDF.type, IGEO.Region))
    assert sorted(str(graph.value(r, IGEO.codeINSEE)) for r in regions) == region_codes()
    assert [int(row[0]) for row in graph.query(COUNT)] == [len(region_codes())]
    assert graph.query(ASK).askAnswer is True
    assert len(graph.query(CONSTRUCT).graph) == len(region_codes())
    # len() is the size of the endpoint's default graph, as the store counts it
    assert len(graph) == int(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"])
