"""DGFiP data: lifting geo-DVF, raw DVF, OFGL and SIRENE; fast SHACL on the DVF graphs; the median
price per m2 query.

Baselines (named, same run): reading the file with the csv module only (the floor of any reader),
pyshacl on the same DVF shapes and graphs as the fast engine, and the median computed in Python
from the rows the query's inner SELECT returns (what doing it client-side would cost).
Run: `python -m benchmarks.bench_dgfip`.
"""

from __future__ import annotations

import csv
import statistics
import tempfile
from pathlib import Path

from benchmarks import timed
from graph_service.build.pipeline import build, lift_source
from graph_service.config import PROJECT_ROOT, Settings
from graph_service.shacl import shape_sets as validation
from graph_service.store import GraphStore
from mappings import cog, dvf_geo, dvf_raw, local_accounts, nature_culture, sirene
from mappings.iri import Minter
from mappings.registry import SOURCES
from mappings.source import Context

BASE = "http://127.0.0.1:8000"
#: the sources the DVF and OFGL graphs link to, for the query benchmark's store
NEEDED = ("cog-", "naf", "categories-juridiques", "sirene", "dvf", "ofgl")


def csv_only(path: Path, delimiter: str) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.reader(handle, delimiter=delimiter)) - 1


def delimiter_of(source, path: Path) -> str:
    """The reader's delimiter: a `partial(read_csv, ...)` says it; a DVF reader (a closure) does not,
    so its file's header line tells."""
    keywords = getattr(source.read, "keywords", None)
    if keywords is not None:
        return keywords.get("delimiter", ",")
    with path.open(encoding="utf-8-sig") as handle:
        header = handle.readline()
    return max(",;|\t", key=header.count)


def main() -> None:
    data = PROJECT_ROOT / "data"
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Context(Minter(BASE), data)
        for source in cog.SOURCES:  # the communes the sales and accounts link to
            lift_source(source, ctx, Path(tmp), progress=False)
        results = []
        for source in [*sirene.SOURCES, *nature_culture.SOURCES, *dvf_geo.SOURCES, *dvf_raw.SOURCES,
                       *local_accounts.SOURCES]:
            delimiter = delimiter_of(source, source.file(data))
            rows, parse = timed(lambda: csv_only(source.file(data), delimiter))
            result, lift = timed(lambda: lift_source(source, ctx, Path(tmp), progress=False))
            results.append(result)
            print(f"{source.name}: {rows} rows, csv module only {parse:.3f} s, read + lift {lift:.3f} s "
                  f"({result.rows / lift:,.0f} rows/s, {result.triples} triples)")
        dvf = [s for s in validation.SHAPE_SETS if s.name == "dvf"]
        parcel_files = [r.parcels for r in results if r.parcels]   # the shared parcels graph the sales link to
        (outcome,), fast = timed(lambda: validation.run(results, shape_sets=dvf, parcels=parcel_files))
        print(f"validation dvf, fast engine: {outcome.violations} violations in {fast:.2f} s")
        files = [r.nquads for r in results if r.source.name.startswith("dvf-")] + parcel_files
        _, slow = timed(lambda: validation.ENGINES["pyshacl"](dvf[0].shape_files(), files))
        print(f"baseline, pyshacl on the same DVF graphs: {slow:.2f} s")

        settings = Settings(base=BASE, data_dir=data, home=Path(tmp) / "home")
        build(settings, [s for s in SOURCES if s.name.startswith(NEEDED)], progress=False, validate=False)
        store = GraphStore.current(settings)
        query = (PROJECT_ROOT / "queries" / "dvf_median_price_m2.rq").read_text(encoding="utf-8")
        (row,), sparql = timed(lambda: store.select(query))
        print(f"median price per m2, Toulon 2023, in SPARQL: {row['median']} over {row['sales']} sales "
              f"in {sparql:.2f} s")
        inner = query[query.index("SELECT ?sale"):query.index("} GROUP BY ?value")]
        inner = query[:query.index("SELECT (MAX")] + inner
        values, fetch = timed(lambda: [float(r["value"]) for r in store.select(inner)])
        median, local = timed(lambda: statistics.median(values))
        print(f"baseline, per-sale prices fetched ({len(values)}) in {fetch:.2f} s + median in Python "
              f"{local * 1000:.1f} ms: {median:.2f}")


if __name__ == "__main__":
    main()
