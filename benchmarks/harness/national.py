"""The national-size run: does a build of national size complete on this machine, with bounded memory,
and does every query of queries/ answer on it within the service's time limit?

`python -m benchmarks harness --national --size 1m` generates `n` DECP contracts, `n` DVF lines and n/4
SIRENE legal units (generate.py, shaped on the real samples) beside the real referentials, builds them
(build_phases.py: time per phase, peak memory), then serves the store with the service's own settings
(`bercy-graph serve`, its default time limit) and runs each file of queries/ once through `/sparql`:
its time, its rows, or what stopped it. No anchor here: the figures are absolute, for this machine.
Results: benchmarks/results/national-<size>.json, and README's table (`--table`).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

from benchmarks.harness import generate, run
from graph_service.config import Settings

QUERIES = run.ROOT / "queries"


def query_times(home: Path) -> dict[str, dict]:
    """Each query of queries/ through our endpoint, with the service's default time limit."""
    port = run.free_port()
    server = run.Server([sys.executable, "-m", "graph_service.cli", "serve", "--port", str(port),
                         "--log-level", "warning"], f"http://127.0.0.1:{port}/sparql",
                        env={**os.environ, "BERCY_GRAPH_HOME": str(home)})
    out = {}
    try:
        for path in sorted(QUERIES.glob("*.rq")):
            start = time.perf_counter()
            try:
                r = requests.post(server.url, data={"query": path.read_text(encoding="utf-8")},
                                  headers={"Accept": "text/csv"}, timeout=Settings.query_timeout + 60)
                seconds = round(time.perf_counter() - start, 2)
                if r.status_code == 200:
                    rows = sum(1 for _ in csv.reader(io.StringIO(r.text))) - 1
                    out[path.name] = {"seconds": seconds, "rows": rows}
                else:
                    out[path.name] = {"seconds": seconds, "status": r.status_code, "error": r.text[:300]}
            except requests.RequestException as exc:
                out[path.name] = {"seconds": round(time.perf_counter() - start, 2), "error": str(exc)[:300]}
            print(f"  {path.name}: {out[path.name]}", flush=True)
    finally:
        server.close()
    return out


def national(size: str, work_root: Path, results: Path = run.RESULTS) -> dict:
    """Generate, build, query; write benchmarks/results/national-<size>.json."""
    n = run.SIZES[size]
    work = work_root / f"national-{size}"
    data = work / "data"
    started = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    shutil.rmtree(data, ignore_errors=True)
    start = time.perf_counter()
    params = generate.snapshot(run.ROOT / "data", data, n)
    params["generation seconds"] = round(time.perf_counter() - start, 1)
    print(f"[national {size}] generated in {params['generation seconds']} s", flush=True)
    result = {"size": size, "started": started, "machine": run.machine(), "versions": run.versions(),
              "parameters": {**params, "query time limit seconds": Settings.query_timeout}}
    built = run.build(data, work)
    shutil.rmtree(work / "nquads", ignore_errors=True)   # the harness keeps them for its anchors; not needed here
    result["build"] = {k: v for k, v in built.items() if k != "lift"}
    result["build"]["rows lifted"] = sum(s["rows"] for s in built["lift"].values())
    print(f"[national {size}] built in {built['seconds']} s, peak {built['peak_rss_mib']} MiB", flush=True)
    result["queries"] = query_times(work / "home")
    within = [q for q in result["queries"].values() if "rows" in q and q["seconds"] <= Settings.query_timeout]
    result["queries within the limit"] = f"{len(within)} of {len(result['queries'])}"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"national-{size}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    return result
