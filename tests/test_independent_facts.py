"""Facts read from the source files themselves (csv/json here), asserted on the graphs lifted from them.

The golden files (tests/mappings/*/expected.ttl) are snapshots of the mappings' own output: they catch a
change, not an error, and a snapshot regenerated with a wrong mapping agrees with it. Here every expected
value comes from the source record (an amount, a date, a supplier, an amendment order, a place), or is
written by hand with the place in the file it comes from: a mapping that reads a field wrongly fails here
even when its golden file was regenerated with it. Also: coverage figures recounted from the DECP files,
amendments applied in their order, and a real DVF sale in the raw DGFiP format (day-first date).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph_service.build.pipeline import lift_source, write_organisations
from mappings import decp_tabular, decp_v1, decp_v2, dvf_raw, organisations
from mappings.iri import Minter
from mappings.namespaces import PREFIXES, sparql_prologue
from mappings.source import Context, Source

from .conftest import BASE, DATA
from .golden import GOLDEN, lift_slices
from .test_decp_golden import known as decp_known
from .test_dgfip_golden import CASES

ID = f"{BASE}/id/"


# --- reading a lifted graph ----------------------------------------------------------------------
# pyoxigraph, not rdflib: rdflib rewrites some lexical forms (it drops the time zone of "2018-12-17+01:00"^^xsd:date)

def objects(graph: ox.Store, subject: str, predicate: str) -> set[str]:
    """Lexical forms of the objects of `subject predicate` (IRIs as text); `predicate` is `prefix:local`."""
    prefix, local = predicate.split(":", 1)
    pattern = graph.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(PREFIXES[prefix] + local), None, None)
    return {q.object.value for q in pattern}


def subjects(graph: ox.Store, predicate: str, obj: str) -> set[str]:
    prefix, local = predicate.split(":", 1)
    pattern = graph.quads_for_pattern(None, ox.NamedNode(PREFIXES[prefix] + local), ox.NamedNode(obj), None)
    return {q.subject.value for q in pattern}


def one(graph: ox.Store, subject: str, predicate: str) -> str:
    (value,) = objects(graph, subject, predicate)
    return value


def amount(value: object) -> Decimal:
    return Decimal(str(value))


def loaded(results: Iterable, out_dir: Path) -> ox.Store:
    """The lifted N-Quads of some sources, with what they say of organisations and parcels (the shared
    graphs, `mappings/organisations.py`, `mappings/parcels.py`, written in `out_dir`), in an in-memory store."""
    graph = ox.Store()
    results = list(results)
    for path in [r.nquads for r in results] + [out_dir / f"{organisations.GRAPH}.nq"] \
            + [r.parcels for r in results if r.parcels]:
        graph.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return graph


def lift_files(folder: Path, sources: Iterable[Source], out_dir: Path,
               known: dict[str, Iterable[str]] | None = None) -> tuple[ox.Store, list]:
    """Lift sources whose files sit in `folder` (their own paths), in one build context."""
    ctx = Context(Minter(BASE), folder)
    for kind, keys in (known or {}).items():
        ctx.known[kind].update(keys)
    results = [lift_source(s, ctx, out_dir, progress=False) for s in sources]
    write_organisations(ctx, out_dir)
    return loaded(results, out_dir), results


def golden_slices(dataset: str, sources: Iterable[Source], out_dir: Path,
                  known: dict[str, Iterable[str]] | None = None) -> ox.Store:
    """The slices of a golden dataset, lifted as its golden test lifts them."""
    _, results = lift_slices(dataset, sources, out_dir, known)
    return loaded(results, out_dir)


# --- DECP: what a JSON record says of its contract ------------------------------------------------

def unwrap(items: object, key: str) -> list[dict]:
    """The 2024+ format wraps each party or amendment (`{"titulaire": {...}}`); 2019 does not."""
    return [item.get(key, item) for item in items or [] if isinstance(item, dict)]


def compact(text: str) -> str:
    """An identifier as the graph keeps it: without blanks (`ES B66484189` -> `ESB66484189`)."""
    return "".join(text.split())


def identifiers(graph: ox.Store, subject: str, predicate: str) -> set[str]:
    return {i for node in objects(graph, subject, predicate) for i in objects(graph, node, "dct:identifier")}


def assert_contract(graph: ox.Store, record: dict) -> None:
    """The record's identity, award (amount, date, suppliers, place) and its amendments in their order,
    and the current amount: that of the last amendment that sets one, else the award's."""
    concession = bool(record.get("autoriteConcedante"))
    buyer = record["autoriteConcedante" if concession else "acheteur"]["id"]
    party = "concessionnaire" if concession else "titulaire"
    c = f"{ID}contrat/{buyer}/{record['id']}"
    assert one(graph, c, "dct:identifier") == record["id"]
    assert identifiers(graph, c, "bg:buyer") == {buyer}
    initial = record["valeurGlobale" if concession else "montant"]
    assert amount(one(graph, c, "bg:initialAmount")) == amount(initial)
    signed = record.get("dateSignature" if concession else "dateNotification")
    assert objects(graph, c, "epo:hasContractConclusionDate") == ({signed} if signed else set())
    suppliers = {compact(p["id"]) for p in unwrap(record.get(party + "s"), party) if compact(p.get("id", ""))}
    assert identifiers(graph, c, "bg:supplier") == suppliers
    if place := record.get("lieuExecution"):
        assert one(graph, c, "bg:executionPlaceCode") == place["code"]
    current = initial
    mods = unwrap(record.get("modifications"), "modification")
    assert len(objects(graph, c, "bg:modification")) == len(mods)
    for index, m in enumerate(mods, start=1):
        assert m.get("id", index) == index  # these slices list their amendments in order
        (node,) = {n for n in objects(graph, c, "bg:modification")
                   if objects(graph, n, "bg:modificationIndex") == {str(index)}}
        notified = m.get("dateSignatureModification" if concession else "dateNotificationModification")
        assert objects(graph, node, "bg:notificationDate") == ({notified} if notified else set())
        new = m.get("valeurGlobale" if concession else "montant")
        new_amounts = {amount(v) for v in objects(graph, node, "bg:newAmount")}
        assert new_amounts == ({amount(new)} if new is not None else set())
        current = current if new is None else new
        new_suppliers = {compact(p["id"]) for p in unwrap(m.get(party + "s"), party) if compact(p.get("id", ""))}
        assert identifiers(graph, node, "bg:newSupplier") == new_suppliers
    assert amount(one(graph, c, "bg:currentAmount")) == amount(current)


def json_records(path: Path) -> list[dict]:
    document = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(document, list):
        return document
    marches = document["marches"]
    return marches if isinstance(marches, list) else [r for v in marches.values() for r in v]


def buyer_of(record: dict) -> str:
    """The buyer's id as the record gives it (a concession's is its `autoriteConcedante`)."""
    return str((record.get("acheteur") or record.get("autoriteConcedante") or {}).get("id") or "")


def record(path: Path, contract_id: str, buyer: str | None = None) -> dict:
    """The first record of a file with this id (and buyer)."""
    return next(r for r in json_records(path) if r.get("id") == contract_id and buyer in (None, buyer_of(r)))


# --- golden slices: DECP ------------------------------------------------------------------------

def test_decp_2019_slices_say_what_their_records_say(tmp_path):
    sources = [decp_v1.source(s.name, s.title, Path(s.path).name) for s in decp_v1.SOURCES]
    graph = golden_slices("decp_v1", sources, tmp_path, decp_known())
    folder = GOLDEN / "decp_v1"
    pes = folder / "decp_v1_data.gouv.fr_pes_2019-04-05.json"
    emp = folder / "decp_v1_e-marchespublics_2019-04-03.json"
    aife = folder / "decp_v1_data.gouv.fr_aife_2019-04-04_subset1000.json"
    for path, ident in ((pes, "2019I1703000"), (pes, "20191815201"), (pes, "2018J144500"),
                        (emp, "2018MN180601"), (emp, "2018000000000701"), (emp, "201960492500"),
                        (aife, "2018123456789100"), (aife, "20181M273zHhPz00")):
        assert_contract(graph, record(path, ident))
    # by hand, from the PES file: the CPV `50700000-2` loses its check digit; the time zone of
    # `2018-12-17+01:00` is kept; the Corsican postal code 20250 (Corte) is in Haute-Corse
    c = f"{ID}contrat/13001898900017/2019I1703000"
    assert one(graph, c, "bg:cpvCode") == "50700000"
    assert one(graph, c, "epo:hasContractConclusionDate") == "2018-12-17+01:00"
    assert one(graph, f"{ID}contrat/39159607900023/201806201832400", "dct:spatial") == f"{ID}departement/2B"
    # e-marchespublics 201960492500: a Spanish supplier known by its VAT number `ES B66484189`
    (supplier,) = objects(graph, f"{ID}contrat/21440132500011/201960492500", "bg:supplier")
    assert (one(graph, supplier, "bg:identifierType"), one(graph, supplier, "dct:identifier")) == ("TVA", "ESB66484189")


def test_decp_2024_slices_say_what_their_records_say(tmp_path):
    paris = decp_v2.SOURCES[0]
    sources = [decp_v2.source(paris.name, paris.title, Path(paris.path).name),
               decp_v2.source("decp-2024-exemples", "exemples officiels", "marches_concessions.json")]
    graph = golden_slices("decp_v2", sources, tmp_path, decp_known())
    folder = GOLDEN / "decp_v2"
    for ident in ("2024T08713", "202420241", "2024S01851"):
        assert_contract(graph, record(folder / Path(paris.path).name, ident))
    for ident, buyer in (("TEST2022", "21750001630066"), ("0612202306122024", "12345678901234")):
        assert_contract(graph, record(folder / "marches_concessions.json", ident, buyer))
    # by hand: 2024T08713 was awarded 51,681.38 EUR; its amendment (2025-02-18) sets 3,564.59
    c = f"{ID}contrat/21750001600019/2024T08713"
    assert (one(graph, c, "bg:initialAmount"), one(graph, c, "bg:currentAmount")) == ("51681.38", "3564.59")


def test_decp_tabular_slice_lifts_each_distinct_award_of_an_identifier(tmp_path):
    """Issue 9's rule: every distinct award (uid + its own values) is a contract; an identifier with several
    awards holds them as `{id}/1`, `{id}/2`... ranked by notification date; suppliers are its rows' titulaires."""
    sources = [decp_tabular.source(s.name, s.title, "input.csv") for s in decp_tabular.SOURCES]
    graph = golden_slices("decp_tabular", sources, tmp_path, decp_known())
    with (GOLDEN / "decp_tabular" / "input.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    award_columns = ("montant", "dateNotification", "codeCPV", "type", "procedure", "dureeMois", "offresRecues")
    awards: dict[str, dict[tuple, list[dict]]] = {}
    for row in rows:
        awards.setdefault(row["uid"], {}).setdefault(tuple(row[c] for c in award_columns), []).append(row)
    for uid, found in awards.items():
        first = next(iter(found.values()))[0]
        base = f"{ID}contrat/{first['acheteur_id']}/{first['id']}"
        ranked = sorted(found.values(), key=lambda lines: lines[0]["dateNotification"])
        for rank, lines in enumerate(ranked, start=1):
            c = base if len(ranked) == 1 else f"{base}/{rank}"
            row = lines[0]
            # the export's montant is the amount after amendments: the current one, never the initial
            assert amount(one(graph, c, "bg:currentAmount")) == amount(row["montant"]), uid
            assert not objects(graph, c, "bg:initialAmount"), uid
            assert one(graph, c, "epo:hasContractConclusionDate") == row["dateNotification"], uid
            assert one(graph, c, "bg:cpvCode") == row["codeCPV"], uid
            assert identifiers(graph, c, "bg:supplier") == {r["titulaire_id"] for r in lines if r["titulaire_id"]}, uid
    # by hand: lines 3-4 are one contract of SAINT PRIEST EN JAREZ with two suppliers, 1,054,197.10 EUR once;
    # FRESNAY L EVEQUE published 2024202414 twice (2024-09-20, 79,147.49 EUR; 2024-12-31, 81,063.49 EUR)
    assert identifiers(graph, f"{ID}contrat/21420275600018/2024TVX002B2", "bg:supplier") == \
        {"51944339400019", "31420941200019"}
    assert [one(graph, f"{ID}contrat/21280164100011/2024202414/{n}", "bg:currentAmount") for n in (1, 2)] == \
        ["79147.49", "81063.49"]


# --- golden slices: DGFiP ---------------------------------------------------------------------

def csv_rows(path: Path, delimiter: str = ",") -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def golden_graph(name: str, tmp_path: Path) -> ox.Store:
    sources, known = CASES[name]
    return golden_slices(name, sources, tmp_path, known)


def test_geo_dvf_slice_gives_each_sale_its_date_price_and_parcel_point(tmp_path):
    graph = golden_graph("dvf_geo", tmp_path)
    for row in csv_rows(GOLDEN / "dvf_geo" / "input.csv"):
        sale, parcel = f"{ID}mutation/{row['id_mutation']}", f"{ID}parcelle/{row['id_parcelle']}"
        assert objects(graph, sale, "bg:dateMutation") == {row["date_mutation"]}
        assert {amount(v) for v in objects(graph, sale, "bg:valeurFonciere")} == \
            ({amount(row["valeur_fonciere"])} if row["valeur_fonciere"] else set())
        assert objects(graph, sale, "dct:spatial") == {f"{ID}commune/{row['code_commune']}"}
        points = {w for g in objects(graph, parcel, "geo:hasGeometry") for w in objects(graph, g, "geo:asWKT")}
        assert points == ({f"POINT({row['longitude']} {row['latitude']})"} if row["longitude"] else set())
    # by hand: 2023-1122180 (lines 13-14) is one sale of 54,000 EUR over dispositions 2 and 3
    dispositions = objects(graph, f"{ID}mutation/2023-1122180", "bg:disposition")
    assert {one(graph, d, "bg:numeroDisposition") for d in dispositions} == {"2", "3"}


def test_raw_dvf_slice_rebuilds_sales_communes_and_parcels(tmp_path):
    graph = golden_graph("dvf_raw", tmp_path)
    for row in csv_rows(GOLDEN / "dvf_raw" / "input.csv", "|"):
        sale = f"{ID}mutation/{row['Code service CH']}-{row['Reference document']}"
        assert objects(graph, sale, "bg:natureMutation") == {row["Nature mutation"]}
        assert objects(graph, sale, "bg:dateMutation") == {"2001-01-01"}  # the sample's neutralised 01/01/2001
    # by hand, line 2: Mons-en-Barœul (59 410), section AI, plan 150: parcel 59410 000 AI 0150,
    # its premises an apartment of 85 m2 and 4 rooms (line 3)
    parcel = f"{ID}parcelle/59410000AI0150"
    assert objects(graph, parcel, "dct:spatial") == {f"{ID}commune/59410"}
    flats = {local for local in subjects(graph, "bg:parcelle", parcel)
             if objects(graph, local, "bg:nombrePiecesPrincipales") == {"4"}}
    assert [one(graph, f, "bg:surfaceReelleBati") for f in flats] == ["85"]


def test_nature_culture_slices_label_every_code(tmp_path):
    graph = golden_graph("nature_culture", tmp_path)
    for file, scheme in (("dvf_table_nature_culture.csv", "nature-culture"),
                         ("dvf_table_nature_culture_speciale.csv", "nature-culture-speciale")):
        for code, label in (tuple(r.values()) for r in csv_rows(GOLDEN / "nature_culture" / file)):
            concept = f"{ID}nature-culture/{code}"
            assert objects(graph, concept, "skos:notation") == {code}
            assert objects(graph, concept, "skos:prefLabel") == {label}
            assert objects(graph, concept, "skos:inScheme") == {f"{ID}scheme/{scheme}"}


def test_local_accounts_slice_gives_each_budget_its_amounts(tmp_path):
    graph = golden_graph("local_accounts", tmp_path)
    query = sparql_prologue("bg", "skos", "sdmx-dimension") + """
        SELECT ?siret ?label ?amount ?area WHERE { ?o bg:budget ?b ; bg:agregat ?a ; bg:montant ?amount ;
          sdmx-dimension:refArea ?area . ?a skos:prefLabel ?label .
          BIND(STRAFTER(STR(?b), "/etablissement/") AS ?siret) }"""
    found = {(r["siret"].value, r["label"].value): (amount(r["amount"].value), r["area"].value)
             for r in graph.query(query, use_default_graph_as_union=True)}
    rows = csv_rows(GOLDEN / "local_accounts" / "input.csv", ";")
    assert found == {(r["Siret Budget"], r["Agrégat"]):
                     (amount(r["Montant"]), f"{ID}commune/{r['Code Insee 2024 Commune']}") for r in rows}
    # by hand, line 2: the budget principal of Baie-Mahault owes 18,618,499.44 EUR
    assert found[("21971103300015", "Encours de dette")][0] == Decimal("18618499.44")


def test_sirene_slice_gives_each_unit_its_name_dates_and_links(tmp_path):
    graph = golden_graph("sirene", tmp_path)
    naf_known = set(CASES["sirene"][1]["naf"])
    for row in csv_rows(GOLDEN / "sirene" / "input.csv"):
        unit = f"{ID}entreprise/{row['siren']}"
        assert objects(graph, unit, "rov:legalName") == {row["denominationUniteLegale"]}
        created = row["dateCreationUniteLegale"]
        # SIRENE writes 1900-01-01 for an unknown creation date: not published
        assert objects(graph, unit, "schema:foundingDate") == (set() if created == "1900-01-01" else {created})
        ceased = row["etatAdministratifUniteLegale"] == "C"
        assert objects(graph, unit, "schema:dissolutionDate") == ({row["dateDebut"]} if ceased else set())
        activity = row["activitePrincipaleUniteLegale"]
        assert objects(graph, unit, "rov:orgActivity") == ({f"{ID}naf/{activity}"} if activity in naf_known else set())
        assert objects(graph, unit, "bg:siege") == {f"{ID}etablissement/{row['siren']}{row['nicSiegeUniteLegale']}"}
    # by hand, line 3: DELTA ASSURANCES (057808172) ceased on 2026-01-01
    assert one(graph, f"{ID}entreprise/057808172", "schema:dissolutionDate") == "2026-01-01"


# --- amendments: applied in the order of their numbers --------------------------------------------

PARIS = DATA / "decp" / "decp_v2_2024_ville_de_paris_21750001600019.json"
#: the real Paris contracts with two amendments (data/decp); the file lists each one's amendments
#: newest first (`id` 2 before `id` 1), while the official schema numbers them in notification order
TWICE_AMENDED = ("2024T04401", "2024T05755", "2024T00447")


def numbered(record: dict) -> list[dict]:
    """The amendments in the order of their `id` ("une séquence croissante correspondant à l'ordre de
    notification des modifications", schema 2.0.3)."""
    return sorted(unwrap(record["modifications"], "modification"), key=lambda m: m["id"])


def test_amendments_listed_in_order_apply_in_that_order(tmp_path):
    """2024T04401 (real record), its amendments listed in the order of their numbers: amendment 1
    (2024-08-02) sets 15,150 EUR, amendment 2 (2024-10-10) sets 14,847 EUR, the current amount."""
    raw = record(PARIS, "2024T04401")
    ordered = {**raw, "modifications": [{"modification": m} for m in numbered(raw)]}
    (tmp_path / "in" / "decp").mkdir(parents=True)
    (tmp_path / "in" / "decp" / PARIS.name).write_text(json.dumps([ordered]), encoding="utf-8")
    graph, (result,) = lift_files(tmp_path / "in", decp_v2.SOURCES, tmp_path)
    assert result.lifted == 1
    assert_contract(graph, ordered)
    c = f"{ID}contrat/21750001600019/2024T04401"
    assert one(graph, c, "bg:currentAmount") == "14847"
    assert {one(graph, m, "bg:modificationIndex"): one(graph, m, "bg:notificationDate")
            for m in objects(graph, c, "bg:modification")} == {"1": "2024-08-02", "2": "2024-10-10"}


def test_amendments_apply_in_the_order_of_their_numbers_however_listed(store):
    records = {r["id"]: r for r in json.loads(PARIS.read_text(encoding="utf-8")) if r["id"] in TWICE_AMENDED}
    for ident, raw in records.items():
        assert [m["id"] for m in unwrap(raw["modifications"], "modification")] == [2, 1]  # as published
        last = numbered(raw)[-1]
        (row,) = store.select(sparql_prologue("bg") + f"""SELECT ?current ?date WHERE {{
            <{ID}contrat/21750001600019/{ident}> bg:currentAmount ?current ; bg:modification ?m .
            ?m bg:modificationIndex {last['id']} ; bg:notificationDate ?date }}""")
        assert (amount(row["current"]), row["date"]) == (amount(last["montant"]), last["dateNotificationModification"])


# --- a real DVF sale in the raw DGFiP format -------------------------------------------------------

GEO = DATA / "dvf" / "geodvf_2023_commune_83137_toulon.csv"
#: a real sale of Toulon (geo-DVF 2023, one line): notified on the 16th, so a date read month-first
#: is impossible, and a price that is not the raw sample's neutralised 1,00
REAL_SALE = "2023-1116948"


def raw_dgfip_line(geo: dict, header: list[str]) -> str:
    """A geo-DVF line written as the DGFiP's raw file writes it: '|', dd/mm/yyyy, decimal comma,
    département and commune apart, parcel in parts. Geo-DVF has no deed reference: one is made up."""
    parcel = geo["id_parcelle"]
    fields = {"Code service CH": "8304P01", "Reference document": "2023P00001",
              "No disposition": geo["numero_disposition"],
              "Date mutation": date.fromisoformat(geo["date_mutation"]).strftime("%d/%m/%Y"),
              "Nature mutation": geo["nature_mutation"],
              "Valeur fonciere": f"{Decimal(geo['valeur_fonciere']):.2f}".replace(".", ","),
              "No voie": geo["adresse_numero"], "Voie": geo["adresse_nom_voie"], "Code postal": geo["code_postal"],
              "Commune": geo["nom_commune"].upper(), "Code departement": geo["code_departement"],
              "Code commune": geo["code_commune"][2:], "Prefixe de section": parcel[5:8],
              "Section": parcel[8:10], "No plan": parcel[10:], "1er lot": geo["lot1_numero"],
              "Nombre de lots": geo["nombre_lots"], "Code type local": geo["code_type_local"],
              "Type local": geo["type_local"], "Surface reelle bati": geo["surface_reelle_bati"],
              "Nombre pieces principales": geo["nombre_pieces_principales"]}
    return "|".join(fields.get(column, "") for column in header)


def test_a_real_raw_dvf_line_keeps_its_day_first_date_and_price(tmp_path):
    (geo,) = [r for r in csv_rows(GEO) if r["id_mutation"] == REAL_SALE]
    assert geo["date_mutation"] == "2023-01-16"
    raw_sample = DATA / dvf_raw.SOURCES[0].path
    header = raw_sample.read_bytes().decode("utf-8").split("\r\n", 1)[0].split("|")
    assert len(header) == 43
    path = tmp_path / "in" / dvf_raw.SOURCES[0].path
    path.parent.mkdir(parents=True)
    path.write_bytes(("|".join(header) + "\r\n" + raw_dgfip_line(geo, header) + "\r\n").encode("utf-8"))
    assert "|16/01/2023|Vente|67175,00|" in path.read_text(encoding="utf-8")
    graph, (result,) = lift_files(tmp_path / "in", dvf_raw.SOURCES, tmp_path, {"commune": ["83137"]})
    assert (result.rows, result.lifted) == (1, 1)
    sale = f"{ID}mutation/8304P01-2023P00001"
    assert one(graph, sale, "bg:dateMutation") == geo["date_mutation"]
    assert amount(one(graph, sale, "bg:valeurFonciere")) == amount(geo["valeur_fonciere"])
    assert one(graph, sale, "dct:spatial") == f"{ID}commune/83137"
    (disposition,) = objects(graph, sale, "bg:disposition")
    assert one(graph, disposition, "bg:parcelle") == f"{ID}parcelle/{geo['id_parcelle']}"


# --- link coverage, recounted from the DECP files --------------------------------------------------

def known_companies() -> set[str]:
    """The SIRENs the referentials of a build define: SIRENE, the SIREN of départements and régions
    (every row sits in a COG territory) and the OFGL local authorities."""
    files = (("sirene/sirene_stock_unite_legale_2026_extrait_credit-bail_97.csv", "siren", ","),
             ("referentials/siren_collectivites/departements-siren.csv", "Siren", ","),
             ("referentials/siren_collectivites/regions-siren.csv", "Siren", ","),
             ("local_accounts/ofgl_base_communes_2024_dept971_guadeloupe.csv", "Code Siren Collectivité", ";"))
    return {row[column] for file, column, delimiter in files for row in csv_rows(DATA / file, delimiter)}


def sirens(parties: list[dict]) -> list[str]:
    """The SIRENs of the parties identified by a 14-digit SIRET (the others link to no company)."""
    ids = ("".join(str(p.get("id") or "").split()) for p in parties
           if str(p.get("typeIdentifiant") or "SIRET").upper() in ("SIRET", ""))
    return [i[:9] for i in ids if len(i) == 14 and i.isdigit()]


def lifted_parties(records: list[dict]) -> Iterable[list[str]]:
    """Per lifted record (each with buyer + id, an exact duplicate once, with a 14-digit buyer SIRET): its
    companies."""
    seen = set()
    for r in records:
        concession = r.get("_type") == "Contrat de concession" or "autoriteConcedante" in r
        buyer = compact(buyer_of(r))
        key = (buyer, str(r.get("id") or "").strip(), json.dumps(r, sort_keys=True))
        if not all(key) or key in seen:
            seen.add(key)
            continue
        seen.add(key)
        if not (len(buyer) == 14 and buyer.isdigit()):
            continue
        party = "concessionnaire" if concession else "titulaire"
        parties = unwrap(r.get(party + "s"), party)
        parties += [p for m in unwrap(r.get("modifications"), "modification")
                    for p in unwrap(m.get(party + "s"), party)]
        yield [buyer[:9], *sirens(parties)]


FEEDS = {"decp-2024-paris": PARIS.name, "decp-2019-e-marchespublics": "decp_v1_e-marchespublics_2019-04-03.json",
         "decp-2019-pes": "decp_v1_data.gouv.fr_pes_2019-04-05.json",
         "decp-2019-aife": "decp_v1_data.gouv.fr_aife_2019-04-04_subset1000.json"}


def expected_coverage(name: str) -> tuple[int, int, int]:
    """(records with a company, with at least one known, with all known), from the file."""
    records = json_records(DATA / "decp" / FEEDS[name])
    known = known_companies()
    found = [[s in known for s in companies] for companies in lifted_parties(records)]
    return len(found), sum(map(any, found)), sum(map(all, found))


@pytest.mark.parametrize("name", FEEDS)
def test_company_coverage_figures_are_recounted_from_the_files(store, built, settings, name):
    expected = expected_coverage(name)
    linkset = f"<{BASE}/graph/{name}/linkset/entreprise>"
    (row,) = store.select(sparql_prologue("bg") + f"""SELECT ?records ?linked ?complete WHERE {{
        {linkset} bg:recordsWithCode ?records ; bg:recordsLinked ?linked ; bg:recordsFullyLinked ?complete }}""")
    assert (int(row["records"]), int(row["linked"]), int(row["complete"])) == expected
    with (settings.reports_dir / built.build_id / "coverage.csv").open(encoding="utf-8", newline="") as handle:
        (line,) = [r for r in csv.DictReader(handle) if (r["source"], r["kind"]) == (name, "entreprise")]
    assert (int(line["records"]), int(line["linked"]), int(line["complete"])) == expected


def test_paris_company_coverage_by_hand():
    """data/SOURCES.md: 1,054 Paris contracts, all bought by the Ville de Paris (SIREN 217500016, in the
    départements' SIREN file): all linked; 50 have every supplier known too."""
    assert expected_coverage("decp-2024-paris") == (1054, 1054, 50)
