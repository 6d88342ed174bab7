"""DECP in the graph: every record accounted for, contracts counted once, amendments kept apart from
the award, and the audit figures equal to what the files themselves say (computed here from the
files, with the official JSON schemas and `jsonschema`)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal

import jsonschema
import pytest

from graph_service.build.pipeline import BuildError, build
from graph_service.config import PROJECT_ROOT
from graph_service.store import GraphStore
from mappings import decp_v1, decp_v2, values
from mappings.namespaces import sparql_prologue

from .conftest import BASE, DATA, fresh_settings

DECP = DATA / "decp"
V1 = {"decp-2019-e-marchespublics": "decp_v1_e-marchespublics_2019-04-03.json",
      "decp-2019-pes": "decp_v1_data.gouv.fr_pes_2019-04-05.json",
      "decp-2019-aife": "decp_v1_data.gouv.fr_aife_2019-04-04_subset1000.json"}
PARIS = "decp_v2_2024_ville_de_paris_21750001600019.json"
TABULAR = "decp_consolide_tabulaire_2024S2_travaux_cpv4521_subset.csv"
PREFIXES = sparql_prologue("epo", "bg", "dqv", "dct", "xsd", "org")


def v1_records(name: str) -> list[dict]:
    return json.loads((DECP / name).read_text(encoding="utf-8"))["marches"]


def paris_records() -> list[dict]:
    return json.loads((DECP / PARIS).read_text(encoding="utf-8"))


def tabular_rows() -> list[dict]:
    with (DECP / TABULAR).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def buyer_id(record: dict) -> str:
    party = record.get("acheteur") or record.get("autoriteConcedante") or {}
    return party.get("id", "")


def graph(name: str) -> str:
    return f"<{BASE}/graph/{name}>"


def one(store, query: str) -> str:
    return store.select(PREFIXES + query)[0]["n"]


def summary(built, name: str) -> dict:
    return next(s for s in built.sources if s["source"] == name)


def identity(record: dict) -> tuple[str, str]:
    return str(buyer_id(record) or "").strip(), str(record.get("id") or "").strip()


def awards(records: list[dict]) -> list[tuple[int, dict]]:
    """(record number, record) of each award a JSON feed publishes: every record with a buyer and an id,
    but a record identical to an earlier one (an exact duplicate) counts once."""
    seen, out = set(), []
    for number, r in enumerate(records, start=1):
        text = json.dumps(r, sort_keys=True)
        if all(identity(r)) and text not in seen:
            out.append((number, r))
        seen.add(text)
    return out


def exact_duplicates(records: list[dict]) -> dict[int, int]:
    """Record number -> the number of the earlier identical record (records with a buyer and an id)."""
    first: dict[str, int] = {}
    out = {}
    for number, r in enumerate(records, start=1):
        text = json.dumps(r, sort_keys=True)
        if all(identity(r)) and first.setdefault(text, number) != number:
            out[number] = first[text]
    return out


def reused_identifiers(records: list[dict]) -> set[tuple[str, str]]:
    """Identities under which a feed publishes several distinct records."""
    counts = Counter(identity(r) for _, r in awards(records))
    return {key for key, n in counts.items() if n > 1}


# --- every record accounted for, contracts counted once ---------------------------------------

@pytest.mark.parametrize("name", [*V1, "decp-2024-paris", "decp-tabulaire-2024s2-travaux"])
def test_rows_in_equal_lifted_plus_rejected(built, name):
    s = summary(built, name)
    expected = {**{k: len(v1_records(f)) for k, f in V1.items()},
                "decp-2024-paris": len(paris_records()),
                "decp-tabulaire-2024s2-travaux": len(tabular_rows())}[name]
    assert s["rows"] == expected == s["lifted"] + s["rejected"]


@pytest.mark.parametrize("name,file", V1.items())
def test_one_contract_per_distinct_record_and_one_identifier_per_shared_id(store, name, file):
    """Issue 9: no record leaves the graph because another shares its buyer + id. Contracts = the
    feed's distinct records (an exact duplicate counts once); the identities several of them share
    are each one bg:ContractIdentifier (they were quarantined as "duplicate of record N")."""
    records = v1_records(file)
    n = one(store, f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH {graph(name)} {{ ?c a epo:Contract }} }}")
    shared = one(store, f"""SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE {{ GRAPH {graph(name)} {{
        ?i a bg:ContractIdentifier }} }}""")
    assert (int(n), int(shared)) == (len(awards(records)), len(reused_identifiers(records)))
    assert int(n) > len({identity(r) for _, r in awards(records)})


@pytest.mark.parametrize("name,file", V1.items())
def test_json_feeds_quarantine_only_exact_duplicates_naming_the_first(built, settings, name, file):
    """The only records left out for their identity repeat an earlier record exactly, and their reason
    names it; the others rejected have no id."""
    with (settings.reports_dir / built.build_id / "rejected.csv").open(encoding="utf-8") as handle:
        rejected = [r for r in csv.DictReader(handle) if r["source"] == name]
    named = {int(r["line"]): r["reason"] for r in rejected if r["reason"].startswith("exact duplicate of record ")}
    assert {line: int(reason.split()[4]) for line, reason in named.items()} == exact_duplicates(v1_records(file))
    assert all(r["reason"].startswith("missing value") for r in rejected if int(r["line"]) not in named)
    s = summary(built, name)
    assert (s["rows"], s["lifted"], s["rejected"]) == {"decp-2019-e-marchespublics": (470, 468, 2),
                                                      "decp-2019-pes": (1148, 1146, 2),
                                                      "decp-2019-aife": (1000, 991, 9)}[name]


@pytest.mark.parametrize("name,file", V1.items())
def test_awards_of_a_shared_identifier_are_ranked_by_notification_date(store, name, file):
    """`contrat/{SIRET}/{id}/{n}`: n follows the notification date; the identifier counts its awards."""
    rows = store.select(PREFIXES + f"""SELECT ?i ?count ?award ?date WHERE {{ GRAPH {graph(name)} {{
        ?i a bg:ContractIdentifier ; bg:awardCount ?count ; dct:hasPart ?award .
        ?award dct:isPartOf ?i OPTIONAL {{ ?award epo:hasContractConclusionDate ?date }} }} }}""")
    parts: dict[str, list[tuple[int, str]]] = {}
    for r in rows:
        assert r["award"].startswith(r["i"] + "/")
        parts.setdefault(r["i"], []).append((int(r["award"].rsplit("/", 1)[1]), r.get("date", "")))
    assert len(parts) == len(reused_identifiers(v1_records(file)))
    for identifier, ranked in parts.items():
        ranked.sort()
        assert [rank for rank, _ in ranked] == list(range(1, len(ranked) + 1)), identifier
        assert {int(r["count"]) for r in rows if r["i"] == identifier} == {len(ranked)}
        dates = [d[:10] for _, d in ranked]
        assert dates == sorted(dates), identifier


def test_tabular_contract_amount_is_counted_once(store):
    """The graph's total = the sum of the amount of each distinct award (uid + its own values), once each,
    never once per supplier row (issue 9: no award leaves the graph because another shares its uid).

    Every row is identified: by its buyer's SIRET, or by its SIREN for the 4 rows that give only that.
    """
    identified = tabular_rows()
    assert all(len(r["acheteur_id"]) in (9, 14) and r["acheteur_id"].isdigit() for r in identified)
    awards = {tuple(r[c] for c in ("uid", "montant", "dateNotification", "codeCPV", "type", "procedure",
                                   "dureeMois", "offresRecues")) for r in identified}
    expected = sum(Decimal(award[1]) for award in awards)
    naive = sum(Decimal(r["montant"]) for r in identified)  # what summing rows would give
    q = f"""SELECT (SUM(?m) AS ?n) (COUNT(?c) AS ?k) WHERE {{ GRAPH {graph('decp-tabulaire-2024s2-travaux')} {{
             {{ ?c a epo:Contract ; bg:currentAmount ?m }} UNION {{ ?c a bg:ContractRecord ; bg:publishedAmount ?m }} }} }}"""
    row = store.select(PREFIXES + q)[0]
    assert int(row["k"]) == len(awards)
    assert len({r["uid"] for r in tabular_rows()}) == 5180  # data/SOURCES.md
    assert Decimal(row["n"]) == expected < naive


def test_tabular_contract_has_every_supplier_of_its_rows(store):
    rows = [r for r in tabular_rows() if r["uid"] == "214202756000182024TVX002B2"]
    q = f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{
             <{BASE}/id/contrat/21420275600018/2024TVX002B2> bg:supplier ?s }}"""
    assert int(one(store, q)) == len({r["titulaire_id"] for r in rows}) == 2


def test_exact_duplicates_are_reported_not_dropped(built, settings):
    """Every exact duplicate is in the quarantine report, naming its first; nothing else is."""
    report = settings.reports_dir / built.build_id / "rejected.csv"
    with report.open(encoding="utf-8") as handle:
        rejected = [r for r in csv.DictReader(handle) if r["source"] == "decp-2019-e-marchespublics"]
    records = v1_records(V1["decp-2019-e-marchespublics"])
    duplicates = [r for r in rejected if r["reason"].startswith("exact duplicate of record")]
    assert len(duplicates) == len(exact_duplicates(records)) == len(rejected) == 2


# --- amendments never overwrite the award -------------------------------------------------------

def test_modification_kept_apart_from_initial_award(store):
    """Paris 2024T08713: awarded 51,681.38 EUR; modification 1 (notified 2025-02-18) sets 3,564.59."""
    record = next(r for r in paris_records() if r["id"] == "2024T08713")
    modification = record["modifications"][0]["modification"]
    c = f"<{BASE}/id/contrat/21750001600019/2024T08713>"
    q = f"""SELECT ?initial ?current ?date ?new WHERE {{
             {c} bg:initialAmount ?initial ; bg:currentAmount ?current ; bg:modification ?m .
             ?m bg:modificationOf {c} ; bg:notificationDate ?date ; bg:newAmount ?new ; bg:modificationIndex 1 }}"""
    (row,) = store.select(PREFIXES + q)
    assert Decimal(row["initial"]) == Decimal(str(record["montant"]))
    assert row["date"] == modification["dateNotificationModification"]
    assert Decimal(row["new"]) == Decimal(str(modification["montant"])) == Decimal(row["current"])
    assert Decimal(row["initial"]) != Decimal(row["current"])


def test_every_modification_in_the_files_is_a_node(store):
    """Each award's modifications are its own nodes (an exact duplicate's are its first's)."""
    expected = sum(len(r.get("modifications") or []) for f in V1.values() for _, r in awards(v1_records(f)))
    expected += sum(len(r.get("modifications") or []) for _, r in awards(paris_records()))
    n = one(store, "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a bg:ContractModification ; bg:modificationOf ?c }")
    assert int(n) == expected > 0


def test_unmodified_contract_current_equals_initial(store):
    q = """SELECT (COUNT(?c) AS ?n) WHERE { ?c a epo:Contract ; bg:initialAmount ?a ; bg:currentAmount ?b .
           FILTER NOT EXISTS { ?c bg:modification ?m } FILTER(?a != ?b) }"""
    assert int(one(store, q)) == 0


# --- parties and places ----------------------------------------------------------------------

def test_buyer_establishment_is_a_unit_of_its_entreprise(store):
    q = f"""SELECT ?siren WHERE {{ <{BASE}/id/contrat/21750001600019/2024T08713> bg:buyer ?e .
             ?e a org:OrganizationalUnit ; org:unitOf ?u . ?u dct:identifier ?siren }}"""
    assert {r["siren"] for r in store.select(PREFIXES + q)} == {"217500016"}


def test_foreign_suppliers_keep_their_identifier_type(store):
    expected = {(t["typeIdentifiant"], t["id"]) for r in v1_records(V1["decp-2019-pes"])
                for t in r["titulaires"] if t["typeIdentifiant"] in ("TVA", "HORS-UE")}
    q = f"""SELECT DISTINCT ?type ?id WHERE {{ GRAPH {graph('decp-2019-pes')} {{ ?c bg:supplier ?s }}
             ?s bg:identifierType ?type ; dct:identifier ?id FILTER(?type != "SIRET") }}"""
    assert {(r["type"], r["id"]) for r in store.select(PREFIXES + q)} == expected


def test_cpv_check_digit_is_stripped_and_linked(store):
    """PES gives `50700000-2`: the contract links the CPV concept 50700000 (ours, and the EU's IRI as the
    classification of its ePO purpose)."""
    q = f"""SELECT ?code WHERE {{ <{BASE}/id/contrat/13001898900017/2019I1703000> bg:cpvCode ?code ;
             bg:cpv <{BASE}/id/cpv/50700000> ;
             epo:hasPurpose/epo:hasMainClassification <http://data.europa.eu/cpv/cpv/50700000> }}"""
    assert store.select(PREFIXES + q) == [{"code": "50700000"}]


@pytest.mark.parametrize("code,expected", [
    ("75008", "75"), ("01000", "01"), ("20000", "2A"), ("20137", "2A"), ("20200", "2B"), ("20600", "2B"),
    ("20300", None), ("97110", "971"), ("97400", "974"), ("97600", "976"), ("97133", None), ("97150", None),
    ("97500", None), ("98000", None)])
def test_postal_code_departement(code, expected):
    assert values.departement_of_postal_code(code) == expected


@pytest.mark.parametrize("code", ["7500", "750081", "ABCDE", "00100"])
def test_postal_code_malformed(code):
    with pytest.raises(ValueError):
        values.departement_of_postal_code(code)


def test_corsican_postal_code_links_to_haute_corse(store):
    q = f"""SELECT ?d WHERE {{ <{BASE}/id/contrat/39159607900023/201806201832400> bg:executionPlaceCode "20250" ;
             dct:spatial ?d }}"""
    assert store.select(PREFIXES + q) == [{"d": f"{BASE}/id/departement/2B"}]


# --- the audit, against the files ---------------------------------------------------------------

def measurement(store, source: str, metric: str) -> int:
    q = f"""SELECT ?n WHERE {{ ?m dqv:computedOn {graph(source)} ; dqv:isMeasurementOf bg:{metric} ;
             dqv:value ?n }}"""
    return int(store.select(PREFIXES + q)[0]["n"])


def uid_duplicates(records: list[dict]) -> int:
    """Records whose uid (buyer id + id, as DECP builds it) is shared by another record."""
    counts = Counter(buyer_id(r) + str(r.get("id") or "") for r in records)
    return sum(n for n in counts.values() if n > 1)


def test_duplicate_ids_measured_as_in_the_files(store):
    figures = {name: uid_duplicates(v1_records(file)) for name, file in V1.items()}
    assert figures == {"decp-2019-e-marchespublics": 40, "decp-2019-pes": 15, "decp-2019-aife": 35}
    assert {name: measurement(store, name, "DuplicateId") for name in V1} == figures
    assert measurement(store, "decp-2024-paris", "DuplicateId") == uid_duplicates(paris_records()) == 0


def test_reused_identifiers_and_exact_duplicates_measured_as_in_the_files(store):
    """DQV per JSON feed, as for the tabular file: identities holding several distinct records, and
    records repeating an earlier one."""
    found = {name: (measurement(store, name, "ReusedIdentifier"), measurement(store, name, "DuplicateRow"))
             for name in V1}
    assert found == {name: (len(reused_identifiers(v1_records(file))), len(exact_duplicates(v1_records(file))))
                     for name, file in V1.items()}
    assert found == {"decp-2019-e-marchespublics": (9, 2), "decp-2019-pes": (5, 2), "decp-2019-aife": (12, 2)}


def test_misencoded_text_measured_as_in_the_files(store):
    for name, file in V1.items():
        n = sum("\ufffd" in json.dumps(r, ensure_ascii=False) for r in v1_records(file))
        assert measurement(store, name, "MisencodedText") == n
    assert measurement(store, "decp-2019-aife", "MisencodedText") == 754


def schema_validator(file: str, definition: str):
    schema = json.loads((DECP / "schema" / file).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls({"$ref": f"#/definitions/{definition}", "definitions": schema["definitions"]})


def test_schema_violations_measured_with_the_official_schemas(store):
    marche = schema_validator("schema_decp_v1.5.0_marches.json", "marche")
    concession = schema_validator("schema_decp_v1.5.0_marches.json", "contrat-concession")
    for name, file in V1.items():
        invalid = sum(not (concession if r.get("_type") == "Contrat de concession" else marche).is_valid(r)
                      for r in v1_records(file))
        assert measurement(store, name, "SchemaViolation") == invalid
    assert measurement(store, "decp-2019-e-marchespublics", "SchemaViolation") == 17  # data/SOURCES.md
    v2 = schema_validator("schema_decp_v2.0.3.json", "marche")
    # the consolidation's `source` key is not part of the publisher's record
    invalid = sum(not v2.is_valid({k: v for k, v in r.items() if k != "source"}) for r in paris_records())
    assert measurement(store, "decp-2024-paris", "SchemaViolation") == invalid == 1  # data/SOURCES.md


def delay_figures(records: list[dict]) -> tuple[int, int, int]:
    out_of_range = late = before = 0
    for r in records:
        concession = r.get("_type") == "Contrat de concession"
        amount = r.get("valeurGlobale" if concession else "montant")
        if amount not in (None, "") and not 200 <= Decimal(str(amount)) <= 999_999_999:
            out_of_range += 1
        start, end = r.get("dateSignature" if concession else "dateNotification"), r.get("datePublicationDonnees")
        if start and end:
            days = (date.fromisoformat(end[:10]) - date.fromisoformat(start[:10])).days
            late += days > 62
            before += days < 0
    return out_of_range, late, before


@pytest.mark.parametrize("name", [*V1, "decp-2024-paris"])
def test_amounts_and_delays_measured_as_in_the_files(store, name):
    records = paris_records() if name == "decp-2024-paris" else v1_records(V1[name])
    assert (measurement(store, name, "AmountOutOfRange"), measurement(store, name, "LatePublication"),
            measurement(store, name, "PublicationBeforeNotification")) == delay_figures(records)


def test_flags_on_contracts_agree_with_the_measurements(store):
    """A lifted contract carries the metric of its record: flags never exceed the file's count."""
    q = f"""SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH {graph('decp-2019-aife')} {{
             ?c bg:qualityIssue bg:MisencodedText }} }}"""
    flagged = int(one(store, q))
    records = v1_records(V1["decp-2019-aife"])
    lifted_records = [r for _, r in awards(records) if "\ufffd" in json.dumps(r, ensure_ascii=False)]
    assert flagged == len(lifted_records) <= 754


def test_records_audited_equal_the_file(store):
    assert measurement(store, "decp-tabulaire-2024s2-travaux", "RecordsAudited") == len(tabular_rows())


# --- bad input --------------------------------------------------------------------------------

def test_file_without_marches_key_stops_the_build_with_its_name(settings, tmp_path):
    data = tmp_path / "data"
    (data / "decp").mkdir(parents=True)
    (data / "decp" / V1["decp-2019-pes"]).write_text('{"marche": []}', encoding="utf-8")
    source = next(s for s in decp_v1.SOURCES if s.name == "decp-2019-pes")
    with pytest.raises(BuildError, match=r"decp_v1_data\.gouv\.fr_pes_2019-04-05\.json.*'marches'"):
        build(replace(fresh_settings(settings, tmp_path), data_dir=data), [source], progress=False)


def test_record_without_buyer_siret_is_rejected_with_its_field(settings, tmp_path):
    data = tmp_path / "data"
    (data / "decp").mkdir(parents=True)
    records = [r for r in paris_records() if r["id"] in ("2024T08713", "202420241")]
    records[0] = {**records[0], "acheteur": {"id": "2175000160"}}  # 10 digits: no identity
    records[1] = {**records[1], "dateNotification": "31/02/2024"}  # impossible date: left out, flagged
    (data / "decp" / PARIS).write_text(json.dumps(records), encoding="utf-8")
    report = build(replace(fresh_settings(settings, tmp_path), data_dir=data), decp_v2.SOURCES,
                   progress=False, validate=False)
    (s,) = report.sources
    assert (s["rows"], s["lifted"], s["rejected"]) == (2, 1, 1)
    with (fresh_settings(settings, tmp_path).reports_dir / report.build_id / "rejected.csv").open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["field"] == "acheteur.id" and row["line"] in ("1", "2") and "SIRET" in row["reason"]
    flagged = GraphStore.current(fresh_settings(settings, tmp_path)).select(PREFIXES + """
        SELECT ?field ?date WHERE { ?c bg:qualityIssue bg:InvalidValue ; bg:invalidField ?field
        OPTIONAL { ?c epo:hasContractConclusionDate ?date } }""")
    assert flagged == [{"field": "dateNotification"}]


# --- the example queries and the official examples ------------------------------------------------

def test_amended_contracts_query_shows_initial_and_current(store):
    rows = store.select((PROJECT_ROOT / "queries" / "decp_amended_contracts.rq").read_text(encoding="utf-8"))
    paris = {r["contract"]: r for r in rows if r["feed"].endswith("/graph/decp-2024-paris")}
    expected = {r["id"] for r in paris_records() if r.get("modifications")}
    assert {c.rsplit("/", 1)[1] for c in paris} == expected
    row = paris[f"{BASE}/id/contrat/21750001600019/2024T08713"]
    assert (Decimal(row["initialAmount"]), Decimal(row["currentAmount"])) == (Decimal("51681.38"), Decimal("3564.59"))


def test_amended_contracts_query_lists_contracts_without_a_title(store):
    """Every amended contract of every feed is listed, with or without a title: none of the AIFE 2019
    feed's amended records has an `objet` (an earlier version of the query dropped them all)."""
    rows = store.select((PROJECT_ROOT / "queries" / "decp_amended_contracts.rq").read_text(encoding="utf-8"))
    amended = store.select(PREFIXES + """SELECT DISTINCT ?feed ?contract
        WHERE { GRAPH ?feed { ?contract a epo:Contract ; bg:modification ?m } }""")
    assert {(r["feed"], r["contract"]) for r in rows} == {(r["feed"], r["contract"]) for r in amended}
    records = json.loads((DECP / "decp_v1_data.gouv.fr_aife_2019-04-04_subset1000.json").read_text(encoding="utf-8"))
    untitled = [r for r in records["marches"] if r.get("modifications") and not r.get("objet")]
    aife = [r for r in rows if r["feed"].endswith("/graph/decp-2019-aife")]
    assert untitled and aife and not any("object" in r for r in aife)


def test_quality_query_gives_one_row_per_graph_and_metric(store):
    rows = store.select((PROJECT_ROOT / "queries" / "decp_quality_by_source.rq").read_text(encoding="utf-8"))
    aife = {r["metric"].rsplit("#", 1)[1]: r for r in rows if r["graph"].endswith("/graph/decp-2019-aife")}
    assert int(aife["MisencodedText"]["records"]) == 754
    assert Decimal(aife["MisencodedText"]["share"]) == Decimal("0.754")


@pytest.mark.parametrize("example", sorted((DECP / "schema" / "examples_v2").glob("*.json")), ids=lambda p: p.name)
def test_official_v2_examples_lift_whole_and_valid(example, tmp_path):
    """The official (fictitious) examples of the 2024 format: every record lifted, none schema-invalid."""
    from graph_service.build.pipeline import lift_source
    from mappings.iri import Minter
    from mappings.source import Context

    document = json.loads(example.read_text(encoding="utf-8"))["marches"]
    records = sum(len(document.get(k, [])) for k in ("marche", "contrat-concession"))
    source = decp_v2.source("decp-exemple", example.name, example.name)
    result = lift_source(source, Context(Minter(BASE), example.parent), tmp_path, progress=False)
    assert result.rows == result.lifted == records > 0
    assert decp_v2.analyse(example).counts()["SchemaViolation"] == 0


def lifted_sirens(records: list[dict]) -> set[str]:
    """SIRENs of the 14-digit parties of the records that are lifted (first of each identity, with an id)."""
    seen, out = set(), set()
    for r in records:
        key = (buyer_id(r), r.get("id"))
        if not r.get("id") or key in seen:
            continue
        seen.add(key)
        parties = [r.get("acheteur") or r.get("autoriteConcedante") or {}, *r.get("titulaires", []),
                   *r.get("concessionnaires", [])]
        parties += [t for m in r.get("modifications") or [] for t in m.get("titulaires", []) + m.get("concessionnaires", [])]
        ids = (str(p.get("id", "")).strip() for p in parties if isinstance(p, dict))
        out |= {i[:9] for i in ids if len(i) == 14 and i.isdigit()}
    return out


def test_companies_known_to_sirene_are_linked_not_redescribed(store):
    """A supplier whose SIREN is in the SIRENE extract links to SIRENE's entreprise; DECP adds no type to it
    (what DECP says of organisations is in the graph `organisations`)."""
    with (DATA / "sirene" / "sirene_stock_unite_legale_2026_extrait_credit-bail_97.csv").open(encoding="utf-8") as handle:
        sirene = {row["siren"] for row in csv.DictReader(handle)}
    in_decp = set().union(*(lifted_sirens(v1_records(f)) for f in V1.values())) & sirene
    assert in_decp  # the files do share companies with the SIRENE extract
    q = f"""SELECT DISTINCT ?u ?described WHERE {{
             VALUES ?g {{ {" ".join(graph(n) for n in V1)} }}
             GRAPH ?g {{ ?c bg:supplier|bg:buyer ?e }}
             ?e org:unitOf ?u
             GRAPH {graph('sirene-unites-legales')} {{ ?u ?p ?o }}
             BIND(EXISTS {{ GRAPH {graph('organisations')} {{ ?u a org:Organization }} }} AS ?described) }}"""
    rows = store.select(PREFIXES + q)
    assert {r["u"].rsplit("/", 1)[1] for r in rows} == in_decp
    assert {r["described"] for r in rows} == {"false"}


def lifted_records(records: list[dict]) -> list[dict]:
    """The records a feed lifts: each with a buyer and an id, an exact duplicate once (`awards`)."""
    return [r for _, r in awards(records)]


@pytest.mark.parametrize("name", [*V1, "decp-2024-paris"])
def test_each_feed_has_one_node_per_modification_of_its_lifted_records(store, name):
    """Exactly the amendments of the records lifted (the weak `0 < n <= expected` above cannot see a
    lost or an extra amendment)."""
    records = paris_records() if name == "decp-2024-paris" else v1_records(V1[name])
    expected = sum(1 for r in lifted_records(records) for m in r.get("modifications") or [] if isinstance(m, dict))
    n = one(store, f"""SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ GRAPH {graph(name)} {{
             ?m a bg:ContractModification ; bg:modificationOf ?c }} }}""")
    assert int(n) == expected > 0
