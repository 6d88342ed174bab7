"""What the pages and `/api` say about the figures of issue 9, each recomputed from the source files:
the generated catalog descriptions, amendments read two ways and in notification order, awards vs
contract identifiers (amounts once per award), the median price per m2 under both definitions, and
postal codes with their communes and contracts. The app runs in-process (FastAPI's TestClient) on the
session's build, whose base is the default one, so the entity paths are the IRIs' paths.
"""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef

from graph_service.web.app import create_app
from graph_service.web.documents.figures import MEDIAN_DEFINITIONS
from graph_service.web.documents.labels import french_date

from .conftest import BASE, DATA
from .test_figures import (AWARD, CATALOG, TABULAR, awards, csv_rows, etalab_median, identified,
                           looks_like_increment, modifications, our_median, paris_records)

POSTAL = DATA / "referentials" / "postal" / "laposte_hexasmal_datanova-ods-export_2023-06.csv"
E_MARCHES = DATA / "decp" / "decp_v1_e-marchespublics_2019-04-03.json"
BG = "https://w3id.org/bercy-graph/def#"


@pytest.fixture(scope="module")
def client(built, settings) -> TestClient:
    return TestClient(create_app(settings))


def page(client: TestClient, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, (path, response.status_code)
    return response.text


def api(client: TestClient, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return response.json()


def figures(text: str) -> dict[str, str]:
    """The key figures of a page: label -> shown value (unescaped)."""
    cards = re.findall(r'<div class="value">(.*?)</div><div class="label">(.*?)</div>', text)
    return {html.unescape(label): html.unescape(value) for value, label in cards}


def plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def euros(amount: Decimal, decimals: int = 0) -> str:
    """The pages' French formatting (thin spaces, decimal comma, non-breaking space before €)."""
    return f"{float(amount):,.{decimals}f}".replace(",", "\u202f").replace(".", ",") + "\u00a0€"


# --- 1. the catalog: a generated description is said, with the dataset's defects -----------------

def portal_id(row: dict[str, str]) -> str:
    found = re.search(r"/explore/dataset/([^/]+)/", row.get("harvest.remote_url", ""))
    return found.group(1) if found else row["id"]


def test_dataset_page_and_api_say_the_description_was_generated(client):
    rows = csv_rows(CATALOG, ";")
    empty = [portal_id(r) for r in rows if not r["description"].strip()]
    assert len(empty) == 6
    for identifier in empty:
        text = plain(page(client, f"/id/dataset/{identifier}"))
        assert "L'éditeur n'a fourni aucune description pour ce jeu de données" in text
        assert "Description de 300 à 500 caractères" in text.split("Règles non respectées")[1]
        found = api(client, f"/api/datasets/{identifier}")
        assert found["description_generated"] is True
        assert "description-300-500-caracteres" in found["defects"]
        assert set(found["defects"]) == {m["metric"] for m in found["quality"] if m["value"] is False}
    described = next(portal_id(r) for r in rows if len(r["description"].strip()) > 600)
    found = api(client, f"/api/datasets/{described}")
    assert found["description_generated"] is False
    assert "aucune description" not in plain(page(client, f"/id/dataset/{described}"))


def test_catalog_page_marks_the_datasets_without_a_publisher_description(client):
    rows = csv_rows(CATALOG, ";")
    text = page(client, "/catalog?page_size=1000")
    marked = re.findall(r'/id/dataset/([^"]+)">[^<]*</a> <span class="note">\(sans description de l', text)
    assert sorted(marked) == sorted(portal_id(r) for r in rows if not r["description"].strip())


# --- 2. amendments: both readings, notification order; awards and their identifier ---------------

def paris_record(contract_id: str) -> dict:
    return next(r for r in paris_records() if r["id"] == contract_id)


@pytest.mark.parametrize("contract_id", ["2024T08713", "2024T04401"])
def test_contract_page_and_api_give_both_readings_and_the_amendment_order(client, contract_id):
    """2024T08713: 3,564.59 EUR as published, 55,245.97 EUR read as an increase; 2024T04401 lists its
    amendment id 2 before id 1: both are shown in `modification.id` order."""
    record = paris_record(contract_id)
    initial = Decimal(str(record["montant"]))
    mods = sorted(modifications(record), key=lambda m: m["id"])
    as_published = Decimal(str(mods[-1]["montant"]))
    if_increments = initial   # a flagged amendment's amount is added, any other replaces the running amount
    for m in mods:
        amount = Decimal(str(m["montant"]))
        if_increments = if_increments + amount if looks_like_increment(initial, amount) else amount
    shown = figures(page(client, f"/id/contrat/21750001600019/{contract_id}"))
    assert shown["montant actuel, tel que publié (l'avenant donne le nouveau total)"] == euros(as_published, 2)
    assert shown["montant actuel, lu comme une augmentation (l'avenant donne la hausse)"] == euros(if_increments, 2)
    text = plain(page(client, f"/id/contrat/21750001600019/{contract_id}"))
    listed = re.findall(r"n° (\d+) — notifiée le ([^—]+?) — montant ([^—]+?) — lu comme une augmentation", text)
    assert [(int(n), d.strip(), a.strip()) for n, d, a in listed] == [   # dates in French (issue 12)
        (i, french_date(m["dateNotificationModification"]), euros(Decimal(str(m["montant"])), 2))
        for i, m in enumerate(mods, 1)]
    contract = api(client, f"/api/entities/contrat/21750001600019/{contract_id}")["contract"]
    assert contract["likely_increment"] is True
    assert (Decimal(contract["current_amount"]), Decimal(contract["current_amount_if_increments"])) == (
        as_published, if_increments)
    assert [(a["index"], a["notification_date"], Decimal(a["amount"])) for a in contract["amendments"]] == [
        (i, m["dateNotificationModification"], Decimal(str(m["montant"]))) for i, m in enumerate(mods, 1)]
    listing = api(client, "/api/organisations/21750001600019/contracts?role=buyer&limit=100&offset=0")
    items = {i["id"]: i for i in listing["items"]}
    offset = 0
    while contract_id not in items and listing.get("next"):
        offset += 100
        listing = api(client, f"/api/organisations/21750001600019/contracts?role=buyer&limit=100&offset={offset}")
        items.update({i["id"]: i for i in listing["items"]})
    assert items[contract_id]["current_amount_if_increments"] == contract["current_amount_if_increments"]
    assert items[contract_id]["amendments"] == contract["amendments"]


def test_the_paris_example_of_the_issue(client):
    shown = figures(page(client, "/id/contrat/21750001600019/2024T08713"))
    assert shown["montant actuel, tel que publié (l'avenant donne le nouveau total)"] == "3\u202f564,59\u00a0€"
    assert shown["montant actuel, lu comme une augmentation (l'avenant donne la hausse)"] == "55\u202f245,97\u00a0€"


def tabular_awards(buyer: str) -> dict[tuple, list[dict[str, str]]]:
    """The distinct tabular awards of one buyer (SIRET), with their rows (one per supplier)."""
    return awards([r for r in csv_rows(TABULAR) if identified(r) and r["acheteur_id"] == buyer])


def test_an_award_links_its_identifier_and_the_identifier_lists_its_awards(client):
    """202350 of the CA du Pays de Dreux: two distinct awards in the file, one identifier."""
    found = sorted((k for k in tabular_awards("20004027700010") if k[AWARD.index("id")] == "202350"),
                   key=lambda k: k[AWARD.index("dateNotification")])
    assert len(found) == 2
    identifier = "/id/contrat/20004027700010/202350"
    text = page(client, identifier)
    for n, key in enumerate(found, 1):
        assert f'href="{BASE}{identifier}/{n}"' in text
        # the tabular export's montant is the amount after amendments, not the initial one
        line = f"attribution {n} — notifiée le {french_date(key[AWARD.index('dateNotification')])} — montant à " \
               f"jour des avenants {euros(Decimal(key[AWARD.index('montant')]), 2)}"
        assert line in plain(text)
        assert f'href="{BASE}{identifier}"' in page(client, f"{identifier}/{n}")
    assert figures(text)["attributions publiées sous cet identifiant"] == "2"
    assert api(client, "/api/entities/contrat/20004027700010/202350")["awards"] == [
        f"{BASE}{identifier}/{n}" for n in (1, 2)]
    award = api(client, "/api/entities/contrat/20004027700010/202350/1")["contract"]
    assert award["identifier"] == BASE + identifier


# --- 3. every count says what it counts; amounts once per award ----------------------------------

def test_counts_say_awards_and_identifiers_and_amounts_count_once(client):
    """Département des Hautes-Pyrénées as buyer (only in the tabular file): awards = distinct (uid, values),
    identifiers = distinct uids, amount = each award's once, though the file repeats it on the row of each
    supplier (36 awards, 11 identifiers, 163,363,566.36 EUR; 333,177,503.84 EUR summed per row)."""
    buyer = "22650001500012"
    found = tabular_awards(buyer)
    ids = {k[AWARD.index("uid")] for k in found}
    total = sum(Decimal(k[AWARD.index("montant")]) for k in found)
    per_row = sum(Decimal(r["montant"]) for rows in found.values() for r in rows)
    assert (len(found), len(ids), total, per_row) == (36, 11, Decimal("163363566.36"), Decimal("333177503.84"))
    shown = figures(page(client, f"/id/etablissement/{buyer}"))
    assert shown["marchés passés comme acheteur : attributions (DECP)"] == f"{len(found)}"
    assert shown["marchés passés comme acheteur : identifiants (acheteur + id)"] == f"{len(ids)}"
    assert shown["marchés passés comme acheteur : montant actuel cumulé, tel que publié"] == euros(total)
    assert "une attribution est un marché tel que publié" in plain(page(client, f"/id/etablissement/{buyer}"))
    listing = api(client, f"/api/organisations/{buyer}/contracts?role=buyer")
    assert (listing["total"], listing["identifiers"]) == (len(found), len(ids))


def test_territory_counts_say_awards_and_identifiers(client, store):
    summary = api(client, "/api/departements/75")
    assert summary["contract_identifiers_executed"] <= summary["contracts_executed"]
    assert summary["contracts_executed"] > 0


# --- 4. the median price per m2 under both definitions, named, with the number of sales ----------

def test_commune_page_and_api_give_the_median_under_both_definitions(client):
    expected = {"bercy-graph": our_median(), "etalab": etalab_median()}
    assert {k: (n, m.quantize(Decimal("0.01"))) for k, (n, m) in expected.items()} == {
        "bercy-graph": (2523, Decimal("2654.32")), "etalab": (2561, Decimal("2656.25"))}
    summary = api(client, "/api/communes/83137")
    got = {m["definition"]: (m["sales"], Decimal(m["median"]).quantize(Decimal("0.01")), m["year"], m["query"])
           for m in summary["median_price_m2"]}
    assert got == {d.key: (expected[d.key][0], expected[d.key][1].quantize(Decimal("0.01")), 2023,
                           "queries/" + d.query_file) for d in MEDIAN_DEFINITIONS}
    text = page(client, "/id/commune/83137")
    shown = figures(text)
    for d in MEDIAN_DEFINITIONS:
        sales, median = expected[d.key]
        count = f"{sales:,}".replace(",", "\u202f")
        label = f"prix médian au m² des appartements, 2023 ({d.name}, {count} ventes)"
        assert shown[label] == euros(median)
        assert f"Prix médian au m², {d.name} : {d.definition}" in plain(text)
    assert "Etalab « Statistiques DVF »" in plain(text)


def test_a_commune_without_sales_has_no_median(client):
    assert "median_price_m2" not in api(client, "/api/communes/75056")
    assert "prix médian" not in page(client, "/id/commune/75056")


# --- 5. postal codes: their communes (ambiguous or not), départements, contracts ------------------

def postal_rows() -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for r in csv_rows(POSTAL, ";"):
        out[r["code_postal"]].add(r["code_commune_insee"])
    return out


def test_postal_code_page_lists_its_communes_and_says_when_ambiguous(client):
    served = postal_rows()
    for code in ("51170", "62000"):
        text = page(client, f"/id/code-postal/{code}")
        assert figures(text)["communes desservies (La Poste)"] == str(len(served[code]))
        for commune in served[code]:
            assert f'href="{BASE}/id/commune/{commune}"' in text
        assert f"Code postal ambigu : il dessert {len(served[code])} communes" in plain(text)
        assert f'href="{BASE}/id/departement/{code[:2]}"' in text
    single = next(c for c, communes in sorted(served.items()) if len(communes) == 1 and c.startswith("83"))
    text = page(client, f"/id/code-postal/{single}")
    assert figures(text)["communes desservies (La Poste)"] == "1" and "ambigu" not in text


def test_postal_code_page_counts_the_contracts_placed_through_it(client):
    records = [r for r in json.loads(E_MARCHES.read_text(encoding="utf-8"))["marches"]
               if (r.get("lieuExecution") or {}).get("code") == "62000"
               and r["lieuExecution"].get("typeCode") == "Code postal"]
    shown = figures(page(client, "/id/code-postal/62000"))
    what = "marchés dont le lieu d'exécution est ce code postal"
    assert shown[f"{what} : attributions (DECP)"] == str(len({(r["acheteur"]["id"], r["id"]) for r in records}))
    assert shown[f"{what} : montant actuel cumulé, tel que publié"] == euros(
        sum(Decimal(str(r["montant"])) for r in records))


def test_postal_code_dereferences_as_rdf(client):
    response = client.get("/id/code-postal/62000.ttl")
    assert response.status_code == 200
    g = Graph().parse(data=response.text, format="turtle")
    communes = set(g.objects(URIRef(f"{BASE}/id/code-postal/62000"), URIRef(BG + "postalCodeCommune")))
    assert communes == {URIRef(f"{BASE}/id/commune/{c}") for c in postal_rows()["62000"]}


# --- 6. the codes-postaux graph against its shapes -----------------------------------------------

def test_postal_codes_graph_conforms_to_its_shapes(built, store):
    (outcome,) = [v for v in built.validation if v["name"] == "codes-postaux"]
    assert outcome["graphs"] == ["codes-postaux"] and outcome["violations"] == 0
    (row,) = store.select(f"""SELECT (COUNT(?p) AS ?n) WHERE {{ GRAPH <{BASE}/graph/codes-postaux> {{
        ?p a <{BG}PostalCode> FILTER NOT EXISTS {{ ?p <{BG}postalCodeCommune> ?c }} }} }}""")
    assert outcome["warnings"] == int(row["n"]) > 0   # codes La Poste serves outside COG communes
