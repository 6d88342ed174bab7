"""Lifting the referentials other than the COG: time per source, and what the row-by-row restating costs.

Baseline (named, same run): reading the same file's records without lifting them (`source.read`),
so the ratio is what the mapping adds on top of CSV parsing. Also reports N-Quads lines written
vs distinct triples kept by Oxigraph: NAF and the budget nomenclature restate their upper levels
on every row and let the store deduplicate. Run: `python -m benchmarks.bench_referentials`.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from graph_service.build.load import load_new_store
from graph_service.build.pipeline import lift_source
from graph_service.config import PROJECT_ROOT
from graph_service.store import GraphStore
from mappings import budget_nomenclature, cog, collectivites, cpv, legal_categories, naf
from mappings.iri import Minter
from mappings.source import Context

#: the quads the store kept (one graph per store here: its distinct triples)
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
SOURCES = cpv.SOURCES + naf.SOURCES + legal_categories.SOURCES + collectivites.SOURCES + budget_nomenclature.SOURCES


def main() -> None:
    data = PROJECT_ROOT / "data"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        ctx = Context(Minter("http://127.0.0.1:8000"), data)
        for source in cog.SOURCES[:3]:  # régions, départements, collectivités: the SIREN files link to them
            lift_source(source, ctx, out, progress=False)
        total = 0.0
        for source in SOURCES:
            start = time.perf_counter()
            records = sum(1 for _ in source.read(source.file(data)))
            read = time.perf_counter() - start
            start = time.perf_counter()
            result = lift_source(source, ctx, out, progress=False)
            lift = time.perf_counter() - start
            total += lift
            store_dir = out / f"store-{source.name}"
            load_new_store(store_dir, [(result.nquads, "")])
            distinct = int(GraphStore(store_dir).select(COUNT)[0]["n"])
            print(f"{source.name:28} {records:5} rows  lift {lift * 1000:7.1f} ms "
                  f"({records / lift:9,.0f} rows/s, {lift / read:4.1f}x the read-only baseline "
                  f"{read * 1000:6.1f} ms)  {result.triples:6} lines -> {distinct:6} distinct triples")
        print(f"all referentials above: {total:.2f} s")


if __name__ == "__main__":
    main()
