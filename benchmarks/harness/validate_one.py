"""One shape set on the kept N-Quads with one engine, in its own process (so a cap can stop it).

Run: `python -m benchmarks.harness.validate_one SHAPE_SET ENGINE NQUADS_DIR` -> one JSON line with the
result counts, so that the two engines' answers can be compared as well as their times.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from graph_service.shacl.shape_sets import ENGINES, SHAPE_SETS


def main(name: str, engine: str, keep: Path) -> None:
    shape_set = next(s for s in SHAPE_SETS if s.name == name)
    files = sorted(p for p in keep.glob("*.nq") if shape_set.applies_to(p.stem))
    results, _text = ENGINES[engine](shape_set.shape_files(), files)
    counts = Counter(r.severity for r in results)
    print(json.dumps({"graphs": [f.stem for f in files], "results": dict(counts)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
