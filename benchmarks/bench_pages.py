"""HTML pages under load: 50 concurrent readers for 60 s on the issue's page mix, cache off vs on.

Mix (a browser's Accept): Toulon, the Var, a CPV code, a company, a budget mission, catalog page 2,
the landing page. Baseline (named, same run): the same server with its page cache off
(`--page-cache-mib 0`: every request renders its page from the store, as before the cache). Reports
p50 / p99 latency, requests per second and errors for both, and their ratios. The clients are Python
threads on the same 2 cores as the server: they take part of the CPU in both runs alike.
Needs a build (`bercy-graph build`, or BERCY_GRAPH_HOME pointing at one).
Run: `python -m benchmarks.bench_pages [--clients 50] [--seconds 60]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from benchmarks import current_store
from benchmarks.bench_sparql import free_port
from graph_service.config import Settings

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
#: the company is one of the default build's (a DECP supplier); `--company` names another for other builds
MIX = ("/id/commune/83137", "/id/departement/83", "/id/cpv/45210000", "/id/entreprise/329338883",
       "/id/mission/SB", "/catalog?page=2", "/")


def serve(port: int, cache_mib: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "graph_service.cli", "serve", "--port", str(port),
                               "--page-cache-mib", str(cache_mib), "--log-level", "warning"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            requests.get(f"http://127.0.0.1:{port}/robots.txt", timeout=2)
            return server
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def load(base: str, clients: int, seconds: float, mix: tuple[str, ...]) -> dict:
    """`clients` threads fetching the mix in turn for `seconds`; latencies of the 200s, other statuses counted."""
    latencies: list[float] = []
    errors: list[str] = []
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def client(i: int) -> None:
        session = requests.Session()
        n = i
        while time.perf_counter() < stop:
            path = mix[n % len(mix)]
            n += 1
            start = time.perf_counter()
            try:
                r = session.get(base + path, headers={"Accept": BROWSER}, timeout=60)
                ok = r.status_code == 200
            except requests.RequestException as exc:
                ok, r = False, exc
            with lock:
                (latencies.append(time.perf_counter() - start) if ok
                 else errors.append(f"{path}: {getattr(r, 'status_code', r)}"))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    return {"requests": len(latencies), "req_per_s": round(len(latencies) / seconds, 1),
            "p50_ms": round(q[49] * 1000, 1), "p99_ms": round(q[98] * 1000, 1),
            "errors": len(errors), "first_errors": errors[:5]}


def one_run(cache_mib: int, clients: int, seconds: float, mix: tuple[str, ...]) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(port, cache_mib)
    try:
        alone = {}
        for path in mix:   # each page alone, cold (what the first reader of a build waits)
            start = time.perf_counter()
            r = requests.get(base + path, headers={"Accept": BROWSER}, timeout=120)
            if r.status_code != 200:
                raise SystemExit(f"{path}: {r.status_code} (the mix needs a default build)")
            alone[path] = round((time.perf_counter() - start) * 1000)
        return {"page cache MiB": cache_mib, "each page alone, first request (ms)": alone,
                **load(base, clients, seconds, mix)}
    finally:
        server.terminate()
        server.wait(20)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--company", default="329338883", help="SIREN of the company page in the mix")
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "pages.json")
    args = p.parse_args(argv)
    if current_store(Settings.from_env()) is None:
        return
    mix = tuple(f"/id/entreprise/{args.company}" if p.startswith("/id/entreprise/") else p for p in MIX)
    before = one_run(0, args.clients, args.seconds, mix)
    print(f"cache off (baseline): {json.dumps(before)}", flush=True)
    after = one_run(Settings.page_cache_mib, args.clients, args.seconds, mix)
    print(f"cache on: {json.dumps(after)}")
    result = {"clients": args.clients, "seconds": args.seconds, "mix": mix, "store": str(current_store(Settings.from_env()).path), "load average": os.getloadavg(),
              "before (cache off)": before, "after (cache on)": after,
              "throughput on / off": round(after["req_per_s"] / max(before["req_per_s"], 0.1), 1),
              "p99 off / on": round(before["p99_ms"] / max(after["p99_ms"], 0.1), 1)}
    print(f"  throughput on / off: {result['throughput on / off']}x, p99 off / on: {result['p99 off / on']}x")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
