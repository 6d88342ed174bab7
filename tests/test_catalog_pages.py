"""Catalog paging parameters, Hydra links and the escaping of user values, without a server."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, XSD

from graph_service.web.documents.catalog import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, BadParameter, Paging, Request, dataset_by_identifier, datasets_query, parse_request, parse_since

HYDRA = "http://www.w3.org/ns/hydra/core#"


@pytest.mark.parametrize(("raw", "utc"), [
    ("2025-01-31", "2025-01-31T00:00:00Z"),
    ("2025-01-31T12:30:00", "2025-01-31T12:30:00Z"),
    ("2025-01-31T12:30:00Z", "2025-01-31T12:30:00Z"),
    ("2025-01-31T12:30:00+01:00", "2025-01-31T11:30:00Z"),
    ("2025-01-31T12:30:00 01:00", "2025-01-31T11:30:00Z"),  # a `+` sent unencoded in a query string
    ("2025-01-01T00:30:00+02:00", "2024-12-31T22:30:00Z"),
    ("2025-01-31 12:30:00", "2025-01-31T12:30:00Z"),
    ("2025-01-31 12:30:00 02:00", "2025-01-31T10:30:00Z"),
])
def test_modified_since_becomes_a_utc_datetime(raw, utc):
    assert parse_since(raw) == utc


@pytest.mark.parametrize("raw", ["yesterday", "2025-13-01", "31/01/2025", '2025-01-01"^^xsd:date) } #'])
def test_unreadable_dates_are_refused_naming_the_parameter(raw):
    with pytest.raises(BadParameter, match="modified_since"):
        parse_since(raw)


def test_request_defaults_and_limits():
    assert parse_request({}) == Request(1, DEFAULT_PAGE_SIZE, None)
    assert parse_request({"page": "3", "page_size": "20"}, paged=True) == Request(3, 20, None)
    assert parse_request({"page": "3"}, paged=False).page is None
    for params in ({"page": "0"}, {"page": "1e3"}, {"page": "-1"}, {"page": "٣"},
                   {"page_size": str(MAX_PAGE_SIZE + 1)}, {"page_size": "0"}):
        with pytest.raises(BadParameter, match=next(iter(params))):
            parse_request(params)


def test_identifiers_are_escaped_in_the_query():
    """An identifier full of SPARQL syntax is matched as a plain string, nothing more."""
    weird = 'x" } ; DROP ALL ; SELECT * { ?s ?p "\\\n'
    graph = Graph()
    for name, ident in (("weird", weird), ("plain", "x")):
        graph.add((URIRef(f"http://example.org/{name}"), RDF.type, DCAT.Dataset))
        graph.add((URIRef(f"http://example.org/{name}"), DCTERMS.identifier, Literal(ident)))
    assert [str(r.ds) for r in graph.query(dataset_by_identifier(weird))] == ["http://example.org/weird"]


def test_modified_since_filter_compares_datetimes():
    graph = Graph()
    catalog = URIRef("http://example.org/catalog")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    for name, modified in (("old", "2024-12-31T23:59:59Z"), ("new", "2025-01-01T00:00:00Z")):
        ds = URIRef(f"http://example.org/{name}")
        graph.add((catalog, DCAT.dataset, ds))
        graph.add((ds, DCTERMS.identifier, Literal(name)))
        graph.add((ds, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
    found = [str(r.ds) for r in graph.query(datasets_query(parse_since("2025-01-01")))]
    assert found == ["http://example.org/new"]
    assert len(list(graph.query(datasets_query(None)))) == 2


def hydra_links(paging: Paging) -> dict[str, str]:
    return {p.rsplit("#", 1)[1][:-1]: o[1:-1] for s, p, o in paging.hydra("http://example.org/catalog")
            if p.startswith(f"<{HYDRA}") and p[len(HYDRA) + 1:-1] in ("first", "last", "next", "previous")}


def test_hydra_links_of_first_middle_and_last_pages():
    url = "https://data.example/catalog.ttl"
    first = Paging(url, Request(1, 100, None), 672)
    assert first.last == 7
    assert hydra_links(first) == {"first": url, "last": f"{url}?page=7", "next": f"{url}?page=2"}
    middle = Paging(url, Request(4, 100, None), 672)
    assert hydra_links(middle)["previous"] == f"{url}?page=3" and hydra_links(middle)["next"] == f"{url}?page=5"
    last = Paging(url, Request(7, 100, None), 672)
    assert "next" not in hydra_links(last)
    assert last.members([str(i) for i in range(672)]) == [str(i) for i in range(600, 672)]
    empty = Paging(url, Request(1, 100, None), 0)
    assert empty.last == 1 and "next" not in hydra_links(empty)


def test_links_keep_the_page_size_and_the_filter():
    paging = Paging("https://data.example/catalog", Request(2, 10, "2025-01-01T00:00:00Z"), 35)
    assert hydra_links(paging)["next"] == ("https://data.example/catalog?page=3&page_size=10"
                                           "&modified_since=2025-01-01T00%3A00%3A00Z")
    assert hydra_links(paging)["last"].startswith("https://data.example/catalog?page=4&")
