"""`bercy-graph validate`: run the shapes again on the graphs of the current store."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

from urllib.parse import unquote

from mappings import organisations, parcels
from mappings.iri import Minter
from mappings.registry import SOURCES

from graph_service.shacl import shape_sets as validation
from graph_service.config import Settings
from graph_service.store import GraphStore


def revalidate(store: GraphStore, settings: Settings,
               shape_sets: Sequence[validation.ShapeSet] | None = None) -> list[validation.Outcome]:
    """Dump each source graph of the store to N-Quads and validate it as the build did (all shape
    sets, or the ones given). The graphs are the store's (a snapshot's files, not a fixed list)."""
    mint = Minter(settings.base)
    prefix = mint.graph("x")[1:-2]  # "{base}/graph/"
    order = {s.name: i for i, s in enumerate(SOURCES)}  # the embedded graphs in build order, then the others
    names = sorted((unquote(g[len(prefix):]) for g in store.named_graphs() if g.startswith(prefix)),
                   key=lambda name: (order.get(name, len(order)), name))
    sets = shape_sets or validation.SHAPE_SETS
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for name in names:
            if not any(s.applies_to(name) for s in sets):
                continue  # a graph no shape applies to need not be dumped
            path = Path(tmp) / f"{name}.nq"
            store.dump_graph(mint.graph(name)[1:-1], path)
            results.append(SimpleNamespace(source=SimpleNamespace(name=name), nquads=path))
        shared = Path(tmp) / f"{organisations.GRAPH}.nq"
        store.dump_graph(mint.graph(organisations.GRAPH)[1:-1], shared)
        registries = [SimpleNamespace(source=SimpleNamespace(name=name), nquads=Path(tmp) / f"{name}.nq")
                      for name in names if organisations.is_registry(name)]
        for r in registries:
            if not r.nquads.exists():
                store.dump_graph(mint.graph(r.source.name)[1:-1], r.nquads)
        parcel_file = Path(tmp) / f"{parcels.GRAPH}.nq"
        store.dump_graph(mint.graph(parcels.GRAPH)[1:-1], parcel_file)
        return validation.run(results, shape_sets=sets, shared=validation.organisation_files(registries, shared),
                              parcels=[parcel_file])
