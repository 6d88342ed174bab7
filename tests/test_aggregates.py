"""The aggregates the build computes (graph `aggregats`, graph_service/build/aggregates.py): each query of
queries/ that reads a cube answers what the aggregation it replaced answers on the same store (the original is
kept in the query's comment and run here), the graph is described in the provenance, and its shapes catch an
observation a wrong query would make."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph_service.build import aggregates
from graph_service.config import PROJECT_ROOT
from graph_service.shacl import shape_sets
from mappings.namespaces import sparql_prologue

QUERIES = PROJECT_ROOT / "queries"
#: queries whose comment holds the whole original query (after "... which it runs" / "the query below")
WHOLE = ("decp_contracts_by_departement", "decp_awards_and_identifiers", "decp_contracts_by_cpv_division",
         "generic_epci_communes_decp")
#: queries whose comment holds the original subquery, and the cube it reads instead
PARTS = {"decp_contracts_by_procedure_type": "decp-procedure", "departement_overview": "decp-departement",
         "generic_signalconso_decp_by_departement": "decp-departement"}


def commented(name: str) -> str:
    """The original query text kept in a query's comment (its lines indented under `#   `)."""
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    return "\n".join(line[4:] for line in text.splitlines() if line.startswith("#   "))


def answer(store, text: str) -> list[tuple]:
    return [tuple(sorted((k, str(v)) for k, v in row.items())) for row in store.query(text).rows()]


@pytest.mark.parametrize("name", WHOLE)
def test_a_rewritten_query_answers_as_the_aggregation_it_replaced(store, name):
    original = commented(name)
    assert "GROUP BY" in original and "aggregats" not in original
    rewritten = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    expected = answer(store, original)
    assert expected, name   # the test build has DECP contracts: an empty answer would prove nothing
    assert answer(store, rewritten) == expected


@pytest.mark.parametrize("name", PARTS)
def test_a_cube_holds_what_the_replaced_subquery_counted(store, name):
    """The subquery (kept in the query's comment) run alone gives the cube's observations, key and count."""
    subquery = re.sub(r"^\s*OPTIONAL\s*", "", commented(name).strip())
    prefixes = sparql_prologue("bg", "dct", "epo", "igeo")
    expected = store.select(prefixes + f"SELECT * WHERE {subquery}")
    assert expected
    variables = sorted(expected[0])
    count = "contracts" if "contracts" in variables else "c"
    keys = [v for v in variables if v != count]
    dimensions = {"dep": "sdmx-dimension:refArea", "euType": "bg:refEuProcedureType", "procedure": "bg:refProcedure"}
    pattern = " ; ".join(f"{dimensions[k]} ?{k}" for k in keys)
    cube = store.select(sparql_prologue("bg", "dct", "qb", "sdmx-dimension") + f"""
      SELECT * WHERE {{ ?cube dct:identifier "{PARTS[name]}" .
                        ?obs qb:dataSet ?cube ; {pattern} ; bg:contractCount ?{count} }}""")
    project = lambda rows: sorted(tuple(r[v] for v in variables) for r in rows)  # noqa: E731
    assert project(cube) == project(expected)


def test_the_aggregates_graph_is_described_in_the_provenance(store, built):
    rows = store.select(sparql_prologue("dct", "prov", "void", "bg", "qb") + """
      SELECT ?g ?title ?triples ?n ?activity WHERE {
        GRAPH ?p { ?g dct:title ?title ; void:triples ?triples ; prov:wasGeneratedBy ?activity ;
                      bg:validatedWith "aggregats" ; bg:shaclViolations 0 }
        { SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?x ?o } } GROUP BY ?g }
      }""")
    assert len(rows) == 1 and rows[0]["g"].endswith("/graph/aggregats")
    assert rows[0]["triples"] == rows[0]["n"]
    assert rows[0]["activity"].endswith("/build/" + built.build_id)
    queries = store.select(sparql_prologue("dct", "bg") + "SELECT ?key ?q WHERE { ?c bg:query ?q ; dct:identifier ?key }")
    assert {r["key"]: r["q"] for r in queries} == {
        c.key: aggregates.query_file(c).read_text(encoding="utf-8") for c in aggregates.CUBES}
    assert {c["key"] for c in built.aggregates} == {c.key for c in aggregates.CUBES}


def test_the_shapes_catch_an_observation_with_a_component_twice_or_missing(store, tmp_path):
    graph = next(g for g in store.named_graphs() if g.endswith("/graph/aggregats"))
    good = tmp_path / "aggregats.nq"
    store.dump_graph(graph, good)
    assert [o.violations for o in shape_sets.run_graph("aggregats", good)] == [0]
    lines = good.read_text(encoding="utf-8").splitlines()
    count = next(line for line in lines if "#contractCount>" in line and "decp-departement-flux" in line)
    twice = count.replace('"^^', '0"^^')   # another count on the same observation
    initial = next(line for line in lines if "#initialAmountCount>" in line)
    bad = tmp_path / "bad.nq"
    bad.write_text("\n".join([*(line for line in lines if line != initial), twice]) + "\n", encoding="utf-8")
    (outcome,) = shape_sets.run_graph("aggregats", bad)
    assert outcome.violations >= 2
