"""The generic lift (mappings/generic.py, mappings/csvw.py) on the real tables of data/tabular/ and, as a
cross-check, on the golden files whose hand mappings say where their codes are."""

from __future__ import annotations

import csv
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Namespace, URIRef

from graph_service.build.pipeline import lift_source
from graph_service.web.app import create_app
from mappings import values
from mappings.generic import FieldMeta, generic_source, ods_fields, recognise, table_of
from mappings.iri import Minter
from mappings.read import read_csv
from mappings.registry import GENERIC_SOURCES, SOURCES
from mappings.source import Context

from .conftest import BASE, DATA
from .test_queries import DECP_JSON, buyer_id, departement_of_place, lifted, run  # noqa: F401 (a fixture)

CSVW = "http://www.w3.org/ns/csvw#"
PREFIXES = f"""PREFIX bg: <https://w3id.org/bercy-graph/def#>
PREFIX csvw: <{CSVW}>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
"""
SIGNALCONSO = "tabular/signalconso_subset.csv"
MARSEILLE = "tabular/sirene-etablissements_marseille-5630Z_public-opendatasoft_export_2017.csv"
COMMUNES = "tabular/georef-france-commune_public-opendatasoft_export_2cols.csv"
BORDEAUX = "tabular/georef-france-commune_public-opendatasoft_export_bordeaux-metropole.csv"
COG = DATA / "referentials/cog2025"


def rows_of(path: str, delimiter: str = ";") -> list[dict[str, str]]:
    with (DATA / path).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def cog_codes(file: str, types: tuple[str, ...] = ()) -> set[str]:
    with (COG / file).open(encoding="utf-8") as handle:
        return {r["code"] for r in csv.DictReader(handle) if not types or r["type_code"] in types}


def columns(store, source: str) -> dict[str, dict[str, str]]:
    """The CSVW columns of a generically lifted graph, by title, with their evidence."""
    found = store.select(PREFIXES + f"""
        SELECT ?title ?name ?kind ?checked ?resolved ?share ?note ?datatype ?propertyUrl ?valueUrl ?property
        WHERE {{ GRAPH <{BASE}/graph/{source}> {{
          <{BASE}/graph/{source}> dct:conformsTo ?table . ?table a csvw:Table ; csvw:tableSchema ?schema .
          ?schema csvw:column ?c . ?c csvw:title ?title ; csvw:name ?name ; csvw:datatype ?datatype ;
             csvw:propertyUrl ?propertyUrl ; bg:columnProperty ?property ; bg:valuesChecked ?checked ;
             bg:recognitionNote ?note .
          OPTIONAL {{ ?c bg:columnKind ?kind ; bg:valuesResolved ?resolved ; bg:resolvedShare ?share }}
          OPTIONAL {{ ?c csvw:valueUrl ?valueUrl }} }} }}""")
    return {r["title"]: r for r in found}


def test_signalconso_columns_are_recognised_with_their_evidence(store):
    """dep_code and reg_code are recognised from their values (share 1 of the non-empty cells counted in
    the file); reg_code's values are also département codes: région wins by its name. The 0/1 flags
    and the report ids are no code."""
    rows = rows_of(SIGNALCONSO)
    cols = columns(store, "tab-signalconso")
    assert set(cols) == set(rows[0])
    for title, kind in (("dep_code", "departement"), ("reg_code", "region")):
        non_empty = sum(1 for r in rows if r[title])
        assert (cols[title]["kind"], int(cols[title]["checked"]), int(cols[title]["resolved"])) == \
            (kind, non_empty, non_empty)
        assert Decimal(cols[title]["share"]) == 1
        assert cols[title]["valueUrl"] == f"{BASE}/id/{kind}/{{{title}}}"
    assert "departement" in cols["reg_code"]["note"]  # the refused reading is recorded
    assert cols["creationdate"]["kind"] == "date" and cols["creationdate"]["datatype"] == "date"
    for title in ("id", "category", "signalement_transmis", "contactagreement"):
        assert cols[title].get("kind") not in ("departement", "region", "commune", "siren", "siret")
        assert not cols[title].get("valueUrl")


def test_numbers_that_look_like_codes_are_not_recognised(store):
    """SIRENE's `Tranche de commune détaillée` (a size class) and `Numéro de l'unité urbaine` hold 2-digit
    numbers that are all valid département codes (checked here against the COG file), yet their names
    name no département: they are not linked. `Commune de localisation` (the 3-digit part of a code) is not
    read as a commune either."""
    rows = rows_of(MARSEILLE)
    departements = cog_codes("cog2025_departments.csv")
    cols = columns(store, "tab-sirene-etablissements-marseille-5630z")
    for title in ("Tranche de commune détaillée", "Numéro de l'unité urbaine"):
        cells = [r[title] for r in rows if r[title]]
        assert cells and all(values.departement(c) in departements for c in cells)
        assert cols[title].get("kind") != "departement" and not cols[title].get("valueUrl")
        assert "departement" in cols[title]["note"] and "no hint" in cols[title]["note"]
        linked = store.select(PREFIXES + f"""SELECT (COUNT(*) AS ?n) WHERE {{
            GRAPH <{BASE}/graph/tab-sirene-etablissements-marseille-5630z> {{ ?row <{cols[title]['property']}> ?v }}
            FILTER(isIRI(?v)) }}""")
        assert linked[0]["n"] == "0"
    assert cols["Commune de localisation de l'établissement"].get("kind") is None


def test_sirene_marseille_links_establishments_and_postal_codes(store):
    """Every row of the 2017 SIRENE export links its SIRET to the establishment IRI the hand mappings
    use (unit of its SIREN), its NAF code to the NAF concept and its postal code to La Poste's code."""
    rows = rows_of(MARSEILLE)
    cols = columns(store, "tab-sirene-etablissements-marseille-5630z")
    assert {t: cols[t].get("kind") for t in ("SIRET", "Identifiant de l'entreprise", "Code postal",
                                             "Activité principale de l'établissement")} == \
        {"SIRET": "siret", "Identifiant de l'entreprise": "siren", "Code postal": "code-postal",
         "Activité principale de l'établissement": "naf"}
    found = store.select(PREFIXES + f"""SELECT ?siret ?unit ?naf WHERE {{
        GRAPH <{BASE}/graph/tab-sirene-etablissements-marseille-5630z> {{
          ?row a bg:Record ; <{cols['SIRET']['property']}> ?etab ;
               <{cols["Activité principale de l'établissement"]['property']}> ?naf }}
        ?etab org:unitOf ?unit
        BIND(STRAFTER(STR(?etab), "/id/etablissement/") AS ?siret) }}""")
    assert Counter(r["siret"] for r in found) == Counter(r["SIRET"] for r in rows)
    assert all(r["unit"] == f"{BASE}/id/entreprise/{r['siret'][:9]}" for r in found)
    activity = "Activité principale de l'établissement"
    assert Counter(r["naf"] for r in found) == Counter(f"{BASE}/id/naf/{values.naf(r[activity])}" for r in rows)


def test_commune_codes_link_to_the_cog_and_the_rest_is_counted_unresolved(built, store):
    """The 35,281 codes of georef-france-commune: those of the COG 2025 link to the commune, those of communes
    merged since the export link through the commune history (Etalab's former codes), the others (overseas
    collectivities) are counted unresolved in the build's coverage, not dropped."""
    rows = rows_of(COMMUNES)
    cog = cog_codes("cog2025_communes.csv", ("COM", "ARM"))
    former = {c for e in json.loads((DATA / "referentials/cog-history/decoupage-administratif-6.0.0_communes-"
                                             "anciensCodes.json").read_text(encoding="utf-8")) for c in e["anciensCodes"]}
    codes = [r["Code Officiel Commune"] for r in rows if r["Code Officiel Commune"]]
    known = [c for c in codes if c in cog]
    merged = [c for c in codes if c not in cog and c in former]
    coverage = next(c for c in built.coverage if c["source"] == "tab-georef-communes" and c["kind"] == "commune")
    assert (coverage["records"], coverage["linked"]) == (len(codes), len(known) + len(merged))
    assert coverage["through_history"] == len(merged) > 0
    assert 0 < coverage["distinct_unresolved"] == len(set(codes) - cog - former)
    linked = store.select(PREFIXES + f"""SELECT (COUNT(DISTINCT ?row) AS ?n) WHERE {{
        GRAPH <{BASE}/graph/tab-georef-communes> {{ ?row a bg:Record ; ?p ?commune }}
        FILTER EXISTS {{ GRAPH <{BASE}/graph/cog-communes> {{ ?commune a ?type }} }} }}""")
    assert int(linked[0]["n"]) == len(known)


def test_rows_in_are_lifted_plus_rejected(built):
    """Every generic table: the records of the file = lifted + rejected, and nothing is rejected (each
    row of these files is readable)."""
    files = {s.name: s.path for s in GENERIC_SOURCES}
    summaries = {s["source"]: s for s in built.sources if s["source"] in files}
    assert set(summaries) == set(files)
    for name, path in files.items():
        if path.endswith(".json"):
            count = len(json.loads((DATA / path).read_text(encoding="utf-8")))
        else:
            delimiter = ";" if ";" in (DATA / path).read_text(encoding="utf-8-sig").split("\n", 1)[0] else ","
            count = len(rows_of(path, delimiter))
        s = summaries[name]
        assert s["rows"] == count == s["lifted"] + s["rejected"], name
        assert s["rejected"] == 0, name


def test_csvw_is_consistent_with_the_triples(store):
    """For every generic graph: each record is part of the table; every predicate a record uses is the
    `bg:columnProperty` of a column whose `csvw:propertyUrl` spells it; IRI values of a code column
    expand its `csvw:valueUrl`; the catalog's SignalConso dataset conforms to its table."""
    for source in GENERIC_SOURCES:
        cols = columns(store, source.name)
        assert cols, source.name
        by_property = {c["property"]: c for c in cols.values()}
        assert all(c["property"] == c["propertyUrl"] for c in cols.values())
        used = store.select(PREFIXES + f"""SELECT ?p (SAMPLE(?o) AS ?value) (COUNT(*) AS ?n)
            WHERE {{ GRAPH <{BASE}/graph/{source.name}> {{ ?row a bg:Record ; ?p ?o }}
                     FILTER(?p NOT IN (rdf:type, dct:isPartOf) && isIRI(?o)) }} GROUP BY ?p""".replace(
            "rdf:type", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"))
        for r in used:
            column = by_property[r["p"]]
            prefix = column["valueUrl"].split("{")[0]
            assert column["valueUrl"] and r["value"].startswith(prefix), (source.name, column["title"])
        outside = store.select(PREFIXES + f"""SELECT (COUNT(*) AS ?n) WHERE {{
            GRAPH <{BASE}/graph/{source.name}> {{ ?row a bg:Record . FILTER NOT EXISTS {{ ?row dct:isPartOf ?t .
            ?t a csvw:Table }} }} }}""")
        assert outside[0]["n"] == "0"
    linked = store.select(PREFIXES + f"""SELECT ?title WHERE {{
        GRAPH <{BASE}/graph/catalog> {{ <{BASE}/id/dataset/signalconso> dct:title ?title }}
        GRAPH <{BASE}/graph/tab-signalconso> {{ <{BASE}/id/dataset/signalconso> dct:conformsTo ?t .
                                                 ?t a csvw:Table }} }}""")
    assert len(linked) == 1


def test_generic_query_epci_communes_and_their_contracts(store):
    """queries/generic_epci_communes_decp.rq: the 28 communes of Bordeaux Métropole (EPCI column of the
    georef export), each with the DECP contract identifiers (uid) bought by its legal unit, from the files."""
    communes = {r["SIREN"]: r["Code Officiel Commune"] for r in rows_of(BORDEAUX)
                if r["Code Officiel EPCI"] == "243300316"}
    uids: dict[str, set[str]] = {code: set() for code in communes.values()}
    for r in rows_of("decp/decp_consolide_tabulaire_2024S2_travaux_cpv4521_subset.csv", ","):
        if r["acheteur_id"][:9] in communes:
            uids[communes[r["acheteur_id"][:9]]].add(r["uid"])
    for feed in ("decp_v1_e-marchespublics_2019-04-03", "decp_v1_data.gouv.fr_pes_2019-04-05",
                 "decp_v1_data.gouv.fr_aife_2019-04-04_subset1000", "decp_v2_2024_ville_de_paris_21750001600019"):
        text = (DATA / f"decp/{feed}.json").read_text(encoding="utf-8")
        assert not any(siren in text for siren in communes)  # the JSON feeds have no buyer there
    answer = {r["code"]: int(r["contractIds"]) for r in run(store, "generic_epci_communes_decp")}
    assert answer == {code: len(found) for code, found in uids.items()}
    assert len(answer) == 28 and sum(answer.values()) == 34


# --- cross-check: the recogniser on the golden files finds the codes where the hand mappings read them ---

REFERENTIAL_SOURCES = ("cog-", "codes-postaux", "cpv", "naf", "categories-juridiques", "budget-nomenclature")


@pytest.fixture(scope="module")
def known(tmp_path_factory) -> dict[str, set[str]]:
    """The referential keys a build has when it reaches the datasets (the referentials lifted alone)."""
    ctx = Context(Minter(BASE), DATA)
    out = tmp_path_factory.mktemp("referentials")
    for source in SOURCES:
        if source.name.startswith(REFERENTIAL_SOURCES):
            lift_source(source, ctx, out, progress=False)
    return ctx.known


def kinds_of(path: str, known, delimiter: str = ",") -> dict[str, str | None]:
    records = [r.data for r in read_csv(DATA / path, delimiter=delimiter)]
    return {d.title: d.kind.name if d.kind else None for d in recognise(list(records[0]), records, known)}


@pytest.mark.parametrize(("path", "delimiter", "expected"), [
    ("decp/decp_consolide_tabulaire_2024S2_travaux_cpv4521_subset.csv", ",",
     {"codeCPV": "cpv", "acheteur_id": "siret", "titulaire_id": "siret", "acheteur_departement_code": "departement",
      "dateNotification": "date", "montant": "amount"}),
    ("dvf/geodvf_2023_commune_83137_toulon.csv", ",",
     {"code_commune": "commune", "code_postal": "code-postal", "code_departement": "departement",
      "date_mutation": "date", "valeur_fonciere": "amount", "id_parcelle": None}),
    ("local_accounts/ofgl_base_communes_2024_dept971_guadeloupe.csv", ";",
     {"Code Insee 2024 Commune": "commune", "Siret Budget": "siret", "Code Siren Collectivité": "siren",
      "Exercice": "year", "Montant": "amount", "Code Insee 2024 Département": "departement"}),
])
def test_recogniser_finds_the_columns_the_hand_mappings_use(known, path, delimiter, expected):
    kinds = kinds_of(path, known, delimiter)
    assert {title: kinds[title] for title in expected} == expected


def test_a_generic_source_lifts_a_golden_file_like_its_mapping(known, tmp_path):
    """geo-DVF lifted generically: its records link to the commune the hand mapping links (Toulon, 83137)."""
    source = generic_source("generic-dvf", "geo-DVF", "dvf/geodvf_2023_commune_83137_toulon.csv")
    ctx = Context(Minter(BASE), DATA)
    ctx.known.update(known)
    result = lift_source(source, ctx, Path(tmp_path), progress=False)
    text = result.nquads.read_text(encoding="utf-8")
    assert result.rows == result.lifted == len(rows_of("dvf/geodvf_2023_commune_83137_toulon.csv", ","))
    decisions = {d.title: d for d in table_of(source).decisions}
    prop = f"<{BASE}/graph/generic-dvf/column/code_commune>"
    assert text.count(f"{prop} <{BASE}/id/commune/83137>") == result.rows
    assert decisions["code_commune"].share == 1


def test_portal_metadata_is_a_hint_the_values_still_decide():
    """A column with an opaque name holding département codes (SignalConso's `dep_code` values, renamed):
    its values alone do not make short codes a département; the portal's field label does. The same label on
    a column whose values are not codes (`category`) changes nothing."""
    rows = rows_of(SIGNALCONSO)
    table = [{"c1": r["dep_code"], "c2": r["category"]} for r in rows]
    known = {"departement": {values.departement(r["dep_code"]) for r in rows if r["dep_code"]}}
    bare = {d.title: d.kind for d in recognise(["c1", "c2"], table, known)}
    assert all(kind is None or kind.entity is None for kind in bare.values())  # no link without the label
    label = (FieldMeta("c1", "Code département", "text"), FieldMeta("c2", "Code département", "text"))
    hinted = {d.title: d for d in recognise(["c1", "c2"], table, known, label)}
    assert hinted["c1"].kind is not None and hinted["c1"].kind.name == "departement"
    assert hinted["c1"].resolved == hinted["c1"].checked == sum(1 for r in rows if r["dep_code"])
    assert hinted["c2"].kind is None


def test_the_csvw_description_and_the_records_dereference(built, settings):
    """The table's, its schema's and a record's IRIs are served like any entity (Turtle by `Accept`): the
    schema with its 15 columns, the first SignalConso row with its département link."""
    client = TestClient(create_app(settings))
    ns = Namespace(CSVW)
    table = f"{BASE}/graph/tab-signalconso/table"
    response = client.get(table[len(BASE):], headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text[:300]
    graph = Graph().parse(data=response.text, format="turtle")
    schema = graph.value(URIRef(table), ns.tableSchema)
    assert schema is not None
    response = client.get(str(schema)[len(BASE):], headers={"Accept": "text/turtle"})
    columns_graph = Graph().parse(data=response.text, format="turtle")
    assert len(list(columns_graph.objects(schema, ns.column))) == len(rows_of(SIGNALCONSO)[0])
    first = rows_of(SIGNALCONSO)[0]
    row = client.get("/graph/tab-signalconso/row/2", headers={"Accept": "text/turtle"})
    assert row.status_code == 200
    record = Graph().parse(data=row.text, format="turtle")
    prop = URIRef(f"{BASE}/graph/tab-signalconso/column/dep_code")
    assert record.value(URIRef(f"{BASE}/graph/tab-signalconso/row/2"), prop) == \
        URIRef(f"{BASE}/id/departement/{first['dep_code']}")


def test_a_zoning_named_after_its_pole_commune_is_not_a_commune(known):
    """georef-france-commune (Bordeaux Métropole): "Code Officiel Bassin vie 2022" holds INSEE commune codes
    (a bassin de vie is coded by its pole commune: 33063 for most rows), every one in the COG, yet it is not the
    row's commune: the name vetoes the reading (recorded in the note); the commune columns keep theirs."""
    rows = rows_of(BORDEAUX)
    cog = cog_codes("cog2025_communes.csv", ("COM", "ARM"))
    assert all(r["Code Officiel Bassin vie 2022"] in cog for r in rows)  # the values alone would say commune
    assert {r["Code Officiel Bassin vie 2022"] for r in rows} != {r["Code Officiel Commune"] for r in rows}
    kinds = kinds_of(BORDEAUX, known, ";")
    assert kinds["Code Officiel Bassin vie 2022"] is None
    assert kinds["Code Officiel Commune"] == kinds["Code Officiel Courant Commune"] == "commune"
    records = [r.data for r in read_csv(DATA / BORDEAUX, delimiter=";")]
    note = next(d.note for d in recognise(list(records[0]), records, known) if d.title == "Code Officiel Bassin vie 2022")
    assert "another zoning (bassin)" in note


ODS_EXAMPLE = DATA.parent.parent / "shared/external/opendatasoft/ods-explore-v2.0-openapi-example-catalog-dataset.json"


def test_opendatasoft_fields_give_csvw_titles_and_descriptions(tmp_path):
    """The `fields` of a real Opendatasoft Explore v2 dataset (name, label, type, description, null when
    absent): a table whose header is the field names gets the labels as further CSVW titles, the descriptions
    as dct:description, and the portal type in the recognition note (a hint, never a proof)."""
    if not ODS_EXAMPLE.exists():
        pytest.skip(f"the Opendatasoft example is in the shared material ({ODS_EXAMPLE}), absent here")
    example = json.loads(ODS_EXAMPLE.read_text(encoding="utf-8"))
    fields = example["dataset"]["fields"]
    metas = ods_fields(fields)
    assert [m.name for m in metas] == [f["name"] for f in fields]
    described = next(f for f in fields if f["description"])
    path = tmp_path / "ods.csv"
    # the header and one row of empty cells: no value is invented, the columns are described all the same
    path.write_text(",".join(f["name"] for f in fields) + "\n" + "," * (len(fields) - 1) + "\n", encoding="utf-8")
    source = generic_source("tab-ods-example", "ODS example", str(path), fields=fields)
    ctx = Context(Minter(BASE), tmp_path)
    graph = Graph()
    for s_, p_, o_ in source.preamble(ctx):
        graph.parse(data=f"{s_} {p_} {o_} .", format="nt")
    by_name = {str(graph.value(c, URIRef(CSVW + "name"))): c for c in graph.subjects(URIRef(CSVW + "name"), None)}
    column = by_name[described["name"]]
    titles = {str(t) for t in graph.objects(column, URIRef(CSVW + "title"))}
    assert titles == {described["name"], described["label"]}
    assert str(graph.value(column, URIRef("http://purl.org/dc/terms/description"))) == described["description"]
    note = str(graph.value(column, URIRef("https://w3id.org/bercy-graph/def#recognitionNote")))
    assert f"portal type: {described['type']}" in note


def test_generic_query_signalconso_reports_and_contracts_by_departement(store, settings, built,
                                                                       departement_of_place):
    """queries/generic_signalconso_decp_by_departement.rq: SignalConso reports per département (its dep_code,
    recognised by the generic lift), exactly as the file counts them, with the DECP awards executed there: from
    the JSON feeds, at least the distinct contract identifiers (buyer + id) and at most the records lifted
    (an identifier may carry several awards; a record published by two feeds is one award)."""
    departement_of = departement_of_place
    reports = Counter(values.departement(r["dep_code"]) for r in rows_of(SIGNALCONSO) if r["dep_code"])
    identifiers: dict[str, set] = {}
    records: Counter[str] = Counter()
    for source in DECP_JSON:
        for r in lifted(settings, built, source):
            if (d := departement_of(r.get("lieuExecution"))) in reports:
                identifiers.setdefault(d, set()).add((buyer_id(r), str(r["id"]).strip()))
                records[d] += 1
    rows = {r["code"]: r for r in run(store, "generic_signalconso_decp_by_departement")}
    assert {code: int(r["reports"]) for code, r in rows.items()} == dict(reports)
    for code in reports:
        assert len(identifiers.get(code, ())) <= int(rows[code]["contracts"]) <= records[code], code
    assert int(rows["75"]["reports"]) == 298 and int(rows["75"]["contracts"]) == len(identifiers["75"]) > 0
