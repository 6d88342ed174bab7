"""`bercy-graph validate` re-runs the shapes on the graphs of the current store: it must read
exactly what the build validated (one named graph per source, dumped with its name)."""

from __future__ import annotations

import pyoxigraph as ox

from graph_service import cli
from graph_service.build.revalidate import revalidate
from graph_service.shacl.shape_sets import SHAPE_SETS
from mappings.iri import Minter


def test_dump_graph_writes_every_quad_of_the_graph(store, settings, tmp_path):
    graph = Minter(settings.base).graph("cog-departements")[1:-1]
    path = tmp_path / "dump.nq"
    store.dump_graph(graph, path)
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    expected = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert len(quads) == int(expected[0]["n"]) > 0
    assert {q.graph_name.value for q in quads} == {graph}


def test_revalidate_finds_what_the_build_found(built, store, settings):
    fast_sets = [s for s in SHAPE_SETS if s.engine == "fast"]
    outcomes = {o.name: o for o in revalidate(store, settings, fast_sets)}
    at_build = {v["name"]: v for v in built.validation if v["name"] in {s.name for s in fast_sets}}
    assert at_build and set(outcomes) == set(at_build)
    for name, summary in at_build.items():
        assert outcomes[name].graphs == summary["graphs"]
        again = (outcomes[name].violations, outcomes[name].warnings)
        assert again == (summary["violations"], summary["warnings"])


def test_validate_command(built, settings, monkeypatch, capsys):
    monkeypatch.setenv("BERCY_GRAPH_HOME", str(settings.home))
    referentials = [s for s in SHAPE_SETS if s.name == "referentials"]
    monkeypatch.setattr("graph_service.shacl.shape_sets.SHAPE_SETS", referentials)
    code = cli.main(["validate", "--limit", "3"])
    out = capsys.readouterr().out
    assert out.startswith("referentials: 0 violations")  # the session build passed its blocking shapes
    assert code == 0
