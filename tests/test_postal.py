"""Postal codes reach communes (La Poste's table as a referential), codes that lost a leading zero
are repaired only where that is unambiguous, a SIREN given for a SIRET is the entreprise, and
companies carry the names DECP declares (issue 9). Expected values come from the files."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from mappings import decp
from mappings.decp import Contract, Party
from mappings.iri import Minter
from mappings.namespaces import sparql_prologue
from mappings.source import Context

from .conftest import BASE, DATA

POSTAL = DATA / "referentials" / "postal" / "laposte_hexasmal_datanova-ods-export_2023-06.csv"
COG = DATA / "referentials" / "cog2025"
OLD_CODES = DATA / "referentials" / "cog-history" / "decoupage-administratif-6.0.0_communes-anciensCodes.json"
DECP = DATA / "decp"
V1 = {"decp-2019-e-marchespublics": "decp_v1_e-marchespublics_2019-04-03.json",
      "decp-2019-pes": "decp_v1_data.gouv.fr_pes_2019-04-05.json",
      "decp-2019-aife": "decp_v1_data.gouv.fr_aife_2019-04-04_subset1000.json"}
TABULAR = DECP / "decp_consolide_tabulaire_2024S2_travaux_cpv4521_subset.csv"


def csv_rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def select(store, query: str) -> list[dict[str, str]]:
    return store.select(sparql_prologue() + query)


def communes_of_postal_codes() -> dict[str, set[str]]:
    """La Poste's postal code -> the COG 2025 communes it serves today (a 2023 code now délégué or
    associé -> its commune of attachment; a code merged since -> the commune whose `anciensCodes` list
    it; codes none of these know are left out)."""
    current = {r["code"] for r in csv_rows(COG / "cog2025_communes.csv")}
    parent = {r["code"]: r["parent_code"] for r in csv_rows(COG / "cog2025_communes_associees_deleguees.csv")}
    merged = {old: c["code"] for c in json.loads(OLD_CODES.read_text(encoding="utf-8"))
              for old in c["anciensCodes"] if c["code"] in current}
    out: dict[str, set[str]] = defaultdict(set)
    for row in csv_rows(POSTAL, ";"):
        insee = row["code_commune_insee"]
        commune = insee if insee in current else parent.get(insee) or merged.get(insee)
        if commune:
            out[row["code_postal"]].add(commune)
    return out


#: The commune a postal code reaches today: a code merged since is linked to the version it named,
#: whose `bg:communeActuelle` is today's commune.
TODAY = """?p bg:postalCodeCommune ?named OPTIONAL { ?named bg:communeActuelle ?now }
           BIND(COALESCE(?now, ?named) AS ?commune) ?commune igeo:codeINSEE ?insee"""


# --- the referential -------------------------------------------------------------------------------

def test_every_postal_row_is_lifted_and_each_code_is_one_entity(built, store):
    rows = csv_rows(POSTAL, ";")
    s = next(s for s in built.sources if s["source"] == "codes-postaux")
    assert s["rows"] == len(rows) == s["lifted"] == 39193
    (n,) = select(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a bg:PostalCode }")
    assert int(n["n"]) == len({r["code_postal"] for r in rows}) == 6328


def test_each_postal_code_links_the_communes_la_poste_gives(store):
    expected = communes_of_postal_codes()
    got: dict[str, set[str]] = defaultdict(set)
    for r in select(store, f"SELECT ?code ?insee WHERE {{ ?p a bg:PostalCode ; skos:notation ?code . {TODAY} }}"):
        got[r["code"]].add(r["insee"])
    assert got == expected
    assert sum(len(v) > 1 for v in got.values()) > 4000  # one to many: say so, never pick one


# --- DECP places given as postal codes ---------------------------------------------------------------

def postal_places(file: str) -> dict[str, int]:
    """Postal codes given as places of execution in a DECP 2019 file (code -> records)."""
    out: dict[str, int] = defaultdict(int)
    for record in json.loads((DECP / file).read_text(encoding="utf-8"))["marches"]:
        place = record.get("lieuExecution") or {}
        if str(place.get("typeCode", "")).strip().lower() == "code postal":
            out[str(place.get("code", "")).strip()] += 1
    return out


@pytest.mark.parametrize("name,file", V1.items())
def test_a_postal_code_place_reaches_its_commune_or_its_communes(store, name, file):
    """One commune: the contract's territory is that commune; several: it reaches them all through
    its postal code and its territory stays their département."""
    served = communes_of_postal_codes()
    feed = f"<{BASE}/graph/{name}>"   # the contracts first: joined the other way round, Oxigraph takes minutes
    rows = select(store, f"""SELECT ?code ?insee ?spatial WHERE {{
        {{ SELECT DISTINCT ?c ?code ?p WHERE {{ GRAPH {feed} {{ ?c bg:executionPlaceCode ?code ;
                                                              bg:executionPostalCode ?p }} }} }}
        OPTIONAL {{ GRAPH {feed} {{ ?c dct:spatial ?spatial }} }}
        {TODAY} }}""")
    reached: dict[str, set[str]] = defaultdict(set)
    spatial: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        reached[r["code"]].add(r["insee"])
        spatial[r["code"]].add(r.get("spatial", "").replace(f"{BASE}/id/", ""))
    assert set(reached) == {code for code in postal_places(file) if code in served}
    for code, communes in reached.items():
        assert communes == served[code], code
        if len(communes) == 1:
            assert spatial[code] == {f"commune/{next(iter(communes))}"}, code
        else:
            assert all(not s.startswith("commune/") for s in spatial[code]), code


def test_coverage_shows_postal_code_links(built, settings):
    rows = {(r["source"], r["kind"]): r for r in built.coverage}
    for name, file in V1.items():
        served = communes_of_postal_codes()
        row = rows[(name, "code-postal")]
        assert row["linked"] > 0 and row["targets"] == ["codes-postaux"]
        assert set(row["top_unresolved"]) <= {c for c in postal_places(file) if c not in served}
    with (settings.reports_dir / built.build_id / "coverage.csv").open(encoding="utf-8") as handle:
        kinds = {(r["source"], r["kind"]) for r in csv.DictReader(handle)}
    assert {(name, "code-postal") for name in V1} <= kinds


def test_share_of_2019_records_whose_place_reaches_a_commune(store):
    """The closing figure: lifted DECP 2019 records whose place reaches a commune, exactly (one
    commune) or possibly (a postal code serving several)."""
    figures = {}
    for name in V1:
        (row,) = select(store, f"""SELECT (COUNT(DISTINCT ?c) AS ?all) (COUNT(DISTINCT ?one) AS ?exact)
            (COUNT(DISTINCT ?any) AS ?reached) WHERE {{
            GRAPH <{BASE}/graph/{name}> {{ ?c a epo:Contract }}
            OPTIONAL {{ GRAPH <{BASE}/graph/{name}> {{ ?c dct:spatial ?t }}
                        ?t a ?k FILTER(?k IN (igeo:Commune, igeo:ArrondissementMunicipal)) BIND(?c AS ?one) }}
            OPTIONAL {{ {{ GRAPH <{BASE}/graph/{name}> {{ ?c dct:spatial ?t2 }}
                          ?t2 a ?k2 FILTER(?k2 IN (igeo:Commune, igeo:ArrondissementMunicipal)) }}
                        UNION {{ GRAPH <{BASE}/graph/{name}> {{ ?c bg:executionPostalCode ?p }} ?p bg:postalCodeCommune ?x }}
                        BIND(?c AS ?any) }} }}""")
        figures[name] = (int(row["all"]), int(row["exact"]), int(row["reached"]))
    assert figures == {"decp-2019-e-marchespublics": (468, 112, 320), "decp-2019-pes": (1146, 436, 629),
                       "decp-2019-aife": (991, 49, 57)}


# --- codes that lost a leading zero, SIREN for SIRET ---------------------------------------------------

def context(**known: set[str]) -> Context:
    ctx = Context(Minter(BASE), DATA)
    for kind, keys in known.items():
        ctx.known[kind.replace("_", "-")] |= keys
    return ctx


def contract(place: tuple[str, str, None] | None = None, supplier: str = "") -> Contract:
    return Contract(kind="marche", id="X1", buyer=Party("SIRET", "21750001600019"), place=place,
                    suppliers=[Party("SIRET", supplier)] if supplier else [])


def test_a_four_digit_postal_code_is_restored_when_la_poste_has_it():
    ctx = context(code_postal={"03200"}, commune={"03310"})
    ctx.relate("code-postal", "03200", "commune", "03310")
    c = contract(("3200", "Code postal", None))
    triples = decp.contract_triples(c, ctx, "<urn:x>")
    assert (decp.contract_iri(ctx, "21750001600019", "X1"), "<http://purl.org/dc/terms/spatial>",
            ctx.entity("commune", "03310")) in triples
    assert "RepairedCode" in c.issues and c.repaired_fields == ["lieuExecution.code"]


def test_a_four_digit_code_that_restores_to_nothing_known_is_left_as_given(store):
    """PES gives `1116` (its `nom` says 38000): 01116 is no postal code, so nothing is guessed."""
    assert "1116" in postal_places(V1["decp-2019-pes"])
    assert "01116" not in communes_of_postal_codes()
    rows = select(store, f"""SELECT ?c ?spatial ?issue WHERE {{ GRAPH <{BASE}/graph/decp-2019-pes> {{
        ?c bg:executionPlaceCode "1116" OPTIONAL {{ ?c dct:spatial ?spatial }}
        OPTIONAL {{ ?c bg:repairedField ?issue }} }} }}""")
    assert rows and all("spatial" not in r and "issue" not in r for r in rows)


def test_a_four_digit_commune_code_is_flagged_when_restored():
    ctx = context(commune={"01001"})
    c = contract(("1001", "Code commune", None))
    decp.contract_triples(c, ctx, "<urn:x>")
    assert "RepairedCode" in c.issues and c.repaired_fields == ["lieuExecution.code"]


def test_a_thirteen_digit_siret_is_restored_only_when_sirene_knows_its_siren():
    known = context(entreprise={"051121937"})
    c = contract(supplier="5112193700018")
    triples = decp.contract_triples(c, known, "<urn:x>")
    assert any(o == known.entity("etablissement", "05112193700018") for _, _, o in triples)
    assert c.repaired_fields == ["siret"]
    unknown = contract(supplier="5112193700018")
    decp.contract_triples(unknown, context(), "<urn:x>")
    assert unknown.repaired_fields == [] and "InvalidIdentifier" in unknown.issues


def test_a_buyer_given_by_its_siren_is_the_entreprise_and_keys_the_contract(store):
    """The 4 tabular rows whose acheteur_id is SIREN 884123902 were rejected ("no contract identity"):
    they are two awards of uid 884123902F202401 (2024-08-28, 55,000 EUR; 2024-09-23, 70,000 EUR; two
    suppliers each), keyed `contrat/884123902/F202401/{n}`, bought by the entreprise and flagged."""
    rows = [r for r in csv_rows(TABULAR) if len(r["acheteur_id"]) == 9]
    assert len(rows) == 4 and {r["acheteur_id"] for r in rows} == {"884123902"}
    tabular = f"<{BASE}/graph/decp-tabulaire-2024s2-travaux>"
    found = select(store, f"""SELECT ?c ?date ?amount (COUNT(DISTINCT ?s) AS ?suppliers) WHERE {{ GRAPH {tabular} {{
        ?c bg:buyer <{BASE}/id/entreprise/884123902> ; bg:qualityIssue bg:SirenForSiret ;
           dct:isPartOf <{BASE}/id/contrat/884123902/F202401> ; epo:hasContractConclusionDate ?date ;
           bg:currentAmount ?amount ; bg:supplier ?s }} }} GROUP BY ?c ?date ?amount ORDER BY ?c""")
    expected = sorted({(r["dateNotification"], r["montant"]) for r in rows})
    assert [(r["c"].removeprefix(f"{BASE}/id/"), r["date"], r["amount"], int(r["suppliers"])) for r in found] == [
        (f"contrat/884123902/F202401/{n}", date, amount, 2) for n, (date, amount) in enumerate(expected, start=1)]
    (measure,) = select(store, f"""SELECT ?n WHERE {{ ?m dqv:computedOn {tabular} ;
        dqv:isMeasurementOf bg:SirenForSiret ; dqv:value ?n }}""")
    assert int(measure["n"]) == len(rows)
    assert not select(store, f"SELECT ?u WHERE {{ <{BASE}/id/entreprise/884123902> org:unitOf ?u }}")


def test_a_siren_given_for_a_siret_is_the_entreprise(store):
    """Tabular rows with a 9-digit titulaire_id: the contract's supplier is the entreprise itself."""
    sirens = {r["titulaire_id"] for r in csv_rows(TABULAR) if len(r["titulaire_id"]) == 9}
    assert sirens == {"324454578", "796820173"}
    for siren in sirens:
        rows = select(store, f"""SELECT DISTINCT ?s WHERE {{ GRAPH <{BASE}/graph/decp-tabulaire-2024s2-travaux> {{
            ?c bg:supplier ?s FILTER(CONTAINS(STR(?s), "{siren}")) }} FILTER NOT EXISTS {{ ?s org:unitOf ?u }} }}""")
        assert [r["s"] for r in rows] == [f"{BASE}/id/entreprise/{siren}"]


# --- names ------------------------------------------------------------------------------------------

def test_companies_carry_the_names_decp_declares(store):
    """/id/entreprise/329338883 (Colas) was titled by its number: it now carries DECP's names (one of them its
    one skos:prefLabel, SIRENE not describing it), and a label search for "colas" finds it."""
    rows = select(store, f"""SELECT ?label WHERE {{ <{BASE}/id/entreprise/329338883> skos:prefLabel ?label ;
        bg:declaredName ?label }}""")
    assert len(rows) == 1 and "COLAS" in rows[0]["label"]
    found = select(store, f"""SELECT DISTINCT ?e WHERE {{ ?e skos:prefLabel|skos:altLabel ?l
        FILTER(STRSTARTS(STR(?e), "{BASE}/id/entreprise/") && CONTAINS(LCASE(?l), "colas")) }}""")
    assert f"{BASE}/id/entreprise/329338883" in {r["e"] for r in found}


def test_sirene_names_come_first(store):
    """A company SIRENE describes keeps SIRENE's name as its only prefLabel (its rov:legalName); DECP's
    names are declared names beside it (the naming rule: mappings/organisations.py)."""
    rows = select(store, f"""SELECT DISTINCT ?e ?g WHERE {{
        GRAPH <{BASE}/graph/sirene-unites-legales> {{ ?e rov:legalName ?name }}
        GRAPH ?g {{ ?e bg:declaredName ?declared }} }}""")
    assert rows
    labels = select(store, f"""SELECT ?e (COUNT(DISTINCT ?l) AS ?n) (SAMPLE(?g) AS ?graph) (SAMPLE(?name) AS ?legal)
        (SAMPLE(?l) AS ?label) WHERE {{ GRAPH <{BASE}/graph/sirene-unites-legales> {{ ?e rov:legalName ?name }}
        GRAPH ?g {{ ?e skos:prefLabel ?l }} }} GROUP BY ?e""")
    assert labels and all(r["n"] == "1" and r["label"] == r["legal"] for r in labels)
    assert {r["graph"] for r in labels} == {f"{BASE}/graph/sirene-unites-legales"}
    assert not select(store, f"""SELECT ?e WHERE {{ GRAPH <{BASE}/graph/sirene-unites-legales> {{
        ?e rov:legalName ?name }} ?e rdfs:label ?l }}""")


# --- the question users ask: contracts executed in a commune ---------------------------------------

def lifted_json_records() -> dict[tuple[str, str, str], list[dict]]:
    """The JSON DECP records the graph holds, one per award: every record of a file with a buyer SIRET
    and an id, a record repeating an earlier one exactly (quarantined) counted once."""
    out: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    files = [*V1.values(), "decp_v2_2024_ville_de_paris_21750001600019.json"]
    for file in files:
        data = json.loads((DECP / file).read_text(encoding="utf-8"))
        for r in data["marches"] if isinstance(data, dict) else data:
            buyer = r.get("acheteur") or r.get("autoriteConcedante") or {}
            key = (str(buyer.get("id", "")).strip(), str(r.get("id") or "").strip(), json.dumps(r, sort_keys=True))
            if key[1] and len(key[0]) == 14 and key[0].isdigit() and key not in out:
                out[key].append(r.get("lieuExecution") or {})
    return out


@pytest.mark.parametrize("insee,name", [("69123", "Lyon"), ("02600", "Pierrepont")])
def test_contracts_by_commune_counts_exact_and_possible_apart(store, insee, name):
    """queries/decp_contracts_by_commune.rq: exact = a commune code of the commune (or of one of its
    arrondissements) or a postal code serving only it; possible = a postal code serving it and others."""
    served = communes_of_postal_codes()
    arrondissements = {r["code"] for r in csv_rows(COG / "cog2025_communes.csv") if r["parent_code"] == insee}
    exact, possible = set(), set()
    for key, places in lifted_json_records().items():
        for place in places:
            code, kind = str(place.get("code", "")).strip(), str(place.get("typeCode", "")).strip().lower()
            if kind == "code commune" and code.zfill(5) in {insee} | arrondissements:
                exact.add(key)
            elif kind == "code postal" and served.get(code):
                if served[code] <= {insee} | arrondissements:
                    exact.add(key)
                elif insee in served[code] or served[code] & arrondissements:
                    possible.add(key)
    text = (Path(__file__).resolve().parent.parent / "queries" / "decp_contracts_by_commune.rq").read_text(encoding="utf-8")
    rows = store.select(text.replace('"69123"', f'"{insee}"'))
    assert [(r["name"], int(r["contracts"]), int(r["possibleContracts"])) for r in rows] == \
        [(name, len(exact), len(possible))]
    assert (len(exact), len(possible)) == {"69123": (119, 0), "02600": (0, 54)}[insee]
