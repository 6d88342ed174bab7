"""The catalog's cost in a build: lifting (678 rows, EU vocabularies, DQV quality) and pyshacl
validation with the official DCAT-AP 3.0.1 shapes on the catalog graph + the vocabulary concepts it
uses (what the build validates), against a named baseline: the same graph + the WHOLE EU tables
loaded as extra data (the approach the vocabularies README measured, ~118,000 more triples).
Run: `python -m benchmarks.bench_catalog`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks import timed
from graph_service.build.pipeline import lift_source
from graph_service.config import PROJECT_ROOT
from graph_service.shacl import shape_sets as validation
from graph_service.shacl.pyshacl_engine import pyshacl_engine
from mappings import catalog, catalog_quality, vocabularies
from mappings.catalog import is_catalog
from mappings.iri import Minter
from mappings.source import Context


def main() -> None:
    data = PROJECT_ROOT / "data"
    sets = {s.name: s for s in validation.SHAPE_SETS}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        ctx = Context(Minter("http://127.0.0.1:8000"), data)
        sources = [*catalog.SOURCES, *catalog_quality.SOURCES]
        results, seconds = timed(lambda: [lift_source(s, ctx, out, progress=False) for s in sources])
        triples = sum(r.triples for r in results)
        print(f"lift catalog + {len(catalog.SOURCES) - 1} EU vocabulary graphs + quality: "
              f"{triples} triples in {seconds:.2f} s")
        files = [r.nquads for r in results if is_catalog(r.source.name)]
        for name in ("dcat-ap-3.0.1", "dcat-ap-3.0.1-recommended"):
            (found, _), seconds = timed(lambda: pyshacl_engine(sets[name].shape_files(), files))
            print(f"pyshacl {name} on catalog + used concepts: {seconds:.1f} s, "
                  f"{sum(r.severity == 'Violation' for r in found)} violations, "
                  f"{sum(r.severity == 'Warning' for r in found)} warnings")
        tables = [data / vocabularies.DIR / t.file for t in vocabularies.TABLES.values()]
        # the tables join the data graph, as the engines' former extra data did
        (found, _), seconds = timed(lambda: pyshacl_engine(sets["dcat-ap-3.0.1"].shape_files(), files + tables))
        print(f"baseline pyshacl dcat-ap-3.0.1 on catalog + whole EU tables: {seconds:.1f} s, "
              f"{sum(r.severity == 'Violation' for r in found)} violations")


if __name__ == "__main__":
    main()
