"""The store interface: the only module that talks to pyoxigraph.

Commands and HTTP routers query through `GraphStore`, so that a remote SPARQL 1.1 store could
replace the embedded Oxigraph one. A build loads a NEW store directory and `swap_in` points the
`current` link at it atomically: a failed build never touches the last good graph.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from graph_service.config import Settings

CURRENT = "current"


class StoreMissing(Exception):
    """No graph has been built yet where the command looked."""


class GraphStore:
    """A read-only view on a built store."""

    def __init__(self, path: Path, *, writable: bool = False) -> None:
        if not path.exists() and not writable:
            raise StoreMissing(f"no graph at {path}: run `bercy-graph build` first")
        self.path = path.resolve()
        # writable: only for the operator-enabled SPARQL Update test store, never a built store
        self._store = ox.Store(str(self.path)) if writable else ox.Store.read_only(str(self.path))

    @classmethod
    def current(cls, settings: Settings) -> GraphStore:
        """The store the last successful build swapped in."""
        return cls(settings.store_root / CURRENT)

    def query(self, sparql: str, *, union_default_graph: bool = True,
              default_graph: list[str] | None = None, named_graphs: list[str] | None = None,
              base_iri: str | None = None):
        """Run a SPARQL query. By default the default graph is the union of all named graphs."""
        kwargs: dict = {"base_iri": base_iri} if base_iri else {}
        if default_graph is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        elif union_default_graph:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        return self._store.query(sparql, **kwargs)

    def select(self, sparql: str) -> list[dict[str, str]]:
        """A SELECT query's rows as {variable: lexical value} (handy for summaries and tests)."""
        results = self.query(sparql)
        names = [v.value for v in results.variables]
        return [{n: row[n].value for n in names if row[n] is not None} for row in results]

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update (transactional); the store must have been opened writable."""
        self._store.update(sparql, base_iri=base_iri)

    def construct(self, sparql: str, media_type: str, *, default_graph: list[str] | None = None,
                  extra: str = "", prefixes: dict[str, str] | None = None) -> bytes:
        """A CONSTRUCT's triples plus `extra` (N-Triples text), serialized as `media_type`.

        For documents the server builds (catalog pages): duplicates are dropped and triples are
        grouped by subject, so Turtle comes out readable.
        """
        triples = list(self.query(sparql, default_graph=default_graph))
        if extra:
            triples += [q.triple for q in ox.parse(extra.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)]
        unique = sorted(dict.fromkeys(triples), key=lambda t: (str(t.subject), str(t.predicate)))
        return ox.serialize(unique, format=ox.RdfFormat.from_media_type(media_type), prefixes=prefixes)

    def named_graphs(self) -> list[str]:
        """The IRIs of the named graphs."""
        return sorted(g.value for g in self._store.named_graphs())

    def dump_graph(self, graph: str, path: Path) -> None:
        """Write one named graph as N-Quads, graph name kept: the same file the build lifted.

        (`Store.dump(from_graph=...)` would write bare triples, landing in the default graph.)
        """
        quads = self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        ox.serialize(quads, str(path), format=ox.RdfFormat.N_QUADS)

    def triple_count(self) -> int:
        """Number of quads in the store."""
        return len(self._store)


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
    builds = sorted(p for p in store_root.glob("build-*") if p.is_dir() and p != new_store)
    for old in builds[: max(0, len(builds) - (keep - 1))]:
        shutil.rmtree(old, ignore_errors=True)
