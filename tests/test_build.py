"""The build: every record accounted for, clear errors on bad input, atomic swap, stable IRIs."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from graph_service.build.pipeline import BuildError, build, lift_source
from graph_service.cli import main
from graph_service.config import Settings
from graph_service.snapshot import load, save
from graph_service.snapshot_describe import describe
from graph_service.store import GraphStore
from mappings import cog, procurement_codes
from mappings.iri import Minter
from mappings.registry import GENERIC_SOURCES, SOURCES
from mappings.source import Context

from .conftest import BASE, DATA
from .test_oracles import EU_CODES

REGIONS, DEPARTEMENTS = cog.SOURCES[0], cog.SOURCES[1]


def small_settings(tmp_path: Path, data: Path = DATA) -> Settings:
    return Settings(base=BASE, data_dir=data, home=tmp_path / "home")


def copy_data(tmp_path: Path, *paths: str) -> Path:
    """A private data directory with copies of some source files (to break them)."""
    data = tmp_path / "data"
    for path in paths:
        (data / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / path, data / path)
    return data


def test_every_row_is_lifted_or_rejected(built):
    for source in built.sources:
        assert source["rows"] == source["lifted"] + source["rejected"], source["source"]
    generic = {g["graph"] for g in built.snapshot["generic"]}
    assert {s["source"] for s in built.sources} == {s.name for s in SOURCES} | generic


def test_no_file_of_the_snapshot_is_left_out_in_silence(built):
    """Every file of data/manifest.json is lifted: by its mapping, or generically and named in the report
    (the PLF 2025 missions/programmes table, which no mapping reads, since manifests)."""
    files = {b["file"] for b in built.snapshot["bound"] if b["file"]}  # None: the catalog's EU tables
    assert files == {f.path for f in load(DATA).files} and built.snapshot["unreadable"] == []
    assert {b["graph"] for b in built.snapshot["bound"]} == {s["source"] for s in built.sources}
    assert {g["file"] for g in built.snapshot["generic"]} == {s.path for s in GENERIC_SOURCES} | {
        "budget/plf2025_budget_general_missions_programmes.csv"}


def test_rows_read_match_the_source_files(built):
    for source in SOURCES:
        reader = getattr(source.read, "func", source.read)  # a partial of read_csv, or a reader of its own
        if source.path.endswith(".csv") and reader.__name__ == "read_csv":
            delimiter = source.read.keywords.get("delimiter", ",")
            with (DATA / source.path).open(encoding="utf-8-sig", newline="") as handle:
                expected = sum(1 for _ in csv.DictReader(handle, delimiter=delimiter))
            summary = next(s for s in built.sources if s["source"] == source.name)
            assert summary["rows"] == expected, source.name


def test_each_source_has_its_named_graph_with_provenance(store, built):
    graphs = store.named_graphs()
    for source in SOURCES:
        assert f"{BASE}/graph/{source.name}" in graphs
    rows = store.select("""
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX bg: <https://w3id.org/bercy-graph/def#>
        PREFIX spdx: <http://spdx.org/rdf/terms#>
        SELECT ?g ?rows ?sum WHERE { ?g prov:wasDerivedFrom ?file ; bg:rowsRead ?rows .
          ?file spdx:checksum/spdx:checksumValue ?sum }""")
    by_graph = {r["g"]: r for r in rows}
    for summary in built.sources:
        row = by_graph[f"{BASE}/graph/{summary['source']}"]
        assert int(row["rows"]) == summary["rows"]
        assert len(row["sum"]) == 64


def test_malformed_rows_and_unknown_codes_are_quarantined_with_file_line_and_field(tmp_path):
    data = copy_data(tmp_path, REGIONS.path, DEPARTEMENTS.path)
    path = data / DEPARTEMENTS.path
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = "02,Aisne\n"                                    # too few fields
    fields = lines[3].split(",")
    fields[12] = "XX"                                          # unknown région code
    lines[3] = ",".join(fields)
    path.write_text("".join(lines), encoding="utf-8")
    ctx = Context(Minter(BASE), data)
    lift_source(REGIONS, ctx, tmp_path, progress=False)
    result = lift_source(DEPARTEMENTS, ctx, tmp_path, progress=False)
    assert result.rows == 101 and result.lifted == 100 and len(result.rejected) == 1
    assert result.rows == result.lifted + len(result.rejected)
    rejected = result.rejected[0]
    assert (rejected.file, rejected.line, rejected.field) == (DEPARTEMENTS.path, 3, "(row)")
    assert "2 fields where the header has 15" in rejected.reason
    # the unknown région code is not a dangling link: it is counted as unresolved
    assert ctx.unresolved[("cog-departements", "region", "XX")] == 1
    assert ctx.first_line[("cog-departements", "region", "XX")] == 4


def test_bad_files_give_one_clear_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    data = copy_data(tmp_path, REGIONS.path)
    path = data / REGIONS.path
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    save(data, describe(data))  # a snapshot whose manifest holds (its checksums are the broken file's)
    monkeypatch.setenv("BERCY_GRAPH_DATA", str(data))
    monkeypatch.setenv("BERCY_GRAPH_HOME", str(tmp_path / "home"))
    assert main(["build", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert str(path) in err and "wrong separator: expected ',', the header uses ';'" in err
    assert "Traceback" not in err

    path.write_bytes("code,name\n84,Auvergne-Rh\xf4ne\n".encode("latin-1"))
    save(data, describe(data))
    assert main(["build", "--quiet"]) == 1
    assert f"{path}, line 2: not utf-8-sig text" in capsys.readouterr().err

    path.unlink()
    assert main(["build", "--quiet"]) == 1
    assert f"{REGIONS.path}: listed in the manifest but missing" in capsys.readouterr().err


def test_a_failed_build_leaves_the_previous_graph_intact(tmp_path):
    settings = small_settings(tmp_path, copy_data(tmp_path, REGIONS.path, DEPARTEMENTS.path))
    build(settings, [REGIONS, DEPARTEMENTS], progress=False, validate=False)
    before = GraphStore.current(settings)
    regions_before = before.select("SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://rdf.insee.fr/def/geo#Region> }")
    (settings.data_dir / DEPARTEMENTS.path).unlink()
    with pytest.raises(BuildError, match="file not found"):
        build(settings, [REGIONS, DEPARTEMENTS], progress=False, validate=False)
    after = GraphStore.current(settings)
    assert after.path == before.path
    assert after.select("SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://rdf.insee.fr/def/geo#Region> }") \
        == regions_before == [{"n": "18"}]
    assert [p.name for p in settings.store_root.glob("build-*")] == [before.path.name]


def test_same_input_same_iris(tmp_path):
    subjects = []
    for run in ("a", "b"):
        settings = small_settings(tmp_path / run)
        build(settings, [REGIONS, DEPARTEMENTS], progress=False, validate=False)
        store = GraphStore.current(settings)
        subjects.append({r["s"] for r in store.select("SELECT DISTINCT ?s WHERE { ?s ?p ?o }")
                         if "/id/" in r["s"]})
    assert subjects[0] == subjects[1]
    assert f"{BASE}/id/departement/2A" in subjects[0]


#: The ';'-separated files of data/ (the others are ',', the raw DVF '|'), by hand from their first lines.
SEMICOLON = {"budget/plf2025_depenses_selon_destination_ods_export.csv",
             "local_accounts/ofgl_base_communes_2024_dept971_guadeloupe.csv",
             "catalog/datagouv_export_harvested_from_data-economie-gouv-fr.csv",
             *(f"tabular/{name}" for name in (
                 "signalconso_subset.csv", "georef-france-commune_public-opendatasoft_export_2cols.csv",
                 "georef-france-commune_public-opendatasoft_export_bordeaux-metropole.csv",
                 "georef-france-departement_public-opendatasoft_export.csv",
                 "sirene-etablissements_marseille-5630Z_public-opendatasoft_export_2017.csv"))}


def records_in_file(path: str) -> int:
    """Records of a data file, counted with csv/json: CSV rows (quoted line breaks kept), JSON marchés."""
    file = DATA / path
    if file.suffix == ".json":
        document = json.loads(file.read_text(encoding="utf-8"))
        return len(document if isinstance(document, list) else document["marches"])
    if file.suffix == ".zip":   # the fuel prices feed: one XML file, a record per station (<pdv>)
        with zipfile.ZipFile(file) as archive, archive.open(archive.namelist()[0]) as xml:
            return sum(1 for _, element in ElementTree.iterparse(xml) if element.tag == "pdv")
    if path.endswith("historiq2017.txt"):   # INSEE's COG history: tab-separated, Latin-1
        with file.open(encoding="latin-1", newline="") as handle:
            return sum(1 for _ in csv.DictReader(handle, delimiter="\t"))
    delimiter = "|" if file.suffix == ".txt" else ";" if path in SEMICOLON else ","
    with file.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle, delimiter=delimiter))


def test_every_source_reads_every_record_of_its_file(built):
    """Rows read, per source, against the file itself: every source, whatever its reader (the EU
    tables have one record per code the catalog can state, tests/test_oracles.py)."""
    expected = {s.name: records_in_file(s.path) for s in SOURCES if not s.name.startswith("eu-")}
    expected |= {s.name: len(EU_CODES[s.name]) if s.name in EU_CODES else "its codes, by hand, in EU_CODES"
                 for s in SOURCES if s.name.startswith("eu-")}
    # the procurement code lists: one record per procedure of our scheme, per row of the EU genericode files
    expected |= {"type-procedure-decp": len(procurement_codes.PROCEDURES),
                 "contract-nature": len(procurement_codes.genericode(DATA / procurement_codes.NATURE_FILE)),
                 "nuts3-departements": len(procurement_codes.genericode(DATA / procurement_codes.NUTS_FILE))}
    expected |= {g["graph"]: records_in_file(g["file"]) for g in built.snapshot["generic"]
                 if g["graph"] not in expected}
    assert {s["source"]: s["rows"] for s in built.sources} == expected
