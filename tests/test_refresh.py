"""`bercy-graph refresh`: only the graphs whose inputs changed are lifted again, the service answers
throughout, one refresh at a time, and a failed refresh leaves the served graph as it was.

The sources are real (the régions, départements and two DECP 2019 feeds); the change is one contract
taken out of a copy of a feed, so what the refresh must report is known from the file.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
import requests

from dataclasses import replace

from graph_service import cli, snapshot
from graph_service.harvest.config import parse
from graph_service.build.pipeline import BuildError, build
from graph_service.build.refresh import LOCKED, exclusive, refresh
from graph_service.config import Settings
from graph_service.store import GraphStore
from mappings import cog, cog_history, decp_v1
from mappings.registry import GENERIC_SOURCES

from .conftest import BASE, DATA
from .fake_portal import MEF_ORG, SIGNALCONSO, FakePortal
from .serving import running_server

SIGNALCONSO_UDATA = "61c0aa40f71e0c08fefa5a47"

SOURCES = [*cog.SOURCES[:2], *decp_v1.SOURCES[:2]]
FEED = decp_v1.SOURCES[0]


@pytest.fixture
def built(tmp_path) -> Settings:
    """A first build of a private copy of the sources' files."""
    data = tmp_path / "data"
    for source in SOURCES:
        (data / source.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / source.path, data / source.path)
    for support in ("decp/schema", "referentials/cog2025"):   # the feeds' schema, the countries they name
        shutil.copytree(DATA / support, data / support, dirs_exist_ok=True)
    settings = Settings(base=BASE, data_dir=data, home=tmp_path / "home")
    build(settings, SOURCES, progress=False, validate=False)
    return settings


def drop_first_contract(settings: Settings) -> dict:
    """Take the feed's first record out of the copy; returns it."""
    path = settings.data_dir / FEED.path
    feed = json.loads(path.read_text(encoding="utf-8"))
    gone = feed["marches"].pop(0)
    path.write_text(json.dumps(feed, ensure_ascii=False), encoding="utf-8")
    return gone


def test_a_refresh_lifts_again_only_the_changed_feed_and_says_what_changed(built):
    unchanged = refresh(built, SOURCES, progress=False, validate=False).report
    assert all(s["reused"] for s in unchanged.sources) and unchanged.changes == []
    gone = drop_first_contract(built)
    report = refresh(built, SOURCES, progress=False, validate=False).report
    assert {s["source"] for s in report.sources if not s["reused"]} == {FEED.name}
    changes = {c["graph"]: c for c in report.changes}
    assert changes[FEED.name]["removed"] == {"contrat": 1} and changes[FEED.name]["added"] == {}
    # its supplier, named by no other contract, leaves the one organisations graph with it
    others = {t["id"] for source in SOURCES[2:]
              for m in json.loads((built.data_dir / source.path).read_text(encoding="utf-8"))["marches"]
              for t in m.get("titulaires", [])}
    alone = [t for t in gone["titulaires"] if t["id"] not in others]
    assert changes["organisations"]["removed"].get("etablissement", 0) == len(alone) == 1
    assert set(changes) == {FEED.name, "organisations"}
    rows = {s["source"]: s for s in report.sources}
    assert rows[FEED.name]["rows"] == len(json.loads((DATA / FEED.path).read_text(encoding="utf-8"))["marches"]) - 1
    # the graph served is the refreshed one: the contract is gone, the other feed's contracts are all there
    store = GraphStore.current(built)
    ask = f'ASK {{ GRAPH <{BASE}/graph/{FEED.name}> {{ ?c <http://purl.org/dc/terms/identifier> "{gone["id"]}" }} }}'
    assert not store.ask(ask)
    counts = {s["source"]: s["triples"] for s in unchanged.sources}
    assert rows[SOURCES[-1].name]["triples"] == counts[SOURCES[-1].name]


def test_queries_and_pages_keep_answering_during_a_refresh(built):
    drop_first_contract(built)
    failures: list[str] = []
    answered = 0
    stop = threading.Event()
    # a worker slot is waited for as long as a loaded CI machine needs: a 503 here would be the queue's
    # bound (tested elsewhere), not the refresh
    with running_server(built, "--queue-wait", "60") as url:
        def read() -> None:
            nonlocal answered
            while not stop.is_set():
                for path, params in (("/sparql", {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}),
                                     ("/id/region/84", {}), ("/feed", {})):
                    response = requests.get(url + path, params=params, timeout=60)
                    answered += 1
                    if response.status_code != 200:
                        failures.append(f"{path}: {response.status_code} {response.text[:200]}")
        readers = [threading.Thread(target=read) for _ in range(3)]
        for thread in readers:
            thread.start()
        try:
            report = refresh(built, SOURCES, progress=False, validate=False).report
        finally:
            stop.set()
            for thread in readers:
                thread.join()
        after = requests.get(url + "/feed", timeout=60).text
    assert failures == [] and answered > 0
    assert report.build_id in after          # the new build's changes are served once it is swapped in


def test_one_refresh_at_a_time_and_cron_is_told_so(built, monkeypatch):
    monkeypatch.setenv("BERCY_GRAPH_HOME", str(built.home))
    monkeypatch.setenv("BERCY_GRAPH_DATA", str(built.data_dir))
    with exclusive(built.home):
        assert cli.main(["refresh", "--quiet"]) == LOCKED


def test_a_failed_refresh_leaves_the_served_graph_as_it_was(built):
    before = GraphStore.current(built).version()
    (built.data_dir / FEED.path).write_text('{"marches": [', encoding="utf-8")   # a truncated download
    with pytest.raises(BuildError):
        refresh(built, SOURCES, progress=False, validate=False)
    assert GraphStore.current(built).version() == before


# -- end to end: harvest -> build -> serve -> refresh -> feed, against a fake portal ------------------------
BASE_FILES = ("referentials/cog2025/cog2025_regions.csv", "referentials/cog2025/cog2025_departments.csv",
              "budget/plf2025_depenses_selon_destination_ods_export.csv", "tabular/signalconso_subset.csv")


def small_snapshot(folder: Path) -> Path:
    """The embedded snapshot cut to a few files (the régions, départements, the PLF and SignalConso files,
    the two the fake portal publishes), with their entries of the embedded manifest."""
    manifest = snapshot.load(DATA)
    for path in BASE_FILES:
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / path, folder / path)
    snapshot.save(folder, replace(manifest, files=[f for f in manifest.files if f.path in BASE_FILES]))
    return folder


def test_harvest_build_serve_refresh_and_feed_against_a_portal(tmp_path):
    portal = FakePortal().start()
    try:
        config = parse({"policy": {"timeout": 5, "retries": 1, "backoff": 0.01},
                        "opendatasoft": {"url": portal.url, "datasets": [{"slug": "plf25-depenses-2025-selon-destination"}]},
                        "udata": {"url": portal.url, "organizations": [MEF_ORG], "datasets": [SIGNALCONSO_UDATA]}})
        settings = Settings(base=BASE, data_dir=small_snapshot(tmp_path / "data"), home=tmp_path / "home")
        first = refresh(settings, progress=False, validate=False, harvest_config=config)
        assert first.harvest.exit_code == 0 and first.report.changes
        graphs = {s["source"]: s for s in first.report.sources}
        signalconso = next(name for name, s in graphs.items() if s["file"] == "tabular/signalconso_subset.csv")
        # the harvested copy took the embedded file's place: same graph, the portal's bytes
        served = (settings.home / "snapshot-overlay" / "tabular" / "signalconso_subset.csv").read_bytes()
        assert served == SIGNALCONSO.read_bytes() and graphs[signalconso]["rows"] == len(data_rows(served))

        lines = SIGNALCONSO.read_bytes().splitlines(keepends=True)
        portal.set_resource(SIGNALCONSO_UDATA, b"".join(lines[:-10]), "2026-12-07T00:00:00")   # 10 reports withdrawn
        with running_server(settings, "--queue-wait", "60") as url:
            second = refresh(settings, progress=False, validate=False, harvest_config=config)
            feed = requests.get(f"{url}/feed", timeout=60).text
            news = requests.get(f"{url}/nouveautes", timeout=60).text
        relifted = {s["source"] for s in second.report.sources if not s["reused"]}
        assert relifted == {signalconso}
        [change] = [c for c in second.report.changes if c["graph"] == signalconso]
        assert not change["added"]
        assert change["removed"] == {"row": 10}              # each row of the table is a record
        assert second.report.build_id in feed and "10 lignes supprimées" in news
    finally:
        portal.stop()


def data_rows(body: bytes) -> list[bytes]:
    return [line for line in body.splitlines()[1:] if line.strip()]


def test_a_table_lifted_again_after_a_reused_history_links_former_codes_as_a_full_build_does(tmp_path):
    """The georef communes table (68 codes resolved only through the commune history) changes; the COG and
    its history are reused from the lift cache: the table's links, through history too, are those a full
    build of the same files makes."""
    georef = next(s for s in GENERIC_SOURCES if s.name == "tab-georef-communes")
    sources = [*cog.SOURCES, *cog_history.SOURCES, georef]
    data = tmp_path / "data"
    for path in {s.path for s in sources} | {p for s in sources for p in s.reads_also}:
        (data / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / path, data / path)
    refreshed = Settings(base=BASE, data_dir=data, home=tmp_path / "refreshed")
    build(refreshed, sources, progress=False, validate=False)
    table = data / georef.path
    lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
    table.write_text("".join(lines[:-1]), encoding="utf-8")          # one commune less
    again = refresh(refreshed, sources, progress=False, validate=False).report
    assert {s["source"] for s in again.sources if not s["reused"]} == {georef.name}
    fresh = build(Settings(base=BASE, data_dir=data, home=tmp_path / "fresh"), sources, progress=False,
                  validate=False)
    mine = [c for c in again.coverage if c["source"] == georef.name]
    assert mine == [c for c in fresh.coverage if c["source"] == georef.name]
    assert any(c["through_history"] for c in mine)
