"""The benchmark harness at its smallest size, as a smoke check (CI): one command generates the
inputs, builds, measures every anchor in the same run and writes its JSON. The anchors are installed
by `make test` (`make bench-env`); when one is missing the test says so by name (a skip with the
reason), never a silent pass.
"""

from __future__ import annotations

import csv
import json

import pytest

from benchmarks.harness import generate, run


def test_generated_inputs_keep_the_real_formats_and_identifiers(tmp_path):
    params = generate.snapshot(run.ROOT / "data", tmp_path / "data", 400)
    assert set(params["files"]) == set(generate.GENERATED)
    tab = tmp_path / "data" / generate.DECP_TAB[0]
    with tab.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with (run.ROOT / "data" / generate.DECP_TAB[0]).open(encoding="utf-8") as f:
        real = csv.DictReader(f)
        assert rows and list(rows[0]) == real.fieldnames
    sirets = [r["titulaire_id"] for r in rows if len(r["titulaire_id"]) == 14]
    assert sirets and all(generate.luhn_ok(s) for s in sirets)
    assert all(r["uid"] == r["acheteur_id"] + r["id"] for r in rows)
    with (run.ROOT / "data/referentials/cog2025/cog2025_communes.csv").open(encoding="utf-8") as f:
        communes = {r["code"] for r in csv.DictReader(f)}
    with (tmp_path / "data" / generate.GEO_DVF[0]).open(encoding="utf-8") as f:
        geo = list(csv.DictReader(f))
    assert geo and all(r["code_commune"] in communes for r in geo)
    raw = (tmp_path / "data" / generate.RAW_DVF[0]).read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")   # the DGFiP file's CRLF kept
    v2 = json.loads((tmp_path / "data" / generate.DECP_V2[0]).read_text(encoding="utf-8"))
    assert isinstance(v2, list) and all(len(r["id"]) <= 16 for r in v2)   # the 2024+ schema's bound


def test_the_harness_runs_in_one_command_and_writes_every_anchor(tmp_path):
    missing = [str(p) for p in (run.OXIGRAPH, run.MORPH) if not p.exists()]
    if missing:
        pytest.skip(f"anchors not installed (make bench-env): {', '.join(missing)}")
    result = run.run("tiny", tmp_path / "work", repeats=5, clients_seconds=2, validation_cap=300,
                     results=tmp_path / "results")
    written = json.loads((tmp_path / "results" / "harness-tiny.json").read_text())
    assert written["ratios"] == result["ratios"]
    assert written["machine"]["cores"] and written["versions"]["oxigraph CLI"].startswith("oxigraph")
    assert result["oxigraph load"]["seconds"] > 0 and result["build"]["seconds"] > 0
    assert result["build"]["quads"] > 1_000_000 and "loader thread, beside the lift (bulk_load)" in result["build"]["phases"]
    ours, anchor = result["queries"]["bercy-graph"], result["queries"]["oxigraph serve-read-only"]
    assert ours["16 clients, lookups"]["errors"] == 0 and anchor["16 clients, lookups"]["errors"] == 0
    assert ours["every quad as TSV"]["mib"] == anchor["every quad as TSV"]["mib"]   # the same store, the same rows
    for name, engines in result["validation"].items():   # both engines give the same answer
        assert engines["fast"]["results"] == engines["pyshacl"]["results"], name
    assert result["lift"]["Morph-KGC"]["triples (distinct)"] > 0
    assert all(v is not None for v in result["ratios"].values()), result["ratios"]
