"""The documents' shared policies: one parser of our IRIs (`Minter.parse`), one Hydra writer, and one
label policy, so that an entity is named the same by its HTML page and by `/api`."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from graph_service.web.app import create_app
from graph_service.web.documents import entity as ed
from graph_service.web.documents import labels, paging
from mappings.iri import Minter, Parsed, split_base
from mappings.namespaces import PREFIXES


# ----------------------------------------------------------------------------------- Minter.parse

@pytest.mark.parametrize("kind,keys", [("commune", ("2A004",)), ("naf", ("62.01Z",)),
                                       ("contrat", ("21750001600019", "2024/001")), ("dataset", ("déclaration a b",))])
def test_parse_is_the_inverse_of_minting(kind, keys):
    mint = Minter("https://graph.example.org/base")
    assert mint.parse(mint.entity_iri(kind, *keys)) == Parsed(kind, keys)
    assert mint.parse(mint.entity_iri(kind, *keys)).key == "/".join(keys)


def test_parse_reads_the_other_roots_and_refuses_other_iris():
    mint = Minter("http://x.test")
    assert mint.parse(mint.graph("eu-data-theme")[1:-1]) == Parsed("graph", ("eu-data-theme",))
    assert mint.parse(mint.resource("source/cog.csv")[1:-1]) == Parsed("source", ("cog.csv",))
    for other in ("http://y.test/id/commune/75056", "http://x.test/id/thing/1", "http://x.test/id/commune",
                  "http://x.test/id/commune/", "http://x.test/id/commune/a b", "http://x.test/id/commune/%ZZ",
                  "http://x.test/id/commune/%FF", "http://x.test/other/1", "http://x.test/graph/",
                  "http://x.testing/id/commune/1", "http://x.test/id/commune/1\n"):
        assert mint.parse(other) is None, other


def test_split_base_finds_the_base_of_a_store_built_elsewhere():
    assert split_base("https://data.example/kg/graph/catalog") == ("https://data.example/kg", Parsed("graph", ("catalog",)))
    assert split_base("http://127.0.0.1:8000/id/cpv/45210000")[0] == "http://127.0.0.1:8000"
    assert split_base("http://publications.europa.eu/resource/authority/country/FRA") is None


# ----------------------------------------------------------------------------------- Hydra

def test_one_hydra_writer_for_every_listing():
    url = "http://x.test/list?page={}".format
    links = {p.rsplit("#", 1)[1][:-1]: o[1:-1] for _, p, o in paging.paged_collection("http://x.test/list", 672, 4, 7, url)
             if "#" in p and p.rsplit("#", 1)[1][:-1] in ("first", "last", "previous", "next")}
    assert links == {"first": url(1), "last": url(7), "previous": url(3), "next": url(5)}
    assert paging.last_page(0, 100) == 1 and paging.last_page(672, 100) == 7
    assert paging.page_of(list(range(672)), 7, 100) == list(range(600, 672))
    single = ed.paging_triples("http://x.test/id/commune/1", 3, 1)
    assert "PartialCollectionView" not in single and '"3"^^' in single and "primaryTopic" in single
    paged = ed.paging_triples("http://x.test/id/commune/1", ed.PAGE_SIZE + 1, 2)
    assert "hydra/core#first> <http://x.test/id/commune/1> ." in paged and "hydra/core#next" not in paged
    fetched = ed.paging_triples("http://x.test/id/commune/1", ed.PAGE_SIZE + 1, 1, "http://x.test/id/commune/1.ttl")
    assert "<http://x.test/id/commune/1.ttl> <http://www.w3.org/ns/hydra/core#next>" in fetched


# ----------------------------------------------------------------------------------- labels

def test_label_policy_property_first_then_language_then_text():
    pref, title = PREFIXES["skos"] + "prefLabel", PREFIXES["dct"] + "title"
    assert labels.rank(pref, "en", "b") < labels.rank(title, "fr", "a")      # a better property wins
    assert sorted(["de", "en", "", "fr"], key=lambda lang: labels.rank(pref, lang, "x")) == ["fr", "", "en", "de"]
    assert labels.rank(pref, "fr", "A") < labels.rank(pref, "fr", "B")


@pytest.fixture(scope="module")
def client(built, settings) -> TestClient:
    return TestClient(create_app(settings))


def _examples(store, base: str) -> list[str]:
    """A commune, a CPV code, a dataset, the catalog, and an establishment or company that two sources name
    differently (one skos:prefLabel, the others skos:altLabel: mappings/organisations.py)."""
    fixed = [f"{base}/id/{k}" for k in ("commune/83137", "cpv/45210000", "dataset/decp_augmente",
                                          "catalog/data-economie-gouv-fr")]
    several = store.select(labels._QUERY.split("SELECT")[0] + (
        "SELECT ?x WHERE { ?x skos:prefLabel ?a ; skos:altLabel ?b FILTER(STR(?a) != STR(?b)) "
        f"FILTER(STRSTARTS(STR(?x), \"{base}/id/etablissement/\") || STRSTARTS(STR(?x), \"{base}/id/entreprise/\")) }} "
        "ORDER BY ?x LIMIT 1"))
    return fixed + [r["x"] for r in several]


def test_an_entity_is_named_the_same_by_its_page_and_by_the_api(client, store, settings):
    examples = _examples(store, settings.base)
    assert len(examples) == 5
    for iri in examples:
        parsed = Minter(settings.base).parse(iri)
        page = client.get(iri.removeprefix(settings.base), headers={"Accept": "text/html"})
        assert page.status_code == 200, iri
        title = unescape(re.search(r"<h1>(.*?)</h1>", page.text).group(1))
        api = client.get(f"/api/entities/{parsed.kind}/" + "/".join(quote(k, safe="") for k in parsed.keys)).json()
        assert api["label"] == title, iri
        hits = client.get("/api/labels", params={"q": title, "kind": parsed.kind, "limit": 100}).json()["items"]
        assert {h["label"] for h in hits if h["iri"] == iri} == {title}, iri
