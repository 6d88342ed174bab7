"""A snapshot: a folder of files taken from the portals, and its manifest (`manifest.json`).

The manifest says, for every file, where it came from (portal, dataset, resource, download URL), when it
was retrieved, what the server answered and its checksum. Builds read a snapshot through its manifest;
the harvester writes one in the same format (`FORMAT`). A field nobody knows is null, never guessed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

FORMAT = "bercy-graph-snapshot/1"
MANIFEST = "manifest.json"


class SnapshotError(Exception):
    """A snapshot that cannot be read as it claims to be: one message, no traceback."""


@dataclass
class Dataset:
    """The portal's dataset a file belongs to (`id`: udata id or Opendatasoft dataset_uid)."""

    id: str | None = None
    slug: str | None = None
    title: str | None = None
    page: str | None = None
    modified: str | None = None
    frequency: str | None = None
    licence: str | None = None


@dataclass
class Checksum:
    type: str
    value: str


@dataclass
class Resource:
    """The portal's resource (distribution) the file is a copy of."""

    id: str | None = None
    title: str | None = None
    url: str | None = None
    format: str | None = None
    modified: str | None = None
    checksum: Checksum | None = None


@dataclass
class Http:
    """What the server answered when the file was downloaded (all null for files not downloaded by us)."""

    status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_length: int | None = None


@dataclass
class FileEntry:
    """One file of the snapshot. `kind` names the kind of data (a mapping's `Kind.name`) when known."""

    path: str
    sha256: str
    size: int
    media_type: str | None = None
    portal: str | None = None
    dataset: Dataset = field(default_factory=Dataset)
    resource: Resource = field(default_factory=Resource)
    retrieved: str | None = None
    http: Http = field(default_factory=Http)
    kind: str | None = None

    @property
    def title(self) -> str:
        """What the file is called: its resource's title, else its dataset's, else its path."""
        return self.resource.title or self.dataset.title or self.path


@dataclass
class Manifest:
    id: str
    created: str
    complete: bool = True
    files: list[FileEntry] = field(default_factory=list)
    format: str = FORMAT

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        return {"format": body.pop("format"), **body}


def entry_from_json(raw: dict[str, Any]) -> FileEntry:
    """A manifest's file entry from its JSON form (KeyError, TypeError or ValueError when malformed)."""
    resource = dict(raw.get("resource") or {})
    checksum = resource.pop("checksum", None)
    return FileEntry(
        path=raw["path"], sha256=raw["sha256"], size=int(raw["size"]), media_type=raw.get("media_type"),
        portal=raw.get("portal"), dataset=Dataset(**(raw.get("dataset") or {})),
        resource=Resource(**resource, checksum=Checksum(**checksum) if checksum else None),
        retrieved=raw.get("retrieved"), http=Http(**(raw.get("http") or {})), kind=raw.get("kind"))


def load(folder: Path) -> Manifest:
    """The manifest of a snapshot folder; SnapshotError when missing or not in this format."""
    path = folder / MANIFEST
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotError(f"{path}: no manifest (describe the folder: python -m "
                            f"graph_service.snapshot_describe describe {folder})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnapshotError(f"{path}: unreadable manifest ({exc})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        found = raw.get("format") if isinstance(raw, dict) else None
        raise SnapshotError(f"{path}: not a {FORMAT} manifest (format: {found!r})")
    try:
        files = [entry_from_json(f) for f in raw["files"]]
        return Manifest(id=raw["id"], created=raw["created"], complete=bool(raw.get("complete", False)), files=files)
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(f"{path}: malformed manifest ({type(exc).__name__}: {exc})") from None


def save(folder: Path, manifest: Manifest) -> Path:
    """Write the manifest atomically (a temporary file renamed over the old one)."""
    path = folder / MANIFEST
    text = json.dumps(manifest.to_json(), indent=1, ensure_ascii=False) + "\n"
    handle, tmp = tempfile.mkstemp(dir=folder, prefix=".manifest-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def file_digest(path: Path, algorithm: str) -> str:
    """The hex digest of a file, read in chunks (manifests say SHA-256; portals may say SHA-1 or MD5)."""
    digest = hashlib.new(algorithm)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256(path: Path) -> str:
    return file_digest(path, "sha256")


def verify(folder: Path, manifest: Manifest) -> None:
    """Check that every listed file is present with its size and SHA-256; one SnapshotError naming them all."""
    problems: list[str] = []
    for entry in manifest.files:
        file = folder / entry.path
        if not file.is_file():
            problems.append(f"{entry.path}: listed in the manifest but missing")
        elif file.stat().st_size != entry.size:
            problems.append(f"{entry.path}: {file.stat().st_size} bytes, the manifest says {entry.size}")
        elif sha256(file) != entry.sha256:
            problems.append(f"{entry.path}: SHA-256 {sha256(file)[:12]}…, the manifest says {entry.sha256[:12]}…")
    if problems:
        raise SnapshotError(f"snapshot {folder} does not match its manifest: " + "; ".join(problems))


def open_snapshot(folder: Path) -> Manifest:
    """The verified manifest of a snapshot folder (what a build reads)."""
    manifest = load(folder)
    verify(folder, manifest)
    return manifest


def _identities(entry: FileEntry) -> set[tuple[str, str]]:
    """What names the same published file across portals and snapshots: its resource id, else its
    dataset (id or slug) and format. The portal's URL is left out: a mirror or a test portal serves the
    same datasets."""
    if entry.resource.id:
        return {("resource", entry.resource.id)}
    fmt = entry.resource.format or Path(entry.path).suffix.lstrip(".")
    return {("dataset", f"{key}/{fmt}") for key in (entry.dataset.id, entry.dataset.slug) if key}


def overlay(base: Path, top: Path, out: Path) -> Manifest:
    """A snapshot made of `base` (the embedded data: referentials and every file) with the files of `top`
    (a harvest) in place of the ones they are a newer copy of, and the others added.

    A newer copy takes its predecessor's path (so its graph keeps its name) and, when the harvest did not
    say, its kind; its portal metadata is the harvest's. Files are hard links, nothing is copied; `out`
    is written anew. Both snapshots are verified first.
    """
    below, above = open_snapshot(base), open_snapshot(top)
    if out.exists():
        shutil.rmtree(out)
    for file in base.rglob("*"):
        if file.is_file() and file.name != MANIFEST:
            target = out / file.relative_to(base)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(file, target)
    owners = {identity: entry for entry in below.files for identity in _identities(entry)}
    replaced: set[str] = set()
    added: list[FileEntry] = []
    for entry in above.files:
        old = next((owners[i] for i in _identities(entry) if i in owners), None)
        path = old.path if old else entry.path
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        os.link(top / entry.path, target)
        added.append(replace(entry, path=path, kind=entry.kind or (old.kind if old else None)))
        if old:
            replaced.add(old.path)
    files = [e for e in below.files if e.path not in replaced] + added
    manifest = Manifest(id=f"{below.id}+{above.id}", created=above.created, complete=above.complete, files=files)
    save(out, manifest)
    return manifest
