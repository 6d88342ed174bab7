"""Running the shape sets (graph_service/shacl/shape_sets.py) in a pool of processes, with the catalog's
data parsed once for its three DCAT-AP sets and the organisations loaded once for the sets that read
them, reports exactly what running each set on its own reports."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pyoxigraph as ox
import pytest
from rdflib import Graph

from graph_service.build.load import Loader
from graph_service.shacl import fast, pyshacl_engine
from graph_service.shacl.shape_sets import Job, OnStore, ShapeSet, run, tasks
from mappings.read import SourceError

HERE = Path(__file__).parent / "shacl"
EDGE_SHAPES, EDGE_DATA = HERE / "edge_shapes.ttl", HERE / "edge_cases.ttl"
EX = "http://example.org/edge#"


def key(result) -> tuple[str, str, str, str, str]:
    return (result.focus, result.path, result.severity, result.component, result.value)


def quads(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    """The edge cases split in two: people in one graph each, and the organisations they work for in a
    shared file, as the DECP sets read the organisations graph."""
    g = "<http://example.org/graph/{}>".format
    shared = quads(tmp_path / "organisations.nq", "".join(
        f"<{EX}{s}> <{p}> {o} {g('organisations')} .\n" for s, p, o in (
            ("acme", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", f"<{EX}PublicBody>"),
            ("acme", f"{EX}orgName", '"Acme"@fr'), ("acme", f"{EX}siren", '"130025265"'),
            ("acme", f"{EX}country", f"<{EX}France>"),
            ("PublicBody", "http://www.w3.org/2000/01/rdf-schema#subClassOf", f"<{EX}Company>"),
            ("Company", "http://www.w3.org/2000/01/rdf-schema#subClassOf", f"<{EX}Organisation>"))))
    people = {}
    for name, employer in (("one", "acme"), ("two", "nobody")):
        people[name] = quads(tmp_path / f"people-{name}.nq", "".join(
            f"<{EX}{name}> <{p}> {o} {g('people-' + name)} .\n" for p, o in (
                ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", f"<{EX}Person>"),
                (f"{EX}name", '"A"'), (f"{EX}employer", f"<{EX}{employer}>"))))
    return {"shared": shared, **people}


def sets(engine: str) -> list[ShapeSet]:
    return [ShapeSet("people", (str(EDGE_SHAPES),), lambda name: name.startswith("people-"), engine=engine,
                     per_graph=True, organisations=True),
            ShapeSet("edge", (str(EDGE_SHAPES),), lambda name: name == "edge", engine=engine),
            ShapeSet("edge-again", (str(EDGE_SHAPES),), lambda name: name == "edge", engine=engine,
                     blocking=False)]


def results_of(files: dict[str, Path]) -> list[SimpleNamespace]:
    named = {"people-one": files["one"], "people-two": files["two"], "edge": EDGE_DATA}
    return [SimpleNamespace(source=SimpleNamespace(name=n), nquads=p) for n, p in named.items()]


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_pool_reports_what_each_set_reports_alone(files, engine):
    outcomes = run(results_of(files), sets(engine), shared=[files["shared"]], workers=2)
    assert [o.name for o in outcomes] == ["people-one", "people-two", "edge", "edge-again"]
    engine_fn = {"fast": fast.fast_engine, "pyshacl": pyshacl_engine.pyshacl_engine}[engine]
    alone = [engine_fn([EDGE_SHAPES], [files["one"], files["shared"]]),
             engine_fn([EDGE_SHAPES], [files["two"], files["shared"]]),
             engine_fn([EDGE_SHAPES], [EDGE_DATA]), engine_fn([EDGE_SHAPES], [EDGE_DATA])]
    for outcome, (expected, _) in zip(outcomes, alone):
        assert sorted(map(key, outcome.results)) == sorted(map(key, expected))
        assert outcome.engine == engine and outcome.seconds > 0
    # the people of graph two work for an organisation nobody describes: a class violation there only
    assert not any(r.component == "ClassConstraintComponent" and r.path == f"{EX}employer"
                   for r in outcomes[0].results)
    assert any(r.component == "ClassConstraintComponent" and r.path == f"{EX}employer"
               for r in outcomes[1].results)
    assert outcomes[2].violations > 0 and not outcomes[3].blocking


def text(outcome) -> str:
    """A report's text, the blank nodes naming shapes left out (rdflib names them anew at each parse)."""
    return re.sub(r"\bn[0-9a-f]{32}b[0-9]+\b", "_:b", outcome.text)


def test_one_process_and_two_agree(files):
    one = run(results_of(files), sets("fast"), shared=[files["shared"]], workers=1)
    two = run(results_of(files), sets("fast"), shared=[files["shared"]], workers=2)
    assert [(o.name, text(o)) for o in one] == [(o.name, text(o)) for o in two]
    assert "Results (0)" not in text(one[2])


def test_on_the_store_each_set_reads_its_own_graphs_only(files, tmp_path):
    """The build's path: every file in one store (as the build's loader leaves it), each set validated there
    on its graphs alone: it reports exactly what it reports on its own files, nothing of the other graphs
    (people-two's employer is described nowhere: a violation in people-two, none in people-one's report)."""
    graph = "http://example.org/graph/{}".format
    edge = tmp_path / "edge.nq"   # the edge cases as the build writes a source: N-Quads in its graph
    edge.write_bytes(ox.serialize((ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph("edge")))
                                   for t in ox.parse(path=str(EDGE_DATA), format=ox.RdfFormat.TURTLE)),
                                  format=ox.RdfFormat.N_QUADS))
    named = {"people-one": files["one"], "people-two": files["two"], "edge": edge}
    results = [SimpleNamespace(source=SimpleNamespace(name=n), nquads=p) for n, p in named.items()]
    mixed = sets("fast") + [ShapeSet("edge-pyshacl", (str(EDGE_SHAPES),), lambda name: name == "edge")]
    loader = Loader(tmp_path / "store")
    for path in (*named.values(), files["shared"]):
        loader.add(path)
    try:
        on_store = run(results, mixed, shared=[files["shared"]], store=OnStore(loader.wait, lambda file: graph(file.stem)))
    finally:
        loader.finish()
    on_files = run(results, mixed, shared=[files["shared"]], workers=1)
    assert [o.name for o in on_store] == ["people-one", "people-two", "edge", "edge-again", "edge-pyshacl"]
    for stored, filed in zip(on_store, on_files):
        assert sorted(map(key, stored.results)) == sorted(map(key, filed.results)), stored.name
    assert not {f"{EX}two", f"{EX}bob"} & {r.focus for r in on_store[0].results}   # people-two's, edge's
    assert any(r.path == f"{EX}employer" for r in on_store[1].results)
    assert on_store[2].violations > 0 and on_store[2].engine == "fast" and on_store[4].engine == "pyshacl"
    # the same store read whole mixes the sets: the scoping above is what keeps them apart
    everything = fast.validate_store(Graph().parse(EDGE_SHAPES), ox.Store.read_only(str(tmp_path / "store")))
    assert {r.focus for r in everything} > {r.focus for r in on_store[0].results} | {r.focus for r in on_store[2].results}


def test_kept_organisations_are_the_same_store_each_time(files):
    """Within `fast.keeping`, each call sees the kept files plus its own, never the previous call's."""
    with fast.keeping([files["shared"]]):
        first, _ = fast.fast_engine([EDGE_SHAPES], [files["two"], files["shared"]])
        second, _ = fast.fast_engine([EDGE_SHAPES], [files["one"], files["shared"]])
        again, _ = fast.fast_engine([EDGE_SHAPES], [files["two"], files["shared"]])
    assert not any(r.focus == f"{EX}two" for r in second)
    assert sorted(map(key, first)) == sorted(map(key, again))
    assert sorted(map(key, second)) == sorted(map(key, fast.fast_engine(
        [EDGE_SHAPES], [files["one"], files["shared"]])[0]))


def test_units_group_shared_work_and_start_with_the_longest(files):
    shapes = (EDGE_SHAPES,)
    jobs = [Job("fast", shapes, (files["one"], files["shared"]), (files["shared"],)),
            Job("pyshacl", shapes, (EDGE_DATA,)), Job("fast", shapes, (EDGE_DATA,)),
            Job("fast", shapes, (files["two"], files["shared"]), (files["shared"],)),
            Job("pyshacl", shapes, (EDGE_DATA,))]
    units = [indexes for indexes, _ in tasks(jobs)]
    assert sorted(map(sorted, units)) == [[0, 3], [1, 4], [2]]
    assert units[0] == [1, 4]   # pyshacl's, the slowest engine


def test_a_shape_the_fast_engine_refuses_stops_the_run_from_a_worker(files, tmp_path):
    shapes = tmp_path / "closed.ttl"
    shapes.write_text(EDGE_SHAPES.read_text() + f"""
<{EX}ClosedShape> a sh:NodeShape ; sh:targetClass <{EX}Person> ; sh:closed true .
""")
    bad = [ShapeSet("closed", (str(shapes),), lambda name: name == "edge", engine="fast"),
           ShapeSet("people", (str(EDGE_SHAPES),), lambda name: name.startswith("people-"), engine="fast")]
    with pytest.raises(SourceError, match="closed.ttl: shape .*ClosedShape: constraint sh:closed"):
        run(results_of(files), bad, workers=2)
