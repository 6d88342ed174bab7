"""Where a small query's time goes: the query itself, the HTTP + app path, the hop to a worker process.

Baselines (named, same run): the one-subject lookup run in-process on `GraphStore` (query + JSON
serialization, no HTTP, no worker), and `/robots.txt` over HTTP (uvicorn + FastAPI + our middleware,
no store work). The `/sparql` lookup minus both is the worker path (pipe, job, chunks, the process
switch). On a busy machine that hop is the variable part: the worker must be scheduled to answer.
Needs a build. Run: `python -m benchmarks.bench_query_path`.
"""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import time

import requests

from benchmarks import current_store
from benchmarks.bench_sparql import free_port
from graph_service.config import Settings

LOOKUP = "SELECT ?p ?o WHERE { <%s/id/commune/83137> ?p ?o }"


def p50(fn, n: int = 300) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    settings = Settings.from_env()
    store = current_store(settings)
    if store is None:
        return
    query = LOOKUP % settings.base
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "graph_service.cli", "serve", "--port", str(port),
                               "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(1500):
            try:
                requests.get(base + "/sparql", params={"query": "ASK {}"}, timeout=30)
                break
            except requests.RequestException:
                time.sleep(0.2)
        session = requests.Session()
        alone = p50(lambda: store.query(query).write("application/sparql-results+json", io.BytesIO()))
        app = p50(lambda: session.get(base + "/robots.txt").content)
        full = p50(lambda: session.get(base + "/sparql", params={"query": query},
                                       headers={"Accept": "application/sparql-results+json"}).content)
    finally:
        server.terminate()
        server.wait(20)
    print(f"lookup in-process (baseline): p50 {alone:.2f} ms")
    print(f"/robots.txt over HTTP (baseline: HTTP + app, no store): p50 {app:.2f} ms")
    print(f"/sparql lookup over HTTP: p50 {full:.2f} ms = {full / max(alone, 0.01):.0f}x in-process; "
          f"worker path about {full - app - alone:.2f} ms")


if __name__ == "__main__":
    main()
