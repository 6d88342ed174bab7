"""State budget cubes: lifting, validation and the two example queries.

Baselines (named, same run): reading the records without lifting them (the floor of any mapping),
and pyshacl on the same shapes and graphs as the fast engine the build uses.
Run: `python -m benchmarks.bench_budget`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks import timed
from graph_service.build.load import load_new_store
from graph_service.build.pipeline import lift_source
from graph_service.config import PROJECT_ROOT
from graph_service.shacl import shape_sets as validation
from graph_service.store import GraphStore
from mappings import budget_lfi, budget_nature, budget_nomenclature, budget_plf
from mappings.iri import Minter
from mappings.source import Context

QUERIES = ("budget_by_mission.rq", "budget_plf_vs_lfi_by_mission.rq")


def main() -> None:
    data = PROJECT_ROOT / "data"
    sources = [*budget_nomenclature.SOURCES, *budget_nature.SOURCES, *budget_plf.SOURCES, *budget_lfi.SOURCES]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        ctx = Context(Minter("http://127.0.0.1:8000"), data)
        results = []
        for source in sources:
            rows, read = timed(lambda: sum(1 for _ in source.read(source.file(data))))
            result, lift = timed(lambda: lift_source(source, ctx, out, progress=False))
            results.append(result)
            print(f"{source.name}: {rows} rows, {result.triples} triples, read only {read:.3f} s, "
                  f"read + lift {lift:.3f} s ({result.triples / lift:,.0f} triples/s)")

        budget = [s for s in validation.SHAPE_SETS if s.name == "budget"]
        files = [r.nquads for r in results]
        shapes = budget[0].shape_files()
        (fast, ), fast_s = timed(lambda: validation.run(results, shape_sets=budget))
        print(f"validation, fast engine: {fast.violations} violations in {fast_s:.2f} s")
        (slow, _), slow_s = timed(lambda: validation.ENGINES["pyshacl"](shapes, files))
        print(f"validation, pyshacl baseline: {sum(r.severity == 'Violation' for r in slow)} violations "
              f"in {slow_s:.2f} s ({slow_s / fast_s:.1f}x the fast engine's time)")

        load_new_store(out / "store", [(f, "") for f in files])
        store = GraphStore(out / "store")
        for name in QUERIES:
            text = (PROJECT_ROOT / "queries" / name).read_text(encoding="utf-8")
            rows, seconds = timed(lambda: store.select(text))
            print(f"query {name}: {len(rows)} rows in {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
