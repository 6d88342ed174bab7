"""One harvest run: catalogs and data of the configured portals into a new dated snapshot.

Policies, each in one place here:
- one dataset's failure never stops the others: it is reported, and its files of the previous snapshot
  are carried into the new one unchanged (nothing already harvested is lost);
- a run with any failure ends in a snapshot marked incomplete (exit code 3), so builds keep reading the
  previous complete one; a run where nothing at all could be fetched exits 1;
- a dataset that its portal no longer lists (Opendatasoft, in a *complete* listing) or answers 404/410
  for (udata) is kept, flagged "missing", for the grace period (`grace_days`, 7 by default) and only
  then left out of new snapshots; an incomplete listing never declares anything missing;
- Opendatasoft exports are always downloaded (their validators are unreliable) and the per-record hashes
  decide what changed; udata resources are downloaded only when udata-hydra's signals say so.
"""

from __future__ import annotations

import csv
import json
import mimetypes
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from tqdm import tqdm

from graph_service.harvest import opendatasoft as ods
from graph_service.harvest import udata
from graph_service.harvest.config import (
    HarvestConfig,
    OdsDataset,
    PlainResource,
    UdataDataset,
)
from graph_service.harvest.http import (
    Client,
    Download,
    HarvestHTTPError,
    NotFound,
)
from graph_service.harvest.records import READABLE, diff, read_hashes, write_hashes
from graph_service.harvest.snapshot_writer import (
    REPORT,
    SnapshotWriter,
    iso,
    latest,
    prune,
    utc_now,
)
from graph_service.snapshot import FileEntry, entry_from_json, file_digest, load

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3
OK, UNCHANGED, MISSING, REMOVED, ERROR = "ok", "unchanged", "missing", "removed", "error"
MEDIA_TYPES = {"csv": "text/csv", "json": "application/json", "parquet": "application/vnd.apache.parquet",
               "zip": "application/zip", "xml": "application/xml", "txt": "text/plain"}


@dataclass
class Outcome:
    """What happened to one dataset (or plain resource), as the user reads it."""

    portal: str
    dataset: str
    title: str | None
    status: str = OK
    messages: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    changes: dict[str, dict] = field(default_factory=dict)   # file path -> {added, modified, removed} / note

    def line(self) -> str:
        text = f"{self.portal} {self.dataset}"
        if self.title:
            text += f" ({self.title})"
        return f"{text}: {self.status}" + (f": {'; '.join(self.messages)}" if self.messages else "")


@dataclass
class HarvestResult:
    snapshot: Path
    complete: bool
    outcomes: list[Outcome]
    problems: list[str]
    pruned: list[str]

    @property
    def exit_code(self) -> int:
        failed = self.problems or any(o.status == ERROR for o in self.outcomes)
        if not failed:
            return EXIT_OK
        fetched = any(o.status in (OK, UNCHANGED) for o in self.outcomes)
        return EXIT_PARTIAL if fetched else EXIT_FAILED


class Progress:
    """A bar on a terminal, plain lines otherwise (cron mail, CI logs)."""

    def __init__(self, total: int, enabled: bool, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.bar = tqdm(total=total, file=self.stream, unit=" datasets", disable=not tty, leave=False)
        self.done, self.total = 0, total

    def line(self, text: str) -> None:
        if not self.enabled:
            return
        if not self.bar.disable:
            self.bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def step(self, outcome: Outcome) -> None:
        self.done += 1
        self.bar.update()
        self.line(f"[{self.done}/{self.total}] {outcome.line()}")

    def close(self) -> None:
        self.bar.close()


class Run:
    """The state of one harvest: the snapshot being written and what the previous one holds."""

    def __init__(self, config: HarvestConfig, root: Path, now: datetime, progress: Progress,
                 sleep: Callable[[float], None] = time.sleep):
        self.config, self.root, self.now, self.progress, self.sleep = config, root, now, progress, sleep
        self.previous = latest(root, complete_only=False)
        self.prev_files: dict[tuple[str | None, str | None], list[FileEntry]] = {}
        for entry in load(self.previous).files if self.previous else []:
            self.prev_files.setdefault((entry.portal, entry.dataset.id), []).append(entry)
        report = self._previous_json(REPORT) or {}
        self.prev_missing: dict[str, str] = report.get("missing", {})
        self.prev_udata_state: dict[str, dict] = report.get("udata_state", {})
        self.writer = SnapshotWriter(root, now)
        self.outcomes: list[Outcome] = []
        self.problems: list[str] = []
        self.missing: dict[str, str] = {}
        self.udata_state: dict[str, dict] = {}

    def _previous_json(self, relative: str) -> Any:
        if self.previous and (self.previous / relative).is_file():
            return json.loads((self.previous / relative).read_text(encoding="utf-8"))
        return None

    def client(self, portal: str | None, key_header: str = "Authorization", key_prefix: str = "") -> Client:
        key = self.config.api_key(portal) if portal else None
        return Client(policy=self.config.http, api_key=key, key_header=key_header, key_prefix=key_prefix,
                      log=self.progress.line, sleep=self.sleep)

    # -- files ---------------------------------------------------------------------------------------
    def fetch(self, client: Client, url: str, relative: str, fmt: str, key: str | None, portal: str,
              dataset: dict, resource: dict, kind: str | None, outcome: Outcome,
              expected_size: int | None = None) -> None:
        """Download one file into the snapshot, check it against what the portal declared, hash its records."""
        download = client.download(url, self.writer.path(relative))
        check_declared(download, resource.get("checksum"), expected_size, client.redact(url))
        entry = manifest_entry(relative, download, portal, dataset, resource, self.now, kind)
        self.writer.add(entry)
        outcome.files.append(relative)
        previous = self._previous_entry(portal, dataset["id"], resource["id"])
        outcome.changes[relative] = self._hash_and_diff(relative, fmt, key, previous)
        if previous and previous.sha256 == download.sha256:
            outcome.changes[relative]["file"] = "same content"
        elif previous:
            outcome.changes[relative]["file"] = "new content"
        else:
            outcome.changes[relative]["file"] = "new file"

    def _hash_and_diff(self, relative: str, fmt: str, key: str | None, previous: FileEntry | None) -> dict:
        if fmt not in READABLE:
            return {}
        hashes = hashes_path(relative)
        try:
            count = write_hashes(self.writer.dir / relative, fmt, self.writer.path(hashes), key)
        except (ValueError, csv.Error, UnicodeDecodeError) as exc:
            return {"records": None, "note": f"records not hashed: {type(exc).__name__}: {str(exc)[:200]}"}
        result: dict[str, Any] = {"records": count}
        old = self.previous / hashes_path(previous.path) if (previous and self.previous) else None
        if old and old.is_file():
            change = diff(read_hashes(old), read_hashes(self.writer.dir / hashes))
            result.update(added=change.added, modified=change.modified, removed=change.removed)
        return result

    def _previous_entry(self, portal: str, dataset_id: str, resource_id: str) -> FileEntry | None:
        for entry in self.prev_files.get((portal, dataset_id), []):
            if entry.resource.id == resource_id:
                return entry
        return None

    def carry(self, portal: str, dataset_id: str, outcome: Outcome, resource_id: str | None = None) -> int:
        """Bring the previous snapshot's files of a dataset (or one resource) into the new one."""
        carried = 0
        for entry in self.prev_files.get((portal, dataset_id), []):
            if resource_id is not None and entry.resource.id != resource_id:
                continue
            self.writer.carry(self.previous, entry)
            if (self.previous / hashes_path(entry.path)).is_file():
                self.writer.link(self.previous, hashes_path(entry.path))
            outcome.files.append(entry.path)
            carried += 1
        return carried

    def fail(self, outcome: Outcome, portal: str, dataset_id: str, message: str,
             resource_id: str | None = None) -> None:
        outcome.status = ERROR
        outcome.messages.append(message)
        if f"{portal}:{dataset_id}" in self.prev_missing:     # a failure does not restart the grace period
            self.missing[f"{portal}:{dataset_id}"] = self.prev_missing[f"{portal}:{dataset_id}"]
        n = self.carry(portal, dataset_id, outcome, resource_id)
        if n:
            outcome.messages.append(f"{n} file(s) of snapshot {self.previous.name} kept")

    def gone(self, outcome: Outcome, portal: str, dataset_id: str, why: str, resource_id: str | None = None) -> None:
        """The grace period: a dataset (or one resource of it) the portal no longer has is kept, flagged,
        until it expires."""
        key = f"{portal}:{dataset_id}" + (f"/{resource_id}" if resource_id else "")
        since = datetime.fromisoformat(self.prev_missing.get(key, iso(self.now)))
        until = since + timedelta(days=self.config.grace_days)
        if self.now < until:
            self.missing[key] = iso(since)
            if resource_id is None:
                outcome.status = MISSING
            n = self.carry(portal, dataset_id, outcome, resource_id)
            outcome.messages.append(f"{why} since {iso(since)}; its {n} file(s) kept until {iso(until)} "
                                    f"(grace period {self.config.grace_days:g} days)")
        else:
            if resource_id is None:
                outcome.status = REMOVED
            outcome.messages.append(f"{why} since {iso(since)}: left out of this snapshot after the "
                                    f"{self.config.grace_days:g}-day grace period (earlier snapshots keep it "
                                    "until pruned)")

    def finish(self) -> HarvestResult:
        self.writer.write_json(REPORT, {
            "snapshot": self.writer.id, "created": iso(self.now), "problems": self.problems,
            "missing": self.missing, "udata_state": self.udata_state,
            "datasets": [o.__dict__ for o in self.outcomes],
            "policy": {"grace_days": self.config.grace_days, "keep": self.config.keep}})
        failed = bool(self.problems) or any(o.status == ERROR for o in self.outcomes)
        path = self.writer.finish(complete=not failed)
        pruned = [] if failed else prune(self.root, self.config.keep, running=None)
        return HarvestResult(path, not failed, self.outcomes, self.problems, pruned)


def harvest(config: HarvestConfig, root: Path, *, progress: bool = True, stream: TextIO | None = None,
            now: Callable[[], datetime] = utc_now, sleep: Callable[[float], None] = time.sleep) -> HarvestResult:
    """Harvest every configured portal into a new snapshot under `root`; never raises for a portal's fault."""
    total = len(config.ods_datasets) + len(config.udata_datasets) + len(config.resources)
    bar = Progress(total, progress, stream)
    run = Run(config, root, now(), bar, sleep)
    try:
        if config.ods_url:
            harvest_ods(run)
        if config.udata_url:
            harvest_udata(run)
        for resource in config.resources:
            harvest_plain(run, resource)
        return run.finish()
    finally:
        bar.close()


# -- Opendatasoft ------------------------------------------------------------------------------------
def harvest_ods(run: Run) -> None:
    config = run.config
    base = config.ods_url
    client = run.client("ods", "Authorization", "Apikey ")
    try:
        listing = ods.list_catalog(client, base, run.progress.line)
    except HarvestHTTPError as exc:
        listing = None
        run.problems.append(f"opendatasoft catalog {base}: {exc}")
        run.progress.line(f"opendatasoft catalog {base}: failed: {exc}")
    if listing is not None:
        for problem in listing.problems:
            run.progress.line(f"opendatasoft catalog {base}: {problem}")
        if not listing.complete:
            run.problems.extend(f"opendatasoft catalog {base}: {p}" for p in listing.problems)
        run.writer.write_json("catalog/ods-datasets.json", {
            "portal": base, "listed": iso(run.now), "complete": listing.complete, "problems": listing.problems,
            "datasets": list(listing.datasets.values())})
    else:
        previous = run._previous_json("catalog/ods-datasets.json")
        if previous:
            run.writer.write_json("catalog/ods-datasets.json", previous)
    known = {d.get("dataset_id"): d.get("uid") for d in (run._previous_json("catalog/ods-datasets.json") or
                                                         {}).get("datasets", [])}
    for selected in config.ods_datasets:
        outcome = harvest_ods_dataset(run, client, listing, selected, known)
        run.outcomes.append(outcome)
        run.progress.step(outcome)


def harvest_ods_dataset(run: Run, client: Client, listing: ods.Listing | None, selected: OdsDataset,
                        known: dict[str, str]) -> Outcome:
    base = run.config.ods_url
    uid = selected.uid
    if uid is None and listing is not None:
        uid = next((u for u, d in listing.datasets.items() if d["dataset_id"] == selected.slug), None)
    uid = uid or known.get(selected.slug)   # a slug renamed since: followed by the uid we recorded
    name = uid or f"slug {selected.slug}"
    outcome = Outcome("opendatasoft", name, None)
    if listing is None:
        run.fail(outcome, base, uid or "", "catalog unavailable")
        return outcome
    entry = listing.datasets.get(uid) if uid else None
    if entry is None:
        if uid and listing.complete:
            run.gone(outcome, base, uid, "no longer in the portal's catalog")
        elif uid:
            run.fail(outcome, base, uid, "not in the catalog listing, which was incomplete: not declared gone")
        else:
            outcome.status = ERROR
            outcome.messages.append(f"no dataset with slug {selected.slug!r} in the catalog")
        return outcome
    outcome.title = entry["title"]
    earlier = run.prev_files.get((base, uid), [])
    if earlier and earlier[0].dataset.slug != entry["dataset_id"]:
        outcome.messages.append(f"slug renamed {earlier[0].dataset.slug} -> {entry['dataset_id']} "
                                "(same dataset_uid: same dataset)")
    dataset = {"id": uid, "slug": entry["dataset_id"], "title": entry["title"], "page": entry["page"],
               "modified": entry["modified"], "frequency": entry["frequency"], "licence": entry["license"]}
    url = ods.export_url(base, entry["dataset_id"], selected.format)
    resource = {"id": f"{uid}/exports/{selected.format}", "title": f"export {selected.format}", "url": url,
                "format": selected.format, "modified": entry["data_processed"], "checksum": None}
    relative = f"opendatasoft/{safe_name(uid)}/{safe_name(entry['dataset_id'])}.{selected.format}"
    try:
        run.fetch(client, url, relative, selected.format, selected.key, base, dataset, resource, selected.kind,
                  outcome)
    except HarvestHTTPError as exc:
        run.fail(outcome, base, uid, str(exc))
        return outcome
    describe_changes(outcome)
    return outcome


# -- udata ---------------------------------------------------------------------------------------------
def harvest_udata(run: Run) -> None:
    config = run.config
    base = config.udata_url
    client = run.client("udata", "X-API-KEY", "")
    for org in config.udata_organizations:
        try:
            listing = udata.list_organization(client, base, org, run.progress.line)
        except HarvestHTTPError as exc:
            run.problems.append(f"udata organization {org}: {exc}")
            run.progress.line(f"udata organization {org}: failed: {exc}")
            continue
        for problem in listing.problems:
            run.progress.line(f"udata organization {org}: {problem}")
            run.problems.append(f"udata organization {org}: {problem}")
        run.writer.write_json(f"catalog/udata-organization-{org}.json", {
            "portal": base, "organization": org, "listed": iso(run.now), "complete": listing.complete,
            "problems": listing.problems, "datasets": listing.datasets})
    for selected in config.udata_datasets:
        outcome = harvest_udata_dataset(run, client, selected)
        run.outcomes.append(outcome)
        run.progress.step(outcome)


def harvest_udata_dataset(run: Run, client: Client, selected: UdataDataset) -> Outcome:
    base = run.config.udata_url
    outcome = Outcome("udata", selected.id, None)
    try:
        document = udata.get_dataset(client, base, selected.id)
    except NotFound:
        run.gone(outcome, base, selected.id, "the portal answers 404/410")
        return outcome
    except HarvestHTTPError as exc:
        run.fail(outcome, base, selected.id, str(exc))
        return outcome
    outcome.title = document.get("title")
    dataset = {"id": document.get("id") or selected.id, "slug": document.get("slug"), "title": document.get("title"),
               "page": document.get("page"), "modified": document.get("last_modified"),
               "frequency": document.get("frequency"), "licence": document.get("license")}
    resources = [r for r in document["resources"] if not selected.resources or r.get("id") in selected.resources]
    present = {r.get("id") for r in resources}
    earlier = {e.resource.id for e in run.prev_files.get((base, dataset["id"]), [])}
    for rid in sorted(earlier - present):
        if not selected.resources or rid in selected.resources:
            run.gone(outcome, base, dataset["id"], f"resource {rid} no longer in the dataset", resource_id=rid)
    for wanted in sorted(set(selected.resources) - present - earlier):
        outcome.status = ERROR
        outcome.messages.append(f"resource {wanted} is not in the dataset")
    for r in resources:
        rid = r["id"]
        fmt = safe_name((r.get("format") or "bin").lower())
        state = udata.state_of(r, None)
        if not state["harvest_modified_at"]:
            state = udata.state_of(r, client.head(r["url"]))
        previous = run._previous_entry(base, dataset["id"], rid)
        verdict, why = udata.decide(run.prev_udata_state.get(rid) if previous else None, state)
        run.udata_state[rid] = state
        if verdict == udata.UNCHANGED:
            run.carry(base, dataset["id"], outcome, rid)
            outcome.changes[previous.path] = {"file": f"not downloaded: unchanged by {why}"}
            continue
        resource = {"id": rid, "title": r.get("title"), "url": r.get("url"), "format": fmt,
                    "modified": r.get("last_modified"), "checksum": r.get("checksum")}
        relative = f"udata/{safe_name(dataset['id'])}/{safe_name(rid)}.{fmt}"
        try:
            run.fetch(client, r["url"], relative, fmt, selected.key, base, dataset, resource, selected.kind,
                      outcome, expected_size=r.get("filesize"))
            outcome.changes[relative]["why"] = why
        except HarvestHTTPError as exc:
            run.udata_state[rid] = run.prev_udata_state.get(rid, {})   # try again next time
            run.fail(outcome, base, dataset["id"], str(exc), resource_id=rid)
    if outcome.status == OK:
        describe_changes(outcome)
    return outcome


# -- plain resources -----------------------------------------------------------------------------------
def harvest_plain(run: Run, spec: PlainResource) -> None:
    """A file at a fixed URL (INSEE's mouvements des communes): downloaded and hashed, nothing more."""
    parts = urlsplit(spec.url)
    portal = f"{parts.scheme}://{parts.netloc}"
    outcome = Outcome("resource", spec.id, spec.title)
    dataset = {"id": spec.id, "slug": spec.id, "title": spec.title, "page": spec.page, "modified": None,
               "frequency": spec.frequency, "licence": spec.licence}
    resource = {"id": spec.id, "title": spec.title, "url": spec.url, "format": spec.format, "modified": None,
                "checksum": None}
    try:
        run.fetch(run.client(None), spec.url, f"resources/{safe_name(spec.id)}.{safe_name(spec.format)}", spec.format, spec.key, portal,
                  dataset, resource, spec.kind, outcome)
        describe_changes(outcome)
    except HarvestHTTPError as exc:
        run.fail(outcome, portal, spec.id, str(exc))
    run.outcomes.append(outcome)
    run.progress.step(outcome)


# -- helpers ---------------------------------------------------------------------------------------------
def safe_name(text: str) -> str:
    """A portal's id or slug as one path component: nothing but letters, digits, '.', '_', '-', no '..'."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", str(text)).strip(".") or "_"
    return name.replace("..", "_")


def hashes_path(relative: str) -> str:
    return f"records/{relative}.hashes.tsv"


def check_declared(download: Download, checksum: dict | None, size: int | None, url: str) -> None:
    """A file must match the size and checksum its portal declares (a resumed download included)."""
    if size and download.size != size:
        download.path.unlink(missing_ok=True)
        raise HarvestHTTPError(f"{url}: {download.size} bytes, the portal declares {size}")
    if checksum and checksum.get("value") and checksum.get("type") in ("sha1", "sha256", "md5"):
        actual = file_digest(download.path, checksum["type"])
        if actual != checksum["value"].lower():
            download.path.unlink(missing_ok=True)
            raise HarvestHTTPError(f"{url}: {checksum['type']} {actual} differs from the declared "
                                   f"{checksum['value']}")


def manifest_entry(relative: str, download: Download, portal: str, dataset: dict, resource: dict,
                   now: datetime, kind: str | None) -> FileEntry:
    fmt = resource["format"]
    media = MEDIA_TYPES.get(fmt) or download.media_type or mimetypes.guess_type(relative)[0]
    return entry_from_json({"path": relative, "sha256": download.sha256, "size": download.size, "media_type": media,
            "portal": portal, "dataset": dataset, "resource": resource, "retrieved": iso(now),
            "http": {"status": download.status, "etag": download.etag, "last_modified": download.last_modified,
                     "content_length": download.content_length},
            "kind": kind})


def describe_changes(outcome: Outcome) -> None:
    for change in outcome.changes.values():
        if "added" in change:
            outcome.messages.append(f"{change['records']} records (+{change['added']} ~{change['modified']} "
                                    f"-{change['removed']})")
        elif change.get("records") is not None:
            outcome.messages.append(f"{change['records']} records ({change.get('file', '')})")
        elif change.get("note"):
            outcome.messages.append(change["note"])
        elif change.get("file"):
            outcome.messages.append(change["file"])
