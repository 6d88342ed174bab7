"""DGFiP data in the built graph, checked against the source files: DVF sales (both formats),
OFGL local accounts, SIRENE legal units; and the shapes and error messages users rely on."""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from graph_service.build.pipeline import lift_source
from graph_service.config import PROJECT_ROOT
from graph_service.shacl.shape_sets import ENGINES, SHAPES_DIR
from mappings import dvf_geo, dvf_raw, parcels
from mappings.iri import Minter
from mappings.namespaces import sparql_prologue
from mappings.read import SourceError
from mappings.source import Context

from .conftest import BASE, DATA
from .test_figures import describe_geo, land_geo, our_median, premises_count

GEO = DATA / "dvf" / "geodvf_2023_commune_83137_toulon.csv"
RAW = DATA / "dvf" / "dvf_raw_dgfip_format_sample_cerema_stubbed.txt"
OFGL = DATA / "local_accounts" / "ofgl_base_communes_2024_dept971_guadeloupe.csv"
SIRENE = DATA / "sirene" / "sirene_stock_unite_legale_2026_extrait_credit-bail_97.csv"
GEO_GRAPH = f"<{BASE}/graph/dvf-geo-toulon-2023>"
RAW_GRAPH = f"<{BASE}/graph/dvf-raw-nord-echantillon>"
OFGL_GRAPH = f"<{BASE}/graph/ofgl-comptes-communes-2024-971>"
#: The columns that describe one premises in a DVF line (mappings/dvf.py): lines equal on these
#: are the same premises, repeated for each land part of its parcel or duplicated by geo-DVF.
PREMISES = ("numero_disposition", "id_parcelle", "adresse_numero", "adresse_suffixe", "adresse_nom_voie",
            "code_postal", "numero_volume", "lot1_numero", "lot2_numero", "lot3_numero", "lot4_numero",
            "lot5_numero", "code_type_local", "surface_reelle_bati", "nombre_pieces_principales")


def rows(path: Path, delimiter: str = ",") -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def sales(geo_rows: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in geo_rows:
        grouped[row["id_mutation"]].append(row)
    return grouped


def one(store, query: str) -> dict:
    (row,) = store.select(sparql_prologue() + query)
    return row


def summary(built, name: str) -> dict:
    return next(s for s in built.sources if s["source"] == name)


# --- DVF --------------------------------------------------------------------------------------

def test_every_dvf_line_is_lifted_or_rejected(built):
    geo, raw = summary(built, "dvf-geo-toulon-2023"), summary(built, "dvf-raw-nord-echantillon")
    assert geo["rows"] == len(rows(GEO)) == geo["lifted"] + geo["rejected"]
    assert raw["rows"] == len(rows(RAW, "|")) == raw["lifted"] + raw["rejected"]


def test_one_mutation_per_sale_id(store):
    expected = len({r["id_mutation"] for r in rows(GEO)})
    assert expected == 3966  # SOURCES.md: 8607 rows = 3966 mutations
    n = one(store, f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ GRAPH {GEO_GRAPH} {{ ?m a bg:Mutation }} }}")
    assert int(n["n"]) == expected


def test_price_counts_once_per_sale(store):
    """valeur_fonciere is repeated on every line of its sale: the graph holds it once per sale."""
    expected = sum(Decimal(v[0]["valeur_fonciere"]) for v in sales(rows(GEO)).values() if v[0]["valeur_fonciere"])
    per_line = sum(Decimal(r["valeur_fonciere"]) for r in rows(GEO) if r["valeur_fonciere"])
    assert per_line > expected  # summing lines would count prices several times
    got = one(store, f"""SELECT (SUM(?price) AS ?total) (COUNT(?price) AS ?priced) WHERE {{
        GRAPH {GEO_GRAPH} {{ ?m a bg:Mutation ; bg:valeurFonciere ?price }} }}""")
    assert Decimal(got["total"]) == expected
    assert int(got["priced"]) == sum(1 for v in sales(rows(GEO)).values() if v[0]["valeur_fonciere"])


def test_premises_are_counted_by_the_dvf_rule(store):
    """geo-DVF repeats a premises line once per land part; exact repeats within one land part are distinct
    premises with the same description (issue 9: the rule is checked against the raw file's premises
    identifiers in tests/test_figures.py)."""
    lines = GEO.read_text(encoding="utf-8").splitlines()[1:]
    assert len(lines) - len(set(lines)) == 768  # SOURCES.md
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows(GEO):
        if r["code_type_local"]:
            groups[(r["id_mutation"], r["numero_disposition"], r["id_parcelle"])].append(r)
    expected = sum(premises_count(group, describe_geo, land_geo) for group in groups.values())
    n = one(store, f"SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE {{ GRAPH {GEO_GRAPH} {{ ?l a bg:Local }} }}")
    assert int(n["n"]) == expected


def test_median_price_per_m2_of_apartments_in_toulon_2023(store):
    """queries/dvf_median_price_m2.rq against the same definition computed from the CSV."""
    sales_count, median = our_median()
    query = (PROJECT_ROOT / "queries" / "dvf_median_price_m2.rq").read_text(encoding="utf-8")
    (got,) = store.select(query)
    assert int(got["sales"]) == sales_count
    cent = Decimal("0.01")
    assert Decimal(got["median"]).quantize(cent) == median.quantize(cent)


def test_parcels_carry_their_geo_dvf_point(store):
    located = {r["id_parcelle"]: (r["longitude"], r["latitude"]) for r in rows(GEO) if r["longitude"]}
    # the sales of the geo-DVF graph name their parcels; the parcels are described once, in their own graph
    n = one(store, f"""SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ GRAPH {GEO_GRAPH} {{ ?d bg:parcelle ?p }}
        GRAPH <{BASE}/graph/{parcels.GRAPH}> {{ ?p a bg:Parcelle ; geo:hasGeometry/geo:asWKT ?wkt }} }}""")
    assert int(n["n"]) == len(located)
    parcel, (lon, lat) = sorted(located.items())[0]
    wkt = one(store, f"""SELECT ?wkt WHERE {{ ?p dct:identifier "{parcel}" ; geo:hasGeometry/geo:asWKT ?wkt }}""")
    assert wkt["wkt"] == f"POINT({Decimal(lon).normalize():f} {Decimal(lat).normalize():f})"


def test_sales_sit_in_their_cog_commune(store):
    """Geo-DVF gives INSEE codes; the raw format splits département and commune number."""
    raw_codes = {r["Code departement"] + r["Code commune"].zfill(3) for r in rows(RAW, "|")}
    got = store.select(sparql_prologue() + f"""SELECT DISTINCT ?code WHERE {{
        GRAPH {RAW_GRAPH} {{ ?m a bg:Mutation ; dct:spatial ?c }} ?c igeo:codeINSEE ?code }}""")
    assert {r["code"] for r in got} == raw_codes
    toulon = one(store, f"""SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{
        GRAPH {GEO_GRAPH} {{ ?m a bg:Mutation ; dct:spatial ?c }} ?c igeo:codeINSEE "83137" ; igeo:nom ?name }}""")
    assert int(toulon["n"]) == 3966


def test_raw_sales_are_rebuilt_from_office_and_deed(store):
    raw = rows(RAW, "|")
    expected = {f"{r['Code service CH']}-{r['Reference document']}" for r in raw}
    got = store.select(sparql_prologue() + f"""SELECT ?id WHERE {{
        GRAPH {RAW_GRAPH} {{ ?m a bg:Mutation ; dct:identifier ?id }} }}""")
    assert sorted(r["id"] for r in got) == sorted(expected)
    premises_ids = {r["Identifiant local"] for r in raw if r["Identifiant local"]}
    ids = store.select(sparql_prologue() + f"""SELECT DISTINCT ?id WHERE {{
        GRAPH {RAW_GRAPH} {{ ?l bg:identifiantLocal ?id }} }}""")
    assert {r["id"] for r in ids} == premises_ids


def test_raw_sample_says_its_dates_and_prices_are_neutralised(store):
    assert {r["Date mutation"] for r in rows(RAW, "|")} == {"01/01/2001"}
    assert {r["Valeur fonciere"] for r in rows(RAW, "|")} == {"1,00"}
    got = store.select(sparql_prologue() + f"""SELECT ?d WHERE {{ {RAW_GRAPH} dct:description ?d
        FILTER(LANG(?d) = "fr") }}""")
    assert len(got) == 1 and "NEUTRALISÉ" in got[0]["d"]


def test_land_links_its_nature_de_culture_concepts(store):
    expected = {(r["code_nature_culture"], r["code_nature_culture_speciale"])
                for r in rows(GEO) if r["code_nature_culture"]}
    got = store.select(sparql_prologue() + f"""SELECT DISTINCT ?c ?s WHERE {{
        GRAPH {GEO_GRAPH} {{ ?t a bg:Terrain ; bg:natureCulture ?culture }}
        ?culture skos:notation ?c ; skos:prefLabel ?label .
        OPTIONAL {{ GRAPH {GEO_GRAPH} {{ ?t bg:natureCultureSpeciale ?special }} ?special skos:notation ?s0 }}
        BIND(COALESCE(?s0, "") AS ?s) }}""")
    assert {(r["c"], r["s"]) for r in got} == expected


# --- OFGL local accounts ----------------------------------------------------------------------

def test_accounts_cube_has_one_observation_per_row(store, built):
    source = rows(OFGL, ";")
    assert summary(built, "ofgl-comptes-communes-2024-971")["lifted"] == len(source) == 2505
    got = one(store, f"""SELECT (COUNT(DISTINCT ?o) AS ?n) (COUNT(DISTINCT ?a) AS ?agregats) WHERE {{
        GRAPH {OFGL_GRAPH} {{ ?o a qb:Observation ; qb:dataSet ?cube ; bg:agregat ?a }} }}""")
    assert int(got["n"]) == len(source)
    assert int(got["agregats"]) == len({r["Agrégat"] for r in source}) == 50


def test_accounts_total_per_commune_equals_the_csv(store):
    """queries/local_accounts_by_commune.rq: Recettes totales per commune (all its budgets, joined on
    the COG commune) and the budget principal's amount per inhabitant, against the CSV."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    budgets: dict[str, int] = defaultdict(int)
    per_inhabitant: dict[str, Decimal] = {}
    for row in rows(OFGL, ";"):
        if row["Agrégat"] == "Recettes totales":
            code = row["Code Insee 2024 Commune"]
            totals[code] += Decimal(row["Montant"])
            budgets[code] += 1
            if row["Type de budget"] == "Budget principal":
                per_inhabitant[code] = Decimal(row["Montant en € par habitant"])
    query = (PROJECT_ROOT / "queries" / "local_accounts_by_commune.rq").read_text(encoding="utf-8")
    got = store.select(query)
    assert {r["code"]: Decimal(r["total"]) for r in got} == totals
    assert {r["code"]: int(r["budgets"]) for r in got} == budgets
    assert {r["code"]: Decimal(r["perInhabitant"]) for r in got} == per_inhabitant
    assert len(totals) == 32  # SOURCES.md: all 32 communes of Guadeloupe


def test_budgets_are_establishments_of_the_commune_legal_unit(store):
    expected = {(r["Siret Budget"], r["Code Siren Collectivité"]) for r in rows(OFGL, ";")}
    got = store.select(sparql_prologue() + f"""SELECT DISTINCT ?siret ?siren WHERE {{
        GRAPH {OFGL_GRAPH} {{ ?o bg:budget ?b }}
        ?b dct:identifier ?siret ; org:unitOf ?u . ?u dct:identifier ?siren }}""")   # organisations: their graph
    assert {(r["siret"], r["siren"]) for r in got} == expected
    minted = Minter(BASE)
    siret, siren = sorted(expected)[0]
    ask = f"ASK {{ {minted.entity('etablissement', siret)} org:unitOf {minted.entity('entreprise', siren)} }}"
    assert store.query(sparql_prologue("org") + ask)


# --- SIRENE -----------------------------------------------------------------------------------

def test_sirene_units_with_legal_category_and_activity(store):
    source = rows(SIRENE)
    expected = {(r["siren"], r["categorieJuridiqueUniteLegale"], r["activitePrincipaleUniteLegale"]) for r in source}
    got = store.select(sparql_prologue() + """SELECT ?siren ?cj ?naf WHERE {
        GRAPH ?g { ?o a rov:RegisteredOrganization ; dct:identifier ?siren ; rov:orgType ?t ; rov:orgActivity ?a }
        ?t skos:notation ?cj . ?a skos:notation ?naf0 . BIND(STR(?naf0) AS ?naf)
        FILTER(STRSTARTS(STR(?g), "%s/graph/sirene")) }""" % BASE)
    assert len(source) == 97
    assert {(r["siren"], r["cj"], r["naf"]) for r in got} >= expected
    assert len({r["siren"] for r in got}) == 97


def test_a_siren_met_in_decp_is_the_sirene_organisation(store):
    """One IRI per SIREN: a DECP establishment of SIREN 301309605 is a unit of the SIRENE unit (what DECP says
    of organisations is in the shared graph `organisations`, mappings/organisations.py)."""
    siren = "301309605"
    assert any(r["siren"] == siren for r in rows(SIRENE))
    assert siren in (DATA / "decp" / "decp_v1_e-marchespublics_2019-04-03.json").read_text(encoding="utf-8")
    org = Minter(BASE).entity("entreprise", siren)
    got = store.select(sparql_prologue() + f"""SELECT DISTINCT ?name ?g WHERE {{
        {org} rov:legalName ?name . GRAPH ?g {{ ?unit org:unitOf {org} }}
        GRAPH ?decp {{ ?c bg:buyer|bg:supplier ?unit }} FILTER(STRSTARTS(STR(?decp), "{BASE}/graph/decp-")) }}""")
    # the link is stated once: by the registry, else in the shared organisations graph
    assert got and {r["g"].rsplit("/", 1)[-1].split("-")[0] for r in got} <= {"sirene", "organisations"}


# --- shapes and bad input ---------------------------------------------------------------------

def test_dvf_shapes_reject_a_sale_with_two_prices(tmp_path):
    """A price repeated with another value (summing lines, a bad join) breaks the one-price rule."""
    m = f"<{BASE}/id/mutation/x>"
    bg = "<https://w3id.org/bercy-graph/def#"
    data = tmp_path / "bad.nq"
    data.write_text("".join(f"{s} {p} {o} <{BASE}/graph/t> .\n" for s, p, o in [
        (m, "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", bg + "Mutation>"),
        (m, "<http://purl.org/dc/terms/identifier>", '"x"'),
        (m, bg + "dateMutation>", '"2023-01-05"^^<http://www.w3.org/2001/XMLSchema#date>'),
        (m, bg + "natureMutation>", '"Vente"@fr'),
        (m, bg + "valeurFonciere>", '"208000"^^<http://www.w3.org/2001/XMLSchema#decimal>'),
        (m, bg + "valeurFonciere>", '"416000"^^<http://www.w3.org/2001/XMLSchema#decimal>'),
    ]))
    results, _ = ENGINES["fast"]([SHAPES_DIR / "dvf.ttl"], [data])
    paths = {r.path.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for r in results if r.severity == "Violation"}
    assert paths == {"valeurFonciere", "disposition", "spatial"}


def test_raw_line_without_deed_reference_is_rejected_with_its_line(tmp_path):
    data = tmp_path / "data"
    (data / "dvf").mkdir(parents=True)
    lines = RAW.read_bytes().split(b"\r\n")
    fields = lines[3].split(b"|")
    fields[1] = b""  # Reference document
    lines[3] = b"|".join(fields)
    (data / "dvf" / RAW.name).write_bytes(b"\r\n".join(lines))
    ctx = Context(Minter(BASE), data)
    result = lift_source(dvf_raw.SOURCES[0], ctx, tmp_path, progress=False)
    assert result.rows == result.lifted + len(result.rejected) == len(rows(RAW, "|"))
    assert [(r.line, r.field) for r in result.rejected] == [(4, "Reference document")]
    assert "cannot be identified" in result.rejected[0].reason


def test_geo_dvf_with_the_wrong_separator_names_the_file(tmp_path):
    data = tmp_path / "data"
    (data / "dvf").mkdir(parents=True)
    text = GEO.read_text(encoding="utf-8").splitlines()[:3]
    (data / "dvf" / GEO.name).write_text("\n".join(line.replace(",", ";") for line in text), encoding="utf-8")
    ctx = Context(Minter(BASE), data)
    with pytest.raises(SourceError, match=r"geodvf_2023_commune_83137_toulon\.csv, line 1: wrong separator"):
        lift_source(dvf_geo.SOURCES[0], ctx, tmp_path, progress=False)
    shutil.rmtree(data)


def test_bg_terms_of_the_dgfip_mappings_are_defined_in_the_ontology():
    """Every bg: term these mappings write has FR/EN labels and comments in ontology/bercy.ttl."""
    import re

    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import RDFS

    from mappings import dvf, local_accounts, sirene
    from mappings.namespaces import BG_ONTOLOGY

    ontology = Graph().parse(PROJECT_ROOT / "ontology" / "bercy.ttl")
    used = set()
    for module in (dvf, local_accounts, sirene):
        used |= set(re.findall(r"\bBG\.(\w+)", Path(module.__file__).read_text(encoding="utf-8")))
    assert {"Mutation", "valeurFonciere", "budget", "siege"} <= used
    for name in sorted(used):
        term = URIRef(BG_ONTOLOGY + name)
        for prop in (RDFS.label, RDFS.comment):
            langs = {o.language for o in ontology.objects(term, prop) if isinstance(o, Literal)}
            assert {"fr", "en"} <= langs, f"bg:{name} lacks {prop} in fr and en"


def test_geo_dvf_line_with_a_bad_parcel_id_is_quarantined_with_file_line_and_field(tmp_path):
    data = tmp_path / "data"
    (data / "dvf").mkdir(parents=True)
    lines = GEO.read_text(encoding="utf-8").split("\n")
    lines[4] = lines[4].replace(rows(GEO)[3]["id_parcelle"], "83137-CO0367")  # 4th data row, file line 5
    (data / "dvf" / GEO.name).write_text("\n".join(lines), encoding="utf-8")
    ctx = Context(Minter(BASE), data)
    result = lift_source(dvf_geo.SOURCES[0], ctx, tmp_path, progress=False)
    assert result.rows == result.lifted + len(result.rejected) == len(rows(GEO))
    (rejected,) = result.rejected
    assert (rejected.file, rejected.line, rejected.field, rejected.value) == (
        dvf_geo.SOURCES[0].path, 5, "id_parcelle", "83137-CO0367")
    assert "cadastral parcel id" in rejected.reason
