"""Snapshots: the embedded manifest holds for data/, and a build lifts the files of a snapshot as its manifest
describes them — a new file of a known kind with no code, an unknown table generically (and said so), an
unreadable file reported, a replaced file under the manifest's title, a checksum mismatch as one message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from graph_service.build.pipeline import BuildError, build
from graph_service.cli import main
from graph_service.config import Settings
from graph_service.snapshot import (FORMAT, Dataset, FileEntry, Manifest, Resource, SnapshotError, load, save,
                                    sha256, verify)
from graph_service.snapshot_describe import SUPPORT, data_files
from graph_service.store import GraphStore
from mappings.registry import SOURCES

from .conftest import BASE, DATA

DECP_2019 = "decp/decp_v1_e-marchespublics_2019-04-03.json"
PES = "decp/decp_v1_data.gouv.fr_pes_2019-04-05.json"
AIFE = "decp/decp_v1_data.gouv.fr_aife_2019-04-04_subset1000.json"
NEW_FEED = "decp/decp_v1_pes_premiers-50.json"
UNKNOWN = "autres/sirene-v3_etablissements.csv"
UNREADABLE = "autres/decp_marche_exemple.xml"
RETRIEVED = "2026-12-06T22:00:00+00:00"
PROV = "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dct: <http://purl.org/dc/terms/> "


def test_embedded_manifest_lists_every_data_file_and_its_checksums_hold():
    manifest = load(DATA)
    assert manifest.format == FORMAT and manifest.complete
    listed = [f.path for f in manifest.files]
    on_disk = sorted(p.relative_to(DATA).as_posix() for p in DATA.rglob("*") if p.is_file())
    left_out = [p for p in on_disk if p not in listed]
    # only documentation, the manifest itself and the support files the mappings read beside the data
    assert all(p.endswith(".md") or p == "manifest.json" or p.startswith(SUPPORT) for p in left_out), left_out
    assert sorted(listed) == data_files(DATA)
    verify(DATA, manifest)  # sizes and SHA-256 of every file
    raw = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
    assert set(raw) == {"format", "id", "created", "complete", "files"}
    assert set(raw["files"][0]) == {"path", "sha256", "size", "media_type", "portal", "dataset", "resource",
                                    "retrieved", "http", "kind"}


def test_every_embedded_source_file_is_in_the_manifest_with_a_kind():
    """The 50 wired files: each is listed, with the kind of the mapping that lifts it."""
    entries = {f.path: f for f in load(DATA).files}
    for source in SOURCES:
        if source.name.startswith("eu-"):  # EU tables: support files of the catalog mapping
            continue
        assert entries[source.path].kind, source.path


def test_embedded_manifest_takes_dataset_metadata_from_the_catalog_export():
    """PLF 2025 by destination: what data.gouv.fr's catalog export says of data.economie's dataset."""
    import csv

    entry = next(f for f in load(DATA).files if f.path == "budget/plf2025_depenses_selon_destination_ods_export.csv")
    with (DATA / "catalog/datagouv_export_harvested_from_data-economie-gouv-fr.csv").open(encoding="utf-8") as h:
        row = next(r for r in csv.DictReader(h, delimiter=";") if r["harvest.remote_url"].endswith(
            "/plf25-depenses-2025-selon-destination/"))
    assert entry.dataset.title == row["title"] and entry.dataset.frequency == row["frequency"]
    assert entry.dataset.slug == "plf25-depenses-2025-selon-destination"
    assert entry.dataset.id is None  # data.economie's dataset_uid is not in data/: null, not guessed


def embedded_entry(path: str) -> FileEntry:
    return next(f for f in load(DATA).files if f.path == path)


def entry_for(folder: Path, path: str, title: str, url: str | None = None, kind: str | None = None) -> FileEntry:
    file = folder / path
    return FileEntry(path=path, sha256=sha256(file), size=file.stat().st_size, media_type=None,
                     portal=None, dataset=Dataset(), resource=Resource(title=title, url=url),
                     retrieved=RETRIEVED, kind=kind)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    """A small snapshot: one embedded DECP 2019 feed as it is; a 4th feed of the same schema (the first 50
    records of the real PES feed) under its own resource; the AIFE file's place taken by the next 30 PES
    records; a table of no known kind (real SIRENE v3 rows); an XML file nothing reads."""
    folder = tmp_path_factory.mktemp("snapshot")
    (folder / "decp").mkdir()
    (folder / "autres").mkdir()
    shutil.copy(DATA / DECP_2019, folder / DECP_2019)
    records = json.loads((DATA / PES).read_text(encoding="utf-8"))["marches"]
    (folder / NEW_FEED).write_text(json.dumps({"marches": records[:50]}, ensure_ascii=False), encoding="utf-8")
    (folder / AIFE).write_text(json.dumps({"marches": records[50:80]}, ensure_ascii=False), encoding="utf-8")
    shutil.copy(DATA / "tabular/sirene-v3_StockEtablissement_head3_sirene_as_api-fixture.csv", folder / UNKNOWN)
    shutil.copy(DATA / "decp/schema/examples_v2/Marche.xml", folder / UNREADABLE)
    files = [
        embedded_entry(DECP_2019),
        entry_for(folder, NEW_FEED, "DECP 2019 — flux PES, 50 premiers marchés", url="http://127.0.0.1:9/pes-50.json"),
        entry_for(folder, AIFE, "DECP 2019 — flux PES, marchés 51 à 80 (à la place du flux AIFE)"),
        entry_for(folder, UNKNOWN, "SIRENE v3 — établissements (3 lignes)"),
        entry_for(folder, UNREADABLE, "Exemple officiel de marché DECP (XML)"),
    ]
    save(folder, Manifest(id="test-snapshot", created=RETRIEVED, files=files))
    return folder


@pytest.fixture(scope="module")
def built(snapshot: Path, tmp_path_factory):
    settings = Settings(base=BASE, data_dir=snapshot, home=tmp_path_factory.mktemp("home"))
    report = build(settings, progress=False, validate=False)
    return report, GraphStore.current(settings)


def graph_of(report, path: str) -> str:
    return next(b["graph"] for b in report.snapshot["bound"] if b["file"] == path)


def title_and_origin(store: GraphStore, graph: str) -> dict:
    rows = store.select(PROV + f"""SELECT ?title ?url ?retrieved ?snapshot WHERE {{ GRAPH <{BASE}/graph/provenance> {{
        <{BASE}/graph/{graph}> dct:title ?title ; prov:wasDerivedFrom ?file .
        OPTIONAL {{ ?file prov:hadPrimarySource ?url }} OPTIONAL {{ ?file prov:generatedAtTime ?retrieved }}
        OPTIONAL {{ ?snapshot prov:hadMember ?file }} }} }}""")
    assert len(rows) == 1, rows
    return rows[0]


def contracts_in(store: GraphStore, graph: str) -> int:
    (row,) = store.select(f"""PREFIX bg: <{BASE}/ontology#>
        SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{BASE}/graph/{graph}> {{ ?s ?p ?o }} }}""")
    return int(row["n"])


def test_a_fourth_decp_feed_is_lifted_into_its_own_graph_with_its_own_title_and_provenance(built):
    report, store = built
    by_file = {b["file"]: b for b in report.snapshot["bound"]}
    assert by_file[NEW_FEED]["kind"] == "decp-2019-json" and by_file[NEW_FEED]["how"] == "content"
    graph = by_file[NEW_FEED]["graph"]
    assert graph not in {s.name for s in SOURCES}
    summary = next(s for s in report.sources if s["source"] == graph)
    assert summary["file"] == NEW_FEED and summary["rows"] == 50 and summary["lifted"] + summary["rejected"] == 50
    assert summary["lifted"] > 0 and contracts_in(store, graph) > 0
    origin = title_and_origin(store, graph)
    assert origin["title"] == "DECP 2019 — flux PES, 50 premiers marchés"
    assert origin["url"] == "http://127.0.0.1:9/pes-50.json"
    assert origin["retrieved"].startswith("2026-12-06T22:00:00")
    assert origin["snapshot"] == f"{BASE}/snapshot/test-snapshot"
    # the embedded feed beside it keeps its graph name and its manifest title
    assert by_file[DECP_2019]["graph"] == "decp-2019-e-marchespublics"
    assert title_and_origin(store, "decp-2019-e-marchespublics")["title"] == embedded_entry(DECP_2019).title


def test_a_file_put_in_place_of_another_gets_the_manifest_title_not_the_old_one(built):
    report, store = built
    graph = graph_of(report, AIFE)
    assert graph == "decp-2019-aife"  # the graph name of the path is kept: queries use it
    old = next(s for s in SOURCES if s.name == graph)
    title = title_and_origin(store, graph)["title"]
    assert title == "DECP 2019 — flux PES, marchés 51 à 80 (à la place du flux AIFE)" != old.title
    assert next(s for s in report.sources if s["source"] == graph)["rows"] == 30


def test_a_file_of_no_known_kind_is_lifted_generically_and_named_in_the_report(built):
    report, store = built
    (generic,) = report.snapshot["generic"]
    assert generic["file"] == UNKNOWN
    summary = next(s for s in report.sources if s["source"] == generic["graph"])
    assert summary["rows"] == summary["lifted"] == 3
    assert title_and_origin(store, generic["graph"])["title"] == "SIRENE v3 — établissements (3 lignes)"


def test_an_unreadable_file_is_reported_with_its_reason(built, capsys):
    report, _ = built
    assert [u["file"] for u in report.snapshot["unreadable"]] == [UNREADABLE]
    assert ".xml" in report.snapshot["unreadable"][0]["reason"]
    from graph_service.cli import snapshot_lines
    text = "\n".join(snapshot_lines(report.snapshot))
    assert UNKNOWN in text and UNREADABLE in text and "lifted generically" in text


def test_a_checksum_mismatch_stops_the_build_with_one_clear_message(snapshot, tmp_path, monkeypatch, capsys):
    broken = tmp_path / "broken"
    shutil.copytree(snapshot, broken)
    with (broken / DECP_2019).open("r+b") as handle:   # same size, one byte changed
        handle.seek(100)
        byte = handle.read(1)
        handle.seek(100)
        handle.write(b"X" if byte != b"X" else b"Y")
    with pytest.raises(BuildError, match=r"decp_v1_e-marchespublics_2019-04-03\.json: SHA-256 .* the manifest says"):
        build(Settings(base=BASE, data_dir=broken, home=tmp_path / "home"), progress=False, validate=False)
    monkeypatch.setenv("BERCY_GRAPH_HOME", str(tmp_path / "home"))
    assert main(["build", "--quiet", "--snapshot", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "does not match its manifest" in err and "Traceback" not in err
    assert not (tmp_path / "home" / "stores").exists() or not any((tmp_path / "home" / "stores").iterdir())


def test_a_missing_or_foreign_manifest_is_one_message(tmp_path):
    with pytest.raises(SnapshotError, match="no manifest"):
        load(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": "other/2", "files": []}', encoding="utf-8")
    with pytest.raises(SnapshotError, match="not a bercy-graph-snapshot/1 manifest"):
        load(tmp_path)


def test_save_then_load_gives_the_same_manifest(tmp_path):
    manifest = load(DATA)
    save(tmp_path, manifest)
    assert load(tmp_path) == manifest
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]  # no temporary file left
