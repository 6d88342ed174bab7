"""Communes through time: the history read from INSEE's and Etalab's files, a former code resolved at the
record's date, counted under today's commune by SPARQL and on the commune's page, and apart in the coverage."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from graph_service.build.pipeline import build, lift_source
from graph_service.config import Settings
from graph_service.store import GraphStore
from graph_service.web.app import create_app
from mappings import cog, cog_history, registry
from mappings.iri import Minter
from mappings.read import read_csv
from mappings.source import Context

from .conftest import BASE, DATA

HISTORY = DATA / "referentials/cog-history"
QUERY = Path(__file__).resolve().parents[1] / "queries/records_by_current_commune.rq"
GEOREF = "tab-georef-communes"


def historiq() -> list[dict[str, str]]:
    """INSEE's file as its documentation describes it: ISO-8859-1, TAB-separated."""
    with (HISTORY / "insee-cog2017_historiq2017.txt").open(encoding="latin-1", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def current_communes() -> set[str]:
    with (DATA / "referentials/cog2025/cog2025_communes.csv").open(encoding="utf-8") as handle:
        return {r["code"] for r in csv.DictReader(handle)}


def test_a_dated_fusion_ends_the_code_on_its_date():
    # historiq2017: Tonneville (50 600), MOD 331 (commune nouvelle), effective 01-01-2017, into 50041 (La Hague)
    row = next(r for r in historiq() if r["DEP"] == "50" and r["COM"] == "600" and r["MOD"] == "331")
    assert (row["EFF"], row["COMECH"]) == ("01-01-2017", "50041")
    history = cog_history.build(DATA)
    before, after = history.at("50600", date(2016, 12, 31)), history.at("50600", date(2019, 2, 26))
    assert before is not None and before.end == date(2017, 1, 1) and after is None
    assert history.current(before, current_communes()) == "50041"


def test_a_change_of_departement_is_a_change_of_code():
    # MOD 411: Fresne-sur-Loire, 44060 -> 49382 on 01-01-2016
    row = next(r for r in historiq() if r["MOD"] == "411" and r["DEP"] + r["COM"] == "49382")
    assert row["DEPANC"] == "44060"
    version = cog_history.build(DATA).at("44060", date(2015, 6, 1))
    assert version is not None and version.successors == ["49382"] and version.end == date(2016, 1, 1)


def test_an_undated_merger_comes_from_etalab_and_says_so():
    # decoupage-administratif 6.0.0: Pargny-et-Filain (02589) has the former code 02311 (Filain), absent from
    # the 2017 history (merged later): one version, no end date
    entries = json.loads((HISTORY / "decoupage-administratif-6.0.0_communes-anciensCodes.json").read_text())
    assert "02311" in next(e for e in entries if e["code"] == "02589")["anciensCodes"]
    assert not [r for r in historiq() if r["DEP"] + r["COM"] == "02311"]
    history = cog_history.build(DATA)
    version = history.at("02311", None)
    assert version is not None and version.end is None and version.source == cog_history.OLD_CODES_2026
    assert history.at("02311", date(2019, 1, 1)) is version  # cannot be refuted: taken as valid
    assert history.current(version, current_communes()) == "02589"


def lift(*names: str) -> tuple[Context, dict]:
    ctx = Context(Minter(BASE), DATA)
    import tempfile
    out = Path(tempfile.mkdtemp())
    results = {}
    for source in registry.SOURCES:
        if source.name.startswith("cog") or source.name in names:
            results[source.name] = lift_source(source, ctx, out, progress=False)
    return ctx, results


def test_a_real_2019_contract_with_a_code_merged_before_its_date_stays_unresolved():
    # DECP 2019 (e-marchespublics): contract 201962184200 gives "50600" as "Code commune" on 2019-02-26, named
    # SAINT HILAIRE DU HARCOUET (whose postal code is 50600): 50600 was Tonneville's code until 2017-01-01, so
    # the history does not resolve it at that date (it would have linked the wrong commune)
    data = json.loads((DATA / "decp/decp_v1_e-marchespublics_2019-04-03.json").read_text(encoding="utf-8"))
    record = next(m for m in data["marches"] if m["id"] == "201962184200")
    assert record["lieuExecution"] == {"code": "50600", "typeCode": "Code commune", "nom": "SAINT HILAIRE DU HARCOUET"}
    ctx, results = lift("decp-2019-e-marchespublics")
    assert ctx.unresolved[("decp-2019-e-marchespublics", "commune", "50600")] == 1
    assert ctx.version_at("commune", "50600", date(2016, 6, 1)) == "50600/2017-01-01"
    assert not ctx.history_lines.get(("decp-2019-e-marchespublics", "commune"))


def former_codes_in_georef() -> list[str]:
    """The commune codes of the georef table that are no COG 2025 commune but a former code in Etalab's files."""
    old = {c for e in json.loads((HISTORY / "decoupage-administratif-6.0.0_communes-anciensCodes.json")
                                  .read_text()) for c in e["anciensCodes"]}
    with (HISTORY / "etalab-cog-0.1.0_communes-absorbees-nouveauCode.csv").open(encoding="utf-8") as handle:
        old |= {r["code"] for r in csv.DictReader(handle)}
    with (DATA / "referentials/cog2025/cog2025_communes.csv").open(encoding="utf-8") as handle:
        today = {r["code"] for r in csv.DictReader(handle) if r["type_code"] in ("COM", "ARM")}
    rows = read_csv(DATA / "tabular/georef-france-commune_public-opendatasoft_export_2cols.csv", delimiter=";")
    return [r.get("Code Officiel Commune") for r in rows
            if r.get("Code Officiel Commune") not in today and r.get("Code Officiel Commune") in old]


@pytest.fixture(scope="module")
def small_build(tmp_path_factory) -> tuple[Settings, object]:
    """The COG, the history and the georef table (a real Opendatasoft export naming 68 former communes)."""
    settings = Settings(base=BASE, data_dir=DATA, home=tmp_path_factory.mktemp("home"))
    sources = [s for s in registry.SOURCES if s.name.startswith("cog") or s.name == GEOREF]
    return settings, build(settings, sources, progress=False, validate=False)


def test_the_coverage_counts_the_codes_resolved_only_through_history(small_build):
    _, report = small_build
    row = next(c for c in report.coverage if c["source"] == GEOREF and c["kind"] == "commune")
    assert row["through_history"] == len(former_codes_in_georef()) == 68


def test_a_former_code_counts_under_todays_commune_in_sparql_and_on_its_page(small_build):
    settings, _ = small_build
    store = GraphStore.current(settings)
    rows = {r["graph"]: r for r in store.select(QUERY.read_text(encoding="utf-8"))}
    georef = rows[f"{BASE}/graph/{GEOREF}"]
    # the table has a row for Pargny-et-Filain (02589) and one for Filain (02311), merged into it since
    assert (int(georef["records"]), int(georef["throughHistory"])) == (2, 1)
    page = TestClient(create_app(settings)).get("/id/commune/02589", headers={"Accept": "text/html"})
    assert page.status_code == 200
    figures = dict((label, value) for value, label in re.findall(
        r'<div class="value">([^<]*)</div><div class="label">([^<]*)</div>', page.text))
    assert figures["enregistrements sous un ancien code (historique des communes)"] == "1"


def test_mouvements_des_communes_reader(tmp_path):
    # Rows in the documented layout of v_mvt_commune_YYYY.csv, TRANSCRIBED from historiq2017's real events
    # (no real movements file is stored here): La Hague (MOD 32, 2017) and Fresne-sur-Loire (MOD 41, 2016).
    header = ",".join(cog_history.MVT_COLUMNS)
    rows = [
        "32,2017-01-01,COM,50600,0,TONNEVILLE,Tonneville,Tonneville,COM,50041,3,HAGUE,Hague,La Hague",
        "32,2017-01-01,COM,50600,0,TONNEVILLE,Tonneville,Tonneville,COMD,50600,0,TONNEVILLE,Tonneville,Tonneville",
        "32,2017-01-01,COM,50041,0,BEAUMONT HAGUE,Beaumont-Hague,Beaumont-Hague,COM,50041,3,HAGUE,Hague,La Hague",
        "41,2016-01-01,COM,44060,0,FRESNE SUR LOIRE,Fresne-sur-Loire,Fresne-sur-Loire,COM,49382,0,"
        "FRESNE SUR LOIRE,Fresne-sur-Loire,Fresne-sur-Loire",
        "10,1955-03-31,COM,01004,1,AMBERIEU,Ambérieu,Ambérieu,COM,01004,1,AMBERIEU EN BUGEY,Ambérieu-en-Bugey,"
        "Ambérieu-en-Bugey",
    ]
    path = tmp_path / "v_mvt_commune_2017.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    ends = {v.code: v for v in cog_history.mvt_ends(cog_history.read_mvt(path), "test")}
    assert set(ends) == {"50600", "44060"}  # Beaumont-Hague keeps its code, a name change ends nothing
    assert (ends["50600"].end, ends["50600"].successors) == (date(2017, 1, 1), ["50041"])
    assert (ends["44060"].end, ends["44060"].successors, ends["44060"].mod) == (date(2016, 1, 1), ["49382"], 41)


def test_report_figures(capsys):
    """Events by type and dated / undated versions (printed for the closing report)."""
    classes = Counter(cog_history.event_class(int(r["MOD"])).rsplit("#", 1)[-1].rstrip(">") for r in historiq())
    versions = cog_history.build(DATA).events()
    assert sum(classes.values()) == len(historiq()) and versions["dated"] > 0 and versions["undated"] > 0
    print(dict(classes), versions)


def test_shapes_catch_a_broken_version_event_and_csvw_column(tmp_path):
    """shapes/cog_history.ttl and shapes/generic.ttl on the real lifted graphs: conform as lifted; an event
    stripped of its date (without the unknown-date flag), a version with two communes of today and a column
    whose resolved share exceeds 1 are each a violation of the fast engine."""
    from graph_service.shacl.shape_sets import ENGINES, SHAPES_DIR
    ctx, results = lift("tab-georef-communes-bordeaux-metropole")
    history = [results[n].nquads for n in results if n.startswith("cog-historique")]
    table = results["tab-georef-communes-bordeaux-metropole"].nquads
    fast = ENGINES["fast"]
    assert fast([SHAPES_DIR / "cog_history.ttl"], history)[0] == []
    assert fast([SHAPES_DIR / "generic.ttl"], [table])[0] == []
    text = history[0].read_text(encoding="utf-8")
    version = f"<{BASE}/id/commune-version/50600/2017-01-01>"
    event_date = next(line for line in text.splitlines() if "<http://rdf.insee.fr/def/geo#date>" in line)
    broken = text.replace(event_date + "\n", "", 1).replace(
        f"{version} <https://w3id.org/bercy-graph/def#communeActuelle>",
        f"{version} <https://w3id.org/bercy-graph/def#communeActuelle> <{BASE}/id/commune/50001> <{BASE}/graph/x> .\n"
        f"{version} <https://w3id.org/bercy-graph/def#communeActuelle>", 1)
    path = tmp_path / "history.nq"
    path.write_text(broken, encoding="utf-8")
    found = fast([SHAPES_DIR / "cog_history.ttl"], [path, *history[1:]])[0]
    assert {r.focus for r in found} >= {version[1:-1], event_date.split(" ", 1)[0][1:-1]}
    share = next(line for line in table.read_text(encoding="utf-8").splitlines() if "#resolvedShare>" in line)
    path = tmp_path / "table.nq"
    path.write_text(table.read_text(encoding="utf-8").replace(share, re.sub(r'"[0-9.]+"', '"1.5000"', share)),
                    encoding="utf-8")
    assert len(fast([SHAPES_DIR / "generic.ttl"], [path])[0]) == 1
