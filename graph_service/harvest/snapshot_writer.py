"""Writing a dated snapshot directory (files + manifest.json), and the pruning policy.

A snapshot is written under `<root>/<id>.partial/` and renamed to `<root>/<id>/` only once its manifest
is written, so a crashed run leaves no directory a reader could take for a snapshot. A run with failures
still ends in a snapshot, marked `"complete": false`: readers take the newest *complete* one, so the
previous good snapshot stays the one builds read.

Pruning policy (`prune`): keep the `keep` newest complete snapshots (default 5) and every snapshot newer
than the newest complete one (the failed runs since, for diagnosis); delete older ones and stale
`.partial` directories. Nothing is pruned after a run that was not complete.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph_service.snapshot import (
    MANIFEST,
    FileEntry,
    Manifest,
    SnapshotError,
    load,
    save,
)

REPORT = "harvest.json"       # the run's own record: per dataset status, errors, changes, missing-since


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def snapshot_id(moment: datetime, root: Path) -> str:
    """A sortable UTC stamp, `20261207T0015Z`-like; suffixed if a snapshot of that second exists."""
    base = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    name, n = base, 1
    while (root / name).exists() or (root / f"{name}.partial").exists():
        n += 1
        name = f"{base}-{n}"
    return name


def snapshots(root: Path) -> list[Path]:
    """Finished snapshot directories (with a manifest), oldest first."""
    if not root.is_dir():
        return []
    return sorted((p for p in root.iterdir() if p.is_dir() and not p.name.endswith(".partial")
                   and (p / MANIFEST).is_file()), key=lambda p: p.name)


def complete(snapshot: Path) -> bool:
    """Whether a snapshot's run ended without failures (an unreadable manifest is not complete)."""
    try:
        return load(snapshot).complete
    except SnapshotError:
        return False


def latest(root: Path, complete_only: bool = True) -> Path | None:
    for snapshot in reversed(snapshots(root)):
        if not complete_only or complete(snapshot):
            return snapshot
    return None


class SnapshotWriter:
    """Collects files into `<root>/<id>.partial/`; `finish` writes the manifest and renames."""

    def __init__(self, root: Path, moment: datetime):
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.created = moment
        self.id = snapshot_id(moment, root)
        self.dir = root / f"{self.id}.partial"
        self.dir.mkdir()
        self.files: list[FileEntry] = []

    def path(self, relative: str) -> Path:
        target = self.dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def add(self, entry: FileEntry) -> None:
        """Record a file already placed at `entry.path` (its manifest entry)."""
        self.files.append(entry)

    def link(self, previous: Path, relative: str) -> None:
        """Bring a file of an earlier snapshot over unchanged (a hard link when the disk allows)."""
        source, target = previous / relative, self.path(relative)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)

    def carry(self, previous: Path, entry: FileEntry) -> FileEntry:
        """A data file of an earlier snapshot, with its manifest entry as it was (its retrieval time too)."""
        self.link(previous, entry.path)
        self.files.append(entry)
        return entry

    def write_json(self, relative: str, document: Any) -> None:
        self.path(relative).write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")

    def finish(self, complete: bool) -> Path:
        save(self.dir, Manifest(id=self.id, created=iso(self.created), complete=complete,
                                files=sorted(self.files, key=lambda f: f.path)))
        final = self.root / self.id
        self.dir.rename(final)
        self.dir = final
        return final


def prune(root: Path, keep: int = 5, running: Path | None = None) -> list[str]:
    """Apply the pruning policy (module docstring); returns the names removed."""
    removed = []
    finished = snapshots(root)
    good = [p for p in finished if complete(p)]
    if not good:
        return removed
    kept = set(good[-max(keep, 1):])
    newest = good[-1].name
    for snapshot in finished:
        if snapshot not in kept and snapshot.name < newest:
            shutil.rmtree(snapshot)
            removed.append(snapshot.name)
    for partial in root.glob("*.partial"):
        if partial != running and partial.is_dir():
            shutil.rmtree(partial)
            removed.append(partial.name)
    return removed
