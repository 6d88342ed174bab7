"""Golden-file tests of mappings: lift a small slice of a real file, compare with the expected graph.

A dataset's slices live in `tests/mappings/<dataset>/`: `input.csv` when it has one source,
else one slice per source under the source file's own name (a mapping may read a sibling
file); `expected.ttl` is the graph the mapping must produce, IRIs under the default base
`http://127.0.0.1:8000`. Lifting goes through the build's own `lift_source`, so rejections and
row counts are the real ones. Graphs are compared by isomorphism (rdflib), and a failure lists
the triples missing and unexpected.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from graph_service.build.pipeline import SourceResult, lift_source, write_organisations
from mappings import organisations
from mappings.iri import Minter
from mappings.namespaces import PREFIXES
from mappings.source import Context, Source

BASE = "http://127.0.0.1:8000"
GOLDEN = Path(__file__).parent / "mappings"


def lift_slices(dataset: str | Path, sources: Iterable[Source], out_dir: Path,
                known: Mapping[str, Iterable[str]] | None = None) -> tuple[Graph, list[SourceResult]]:
    """Lift the slices of a dataset (a folder name under tests/mappings, or any folder path), in
    order, in one build context; `known` pre-declares the referential keys the sources link to
    (as earlier sources of a real build would)."""
    folder = GOLDEN / dataset
    sources = list(sources)
    ctx = Context(Minter(BASE), folder)
    for kind, keys in (known or {}).items():
        ctx.known[kind].update(keys)
    results = []
    for source in sources:
        name = "input.csv" if len(sources) == 1 else Path(source.path).name
        results.append(lift_source(replace(source, path=name), ctx, out_dir, progress=False))
    shared, _ = write_organisations(ctx, out_dir)  # what the slices say of organisations, once (and parcels)
    graph = Graph()
    for path in [r.nquads for r in results] + [shared] + [r.parcels for r in results if r.parcels]:
        quads = Dataset()
        quads.parse(path, format="nquads")
        for s, p, o, _ in quads.quads((None, None, None, None)):
            graph.add((s, p, o))
    return graph, results


def assert_golden(dataset: str, *sources: Source, out_dir: Path,
                  known: Mapping[str, Iterable[str]] | None = None) -> list[SourceResult]:
    """Lifted slices == expected.ttl (isomorphic); returns the per-source results."""
    actual, results = lift_slices(dataset, sources, out_dir, known)
    if os.environ.get("GOLDEN_UPDATE") == "1":  # a deliberate model change: rewrite, then review the diff
        path = GOLDEN / dataset / "expected.ttl"
        header = "".join(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
                         if line.startswith("#")) if path.exists() else ""
        files = [r.nquads for r in results] + [out_dir / f"{organisations.GRAPH}.nq"] \
            + [r.parcels for r in results if r.parcels]
        triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for f in files
                          for q in ox.parse(path=str(f), format=ox.RdfFormat.N_QUADS)}, key=str)
        used = {p: ns for p, ns in PREFIXES.items() if any(ns in str(t) for t in triples)}
        text = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=used).decode()  # lexical forms kept
        path.write_text(header + text, encoding="utf-8")
    expected = Graph().parse(GOLDEN / dataset / "expected.ttl", format="turtle")
    if not isomorphic(actual, expected):
        _, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))

        def lines(graph: Graph) -> str:
            return "\n".join(sorted(f"  {s.n3()} {p.n3()} {o.n3()}" for s, p, o in graph)[:40])

        raise AssertionError(f"{dataset}: lifted graph differs from expected.ttl\n"
                             f"unexpected triples:\n{lines(only_actual)}\n"
                             f"missing triples:\n{lines(only_expected)}")
    return results
