"""The referentials in the session build: counts and hierarchies equal what the source files say."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from mappings import budget_nomenclature, collectivites, cpv, legal_categories, naf
from mappings.namespaces import sparql_prologue

from .conftest import BASE, DATA

ID = f"{BASE}/id/"


def rows(path: str, delimiter: str = ",") -> list[dict]:
    with (DATA / path).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def select(store, query: str, *prefixes: str) -> list[dict]:
    return store.select(sparql_prologue(*(prefixes or ("skos", "bg", "dct", "rov", "cpov", "igeo"))) + query)


def key(iri: str, kind: str) -> str:
    assert iri.startswith(f"{ID}{kind}/"), iri
    return iri[len(f"{ID}{kind}/"):]


def scheme_members(store, scheme: str) -> dict[str, str]:
    """notation (the plain one) -> concept IRI, for the concepts of one of our schemes."""
    found = select(store, f"""SELECT ?c ?n WHERE {{ ?c skos:inScheme <{ID}scheme/{scheme}> ; skos:notation ?n .
        FILTER(datatype(?n) = xsd:string) }}""", "skos", "xsd")
    return {r["n"]: r["c"] for r in found}


def broader_pairs(store, scheme: str) -> set[tuple[str, str]]:
    found = select(store, f"""SELECT ?n ?pn WHERE {{ ?c skos:inScheme <{ID}scheme/{scheme}> ; skos:broader ?p ;
        skos:notation ?n . ?p skos:notation ?pn . FILTER(datatype(?n) = xsd:string && datatype(?pn) = xsd:string) }}""",
                   "skos", "xsd")
    return {(r["n"], r["pn"]) for r in found}


SOURCE_FILES = {s.name: (s.path, ";" if s.name == "budget-nomenclature" else ",")
                for module in (cpv, naf, legal_categories, collectivites, budget_nomenclature)
                for s in module.SOURCES}


@pytest.mark.parametrize("name", sorted(SOURCE_FILES))
def test_every_row_is_lifted_or_rejected(built, name):
    path, delimiter = SOURCE_FILES[name]
    summary = next(s for s in built.sources if s["source"] == name)
    assert summary["rows"] == len(rows(path, delimiter))
    assert summary["rows"] == summary["lifted"] + summary["rejected"]


# --- CPV -----------------------------------------------------------------------------------

def test_cpv_has_every_code_with_french_and_english_labels(store):
    french = rows(cpv.FR_FILE)
    english = rows(cpv.EN_FILE)
    assert len(french) == len(english) == 9454  # CPV 2008 main vocabulary (Regulation 213/2008)
    members = scheme_members(store, "cpv")
    assert set(members) == {r["id"][:8] for r in french} == {r["code"] for r in english}
    labelled = select(store, f"""SELECT ?fr ?en ?n WHERE {{ ?c skos:inScheme <{ID}scheme/cpv> ; skos:notation ?n ;
        skos:prefLabel ?fr, ?en . FILTER(lang(?fr) = "fr" && lang(?en) = "en" && datatype(?n) = xsd:string) }}""",
                      "skos", "xsd")
    by_code = {r["n"]: (r["fr"], r["en"]) for r in labelled}
    assert len(labelled) == len(by_code) == 9454  # exactly one label per language
    assert by_code["45216000"][1] == next(r["label_en"] for r in english if r["code"] == "45216000")


def test_cpv_hierarchy_matches_the_english_files_parent_codes(store):
    """Every non-division has one broader concept, the parent the EN file derives from the code."""
    english = rows(cpv.EN_FILE)
    expected = {(r["code"], r["parent_code"]) for r in english if r["parent_code"]}
    assert broader_pairs(store, "cpv") == expected
    divisions = {r["code"] for r in english if r["level"] == "division"}
    assert divisions == {r["code"] for r in english if r["code"].endswith("000000")}
    tops = select(store, f"SELECT ?c WHERE {{ ?c skos:topConceptOf <{ID}scheme/cpv> }}")
    assert {key(r["c"], "cpv") for r in tops} == divisions
    several = select(store, f"""SELECT ?c WHERE {{ ?c skos:inScheme <{ID}scheme/cpv> ; skos:broader ?a, ?b .
        FILTER(?a != ?b) }} LIMIT 1""")
    assert several == []


def test_cpv_keeps_the_check_digit_and_links_to_the_eu_iri(store):
    found = select(store, f"""SELECT ?c ?full ?eu WHERE {{ ?c skos:inScheme <{ID}scheme/cpv> ; skos:notation ?full ;
        skos:exactMatch ?eu . FILTER(datatype(?full) = bg:cpvCodeWithCheckDigit) }}""")
    assert {r["full"] for r in found} == {r["id"] for r in rows(cpv.FR_FILE)}
    for r in found:
        code = key(r["c"], "cpv")
        assert r["full"].startswith(code + "-")
        assert r["eu"] == f"http://data.europa.eu/cpv/cpv/{code}"


# --- NAF -----------------------------------------------------------------------------------

def test_naf_levels_equal_the_distinct_codes_of_the_file(store):
    naf_rows = rows(naf.FILE)
    assert len(naf_rows) == 732  # NAF rév. 2 sous-classes
    members = scheme_members(store, "naf")
    levels = ("section", "division", "groupe", "classe", "sous_classe")
    expected = {level: {r[f"{level}_code"] for r in naf_rows} for level in levels}
    assert set(members) == set().union(*expected.values())
    assert len(members) == sum(len(codes) for codes in expected.values())  # keys never collide
    assert len(expected["sous_classe"]) == 732 and len(expected["section"]) == 21
    pairs = {(r[child + "_code"], r[parent + "_code"]) for r in naf_rows for parent, child in zip(levels, levels[1:])}
    assert broader_pairs(store, "naf") == pairs
    label = select(store, f'SELECT ?l WHERE {{ <{ID}naf/64.19Z> skos:prefLabel ?l }}')
    assert label == [{"l": next(r["sous_classe_libelle"] for r in naf_rows if r["sous_classe_code"] == "64.19Z")}]


# --- catégories juridiques -----------------------------------------------------------------

def spaced(text: str) -> str:
    return " ".join(text.split())


def test_legal_categories_three_levels_current_labels_win(store):
    old = rows(legal_categories.DIR + legal_categories.EDITION_2019)
    current = rows(legal_categories.DIR + legal_categories.CURRENT)
    members = scheme_members(store, "categorie-juridique")
    by_level = defaultdict(set)
    for code in members:
        by_level[len(code)].add(code)
    assert by_level[1] == {r["code"] for r in old if r["niveau"] == "I"}
    assert by_level[2] == {r["code"] for r in old if r["niveau"] == "II"}
    assert by_level[4] == {r["code"] for r in old if r["niveau"] == "III"} | {r["code"] for r in current}
    assert {"0000", "2800", "5310", "5498", "5720", "6588"} <= by_level[4]  # new and old-only codes
    found = select(store, f"""SELECT ?n ?l WHERE {{
        ?c skos:inScheme <{ID}scheme/categorie-juridique> ; skos:notation ?n ; skos:prefLabel ?l }}""")
    labels = {r["n"]: r["l"] for r in found}
    assert len(found) == len(labels) == len(members)  # one label each
    for r in current:
        assert labels[r["code"]] == spaced(r["libellé"])
    current_codes = {r["code"] for r in current}
    for r in old:
        if r["code"] not in current_codes:
            assert labels[r["code"]] == spaced(r["libelle"])
    assert broader_pairs(store, "categorie-juridique") >= {("5710", "57"), ("57", "5"), ("5310", "53")}


# --- collectivités ---------------------------------------------------------------------------

COLLECTIVITE_GRAPHS = " ".join(f"<{BASE}/graph/{s.name}>" for s in collectivites.SOURCES)
TERRITORY_CLASS = {"DEPT": "Departement", "PARIS": "Departement", "ML": "CollectiviteTerritoriale",
                   "REG": "Region", "CTU": "Region"}


def test_collectivites_are_organisations_linked_to_their_territory(store):
    listed = rows(collectivites.DIR + "departements-siren.csv") + rows(collectivites.DIR + "regions-siren.csv")
    assert len(listed) == 98 + 17
    found = select(store, f"""SELECT ?siren ?class ?code WHERE {{
        VALUES ?g {{ {COLLECTIVITE_GRAPHS} }}
        GRAPH ?g {{ ?o a cpov:PublicOrganisation, rov:RegisteredOrganization ; dct:identifier ?siren ; dct:spatial ?t }}
        ?t a ?class ; igeo:codeINSEE ?code . FILTER(STRSTARTS(STR(?class), STR(igeo:))) }}""")
    linked = {r["siren"]: (r["class"].rsplit("#", 1)[1], r["code"]) for r in found}
    assert len(found) == len(linked) == 115
    for r in listed:
        expected_code = "69M" if r["CATEG"] == "ML" else r["Insee"]
        assert linked[r["Siren"]] == (TERRITORY_CLASS[r["CATEG"]], expected_code)


def test_departements_and_regions_carry_their_legal_category(store):
    found = select(store, f"""SELECT ?siren ?cj WHERE {{ VALUES ?g {{ {COLLECTIVITE_GRAPHS} }}
        GRAPH ?g {{ ?o dct:identifier ?siren ; rov:orgType ?c }} ?c skos:notation ?cj }}""")
    categories = {r["siren"]: r["cj"] for r in found}
    listed = rows(collectivites.DIR + "departements-siren.csv") + rows(collectivites.DIR + "regions-siren.csv")
    assert categories == {r["Siren"]: {"DEPT": "7220", "REG": "7230"}[r["CATEG"]]
                          for r in listed if r["CATEG"] in ("DEPT", "REG")}


# --- State budget nomenclature ---------------------------------------------------------------

def test_budget_nomenclature_counts_equal_the_distinct_codes_of_the_file(store):
    plf = rows(budget_nomenclature.FILE, ";")
    assert len(plf) == 2404
    expected = {"Ministry": {r["ministere"] for r in plf}, "Mission": {r["mission"] for r in plf},
                "Programme": {r["programme"] for r in plf}, "Action": {r["action"] for r in plf},
                "SubAction": {r["sous_action"] for r in plf if r["sous_action"]}}
    assert [len(expected[c]) for c in ("Ministry", "Mission", "Programme", "Action")] == [20, 46, 167, 694]
    for cls, codes in expected.items():
        found = select(store, f"SELECT ?n WHERE {{ ?c a bg:{cls} ; skos:notation ?n }}")
        assert sorted(r["n"] for r in found) == sorted(codes), cls


def test_budget_hierarchy_and_ministries_follow_the_file(store):
    plf = rows(budget_nomenclature.FILE, ";")
    pairs = set()
    for r in plf:
        pairs |= {(r["programme"], r["mission"]), (r["action"], r["programme"])}
        if r["sous_action"]:
            pairs.add((r["sous_action"], r["action"]))
    assert broader_pairs(store, "budget-etat") == pairs
    ministries = select(store, "SELECT ?p ?m WHERE { ?pc a bg:Programme ; skos:notation ?p ; bg:ministry ?mc . "
                               "?mc skos:notation ?m }")
    assert {(r["p"], r["m"]) for r in ministries} == {(r["programme"], r["ministere"]) for r in plf}
    types = select(store, "SELECT ?m ?t WHERE { ?mc a bg:Mission ; skos:notation ?m ; bg:budgetType ?tc . "
                          "?tc skos:notation ?t }")
    assert {(r["m"], r["t"]) for r in types} == {(r["mission"], r["typebudget"]) for r in plf}
