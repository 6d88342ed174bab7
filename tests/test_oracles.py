"""Expectations that other tests take from the code they test, checked here against the sources or a
table written by hand: the catalog's licences, formats, themes and EU codes (mappings/catalog.py's
tables), the département of a postal code (against La Poste's own table), the DECP schema audit
(against `jsonschema` and the official schema), and the charter scores the API filters on.

A wrong entry in one of those tables would otherwise pass every test that reads its expectation
from the same table.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import jsonschema
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from graph_service.web.app import create_app
from graph_service.build.pipeline import lift_source
from mappings import catalog, decp_v2, values
from mappings.iri import Minter
from mappings.namespaces import sparql_prologue
from mappings.registry import SOURCES
from mappings.source import Context

from .conftest import BASE, DATA
from .test_catalog_http import described, identifier

EU = "http://publications.europa.eu/resource/authority/"
CATALOG_CSV = DATA / catalog.PATH

#: data.gouv.fr's licence labels in the export -> the licence IRI a harvester must read (None: no
#: licence named). By hand, from Etalab's pages: version 2.0 (2017) and the first version (2011).
LICENCE_IRIS = {
    "Licence Ouverte / Open Licence version 2.0": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "Licence Ouverte / Open Licence": "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf",
    "License Not Specified": None,
    "Other (Open)": None,
}
#: `resources_formats` tokens of the export -> code of the EU file-type table. By hand; the other
#: tokens of the file (`a`, `xlb`, `url`, `https`) are no format and must be reported as unresolved.
FILE_TYPES = {
    "csv": "CSV", "json": "JSON", "geojson": "GEOJSON", "shp": "SHP", "zip": "ZIP", "tgz": "TAR_GZ",
    "pdf": "PDF", "xml": "XML", "html": "HTML", "plain": "TXT", "octet-stream": "OCTET",
    "ods": "ODS", "vnd.oasis.opendocument.spreadsheet": "ODS", "vnd.oasis.opendocument.text": "ODT",
    "xlsx": "XLSX", "vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "xls": "XLS", "vnd.ms-excel": "XLS",
    "docx": "DOCX", "vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "doc": "DOC", "msword": "DOC",
}
NOT_FORMATS = {"a", "xlb", "url", "https"}
#: The ministry's keywords -> EU data theme, by hand from the EU definitions (ECON: economy and
#: finance, incl. public finance; GOVE: government and public sector, incl. procurement)
THEMES = {
    "ECON": {"economie", "finances-publiques", "budget-de-letat", "loi-de-finances", "comptes-publics",
             "comptabilite-publique", "fiscalite", "impots-locaux", "entreprise", "entreprises",
             "consommation", "industrie-et-services"},
    "GOVE": {"administration", "marches-publics", "collectivites-locales"},
}
#: The codes of each EU table the catalog can state, i.e. the records of each `eu-*` source.
EU_CODES = {
    "eu-frequency": {"ANNUAL", "ANNUAL_2", "QUARTERLY", "BIMONTHLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY",
                     "CONT", "IRREG", "BIENNIAL", "TRIENNIAL", "UNKNOWN"},
    "eu-file-type": set(FILE_TYPES.values()),
    "eu-language": {"FRA"},
    "eu-country": {"FRA", "EUR"},
    "eu-data-theme": set(THEMES),
    "eu-access-right": {"PUBLIC"},
    "eu-licence": {"ETALAB_2_0"},
    "eu-publisher-type": {"NationalAuthority"},
    "eu-licence-type": {"Attribution"},
    # the six high-value dataset categories of Implementing Regulation (EU) 2023/138: geospatial, earth
    # observation and environment, meteorological, statistics, companies, mobility
    "eu-hvd-category": {"c_ac64a52d", "c_dd313021", "c_164e0bf5", "c_e1da4e07", "c_a9135398", "c_b79e35eb"},
}
EU_SOURCES = [s.name for s in SOURCES if s.name.startswith("eu-")]




def items(text: str) -> set[str]:
    return {t.strip() for t in text.split(",") if t.strip()}


def per_dataset(store, pattern: str) -> dict[str, set[str]]:
    """identifier -> values of ?v, for a graph pattern on ?d (the dataset) and ?v."""
    query = f"SELECT ?id ?v WHERE {{ ?d a dcat:Dataset ; dct:identifier ?id . {pattern} }}"
    rows = store.select(sparql_prologue() + query)
    found: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        found[r["id"]].add(r["v"])
    return found


# --- the catalog's tables ---------------------------------------------------------------------

def test_the_hand_tables_cover_every_value_of_the_export():
    rows = described()
    assert {r["license"] for r in rows} == set(LICENCE_IRIS)
    tokens = {t for r in rows for t in items(r["resources_formats"])}
    assert NOT_FORMATS <= tokens <= set(FILE_TYPES) | NOT_FORMATS


def test_licences_are_the_ones_data_gouv_names(store):
    found = per_dataset(store, "?d dct:license ?v")
    for row in described():
        expected = LICENCE_IRIS[row["license"]]
        assert found.get(identifier(row), set()) == ({expected} if expected else set()), identifier(row)


def test_formats_are_the_eu_file_types_of_the_export_tokens(store, built):
    found = per_dataset(store, "?d dcat:distribution/dct:format ?v")
    for row in described():
        tokens = items(row["resources_formats"])
        expected = {EU + "file-type/" + FILE_TYPES[t] for t in tokens if t in FILE_TYPES}
        assert found.get(identifier(row), set()) == expected, identifier(row)
    reported = {u["code"] for u in built.unresolved if u["source"] == "catalog" and u["kind"] == "resource format"}
    assert reported == NOT_FORMATS


def test_themes_come_from_the_keywords_their_eu_definition_covers(store):
    found = per_dataset(store, "?d dcat:theme ?v")
    for row in described():
        tags = items(row["tags"])
        expected = {EU + "data-theme/" + theme for theme, keywords in THEMES.items() if tags & keywords}
        assert found.get(identifier(row), set()) == expected, identifier(row)


@pytest.mark.parametrize("name", EU_SOURCES)
def test_eu_tables_hold_the_codes_the_catalog_states(store, built, name):
    assert name in EU_CODES, "write the codes this EU table may state, by hand, in EU_CODES"
    (summary,) = [s for s in built.sources if s["source"] == name]
    assert summary["rows"] == summary["lifted"] == len(EU_CODES[name])
    query = f"SELECT ?code WHERE {{ GRAPH <{BASE}/graph/{name}> {{ ?c skos:notation ?code }} }}"
    rows = store.select(sparql_prologue() + query)
    assert {r["code"] for r in rows} == EU_CODES[name]


# --- charter scores (the API's min_score filters on them) -------------------------------------

#: Scores worked out by hand from the export's rows with the charter's ten rules (mappings/catalog_quality.py's
#: definitions: title of 5-10 words, description of 300-500 characters, 3-7 keywords, a frequency, a named
#: licence, temporal coverage, spatial coverage, no "copie", no platform digit, hyphens): score, rules failed.
NO_COVERAGE = {"couverture-temporelle", "couverture-spatiale"}
SCORES = {
    # 6 words, 1,068 characters, 5 keywords, no frequency, Etalab 2.0, no coverage
    "encours-france-au-31-12-2024": ("0.60", {"description-300-500-caracteres", "frequence", *NO_COVERAGE}),
    # 10 words, 216 characters, 4 keywords, no frequency, Etalab 2.0, no coverage
    "agregats-comptables-des-collectivites-et-des-etablissements-publics-locaux-2022":
        ("0.60", {"description-300-500-caracteres", "frequence", *NO_COVERAGE}),
    # 6 words ("-" is none), 37 characters, 1 keyword, no frequency, no licence named, no coverage
    "plf-2024-recettes-du-budget-general":
        ("0.40", {"description-300-500-caracteres", "mots-cles-3-7", "frequence", "licence", *NO_COVERAGE}),
    # 8 words, 1,146 characters, 4 keywords, no frequency, Etalab 2.0, 2015-09-26 to 2015-10-18, France
    "consultation-sur-le-projet-de-loi-republique-numerique": ("0.80", {"description-300-500-caracteres", "frequence"}),
    # 9 words, 1,990 characters, 5 keywords, daily, Etalab 2.0, no coverage, an underscore in its id
    "decp_augmente": ("0.60", {"description-300-500-caracteres", "identifiant-tirets", *NO_COVERAGE}),
}


def test_charter_scores_worked_out_by_hand(store):
    # the charter's rules (the freshness measurements are another dimension: graph_service/build/freshness.py)
    rows = store.select(sparql_prologue() + """SELECT ?id ?metric ?value WHERE { ?d a dcat:Dataset ;
        dct:identifier ?id ; dqv:hasQualityMeasurement ?m . ?m dqv:isMeasurementOf ?rule ; dqv:value ?value .
        ?rule skos:notation ?metric ; dqv:inDimension ?charter . ?charter skos:prefLabel ?name
        FILTER(STRSTARTS(STR(?name), "Charte")) }""")
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for r in rows:
        found[r["id"]][r["metric"]] = r["value"]
    for ident, (score, failed) in SCORES.items():
        rules = found[ident]
        assert Decimal(rules.pop("score")) == Decimal(score), ident
        assert len(rules) == 10 and {k for k, v in rules.items() if v == "false"} == failed, ident


def test_min_score_keeps_the_datasets_scored_by_hand_at_or_above_it(built, settings):
    client = TestClient(create_app(settings))
    for ident, (score, _) in SCORES.items():
        assert client.get(f"/api/datasets/{ident}").json()["quality_score"] == float(score), ident
    kept, url = set(), "/api/datasets?min_score=0.8&limit=100"
    while url:
        page = client.get(url).json()
        kept |= {item["id"] for item in page["items"]}
        url = (page.get("next") or "").removeprefix(settings.base)
    assert {i for i in SCORES if i in kept} == {i for i, (score, _) in SCORES.items() if float(score) >= 0.8}


# --- postal codes, against La Poste's table ---------------------------------------------------

LA_POSTE = DATA / "referentials" / "postal" / "laposte_hexasmal_datanova-ods-export_2023-06.csv"
#: Orly airport's postal code is 94 (Val-de-Marne) but its one commune, Paray-Vieille-Poste, is in 91
ORLY = "94390"


@pytest.fixture(scope="module")
def la_poste() -> dict[str, set[str]]:
    """Postal code -> the départements of its communes, as La Poste's official table gives them."""
    if not LA_POSTE.exists():
        pytest.skip(f"La Poste's table ({LA_POSTE}) is absent here")
    found: dict[str, set[str]] = defaultdict(set)
    with LA_POSTE.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            commune = row["code_commune_insee"]
            found[row["code_postal"]].add(commune[:3] if commune[:2] in ("97", "98") else commune[:2])
    return found


def test_postal_codes_give_a_departement_of_their_communes(la_poste):
    """Every code of La Poste's table: the département found is one of its communes' (or None when
    they lie in several départements or in none: 975, 977, 978, 98x)."""
    with (DATA / "referentials" / "cog2025" / "cog2025_departments.csv").open(encoding="utf-8") as handle:
        departements = {r["code"] for r in csv.DictReader(handle)}
    assert len(la_poste) > 6000
    for code, theirs in la_poste.items():
        found = values.departement_of_postal_code(code)
        if found is None:
            assert len(theirs) > 1 or not theirs <= departements, code
        else:
            assert found in theirs, code


def test_orly_postal_code_is_in_essonne(la_poste):
    """94390 (Orly airport) serves Paray-Vieille-Poste, Essonne: La Poste's table wins over the digits."""
    assert la_poste[ORLY] == {"91"}
    assert values.departement_of_postal_code(ORLY) == "91"


def test_a_postal_code_spanning_two_departements_names_neither(la_poste):
    """The codes whose communes lie in two départements (16 in La Poste's table) give None, never the
    département their first digits suggest."""
    spanning = {code for code, theirs in la_poste.items() if len(theirs) > 1}
    assert len(spanning) == 16
    assert {code: values.departement_of_postal_code(code) for code in spanning} == dict.fromkeys(spanning)


# --- the DECP schema audit, against jsonschema ---------------------------------------------------

EXAMPLES = sorted((DATA / "decp" / "schema" / "examples_v2").glob("*.json"))


def official_validator(definition: str):
    schema = json.loads((DATA / "decp" / "schema" / "schema_decp_v2.0.3.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls({"$ref": f"#/definitions/{definition}", "definitions": schema["definitions"]})


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_schema_violations_measured_on_the_official_examples_are_jsonschemas(example: Path, tmp_path):
    marches = json.loads(example.read_text(encoding="utf-8"))["marches"]
    invalid = sum(not official_validator(kind).is_valid(record)
                  for kind in ("marche", "contrat-concession") for record in marches.get(kind, []))
    source = decp_v2.source("decp-exemple", example.name, example.name)
    result = lift_source(source, Context(Minter(BASE), example.parent), tmp_path, progress=False)
    graph = ox.Store()
    graph.bulk_load(path=str(result.nquads), format=ox.RdfFormat.N_QUADS)
    query = sparql_prologue("dqv", "bg") + \
        "SELECT ?n WHERE { ?m dqv:isMeasurementOf bg:SchemaViolation ; dqv:value ?n }"
    measured = [int(r["n"].value) for r in graph.query(query, use_default_graph_as_union=True)]
    assert measured == [invalid] == [0]  # the official examples follow their own schema
