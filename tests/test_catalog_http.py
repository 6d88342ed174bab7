"""The DCAT catalog served to harvesters (`/catalog`): Hydra paging walked to the end, formats and
content negotiation, HEAD, filters, the unpaged dump, per-dataset documents, DCAT-AP 3.0.1
conformance of every page, and CKAN's real DCAT parser (ckanext-dcat) harvesting all pages.

Expected values come from the catalog's CSV export (read here with the csv module) and from the
documented rules (a dataset needs a description; licences as data.gouv.fr names them).
"""

from __future__ import annotations

import csv
import html
import json
import math
import re
from dataclasses import replace
from datetime import datetime
import pytest
import requests
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, FOAF, RDF, SKOS

from graph_service.shacl import pyshacl_engine as shacl_engines
from graph_service.shacl import shape_sets as validation
from mappings import catalog

from .conftest import DATA
from .harvester.env import run_parser
from .serving import free_port, running_server

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
CSV = DATA / catalog.PATH
PAGE_SIZE = 100  # the documented default page size
FORMATS = {"ttl": ("text/turtle", "turtle"), "rdf": ("application/rdf+xml", "xml"),
           "jsonld": ("application/ld+json", "json-ld"), "nt": ("application/n-triples", "nt")}


def described() -> list[dict[str, str]]:
    """The rows the catalog publishes: every one (a missing description gets a generated one, issue 9)."""
    with CSV.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def identifier(row: dict[str, str]) -> str:
    """The portal's dataset id (from the harvest URL), else the data.gouv.fr id."""
    m = re.search(r"/explore/dataset/([^/]+)/$", row["harvest.remote_url"])
    return m.group(1) if m else row["id"]


def licence_iri(row: dict[str, str]) -> str | None:
    lic = catalog.LICENCES.get(row["license"])
    return lic.iri if lic else None


EXPECTED = {identifier(r): r for r in described()}


@pytest.fixture(scope="module")
def server(built, settings) -> str:
    """Our server; its public base is its own URL, so harvesters can follow the links it writes."""
    port = free_port()
    with running_server(replace(settings, base=f"http://127.0.0.1:{port}"), port=port) as url:
        yield url


def fetch(url: str, **kwargs) -> requests.Response:
    response = requests.get(url, timeout=120, **kwargs)
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return response


def parse(response: requests.Response) -> Graph:
    media = response.headers["content-type"].split(";")[0]
    rdflib_format = {m: f for m, f in FORMATS.values()}[media]
    return Graph().parse(data=response.content, format=rdflib_format)


def dataset_ids(graph: Graph) -> list[str]:
    return [str(graph.value(d, DCT.identifier)) for d in graph.subjects(RDF.type, DCAT.Dataset)]


def view_of(graph: Graph):
    [catalog_node] = graph.subjects(RDF.type, DCAT.Catalog)
    return catalog_node, graph.value(catalog_node, HYDRA.view)


@pytest.fixture(scope="module")
def pages(server) -> list[tuple[str, Graph]]:
    """Every page of /catalog.ttl, in order, found by following hydra:next from the first."""
    out, url = [], f"{server}/catalog.ttl"
    while url and len(out) < 50:
        graph = parse(fetch(url))
        out.append((url, graph))
        _, view = view_of(graph)
        url = graph.value(view, HYDRA.next)
    return out


# --------------------------------------------------------------------------------------- paging

def test_paging_walked_to_the_end_finds_every_dataset_once(server, pages):
    assert len(pages) == math.ceil(len(EXPECTED) / PAGE_SIZE) == 7
    seen = [i for _, graph in pages for i in dataset_ids(graph)]
    in_order = sorted(EXPECTED)  # documented: pages follow the identifiers' order
    for number, (_, graph) in enumerate(pages):
        assert sorted(dataset_ids(graph)) == in_order[number * PAGE_SIZE:(number + 1) * PAGE_SIZE]
    assert len(seen) == len(set(seen)) == len(EXPECTED)
    assert set(seen) == set(EXPECTED)
    for number, (url, graph) in enumerate(pages, start=1):
        catalog_node, view = view_of(graph)
        assert (catalog_node, RDF.type, HYDRA.Collection) in graph
        assert graph.value(catalog_node, HYDRA.totalItems).toPython() == len(EXPECTED)
        assert (view, RDF.type, HYDRA.PartialCollectionView) in graph
        assert str(view) == str(url)   # the URL fetched: link-traversal clients read hydra:next from it
        assert len(dataset_ids(graph)) == min(PAGE_SIZE, len(EXPECTED) - (number - 1) * PAGE_SIZE)
        # the catalog lists exactly the page's datasets
        assert set(graph.objects(catalog_node, DCAT.dataset)) == set(graph.subjects(RDF.type, DCAT.Dataset))
        links = {p: graph.value(view, p) for p in (HYDRA.first, HYDRA.last, HYDRA.next, HYDRA.previous)}
        assert str(links[HYDRA.first]) == f"{server}/catalog.ttl"   # page 1 has one URL: the harvest URL
        assert str(links[HYDRA.last]) == f"{server}/catalog.ttl?page={len(pages)}"
        if number == len(pages):
            assert links[HYDRA.next] is None
        else:
            assert str(links[HYDRA.next]) == f"{server}/catalog.ttl?page={number + 1}"
        if number == 1:
            assert links[HYDRA.previous] is None
        else:
            assert str(links[HYDRA.previous]) == str(pages[number - 2][0])
    assert [str(url) for url, _ in pages] == [f"{server}/catalog.ttl", *(f"{server}/catalog.ttl?page={n}" for n in
                                                                      range(2, len(pages) + 1))]
    # `page=1` is page 1 too, described at the URL it was fetched at
    explicit = parse(fetch(f"{server}/catalog.ttl?page=1"))
    assert sorted(dataset_ids(explicit)) == sorted(dataset_ids(pages[0][1]))
    assert str(view_of(explicit)[1]) == f"{server}/catalog.ttl?page=1"


def test_links_use_the_configured_base_not_the_host_header(server):
    headers = {"Host": "proxy.example:8443", "X-Forwarded-Host": "evil.example",
               "X-Forwarded-Proto": "https", "Forwarded": "host=evil.example;proto=https"}
    graph = parse(fetch(f"{server}/catalog.ttl", headers=headers))
    _, view = view_of(graph)
    links = [view, *(graph.value(view, p) for p in (HYDRA.first, HYDRA.next, HYDRA.last))]
    assert all(str(link).startswith(server + "/catalog.ttl") for link in links)


def test_page_size_parameter_and_bad_pages(server):
    graph = parse(fetch(f"{server}/catalog.nt", params={"page_size": 250}))
    catalog_node, view = view_of(graph)
    last = math.ceil(len(EXPECTED) / 250)
    assert len(dataset_ids(graph)) == 250
    assert str(graph.value(view, HYDRA.last)) == f"{server}/catalog.nt?page={last}&page_size=250"
    last_page = parse(fetch(str(graph.value(view, HYDRA.last))))
    assert graph.value(view_of(last_page)[1], HYDRA.next) is None
    assert len(dataset_ids(last_page)) == len(EXPECTED) - 250 * (last - 1)
    past = requests.get(f"{server}/catalog.ttl", params={"page": last + 1, "page_size": 250}, timeout=60)
    assert past.status_code == 404 and f"({last})" in past.text
    for params, name in [({"page": "0"}, "page"), ({"page": "two"}, "page"), ({"page_size": "0"}, "page_size"),
                         ({"page_size": "100000"}, "page_size"), ({"modified_since": "yesterday"},
                                                                   "modified_since")]:
        response = requests.get(f"{server}/catalog", params=params, timeout=60)
        assert response.status_code == 400 and f"`{name}`" in response.text, params
    assert requests.get(f"{server}/catalog.xml", timeout=60).status_code == 404


def test_modified_since_keeps_datasets_modified_on_or_after_the_date(server):
    since = "2025-06-01"
    # the export's naive timestamps are UTC (as the catalog mapping reads them)
    expected = {i for i, r in EXPECTED.items() if datetime.fromisoformat(r["last_modified"]) >= datetime(2025, 6, 1)}
    assert 0 < len(expected) < len(EXPECTED)
    graph = parse(fetch(f"{server}/catalog.ttl", params={"modified_since": since, "page_size": 1000}))
    catalog_node, _ = view_of(graph)
    assert set(dataset_ids(graph)) == expected
    assert graph.value(catalog_node, HYDRA.totalItems).toPython() == len(expected)
    small = parse(fetch(f"{server}/catalog.ttl", params={"modified_since": since, "page_size": 10}))
    following = str(small.value(view_of(small)[1], HYDRA.next))
    assert "modified_since=2025-06-01T00%3A00%3A00Z" in following
    assert set(dataset_ids(parse(fetch(following)))) <= expected
    future = parse(fetch(f"{server}/catalog.ttl", params={"modified_since": "2100-01-01T00:00:00+01:00"}))
    catalog_node, view = view_of(future)
    assert dataset_ids(future) == [] and future.value(catalog_node, HYDRA.totalItems).toPython() == 0
    assert future.value(view, HYDRA.next) is None


def test_full_dump_holds_every_dataset_without_paging(server):
    graph = parse(fetch(f"{server}/catalog/full.nt"))
    assert sorted(dataset_ids(graph)) == sorted(EXPECTED)
    [catalog_node] = graph.subjects(RDF.type, DCAT.Catalog)
    assert graph.value(catalog_node, HYDRA.totalItems).toPython() == len(EXPECTED)
    assert not list(graph.subjects(RDF.type, HYDRA.PartialCollectionView))


# ------------------------------------------------------------------------ content of the pages

def test_every_page_is_self_contained(pages):
    themed = sum(1 for _, graph in pages for _ in graph.subject_objects(DCAT.theme))
    assert themed > 0
    for url, graph in pages:
        for ds in graph.subjects(RDF.type, DCAT.Dataset):
            row = EXPECTED[str(graph.value(ds, DCT.identifier))]
            assert str(graph.value(ds, DCT.title)) == row["title"].strip()
            publisher = graph.value(ds, DCT.publisher)
            assert str(graph.value(publisher, FOAF.name)) == row["organization"].strip(), url
            licence = licence_iri(row)
            assert graph.value(ds, DCT.license) == (URIRef(licence) if licence else None)
            if licence:
                assert (URIRef(licence), RDF.type, DCT.LicenseDocument) in graph
            for dist in graph.objects(ds, DCAT.distribution):
                assert (dist, RDF.type, DCAT.Distribution) in graph
                assert graph.value(dist, DCT.license) == (URIRef(licence) if licence else None)
                assert graph.value(graph.value(dist, DCT.format), SKOS.inScheme) is not None
            for theme in graph.objects(ds, DCAT.theme):
                labels = {label.language for label in graph.objects(theme, SKOS.prefLabel)}
                assert "fr" in labels, (url, theme)
            frequency = graph.value(ds, DCT.accrualPeriodicity)
            if frequency is not None:
                assert graph.value(frequency, SKOS.inScheme) is not None


def test_every_page_conforms_to_dcat_ap_3(pages, tmp_path):
    [shape_set] = [s for s in validation.SHAPE_SETS if s.name == "dcat-ap-3.0.1"]
    for number, (url, graph) in enumerate(pages, start=1):
        path = tmp_path / f"page-{number}.ttl"
        graph.serialize(path, format="turtle")
        results, _ = shacl_engines.pyshacl_engine(shape_set.shape_files(), [path])
        violations = [(r.focus, r.path, r.message) for r in results if r.severity == "Violation"]
        assert violations == [], url


def test_dataset_documents(server, tmp_path):
    rows = list(EXPECTED.items())
    no_portal = next((i, r) for i, r in rows if not r["harvest.remote_url"])
    for ident, row in (rows[0], rows[-1], no_portal):
        graph = parse(fetch(f"{server}/catalog/datasets/{ident}.ttl"))
        assert dataset_ids(graph) == [ident]
        [ds] = graph.subjects(RDF.type, DCAT.Dataset)
        assert str(graph.value(ds, DCT.title)) == row["title"].strip()
        assert str(graph.value(graph.value(ds, DCT.publisher), FOAF.name)) == row["organization"].strip()
    same = {ext: sorted(parse(fetch(f"{server}/catalog/datasets/{rows[0][0]}.{ext}")))
            for ext in FORMATS}
    assert len({len(triples) for triples in same.values()}) == 1
    negotiated = fetch(f"{server}/catalog/datasets/{rows[0][0]}", headers={"Accept": "application/rdf+xml"})
    assert negotiated.headers["content-type"] == "application/rdf+xml"
    missing = requests.get(f"{server}/catalog/datasets/no-such-dataset.ttl", timeout=60)
    assert missing.status_code == 404 and "no-such-dataset" in missing.text
    [shape_set] = [s for s in validation.SHAPE_SETS if s.name == "dcat-ap-3.0.1"]
    path = tmp_path / "dataset.ttl"
    path.write_bytes(fetch(f"{server}/catalog/datasets/{rows[0][0]}.ttl").content)
    results, _ = shacl_engines.pyshacl_engine(shape_set.shape_files(), [path])
    assert [r for r in results if r.severity == "Violation"] == []


# ------------------------------------------------------------------------------ formats and HTTP

def test_extensions_give_exact_content_types_and_the_same_graph(server):
    graphs = {}
    for ext, (media, _) in FORMATS.items():
        response = fetch(f"{server}/catalog.{ext}", params={"page_size": 5})
        assert response.headers["content-type"].split(";")[0] == media
        graphs[ext] = parse(response)
    assert len({frozenset(dataset_ids(g)) for g in graphs.values()}) == 1
    assert len({len(g) for g in graphs.values()}) == 1
    document = json.loads(fetch(f"{server}/catalog.jsonld", params={"page_size": 5}).content)
    assert document["@context"]["dcat"] == str(DCAT)


@pytest.mark.parametrize(("accept", "media"), [
    (None, "text/turtle"), ("*/*", "text/turtle"), ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml;q=0.9, text/turtle;q=0.5", "application/rdf+xml"),
    ("application/n-triples", "application/n-triples"), ("image/png, application/ld+json;q=0.8", "application/ld+json"),
    ("text/html;q=0.5, text/turtle", "text/turtle"),  # HTML named, but below an RDF type
])
def test_content_negotiation(server, accept, media):
    headers = {"Accept": accept}  # None: requests sends no Accept header at all
    response = fetch(f"{server}/catalog", params={"page_size": 2}, headers=headers)
    assert response.headers["content-type"].split(";")[0] == media
    assert "accept" in response.headers["vary"].lower()


def test_unacceptable_media_types_get_406(server):
    for accept in ("application/json", "image/png"):
        response = requests.get(f"{server}/catalog", headers={"Accept": accept}, timeout=60)
        assert response.status_code == 406, accept


@pytest.mark.parametrize("path", [
    "/catalog", "/catalog.ttl", "/catalog.rdf", "/catalog.jsonld", "/catalog.nt", "/catalog.ttl?page=7",
    "/catalog/full.ttl", "/catalog/datasets/{id}", "/catalog/datasets/{id}.jsonld",
])
def test_head_on_every_harvest_url(server, path):
    url = server + path.format(id=next(iter(EXPECTED)))
    head = requests.head(url, timeout=120)
    get = fetch(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert int(head.headers["content-length"]) == len(get.content)


def test_browsers_get_an_html_view_of_the_page(server):
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    response = fetch(f"{server}/catalog", params={"page": 2}, headers=browser)
    assert response.headers["content-type"].split(";")[0] == "text/html"
    second = sorted(EXPECTED)[PAGE_SIZE:2 * PAGE_SIZE]
    assert all(html.escape(EXPECTED[i]["title"].strip()) in response.text for i in second)
    titles = {EXPECTED[i]["title"].strip() for i in second}
    elsewhere = [t for i in sorted(EXPECTED)[:PAGE_SIZE] if (t := EXPECTED[i]["title"].strip()) not in titles]
    assert not any(f">{html.escape(t)}<" in response.text for t in elsewhere)
    assert f'href="{server}/catalog?page=3"' in response.text
    head = requests.head(f"{server}/catalog?page=2", headers=browser, timeout=60)
    assert head.content == b"" and int(head.headers["content-length"]) == len(response.content)


def test_unchanged_pages_revalidate_with_304(server):
    first = fetch(f"{server}/catalog.ttl", params={"page": 2})
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = requests.get(f"{server}/catalog.ttl", params={"page": 2}, headers={"If-None-Match": etag}, timeout=60)
    assert again.status_code == 304 and again.content == b""
    since = requests.get(f"{server}/catalog.ttl", params={"page": 2}, headers={"If-Modified-Since": modified},
                         timeout=60)
    assert since.status_code == 304
    other = fetch(f"{server}/catalog.ttl", params={"page": 3}, headers={"If-None-Match": etag})
    assert other.headers["etag"] != etag
    assert fetch(f"{server}/catalog.nt", params={"page": 2}).headers["etag"] != etag


# -------------------------------------------------------------------------- a real harvester

WALK = r"""
import json, sys
from urllib.parse import urlsplit

import requests
from ckanext.dcat.processors import RDFParser

out = {}
for start, rdf_format in zip(sys.argv[1::2], sys.argv[2::2]):
    allowed, url, pages, datasets = urlsplit(start).netloc, start, [], []
    while url and len(pages) < 50:
        if urlsplit(url).netloc != allowed:
            raise SystemExit(f"a next page outside the test server: {url}")
        response = requests.get(url, timeout=120)
        response.raise_for_status()
        parser = RDFParser()  # one parser per page, as ckanext-dcat's harvester does
        parser.parse(response.text, _format=rdf_format)
        pages.append({"url": url, "content_type": response.headers.get("content-type")})
        for d in parser.datasets():
            extras = {e["key"]: e["value"] for e in d.get("extras", [])}
            datasets.append({"identifier": extras.get("identifier"), "title": d.get("title"),
                             "resources": [{"license": r.get("license"), "url": r.get("url")}
                                           for r in d.get("resources", [])]})
        url = parser.next_page()
    out[rdf_format] = {"pages": pages, "datasets": datasets}
print(json.dumps(out))
"""


def test_ckanext_dcat_parser_harvests_every_page(server):
    walks = run_parser(WALK, f"{server}/catalog.rdf", "xml", f"{server}/catalog.jsonld", "json-ld")
    for rdf_format, media in (("xml", "application/rdf+xml"), ("json-ld", "application/ld+json")):
        walk = walks[rdf_format]
        assert len(walk["pages"]) == math.ceil(len(EXPECTED) / PAGE_SIZE)
        assert {p["content_type"] for p in walk["pages"]} == {media}
        found = {d["identifier"]: d for d in walk["datasets"]}
        assert len(walk["datasets"]) == len(found) == len(EXPECTED)
        assert set(found) == set(EXPECTED)
        for ident, row in EXPECTED.items():
            dataset = found[ident]
            assert dataset["title"] == row["title"].strip()
            tokens = {t.strip() for t in row["resources_formats"].split(",")}
            codes = {catalog.FORMATS[t].code for t in tokens if t in catalog.FORMATS}
            assert len(dataset["resources"]) == len(codes), ident
            assert all(r["url"] for r in dataset["resources"])
            # ckanext-dcat reads the licence from the distributions only
            assert {r["license"] for r in dataset["resources"]} == ({licence_iri(row)} if codes else set())
