"""DECP: the audit of each file (JSON-schema validation compiled once), lifting, validation.

Baselines (named, same run): parsing the file only (json / csv module, the floor of any reader),
validating with a validator rebuilt for every record (what "compiled once" saves), and pyshacl on
the same shapes and graph as the fast engine the build uses.
Run: `python -m benchmarks.bench_decp`.
"""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import jsonschema

from benchmarks import timed
from graph_service.build.pipeline import lift_source
from graph_service.config import PROJECT_ROOT
from graph_service.shacl import shape_sets as validation
from mappings import decp_tabular, decp_v1, decp_v2
from mappings.iri import Minter
from mappings.source import Context


def parse_only(path: Path) -> int:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return sum(1 for _ in csv.reader(handle)) - 1
    document = json.loads(path.read_text(encoding="utf-8"))
    return len(document["marches"] if isinstance(document, dict) else document)


def uncompiled_validation(path: Path) -> int:
    """Baseline: jsonschema.validate() per record builds a validator each time."""
    schema = json.loads((path.parent / "schema" / "schema_decp_v1.5.0_marches.json").read_text(encoding="utf-8"))
    wrapper = {"$ref": "#/definitions/marche", "definitions": schema["definitions"]}
    invalid = 0
    for record in json.loads(path.read_text(encoding="utf-8"))["marches"]:
        try:
            jsonschema.validate(record, wrapper, cls=jsonschema.Draft4Validator)
        except jsonschema.ValidationError:
            invalid += 1
    return invalid


def main() -> None:
    data = PROJECT_ROOT / "data"
    sources = [*decp_v1.SOURCES, *decp_v2.SOURCES, *decp_tabular.SOURCES]
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Context(Minter("http://127.0.0.1:8000"), data)
        results = []
        for source in sources:
            path = source.file(data)
            module = {s.name: m for m in (decp_v1, decp_v2, decp_tabular) for s in m.SOURCES}[source.name]
            rows, parse = timed(lambda: parse_only(path))
            _, audit = timed(lambda: module.audit_file(path))
            result, lift = timed(lambda: lift_source(source, ctx, Path(tmp), progress=False))
            results.append(result)
            print(f"{source.name}: {rows} rows, parse only {parse:.3f} s, audit (incl. schema) {audit:.3f} s, "
                  f"read + audit + lift {lift:.3f} s ({result.rows / lift:,.0f} rows/s, {result.triples} triples)")
        emp = data / decp_v1.SOURCES[0].path
        _, slow = timed(lambda: uncompiled_validation(emp))
        print(f"baseline, a validator built per record ({emp.name}, marché definition): {slow:.3f} s")
        for shape_set in [s for s in validation.SHAPE_SETS if s.name.startswith("decp")]:
            (outcome,), fast = timed(lambda: validation.run(results, shape_sets=[shape_set]))
            print(f"validation {shape_set.name}, fast engine: {outcome.violations} violations in {fast:.2f} s")
        paris = [r for r in results if r.source.name == "decp-2024-paris"]
        shapes = [s for s in validation.SHAPE_SETS if s.name == "decp-2024-paris"][0].shape_files()
        _, pyshacl_s = timed(lambda: validation.ENGINES["pyshacl"](shapes, [r.nquads for r in paris]))
        print(f"baseline, pyshacl on decp-2024-paris: {pyshacl_s:.2f} s")


if __name__ == "__main__":
    main()
