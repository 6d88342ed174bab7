"""README's benchmark table, generated from benchmarks/results/harness-*.json (never written by hand)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.harness.run import RESULTS, ROOT, SIZES

START, END = "<!-- harness:start (python -m benchmarks harness --table) -->", "<!-- harness:end -->"


def fmt(value, unit: str = "") -> str:
    return "–" if value is None else f"{value}{unit}"


def one(r: dict) -> list[str]:
    """The issue's table for one result file, then where the build's time goes."""
    q = r["queries"]
    ours, anchor = q.get("bercy-graph", {}), q.get("oxigraph serve-read-only", {})
    ratios, build, load = r["ratios"], r["build"], r["oxigraph load"]
    m = r["machine"]
    lines = [f"**{r['size']}** ({r['parameters']['records']:,} records per family; {build['quads']:,} quads lifted; "
             f"{m['cores']} cores, load average {m['load_average_at_start'][0]:.1f} at start; {r['started']})", "",
             "| what | bercy-graph | anchor, same data | ours / anchor |", "|---|---|---|---|",
             f"| build (lift + validate + load) vs `oxigraph load` of the same N-Quads | {build['seconds']} s | "
             f"{fmt(load.get('seconds'), ' s') if 'absent' not in load else load['absent']} | "
             f"{fmt(ratios['build vs oxigraph load (time)'], 'x')} the time |"]
    for key in ours:
        if key.endswith("ms"):
            lines.append(f"| {key.replace(' ms', '')} (HTTP) | {ours[key]} ms | {fmt(anchor.get(key), ' ms')} | "
                         f"{fmt(ratios.get(key.replace(' ms', '')), 'x')} |")
    tsv_o, tsv_a = ours.get("every quad as TSV", {}), anchor.get("every quad as TSV", {})
    lines.append(f"| every quad as TSV | {fmt(tsv_o.get('seconds'), ' s')} ({fmt(tsv_o.get('mib'), ' MiB')}) | "
                 f"{fmt(tsv_a.get('seconds'), ' s')} | {fmt(ratios['every quad as TSV'], 'x')} |")
    c_o, c_a = ours.get("16 clients, lookups", {}), anchor.get("16 clients, lookups", {})
    lines.append(f"| 16 concurrent clients, lookups | {fmt(c_o.get('req_per_s'), ' req/s')}, {c_o.get('errors')} errors | "
                 f"{fmt(c_a.get('req_per_s'), ' req/s')}, {c_a.get('errors')} errors | "
                 f"{fmt(ratios['16 clients (throughput, ours / anchor)'], 'x')} the throughput |")
    fast = round(sum(v["fast"]["seconds"] or 0 for v in r["validation"].values()), 1)
    slow = [v["pyshacl"].get("seconds") for v in r["validation"].values()]
    lines.append(f"| validation of the generated graphs (fast engine) vs pyshacl | {fast} s | "
                 f"{round(sum(slow), 1) if all(slow) else 'stopped at the cap'} s | "
                 f"{fmt(ratios['validation vs pyshacl (time)'], 'x')} the time |")
    lift = r["lift"]
    o = lift["bercy-graph (mappings/decp_tabular.py)"]
    mk = lift.get("Morph-KGC", {})
    lines.append(f"| DECP tabular lift ({o['rows']:,} rows) vs Morph-KGC (RML, core triples only) | {o['seconds']} s | "
                 f"{fmt(mk.get('materialisation seconds'), ' s') if 'absent' not in mk else mk['absent']} | "
                 f"{fmt(ratios['DECP lift vs Morph-KGC (time per row)'], 'x')} the time |")
    lines += ["", "Where the build's time goes: " + ", ".join(f"{k} {v} s" for k, v in build["phases"].items())
              + f"; peak memory {build['peak_rss_mib']} MiB, store {build['store_mib']} MiB "
              f"(`oxigraph load`'s: {fmt(load.get('store_mib'), ' MiB')}).", ""]
    return lines


def national(r: dict) -> list[str]:
    """A national-size run: the build, then each query of queries/ with the service's time limit."""
    build, m, p = r["build"], r["machine"], r["parameters"]
    phases = ", ".join(f"{k} {v} s" for k, v in build["phases"].items())
    lines = [f"**National size, {r['size']}** ({p['records']:,} DECP contracts, {p['records']:,} DVF lines, "
             f"{p['records'] // 4:,} SIRENE legal units, the real referentials; {build['rows lifted']:,} rows lifted, "
             f"{build['quads']:,} quads; {m['cores']} cores, load average {m['load_average_at_start'][0]:.1f} at "
             f"start; {r['started']}): built in {build['seconds']} s ({phases}); peak memory "
             f"{build['peak_rss_mib']:,} MiB; store {build['store_mib']:,} MiB. Queries of `queries/` through "
             f"`/sparql` (limit {p['query time limit seconds']:.0f} s): {r['queries within the limit']} answered "
             "within it.", "", "| query | time | rows |", "|---|---|---|"]
    for name, q in r["queries"].items():
        answer = q["rows"] if "rows" in q else f"{q.get('status', '')} {q.get('error', '')[:80]}".strip()
        lines.append(f"| `{name}` | {q['seconds']} s | {answer} |")
    return lines + [""]


def write_readme(readme: Path = ROOT / "README.md") -> None:
    results = [json.loads(p.read_text()) for p in RESULTS.glob("harness-*.json")]
    results.sort(key=lambda r: SIZES.get(r["size"], 0))
    body = [START, ""]
    for r in results:
        body += one(r)
    for path in sorted(RESULTS.glob("national-*.json")):
        body += national(json.loads(path.read_text()))
    body.append(END)
    text = readme.read_text(encoding="utf-8")
    if START in text:
        head, rest = text.split(START, 1)
        text = head + "\n".join(body) + rest.split(END, 1)[1]
    else:
        text += "\n" + "\n".join(body) + "\n"
    readme.write_text(text, encoding="utf-8")
