"""SHACL validation time: the fast engine (SHACL Core compiled to SPARQL, run in Oxigraph) vs
pyshacl, the reference and named baseline, on the same graphs in the same run.

Graphs: (1) the real COG 2025 referentials lifted by our mappings, validated with
shapes/referentials.ttl; (2) a synthetic ~1M-triple graph made of copies of (1) whose entity IRIs
get a copy suffix (same shapes, same real values, every copy self-consistent).
Both engines must report the same results; the bench says so. Run: `python -m benchmarks.bench_shacl`
(`--no-large` skips the 1M-triple graph, whose pyshacl run takes a minute or two).
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from graph_service.build.pipeline import lift_source
from graph_service.config import PROJECT_ROOT
from graph_service.shacl.pyshacl_engine import pyshacl_engine
from graph_service.shacl.fast import fast_engine
from graph_service.shacl.shape_sets import SHAPES_DIR
from mappings import cog
from mappings.iri import Minter
from mappings.source import Context

BASE = "http://127.0.0.1:8000"
SHAPES = [SHAPES_DIR / "referentials.ttl"]
LARGE = 1_000_000


def timed(fn):
    """(value, wall seconds, CPU seconds of the process): CPU time stays fair on a busy machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def same(a, b) -> bool:
    def key(r):
        return (r.focus, r.path, r.severity, r.component, r.value)
    return Counter(map(key, a)) == Counter(map(key, b))


def compare(label: str, data: list[Path]) -> None:
    triples = sum(1 for path in data for _ in path.open(encoding="utf-8"))
    (fast, _), fast_s, fast_cpu = timed(lambda: fast_engine(SHAPES, data))
    (ref, _), ref_s, ref_cpu = timed(lambda: pyshacl_engine(SHAPES, data))
    print(f"{label}: {triples:,} triples, {len(ref)} results")
    rows = (("baseline pyshacl 0.40", ref_s, ref_cpu), ("fast (SPARQL/Oxigraph)", fast_s, fast_cpu))
    for name, wall, cpu in rows:
        print(f"  {name:22}: {wall:7.2f} s wall, {cpu:7.2f} s CPU  ({triples / wall:,.0f} triples/s)")
    print(f"  ratio: fast is {ref_s / fast_s:.1f}x faster (wall), {ref_cpu / fast_cpu:.1f}x (CPU); "
          f"same results as pyshacl: {'yes' if same(fast, ref) else 'NO'}")


def copies(files: list[Path], out: Path, n: int) -> Path:
    """n copies of the graphs; copy k>0 suffixes every entity IRI of ours with `-k`."""
    entity = re.compile(r"<(" + re.escape(BASE) + r"/id/[^>]*)>")
    with out.open("w", encoding="utf-8") as handle:
        for k in range(n):
            for path in files:
                text = path.read_text(encoding="utf-8")
                handle.write(text if k == 0 else entity.sub(rf"<\1-{k}>", text))
    return out


def main(large: bool = True) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        ctx = Context(Minter(BASE), PROJECT_ROOT / "data")
        files = [lift_source(source, ctx, out, progress=False).nquads for source in cog.SOURCES]
        compare("real COG 2025 referentials", files)
        if large:
            per_copy = sum(1 for path in files for _ in path.open(encoding="utf-8"))
            n = -(-LARGE // per_copy)
            compare(f"synthetic: {n} copies of the COG graphs", [copies(files, out / "large.nq", n)])


if __name__ == "__main__":
    main(large="--no-large" not in sys.argv)
