"""`/api`, the JSON API, on the session's build (FastAPI's TestClient, no worker pool needed).

Expected values come from the source files, read here with csv/json: the catalog export (keywords,
publishers, text, charter rules), the COG (names, parents, communes per département), geo-DVF (sales
of Toulon), OFGL (amounts per agrégat), DECP (the Ville de Paris contracts). The injection test sends
quotes, braces, `UNION` and newlines through every parameter and checks that the SPARQL the API runs
has the same algebra as for a harmless value, and that no extra row comes back.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from decimal import Decimal
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from rdflib import Literal, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from graph_service import search
from graph_service.store import GraphStore
from graph_service.web.app import create_app
from graph_service.web.documents import sparql_values as sv
from mappings import catalog
from mappings.namespaces import sparql_prologue

from .conftest import DATA

CATALOG_CSV = DATA / catalog.PATH
COG = DATA / "referentials" / "cog2025"
PARIS_SIRET = "21750001600019"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def client(built, settings) -> TestClient:
    return TestClient(create_app(settings))


def get(client: TestClient, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.text[:500])
    return response.json()


def walk(client: TestClient, url: str, base: str) -> list[dict]:
    """Every item of a paged list, following `next` (absolute links under the configured base)."""
    items = []
    while url:
        page = get(client, url)
        items += page["items"]
        url = page.get("next")
        if url:
            assert url.startswith(base + "/api/"), url
            url = url[len(base):]
    return items


# ----------------------------------------------------------------------------------- sources

def catalog_rows() -> dict[str, dict[str, str]]:
    """Published datasets by identifier: every row (issue 9); id from the portal URL, else data.gouv.fr's."""
    with CATALOG_CSV.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    out = {}
    for r in rows:
        m = re.search(r"/explore/dataset/([^/]+)/$", r["harvest.remote_url"])
        out.setdefault(m.group(1) if m else r["id"], r)
    return out


def tags(row: dict[str, str]) -> set[str]:
    return {t.strip() for t in row["tags"].split(",") if t.strip()}


def cog(name: str) -> list[dict[str, str]]:
    with (COG / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ----------------------------------------------------------------------------------- datasets

def test_keyword_search_walks_to_every_dataset_with_the_keyword(client, settings):
    expected = {i for i, r in catalog_rows().items() if "economie" in {t.lower() for t in tags(r)}}
    first = get(client, "/api/datasets?keyword=economie&limit=7")
    assert first["total"] == len(expected)
    items = walk(client, "/api/datasets?keyword=economie&limit=7", settings.base)
    assert [i["id"] for i in items] == sorted(expected)       # sorted by id, each once
    assert all("economie" in i["keywords"] for i in items)


def test_text_search_looks_in_title_description_and_keywords(client, settings):
    expected = {i for i, r in catalog_rows().items()
                if "fiscal" in (r["title"] + " " + r["description"] + " " + r["tags"]).lower()}
    items = walk(client, "/api/datasets?q=FISCAL&limit=100", settings.base)
    assert {i["id"] for i in items} == expected


def test_publisher_and_theme_filters_combine(client, settings):
    rows = catalog_rows()
    org = "534fff8ea3a7292c64a77f02"
    gove = {k for k, v in catalog.THEMES_BY_KEYWORD.items() if v == "GOVE"}   # the documented table
    expected = {i for i, r in rows.items() if r["organization_id"] == org and tags(r) & gove}
    items = walk(client, f"/api/datasets?publisher={org}&theme=GOVE&limit=100", settings.base)
    assert {i["id"] for i in items} == expected
    assert all(i["publisher_id"] == org for i in items)
    named = get(client, "/api/datasets?publisher=" + quote("ministères économiques") + "&limit=1")
    assert named["total"] == sum(1 for r in rows.values() if r["organization"] == catalog.MINISTRY_ORG[1])


def test_dataset_detail_and_its_quality(client):
    rows = catalog_rows()
    ident = next(i for i, r in rows.items() if len(tags(r)) > 7)   # breaks the 3-7 keywords rule
    body = get(client, f"/api/datasets/{quote(ident)}")
    assert body["title"] == rows[ident]["title"].strip()
    assert sorted(body["keywords"]) == sorted(tags(rows[ident]))
    rules = {m["metric"]: m["value"] for m in body["quality"]}
    assert rules["mots-cles-3-7"] is False
    passed = [v for k, v in rules.items() if k != "score"]
    assert body["quality_score"] == pytest.approx(sum(passed) / len(passed)) == pytest.approx(rules["score"])
    assert body["distributions"] and all(d["iri"].startswith(body["iri"].replace("/dataset/", "/distribution/"))
                                         for d in body["distributions"])


def test_min_score_keeps_datasets_at_or_above_it(client, settings):
    everything = walk(client, "/api/datasets?limit=100", settings.base)
    expected = {i["id"] for i in everything if i["quality_score"] >= 0.8}
    assert {i["id"] for i in walk(client, "/api/datasets?min_score=0.8&limit=100", settings.base)} == expected
    assert len(everything) == len(catalog_rows())


# ----------------------------------------------------------------------------------- entities

def test_entity_by_kind_and_key(client, settings):
    paris = next(r for r in cog("cog2025_communes.csv") if r["code"] == "75056")
    body = get(client, "/api/entities/commune/75056")
    assert body["iri"] == f"{settings.base}/id/commune/75056" and body["label"] == paris["name"]
    props = {p["name"]: p["values"] for p in body["properties"]}
    assert {v["value"] for v in props["igeo:subdivisionDe"]} == {
        f"{settings.base}/id/departement/{paris['department_code']}", f"{settings.base}/id/region/{paris['region_code']}"}
    assert props["igeo:nom"] == [{"value": paris["name"], "iri": False, "lang": "fr"}]


def test_entity_with_a_compound_key(client, settings):
    record = json.loads((DATA / "decp" / "decp_v2_2024_ville_de_paris_21750001600019.json").read_text())[0]
    body = get(client, f"/api/entities/contrat/{PARIS_SIRET}/{quote(record['id'], safe='')}")
    assert body["key"] == f"{PARIS_SIRET}/{record['id']}"
    assert {p["name"]: p["values"][0]["value"] for p in body["properties"]}["dct:identifier"] == record["id"]


# ----------------------------------------------------------------------------------- territories

def test_commune_summary_from_cog_dvf_and_ofgl(client):
    toulon = get(client, "/api/communes/83137")
    row = next(r for r in cog("cog2025_communes.csv") if r["code"] == "83137")
    assert (toulon["name"], toulon["departement"]["code"], toulon["region"]["code"]) == \
        (row["name"], row["department_code"], row["region_code"])
    with (DATA / "dvf" / "geodvf_2023_commune_83137_toulon.csv").open(encoding="utf-8", newline="") as handle:
        sales = list(csv.DictReader(handle))
    assert toulon["sales"]["count"] == len({s["id_mutation"] for s in sales})
    assert toulon["sales"]["first_date"] == min(s["date_mutation"] for s in sales)
    assert "accounts" not in toulon or toulon["accounts"] == []        # no OFGL extract for the Var

    totals: dict[str, Decimal] = defaultdict(Decimal)
    with (DATA / "local_accounts" / "ofgl_base_communes_2024_dept971_guadeloupe.csv").open(
            encoding="utf-8-sig", newline="") as handle:
        for r in csv.DictReader(handle, delimiter=";"):
            if r["Code Insee 2024 Commune"] == "97101" and r["Montant"]:
                totals[r["Agrégat"]] += Decimal(r["Montant"])
    abymes = get(client, "/api/communes/97101")
    assert {a["agregat"]["label"]: Decimal(a["amount"]) for a in abymes["accounts"]} == totals
    assert "sales" not in abymes                                        # no DVF extract there: left out


def test_departement_summary_counts_its_communes(client):
    var = get(client, "/api/departements/83")
    assert var["communes"] == sum(1 for r in cog("cog2025_communes.csv")
                                  if r["type_code"] == "COM" and r["department_code"] == "83")
    dep = next(r for r in cog("cog2025_departments.csv") if r["code"] == "83")
    assert var["chef_lieu"]["code"] == dep["capital_code"]
    assert var["sales"]["count"] == get(client, "/api/communes/83137")["sales"]["count"]   # only Toulon's extract


# ----------------------------------------------------------------------------------- contracts

def paris_contract_ids() -> set[str]:
    """Ids of the contracts whose buyer is the Ville de Paris SIRET, in every DECP file that has some."""
    ids = {r["id"] for r in json.loads((DATA / "decp" / "decp_v2_2024_ville_de_paris_21750001600019.json").read_text())
           if r["acheteur"]["id"] == PARIS_SIRET}
    with (DATA / "decp" / "decp_consolide_tabulaire_2024S2_travaux_cpv4521_subset.csv").open(
            encoding="utf-8", newline="") as handle:
        ids |= {r["id"] for r in csv.DictReader(handle) if r["acheteur_id"] == PARIS_SIRET}
    return ids


def test_contracts_of_the_ville_de_paris_as_buyer(client, settings):
    url = f"/api/organisations/{PARIS_SIRET}/contracts?role=buyer&limit=100"
    items = walk(client, url, settings.base)
    assert get(client, url)["total"] == len(items) == len(paris_contract_ids())
    assert {i["id"] for i in items} == paris_contract_ids()
    assert all(i["buyer"] == PARIS_SIRET for i in items)
    dates = [i["date"] for i in items if "date" in i]
    assert dates == sorted(dates, reverse=True)                        # latest notification first
    by_siren = get(client, f"/api/organisations/{PARIS_SIRET[:9]}/contracts?role=buyer&limit=1")
    assert by_siren["total"] >= len(items)


def test_unknown_organisation_is_404(client):
    files = " ".join(p.read_text(encoding="utf-8", errors="replace") for p in DATA.rglob("*")
                     if p.is_file() and p.suffix in (".csv", ".json", ".txt"))
    siren = next(s for s in (f"{n:09d}" for n in range(123456789, 123456889)) if s not in files)
    body = get(client, f"/api/organisations/{siren}/contracts", 404)
    assert siren in body["detail"]


# ----------------------------------------------------------------------------------- labels

def test_label_search_finds_the_communes_named_like_it(client, settings):
    expected = {r["code"] for r in cog("cog2025_communes.csv") if "toulon" in r["name"].lower()}
    items = walk(client, "/api/labels?q=Toulon&kind=commune&limit=2", settings.base)
    assert {i["iri"].rsplit("/", 1)[-1] for i in items} == expected
    assert items[0]["label"] == "Toulon"                                  # the exact name first
    assert all(i["kind"] == "commune" for i in items)


#: The SPARQL scan `/api/labels` ran before its index (the reference it must still answer): names of our
#: entities containing the text, any case (LCASE), exact names first, then prefixes, then the shortest; one row
#: per name text (a name in two languages was two rows).
LABELS_BY_SPARQL = sparql_prologue("skos", "rdfs", "dct", "igeo", "foaf", "rov") + """
SELECT DISTINCT ?s ?label WHERE {
  ?s $names ?l BIND(STR(?l) AS ?label)
  FILTER(ISLITERAL(?l) && ISIRI(?s) && STRSTARTS(STR(?s), $prefix) && CONTAINS(LCASE(?label), LCASE($q)))
} ORDER BY (LCASE(?label) != LCASE($q)) (!STRSTARTS(LCASE(?label), LCASE($q))) STRLEN(?label) ?label ?s
LIMIT $limit OFFSET $offset"""


def labels_by_sparql(store, base: str, q: str, kind: str | None, limit: int, offset: int) -> list[tuple[str, str]]:
    query = sv.fill(LABELS_BY_SPARQL.replace("$names", "|".join(search.NAMES)), q=sv.literal(q),
                    prefix=sv.literal(f"{base}/id/" + (f"{kind}/" if kind else "")), limit=sv.integer(limit),
                    offset=sv.integer(offset))
    return [(r["s"], r["label"]) for r in store.select(query)]


def label_page(client, q: str, kind: str | None, limit: int, offset: int) -> dict:
    kind_part = f"&kind={kind}" if kind else ""
    return get(client, f"/api/labels?q={quote(q, safe='')}{kind_part}&limit={limit}&offset={offset}")


@pytest.mark.parametrize("q,kind", [("00", None), ("sa", "commune"), ("Toulon", None), ("saint-", None),
                                    ("TOUL", "commune"), ("marché", None), ("de ", "entreprise")])
@pytest.mark.parametrize("offset", [0, 20])
def test_label_pages_answer_what_the_sparql_scan_answered(client, store, settings, q, kind, offset):
    """2 characters (a scan of the index) and 3 or more (a trigram lookup): the same page, in the same order,
    as the SPARQL scan over the built store, and `next` exactly when there is more."""
    expected = labels_by_sparql(store, settings.base, q, kind, 21, offset)
    page = label_page(client, q, kind, 20, offset)
    assert [(i["iri"], i["label"]) for i in page["items"]] == expected[:20]
    assert ("next" in page) == (len(expected) > 20)
    assert all(i["kind"] == (kind or i["iri"][len(settings.base) + 4:].split("/")[0]) for i in page["items"])
    if offset == 0 and q in ("00", "Toulon"):
        assert expected, "the data has names containing " + q    # the comparison is not between two empty lists


def test_label_search_ignores_case_not_accents(client, settings):
    code = next(r["code"] for r in cog("cog2025_communes.csv") if r["name"] == "Saint-Étienne")
    found = walk(client, "/api/labels?q=" + quote("ÉTIENNE") + "&kind=commune&limit=100", settings.base)
    assert {"iri": f"{settings.base}/id/commune/{code}", "kind": "commune", "label": "Saint-Étienne"} in found
    assert found == walk(client, "/api/labels?q=" + quote("étienne") + "&kind=commune&limit=100", settings.base)
    assert all("étienne" in i["label"].lower() for i in found)     # "Etienne" without its accent is another text


@pytest.mark.parametrize("q", ['toulon" OR "paris', '"toulon"', "toul*", "toulon OR paris", "NEAR(toulon paris)",
                               "^toulon", "tou lon", '""', "lyon AND"])
def test_label_search_text_is_literal_not_fts_syntax(client, store, settings, q):
    """Quotes and FTS5 operators are text: the page is the SPARQL scan's (mostly empty), never an error."""
    page = label_page(client, q, None, 20, 0)
    assert [(i["iri"], i["label"]) for i in page["items"]] == labels_by_sparql(store, settings.base, q, None, 20, 0)


def test_label_pages_follow_next_to_the_end(client, store, settings):
    items = walk(client, "/api/labels?q=toulon&limit=3", settings.base)
    expected = labels_by_sparql(store, settings.base, "toulon", None, 1000, 0)
    assert len(expected) > 3 and [(i["iri"], i["label"]) for i in items] == expected


# ----------------------------------------------------------------------------------- errors

@pytest.mark.parametrize("url,field", [
    ("/api/datasets?limit=0", "limit"), ("/api/datasets?limit=101", "limit"), ("/api/datasets?offset=-1", "offset"),
    ("/api/datasets?limit=abc", "limit"), ("/api/datasets?min_score=2", "min_score"),
    ("/api/datasets?theme=" + quote("not a theme"), "theme"), ("/api/labels?q=a", "q"), ("/api/labels", "q"),
    ("/api/labels?q=paris&kind=nope", "kind"), ("/api/entities/nope/1", "kind"),
    ("/api/organisations/1234/contracts", "id"), (f"/api/organisations/{PARIS_SIRET}/contracts?role=boss", "role"),
    ("/api/communes/7505", "code"), ("/api/departements/2C", "code"),
])
def test_bad_parameters_are_400_problems_naming_the_parameter(client, settings, url, field):
    response = client.get(url)
    assert response.status_code == 400 and response.headers["content-type"] == PROBLEM, response.text
    body = response.json()
    assert body["status"] == 400 and body["title"] and body["detail"].startswith(field)
    assert body["instance"] == settings.base + url


@pytest.mark.parametrize("url", ["/api/datasets/no-such-dataset", "/api/entities/commune/00000", "/api/no-such-route",
                                 "/api/communes/00000", "/api/departements/99"])
def test_unknown_entities_are_404_problems(client, url):
    response = client.get(url)
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 404


def test_openapi_documents_every_api_route(client):
    spec = get(client, "/openapi.json")
    paths = {p for p in spec["paths"] if p.startswith("/api/")}
    assert paths == {"/api/datasets", "/api/datasets/{id}", "/api/entities/{kind}/{key}", "/api/communes/{code}",
                     "/api/departements/{code}", "/api/organisations/{id}/contracts", "/api/labels",
                     "/api/search", "/api/freshness"}
    for path in paths:
        responses = spec["paths"][path]["get"]["responses"]
        assert PROBLEM in responses["4XX"]["content"] and "application/json" in responses["200"]["content"]
    assert client.get("/docs").status_code == 200


# ----------------------------------------------------------------------------------- injection

ATTACKS = ['"} UNION { ?s ?p ?o }', "') } UNION { ?s ?p ?o } #", '"\n} UNION {\n?s ?p ?o .\n} #',
           '\\u0022 } UNION { ?s ?p ?o } #', '\\"} UNION { ?s ?p ?o }', "> } UNION { ?s ?p ?o } <", "${q} $limit"]


def shape(node):
    """The algebra with every constant (literal, IRI) blanked: what the query does, not with which value."""
    if isinstance(node, CompValue):
        return (node.name, tuple(sorted((k, shape(v)) for k, v in node.items() if not k.startswith("_"))))
    if isinstance(node, dict):
        return tuple(sorted((str(k), shape(v)) for k, v in node.items()))
    if isinstance(node, (list, tuple, set)):
        return tuple(shape(v) for v in node)
    if isinstance(node, (Literal, URIRef)):
        return type(node).__name__
    return repr(node)


@pytest.fixture
def queries(monkeypatch) -> list[str]:
    """The SPARQL texts the API runs during a test."""
    seen: list[str] = []
    select = GraphStore.select

    def spy(self, sparql):
        seen.append(sparql)
        return select(self, sparql)

    monkeypatch.setattr(GraphStore, "select", spy)
    return seen


def run(client, url: str, queries: list[str]) -> tuple[int, dict, list]:
    queries.clear()
    response = client.get(url)
    assert response.status_code < 500, (url, response.text)
    return response.status_code, response.json(), [shape(prepareQuery(q).algebra) for q in queries]


#: url template with `{}` where the value goes, and the harmless value to compare with
PARAMETERS = [("/api/datasets?q={}", "fiscal"), ("/api/datasets?keyword={}", "economie"),
              ("/api/datasets?publisher={}", "minist"), ("/api/datasets?theme={}", "ECON"),
              ("/api/labels?q={}", "toulon"), ("/api/datasets/{}", "no-such-dataset"),
              ("/api/entities/commune/{}", "00000")]


@pytest.mark.parametrize("template,harmless", PARAMETERS)
@pytest.mark.parametrize("attack", ATTACKS)
def test_user_values_never_change_the_query(client, queries, template, harmless, attack):
    status, body, shapes = run(client, template.format(quote(attack, safe="")), queries)
    if status == 400:                      # refused before any query (e.g. not a theme code)
        assert queries == [] and body["status"] == 400
        return
    _, _, expected = run(client, template.format(quote(harmless, safe="")), queries)
    assert shapes == expected[:len(shapes)], template            # same algebra, constants aside
    if status == 200 and "items" in body:
        assert body["items"] == [] or all(attack.lower() in i.get("label", "").lower() for i in body["items"])
        assert body.get("total", 0) == 0
    else:
        assert status == 404


def test_user_values_reach_the_query_only_as_escaped_terms():
    """Each value is one literal: Oxigraph (our store) reads back exactly the value, and a strict
    SPARQL parser (rdflib, which expands `\\u` escapes before parsing) sees the same algebra."""
    import pyoxigraph as ox

    from graph_service.web.documents import sparql_values as sv
    template = "SELECT ?v WHERE { BIND($v AS ?v) }"
    with pytest.raises(TypeError):
        sv.fill(template, v='"x"')                                 # a raw string is refused
    harmless = shape(prepareQuery(sv.fill(template, v=sv.literal("x"))).algebra)
    for attack in ATTACKS:
        text = sv.fill(template, v=sv.literal(attack))
        [row] = list(ox.Store().query(text))
        assert row["v"].value == attack
        assert shape(prepareQuery(text).algebra) == harmless


def test_any_web_page_may_read_the_open_data_cors(client):
    response = client.get("/api/datasets?limit=1", headers={"Origin": "https://example.org"})
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] == "*"
    assert "vary" not in response.headers          # the same for every origin: caches need not split
    assert client.get("/api/datasets?limit=1").headers["access-control-allow-origin"] == "*"
    preflight = client.options("/sparql", headers={"Origin": "https://example.org",
                                                   "Access-Control-Request-Method": "POST",
                                                   "Access-Control-Request-Headers": "Content-Type"})
    assert preflight.status_code == 200 and "POST" in preflight.headers["access-control-allow-methods"]
    # the operator-only update token is never sent by a browser from another site
    denied = client.options("/sparql", headers={"Origin": "https://example.org",
                                                "Access-Control-Request-Method": "POST",
                                                "Access-Control-Request-Headers": "Authorization"})
    assert denied.status_code == 400
