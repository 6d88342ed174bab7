"""Joins through the referentials: what link coverage adds to a build, and the time of the questions
in `queries/` that join datasets.

Coverage: every source is lifted (as the build does, into a temporary folder), then
`coverage.compute` counts records and scans the lifted N-Quads for link triples. Baseline (named,
same run): the lift itself; the report is coverage time / lift time. Queries: each `.rq` joining
datasets is run 3 times on the current build (in-process `GraphStore`), median reported.
Needs a build for the queries (`bercy-graph build`, or BERCY_GRAPH_HOME pointing at one).
Run: `python -m benchmarks.bench_joins`.
"""

from __future__ import annotations

import statistics
import tempfile
from functools import partial
from pathlib import Path

from benchmarks import current_store, timed
from graph_service.build import coverage
from graph_service.build.pipeline import lift_source
from graph_service.config import PROJECT_ROOT, Settings
from mappings.iri import Minter
from mappings.registry import SOURCES
from mappings.source import Context

QUERIES = ("departement_overview", "decp_contracts_by_departement", "decp_contracts_by_cpv_division",
           "decp_top_suppliers_of_buyer", "link_coverage", "datasets_sharing_a_referential")


def main() -> None:
    settings = Settings.from_env()
    ctx = Context(Minter(settings.base), settings.data_dir)
    with tempfile.TemporaryDirectory() as work:
        results, lift = timed(lambda: [lift_source(s, ctx, Path(work), progress=False) for s in SOURCES])
        figures, spent = timed(lambda: coverage.compute(results, ctx))
    print(f"lift (baseline): {lift:.1f} s, {sum(r.triples for r in results)} triples")
    print(f"coverage: {spent:.2f} s ({spent / lift:.1%} of the lift), {len(figures)} source x kind figures, "
          f"{sum(1 for f in figures if f.targets)} linksets")
    store = current_store(settings, "queries skipped")
    if store is None:
        return
    for name in QUERIES:
        text = (PROJECT_ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
        runs = [timed(partial(store.select, text)) for _ in range(3)]
        rows, times = runs[0][0], [seconds for _, seconds in runs]
        print(f"{name}: {statistics.median(times):.2f} s median of 3, {len(rows)} rows")


if __name__ == "__main__":
    main()
