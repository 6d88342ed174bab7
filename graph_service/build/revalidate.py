"""`bercy-graph validate`: run the shapes again on the graphs of the current store."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

from mappings import organisations
from mappings.iri import Minter
from mappings.registry import SOURCES
from mappings.source import Context

from graph_service.shacl import shape_sets as validation
from graph_service.config import Settings
from graph_service.store import GraphStore


def revalidate(store: GraphStore, settings: Settings,
               shape_sets: Sequence[validation.ShapeSet] | None = None) -> list[validation.Outcome]:
    """Dump each source graph to N-Quads and validate it as the build did (all shape sets, or
    the ones given)."""
    ctx = Context(Minter(settings.base), settings.data_dir)
    sets = shape_sets or validation.SHAPE_SETS
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for source in SOURCES:
            if not any(s.applies_to(source.name) for s in sets):
                continue  # a graph no shape applies to need not be dumped
            path = Path(tmp) / f"{source.name}.nq"
            store.dump_graph(ctx.mint.graph(source.name)[1:-1], path)
            results.append(SimpleNamespace(source=source, nquads=path))
        shared = Path(tmp) / f"{organisations.GRAPH}.nq"
        store.dump_graph(ctx.mint.graph(organisations.GRAPH)[1:-1], shared)
        registries = [SimpleNamespace(source=s, nquads=Path(tmp) / f"{s.name}.nq")
                      for s in SOURCES if organisations.is_registry(s.name)]
        for r in registries:
            if not r.nquads.exists():
                store.dump_graph(ctx.mint.graph(r.source.name)[1:-1], r.nquads)
        return validation.run(results, shape_sets=sets, shared=validation.organisation_files(registries, shared))
