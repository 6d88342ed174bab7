"""SPARQL endpoint: HTTP overhead, streaming throughput and memory, on the current build.

Baseline (named, same run): the same query run in-process on `GraphStore` (pyoxigraph, no HTTP, no
worker process) and serialized to memory. Reports the endpoint/in-process latency ratio for a small
query, the streaming rate of every quad (SELECT, TSV) and of the whole graph (CONSTRUCT, N-Triples), and
the server's resident memory (server + workers) sampled during each stream against its idle memory:
flat memory means the peak does not grow with the result size. (Oxigraph itself keeps a set of the
triples a CONSTRUCT has produced, to drop duplicates: that part grows with a CONSTRUCT's result.) Needs a build: `bercy-graph build` (or BERCY_GRAPH_HOME pointing at one).
Run: `python -m benchmarks.bench_sparql`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from benchmarks import current_store
from graph_service.store import GraphStore
from graph_service.config import Settings

SMALL = "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } LIMIT 100"
ALL = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
ALL_ROWS = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (KiB), from /proc."""
    total = 0
    pending = [pid]
    while pending:
        p = pending.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
            for task in Path(f"/proc/{p}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            continue
    return total


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    settings = Settings.from_env()
    store = current_store(settings)
    if store is None:
        return
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql"
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen([sys.executable, "-m", "graph_service.cli", "serve", "--port", str(port),
                                   "--timeout", "600", "--log-level", "warning"], stdout=log, stderr=log)
        try:
            for _ in range(300):
                try:
                    requests.get(url, headers={"Accept": "text/turtle"}, timeout=2)
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
            run(store, url, server.pid)
        finally:
            server.terminate()
            server.wait(10)


def run(store: GraphStore, url: str, pid: int) -> None:

    def in_process() -> None:
        import io

        store.query(SMALL).write("application/sparql-results+json", io.BytesIO())

    def over_http() -> None:
        requests.get(url, params={"query": SMALL}, headers={"Accept": "application/sparql-results+json"}).content

    for fn in (in_process, over_http):   # warm up (workers open the store on their first job)
        fn()
    timings = {}
    for name, fn in (("in-process GraphStore (baseline)", in_process), ("endpoint over HTTP", over_http)):
        samples = []
        for _ in range(50):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        timings[name] = statistics.median(samples)
        print(f"small SELECT (100 rows), {name}: median {timings[name] * 1000:.1f} ms")
    base, http = timings.values()
    print(f"  endpoint / in-process: {http / base:.1f}x")

    class Discard:
        def write(self, data) -> int:
            return len(data)

        def flush(self) -> None:
            pass

    start = time.perf_counter()
    store.query(ALL_ROWS).write("text/tab-separated-values", Discard())
    print(f"SELECT * (all quads) as TSV in-process (baseline): {time.perf_counter() - start:.1f} s")
    idle = rss_kib(pid)
    print(f"server + workers RSS when idle: {idle / 1024:.0f} MiB")
    for label, query, accept in (("SELECT * (all quads) as TSV", ALL_ROWS, "text/tab-separated-values"),
                                 ("CONSTRUCT (whole graph) as N-Triples", ALL, "application/n-triples")):
        lines, size, seconds, peak = stream(url, pid, query, accept)
        print(f"{label} over HTTP: {lines:,} lines, {size / 2**20:.0f} MiB in {seconds:.1f} s = "
              f"{lines / seconds:,.0f} lines/s, {size / 2**20 / seconds:.0f} MiB/s; "
              f"peak RSS {peak / 1024:.0f} MiB (+{(peak - idle) / 1024:.0f} MiB over idle)")


def stream(url: str, pid: int, query: str, accept: str) -> tuple[int, int, float, int]:
    """Stream a result to nowhere while sampling the server's memory; (lines, bytes, seconds, peak KiB)."""
    peak = [rss_kib(pid)]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak.append(rss_kib(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    size = lines = 0
    with requests.get(url, params={"query": query}, headers={"Accept": accept}, stream=True) as r:
        for chunk in r.iter_content(1 << 16):
            size += len(chunk)
            lines += chunk.count(b"\n")
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return lines, size, seconds, max(peak)

if __name__ == "__main__":
    main()
