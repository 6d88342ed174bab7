"""Reuse a source's lifted N-Quads when nothing it depends on changed: what makes a refresh re-lift only
the graphs whose inputs changed.

A lift depends on its input file, on the mapping code, and on what the sources lifted before it
defined (referential keys, relations: `Context.digest`). The cache key is the hash of the three, so a
changed commune table re-lifts what links communes, and a changed DECP feed re-lifts that feed alone.
An entry keeps the N-Quads (a hard link, no copy), its lines in the shared parcels graph (`PARCELS`, a
hard link too: a reused DVF source still describes its parcels, `mappings/parcels.py`), the figures of the
lift (rows, rejections) and the journal of what the lift added to the shared state (keys, relations,
organisations), which a reuse replays. A source whose lift reads
other files of the snapshot says so (`Source.reads_also`, the commune history): they are in its key.
Entries the last successful build did not use are removed (`prune`).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import mappings
from graph_service.snapshot import sha256
from mappings.source import Context, Source

#: What an entry holds besides its N-Quads: the lift's figures and journal, its parcels (if it names any).
META = "lift.pickle"
PARCELS = "parcelles.nq"
#: Per-source state of the Context that the build reports read (coverage, unresolved codes).
PER_SOURCE = ("unresolved", "first_line", "links", "linked_lines", "unresolved_lines", "history_lines")


@cache
def mapping_version() -> str:
    """A hash of the mapping code: any change to it re-lifts everything."""
    digest = hashlib.sha256()
    root = Path(mappings.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def key(source: Source, ctx: Context) -> str:
    """The cache key of lifting `source` now (its file, the mapping code, what came before)."""
    contents = []
    for path in (source.path, *source.reads_also):
        file = ctx.data_dir / path
        contents.append(sha256(file) if file.is_file() else "missing")   # the reader says what is wrong
    parts = (source.name, source.path, source.title, source.mapping, source.licence,
             *contents, mapping_version(), f"{ctx.digest:x}", ctx.mint.base)
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


@dataclass
class Entry:
    """A cached lift: figures, rejections and the journal of the shared state it added."""

    rows: int
    lifted: int
    triples: int
    sha256: str
    rejected: list
    journal: list
    per_source: dict


def load(cache_dir: Path, entry_key: str) -> tuple[Entry, Path] | None:
    """The entry and its graph's N-Quads (its parcels' file, if any, is `parcels_of` that), or None."""
    folder = cache_dir / entry_key
    try:
        with (folder / META).open("rb") as handle:
            return pickle.load(handle), folder / "graph.nq"
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        return None


def parcels_of(cached: Path) -> Path | None:
    """The parcels file kept beside a cached graph's N-Quads (None: the source names no parcel)."""
    path = cached.with_name(PARCELS)
    return path if path.exists() else None


def save(cache_dir: Path, entry_key: str, entry: Entry, nquads: Path, parcels: Path | None = None) -> None:
    """Write an entry atomically (a folder renamed into place)."""
    folder = cache_dir / entry_key
    tmp = cache_dir / f".{entry_key}.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    os.link(nquads, tmp / "graph.nq")
    if parcels is not None:
        os.link(parcels, tmp / PARCELS)
    with (tmp / META).open("wb") as handle:
        pickle.dump(entry, handle)
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)


def per_source(ctx: Context, name: str) -> dict:
    """The Context's per-source state of `name` (its coverage and unresolved codes)."""
    out = {}
    for attr in PER_SOURCE:
        table = getattr(ctx, attr)
        out[attr] = {k: v for k, v in table.items() if k[0] == name}
    return out


def restore(ctx: Context, entry: Entry) -> None:
    """Replay a cached lift on the Context: keys, relations, coverage figures."""
    ctx.replay(entry.journal)
    for attr, items in entry.per_source.items():
        getattr(ctx, attr).update(items)


def prune(cache_dir: Path, used: set[str]) -> None:
    """Remove the entries the last build did not use."""
    if not cache_dir.exists():
        return
    for folder in cache_dir.iterdir():
        if folder.name not in used:
            shutil.rmtree(folder, ignore_errors=True)
