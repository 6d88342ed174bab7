"""The DCAT catalog as real harvesters read it: udata (data.gouv.fr) and CKAN (ckanext-dcat 2.4.4).

- udata keys a dataset's resources by URL: `resource_from_rdf` takes `downloadURL or accessURL` and
  updates the resource already holding that URL (opendatateam/udata, udata/core/dataset/rdf.py,
  `get_by(dataset.resources, "url", url)`), so distributions sharing a URL collapse into one;
  its spatial coverage comes only from a geometry literal of a `dct:spatial` node
  (`spatial_from_rdf`: GeoJSON typed with the IANA geo+json IRI, or WKT), Polygon or MultiPolygon.
- CKAN's parser runs for real, in its own environment (tests/harvester), on what our server serves.
- High-value datasets: data.gouv.fr's `hvd` tag, and the DCAT-AP HVD 3.0.0 shapes.

Expected values come from the catalog's CSV export (read here with the csv module), the EU HVD
category table and the outlines of shared/data/geo, never from our own output.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import replace

import pyoxigraph as ox
import pytest
import requests
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, RDF

from graph_service.shacl import pyshacl_engine as shacl_engines
from graph_service.shacl import shape_sets as validation
from graph_service.web.app import create_app
from graph_service.build.pipeline import lift_source
from graph_service.config import PROJECT_ROOT
from mappings import catalog
from mappings.iri import Minter
from mappings.namespaces import sparql_prologue
from mappings.source import Context

from .conftest import BASE, DATA
from .harvester.env import run_parser
from .serving import free_port, running_server

CSV = DATA / catalog.PATH
FRANCE = {"France", "France métropolitaine"}
FRA = "http://publications.europa.eu/resource/authority/country/FRA"
GEOJSON = "https://www.iana.org/assignments/media-types/application/vnd.geo+json"
HVD_LEGISLATION = "http://data.europa.eu/eli/reg_impl/2023/138/oj"
HVD_TABLE = DATA / "vocabularies/eu/high-value-dataset-category.rdf"
GEO_OUTLINES = PROJECT_ROOT.parent / "shared/data/geo/departements-version-simplifiee.geojson"
LO2 = "Licence Ouverte / Open Licence version 2.0"
LO1 = "Licence Ouverte / Open Licence"


def described() -> list[dict[str, str]]:
    """The rows the catalog keeps: every one (a missing description gets a generated one, issue 9)."""
    with CSV.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def items(text: str) -> set[str]:
    return {t.strip() for t in text.split(",") if t.strip()}


def identifier(row: dict[str, str]) -> str:
    m = re.search(r"/explore/dataset/([^/]+)/$", row["harvest.remote_url"])
    return m.group(1) if m else row["id"]


def format_codes(row: dict[str, str]) -> set[str]:
    """The EU file types of a row's resource formats (one distribution each)."""
    return {catalog.FORMATS[t].code for t in items(row["resources_formats"]) if t in catalog.FORMATS}


EXPECTED = {identifier(r): r for r in described()}


def select(store, query: str) -> list[dict[str, str]]:
    return store.select(sparql_prologue() + query)


@pytest.fixture(scope="module")
def server(built, settings) -> str:
    port = free_port()
    with running_server(replace(settings, base=f"http://127.0.0.1:{port}"), port=port) as url:
        yield url


def fetch(url: str) -> requests.Response:
    response = requests.get(url, timeout=120)
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return response


# ------------------------------------------------------------------------------------ udata

def test_every_distribution_of_a_dataset_has_its_own_url(store):
    """udata's rule (one resource per `downloadURL or accessURL`) keeps every distribution."""
    rows = select(store, """SELECT ?id ?x ?access ?download ?title WHERE {
        ?d a dcat:Dataset ; dct:identifier ?id ; dcat:distribution ?x .
        ?x dcat:accessURL ?access ; dct:title ?title . OPTIONAL { ?x dcat:downloadURL ?download } }""")
    by_dataset = defaultdict(list)
    for r in rows:
        by_dataset[r["id"]].append(r)
    kept = {i: {d.get("download") or d["access"] for d in dists} for i, dists in by_dataset.items()}  # udata's key
    for ident, dists in by_dataset.items():
        assert len(kept[ident]) == len({d["access"] for d in dists}) == len(dists), ident
    expected = {i: len(format_codes(r)) for i, r in EXPECTED.items() if format_codes(r)}
    assert {i: len(d) for i, d in by_dataset.items()} == expected
    assert len(rows) == sum(expected.values()) == sum(len(urls) for urls in kept.values())
    # the title says what the file is, not just its format
    for r in rows:
        assert r["title"].startswith(("Export ", "Fichier ")), r
        assert r["title"].startswith("Export ") == ("download" in r), r
    csv_exports = {r["title"] for r in rows if r["x"].endswith("/csv") and "download" in r}
    assert csv_exports == {"Export CSV du jeu de données"}


def test_the_api_names_each_distribution_by_its_format(built, settings):
    """Titles now say what a file is; the REST API's `format` stays the EU file type's code."""
    ident, row = next((i, r) for i, r in EXPECTED.items() if len(format_codes(r)) > 2 and r["harvest.remote_url"])
    response = TestClient(create_app(settings)).get(f"/api/datasets/{ident}")
    assert response.status_code == 200, response.text[:300]
    distributions = response.json()["distributions"]
    assert sorted(d["format"] for d in distributions) == sorted(format_codes(row))
    assert len({d["access_url"] for d in distributions}) == len(distributions)


# ------------------------------------------------------------------------------------- CKAN

CKAN_HARVEST = r"""
import json, sys
import requests
from ckan.common import config
from ckanext.dcat.processors import RDFParser

text = requests.get(sys.argv[1], timeout=300).text
out = {}
for name, register in (("default", None), ("configured", sys.argv[2])):
    if register:  # what a CKAN administrator sets to add licences to CKAN's register
        config["licenses_group_url"] = register
    parser = RDFParser()
    parser.parse(text, _format="xml")
    out[name] = [{"identifier": extras.get("identifier"), "license_id": d.get("license_id"),
                  "spatial_uri": extras.get("spatial_uri"), "spatial": extras.get("spatial"),
                  "resources": [{"format": r.get("format"), "license": r.get("license")}
                                for r in d.get("resources", [])]}
                 for d in parser.datasets()
                 for extras in [{e["key"]: e["value"] for e in d.get("extras", [])}]]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def ckan(server, tmp_path_factory) -> dict[str, dict[str, dict]]:
    """CKAN's parser on the whole catalog (RDF/XML), with CKAN's default licence register and with
    one that lists the two Licences Ouvertes by the titles data.gouv.fr gives them (and, for 2.0,
    the URL Opendatasoft's DCAT export uses, not ours: the match is by title)."""
    register = tmp_path_factory.mktemp("ckan") / "licences.json"
    register.write_text(json.dumps([
        {"id": "etalab-2.0", "title": LO2, "status": "active",
         "url": "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf"},
        {"id": "fr-lo", "title": LO1, "status": "active", "url": ""},
    ]), encoding="utf-8")
    runs = run_parser(CKAN_HARVEST, f"{server}/catalog/full.rdf", f"file://{register}")
    return {name: {d["identifier"]: d for d in datasets} for name, datasets in runs.items()}


def test_ckan_shows_the_format_of_every_resource(ckan):
    found = ckan["default"]
    assert set(found) == set(EXPECTED)
    formats = Counter(r["format"] for d in found.values() for r in d["resources"])
    assert not [f for f in formats if not f or "://" in f]  # a format name, never an IRI
    for ident, row in EXPECTED.items():
        shown = [r["format"] for r in found[ident]["resources"]]
        assert len(shown) == len(format_codes(row)), ident
        assert ("CSV" in shown) == ("csv" in items(row["resources_formats"])), ident
    assert formats["CSV"] == sum(1 for r in described() if "csv" in items(r["resources_formats"]))


def test_ckan_licence_needs_a_register_that_knows_the_licence_ouverte(ckan):
    """CKAN's default register has no Licence Ouverte, and ckanext-dcat matches a distribution's
    `dct:license` only by the register's URL or title: `license_id` stays empty (each resource still
    carries the licence IRI). A register listing it by its title resolves every licensed dataset."""
    licensed = {i: r["license"] for i, r in EXPECTED.items() if r["license"] in (LO2, LO1) and format_codes(r)}
    assert licensed
    default, configured = ckan["default"], ckan["configured"]
    assert {d["license_id"] for d in default.values()} == {""}
    for ident, title in licensed.items():
        assert {r["license"] for r in default[ident]["resources"]} == {catalog.LICENCES[title].iri}
        assert configured[ident]["license_id"] == {LO2: "etalab-2.0", LO1: "fr-lo"}[title], ident
    assert {i for i, d in configured.items() if d["license_id"]} == set(licensed)


def test_ckan_reads_the_spatial_coverage_as_country_and_geometry(ckan):
    france = {i for i, r in EXPECTED.items() if items(r["spatial.zones"]) & FRANCE}
    found = ckan["default"]
    assert {i for i, d in found.items() if d["spatial"]} == france
    for ident in france:
        assert found[ident]["spatial_uri"] == FRA
        assert json.loads(found[ident]["spatial"])["type"] == "Polygon"


# ---------------------------------------------------------------------------- spatial coverage

def udata_geometries(graph: Graph, dataset: URIRef) -> list[dict]:
    """udata's `spatial_from_rdf`: the GeoJSON literals of the dataset's `dct:spatial` nodes."""
    found = []
    for node in graph.objects(dataset, DCT.spatial):
        for value in graph.objects(node, None):
            if isinstance(value, Literal) and str(value.datatype) == GEOJSON:
                geometry = json.loads(str(value))
                if geometry["type"] in ("Polygon", "MultiPolygon"):
                    found.append(geometry)
    return found


def test_datasets_covering_france_have_a_geometry_harvesters_keep(server, built):
    graph = Graph().parse(data=fetch(f"{server}/catalog/full.ttl").content, format="turtle")
    datasets = {str(graph.value(d, DCT.identifier)): d for d in graph.subjects(RDF.type, DCAT.Dataset)}
    covered = {i for i, r in EXPECTED.items() if items(r["spatial.zones"]) & set(catalog.ZONES)}
    france = {i for i, r in EXPECTED.items() if items(r["spatial.zones"]) & FRANCE}
    assert len(covered) == 243 and len(france) == 242  # the one left covers the EU: no outline at hand
    assert {i for i, d in datasets.items() if graph.value(d, DCT.spatial) is not None} == covered
    with_geometry = {i for i, d in datasets.items() if udata_geometries(graph, d)}
    assert with_geometry == france
    west, south, east, north = catalog.METROPOLE_BBOX
    for ident in france:
        dataset = datasets[ident]
        assert URIRef(FRA) in set(graph.objects(dataset, DCT.spatial))  # the EU country is kept
        [polygon] = udata_geometries(graph, dataset)
        [ring] = polygon["coordinates"]
        assert {(x, y) for x, y in ring} == {(west, south), (east, south), (east, north), (west, north)}
        [location] = [n for n in graph.objects(dataset, DCT.spatial) if (n, RDF.type, DCT.Location) in graph
                      and graph.value(n, DCAT.bbox) is not None]
        assert str(graph.value(location, DCAT.bbox)).startswith(f"POLYGON(({west} {south}, ")
    strict = {v["name"]: v for v in built.validation}["dcat-ap-3.0.1"]
    assert "catalog" in strict["graphs"] and strict["violations"] == 0


def test_metropolitan_bounding_box_is_the_extent_of_the_ign_outlines():
    """METROPOLE_BBOX is the extent of france-geojson's 96 départements, rounded outward to 0.01°."""
    if not GEO_OUTLINES.is_file():
        pytest.skip(f"the outlines are in the shared material ({GEO_OUTLINES}), absent here")
    points = []
    for feature in json.loads(GEO_OUTLINES.read_text(encoding="utf-8"))["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        points += [point for polygon in polygons for ring in polygon for point in ring]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    west, south, east, north = catalog.METROPOLE_BBOX
    assert west <= min(xs) < west + 0.01 and south <= min(ys) < south + 0.01
    assert east - 0.01 < max(xs) <= east and north - 0.01 < max(ys) <= north


# --------------------------------------------------------------------------- high-value datasets

def slug(label: str) -> str:
    """A tag as data.gouv.fr makes it from a label: no accents, no apostrophes, words joined by '-'."""
    plain = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain.replace("'", "").replace("’", "")).strip("-")


def hvd_category_tags() -> dict[str, str]:
    """The EU HVD table's top categories, by the slug of their French label."""
    table = ox.Store()
    table.bulk_load(path=str(HVD_TABLE), format=ox.RdfFormat.RDF_XML)
    query = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?c ?label WHERE { ?c skos:topConceptOf <http://data.europa.eu/bna/asd487ae75> ;
                                   skos:prefLabel ?label FILTER(lang(?label) = "fr") }"""
    return {slug(r["label"].value): r["c"].value for r in table.query(query)}


def test_hvd_datasets_carry_their_categories_and_the_regulation(store):
    tags = hvd_category_tags()
    assert len(tags) == 6
    expected = {i: {tags[t] for t in items(r["tags"]) if t in tags}
                for i, r in EXPECTED.items() if "hvd" in items(r["tags"])}
    assert len(expected) == 2 and all(expected.values())
    found = defaultdict(set)
    for r in select(store, "SELECT ?id ?c WHERE { ?d dct:identifier ?id ; dcatap:hvdCategory ?c }"):
        found[r["id"]].add(r["c"])
    assert found == expected
    legislated = select(store, f"""SELECT ?id WHERE {{ ?d dct:identifier ?id ;
        dcatap:applicableLegislation <{HVD_LEGISLATION}> }}""")
    assert {r["id"] for r in legislated} == set(expected)
    missing = select(store, f"""SELECT ?x WHERE {{ ?d dcatap:hvdCategory ?c ; dcat:distribution ?x .
        FILTER NOT EXISTS {{ ?x dcatap:applicableLegislation <{HVD_LEGISLATION}> }} }}""")
    assert missing == []


def hvd_shapes() -> validation.ShapeSet:
    [shape_set] = [s for s in validation.SHAPE_SETS if s.name == "dcat-ap-hvd-3.0.0"]
    return shape_set


def test_hvd_datasets_conform_to_dcat_ap_hvd_3(built, server, tmp_path):
    outcome = {v["name"]: v for v in built.validation}["dcat-ap-hvd-3.0.0"]
    assert "catalog" in outcome["graphs"] and "eu-hvd-category" in outcome["graphs"]
    assert outcome["violations"] == 0
    for ident, row in EXPECTED.items():  # the document a harvester fetches is self-contained
        if "hvd" in items(row["tags"]):
            path = tmp_path / f"{ident}.ttl"
            path.write_bytes(fetch(f"{server}/catalog/datasets/{ident}.ttl").content)
            results, _ = shacl_engines.pyshacl_engine(hvd_shapes().shape_files(), [path])
            assert [r for r in results if r.severity == "Violation"] == [], ident


def test_hvd_shapes_check_the_hvd_datasets_only_and_can_fail(tmp_path):
    """The HVD shapes require what only an HVD dataset has: they target the datasets with an HVD
    category (shapes/dcat-ap-hvd-3.0.0/hvd-targets.ttl). Dropping the regulation from one HVD
    distribution is a violation on its dataset."""
    ctx = Context(Minter(BASE), DATA)
    files = [lift_source(s, ctx, tmp_path, progress=False).nquads for s in catalog.SOURCES]

    def violations() -> list[str]:
        results, _ = shacl_engines.pyshacl_engine(hvd_shapes().shape_files(), files)
        return [r.focus for r in results if r.severity == "Violation"]

    assert violations() == []
    dataset = f"{BASE}/id/dataset/statistiques-nationales-du-commerce-exterieur"
    legislation = f"<http://data.europa.eu/r5r/applicableLegislation> <{HVD_LEGISLATION}>"
    lines = files[0].read_text(encoding="utf-8").splitlines(keepends=True)
    [dropped] = [x for x in lines if x.startswith(f"<{BASE}/id/distribution/statistiques-nationales-du-commerce"
                                                  f"-exterieur/csv> {legislation}")]
    files[0].write_text("".join(x for x in lines if x != dropped), encoding="utf-8")
    assert violations() == [dataset]
