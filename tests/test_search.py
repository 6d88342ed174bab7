"""Search by name or code (graph_service/search.py, the index of graph_service/build/search_index.py): the
build writes the index beside the graph; names are found whatever their case and accents, codes with or
without spaces, on the session's build of the real data (names from the COG, DECP and catalog files).
And the pages around it: `/search`, `/api/search`, the header's box, `/docs` and `/redoc` served from here.
"""

from __future__ import annotations

import csv
import sqlite3
from contextlib import closing

import pytest
from fastapi.testclient import TestClient

from graph_service import search
from graph_service.web import docs
from graph_service.web.app import create_app
from graph_service.web.documents import sparql_values as sv
from mappings.iri import Minter
from mappings.namespaces import sparql_prologue

from .conftest import DATA

COG = DATA / "referentials" / "cog2025"


def first(store, text: str) -> str:
    hits = search.search(store.path, text)
    assert hits, text
    return hits[0].path


@pytest.fixture(scope="module")
def client(built, settings) -> TestClient:
    return TestClient(create_app(settings))


def test_the_build_writes_the_index_in_the_new_store(store):
    assert search.index_path(store.path).is_file()


def test_every_commune_of_the_cog_is_in_the_index(store):
    with (COG / "cog2025_communes.csv").open(encoding="utf-8", newline="") as handle:
        codes = {row["code"] for row in csv.DictReader(handle)}
    with closing(sqlite3.connect(search.index_path(store.path))) as db:
        indexed = {path.rsplit("/", 1)[-1] for (path,) in db.execute("SELECT path FROM entries WHERE kind = 'commune'")}
    assert indexed == codes


@pytest.mark.parametrize("typed", ["toulon", "Toulon", "TOULON", " toulon  ", "Toul"])
def test_toulon_whatever_the_case(store, typed):
    hits = [h.path for h in search.search(store.path, typed)]
    assert "/id/commune/83137" in hits
    if typed.strip().lower() == "toulon":
        assert hits[0] == "/id/commune/83137"


def test_accents_do_not_matter(store):
    with (COG / "cog2025_communes.csv").open(encoding="utf-8", newline="") as handle:
        code = next(r["code"] for r in csv.DictReader(handle) if r["name"] == "Saint-Étienne")
    assert first(store, "Saint-Etienne") == f"/id/commune/{code}"
    assert first(store, "saint etienne") == f"/id/commune/{code}"


@pytest.mark.parametrize("typed", ["329 338 883", "329338883", "329.338.883"])
def test_a_siren_with_or_without_spaces_finds_the_company(store, typed):
    assert first(store, typed) == "/id/entreprise/329338883"


def test_a_siret_with_spaces_finds_the_establishment(store):
    assert first(store, "329 338 883 02217") == "/id/etablissement/32933888302217"


def test_a_supplier_named_in_decp_is_found_by_its_name(store):
    # decp_v1_data.gouv.fr_pes_2019-04-05.json (and the others) name the supplier 329338883 "COLAS CENTRE OUEST"
    hits = [h.path for h in search.search(store.path, "colas centre ouest")]
    assert "/id/entreprise/329338883" in hits


def test_budget_missions_and_programmes_by_name(store):
    hits = search.search(store.path, "enseignement scolaire")
    assert (hits[0].kind, hits[0].label) == ("mission", "Enseignement scolaire")
    assert {"programme"} <= {h.kind for h in hits}


def test_a_dataset_by_its_title(store):
    with (DATA / "catalog" / "datagouv_export_harvested_from_data-economie-gouv-fr.csv").open(
            encoding="utf-8", newline="") as handle:
        title = next(r["title"] for r in csv.DictReader(handle, delimiter=";") if len(r["title"].split()) >= 4)
    hits = search.search(store.path, title)
    assert hits[0].kind == "dataset" and search.fold(hits[0].label) == search.fold(title)


def test_cpv_codes_by_their_beginning(store):
    hits = search.search(store.path, "45233")
    assert hits and all(h.kind == "cpv" and h.path.startswith("/id/cpv/45233") for h in hits)


@pytest.mark.parametrize("typed", ['"', "NEAR(a b)", "*", "toulon OR", "a:b", "'; DROP TABLE entries; --", "^", "-"])
def test_search_syntax_in_the_text_is_only_text(store, typed):
    search.search(store.path, typed)   # no sqlite3.OperationalError: the text never becomes FTS syntax


#: Every distinct (IRI, name text) of our entities, for the names `/api/labels` searches (the cubes' too: the
#: graph `aggregats`, added before the index is written: pipeline.settle_and_derive).
NAMED = """SELECT DISTINCT ?s ?label WHERE {
  ?s $names ?l BIND(STR(?l) AS ?label)
  FILTER(ISLITERAL(?l) && ISIRI(?s) && STRSTARTS(STR(?s), $prefix)) }"""


def test_the_label_table_holds_every_name_of_our_entities(store, settings):
    mint = Minter(settings.base)
    query = sv.fill(sparql_prologue("skos", "rdfs", "dct", "igeo", "foaf", "rov")
                    + NAMED.replace("$names", "|".join(search.NAMES)),
                    prefix=sv.literal(settings.base + "/id/"))
    named = {(r["s"], r["label"]) for r in store.select(query)}
    with closing(sqlite3.connect(search.index_path(store.path))) as db:
        rows = db.execute("SELECT iri, label, kind, lowered FROM labels").fetchall()
    assert len(rows) == len(named) and {(iri, label) for iri, label, _, _ in rows} == named
    assert any("#" in iri for iri, _, _, _ in rows)        # a DECP feed's record: the kind of its contract
    assert any(kind == "cube" for _, _, kind, _ in rows)   # the aggregates' cubes
    assert all(kind == mint.parse(iri.partition("#")[0]).kind and lowered == label.lower()
               for iri, label, kind, lowered in rows)


def test_a_store_without_the_label_table_answers_no_label(tmp_path):
    """A store built before the table: an empty page, as `search` answers without an index."""
    assert search.labels(tmp_path, "toulon", None, 20, 0) == []
    with closing(sqlite3.connect(search.index_path(tmp_path))) as db:
        db.execute(search.SCHEMA)
    assert search.labels(tmp_path, "toulon", None, 20, 0) == [] and search.labels(tmp_path, "to", None, 20, 0) == []


def test_api_search_json(client):
    body = client.get("/api/search", params={"q": "TOULON"}).json()
    assert body["items"][0] == {"label": "Toulon", "kind": "commune", "kind_label": "Commune",
                                "iri": "http://127.0.0.1:8000/id/commune/83137", "url": "/id/commune/83137"}


def test_search_page_lists_links_to_the_pages(client):
    response = client.get("/search", params={"q": "329 338 883"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert '<a href="/id/entreprise/329338883">' in response.text
    assert 'value="329 338 883"' in response.text   # the header's box keeps the text


def test_search_page_says_when_nothing_is_found(client):
    response = client.get("/search", params={"q": "zzzqqq"})
    assert response.status_code == 200 and "Aucun résultat" in response.text


@pytest.mark.parametrize("path", ["/", "/catalog", "/id/region/93", "/search"])
def test_every_page_has_the_labelled_search_box(client, path):
    text = client.get(path, headers={"Accept": "text/html"}).text
    assert '<label for="site-search">Rechercher</label>' in text and 'id="site-search" name="q"' in text
    assert '<script src="/assets/search.js" defer></script>' in text


def test_the_box_script_is_served_here(client):
    response = client.get("/assets/search.js")
    assert response.status_code == 200 and "/api/search" in response.text
    assert response.headers["content-type"].startswith("text/javascript")


def test_lookup_still_works(client):
    response = client.get("/lookup", params={"kind": "commune", "code": "83137"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("/id/commune/83137")


def test_lookup_of_a_name_or_a_spaced_siren(client):
    """Issue 12: "Toulon" typed as a code led to a 404, a SIREN typed with spaces too."""
    name = client.get("/lookup", params={"kind": "commune", "code": "Toulon"}, follow_redirects=False)
    assert name.status_code == 303 and name.headers["location"].endswith("/search?q=Toulon")
    siren = client.get("/lookup", params={"kind": "entreprise", "code": "329 338 883"}, follow_redirects=False)
    assert siren.status_code == 303 and siren.headers["location"].endswith("/id/entreprise/329338883")


@pytest.mark.parametrize("page, asset", [("/docs", docs.SWAGGER_JS), ("/docs", docs.SWAGGER_CSS),
                                         ("/redoc", docs.REDOC_JS)])
def test_api_docs_load_their_assets_from_here(client, page, asset):
    text = client.get(page).text
    assert f'"{asset}"' in text and "cdn." not in text and "googleapis" not in text
    assert client.get(asset).status_code == 200


def test_api_docs_without_their_assets_say_how_to_get_them(client, monkeypatch, tmp_path):
    """An installed wheel has no node_modules: a clear 503, not a 500 or a blank page."""
    for prefix in docs.MOUNTS:
        monkeypatch.setitem(docs.MOUNTS, prefix, tmp_path)
    for page in ("/docs", "/redoc"):
        response = client.get(page, headers={"Accept": "text/html"})
        assert response.status_code == 503 and "make assets" in response.text
