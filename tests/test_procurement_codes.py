"""DECP contracts joined to the EU's procurement code lists, checked against the real files: the official DECP
schemas and the embedded feeds (procedures), the eForms SDK genericode files (EU procedure types, contract
natures, NUTS 3), the CPV 2008 list and the COG 2025 départements; then what the built graph says of them."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from graph_service.build.pipeline import lift_source
from graph_service.config import PROJECT_ROOT
from mappings import cog, decp_v2
from mappings import procurement_codes as pc
from mappings.iri import Minter
from mappings.namespaces import sparql_prologue
from mappings.source import Context

from .conftest import BASE, DATA

SCHEMAS = DATA / "decp" / "schema"
FEEDS = DATA / "decp"


def schema_procedures() -> set[str]:
    """Every `procedure` enum value of the official DECP schemas (1.5 marchés, 2.0.3 marchés and concessions)."""
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("procedure"), dict) and "enum" in node["procedure"]:
                found.update(node["procedure"]["enum"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for name in ("schema_decp_v1.5.0_marches.json", "schema_decp_v2.0.3.json"):
        walk(json.loads((SCHEMAS / name).read_text(encoding="utf-8")))
    return found


def published_procedures() -> Counter[str]:
    """The `procedure` values of the embedded DECP feeds (JSON records and their tabular rows)."""
    values: Counter[str] = Counter()

    def records(node):
        if isinstance(node, dict):
            if "procedure" in node and isinstance(node["procedure"], str):
                yield node
            for value in node.values():
                yield from records(value)
        elif isinstance(node, list):
            for value in node:
                yield from records(value)

    for path in sorted(FEEDS.glob("*.json")):
        values.update(r["procedure"] for r in records(json.loads(path.read_text(encoding="utf-8"))))
    for path in sorted(FEEDS.glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            values.update(row["procedure"] for row in csv.DictReader(handle))
    return values


def test_each_procedure_of_the_decp_schemas_is_one_concept_labelled_as_the_schema_spells_it():
    assert {p.label for p in pc.PROCEDURES} == schema_procedures()
    assert len(pc.PROCEDURES) == 10 and len({p.key for p in pc.PROCEDURES}) == 10


def test_every_value_the_feeds_publish_names_a_concept():
    published = published_procedures()
    values = {v for v in published if v.strip()}
    assert len(values) == 13  # 10 schema values minus the 2 never used, plus 5 other spellings
    assert {v for v in values if pc.procedure_type(v) is None} == set()
    # the three spellings of "négocié sans publicité" are one concept, its pref, alt and hidden labels
    spellings = {v for v in values if "sans publicité" in v}
    assert len(spellings) == 3 and {pc.procedure_type(v).key for v in spellings} == \
        {"sans-publicite-ni-mise-en-concurrence"}
    assert pc.procedure_type("  procédure   adaptée ") is pc.procedure_type("Procédure adaptée")
    assert pc.procedure_type("Procédure inventée") is None


def test_each_concept_matches_a_code_of_the_eu_table():
    table = pc.genericode(DATA / pc.PROCEDURE_FILE)
    assert {"open", "restricted", "neg-w-call", "neg-wo-call", "comp-dial"} <= set(table)
    assert {p.eu for p in pc.PROCEDURES} <= set(table)
    # exact only where the French procedure is the directive's own; the rest say why they are close
    assert {p.key for p in pc.PROCEDURES if p.exact} == {
        "appel-offres-ouvert", "appel-offres-restreint", "procedure-avec-negociation", "dialogue-competitif"}
    assert all(p.why for p in pc.PROCEDURES)


def lifted(tmp_path: Path) -> tuple[Context, dict[str, list[str]]]:
    """The COG's départements and the three code-list sources lifted from the real files, in build order."""
    ctx = Context(Minter(BASE), DATA)
    lines = {}
    for source in (cog.SOURCES[0], cog.SOURCES[1], *pc.SOURCES):
        result = lift_source(source, ctx, tmp_path, progress=False)
        assert result.rejected == [] and result.lifted == result.rows, source.name
        lines[source.name] = result.nquads.read_text(encoding="utf-8").splitlines()
    return ctx, lines


def test_the_code_list_sources_lift_every_row_of_the_real_files(tmp_path):
    _, lines = lifted(tmp_path)
    procedures = lines["type-procedure-decp"]
    assert sum("core#prefLabel" in line and "/id/type-procedure/" in line.split()[0] for line in procedures) == 10
    assert sum("core#exactMatch" in line for line in procedures) == 4
    assert sum("core#closeMatch" in line for line in procedures) == 6
    assert sum("core#altLabel" in line for line in procedures) == 3
    assert sum("core#hiddenLabel" in line for line in procedures) == 1
    assert any('"Ouverte"@fr' in line for line in procedures)  # the EU concept's label, from the .gc file
    assert len(lines) == 5 and len(set(procedures)) == len(procedures)  # each fact once
    natures = {line.split()[0] for line in lines["contract-nature"] if "core#notation" in line}
    assert natures == {pc.nature_concept(c) for c in ("works", "supplies", "services")}


def departements() -> dict[str, str]:
    with (DATA / pc.DEPARTEMENTS).open(encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def test_every_departement_of_the_cog_has_its_nuts3_region():
    """French NUTS 3 regions are the départements: the name join leaves none of the 101 out. The cases
    where it could fail are checked by hand: Corsica (2A, 2B), Paris, the Rhône with the Métropole de
    Lyon, and the five overseas départements (NUTS 2021 FRY10-FRY50); FRZZZ (Extra-Regio) has none."""
    joined = pc.nuts_by_departement(DATA)
    cog_codes = departements()
    assert len(cog_codes) == 101
    assert sorted(set(cog_codes) - set(joined)) == []  # départements without a NUTS code of their name
    nuts = pc.genericode(DATA / pc.NUTS_FILE)
    assert sorted(set(nuts) - set(joined.values())) == ["FRZZZ"]
    assert len(set(joined.values())) == 101  # one NUTS code per département
    assert {d: joined[d] for d in ("2A", "2B", "75", "69", "971", "972", "973", "974", "976")} == {
        "2A": "FRM01", "2B": "FRM02", "75": "FR101", "69": "FRK26", "971": "FRY10", "972": "FRY20",
        "973": "FRY30", "974": "FRY40", "976": "FRY50"}
    assert joined["95"] == "FR108"  # Val-d'Oise: the COG's apostrophe, the EU's typographic one


def test_the_nature_rule_covers_every_cpv_division():
    with (DATA / "referentials" / "cpv" / "cpv2008_fr_avec_cle_et_parent.csv").open(encoding="utf-8") as handle:
        divisions = {row["id"][:2]: row["name"] for row in csv.DictReader(handle) if row["id"][2:8] == "000000"}
    assert len(divisions) == 45
    natures = {d: pc.nature_of_cpv(d + "000000") for d in divisions}
    assert None not in natures.values()
    assert [d for d, n in natures.items() if n == "works"] == ["45"]
    assert divisions["45"].lower().startswith("travaux de construction")
    assert natures["48"] == "supplies" and natures["50"] == "services" and natures["03"] == "supplies"
    assert set(natures.values()) <= set(pc.genericode(DATA / pc.NATURE_FILE))


def test_the_tabular_feed_publishes_the_nature_the_rule_derives():
    """The consolidated export's `type` (Travaux, Fournitures, Services) agrees with the CPV rule."""
    names = {"Travaux": "works", "Fournitures": "supplies", "Services": "services"}
    with next(FEEDS.glob("*tabulaire*.csv")).open(encoding="utf-8") as handle:
        rows = [(row["type"], row["codeCPV"]) for row in csv.DictReader(handle) if row["codeCPV"]]
    assert len(rows) > 8000
    assert [r for r in rows if names.get(r[0]) != pc.nature_of_cpv(r[1].zfill(8)[:8])] == []


Q = sparql_prologue("epo", "bg", "dct", "skos")


def count(store, where: str) -> int:
    (row,) = store.select(Q + f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a epo:Contract . {where} }}")
    return int(row["n"])


def test_contracts_carry_their_procedure_nature_and_nuts_code(store):
    contracts = count(store, "")
    with_procedure = count(store, "?c bg:procedure ?p")
    typed = count(store, "?c bg:awardProcedure/bg:procedureType/skos:inScheme ?s")
    flagged = count(store, "?c bg:qualityIssue bg:UnknownProcedure")
    assert with_procedure > 10000 and typed + flagged == with_procedure and flagged == 0
    # every typed procedure has the EU type its concept matches, as ePO's procedure type
    assert count(store, "?c bg:awardProcedure ?p . ?p bg:procedureType/(skos:exactMatch|skos:closeMatch) ?eu ; "
                        "epo:hasProcedureType ?eu FILTER(STRSTARTS(STR(?eu), "
                        "'http://publications.europa.eu/resource/authority/procurement-procedure-type/'))") == typed
    with_cpv = count(store, "?c bg:cpvCode ?code FILTER(SUBSTR(?code, 1, 2) >= '03')")
    assert count(store, "?c epo:isSubjectToContractSpecificTerm/epo:hasContractNatureType ?n") == with_cpv
    # a contract placed in a commune or a département has the NUTS 3 code of that département
    local = count(store, "?c dct:spatial ?t . FILTER(CONTAINS(STR(?t), '/id/commune/') || "
                         "CONTAINS(STR(?t), '/id/departement/') || CONTAINS(STR(?t), '/id/commune-version/'))")
    nuts = count(store, "?c epo:isSubjectToContractSpecificTerm/epo:definesSpecificPlaceOfPerformance/"
                        "epo:hasNutsCode ?n")
    assert local > 1000 and nuts == local
    # and the NUTS code is the one the département matches
    assert count(store, "?c dct:spatial ?d . ?d skos:exactMatch ?n . ?c epo:isSubjectToContractSpecificTerm/"
                        "epo:definesSpecificPlaceOfPerformance/epo:hasNutsCode ?other FILTER(?other != ?n)") == 0
    print(f"contracts {contracts}: procedure published {with_procedure}, typed {typed}, unknown {flagged}; "
          f"nature {with_cpv}; NUTS 3 {nuts}")


def test_contracts_by_procedure_type_query_counts_each_published_value_under_its_eu_type(store):
    """queries/decp_contracts_by_procedure_type.rq, against the published literals: each contract is counted
    under the EU type its published value (any spelling) leads to, the match kind as the scheme states it."""
    rows = store.select((PROJECT_ROOT / "queries" / "decp_contracts_by_procedure_type.rq").read_text(encoding="utf-8"))
    answered = {(r["procedure"].rpartition("/")[2], r["euType"].rpartition("/")[2], r["match"]): int(r["contracts"])
                for r in rows}
    published = store.select(Q + "SELECT ?c ?p WHERE { ?c a epo:Contract ; bg:procedure ?p }")
    expected: Counter[tuple[str, str, str]] = Counter()
    for row in published:
        p = pc.procedure_type(row["p"])
        expected[(p.key, p.eu, "exactMatch" if p.exact else "closeMatch")] += 1
    assert answered == dict(expected)
    assert answered[("procedure-adaptee", "oth-single", "closeMatch")] > 5000
    assert all(r["euLabel"] for r in rows)  # the EU's French label, from the eForms file


def test_a_procedure_no_concept_names_stays_published_and_is_flagged(tmp_path):
    """Nothing dropped: a value outside the scheme keeps its literal and its contract, flagged `bg:UnknownProcedure`
    (and counted as unresolved), without an `epo:Procedure`."""
    paris = FEEDS / "decp_v2_2024_ville_de_paris_21750001600019.json"
    records = json.loads(paris.read_text(encoding="utf-8"))[:2]
    records[0]["procedure"] = "Procédure inventée"
    (tmp_path / "feed.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    ctx = Context(Minter(BASE), tmp_path)
    result = lift_source(decp_v2.source("decp-test", "test", "feed.json"), ctx, tmp_path, progress=False)
    assert result.lifted == 2 and result.rejected == []
    text = result.nquads.read_text(encoding="utf-8")
    assert '"Procédure inventée"' in text
    assert text.count("def#UnknownProcedure>") == 1 and text.count("ontology#hasProcedureType>") == 1
    assert ("decp-test", "procedure", "Procédure inventée") in ctx.unresolved
