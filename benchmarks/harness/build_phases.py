"""One build, timed phase by phase, in its own process (so its peak memory is its own).

Run: `python -m benchmarks.harness.build_phases DATA HOME KEEP` -> prints one JSON object.
The build is the real `graph_service.build.pipeline.build`; the harness only wraps the functions it
calls with a clock (no change to the pipeline), and hard-links the lifted N-Quads into KEEP as they are
given to the loader (before the build removes its work directory), so that the anchors read the very same
files. The loader thread runs beside the lift; the fast engine waits for it (inside the validation's wall
clock) and validates on the loaded store; the default graph's check runs beside the aggregates' queries and the
search index: their phases overlap others (phases marked "beside" are not in the sum of the rest).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

from graph_service.build import load, pipeline
from graph_service.config import Settings
from graph_service.shacl import shape_sets

seconds: dict[str, float] = defaultdict(float)
lift: dict[str, dict] = {}
validation: dict[str, float] = {}


def clocked(name: str, fn):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            seconds[name] += time.perf_counter() - start
    return wrapper


def main(data: Path, home: Path, keep: Path) -> None:
    keep.mkdir(parents=True, exist_ok=True)
    lift_source = pipeline.lift_source

    def timed_lift(source, ctx, out_dir, progress=True):
        start = time.perf_counter()
        result = lift_source(source, ctx, out_dir, progress)
        lift[source.name] = {"seconds": round(time.perf_counter() - start, 3), "rows": result.rows,
                             "triples": result.triples, "rejected": len(result.rejected)}
        return result

    class KeepingLoader(pipeline.Loader):
        def add(self, file, graph=""):
            os.link(file, keep / file.name)
            super().add(file, graph)

        def _run(self):
            clocked("loader thread, beside the lift (bulk_load)", super()._run)()

        def wait(self):
            return clocked("validate: wait for the loader (data graphs loaded, before the fast engine)",
                           super().wait)()

        def finish(self):
            clocked("load, after validation (the loader's last files, counts, optimize)", super().finish)()

    pipeline.lift_source = timed_lift
    pipeline.Loader = KeepingLoader
    load.union_is_a_set = clocked("default graph check, beside the aggregates' queries and the search index",
                                  load.union_is_a_set)
    load.settle_default_graph = clocked("default graph (mark, or store the merge)", load.settle_default_graph)
    run_shape_sets = shape_sets.run

    def timed_validation(*args, **kwargs):
        start = time.perf_counter()
        outcomes = run_shape_sets(*args, **kwargs)
        seconds["validate (all shape sets, wall clock)"] += time.perf_counter() - start
        for outcome in outcomes:   # each engine's own time, summed over the processes that ran it
            seconds[f"validate ({outcome.engine} engine)"] += outcome.seconds
        return outcomes

    shape_sets.run = timed_validation
    pipeline.provenance.write = clocked("provenance", pipeline.provenance.write)
    pipeline.coverage.compute = clocked("link coverage", pipeline.coverage.compute)
    pipeline.coverage.write = clocked("link coverage", pipeline.coverage.write)
    pipeline.write_reports = clocked("reports", pipeline.write_reports)
    pipeline.search_index.write = clocked("search index", pipeline.search_index.write)
    pipeline.add_store_figures = clocked("store figures (counts per graph and class)", pipeline.add_store_figures)
    # the cubes of the graph `aggregats`: their queries, then their validation (also in the validate phases) and load
    pipeline.aggregates.compute = clocked("aggregates (cubes computed)", pipeline.aggregates.compute)
    pipeline.add_aggregates = clocked("aggregates (cubes validated, added)", pipeline.add_aggregates)
    settings = Settings(base="http://127.0.0.1:8000", data_dir=data, home=home)
    start = time.perf_counter()
    report = pipeline.build(settings, progress=False)
    total = time.perf_counter() - start
    seconds["lift (all sources)"] = sum(s["seconds"] for s in lift.values())
    print(json.dumps({
        "build_id": report.build_id, "store": report.store, "seconds": round(total, 2),
        "phases": {k: round(v, 2) for k, v in sorted(seconds.items(), key=lambda kv: -kv[1])},
        "lift": lift,
        "quads": sum(s["triples"] for s in lift.values()),
        "stored_triples": sum(report.graphs.values()),
        "validation": [{k: v[k] for k in ("name", "violations", "warnings")} for v in report.validation],
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
