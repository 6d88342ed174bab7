"""From a snapshot's manifest to the sources of a build: every file is bound to a kind of data, or lifted
generically, or reported as unreadable with the reason. None is left out in silence.

A file's kind is, in this order: the manifest's `kind`; else a kind declaring the file's portal dataset
whose mappings recognise its content; else the first kind whose mappings all recognise its content (CSV
columns, JSON keys). A file no kind takes (or of kind "generic") is a table for the generic lift when it
is a CSV or a JSON array of objects. The embedded files keep their graph names; any other file's graph is
named after its kind, dataset and resource. Titles and licences come from the manifest entry, not the code.
Order: the kinds' order (referentials first, `mappings/registry.py`), the generic tables last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from mappings.generic import generic_source, sniff_delimiter
from mappings.kinds import Kind
from mappings.read import SourceError, read_json_records
from mappings.registry import KINDS, SOURCES, embedded
from mappings.source import Source

from graph_service.snapshot import FileEntry, Manifest, open_snapshot

GENERIC = "mappings.generic"
#: a manifest's `kind` for a file to lift generically even if a kind would recognise it
GENERIC_KIND = "generic"


@dataclass
class Bound:
    """One source of the build and the snapshot file it lifts (None: a support source, e.g. an EU table)."""

    source: Source
    entry: FileEntry | None
    kind: str | None  # None: lifted generically
    how: str          # "manifest", "dataset", "content", "generic", "support"
    order: tuple[int, int, int] = (0, 0, 0)


@dataclass
class Plan:
    """What a build will lift from a snapshot, and what it cannot read."""

    manifest: Manifest
    bound: list[Bound] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    @property
    def sources(self) -> list[Source]:
        return [b.source for b in self.bound]

    def origins(self) -> dict[str, FileEntry]:
        """Graph name -> the manifest entry of its file."""
        return {b.source.name: b.entry for b in self.bound if b.entry is not None}

    def summary(self) -> dict:
        return {"id": self.manifest.id, "created": self.manifest.created, "complete": self.manifest.complete,
                "files": len(self.manifest.files),
                "bound": [{"file": b.entry.path if b.entry else None, "graph": b.source.name, "kind": b.kind,
                           "how": b.how} for b in self.bound],
                "generic": [{"file": b.entry.path, "graph": b.source.name}
                            for b in self.bound if b.how == "generic" and b.entry],
                "unreadable": [{"file": f, "reason": r} for f, r in self.unreadable]}


def kinds_by_name() -> dict[str, list[Kind]]:
    out: dict[str, list[Kind]] = {}
    for kind in KINDS:
        out.setdefault(kind.name, []).append(kind)
    return out


def recognised(declarations: list[Kind], file: Path) -> bool:
    return all(k.recognises(file) for k in declarations)


def choose(entry: FileEntry, file: Path, kinds: dict[str, list[Kind]]) -> tuple[str | None, str]:
    """(kind name, how it was chosen) for one file; (None, "generic") when no kind takes it."""
    if entry.kind == GENERIC_KIND:
        return None, "generic"
    if entry.kind in kinds:
        return entry.kind, "manifest"
    if entry.dataset.id:
        named = [n for n, ds in kinds.items() if any(entry.dataset.id in k.datasets for k in ds)]
        fitting = [n for n in named if recognised(kinds[n], file)]
        if fitting:
            return fitting[0], "dataset"
    for name, declarations in kinds.items():
        if recognised(declarations, file):
            return name, "content"
    return None, "generic"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:100]


def new_name(prefix: str, entry: FileEntry) -> str:
    """The graph name of a file that was not embedded: its kind (`tab` for the generic lift), then its
    dataset's and resource's names. The kind first keeps the shape sets' rule, which go by graph name."""
    parts = [prefix, entry.dataset.slug or entry.dataset.id, entry.resource.id or Path(entry.path).stem]
    return slug("-".join(p for p in parts if p))


def table_shape(file: Path) -> tuple[str | None, str]:
    """How the generic lift reads a file: ("csv" | "json", "") or (None, why it cannot)."""
    suffix = file.suffix.lower()
    if suffix == ".json":
        try:   # streamed: one record at a time, a national file is not loaded to look at it
            records = read_json_records(file)
            first = next(records, None)
            table = first is not None and None not in first.data and all(None not in r.data for r in records)
        except SourceError as exc:
            if not exc.message.startswith("expected a JSON array"):
                return None, f"unreadable JSON ({exc.message}{f', line {exc.line}' if exc.line else ''})"
            table = False
        except OSError as exc:
            return None, f"unreadable JSON ({exc})"
        if table:
            return "json", ""
        return None, "JSON that is not an array of objects (no kind of data declared for it)"
    if suffix in (".csv", ".tsv", ".txt"):
        try:
            with file.open(encoding="utf-8-sig") as handle:
                handle.readline()
        except UnicodeDecodeError as exc:
            return None, f"not UTF-8 text ({exc.reason} at byte {exc.start})"
        return "csv", ""
    return None, f"no kind of data declared for it, and not a table the generic lift reads ({suffix or 'no suffix'})"


def plan(folder: Path) -> Plan:
    """Bind every file of a verified snapshot (SnapshotError when its manifest or checksums do not hold)."""
    manifest = open_snapshot(folder)
    kinds = kinds_by_name()
    position = {id(k): i for i, k in enumerate(KINDS)}
    before = {s.name: i for i, s in enumerate(SOURCES)}  # embedded files keep their order within a kind
    out = Plan(manifest)
    used: set[str] = set()

    def unique(name: str) -> str:
        base, n = name, 2
        while name in used:
            name, n = f"{base}-{n}", n + 1
        return name

    for index, entry in enumerate(manifest.files):
        file = folder / entry.path
        name, how = choose(entry, file, kinds)
        if name is None:
            shape, reason = table_shape(file)
            if shape is None:
                out.unreadable.append((entry.path, reason))
                continue
            old = embedded(entry.path, GENERIC)
            source = (replace(old, title=entry.title) if old else
                      generic_source(unique(new_name("tab", entry)), entry.title, entry.path,
                                     delimiter=sniff_delimiter(file), json_array=shape == "json"))
            used.add(source.name)
            rank = before.get(source.name, len(SOURCES) + index)
            out.bound.append(Bound(licensed(source, entry), entry, None, how, (len(KINDS), rank, 0)))
            continue
        declarations = kinds[name]
        for declaration in declarations:
            old = embedded(entry.path, declaration.mapping)
            suffix = f"-{declaration.mapping.rsplit('.', 1)[-1]}" if len(declarations) > 1 else ""
            graph = old.name if old else unique(slug(new_name(name, entry) + suffix))
            title = f"{entry.title} — {declaration.part}" if declaration.part else entry.title
            made = declaration.make(graph, title, entry.path)
            first, *support = made if isinstance(made, list) else [made]
            used.add(first.name)
            rank = (position[id(declaration)], before.get(first.name, len(SOURCES) + index))
            out.bound.append(Bound(licensed(first, entry), entry, name, how, (*rank, 0)))
            for n, extra in enumerate(support, 1):
                if extra.name not in used:
                    used.add(extra.name)
                    out.bound.append(Bound(extra, None, name, "support", (*rank, n)))
    out.bound.sort(key=lambda b: b.order)
    return out


def licensed(source: Source, entry: FileEntry) -> Source:
    """The source with the manifest's licence, when the manifest names it by IRI."""
    licence = entry.dataset.licence
    return replace(source, licence=licence) if licence and licence.startswith(("http://", "https://")) else source
