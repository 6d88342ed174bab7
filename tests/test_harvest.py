"""`bercy-graph harvest` against a fake Opendatasoft + udata portal (tests/fake_portal.py), faults included.

Each fault test says what the user sees (the outcome line, the exit code) and checks that nothing
already harvested is lost: the previous snapshot is untouched and the failed dataset's files are carried.
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from graph_service import cli
from graph_service.harvest import records, udata
from graph_service.harvest.config import parse
from graph_service.harvest.run import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, harvest
from graph_service.harvest.snapshot_writer import latest
from tests.fake_portal import (
    INSEE_HISTORY,
    MEF_ORG,
    PLF25,
    SIGNALCONSO,
    SIGNALCONSO_RESOURCE,
    FakePortal,
)

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
SIGNALCONSO_UDATA = "61c0aa40f71e0c08fefa5a47"
PLF_EXPORT = "/api/explore/v2.1/catalog/datasets/plf25-depenses-2025-selon-destination/exports/"
SC_EXPORT = "/api/explore/v2.1/catalog/datasets/signalconso/exports/"
CATALOG = "/api/explore/v2.1/catalog/datasets"


@pytest.fixture
def portal():
    p = FakePortal().start()
    yield p
    p.stop()


def config(portal: FakePortal, ods: bool = True, udata_: bool = True, plain: bool = True, **policy):
    raw: dict = {"policy": {"timeout": 0.5, "retries": 2, "backoff": 0.01, "max_wait": 30} | policy}
    if ods:
        raw["opendatasoft"] = {"url": portal.url, "datasets": [
            {"slug": "plf25-depenses-2025-selon-destination"}, {"uid": "da_mef_signalconso", "key": "id"}]}
    if udata_:
        raw["udata"] = {"url": portal.url, "organizations": [MEF_ORG], "datasets": [SIGNALCONSO_UDATA]}
    if plain:
        raw["resources"] = [{"id": "insee-mouvements-communes", "title": "Mouvements des communes",
                             "url": portal.url + "/insee/v_mvt_commune.csv", "format": "txt"}]
    return parse(raw)


class Sleeps(list):
    """Records the waits the client asks for, without waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def run(portal, root, cfg=None, at=T0, **kw):
    out = io.StringIO()
    sleeps = Sleeps()
    result = harvest(cfg or config(portal), root, stream=out, now=lambda: at, sleep=sleeps, **kw)
    return result, out.getvalue(), sleeps


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_json(snapshot: Path) -> dict:
    """The manifest as written on disk (what another tool reading the snapshot sees)."""
    return json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))


def files(snapshot: Path) -> dict[str, dict]:
    return {f["path"]: f for f in manifest_json(snapshot)["files"]}


def by_dataset(result, dataset: str):
    return next(o for o in result.outcomes if o.dataset == dataset)


def snapshot_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# -- a plain harvest --------------------------------------------------------------------------------
def test_a_harvest_writes_a_snapshot_of_the_real_files_with_the_manifest_layout(portal, tmp_path):
    result, out, _ = run(portal, tmp_path)
    assert result.exit_code == EXIT_OK and result.complete
    manifest = manifest_json(result.snapshot)
    assert set(manifest) == {"format", "id", "created", "complete", "files"}
    assert manifest["format"] == "bercy-graph-snapshot/1" and manifest["id"] == result.snapshot.name
    assert manifest["created"] == "2026-12-01T06:00:00Z"
    entries = files(result.snapshot)
    for entry in entries.values():
        assert set(entry) == {"path", "sha256", "size", "media_type", "portal", "dataset", "resource",
                              "retrieved", "http", "kind"}
        assert set(entry["dataset"]) == {"id", "slug", "title", "page", "modified", "frequency", "licence"}
        assert set(entry["resource"]) == {"id", "title", "url", "format", "modified", "checksum"}
        assert set(entry["http"]) == {"status", "etag", "last_modified", "content_length"}
        body = (result.snapshot / entry["path"]).read_bytes()
        assert sha256(body) == entry["sha256"] and len(body) == entry["size"]
    plf = entries["opendatasoft/da_mef_plf25/plf25-depenses-2025-selon-destination.csv"]
    assert plf["sha256"] == sha256(PLF25.read_bytes())      # the real export, byte for byte
    assert plf["dataset"]["title"] == "PLF 2025 - Dépenses 2025 selon destination"
    assert plf["resource"]["url"].endswith("/exports/csv") and plf["http"]["status"] == 200
    sc = entries[f"udata/{SIGNALCONSO_UDATA}/{SIGNALCONSO_RESOURCE}.csv"]
    assert sc["resource"]["checksum"] == {"type": "sha1", "value": hashlib.sha1(SIGNALCONSO.read_bytes()).hexdigest()}
    assert sc["dataset"]["frequency"] == "daily" and sc["dataset"]["page"].startswith("https://www.data.gouv.fr/")
    insee = entries["resources/insee-mouvements-communes.txt"]
    assert insee["sha256"] == sha256(INSEE_HISTORY.read_bytes())
    # per-record hashes: one line per record of the real file (2404 rows in the PLF 25 export)
    hashes = (result.snapshot / "records" / (plf["path"] + ".hashes.tsv")).read_text().splitlines()
    assert len(hashes) == 2404
    # the catalog metadata of every listed dataset, with the portal's dates and field labels
    catalog = json.loads((result.snapshot / "catalog/ods-datasets.json").read_text())
    world = next(d for d in catalog["datasets"] if d["uid"] == "da_6kvv9v")
    assert world["records_count"] == 256 and world["modified"] == "2021-06-23T14:59:57+00:00"
    assert world["data_processed"] == "2019-05-15T07:49:01+00:00"
    assert {"name": "color_code", "label": "ISO 3 country code", "type": "text",
            "description": "ISO 3 code of the country to which the territory belongs"} in world["fields"]
    org = json.loads((result.snapshot / f"catalog/udata-organization-{MEF_ORG}.json").read_text())
    assert org["complete"] and len(org["datasets"]) == 2
    # how it asked: exports never /records, pages within the API's bounds, a User-Agent naming us
    assert not [p for _, p, _ in portal.requests if "/records" in p]
    assert all("bercy-graph" in h.get("User-Agent", "") for _, _, h in portal.requests)
    assert "[1/4] opendatasoft da_mef_plf25 (PLF 2025 - Dépenses 2025 selon destination): ok" in out


def test_catalog_paging_never_asks_past_the_api_bounds(portal, tmp_path):
    portal.page_size_cap = 1        # the portal answers one dataset per page: 4 pages
    result, _, _ = run(portal, tmp_path, config(portal, udata_=False, plain=False))
    assert result.exit_code == EXIT_OK
    asked = [(int(q["offset"][0]), int(q["limit"][0])) for p, q in portal.queries if p == CATALOG]
    assert asked == [(0, 100), (1, 100), (2, 100), (3, 100)]    # limit <= 100, offset moved by what came
    catalog = json.loads((result.snapshot / "catalog/ods-datasets.json").read_text())
    assert len(catalog["datasets"]) == 4 and catalog["complete"]


# -- the fault matrix -------------------------------------------------------------------------------
def test_500_is_retried_with_back_off(portal, tmp_path):
    portal.fault(PLF_EXPORT, "500", "500")
    result, out, sleeps = run(portal, tmp_path)
    assert result.exit_code == EXIT_OK
    assert "retry 1/2 in 0.0 s" in out and "(HTTP 500)" in out
    assert sleeps[:2] == [0.01, 0.02]          # back-off doubles
    assert files(result.snapshot)["opendatasoft/da_mef_plf25/plf25-depenses-2025-selon-destination.csv"][
        "sha256"] == sha256(PLF25.read_bytes())


def test_a_persistent_500_fails_that_dataset_only_and_keeps_its_previous_file(portal, tmp_path):
    first, _, _ = run(portal, tmp_path)
    before = snapshot_bytes(first.snapshot)
    portal.fault(PLF_EXPORT, *["500"] * 10)
    second, _out, _ = run(portal, tmp_path, at=T0 + timedelta(days=1))
    assert second.exit_code == EXIT_PARTIAL and not second.complete
    plf = by_dataset(second, "da_mef_plf25")
    assert plf.status == "error" and "HTTP 500 after 3 attempts" in plf.line()
    assert f"1 file(s) of snapshot {first.snapshot.name} kept" in plf.line()
    assert by_dataset(second, "da_mef_signalconso").status == "ok"      # the others went on
    old, new = files(first.snapshot), files(second.snapshot)
    assert new.keys() == old.keys()
    key = "opendatasoft/da_mef_plf25/plf25-depenses-2025-selon-destination.csv"
    assert new[key] == old[key]                                          # same entry, same retrieval time
    assert (second.snapshot / key).read_bytes() == PLF25.read_bytes()
    assert snapshot_bytes(first.snapshot) == before                      # the previous snapshot untouched
    assert latest(tmp_path) == first.snapshot                            # builds keep reading it
    assert manifest_json(second.snapshot)["complete"] is False


def test_429_waits_what_retry_after_says(portal, tmp_path):
    portal.fault(SC_EXPORT, ("429", 7))
    result, out, sleeps = run(portal, tmp_path)
    assert result.exit_code == EXIT_OK
    assert 7.0 in sleeps and "(HTTP 429)" in out


def test_a_retry_after_beyond_the_bound_fails_fast_and_keeps_the_previous_file(portal, tmp_path):
    _first, _, _ = run(portal, tmp_path)
    portal.fault(SC_EXPORT, ("429", 86400))
    second, _, sleeps = run(portal, tmp_path, at=T0 + timedelta(days=1))
    assert second.exit_code == EXIT_PARTIAL
    assert "Retry-After 86400 s is beyond the 30 s we wait" in by_dataset(second, "da_mef_signalconso").line()
    assert 86400 not in sleeps
    assert (second.snapshot / "opendatasoft/da_mef_signalconso/signalconso.csv").read_bytes() == SIGNALCONSO.read_bytes()


def test_an_exhausted_quota_waits_for_the_ratelimit_reset(portal, tmp_path):
    portal.fault(CATALOG, ("quota", 5))
    result, out, sleeps = run(portal, tmp_path)
    assert result.exit_code == EXIT_OK
    assert 5.0 in sleeps and "quota exhausted, waiting 5.0 s for X-RateLimit-Reset" in out


def test_a_timeout_is_retried_then_reported(portal, tmp_path):
    portal.fault(SC_EXPORT, ("timeout", 1.0))
    result, out, _ = run(portal, tmp_path, config(portal, timeout=0.2))
    assert result.exit_code == EXIT_OK and "Timeout" in out
    first = result
    portal.fault(SC_EXPORT, *[("timeout", 1.0)] * 3)
    second, _, _ = run(portal, tmp_path, config(portal, timeout=0.2), at=T0 + timedelta(days=1))
    assert second.exit_code == EXIT_PARTIAL
    assert "ConnectionError after 3 attempts" in by_dataset(second, "da_mef_signalconso").line() or \
        "Timeout after 3 attempts" in by_dataset(second, "da_mef_signalconso").line()
    key = "opendatasoft/da_mef_signalconso/signalconso.csv"
    assert files(second.snapshot)[key] == files(first.snapshot)[key]


def test_a_truncated_download_resumes_with_range_and_matches_the_file(portal, tmp_path):
    portal.fault(SC_EXPORT, "truncate")
    result, out, _ = run(portal, tmp_path)
    assert result.exit_code == EXIT_OK
    ranges = [h.get("Range") for _, p, h in portal.requests if p.startswith(SC_EXPORT)]
    half = len(SIGNALCONSO.read_bytes()) // 2
    assert ranges[0] is None and len(ranges) == 2
    kept = int(ranges[1].removeprefix("bytes=").removesuffix("-"))   # the second request asked for the rest only
    assert 0 < kept <= half                                          # (what was written before the cut)
    assert "resume 1/2" in out and f"{kept} bytes kept" in out
    body = (result.snapshot / "opendatasoft/da_mef_signalconso/signalconso.csv").read_bytes()
    assert body == SIGNALCONSO.read_bytes()


def test_a_truncated_udata_resource_resumes_and_is_checked_against_its_checksum(portal, tmp_path):
    portal.fault(f"/fr/datasets/r/{SIGNALCONSO_RESOURCE}", "truncate")
    result, _, _ = run(portal, tmp_path, config(portal, ods=False, plain=False))
    assert result.exit_code == EXIT_OK
    body = (result.snapshot / f"udata/{SIGNALCONSO_UDATA}/{SIGNALCONSO_RESOURCE}.csv").read_bytes()
    assert hashlib.sha1(body).hexdigest() == portal.udata[SIGNALCONSO_UDATA]["resources"][0]["checksum"]["value"]


def test_a_checksum_that_does_not_match_fails_the_resource(portal, tmp_path):
    _first, _, _ = run(portal, tmp_path, config(portal, ods=False, plain=False))
    portal.set_resource(SIGNALCONSO_UDATA, SIGNALCONSO.read_bytes() + b"x;y\n", "2026-12-02T00:00:00")
    portal.udata[SIGNALCONSO_UDATA]["resources"][0]["checksum"]["value"] = "0" * 40   # a wrong declaration
    second, _, _ = run(portal, tmp_path, config(portal, ods=False, plain=False), at=T0 + timedelta(days=1))
    outcome = by_dataset(second, SIGNALCONSO_UDATA)
    assert outcome.status == "error" and "differs from the declared" in outcome.line()
    path = f"udata/{SIGNALCONSO_UDATA}/{SIGNALCONSO_RESOURCE}.csv"
    assert (second.snapshot / path).read_bytes() == SIGNALCONSO.read_bytes()     # the good previous file


def test_a_truncated_catalog_page_fails_the_portal_but_loses_nothing(portal, tmp_path):
    first, _, _ = run(portal, tmp_path, config(portal, udata_=False, plain=False))
    portal.fault(CATALOG, *["truncate"] * 10)
    second, _out, _ = run(portal, tmp_path, config(portal, udata_=False, plain=False), at=T0 + timedelta(days=1))
    assert second.exit_code == EXIT_FAILED                  # nothing could be fetched
    assert "truncated body after 3 attempts" in " ".join(second.problems)
    assert files(second.snapshot) == files(first.snapshot)  # every file carried, entries unchanged
    assert (second.snapshot / "catalog/ods-datasets.json").read_text() == \
        (first.snapshot / "catalog/ods-datasets.json").read_text()
    assert latest(tmp_path) == first.snapshot


def test_invalid_json_is_retried_then_fails_that_dataset_only(portal, tmp_path):
    portal.fault(CATALOG, "badjson")
    result, out, _ = run(portal, tmp_path)
    assert result.exit_code == EXIT_OK and "(invalid JSON)" in out
    portal.fault(f"/api/1/datasets/{SIGNALCONSO_UDATA}/", *["badjson"] * 3)
    second, _, _ = run(portal, tmp_path, at=T0 + timedelta(days=1))
    assert second.exit_code == EXIT_PARTIAL
    assert "invalid JSON after 3 attempts" in by_dataset(second, SIGNALCONSO_UDATA).line()
    assert by_dataset(second, "da_mef_plf25").status == "ok"
    path = f"udata/{SIGNALCONSO_UDATA}/{SIGNALCONSO_RESOURCE}.csv"
    assert files(second.snapshot)[path] == files(result.snapshot)[path]


def test_a_total_that_changes_while_paging_restarts_the_listing_once(portal, tmp_path):
    portal.page_size_cap = 2
    portal.grow_total = 1
    result, out, _ = run(portal, tmp_path, config(portal, udata_=False, plain=False))
    assert "total_count changed during paging (4 -> 5): listing restarted" in out
    assert result.exit_code == EXIT_OK
    catalog = json.loads((result.snapshot / "catalog/ods-datasets.json").read_text())
    assert len(catalog["datasets"]) == 5 and catalog["complete"]


def test_a_total_that_keeps_changing_makes_an_incomplete_listing_that_deletes_nothing(portal, tmp_path):
    _first, _, _ = run(portal, tmp_path, config(portal, udata_=False, plain=False))
    portal.ods = [d for d in portal.ods if d["dataset_uid"] != "da_mef_signalconso"]   # really gone...
    portal.page_size_cap = 1
    portal.grow_total = 100                                                            # ...but paging is unstable
    second, out, _ = run(portal, tmp_path, config(portal, udata_=False, plain=False), at=T0 + timedelta(days=30))
    assert "again: listing incomplete" in out and second.exit_code == EXIT_FAILED     # no selected dataset listed
    sc = by_dataset(second, "da_mef_signalconso")
    assert sc.status == "error" and "not declared gone" in sc.line()           # not "missing", not "removed"
    assert "opendatasoft/da_mef_signalconso/signalconso.csv" in files(second.snapshot)


def test_a_next_link_that_loops_aborts_the_listing(portal, tmp_path):
    portal.loop_udata = True
    result, out, _ = run(portal, tmp_path)
    assert result.exit_code == EXIT_PARTIAL
    assert "paging loop: next_page" in out and "was already fetched; listing aborted" in out
    assert portal.count(f"/api/1/organizations/{MEF_ORG}/datasets/") == 2      # page 1, page 2, stop
    assert by_dataset(result, SIGNALCONSO_UDATA).status == "ok"                  # the datasets still came


def test_a_catalog_that_ignores_offset_is_caught_by_its_page_hash(portal, tmp_path):
    first, _, _ = run(portal, tmp_path, config(portal, udata_=False, plain=False))
    portal.loop_ods = True
    portal.page_size_cap = 2
    second, out, _ = run(portal, tmp_path, config(portal, udata_=False, plain=False), at=T0 + timedelta(days=1))
    assert "paging loop: the page at offset 2 repeats an earlier page" in out
    assert second.exit_code == EXIT_FAILED            # the ministry's datasets were past the loop: none fetched
    assert files(second.snapshot).keys() == files(first.snapshot).keys()          # nothing declared gone


def test_a_dataset_that_disappears_is_kept_during_the_grace_period_then_removed(portal, tmp_path):
    first, _, _ = run(portal, tmp_path)
    path = "opendatasoft/da_mef_signalconso/signalconso.csv"
    portal.ods = [d for d in portal.ods if d["dataset_uid"] != "da_mef_signalconso"]
    del portal.udata[SIGNALCONSO_UDATA]
    second, out, _ = run(portal, tmp_path, at=T0 + timedelta(days=2))
    assert second.exit_code == EXIT_OK and second.complete          # the portal's truth, not a failure
    sc = by_dataset(second, "da_mef_signalconso")
    assert sc.status == "missing"
    assert ("no longer in the portal's catalog since 2026-12-03T06:00:00Z; its 1 file(s) kept until "
            "2026-12-10T06:00:00Z (grace period 7 days)") in out
    assert by_dataset(second, SIGNALCONSO_UDATA).status == "missing"
    assert files(second.snapshot)[path] == files(first.snapshot)[path]
    third, _, _ = run(portal, tmp_path, at=T0 + timedelta(days=5))     # still within the grace period
    assert "since 2026-12-03T06:00:00Z" in by_dataset(third, "da_mef_signalconso").line()
    assert path in files(third.snapshot)
    fourth, out, _ = run(portal, tmp_path, at=T0 + timedelta(days=10))
    assert by_dataset(fourth, "da_mef_signalconso").status == "removed"
    assert "left out of this snapshot after the 7-day grace period" in out
    assert path not in files(fourth.snapshot)
    assert path in files(first.snapshot)                              # earlier snapshots keep it


def test_a_renamed_slug_with_the_same_uid_is_the_same_dataset(portal, tmp_path):
    _first, _, _ = run(portal, tmp_path, config(portal, udata_=False, plain=False))
    for uid, new in (("da_mef_signalconso", "signalconso-v2"), ("da_mef_plf25", "plf25-depenses-selon-destination")):
        entry = portal.ods_entry(uid)
        portal.exports[new] = portal.exports.pop(entry["dataset_id"])
        entry["dataset_id"] = new
    second, out, _ = run(portal, tmp_path, config(portal, udata_=False, plain=False), at=T0 + timedelta(days=1))
    assert second.exit_code == EXIT_OK
    assert "slug renamed signalconso -> signalconso-v2 (same dataset_uid: same dataset)" in out
    # the PLF dataset was configured by its old slug: followed through the uid recorded at the first harvest
    assert "slug renamed plf25-depenses-2025-selon-destination -> plf25-depenses-selon-destination" in out
    entries = files(second.snapshot)
    sc = entries["opendatasoft/da_mef_signalconso/signalconso-v2.csv"]
    assert sc["dataset"]["id"] == "da_mef_signalconso" and sc["dataset"]["slug"] == "signalconso-v2"
    assert "1245 records (+0 ~0 -0)" in by_dataset(second, "da_mef_signalconso").line()   # same records


def test_an_unchanged_etag_over_changed_content_is_caught_by_the_record_hashes(portal, tmp_path):
    portal.fixed_etag = '"v1"'
    first, _, _ = run(portal, tmp_path, config(portal, udata_=False, plain=False))
    lines = SIGNALCONSO.read_bytes().decode("utf-8").split("\n")
    header, rows = lines[0], [line for line in lines[1:] if line]
    fields = rows[0].split(";")
    fields[5] = "Promesse action"                    # the status of the first report changes
    changed = [header, ";".join(fields)] + rows[1:-1]     # and the last report is withdrawn
    portal.set_export("signalconso", ("\n".join(changed) + "\n").encode("utf-8"))
    second, _out, _ = run(portal, tmp_path, config(portal, udata_=False, plain=False), at=T0 + timedelta(days=1))
    entry, before = files(second.snapshot), files(first.snapshot)
    key = "opendatasoft/da_mef_signalconso/signalconso.csv"
    assert entry[key]["http"]["etag"] == before[key]["http"]["etag"] == '"v1"'
    assert entry[key]["sha256"] != before[key]["sha256"]
    assert "1244 records (+0 ~1 -1)" in by_dataset(second, "da_mef_signalconso").line()
    assert not [h for _, _, h in portal.requests if "If-None-Match" in h]   # no conditional GET trusted


def test_the_api_key_is_sent_but_never_logged_nor_stored(portal, tmp_path, monkeypatch, capsys):
    secret = "s3cr3t-ods-key-0123456789"
    usecret = "s3cr3t-udata-key-9876543210"
    monkeypatch.setenv("BERCY_GRAPH_ODS_APIKEY", secret)
    monkeypatch.setenv("BERCY_GRAPH_UDATA_APIKEY", usecret)
    toml = tmp_path / "harvest.toml"
    toml.write_text(f'''
[opendatasoft]
url = "{portal.url}"
datasets = [{{ uid = "da_mef_signalconso" }}, {{ uid = "da_mef_plf25" }}]
[udata]
url = "{portal.url}"
datasets = ["{SIGNALCONSO_UDATA}"]
[policy]
timeout = 0.5
retries = 1
backoff = 0.01
''')
    portal.fault(PLF_EXPORT, *["500"] * 5)
    portal.fault(f"/api/1/datasets/{SIGNALCONSO_UDATA}/", "500")
    code = cli.main(["harvest", "--config", str(toml), "--snapshots", str(tmp_path / "snap")])
    assert code == EXIT_PARTIAL
    printed = capsys.readouterr()
    assert "HTTP 500" in printed.out + printed.err
    for text in (printed.out, printed.err, *[p.read_text(errors="replace") for p in (tmp_path / "snap").rglob("*")
                                             if p.is_file() and p.suffix in (".json", ".tsv")]):
        assert secret not in text and usecret not in text
    ods_headers = [h for _, p, h in portal.requests if p.startswith("/api/explore/")]
    udata_headers = [h for _, p, h in portal.requests if p.startswith("/api/1/")]
    assert all(h.get("Authorization") == f"Apikey {secret}" for h in ods_headers)
    assert all(h.get("X-API-KEY") == usecret for h in udata_headers)
    assert not [h for h in udata_headers if "Authorization" in h]          # each key to its own portal


# -- udata: "changed?" in data.gouv.fr's checker order -----------------------------------------------
def test_udata_resources_are_downloaded_only_when_harvest_modified_at_moves(portal, tmp_path):
    cfg = config(portal, ods=False, plain=False)
    _first, _, _ = run(portal, tmp_path, cfg)
    file_path = f"/fr/datasets/r/{SIGNALCONSO_RESOURCE}"
    assert portal.count(file_path) == 1
    body = SIGNALCONSO.read_bytes() + b"bd9fe112-x;AchatInternet;;2024-02-04;1;NA;0;;0;0;0;Var;83;93;PACA\n"
    portal.set_resource(SIGNALCONSO_UDATA, body)                 # new bytes, same harvest.modified_at
    _second, out, _ = run(portal, tmp_path, cfg, at=T0 + timedelta(days=1))
    assert portal.count(file_path) == 1                          # harvest.modified_at said "unchanged"
    assert "not downloaded: unchanged by harvest.modified_at" in out
    portal.set_resource(SIGNALCONSO_UDATA, body, "2026-12-02T03:00:00")
    third, out, _ = run(portal, tmp_path, cfg, at=T0 + timedelta(days=2))
    assert portal.count(file_path) == 2
    assert "1246 records (+1 ~0 -0)" in by_dataset(third, SIGNALCONSO_UDATA).line()


@pytest.mark.parametrize("previous, current, expected", [
    (None, {"harvest_modified_at": "a"}, ("changed", "new")),
    ({"harvest_modified_at": "a", "last_modified": "x"}, {"harvest_modified_at": "a", "last_modified": "y"},
     ("unchanged", "harvest.modified_at")),
    ({"last_modified": "x", "content_length": 1}, {"last_modified": "x", "content_length": 2},
     ("unchanged", "Last-Modified")),
    ({"last_modified": "x", "content_length": 1}, {"last_modified": "y", "content_length": 1},
     ("changed", "Last-Modified")),
    ({"content_length": 1, "checksum": "a"}, {"content_length": 2, "checksum": "a"}, ("changed", "Content-Length")),
    ({"checksum": "a"}, {"checksum": "b"}, ("changed", "checksum")),
    ({"checksum": None}, {"checksum": None}, ("unknown", "no hint: content hash")),
])
def test_the_change_signals_are_read_in_udata_hydras_order(previous, current, expected):
    base = {"harvest_modified_at": None, "last_modified": None, "content_length": None, "checksum": None}
    assert udata.decide(previous and base | previous, base | current) == expected


# -- bounds, pruning, the command ---------------------------------------------------------------------
def test_a_response_over_the_size_bound_is_refused(portal, tmp_path):
    result, _, _ = run(portal, tmp_path, config(portal, udata_=False, plain=False, max_file_bytes=300_000))
    assert result.exit_code == EXIT_PARTIAL
    assert "over the 300000 bytes bound" in by_dataset(result, "da_mef_plf25").line()     # 536,286 bytes
    assert by_dataset(result, "da_mef_signalconso").status == "ok"                          # 273,142 bytes
    assert not list(result.snapshot.rglob("*.part"))


def test_pruning_keeps_the_last_complete_snapshots_and_the_failed_runs_since(portal, tmp_path):
    cfg = config(portal, udata_=False, plain=False, keep=2)
    made = [run(portal, tmp_path, cfg, at=T0 + timedelta(days=d))[0] for d in range(3)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [made[1].snapshot.name, made[2].snapshot.name]
    portal.fault(SC_EXPORT, *["500"] * 10)
    failed, _, _ = run(portal, tmp_path, cfg, at=T0 + timedelta(days=3))
    assert failed.pruned == [] and failed.exit_code == EXIT_PARTIAL
    portal.faults.clear()
    ok, _, _ = run(portal, tmp_path, cfg, at=T0 + timedelta(days=4))
    assert ok.pruned == [made[1].snapshot.name, failed.snapshot.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == [made[2].snapshot.name, ok.snapshot.name]


def test_the_command_prints_plain_lines_and_a_cron_exit_code(portal, tmp_path, capsys):
    toml = tmp_path / "harvest.toml"
    toml.write_text(f'[opendatasoft]\nurl = "{portal.url}"\ndatasets = ["da_mef_plf25"]\n'
                    '[policy]\ntimeout = 0.5\nretries = 0\n')
    assert cli.main(["harvest", "--config", str(toml), "--snapshots", str(tmp_path / "s")]) == EXIT_OK
    printed = capsys.readouterr()
    assert "[1/1] opendatasoft da_mef_plf25 (PLF 2025 - Dépenses 2025 selon destination): ok" in printed.err
    assert "snapshot " in printed.out and ": complete ->" in printed.out
    bad = tmp_path / "bad.toml"
    bad.write_text('[opendatasoft]\ndatasets = ["x"]\n')
    assert cli.main(["harvest", "--config", str(bad)]) == 2
    assert "no url" in capsys.readouterr().err


# -- the per-record hashes -----------------------------------------------------------------------------
def test_record_hashes_ignore_layout_and_count_changes_by_key(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("id;nom;montant\n1;Café ;10\n2;Paris;20\n3;Lyon;30\n", encoding="utf-8")
    # the same records with a BOM, CRLF, another delimiter and column order, NFD text: no change
    b.write_bytes("\ufeffmontant,nom,id\r\n10,Cafe\u0301,1\r\n20,Paris,2\r\n30,Lyon,3\r\n".encode("utf-8"))
    records.write_hashes(a, "csv", tmp_path / "a.tsv", key="id")
    records.write_hashes(b, "csv", tmp_path / "b.tsv", key="id")
    assert records.read_hashes(tmp_path / "a.tsv") == records.read_hashes(tmp_path / "b.tsv")
    b.write_text("id;nom;montant\n1;Café;11\n3;Lyon;30\n4;Nice;40\n", encoding="utf-8")
    records.write_hashes(b, "csv", tmp_path / "b.tsv", key="id")
    change = records.diff(records.read_hashes(tmp_path / "a.tsv"), records.read_hashes(tmp_path / "b.tsv"))
    assert (change.added, change.modified, change.removed) == (1, 1, 1)
    records.write_hashes(b, "csv", tmp_path / "b.tsv")                  # without a key: remove + add
    records.write_hashes(a, "csv", tmp_path / "a.tsv")
    change = records.diff(records.read_hashes(tmp_path / "a.tsv"), records.read_hashes(tmp_path / "b.tsv"))
    assert (change.added, change.modified, change.removed) == (2, 0, 2)


def test_the_catalog_listing_stops_at_offset_plus_limit_10000():
    """A catalog larger than the API can page (offset + limit <= 10,000) is listed up to there, flagged."""
    from urllib.parse import parse_qs, urlsplit

    from graph_service.harvest import opendatasoft

    example = json.loads((Path(__file__).resolve().parent.parent.parent / "shared" / "external" / "opendatasoft" /
                          "ods-explore-v2.0-openapi-example-catalog-datasets.json").read_text())["datasets"][0]["dataset"]
    asked = []

    class Catalog:          # 12,000 datasets shaped like the real example, with distinct uids
        def get_json(self, url):
            q = parse_qs(urlsplit(url).query)
            limit, offset = int(q["limit"][0]), int(q["offset"][0])
            asked.append((offset, limit))
            return {"total_count": 12_000, "results": [dict(example, dataset_uid=f"da_{i}", dataset_id=f"d{i}")
                                                       for i in range(offset, offset + limit)]}

    listing = opendatasoft.list_catalog(Catalog(), "https://portal.example")
    assert all(limit <= 100 and offset + limit <= 10_000 for offset, limit in asked)
    assert asked[-1] == (9_900, 100) and len(listing.datasets) == 10_000
    assert not listing.complete and "listing truncated" in listing.problems[0]


def test_portal_ids_never_escape_the_snapshot_directory(portal, tmp_path):
    resource = portal.udata[SIGNALCONSO_UDATA]["resources"][0]
    body = portal.files.pop(f"/fr/datasets/r/{resource['id']}")
    resource["id"] = "../../../escaped"
    resource["url"] = f"{portal.url}/fr/datasets/r/escaped"
    portal.files["/fr/datasets/r/escaped"] = body
    result, _, _ = run(portal, tmp_path / "snap", config(portal, ods=False, plain=False))
    assert result.exit_code == EXIT_OK
    (path,) = files(result.snapshot)
    assert (result.snapshot / path).resolve().is_relative_to(result.snapshot.resolve())
    assert not [p for p in tmp_path.rglob("escaped*") if not p.resolve().is_relative_to(result.snapshot.resolve())]


def test_a_resource_that_disappears_from_its_dataset_waits_the_grace_period_too(portal, tmp_path):
    cfg = config(portal, ods=False, plain=False)
    first, _, _ = run(portal, tmp_path, cfg)
    resources = portal.udata[SIGNALCONSO_UDATA]["resources"]
    gone = resources.pop()
    second, out, _ = run(portal, tmp_path, cfg, at=T0 + timedelta(days=1))
    assert second.exit_code == EXIT_OK
    assert f"resource {gone['id']} no longer in the dataset since 2026-12-02T06:00:00Z; its 1 file(s) kept" in out
    path = f"udata/{SIGNALCONSO_UDATA}/{gone['id']}.csv"
    assert files(second.snapshot)[path] == files(first.snapshot)[path]
    third, out, _ = run(portal, tmp_path, cfg, at=T0 + timedelta(days=9))
    assert "left out of this snapshot after the 7-day grace period" in out
    assert path not in files(third.snapshot)


def test_the_command_line_selects_datasets_and_portal_urls(portal, tmp_path, capsys):
    toml = tmp_path / "harvest.toml"
    toml.write_text('[opendatasoft]\nurl = "https://data.economie.gouv.fr"\ndatasets = ["da_mef_plf25"]\n'
                    '[policy]\ntimeout = 0.5\nretries = 0\n')
    code = cli.main(["harvest", "--config", str(toml), "--snapshots", str(tmp_path / "s"), "--quiet",
                     "--ods-url", portal.url, "--ods-dataset", "da_mef_signalconso"])
    assert code == EXIT_OK
    (snapshot,) = (tmp_path / "s").iterdir()
    assert list(files(snapshot)) == ["opendatasoft/da_mef_signalconso/signalconso.csv"]
    assert capsys.readouterr().err == ""                     # --quiet: no progress lines


def test_retry_after_and_ratelimit_reset_read_dates():
    import email.utils

    from graph_service.harvest.http import reset_in, retry_after

    assert retry_after("120") == 120 and retry_after(None) is None and retry_after("soon") is None
    later = datetime.now(UTC) + timedelta(seconds=60)
    assert 50 <= retry_after(email.utils.format_datetime(later, usegmt=True)) <= 60
    assert 50 <= reset_in(later.isoformat()) <= 60
    assert 50 <= reset_in(str(int(later.timestamp()))) <= 60          # epoch seconds
    assert reset_in("30") == 30                                          # delta seconds


def test_a_download_failing_after_a_cut_leaves_no_part_file(portal, tmp_path):
    portal.fault(SC_EXPORT, "truncate", *["500"] * 10)          # cut, then the resume meets a 500
    result, _, _ = run(portal, tmp_path, config(portal, udata_=False, plain=False))
    assert by_dataset(result, "da_mef_signalconso").status == "error"
    assert not list(tmp_path.rglob("*.part"))


def test_a_server_that_drips_bytes_is_abandoned_at_the_transfer_bound(portal, tmp_path):
    first, _, _ = run(portal, tmp_path, config(portal, udata_=False, plain=False))
    portal.fault(SC_EXPORT, ("drip", 0.05))          # never silent for `timeout`, but 67 pieces x 0.05 s
    second, _, _ = run(portal, tmp_path, config(portal, udata_=False, plain=False, max_seconds=0.5, retries=0),
                       at=T0 + timedelta(days=1))
    outcome = by_dataset(second, "da_mef_signalconso")
    assert outcome.status == "error" and "still transferring after 0.5 s, abandoned" in outcome.line()
    key = "opendatasoft/da_mef_signalconso/signalconso.csv"
    assert files(second.snapshot)[key] == files(first.snapshot)[key]
