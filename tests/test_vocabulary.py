"""The vocabulary and the shapes are data users can read: `/def` serves the build's `vocabulary` graph
by content negotiation (RDF formats from formats.py, an HTML page with a section per term), every
`bg:` term the built store uses is there with labels and comments in French and English, the shapes
graphs are served at `/def/shapes/<graph>` as loaded from shapes/, and VoID links each graph to the
shapes it conforms to and gives class and property partitions counted as the sources say."""

from __future__ import annotations

import csv
import html
from pathlib import Path

import pytest
import requests
from rdflib import OWL, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from graph_service.build import aggregates
from graph_service.config import PROJECT_ROOT
from mappings.namespaces import BG_ONTOLOGY

from .conftest import DATA
from .serving import running_server

BG = Namespace(BG_ONTOLOGY)
ONTOLOGY = URIRef(BG_ONTOLOGY.rstrip("#"))
VANN = Namespace("http://purl.org/vocab/vann/")
DCT = Namespace("http://purl.org/dc/terms/")
VOID = Namespace("http://rdfs.org/ns/void#")
QUERIES = PROJECT_ROOT / "queries"


@pytest.fixture(scope="module")
def server(built, settings) -> str:
    with running_server(settings) as url:
        yield url


@pytest.fixture(scope="module")
def served(server) -> Graph:
    response = requests.get(server + "/def", headers={"Accept": "text/turtle"}, timeout=60)
    assert response.status_code == 200
    return Graph().parse(data=response.text, format="turtle")


@pytest.fixture(scope="module")
def used_terms(store) -> set[str]:
    """Every bg: IRI the built store uses: as a predicate, a class, an IRI object, a datatype."""
    bg = f'"{BG_ONTOLOGY}"'
    queries = (
        "SELECT DISTINCT ?t WHERE { ?s ?t ?o }",
        "SELECT DISTINCT ?t WHERE { ?s a ?t }",
        f"SELECT DISTINCT ?t WHERE {{ ?s ?p ?t FILTER(isIRI(?t) && STRSTARTS(STR(?t), {bg})) }}",
        f"SELECT DISTINCT ?t WHERE {{ ?s ?p ?o FILTER(isLiteral(?o)) BIND(DATATYPE(?o) AS ?t) "
        f"FILTER(STRSTARTS(STR(?t), {bg})) }}",
    )
    found = {r["t"] for q in queries for r in store.select(q) if r["t"].startswith(BG_ONTOLOGY)}
    assert len(found) > 100   # the DECP, DVF, budget, OFGL and generic-lift terms
    return found


@pytest.mark.parametrize("accept, media_type, rdf_format", [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("application/n-triples", "application/n-triples", "nt"),
])
def test_def_negotiates_rdf_formats(server, served, accept, media_type, rdf_format):
    response = requests.get(server + "/def", headers={"Accept": accept}, timeout=60)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in response.headers["vary"]
    assert isomorphic(Graph().parse(data=response.content, format=rdf_format), served)


def test_def_extensions_browsers_and_unknown_types(server, served):
    assert isomorphic(Graph().parse(data=requests.get(server + "/def.ttl", timeout=60).text, format="turtle"), served)
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = requests.get(server + "/def", headers={"Accept": browser}, timeout=60)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert requests.get(server + "/def", headers={"Accept": "image/png"}, timeout=60).status_code == 406
    assert requests.get(server + "/def.png", timeout=60).status_code == 404
    curl = requests.get(server + "/def", headers={"Accept": "*/*"}, timeout=60)
    assert curl.headers["content-type"].startswith("text/turtle")   # RDF clients first


def test_def_is_the_ontology_file_as_loaded(served):
    """What is served is ontology/bercy.ttl, triple for triple (loaded into the graph `vocabulary`)."""
    assert isomorphic(served, Graph().parse(PROJECT_ROOT / "ontology" / "bercy.ttl"))


def test_the_ontology_has_a_version_a_licence_and_a_preferred_prefix(served):
    assert served.value(ONTOLOGY, OWL.versionInfo) is not None
    assert served.value(ONTOLOGY, DCT.license) == URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
    assert served.value(ONTOLOGY, VANN.preferredNamespacePrefix) == Literal("bg")
    assert served.value(ONTOLOGY, VANN.preferredNamespaceUri) == Literal(BG_ONTOLOGY)


def test_every_bg_term_of_the_store_is_served_with_labels_and_comments_in_french_and_english(served, used_terms):
    for name in sorted(used_terms):
        term = URIRef(name)
        for prop in (RDFS.label, RDFS.comment):
            assert {v.language for v in served.objects(term, prop)} >= {"fr", "en"}, (name, prop)
        assert (term, RDFS.isDefinedBy, ONTOLOGY) in served, name


def test_each_term_has_its_section_on_the_html_page(server, served, used_terms):
    """`/def#<name>`: a section per term with its French and English labels (hash IRIs: the fragment
    of a term's IRI is its anchor on the page)."""
    page = requests.get(server + "/def.html", timeout=60).text
    for name in sorted(used_terms):
        local = name[len(BG_ONTOLOGY):]
        start = page.index(f'<section id="{local}">')
        section = page[start:page.index("</section>", start)]
        for lang in ("fr", "en"):
            label = next(v for v in served.objects(URIRef(name), RDFS.label) if v.language == lang)
            assert html.escape(str(label), quote=True) in section, (local, lang)


def test_shapes_graphs_are_the_shapes_files(server):
    for name, file in (("shapes-budget", "budget.ttl"), ("shapes-dcat-ap-3.0.1-range", "dcat-ap-3.0.1/range.ttl")):
        response = requests.get(f"{server}/def/shapes/{name}.ttl", timeout=60)
        assert response.status_code == 200
        assert isomorphic(Graph().parse(data=response.text, format="turtle"),
                          Graph().parse(PROJECT_ROOT / "shapes" / file))
    assert requests.get(f"{server}/def/shapes/shapes-nothing", timeout=60).status_code == 404


def test_void_links_each_validated_graph_to_its_shapes(server, built):
    void = Graph().parse(data=requests.get(server + "/.well-known/void.ttl", timeout=120).text, format="turtle")
    conforms = {(str(g).rsplit("/", 1)[-1], str(s).rsplit("/", 1)[-1]) for g, s in void.subject_objects(DCT.conformsTo)
                if "/graph/shapes-" in str(s)}   # (a generic table's graph also conforms to its CSVW table)
    clean = [v for v in built.validation if v["violations"] == 0]
    assert clean
    budget_graphs = next(v["graphs"] for v in built.validation if v["name"] == "budget")
    for graph in budget_graphs:
        assert (graph, "shapes-budget") in conforms
    for _, shapes in conforms:   # every shapes graph named is served
        assert requests.get(f"{server}/def/shapes/{shapes}.ttl", timeout=60).status_code == 200


def rows(path: Path, delimiter: str = ",") -> int:
    with path.open(encoding="utf-8-sig") as handle:
        return sum(1 for _ in csv.DictReader(handle, delimiter=delimiter))


def test_void_class_and_property_partitions_count_as_the_sources(server):
    """qb:Observation instances and bg:montant triples: an AE and a CP per PLF row, one per état B
    mission, état A line and OFGL budget x agrégat row; and the observations of the build's cubes."""
    void = Graph().parse(data=requests.get(server + "/.well-known/void.ttl", timeout=120).text, format="turtle")
    budget = DATA / "budget"
    expected = (2 * rows(budget / "plf2025_depenses_selon_destination_ods_export.csv", ";")
                + rows(budget / "lfi2026_etat_b_budget_general_missions_cp.csv")
                + rows(budget / "lfi2026_etat_a_recettes_budget_general_lignes.csv")
                + rows(DATA / "local_accounts" / "ofgl_base_communes_2024_dept971_guadeloupe.csv", ";"))
    classes = {void.value(p, VOID["class"]): void.value(p, VOID.entities).toPython()
               for p in void.objects(None, VOID.classPartition)}
    properties = {void.value(p, VOID.property): void.value(p, VOID.triples).toPython()
                  for p in void.objects(None, VOID.propertyPartition)}
    cubes = int(requests.post(server + "/sparql", data={"query": AGGREGATE_OBSERVATIONS},
                              headers={"Accept": "text/csv"}, timeout=60).text.split()[-1])
    assert cubes > 0   # the build's aggregates (graph_service/build/aggregates.py) are observations too
    assert classes[URIRef("http://purl.org/linked-data/cube#Observation")] == expected + cubes
    assert properties[BG.montant] == expected


CUBE_KEYS = ", ".join(f'"{c.key}"' for c in aggregates.CUBES)
AGGREGATE_OBSERVATIONS = f"""SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{
  ?o <http://purl.org/linked-data/cube#dataSet> ?cube . ?cube <http://purl.org/dc/terms/identifier> ?key
  FILTER(?key IN ({CUBE_KEYS})) }}"""


def test_decp_quality_query_names_its_metrics(store):
    """The DECP audit metrics (bg:DuplicateId...) are described in the vocabulary graph, so the query's
    label column is filled for every metric it returns."""
    result = store.select((QUERIES / "decp_quality_by_source.rq").read_text(encoding="utf-8"))
    assert result
    assert all(r.get("label") for r in result), {r["metric"] for r in result if not r.get("label")}
