"""The State budget cubes in the built graph, checked against the source files read here with csv."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from graph_service.shacl import shape_sets as validation
from mappings import budget_nature, budget_nomenclature, budget_plf
from mappings.namespaces import sparql_prologue

from .conftest import BASE, DATA
from .golden import GOLDEN, lift_slices
from .test_budget_golden import PLF_SLICE, nomenclature_of, slice_rows

BUDGET = DATA / "budget"
QUERIES = Path(__file__).parent.parent / "queries"
PLF_CUBE = f"{BASE}/id/cube/plf2025-depenses-destination"
PREFIXES = sparql_prologue("bg", "qb", "skos", "xsd")


def plf_rows() -> list[dict]:
    with (BUDGET / "plf2025_depenses_selon_destination_ods_export.csv").open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def lfi_rows(name: str) -> list[dict]:
    with (BUDGET / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


ETAT_B = "lfi2026_etat_b_budget_general_missions_cp.csv"
ETAT_A = "lfi2026_etat_a_recettes_budget_general_lignes.csv"


def test_every_row_is_lifted_or_rejected(built):
    expected = {"budget-nature": len(plf_rows()), "budget-plf2025-depenses": len(plf_rows()),
                "budget-lfi2026-etat-b": len(lfi_rows(ETAT_B)), "budget-lfi2026-etat-a": len(lfi_rows(ETAT_A))}
    sources = {s["source"]: s for s in built.sources}
    for name, rows in expected.items():
        summary = sources[name]
        assert summary["rows"] == rows == summary["lifted"] + summary["rejected"], name
        assert summary["rejected"] == 0, name  # the real files are clean


def test_each_row_gives_an_ae_and_a_cp_observation(store):
    q = PREFIXES + f"""SELECT ?credit (COUNT(?o) AS ?n) WHERE {{
      ?o qb:dataSet <{PLF_CUBE}> ; bg:creditType/skos:notation ?credit }} GROUP BY ?credit"""
    assert {r["credit"]: int(r["n"]) for r in store.select(q)} == {"AE": len(plf_rows()), "CP": len(plf_rows())}


def test_budget_general_payment_credits_sum_as_in_the_file(store):
    in_file = sum(Decimal(r["credit_de_paiement"]) for r in plf_rows() if r["typebudget"] == "BG")
    q = PREFIXES + """SELECT (SUM(?amount) AS ?total) WHERE {
      ?o bg:exercice "2025"^^xsd:gYear ; bg:financeLaw/skos:notation "PLF" ;
         bg:refBudgetType/skos:notation "BG" ; bg:creditType/skos:notation "CP" ; bg:montant ?amount }"""
    total = Decimal(store.select(q)[0]["total"])
    assert total == in_file == Decimal("594036403592")  # the figure data/SOURCES.md documents


def test_totals_per_budget_and_credit_type(store):
    """AE and CP, budget général and comptes spéciaux: each total apart, as in the file."""
    in_file: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in plf_rows():
        in_file[(r["typebudget"], "AE")] += Decimal(r["autorisation_engagement"])
        in_file[(r["typebudget"], "CP")] += Decimal(r["credit_de_paiement"])
    q = PREFIXES + f"""SELECT ?budget ?credit (SUM(?amount) AS ?total) WHERE {{
      ?o qb:dataSet <{PLF_CUBE}> ; bg:refBudgetType/skos:notation ?budget ;
         bg:creditType/skos:notation ?credit ; bg:montant ?amount }} GROUP BY ?budget ?credit"""
    in_graph = {(r["budget"], r["credit"]): Decimal(r["total"]) for r in store.select(q)}
    assert in_graph == dict(in_file)
    assert in_graph[("BG", "AE")] != in_graph[("BG", "CP")]


def test_budget_by_mission_query(store):
    in_file: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    labels = {}
    for r in plf_rows():
        totals = in_file[(r["typebudget"], r["mission"])]
        totals[0] += Decimal(r["autorisation_engagement"])
        totals[1] += Decimal(r["credit_de_paiement"])
        labels[r["mission"]] = r["libelle_mission"]
    rows = store.select((QUERIES / "budget_by_mission.rq").read_text(encoding="utf-8"))
    assert {(r["budget"], r["mission"]): [Decimal(r["autorisationsEngagement"]), Decimal(r["creditsPaiement"])]
            for r in rows} == dict(in_file)
    assert len(rows) == len(in_file)
    assert all(r["label"] == labels[r["mission"]] for r in rows)


def test_plf2025_vs_lfi2026_by_mission(store):
    """The embedded data has PLF 2025 and LFI 2026, no LFI 2025: the query gives both columns, says they
    are different years, and gives no ?change (which would read as a vote of Parliament)."""
    plf: dict[str, Decimal] = defaultdict(Decimal)
    for r in plf_rows():
        if r["typebudget"] == "BG":
            plf[r["mission"]] += Decimal(r["credit_de_paiement"])
    lfi = {r["mission_code"]: Decimal(r["credits_paiement_eur"]) for r in lfi_rows(ETAT_B)}
    rows = store.select((QUERIES / "budget_plf_vs_lfi_by_mission.rq").read_text(encoding="utf-8"))
    assert [r["mission"] for r in rows] == sorted(set(plf) | set(lfi))
    assert {"AQ", "PR"} <= set(plf) - set(lfi)   # Audiovisuel public, Plan de relance: no LFI 2026 credits
    for r in rows:
        code = r["mission"]
        assert (r["plfYear"], r["lfiYear"], r["sameYear"]) == ("2025", "2026", "false")
        assert (Decimal(r["plf"]) if "plf" in r else None) == plf.get(code), code
        assert (Decimal(r["lfi"]) if "lfi" in r else None) == lfi.get(code), code
        assert "change" not in r and "Années différentes : PLF 2025, LFI 2026" in r["note"], code


def test_plf_vs_lfi_compares_the_same_year_when_the_graph_has_it(tmp_path):
    """Given an LFI of the PLF's year (here a copy of two PLF observations restaged as LFI 2025, beside an
    LFI 2026 one), the query compares PLF 2025 with LFI 2025 and gives the change."""
    from graph_service.store import GraphStore
    scratch = GraphStore(tmp_path / "store", writable=True)
    obs = """?o a qb:Observation ; bg:financeLaw [ skos:notation "{stage}" ] ; bg:exercice "{year}"^^xsd:gYear ;
      bg:refBudgetType [ skos:notation "BG" ] ; bg:creditType [ skos:notation "CP" ] ; bg:refMission <urn:m:AA> ;
      bg:montant {amount} ."""
    data = "".join(obs.replace("?o", f"<urn:o:{n}>").format(stage=st, year=y, amount=a) for n, (st, y, a) in
                   enumerate((("PLF", 2025, "100.0"), ("LFI", 2025, "90.0"), ("LFI", 2026, "70.0"))))
    scratch.update(PREFIXES + f'INSERT DATA {{ <urn:m:AA> skos:notation "AA" . {data} }}')
    rows = scratch.select((QUERIES / "budget_plf_vs_lfi_by_mission.rq").read_text(encoding="utf-8"))
    assert [(r["mission"], r["plfYear"], r["lfiYear"], r["sameYear"], Decimal(r["change"])) for r in rows] == [
        ("AA", "2025", "2025", "true", Decimal("-10"))]
    assert "note" not in rows[0]


def test_each_observation_linked_to_its_programme_and_action(store):
    """Destination dimensions are the nomenclature's concepts, consistent with its hierarchy."""
    q = PREFIXES + f"""SELECT (COUNT(?o) AS ?n) WHERE {{
      ?o qb:dataSet <{PLF_CUBE}> ; bg:refMission ?mission ; bg:refProgramme ?programme ;
         bg:refAction ?action ; bg:refDestination ?destination ; bg:refMinistry ?ministry .
      ?programme a bg:Programme ; skos:broader ?mission ; bg:ministry ?ministry .
      ?action a bg:Action ; skos:broader ?programme .
      FILTER(?destination = ?action || EXISTS {{ ?destination a bg:SubAction ; skos:broader ?action }})
    }}"""
    assert int(store.select(q)[0]["n"]) == 2 * len(plf_rows())


def test_an_observation_iri_is_derived_from_its_dimensions(store):
    """The first row of the file: sous-action, catégorie and credit type make the observation's key."""
    row = plf_rows()[0]
    destination = row["sous_action"] or row["action"]
    subject = f"<{BASE}/id/observation/plf2025-depenses-destination/{destination}/{row['categorie']}/CP>"
    q = PREFIXES + f"""SELECT ?programme ?action ?amount ?titre WHERE {{
      {subject} bg:refProgramme/skos:notation ?programme ; bg:refAction/skos:notation ?action ;
          bg:expenseCategory/skos:broader/skos:notation ?titre ; bg:montant ?amount }}"""
    assert store.select(q) == [{"programme": row["programme"], "action": row["action"], "titre": row["titre"],
                                "amount": str(Decimal(row["credit_de_paiement"]).quantize(Decimal(1)))}]


def test_etat_a_revenue_by_section(store):
    in_file: dict[str, Decimal] = defaultdict(Decimal)
    for r in lfi_rows(ETAT_A):
        in_file[r["section"]] += Decimal(r["montant_eur"])
    q = PREFIXES + """SELECT ?section (SUM(?amount) AS ?total) (COUNT(?line) AS ?lines) WHERE {
      ?o bg:exercice "2026"^^xsd:gYear ; bg:financeLaw/skos:notation "LFI" ;
         bg:revenueSection/skos:notation ?section ; bg:revenueLine ?line ; bg:montant ?amount .
      ?line skos:broader/skos:notation ?section }
      GROUP BY ?section"""
    rows = store.select(q)
    assert {r["section"]: Decimal(r["total"]) for r in rows} == dict(in_file)
    assert sum(int(r["lines"]) for r in rows) == len(lfi_rows(ETAT_A))


def test_etat_b_missions_resolve_to_the_nomenclature(built):
    """Every état B mission code the PLF 2025 export has is linked; the others are reported as unresolved."""
    plf_missions = {r["mission"] for r in plf_rows()}
    absent = {r["mission_code"] for r in lfi_rows(ETAT_B)} - plf_missions
    unresolved = {u["code"] for u in built.unresolved if u["source"] == "budget-lfi2026-etat-b"}
    assert unresolved == absent


def test_budget_shapes_pass_on_the_build(built):
    (outcome,) = [o for o in built.validation if o["name"] == "budget"]
    assert {"budget-nomenclature", "budget-plf2025-depenses", "budget-lfi2026-etat-b",
            "budget-lfi2026-etat-a"} <= set(outcome["graphs"])
    assert outcome["violations"] == 0, outcome["top"]


def test_shapes_catch_an_observation_without_credit_type(tmp_path):
    """An expense amount that does not say whether it is AE or CP must stop the build."""
    sources = [*budget_nomenclature.SOURCES, *budget_nature.SOURCES, *budget_plf.SOURCES]
    _, results = lift_slices("budget_plf", sources, tmp_path)
    cube = results[-1].nquads
    lines = cube.read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = [line for line in lines if "/152-03-01/22/AE>" in line and "#creditType>" in line]
    assert len(dropped) == 1
    cube.write_text("".join(line for line in lines if line not in dropped), encoding="utf-8")
    budget = [s for s in validation.SHAPE_SETS if s.name == "budget"]
    (outcome,) = validation.run(results, shape_sets=budget)
    assert outcome.blocking and outcome.violations == 1
    (result,) = outcome.results
    assert result.focus.endswith("/152-03-01/22/AE") and result.path.endswith("#creditType")


def test_bad_rows_are_rejected_naming_line_and_field(tmp_path):
    """Wrong titre for its catégorie, an amount that is not a number, a programme no nomenclature has."""
    rows = slice_rows("budget_plf", PLF_SLICE, ";")
    text = (GOLDEN / "budget_plf" / PLF_SLICE).read_text(encoding="utf-8-sig").splitlines(keepends=True)
    assert ";22;2;1303329155.0;1303329155.0" in text[1] and ";21;2;869602453.0;" in text[2]
    assert ";117;" in text[3]
    text[1] = text[1].replace(";22;2;", ";32;2;")
    text[2] = text[2].replace(";869602453.0\n", ";8696O2453.0\n")
    text[3] = text[3].replace(";117;", ";118;")
    folder = tmp_path / "slice"
    folder.mkdir()
    (folder / PLF_SLICE).write_text("".join(text), encoding="utf-8")
    _, (nature, cube) = lift_slices(str(folder), [*budget_nature.SOURCES, *budget_plf.SOURCES], tmp_path,
                                    nomenclature_of(rows))
    assert [(r.line, r.field) for r in cube.rejected] == [(2, "categorie"), (3, "credit_de_paiement"),
                                                          (4, "programme")]
    assert "8696O2453.0" in cube.rejected[1].reason and "118" in cube.rejected[2].reason
    assert cube.rows == len(rows) == cube.lifted + len(cube.rejected)
    assert [(r.line, r.field) for r in nature.rejected] == [(2, "categorie")]


def test_derived_missions_table_adds_nothing_to_the_export():
    """plf2025_budget_general_missions_programmes.csv is left out of the build: its programmes,
    missions and labels are the export's budget général ones, and its mission CP (Md€, 2 decimals)
    is the export's sum rounded."""
    with (BUDGET / "plf2025_budget_general_missions_programmes.csv").open(encoding="utf-8") as handle:
        derived = list(csv.DictReader(handle))
    export = {r["programme"]: (r["mission"], r["libelle_mission"], r["libelle_programme"])
              for r in plf_rows() if r["typebudget"] == "BG"}
    assert {r["programme_code"]: (r["mission_code"], r["mission_libelle"], r["programme_libelle"])
            for r in derived} == export
    cp: dict[str, Decimal] = defaultdict(Decimal)
    for r in plf_rows():
        if r["typebudget"] == "BG":
            cp[r["mission"]] += Decimal(r["credit_de_paiement"])
    assert all(Decimal(r["mission_cp_md_eur"]) == round(cp[r["mission_code"]] / Decimal(10**9), 2) for r in derived)


BUDGET_CUBES = f"""VALUES ?dataset {{ <{PLF_CUBE}> <{BASE}/id/cube/lfi2026-etat-b> <{BASE}/id/cube/lfi2026-etat-a> }}"""


def test_cubes_are_well_formed_data_cube_integrity_constraints(store):
    """W3C Data Cube integrity constraints IC-1 (one data set per observation), IC-2 (one structure per
    data set), IC-3 (a structure has a measure), IC-11 (every dimension has a value), IC-14 (every
    measure has a value) and IC-19 (a coded dimension's values are in its code list: its scheme, or its
    collection), as queries on the build (tests/test_cubes.py runs the spec's own queries); IC-12 (no two observations with the same dimension values) on the rows it returns."""
    ask = [
        "SELECT ?o WHERE { ?o a qb:Observation . OPTIONAL { ?o qb:dataSet ?d } FILTER(!BOUND(?d)) }",
        "SELECT ?o WHERE { ?o a qb:Observation ; qb:dataSet ?d1, ?d2 FILTER(?d1 != ?d2) }",
        BUDGET_CUBES.join(("SELECT ?dataset WHERE { ", " FILTER NOT EXISTS { ?dataset qb:structure ?s } }")),
        "SELECT ?dsd WHERE { ?dsd a qb:DataStructureDefinition "
        "FILTER NOT EXISTS { ?dsd qb:component/qb:measure ?m } }",
        BUDGET_CUBES.join(("SELECT ?o ?p WHERE { ", """
          ?dataset qb:structure/qb:component/(qb:dimension|qb:measure) ?p . ?o qb:dataSet ?dataset .
          FILTER NOT EXISTS { ?o ?p ?value } } LIMIT 5""")),
        BUDGET_CUBES.join(("SELECT ?o ?p ?v WHERE { ", """
          ?dataset qb:structure/qb:component/qb:dimension ?p . ?p qb:codeList ?list . ?o qb:dataSet ?dataset ; ?p ?v .
          FILTER NOT EXISTS { ?v skos:inScheme ?list } FILTER NOT EXISTS { ?list skos:member ?v } } LIMIT 5""")),
    ]
    for query in ask:
        assert store.select(PREFIXES + query) == [], query
    dimensions = PREFIXES + BUDGET_CUBES.join(("SELECT DISTINCT ?p ?list WHERE { ", """
      ?dataset qb:structure/qb:component/qb:dimension ?p . OPTIONAL { ?p qb:codeList ?list } }"""))
    uncoded = {r["p"] for r in store.select(dimensions) if "list" not in r}
    assert uncoded == {"https://w3id.org/bercy-graph/def#exercice"}  # a year literal, the only uncoded one
    q = PREFIXES + BUDGET_CUBES.join(("SELECT ?dataset ?o ?p ?v WHERE { ", """
      ?dataset qb:structure/qb:component/qb:dimension ?p . ?o qb:dataSet ?dataset ; ?p ?v }"""))
    keys: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for r in store.select(q):
        keys[r["dataset"]][r["o"]].append((r["p"], r["v"]))
    expected = {PLF_CUBE: 2 * len(plf_rows()), f"{BASE}/id/cube/lfi2026-etat-b": len(lfi_rows(ETAT_B)),
                f"{BASE}/id/cube/lfi2026-etat-a": len(lfi_rows(ETAT_A))}
    for dataset, observations in keys.items():
        distinct = {tuple(sorted(values)) for values in observations.values()}
        assert len(distinct) == len(observations) == expected[dataset], dataset


def test_a_mission_renamed_by_the_lfi_keeps_its_concept_and_says_so(store):
    """MB is "Anciens combattants, mémoire et liens avec la Nation" in PLF 2025 and "Monde combattant,
    mémoire et liens avec la Nation" in LFI 2026 état B: one concept, the PLF label as prefLabel (one per
    language), the LFI one as altLabel with a change note; no replacement is stated that the files do not state."""
    plf_label = next(r["libelle_mission"] for r in plf_rows() if r["mission"] == "MB")
    lfi_label = next(r["mission_libelle"] for r in lfi_rows(ETAT_B) if r["mission_code"] == "MB")
    assert plf_label != lfi_label
    q = PREFIXES + f"""SELECT ?pref ?alt ?note WHERE {{ <{BASE}/id/mission/MB> skos:prefLabel ?pref ;
      skos:altLabel ?alt ; skos:changeNote ?note }}"""
    rows = store.select(q)
    assert [(r["pref"], r["alt"]) for r in rows] == [(plf_label, lfi_label)]
    assert lfi_label in rows[0]["note"]
    assert not store.ask(PREFIXES + "ASK { ?m a bg:Mission ; <http://purl.org/dc/terms/isReplacedBy> ?n }")
