"""Lifting throughput: our N-Quads text path vs the same triples through rdflib `Graph.add`.

Baseline (named, same run): rdflib 7 `Graph.add` of the same triples, parsed from our N-Triples
terms, then serialized as N-Triples. Also reports Oxigraph's bulk-load rate of the output.
Run: `python -m benchmarks.bench_lift`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks import timed
from graph_service.build.load import load_new_store
from graph_service.build.pipeline import lift_source
from graph_service.config import PROJECT_ROOT
from mappings import cog
from mappings.iri import Minter
from mappings.source import Context


def main() -> None:
    data = PROJECT_ROOT / "data"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        ctx = Context(Minter("http://127.0.0.1:8000"), data)
        for source in cog.SOURCES[:4]:  # the communes link to régions, départements, arrondissements
            lift_source(source, ctx, out, progress=False)
        communes = cog.SOURCES[4]
        result, ours = timed(lambda: lift_source(communes, ctx, out, progress=False))
        rate = result.triples / ours
        print(f"lift cog-communes (ours, N-Quads text): {result.triples} triples in {ours:.2f} s "
              f"= {rate:,.0f} triples/s")

        from rdflib import Graph

        # Terms are parsed outside the timing: the baseline pays only Graph.add + serialize,
        # what a mapping building rdflib objects would pay on top of reading its rows.
        lines = result.nquads.read_text(encoding="utf-8").splitlines()
        terms = list(Graph().parse(data="\n".join(line.rsplit(" <", 1)[0] + " ." for line in lines), format="nt"))

        def rdflib_baseline() -> int:
            graph = Graph()
            for triple in terms:
                graph.add(triple)
            graph.serialize(out / "baseline.nt", format="nt", encoding="utf-8")
            return len(graph)

        count, base = timed(rdflib_baseline)
        print(f"baseline rdflib Graph.add + N-Triples serialize: {count} triples in {base:.2f} s "
              f"= {count / base:,.0f} triples/s")
        print(f"ratio: ours is {base / ours:.1f}x faster than the rdflib baseline")

        _, load = timed(lambda: load_new_store(out / "store", [(result.nquads, "")]))
        print(f"oxigraph bulk load: {result.triples / load:,.0f} triples/s")


if __name__ == "__main__":
    main()
