"""The HTTP policies the routers share (graph_service/web/http.py, formats.py): one error form,
conditional GET on every document (VoID included), repeated parameters refused alike, one format table.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from graph_service.web import formats
from graph_service.web.app import create_app

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PROBLEM = "application/problem+json"
TOULON = "/id/commune/83137"


@pytest.fixture(scope="module")
def client(built, settings) -> TestClient:
    return TestClient(create_app(settings))


def media(response) -> str:
    return response.headers["content-type"].split(";")[0]


@pytest.mark.parametrize("path", ["/.well-known/void", "/.well-known/void.ttl", "/.well-known/void.jsonld"])
def test_void_answers_304_to_its_etag(client, path):
    first = client.get(path)
    etag = first.headers["etag"]
    assert first.status_code == 200 and first.headers["last-modified"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    since = client.get(path, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    assert client.head(path, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"another"'}).status_code == 200


def test_each_void_format_has_its_own_etag(client):
    etags = {client.get(f"/.well-known/void.{f.ext}").headers["etag"] for f in formats.DOCUMENTS}
    assert len(etags) == len(formats.DOCUMENTS)


def test_head_sends_the_headers_of_get_without_the_body(client):
    for path in ("/.well-known/void.ttl", f"{TOULON}.nt", "/catalog.ttl", "/"):
        get, head = client.get(path), client.head(path)
        assert head.status_code == 200 and head.content == b"", path
        assert head.headers["content-length"] == str(len(get.content)), path
        assert head.headers["content-type"] == get.headers["content-type"], path


@pytest.mark.parametrize("path", ["/nowhere", "/catalog/nowhere/deeper", "/id"])
def test_an_unknown_path_answers_like_the_rest_of_the_site(client, path):
    page = client.get(path, headers={"Accept": BROWSER})
    assert page.status_code == 404 and media(page) == "text/html" and 'href="/"' in page.text
    text = client.get(path, headers={"Accept": "*/*"})
    assert text.status_code == 404 and media(text) == "text/plain" and path in text.text
    assert "detail" not in text.text


def test_an_unknown_api_path_is_a_problem(client):
    response = client.get("/api/nowhere", headers={"Accept": BROWSER})
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 404


def test_a_wrong_method_is_405_with_allow(client):
    response = client.post("/catalog.ttl")
    assert response.status_code == 405 and media(response) == "text/plain"
    assert "GET" in response.headers["allow"]


@pytest.mark.parametrize("url", [
    "/catalog.ttl?page=2&page=3", "/catalog?page_size=5&page_size=6", "/catalog/full.ttl?modified_since=2020-01-01"
    "&modified_since=2021-01-01", f"{TOULON}?page=1&page=1", f"{TOULON}?format=ttl&format=nt",
    "/lookup?kind=commune&kind=region&code=83137", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D",
])
def test_a_repeated_parameter_is_refused(client, url):
    response = client.get(url, headers={"Accept": "*/*"})
    assert response.status_code == 400, (url, response.text)
    assert "more than one" in response.text


def test_a_repeated_api_parameter_is_a_problem(client):
    response = client.get("/api/datasets?limit=5&limit=6")
    assert response.status_code == 400 and response.headers["content-type"] == PROBLEM
    assert "limit" in response.json()["detail"]


def test_no_graph_is_503_in_the_one_error_form(settings, tmp_path):
    client = TestClient(create_app(replace(settings, home=tmp_path, store_path=None)))
    assert client.get("/catalog.ttl").status_code == 503
    assert media(client.get("/catalog.ttl")) == "text/plain"
    api = client.get("/api/datasets")
    assert api.status_code == 503 and api.headers["content-type"] == PROBLEM
    page = client.get("/", headers={"Accept": BROWSER})
    assert page.status_code == 503 and media(page) == "text/html"


def test_the_format_table_names_each_format_once_per_kind():
    for kind in (formats.GRAPH, formats.RESULTS, formats.PAGE):
        names = [n for f in formats.TABLE if f.kind == kind for n in f.names]
        assert len(names) == len(set(names)), kind
    assert all(f.ext and f.rdflib for f in formats.DOCUMENTS)
    assert formats.by_name("XML", formats.DOCUMENTS).media_type == "application/rdf+xml"
    assert formats.content_type("text/turtle") == "text/turtle; charset=utf-8"
    assert formats.content_type("application/rdf+xml") == "application/rdf+xml"
