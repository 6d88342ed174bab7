"""COG 2025 in the graph: counts equal the source files, hierarchy and official links hold."""

from __future__ import annotations

import csv

from mappings.namespaces import sparql_prologue

from .conftest import DATA

COG = DATA / "referentials" / "cog2025"


def rows(name: str) -> list[dict]:
    with (COG / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def count(store, cls: str) -> int:
    q = sparql_prologue("igeo") + f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a {cls} }}"
    return int(store.select(q)[0]["n"])


def test_counts_equal_the_source_files(store):
    communes = rows("cog2025_communes.csv")
    assert len(communes) == 34920
    assert count(store, "igeo:Commune") == sum(r["type_code"] == "COM" for r in communes) == 34875
    assert count(store, "igeo:ArrondissementMunicipal") == 45
    assert count(store, "igeo:Departement") == len(rows("cog2025_departments.csv")) == 101
    assert count(store, "igeo:Region") == len(rows("cog2025_regions.csv")) == 18
    assert count(store, "igeo:Arrondissement") == len(rows("cog2025_arrondissements.csv"))
    assert count(store, "igeo:CollectiviteTerritoriale") == len(rows("cog2025_collectivities.csv"))
    assert count(store, "igeo:Pays") == len(rows("cog2025_countries.csv"))
    delegated = rows("cog2025_communes_associees_deleguees.csv")
    assert count(store, "igeo:CommuneDeleguee") == sum(r["type_code"] == "COMD" for r in delegated)
    assert count(store, "igeo:CommuneAssociee") == sum(r["type_code"] == "COMA" for r in delegated)


def test_corsican_commune_sits_in_its_departement_and_region(store):
    q = sparql_prologue("igeo", "owl") + """
    SELECT ?code ?dept ?region ?insee WHERE {
      <http://127.0.0.1:8000/id/commune/2A004> igeo:codeINSEE ?code ; owl:sameAs ?insee ;
          igeo:subdivisionDe ?d, ?r .
      ?d a igeo:Departement ; igeo:codeINSEE ?dept .
      ?r a igeo:Region ; igeo:codeINSEE ?region .
    }"""
    assert store.select(q) == [{"code": "2A004", "dept": "2A", "region": "94",
                                "insee": "http://id.insee.fr/geo/commune/2A004"}]


def test_municipal_arrondissement_belongs_to_its_commune(store):
    q = sparql_prologue("igeo", "rdfs") + """
    SELECT ?name WHERE {
      <http://127.0.0.1:8000/id/commune/75101> igeo:subdivisionDirecteDe ?c . ?c igeo:nom ?name }"""
    assert store.select(q) == [{"name": "Paris"}]


def test_every_commune_reaches_a_region_through_its_departement(store):
    q = sparql_prologue("igeo") + """
    SELECT (COUNT(?c) AS ?n) WHERE {
      ?c a igeo:Commune ; igeo:subdivisionDe ?d . ?d a igeo:Departement ; igeo:subdivisionDirecteDe ?r .
      ?c igeo:subdivisionDe ?r . }"""
    assert int(store.select(q)[0]["n"]) == 34875
