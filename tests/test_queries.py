"""The questions of `queries/` against their answers computed from the source files in `data/`."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from graph_service.config import PROJECT_ROOT
from mappings import values

from .conftest import BASE, DATA

QUERIES = PROJECT_ROOT / "queries"
DECP_JSON = {
    "decp-2019-e-marchespublics": "decp/decp_v1_e-marchespublics_2019-04-03.json",
    "decp-2019-pes": "decp/decp_v1_data.gouv.fr_pes_2019-04-05.json",
    "decp-2019-aife": "decp/decp_v1_data.gouv.fr_aife_2019-04-04_subset1000.json",
    "decp-2024-paris": "decp/decp_v2_2024_ville_de_paris_21750001600019.json",
}
PARIS = "decp-2024-paris"
COG = DATA / "referentials/cog2025"
OFGL = "local_accounts/ofgl_base_communes_2024_dept971_guadeloupe.csv"
CATALOG = "catalog/datagouv_export_harvested_from_data-economie-gouv-fr.csv"


def run(store, name: str) -> list[dict[str, str]]:
    return store.select((QUERIES / f"{name}.rq").read_text(encoding="utf-8"))


def graph(name: str) -> str:
    return f"{BASE}/graph/{name}"


def decp_records(name: str) -> list[dict]:
    data = json.loads((DATA / DECP_JSON[name]).read_text(encoding="utf-8"))
    return data["marches"] if isinstance(data, dict) else data


def rejected_lines(settings, built, source: str) -> set[int]:
    """Lines the build quarantined (each with its reason): they are not in the graph."""
    with (settings.reports_dir / built.build_id / "rejected.csv").open(encoding="utf-8") as handle:
        return {int(r["line"]) for r in csv.DictReader(handle) if r["source"] == source}


def lifted(settings, built, source: str) -> list[dict]:
    dropped = rejected_lines(settings, built, source)
    return [r for line, r in enumerate(decp_records(source), start=1) if line not in dropped]


def cog_column(file: str, column: str, types: tuple[str, ...] = ()) -> dict[str, str]:
    with (COG / file).open(encoding="utf-8") as handle:
        return {r["code"]: r[column] for r in csv.DictReader(handle) if not types or r["type_code"] in types}


@pytest.fixture(scope="module")
def departement_of_place():
    """The COG département of a DECP place of execution (code + typeCode), or None."""
    communes = cog_column("cog2025_communes.csv", "department_code", ("COM", "ARM"))
    arrondissements = cog_column("cog2025_arrondissements.csv", "department_code")
    departements = set(cog_column("cog2025_departments.csv", "code"))

    def find(place: dict | None) -> str | None:
        if not isinstance(place, dict) or not place.get("code"):
            return None
        code, kind = str(place["code"]).strip(), str(place.get("typeCode") or "").strip().lower()
        try:
            if kind == "code postal":
                found = values.departement_of_postal_code(code)
            elif kind == "code commune":
                found = communes.get(values.commune(code))
            elif kind in ("code département", "code departement"):
                found = values.departement(code)
            elif kind == "code arrondissement":
                found = arrondissements.get(code)
            else:
                found = None
        except ValueError:
            return None
        return found if found in departements else None

    return find


def buyer_id(record: dict) -> str:
    buyer = record.get("acheteur") or record.get("autoriteConcedante") or {}
    return re.sub(r"\s", "", str(buyer.get("id", "")))


def test_top_suppliers_of_ville_de_paris(store):
    """queries/decp_top_suppliers_of_buyer.rq: the 20 largest suppliers of Ville de Paris, from the JSON."""
    contracts, amounts = Counter(), defaultdict(Decimal)
    for record in decp_records(PARIS):
        assert buyer_id(record) == "21750001600019"
        for item in record.get("titulaires") or []:
            supplier = re.sub(r"\s", "", str(item.get("titulaire", item)["id"]))
            contracts[supplier] += 1
            amounts[supplier] += Decimal(str(record["montant"]))
    rows = [r for r in run(store, "decp_top_suppliers_of_buyer") if r["feed"] == graph(PARIS)]
    assert len(rows) == 20
    totals = [Decimal(r["totalAmount"]) for r in rows]
    assert totals == sorted(amounts.values(), reverse=True)[:20]
    for r in rows:
        assert int(r["contracts"]) == contracts[r["supplierId"]]
        assert Decimal(r["totalAmount"]) == amounts[r["supplierId"]]


def test_contracts_by_cpv_division(store):
    """queries/decp_contracts_by_cpv_division.rq: Paris 2024 contracts and amounts per CPV division."""
    contracts, amounts = Counter(), defaultdict(Decimal)
    for record in decp_records(PARIS):
        division = str(record["codeCPV"]).strip()[:2]
        contracts[division] += 1
        amounts[division] += Decimal(str(record["montant"]))
    rows = [r for r in run(store, "decp_contracts_by_cpv_division") if r["feed"] == graph(PARIS)]
    assert {r["division"]: int(r["contracts"]) for r in rows} == dict(contracts)
    assert {r["division"]: Decimal(r["totalAmount"]) for r in rows} == dict(amounts)
    labels = {r["division"]: r.get("label") for r in rows}
    with (DATA / "referentials/cpv/cpv2008_fr_avec_cle_et_parent.csv").open(encoding="utf-8") as handle:
        official = {r["id"][:2]: r["name"] for r in csv.DictReader(handle) if r["id"][2:8] == "000000"}
    assert all(labels[d] == official[d] for d in labels)


def test_contracts_by_departement(store, settings, built, departement_of_place):
    """queries/decp_contracts_by_departement.rq: per feed, contracts per département of execution."""
    rows = run(store, "decp_contracts_by_departement")
    for source in DECP_JSON:
        expected = Counter(d for r in lifted(settings, built, source)
                           if (d := departement_of_place(r.get("lieuExecution"))))
        got = {r["departement"]: int(r["contracts"]) for r in rows if r["feed"] == graph(source)}
        assert got == dict(expected), source


def test_departement_overview_var_and_guadeloupe(store, settings, built, departement_of_place):
    """queries/departement_overview.rq: contracts (DECP), sales (DVF) and communes' spending (OFGL)
    for 83 and 971, each computed from its own file."""
    contracts: dict[str, set] = defaultdict(set)
    for source in DECP_JSON:
        for r in lifted(settings, built, source):
            if (d := departement_of_place(r.get("lieuExecution"))) in ("83", "971"):
                contracts[d].add((buyer_id(r), str(r["id"]).strip()))
    sales: dict[str, set] = defaultdict(set)
    with (DATA / "dvf/geodvf_2023_commune_83137_toulon.csv").open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            sales[r["code_departement"]].add(r["id_mutation"])
    with (DATA / "dvf/dvf_raw_dgfip_format_sample_cerema_stubbed.txt").open(encoding="utf-8") as handle:
        raw_departements = {r["Code departement"] for r in csv.DictReader(handle, delimiter="|")}
    assert not raw_departements & {"83", "971"}  # the raw sample is in the Nord
    spending: dict[str, Decimal] = defaultdict(Decimal)
    with (DATA / OFGL).open(encoding="utf-8-sig") as h:
        for r in csv.DictReader(h, delimiter=";"):
            if r["Agrégat"] == "Dépenses totales":
                spending[r["Code Insee 2024 Département"]] += Decimal(r["Montant"])
    rows = {r["code"]: r for r in run(store, "departement_overview")}
    assert set(rows) == {"83", "971"}
    assert rows["83"]["name"] == "Var" and rows["971"]["name"] == "Guadeloupe"
    for code in ("83", "971"):
        assert int(rows[code]["contracts"]) == len(contracts[code]) > 0
        assert int(rows[code]["sales"]) == len(sales[code])
        assert Decimal(rows[code]["communesSpending"]) == spending[code]
    assert len(sales["83"]) > 0 and spending["971"] > 0


def test_link_coverage_of_dvf_ofgl_and_paris(store):
    """queries/link_coverage.rq: every geo-DVF and OFGL row names a COG commune; every Paris 2024
    contract its département (75, by code or postal code)."""
    rows = {(r["dataset"], r["kind"]): r for r in run(store, "link_coverage")}
    with (DATA / "dvf/geodvf_2023_commune_83137_toulon.csv").open(encoding="utf-8") as handle:
        dvf = sum(1 for r in csv.DictReader(handle) if r["code_commune"])
    with (DATA / OFGL).open(encoding="utf-8-sig") as h:
        ofgl = sum(1 for r in csv.DictReader(h, delimiter=";") if r["Code Insee 2024 Commune"])
    # a département code or a postal code (75xxx -> 75): both name the département
    paris = sum(1 for r in decp_records(PARIS) if r["lieuExecution"]["typeCode"] in ("Code département",
                                                                                 "Code postal"))
    for dataset, kind, records in (("dvf-geo-toulon-2023", "commune", dvf),
                                   ("ofgl-comptes-communes-2024-971", "commune", ofgl),
                                   (PARIS, "departement", paris)):
        row = rows[(graph(dataset), kind)]
        assert int(row["records"]) == int(row["linked"]) == records
        assert Decimal(row["share"]) == 1
        assert "unresolved" not in row or row["unresolved"] == ""


def test_link_coverage_lists_unresolved_codes(store, departement_of_place):
    """A PES place given as a commune code the COG lacks shows among the linkset's unresolved codes."""
    communes = cog_column("cog2025_communes.csv", "department_code", ("COM", "ARM"))
    unknown = set()
    for r in decp_records("decp-2019-pes"):
        place = r.get("lieuExecution") or {}
        if str(place.get("typeCode", "")).strip().lower() == "code commune":
            try:
                code = values.commune(str(place["code"]))
            except ValueError:
                continue
            if code not in communes:
                unknown.add(code)
    assert unknown
    row = next(r for r in run(store, "link_coverage")
               if r["dataset"] == graph("decp-2019-pes") and r["kind"] == "commune")
    assert set(row["unresolved"].split()) == unknown
    assert int(row["linked"]) < int(row["records"])


def test_datasets_sharing_a_referential(store):
    """queries/datasets_sharing_a_referential.rq: the COG communes join DVF (Toulon, Nord sample)
    and OFGL (Guadeloupe); the CPV joins every DECP feed."""
    rows = {r["referential"]: r["linkedFrom"] for r in run(store, "datasets_sharing_a_referential")}
    communes = rows[graph("cog-communes")]
    for dataset in ("dvf-geo-toulon-2023", "dvf-raw-nord-echantillon", "ofgl-comptes-communes-2024-971"):
        assert graph(dataset) + " (" in communes
    for dataset in (*DECP_JSON, "decp-tabulaire-2024s2-travaux"):
        assert graph(dataset) + " (" in rows[graph("cpv")]


def test_plf_graph_points_to_its_catalog_dataset(store):
    """The PLF 2025 graph is an export of the catalog's `plf25-depenses-2025-selon-destination`
    (data/SOURCES.md); the link lands on the dataset the catalog file describes under that id."""
    with (DATA / CATALOG).open(encoding="utf-8") as h:
        titles = [r["title"] for r in csv.DictReader(h, delimiter=";")
                  if r["harvest.remote_url"].rstrip("/").endswith("/plf25-depenses-2025-selon-destination")]
    assert len(titles) == 1
    rows = store.select(f"""PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?id ?title WHERE {{ <{graph('budget-plf2025-depenses')}> dct:source ?d .
                                  ?d dct:identifier ?id ; dct:title ?title }}""")
    assert [(r["id"], r["title"]) for r in rows] == [("plf25-depenses-2025-selon-destination", titles[0])]
