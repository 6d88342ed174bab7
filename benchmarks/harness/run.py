"""The harness: one command, every figure a ratio against an anchor measured in the same run.

`python -m benchmarks harness --size 10k` (sizes: tiny = 1k, 10k, 100k, 1m records; see generate.py):
1. a snapshot of data/ with national-size DECP, DVF and SIRENE files generated in place of the samples;
2. the build on it, phase by phase (build_phases.py), vs `oxigraph load` of the very same N-Quads;
3. queries over HTTP on the built store, ours (`/sparql`) vs `oxigraph serve-read-only` on the same
   store directory: one-subject lookup p50, 100 labels p50, GROUP BY, join + GROUP BY (each a median of
   requests sent to the two servers in turn), every quad as TSV, 16 concurrent clients doing lookups;
4. validation of the generated sources' graphs: our engine (fast) vs pyshacl, same shapes, same files;
5. the DECP lift: ours (decp_tabular) vs Morph-KGC running benchmarks/rml/decp_tabular.rml.ttl.
An anchor that is not installed (`make bench-env`) is recorded as absent with the reason, never
skipped silently. Results: benchmarks/results/harness-<size>.json; `--table` rewrites README's table.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

from benchmarks.harness import generate
from graph_service.store import UNION_IS_A_SET

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
SIZES = {"tiny": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
OXIGRAPH = ROOT / ".venv-bench" / "bin" / "oxigraph"
MORPH = ROOT / ".venv-morph" / "bin" / "python"
RML = ROOT / "benchmarks" / "rml" / "decp_tabular.rml.ttl"

PREFIXES = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX epo: <http://data.europa.eu/a4g/ontology#> "
LOOKUP = "SELECT ?p ?o WHERE { <http://127.0.0.1:8000/id/commune/83137> ?p ?o }"
QUERIES = {
    "100 labels": PREFIXES + "SELECT ?s ?o WHERE { ?s rdfs:label ?o } LIMIT 100",
    "GROUP BY over all types": "SELECT ?t (COUNT(?s) AS ?n) WHERE { ?s a ?t } GROUP BY ?t",
    "join + GROUP BY (contracts per CPV division label)": PREFIXES + """SELECT ?cpv (COUNT(?c) AS ?n) WHERE {
        ?c a epo:Contract ; epo:hasMainClassification ?cpv . ?cpv rdfs:label ?l } GROUP BY ?cpv""",
}
DUMP = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
#: the shape sets of the generated sources (the others validate the real referentials, unchanged)
GENERATED_SETS = ("decp-2019-e-marchespublics", "decp-2019-pes", "decp-2019-aife", "decp-2024-paris",
                  "decp-tabulaire", "dvf", "sirene")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def version(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip().splitlines()[-1]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "absent"


def machine() -> dict:
    """What the figures were measured on: a ratio is only comparable on a like machine and load."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    return {"host": platform.node(), "os": platform.platform(), "cpu": cpu, "cores": os.cpu_count(),
            "memory_gib": round(mem / 2**20, 1), "load_average_at_start": os.getloadavg()}


def versions() -> dict:
    import pyoxigraph
    import pyshacl

    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {"python": platform.python_version(), "pyoxigraph": pyoxigraph.__version__,
            "pyshacl": pyshacl.__version__, "bercy-graph commit": commit,
            "oxigraph CLI": version([str(OXIGRAPH), "--version"]),
            "morph-kgc": version([str(MORPH), "-c", "import morph_kgc, importlib.metadata as m; "
                                                  "print(m.version('morph-kgc'))"])}


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --- 2. build vs oxigraph load ------------------------------------------------------------------

def build(data: Path, work: Path) -> dict:
    keep = work / "nquads"
    shutil.rmtree(keep, ignore_errors=True)
    shutil.rmtree(work / "home", ignore_errors=True)
    out = subprocess.run([sys.executable, "-m", "benchmarks.harness.build_phases", str(data), str(work / "home"),
                          str(keep)], cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"the build failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["store_mib"] = round(du(Path(result["store"])) / 2**20)
    return result


def oxigraph_load(keep: Path, work: Path) -> dict:
    if not OXIGRAPH.exists():
        return {"absent": f"{OXIGRAPH} not installed (make bench-env)"}
    location = work / "oxigraph-load"
    shutil.rmtree(location, ignore_errors=True)
    files = sorted(str(p) for p in keep.glob("*.nq"))
    start = time.perf_counter()
    out = subprocess.run([str(OXIGRAPH), "load", "--location", str(location), "--file", *files],
                         capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if out.returncode:
        return {"absent": f"oxigraph load failed: {out.stderr[-500:]}"}
    size = du(location)
    shutil.rmtree(location, ignore_errors=True)
    return {"seconds": round(seconds, 2), "store_mib": round(size / 2**20), "files": len(files)}


# --- 3. queries ----------------------------------------------------------------------------------

class Server:
    """A server process on a free port, stopped on exit."""

    def __init__(self, cmd: list[str], url: str, env: dict | None = None) -> None:
        self.url = url
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300   # a busy machine: workers may take long to open the store
        while time.monotonic() < deadline:
            try:
                requests.get(url, params={"query": "ASK {}"}, timeout=30)
                return
            except requests.RequestException:
                time.sleep(0.2)
        self.close()
        raise SystemExit(f"server did not start: {cmd}")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)


def p50(urls: dict[str, str], query: str, n: int) -> dict[str, float]:
    """Each server's median time (ms) for `query`, its requests interleaved with the others' (one to each
    server in turn), so that a change in the shared machine's load falls on all of them alike; the first two
    rounds are not counted."""
    sessions = {name: requests.Session() for name in urls}
    samples: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(n + 2):
        for name, url in urls.items():
            start = time.perf_counter()
            r = sessions[name].get(url, params={"query": query}, headers={"Accept": "application/sparql-results+json"})
            r.raise_for_status()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(times[2:]) * 1000 for name, times in samples.items()}


def dump(url: str) -> dict:
    start = time.perf_counter()
    size = 0
    with requests.get(url, params={"query": DUMP}, headers={"Accept": "text/tab-separated-values"},
                      stream=True) as r:
        r.raise_for_status()
        for chunk in r.iter_content(1 << 16):
            size += len(chunk)
    return {"seconds": round(time.perf_counter() - start, 2), "mib": round(size / 2**20)}


def concurrent(url: str, clients: int, seconds: float) -> dict:
    ok, errors = [0] * clients, [0] * clients
    stop = time.perf_counter() + seconds

    def client(i: int) -> None:
        session = requests.Session()
        while time.perf_counter() < stop:
            try:
                r = session.get(url, params={"query": LOOKUP}, headers={"Accept": "application/sparql-results+json"},
                                timeout=30)
                ok[i] += r.status_code == 200
                errors[i] += r.status_code != 200
            except requests.RequestException:
                errors[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"req_per_s": round(sum(ok) / seconds, 1), "errors": sum(errors)}


def queries(home: Path, store: Path, repeats: int, seconds: float) -> dict:
    """The same queries on our endpoint and on `oxigraph serve-read-only` over the same store."""
    sides = {}
    port = free_port()
    ours = Server([sys.executable, "-m", "graph_service.cli", "serve", "--port", str(port), "--timeout", "600",
                   "--log-level", "warning"], f"http://127.0.0.1:{port}/sparql",
                  env={**os.environ, "BERCY_GRAPH_HOME": str(home)})
    servers = {"bercy-graph": ours}
    try:
        if OXIGRAPH.exists():
            port = free_port()
            # no stored merge (graph_service/build/load.py): the default graph is the union, as ours reads it
            union = ["--union-default-graph"] if (store / UNION_IS_A_SET).exists() else []
            servers["oxigraph serve-read-only"] = Server(
                [str(OXIGRAPH), "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}", *union],
                f"http://127.0.0.1:{port}/query")
        else:
            sides["oxigraph serve-read-only"] = {"absent": f"{OXIGRAPH} not installed (make bench-env)"}
        urls = {name: server.url for name, server in servers.items()}
        p50(urls, LOOKUP, 3)   # warm up (workers open the store on their first job)
        sides.update({name: {"lookup p50 ms": round(ms, 2)} for name, ms in p50(urls, LOOKUP, repeats).items()})
        for label, text in QUERIES.items():
            for name, ms in p50(urls, text, max(3, repeats // 10)).items():
                sides[name][f"{label} p50 ms"] = round(ms, 1)
        for name, server in servers.items():
            sides[name]["every quad as TSV"] = dump(server.url)
            sides[name]["16 clients, lookups"] = concurrent(server.url, 16, seconds)
    finally:
        for server in servers.values():
            server.close()
    return sides


# --- 4. validation, 5. lift ------------------------------------------------------------------------

def validation(keep: Path, cap: float) -> dict:
    out = {}
    for name in GENERATED_SETS:
        row = {}
        for engine in ("fast", "pyshacl"):
            start = time.perf_counter()
            try:
                run = subprocess.run([sys.executable, "-m", "benchmarks.harness.validate_one", name, engine, str(keep)],
                                     cwd=ROOT, capture_output=True, text=True, timeout=cap)
                row[engine] = {"seconds": round(time.perf_counter() - start, 2),
                               **json.loads(run.stdout.strip().splitlines()[-1])}
            except subprocess.TimeoutExpired:
                row[engine] = {"seconds": None, "absent": f"stopped at the {cap:.0f} s cap"}
        out[name] = row
    return out


def lift_vs_morph(data: Path, work: Path, ours: dict) -> dict:
    csv_path = data / generate.DECP_TAB[0]
    rows = ours["rows"]
    result = {"bercy-graph (mappings/decp_tabular.py)": {"seconds": ours["seconds"], "rows": rows,
                                                          "triples": ours["triples"]}}
    if not MORPH.exists():
        result["Morph-KGC"] = {"absent": f"{MORPH} not installed (make bench-env)"}
        return result
    mapping, config, output = work / "decp_tabular.rml.ttl", work / "morph.ini", work / "morph.nq"
    mapping.write_text(RML.read_text().replace("{CSV}", str(csv_path.resolve())))
    config.write_text(f"[CONFIGURATION]\noutput_file={output}\noutput_format=N-QUADS\nnumber_of_processes=1\n"
                      f"[DataSource1]\nmappings={mapping}\n")
    start = time.perf_counter()
    run = subprocess.run([str(MORPH), "-m", "morph_kgc", str(config)], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if run.returncode:
        result["Morph-KGC"] = {"absent": f"failed: {run.stderr[-500:]}"}
        return result
    found = re.search(r"Materialization finished in ([0-9.]+) seconds", run.stderr + run.stdout)
    with output.open("rb") as f:
        triples = sum(1 for _ in f)
    result["Morph-KGC"] = {"seconds": round(seconds, 2), "materialisation seconds": float(found[1]) if found else None,
                           "rows": rows, "triples (distinct)": triples}
    return result


# --- the run ----------------------------------------------------------------------------------------

def ratio(anchor: float | None, ours: float | None) -> float | None:
    """How many times the anchor's time ours takes (1.0 = as fast; >1 slower)."""
    return round(ours / anchor, 2) if anchor and ours else None


def run(size: str, work_root: Path, repeats: int = 50, clients_seconds: float = 15.0,
        validation_cap: float = 600.0, results: Path = RESULTS, reuse: bool = False) -> dict:
    n = SIZES[size]
    work = work_root / size
    data = work / "data"
    started = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    saved = work / "build.json"
    if reuse and saved.exists():   # the snapshot, build and load of an interrupted run of this size
        result = json.loads(saved.read_text())
        built = result["build"]
        print(f"[{size}] reusing the build of {result['started']}", flush=True)
    else:
        shutil.rmtree(data, ignore_errors=True)
        start = time.perf_counter()
        params = generate.snapshot(ROOT / "data", data, n)
        params["generation seconds"] = round(time.perf_counter() - start, 1)
        result = {"size": size, "started": started, "machine": machine(), "versions": versions(),
                  "parameters": {**params, "query repeats": repeats, "concurrent seconds": clients_seconds,
                                 "validation cap seconds": validation_cap}}
        print(f"[{size}] generated {n} records in {params['generation seconds']} s", flush=True)
        built = build(data, work)
        result["build"] = built
        print(f"[{size}] build {built['seconds']} s, {built['quads']} quads", flush=True)
        result["oxigraph load"] = oxigraph_load(work / "nquads", work)
        print(f"[{size}] oxigraph load {result['oxigraph load']}", flush=True)
        saved.write_text(json.dumps(result))
    result["queries"] = queries(work / "home", Path(built["store"]), repeats, clients_seconds)
    print(f"[{size}] queries done", flush=True)
    result["validation"] = validation(work / "nquads", validation_cap)
    print(f"[{size}] validation done", flush=True)
    result["lift"] = lift_vs_morph(data, work, built["lift"]["decp-tabulaire-2024s2-travaux"])
    result["ratios"] = ratios(result)
    results.mkdir(parents=True, exist_ok=True)
    (results / f"harness-{size}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    shutil.rmtree(work / "nquads", ignore_errors=True)
    saved.unlink(missing_ok=True)
    return result


def ratios(r: dict) -> dict:
    """Every figure as ours / anchor (time ratios: 1.0 = as fast as the anchor)."""
    out = {"build vs oxigraph load (time)": ratio(r["oxigraph load"].get("seconds"), r["build"]["seconds"])}
    q = r["queries"]
    ours, anchor = q.get("bercy-graph", {}), q.get("oxigraph serve-read-only", {})
    for key in ours:
        if key.endswith("ms"):
            out[key.replace(" ms", "")] = ratio(anchor.get(key), ours[key])
    out["every quad as TSV"] = ratio(anchor.get("every quad as TSV", {}).get("seconds"),
                                     ours.get("every quad as TSV", {}).get("seconds"))
    a16 = anchor.get("16 clients, lookups", {}).get("req_per_s")
    o16 = ours.get("16 clients, lookups", {}).get("req_per_s")
    out["16 clients (throughput, ours / anchor)"] = round(o16 / a16, 2) if a16 and o16 else None
    fast = sum(v["fast"]["seconds"] or 0 for v in r["validation"].values())
    slow = [v["pyshacl"]["seconds"] for v in r["validation"].values()]
    out["validation vs pyshacl (time)"] = ratio(sum(slow), fast) if all(slow) else None
    lift = r["lift"]
    morph = lift.get("Morph-KGC", {}).get("materialisation seconds")   # its own clock: no interpreter start
    out["DECP lift vs Morph-KGC (time per row)"] = ratio(morph, lift["bercy-graph (mappings/decp_tabular.py)"]["seconds"])
    return out
