"""Every cube of the build passes the integrity constraints of the W3C RDF Data Cube Vocabulary
(Recommendation of 16 January 2014, §11.1, IC-1 to IC-21), run as the spec's own ASK queries on the
served store, after checking that the store is already in the normalized form they assume (§10.2).

The queries are the spec's text (prefixes aside). Three are run otherwise, with the spec's meaning
(IC-19 on collections: see below):
IC-12 (no two observations of a data set with the same dimension values) compares each observation
with every other one, which over the 4,808 PLF observations is 23 million pairs, so it is checked on
the dimension values the store returns, in Python; IC-20 and IC-21 are templates over the
`qb:parentChildProperty` of each `qb:HierarchicalCodeList`, instantiated for each one the store has.
Also checked here: what a cube says about its units, its code lists and where it comes from.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from graph_service.build import aggregates
from mappings.namespaces import sparql_prologue

from .conftest import BASE

PREFIXES = sparql_prologue("rdf", "rdfs", "skos", "qb", "xsd", "owl", "bg", "dct", "dcat", "prov",
                           "sdmx-attribute")
BG = "https://w3id.org/bercy-graph/def#"

#: §10.2 phase 1 (type and property closure): each rule's WHERE, with FILTER NOT EXISTS of what it would
#: add. The store is normalized when none of them finds anything.
CLOSURE = {
    "observation typed (qb:observation)": "[] qb:observation ?o FILTER NOT EXISTS { ?o a qb:Observation }",
    "observation typed (qb:dataSet)": "?o qb:dataSet [] FILTER NOT EXISTS { ?o a qb:Observation }",
    "slice typed": "[] qb:slice ?s FILTER NOT EXISTS { ?s a qb:Slice }",
    "dimension": "?cs qb:dimension ?p FILTER NOT EXISTS { ?cs qb:componentProperty ?p . ?p a qb:DimensionProperty }",
    "measure": "?cs qb:measure ?p FILTER NOT EXISTS { ?cs qb:componentProperty ?p . ?p a qb:MeasureProperty }",
    "attribute": "?cs qb:attribute ?p FILTER NOT EXISTS { ?cs qb:componentProperty ?p . ?p a qb:AttributeProperty }",
}

IC = {
    "IC-1 Unique DataSet": """ASK {
  { ?obs a qb:Observation . FILTER NOT EXISTS { ?obs qb:dataSet ?dataset1 . } }
  UNION { ?obs a qb:Observation ; qb:dataSet ?dataset1, ?dataset2 . FILTER (?dataset1 != ?dataset2) } }""",
    "IC-2 Unique DSD": """ASK {
  { ?dataset a qb:DataSet . FILTER NOT EXISTS { ?dataset qb:structure ?dsd . } }
  UNION { ?dataset a qb:DataSet ; qb:structure ?dsd1, ?dsd2 . FILTER (?dsd1 != ?dsd2) } }""",
    "IC-3 DSD includes measure": """ASK { ?dsd a qb:DataStructureDefinition .
  FILTER NOT EXISTS { ?dsd qb:component [qb:componentProperty [a qb:MeasureProperty]] } }""",
    "IC-4 Dimensions have range": """ASK { ?dim a qb:DimensionProperty . FILTER NOT EXISTS { ?dim rdfs:range [] } }""",
    "IC-5 Concept dimensions have code lists": """ASK { ?dim a qb:DimensionProperty ; rdfs:range skos:Concept .
  FILTER NOT EXISTS { ?dim qb:codeList [] } }""",
    "IC-6 Only attributes may be optional": """ASK { ?dsd qb:component ?componentSpec .
  ?componentSpec qb:componentRequired "false"^^xsd:boolean ; qb:componentProperty ?component .
  FILTER NOT EXISTS { ?component a qb:AttributeProperty } }""",
    "IC-7 Slice Keys must be declared": """ASK { ?sliceKey a qb:SliceKey .
  FILTER NOT EXISTS { [a qb:DataStructureDefinition] qb:sliceKey ?sliceKey } }""",
    "IC-8 Slice Keys consistent with DSD": """ASK { ?slicekey a qb:SliceKey; qb:componentProperty ?prop .
  ?dsd qb:sliceKey ?slicekey . FILTER NOT EXISTS { ?dsd qb:component [qb:componentProperty ?prop] } }""",
    "IC-9 Unique slice structure": """ASK {
  { ?slice a qb:Slice . FILTER NOT EXISTS { ?slice qb:sliceStructure ?key } }
  UNION { ?slice a qb:Slice ; qb:sliceStructure ?key1, ?key2; FILTER (?key1 != ?key2) } }""",
    "IC-10 Slice dimensions complete": """ASK { ?slice qb:sliceStructure [qb:componentProperty ?dim] .
  FILTER NOT EXISTS { ?slice ?dim [] } }""",
    "IC-11 All dimensions required": """ASK { ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
  ?dim a qb:DimensionProperty; FILTER NOT EXISTS { ?obs ?dim [] } }""",
    "IC-13 Required attributes": """ASK { ?obs qb:dataSet/qb:structure/qb:component ?component .
  ?component qb:componentRequired "true"^^xsd:boolean ; qb:componentProperty ?attr .
  FILTER NOT EXISTS { ?obs ?attr [] } }""",
    "IC-14 All measures present": """ASK { ?obs qb:dataSet/qb:structure ?dsd .
  FILTER NOT EXISTS { ?dsd qb:component/qb:componentProperty qb:measureType }
  ?dsd qb:component/qb:componentProperty ?measure . ?measure a qb:MeasureProperty;
  FILTER NOT EXISTS { ?obs ?measure [] } }""",
    "IC-15 Measure dimension consistent": """ASK { ?obs qb:dataSet/qb:structure ?dsd ; qb:measureType ?measure .
  ?dsd qb:component/qb:componentProperty qb:measureType . FILTER NOT EXISTS { ?obs ?measure [] } }""",
    "IC-16 Single measure on measure dimension observation": """ASK {
  ?obs qb:dataSet/qb:structure ?dsd ; qb:measureType ?measure ; ?omeasure [] .
  ?dsd qb:component/qb:componentProperty qb:measureType ; qb:component/qb:componentProperty ?omeasure .
  ?omeasure a qb:MeasureProperty . FILTER (?omeasure != ?measure) }""",
    "IC-17 All measures present in measures dimension cube": """ASK { {
  SELECT ?numMeasures (COUNT(?obs2) AS ?count) WHERE {
    { SELECT ?dsd (COUNT(?m) AS ?numMeasures) WHERE { ?dsd qb:component/qb:componentProperty ?m. ?m a qb:MeasureProperty . } GROUP BY ?dsd }
    ?obs1 qb:dataSet/qb:structure ?dsd; qb:dataSet ?dataset ; qb:measureType ?m1 .
    ?obs2 qb:dataSet ?dataset ; qb:measureType ?m2 .
    FILTER NOT EXISTS { ?dsd qb:component/qb:componentProperty ?dim . FILTER (?dim != qb:measureType)
      ?dim a qb:DimensionProperty . ?obs1 ?dim ?v1 . ?obs2 ?dim ?v2. FILTER (?v1 != ?v2) }
  } GROUP BY ?obs1 ?numMeasures HAVING (?count != ?numMeasures) } }""",
    "IC-18 Consistent data set links": """ASK { ?dataset qb:slice ?slice . ?slice qb:observation ?obs .
  FILTER NOT EXISTS { ?obs qb:dataSet ?dataset . } }""",
    "IC-19 Codes from code list (scheme)": """ASK {
  ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
  ?dim a qb:DimensionProperty ; qb:codeList ?list . ?list a skos:ConceptScheme . ?obs ?dim ?v .
  FILTER NOT EXISTS { ?v a skos:Concept ; skos:inScheme ?list } }""",
    # the spec's `?list skos:member+ ?v`, as `skos:member` (a path from a bound list enumerates all its
    # members for each of the 34,000 observation values: 68 s): the same test on flat collections,
    # which test_collections_are_flat checks ours are
    "IC-19 Codes from code list (collection)": """ASK {
  ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
  ?dim a qb:DimensionProperty ; qb:codeList ?list . ?list a skos:Collection . ?obs ?dim ?v .
  FILTER NOT EXISTS { ?v a skos:Concept . ?list skos:member ?v } }""",
}
#: IC-20 and IC-21: templates over <$p>, the qb:parentChildProperty of a hierarchical code list
HIERARCHY = {
    "IC-20 Codes from hierarchy": """ASK {
  ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
  ?dim a qb:DimensionProperty ; qb:codeList ?list . ?list a qb:HierarchicalCodeList . ?obs ?dim ?v .
  FILTER NOT EXISTS { ?list qb:hierarchyRoot/<$p>* ?v } }""",
    "IC-21 Codes from hierarchy (inverse)": """ASK {
  ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
  ?dim a qb:DimensionProperty ; qb:codeList ?list . ?list a qb:HierarchicalCodeList . ?obs ?dim ?v .
  FILTER NOT EXISTS { ?list qb:hierarchyRoot/(^<$p>)* ?v } }""",
}
CUBES = {f"{BASE}/id/cube/{key}" for key in ("plf2025-depenses-destination", "lfi2026-etat-b", "lfi2026-etat-a",
                                             "ofgl-communes-2024-971", *(c.key for c in aggregates.CUBES))}


def test_the_build_has_the_cubes_these_checks_are_about(store):
    """The checks below would pass vacuously on a store without cubes."""
    found = {r["d"] for r in store.select(PREFIXES + "SELECT ?d WHERE { ?d a qb:DataSet }")}
    assert found == CUBES
    counts = store.select(PREFIXES + "SELECT (COUNT(?o) AS ?n) WHERE { ?o qb:dataSet ?d }")
    assert int(counts[0]["n"]) > 7000


@pytest.mark.parametrize("rule", CLOSURE)
def test_the_store_is_in_normalized_form(store, rule):
    """§10.2 phase 1: the integrity constraints assume the closure; the build publishes it."""
    assert store.select(PREFIXES + f"SELECT * WHERE {{ {CLOSURE[rule]} }} LIMIT 3") == []


def test_normalization_phase_2_would_change_nothing_the_constraints_read(store):
    """§10.2 phase 2 pushes attributes and dimensions attached at data-set, slice or measure level down
    to observations: here only the unit attribute is attached (to measures), and no attribute is
    required, so no constraint (IC-11, IC-12, IC-13) reads what phase 2 would add."""
    attached = store.select(PREFIXES + "SELECT DISTINCT ?p ?level WHERE { ?cs qb:componentAttachment ?level ; "
                                       "qb:componentProperty ?p }")
    assert {(r["p"], r["level"]) for r in attached} == {
        ("http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure", "http://purl.org/linked-data/cube#MeasureProperty")}
    assert not store.ask(PREFIXES + 'ASK { ?cs qb:componentRequired "true"^^xsd:boolean }')


@pytest.mark.parametrize("constraint", IC)
def test_data_cube_integrity_constraint(store, constraint):
    assert store.ask(PREFIXES + IC[constraint]) is False, constraint


def test_collections_are_flat(store):
    """No collection has a collection as member, so `skos:member+` is `skos:member` (IC-19 above)."""
    assert not store.ask(PREFIXES + "ASK { ?l a skos:Collection ; skos:member ?m . ?m a skos:Collection }")
    assert store.ask(PREFIXES + "ASK { ?l a skos:Collection ; skos:member ?m }")


@pytest.mark.parametrize("constraint", HIERARCHY)
def test_hierarchical_code_list_constraints(store, constraint):
    properties = [r["p"] for r in store.select(PREFIXES + "SELECT DISTINCT ?p WHERE { "
                                                          "?l a qb:HierarchicalCodeList ; qb:parentChildProperty ?p }")]
    for prop in properties:   # none today (our code lists are schemes and collections): nothing to instantiate
        assert store.ask(PREFIXES + HIERARCHY[constraint].replace("$p", prop)) is False, (constraint, prop)


def test_ic12_no_duplicate_observations(store):
    """IC-12: within a data set, no two observations share all their dimension values."""
    rows = store.select(PREFIXES + """SELECT ?dataset ?o ?p ?v WHERE {
      ?dataset qb:structure/qb:component/qb:componentProperty ?p . ?p a qb:DimensionProperty .
      ?o qb:dataSet ?dataset ; ?p ?v }""")
    keys: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        keys[r["dataset"]][r["o"]].append((r["p"], r["v"]))
    assert set(keys) == CUBES
    for dataset, observations in keys.items():
        assert len({tuple(sorted(values)) for values in observations.values()}) == len(observations), dataset


def test_units_are_per_measure(store):
    """`bg:montant` is in euros, `bg:montantParHabitant` in euros per inhabitant (OFGL divides by the
    population): each measure property carries its unit, stated once in the vocabulary graph."""
    rows = store.select(PREFIXES + "SELECT ?m ?unit WHERE { ?m a qb:MeasureProperty ; sdmx-attribute:unitMeasure ?unit }")
    assert {(r["m"], r["unit"]) for r in rows} == {
        (BG + "montant", "http://publications.europa.eu/resource/authority/currency/EUR"),
        (BG + "montantParHabitant", BG + "EuroPerInhabitant"),
        # the sums of the aggregates cubes (graph_service/build/aggregates.py)
        (BG + "initialAmountTotal", "http://publications.europa.eu/resource/authority/currency/EUR"),
        (BG + "currentAmountTotal", "http://publications.europa.eu/resource/authority/currency/EUR")}
    assert not store.ask(PREFIXES + "ASK { ?d a qb:DataSet ; sdmx-attribute:unitMeasure ?u }")


def test_every_component_has_a_range_and_labels_in_french_and_english(store):
    rows = store.select(PREFIXES + """SELECT DISTINCT ?p WHERE { ?cs qb:componentProperty ?p
      FILTER NOT EXISTS { ?p rdfs:range [] ; rdfs:label ?fr, ?en FILTER(lang(?fr) = "fr" && lang(?en) = "en") } }""")
    assert rows == []
    assert store.ask(PREFIXES + "ASK { bg:exercice rdfs:subPropertyOf <http://purl.org/linked-data/sdmx/2009/dimension#refPeriod> }")


def test_component_declarations_and_code_lists_are_stated_once(store):
    """A component property's type and code list live in one graph (the vocabulary, or the graph that
    builds the list), never once per cube graph."""
    rows = store.select(PREFIXES + """SELECT ?p ?o (COUNT(DISTINCT ?g) AS ?n) WHERE {
      GRAPH ?g { ?p ?q ?o } VALUES ?q { qb:codeList rdf:type } ?cs qb:componentProperty ?p }
      GROUP BY ?p ?o HAVING (COUNT(DISTINCT ?g) > 1)""")
    assert rows == []


def test_each_budget_dimension_has_its_own_code_list(store):
    """The budget-etat scheme holds ministères, missions, programmes, actions and sous-actions: each
    dimension's code list is a collection of its own level only."""
    rows = store.select(PREFIXES + """SELECT ?dim ?list (COUNT(DISTINCT ?c) AS ?n) WHERE {
      VALUES ?dim { bg:refMinistry bg:refMission bg:refProgramme bg:refAction bg:refDestination }
      ?dim qb:codeList ?list . ?list a skos:Collection ; skos:member ?c } GROUP BY ?dim ?list""")
    lists = {r["dim"][len(BG):]: (r["list"], int(r["n"])) for r in rows}
    assert len({lst for lst, _ in lists.values()}) == 5
    # data/SOURCES.md: 20 ministères, 46 missions (+ none only LFI 2026 has), 167 programmes, 694 actions
    assert {d: n for d, (_, n) in lists.items() if d != "refDestination"} == {
        "refMinistry": 20, "refMission": 46, "refProgramme": 167, "refAction": 694}
    assert not store.ask(PREFIXES + "ASK { bg:refMission qb:codeList ?l . ?l skos:member ?c . ?c a bg:Ministry }")


def test_each_cube_names_where_it_comes_from(store):
    """The PLF cube's `dct:source` is our catalog's dataset (a dcat:Dataset of the build); every cube
    names the source file the build lifted it from (described with its checksum in `provenance`)."""
    plf = f"{BASE}/id/cube/plf2025-depenses-destination"
    assert store.select(PREFIXES + f"SELECT ?s WHERE {{ <{plf}> dct:source ?s . ?s a dcat:Dataset }}") == [
        {"s": f"{BASE}/id/dataset/plf25-depenses-2025-selon-destination"}]
    rows = store.select(PREFIXES + "SELECT ?d WHERE { ?d a qb:DataSet FILTER NOT EXISTS { "
                                   "?d prov:wasDerivedFrom ?f . ?g prov:wasDerivedFrom ?f } }")
    assert rows == []
