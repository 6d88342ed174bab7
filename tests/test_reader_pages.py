"""The entity pages as a reader sees them (issue 12, part A): figures where people look, each recomputed
from the source files (the budget's PLF and LFI files, the OFGL accounts, the DECP files for the Var and the
undated contracts), properties by their French label, values without RDF syntax, Markdown rendered safely,
the language switch and the French error pages. The app runs in-process on the session's build.
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections import defaultdict
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest

from graph_service.web.documents.labels import MONTHS, page_language
from graph_service.web.html.readable import euros as readable_euros
from graph_service.web.html.readable import french_number, literal_html, markdown_html
from graph_service.store import Term

from .conftest import DATA
from .test_figures_pages import client, figures, page, plain  # noqa: F401 (fixture)
from .test_queries import DECP_JSON, buyer_id, departement_of_place, lifted  # noqa: F401 (fixture)

BUDGET = DATA / "budget"
PLF = BUDGET / "plf2025_depenses_selon_destination_ods_export.csv"
LFI = BUDGET / "lfi2026_etat_b_budget_general_missions_cp.csv"
OFGL = DATA / "local_accounts" / "ofgl_base_communes_2024_dept971_guadeloupe.csv"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"


def euros(amount: Decimal) -> str:
    """The pages' amounts: rounded to the euro, narrow no-break spaces, a no-break space before €."""
    return f"{round(amount):,}".replace(",", "\u202f") + "\u00a0€"


def plf_by(level: str) -> dict[str, dict[str, Decimal]]:
    """PLF 2025 AE and CP per mission / programme / action, added up from the destination file."""
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: {"AE": Decimal(0), "CP": Decimal(0)})
    with PLF.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            assert row["loi"] == "PLF" and row["exercice"] == "2025"
            totals[row[level]]["AE"] += Decimal(row["autorisation_engagement"] or 0)
            totals[row[level]]["CP"] += Decimal(row["credit_de_paiement"] or 0)
    return totals


def lfi_cp() -> dict[str, Decimal]:
    with LFI.open(encoding="utf-8", newline="") as handle:
        return {r["mission_code"]: Decimal(r["credits_paiement_eur"]) for r in csv.DictReader(handle)
                if r["loi"] == "LFI" and r["exercice"] == "2026"}


# --- budget: PLF vs LFI on mission and programme pages -------------------------------------------

@pytest.mark.parametrize("mission", ["SB", "AA", "EC"])
def test_a_mission_page_gives_plf_and_lfi_as_in_the_budget_files(client, mission):
    plf, lfi = plf_by("mission")[mission], lfi_cp()[mission]
    text = page(client, f"/id/mission/{mission}")
    shown = figures(text)
    assert shown["autorisations d'engagement (AE), PLF 2025"] == euros(plf["AE"])
    assert shown["crédits de paiement (CP), PLF 2025"] == euros(plf["CP"])
    assert shown["crédits de paiement (CP), LFI 2026"] == euros(lfi)
    words = plain(text)
    assert "Les étapes ne portent pas sur la même année : PLF 2025 ; LFI 2026" in words
    assert "LFI 2026 : seuls les crédits de paiement sont publiés" in words
    programmes = plf_by("programme")
    with PLF.open(encoding="utf-8-sig", newline="") as handle:
        mine = {r["programme"]: r["libelle_programme"] for r in csv.DictReader(handle, delimiter=";")
                if r["mission"] == mission}
    for code, name in mine.items():   # each programme of the mission, with its PLF AE and CP
        assert re.search(rf"{code} — {re.escape(name)}\s+PLF 2025\s+{euros(programmes[code]['AE'])}\s+"
                         rf"{euros(programmes[code]['CP'])}", words), code


def test_a_programme_page_gives_its_plf_amounts_and_its_actions(client):
    plf, actions = plf_by("programme")["152"], plf_by("action")
    text = page(client, "/id/programme/152")
    shown = figures(text)
    assert shown["autorisations d'engagement (AE), PLF 2025"] == euros(plf["AE"])
    assert shown["crédits de paiement (CP), PLF 2025"] == euros(plf["CP"])
    assert not any("LFI" in label for label in shown)   # état B is by mission only: nothing made up
    words = plain(text)
    for code in (a for a in actions if a.startswith("152-")):
        assert re.search(rf"{code} — .*?PLF 2025\s+{euros(actions[code]['AE'])}\s+{euros(actions[code]['CP'])}",
                         words), code


def test_every_figure_group_links_its_source_graph_licence_and_a_query_that_computes_it(client, store):
    text = page(client, "/id/mission/SB")
    sources = re.findall(r'<p class="note source">(.*?)</p>', text)
    assert sources
    for source in sources:
        assert 'href="http://127.0.0.1:8000/graph/budget-lfi2026-etat-b"' in source
        assert 'href="http://127.0.0.1:8000/graph/budget-plf2025-depenses"' in source
        assert "Licence Ouverte" in source
        query = html.unescape(re.search(r'href="/sparql\?query=([^"]+)"', source).group(1))
        rows = store.select(parse_qs(urlparse("?query=" + query).query)["query"][0])
        cp_2026 = next(r for r in rows if r["law"] == "LFI" and r["credit"] == "CP")
        assert Decimal(cp_2026["total"]) == lfi_cp()["SB"]   # the permalink computes the figure shown


# --- territories ---------------------------------------------------------------------------------

def test_the_var_page_counts_its_communes_contracts_as_the_api_and_the_decp_files(client, settings, built,
                                                                                 departement_of_place):
    identifiers = set()
    for source in DECP_JSON:
        for r in lifted(settings, built, source):
            if departement_of_place(r.get("lieuExecution")) == "83":
                identifiers.add((buyer_id(r), str(r["id"]).strip()))
    shown = figures(page(client, "/id/departement/83"))
    api = client.get("/api/departements/83").json()
    what = "marchés exécutés sur ce territoire ou dans ses communes"
    assert int(shown[f"{what} : identifiants (acheteur + id)"]) == api["contract_identifiers_executed"] \
        == len(identifiers) > 14   # 14: the département's own contracts, before its communes counted
    assert int(shown[f"{what} : attributions (DECP)"]) == api["contracts_executed"]


def test_a_departement_page_counts_the_contracts_its_council_placed_as_in_the_decp_files(client):
    """The Doubs (25): the contracts whose buyer is the Département (its SIREN in the collectivités file, any of
    its establishments), as (buyer SIRET, id) pairs of every DECP file."""
    with (DATA / "referentials" / "siren_collectivites" / "departements-siren.csv").open(encoding="utf-8") as handle:
        siren = next(r["Siren"] for r in csv.DictReader(handle) if r["Insee"] == "25")
    pairs = set()
    for path in (DATA / "decp").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for r in data["marches"] if isinstance(data, dict) else data:
            buyer = re.sub(r"\s", "", str((r.get("acheteur") or r.get("autoriteConcedante") or {}).get("id", "")))
            if buyer[:9] == siren:
                pairs.add((buyer, str(r.get("id")).strip()))
    with (DATA / "decp" / "decp_consolide_tabulaire_2024S2_travaux_cpv4521_subset.csv").open(encoding="utf-8") as h:
        pairs |= {(r["acheteur_id"], r["id"]) for r in csv.DictReader(h) if r["acheteur_id"][:9] == siren}
    shown = figures(page(client, "/id/departement/25"))
    assert int(shown["marchés passés par la collectivité (acheteur) : identifiants (acheteur + id)"]) == len(pairs) > 0


def test_guadeloupe_pages_show_their_accounts_as_a_table_from_the_ofgl_file(client):
    totals: dict[str, Decimal] = defaultdict(Decimal)
    budgets: dict[str, int] = defaultdict(int)
    per_inhabitant: dict[str, Decimal] = {}
    with OFGL.open(encoding="utf-8-sig", newline="") as handle:
        for r in csv.DictReader(handle, delimiter=";"):
            if r["Code Insee 2024 Commune"] == "97105" and r["Montant"]:
                totals[r["Agrégat"]] += Decimal(r["Montant"])
                budgets[r["Agrégat"]] += 1
                if r["Type de budget"] == "Budget principal":
                    per_inhabitant[r["Agrégat"]] = Decimal(r["Montant en € par habitant"])
    text = page(client, "/id/commune/97105")
    table = re.search(r'<table class="figures-table">(.*?)</table>', text, re.DOTALL).group(1)
    rows = [[plain(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", table)[1:]]
    assert {r[0]: r[2] for r in rows} == {a: euros(t) for a, t in totals.items()}
    assert {r[0]: r[3] for r in rows if r[3] != "—"} == {a: euros(v) for a, v in per_inhabitant.items()}
    assert {r[0]: int(r[4]) for r in rows} == dict(budgets)
    assert "queries/local_accounts_by_commune.rq" in plain(text)


def test_a_chart_by_year_says_how_many_undated_contracts_it_leaves_out(client, settings, built,
                                                                       departement_of_place):
    records = [r for source in DECP_JSON for r in lifted(settings, built, source)
               if departement_of_place(r.get("lieuExecution")) == "75"]
    undated = {(buyer_id(r), str(r["id"]).strip()) for r in records if not r.get("dateNotification")}
    dated = {(buyer_id(r), str(r["id"]).strip()) for r in records if r.get("dateNotification")}
    assert undated and not undated & dated   # every award of the files in Paris is one identifier
    text = plain(page(client, "/id/departement/75"))
    assert (f"Marchés exécutés sur ce territoire ou dans ses communes : {len(undated)} marchés sans date de "
            f"notification ne sont pas dans le graphique.") in text


def test_a_company_page_lists_its_buyers(client):
    text = page(client, "/id/entreprise/329338883")
    assert "Marchés remportés, par acheteur" in text
    assert "<h1>COLAS" in text


# --- readable values -----------------------------------------------------------------------------

MAIN_PAGES = ["/id/commune/83137", "/id/departement/83", "/id/mission/SB", "/id/dataset/decp_augmente",
              "/id/contrat/21750001600019/2024T08713", "/id/entreprise/329338883", "/id/mutation/2023-1128733"]


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_main_pages_show_no_rdf_syntax(client, path):
    main = page(client, path).split('<main id="contenu">', 1)[1]
    for syntax in ("xsd:", "@fr", "^^", "rdf:type"):
        assert syntax not in html.unescape(main.split("<details", 1)[0]), (path, syntax)


def test_properties_are_labelled_in_french_and_link_their_definition(client):
    text = page(client, "/id/contrat/21750001600019/2024T08713")
    assert re.search(r'<th><a href="/def#initialAmount" title="https://w3id.org/bercy-graph/def#initialAmount">'
                     r"montant initial</a></th><td>51\u202f681,38\u00a0€</td>", text)
    assert '<a href="http://data.europa.eu/a4g/ontology#hasContractConclusionDate"' in text
    assert "27 août 2024" in text
    raw = text.split("<details", 1)[1]
    assert "Données brutes" in raw and ">identifiant</a>" in raw   # identifiers folded away
    toulon = page(client, "/id/commune/83137")
    assert ">code INSEE</a></th><td>83137</td>" in toulon


def test_a_sale_is_titled_by_its_date_and_address(client):
    with (DATA / "dvf" / "geodvf_2023_commune_83137_toulon.csv").open(encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["id_mutation"] == "2023-1128733")
    year, month, day = row["date_mutation"].split("-")
    text = page(client, "/id/mutation/2023-1128733")
    title = html.unescape(re.search(r"<h1>(.*?)</h1>", text).group(1))
    expected = f"Vente du {int(day)} {MONTHS[int(month) - 1]} {year}, {row['adresse_numero']} {row['adresse_nom_voie']}"
    assert title == expected


def test_dataset_descriptions_render_markdown_and_eu_codes_by_their_meaning(client):
    text = page(client, "/id/dataset/decp_augmente")
    assert '<a href="https://www.legifrance.gouv.fr/loda/id/JORFTEXT000038318675">arrêté</a>' in text
    assert "<strong>" in text and "**" not in plain(text)
    assert ">quotidienne</a>" in text and ">français</a>" in text
    assert "15 janvier 2025 à 15 h 40 (UTC)" in plain(text)


def test_markdown_never_passes_raw_html():
    shown = markdown_html('Voir <script>alert("x")</script> et [ce lien](javascript:alert(1)) **ici**')
    assert "<script" not in shown and "&lt;script&gt;" in shown
    assert 'href="javascript:' not in shown and "<strong>ici</strong>" in shown   # the link stays text
    described = literal_html(Term('"<img src=x onerror=alert(1)>"@fr', '<img src=x onerror=alert(1)>', "literal",
                                  language="fr"), "http://purl.org/dc/terms/description")
    assert "<img" not in described


def test_french_numbers_dates_and_garbled_text():
    assert french_number("1234567.5") == "1\u202f234\u202f567,5" and french_number("-938356") == "-938\u202f356"
    assert readable_euros("288518.47") == "288\u202f518,47\u00a0€" and readable_euros("86000") == "86\u202f000\u00a0€"
    assert literal_html(Term('"2019-02-01"', "2019-02-01", "literal", datatype=XSD_DATE)) == "1er février 2019"
    garbled = literal_html(Term('"S\ufffdPARATEURS"', "S\ufffdPARATEURS", "literal"))
    assert "\ufffd" not in garbled and "texte altéré à la source" in garbled


def test_garbled_names_are_flagged_on_the_pages(client):
    text = page(client, "/id/departement/83")   # DECP titles of Toulon's contracts lost their accents at source
    assert "\ufffd" not in text and "texte altéré à la source" in text


# --- language --------------------------------------------------------------------------------------

def test_one_place_decides_the_language():
    assert page_language(None, None) == "fr"
    assert page_language(None, "en-GB,en;q=0.9,fr;q=0.8") == "en"
    assert page_language(None, "de-DE, fr;q=0.5, en;q=0.4") == "fr"
    assert page_language("en", "fr") == "en" and page_language("xx", "en") == "en"


def test_english_by_switch_or_accept_language(client):
    english = client.get("/id/commune/83137?lang=en", headers={"Accept": "text/html"})
    assert 'lang="en"' in english.text and ">INSEE code</a>" in english.text and "Key figures" in english.text
    by_header = client.get("/id/commune/83137", headers={"Accept": "text/html", "Accept-Language": "en"})
    assert ">INSEE code</a>" in by_header.text and "Accept-Language" in by_header.headers["vary"]
    assert by_header.headers["etag"] != client.get("/id/commune/83137", headers={"Accept": "text/html"}).headers["etag"]
    french = page(client, "/id/commune/83137")
    assert 'href="?lang=en"' in french and ">code INSEE</a>" in french


def test_error_pages_for_browsers_are_french_html(client):
    response = client.get("/id/commune/99999", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in response.text and "Page introuvable" in response.text
    assert "Cette adresse ne correspond à aucune page" in response.text
