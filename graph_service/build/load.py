"""Load a build's files into a NEW store directory, then swap it in: `current` is repointed
atomically, so a failed build never touches the last good graph and readers never see half a store.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from graph_service.store import BUILD_PREFIX, CURRENT


def load_new_store(path: Path, files: Iterable[tuple[Path, str]]) -> None:
    """Bulk-load N-Quads / Turtle files into a new store directory (must not exist)."""
    if path.exists():
        raise FileExistsError(path)
    store = ox.Store(str(path))
    for file, graph in files:
        if file.suffix == ".nq":
            store.bulk_load(path=str(file), format=ox.RdfFormat.N_QUADS)
        else:
            store.bulk_load(path=str(file), format=ox.RdfFormat.from_extension(file.suffix[1:]),
                            to_graph=ox.NamedNode(graph))
    store.optimize()
    store.flush()
    del store


def swap_in(store_root: Path, new_store: Path, keep: int = 2) -> None:
    """Point `store_root/current` at `new_store` atomically, then remove older stores."""
    link = store_root / CURRENT
    tmp = store_root / f".{CURRENT}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(new_store.name, tmp)
    os.replace(tmp, link)
    builds = sorted(p for p in store_root.glob(BUILD_PREFIX + "*") if p.is_dir() and p != new_store)
    for old in builds[: max(0, len(builds) - (keep - 1))]:
        shutil.rmtree(old, ignore_errors=True)
