"""The remote store backend (graph_service/remote_store.py): a build published to a SPARQL engine, and the
service reading it there, give what the embedded store gives.

Each engine (an Oxigraph server, Virtuoso) is started by the tests on free local ports with a temporary
database. The sources are real and few (the régions, the départements, two DECP 2019 feeds: the machine
is small): one build goes to the engine, and its embedded copy is the reference the engine's answers are
held to (that copy is itself checked against the source files by tests/test_queries.py and others); the
page and the endpoint are also checked against the source files directly.
"""

from __future__ import annotations

import csv
import re
import shutil
from dataclasses import replace
from decimal import Decimal, InvalidOperation

import pytest
import requests

from graph_service.build.pipeline import GRAPH_COUNTS, build
from graph_service.config import PROJECT_ROOT, Settings
from graph_service.remote_store import MERGES, POINTER, RemoteStore, staging
from graph_service.remote_store import served
from graph_service.store import GraphStore
from mappings import cog, decp_v1

from .conftest import BASE, DATA
from .engines import ENGINES
from .serving import running_server

SOURCES = [*cog.SOURCES[:2], *decp_v1.SOURCES[:2]]
#: each engine's own time limit, in seconds. Virtuoso's (MaxQueryExecutionTime) bounds updates too, the
#: switch's MOVE included, which takes seconds here on a loaded machine: it gets room.
LIMITS = {"oxigraph": 10, "virtuoso": 60}
QUERIES = sorted((PROJECT_ROOT / "queries").glob("*.rq"))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A private copy of the few sources' files."""
    folder = tmp_path_factory.mktemp("remote-data")
    for source in SOURCES:
        (folder / source.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / source.path, folder / source.path)
    for support in ("decp/schema", "referentials/cog2025"):
        shutil.copytree(DATA / support, folder / support, dirs_exist_ok=True)
    return folder


@pytest.fixture(scope="module", params=["embedded", *ENGINES])
def engine(request, data, tmp_path_factory):
    """(settings, report) of a build served by the engine (None: the embedded store)."""
    name = request.param
    home = tmp_path_factory.mktemp(f"home-{name}")
    settings = Settings(base=BASE, data_dir=data, home=home)
    if name == "embedded":
        yield settings, build(settings, SOURCES, progress=False, validate=False)
        return
    command, server = ENGINES[name]
    if command is None:
        pytest.fail(f"{name} is not installed (`make engines` installs it)")
    with server(tmp_path_factory.mktemp(name), timeout=LIMITS[name]) as url:
        settings = replace(settings, graph_store=url)
        yield settings, build(settings, SOURCES, progress=False, validate=False)


def number(value: str) -> object:
    """Numbers compared as numbers (engines write `1.50` or `1.5`, `1E3` or `1000.0`), floats to 9 digits."""
    try:
        return round(Decimal(value), 9).normalize()
    except InvalidOperation:
        return value


def answers(rows: list[dict[str, str]], concatenated: tuple[str, ...] = ()) -> list[tuple]:
    """Rows as comparable tuples. Where SPARQL leaves the answer to the engine, or Virtuoso departs from it
    (docs/ARCHITECTURE.md, "Remote store"): a GROUP_CONCAT's parts in any order, an empty GROUP_CONCAT
    unbound or "", a SUM over no row unbound or 0 (a row of aggregates over nothing is then empty)."""
    def value(name: str, text: str) -> str:
        return " ".join(sorted(text.split(" "))) if name in concatenated else str(number(text))
    def kept(name: str, text: str) -> bool:
        return not (name in concatenated and text == "")
    tuples = [tuple(sorted((k, value(k, v)) for k, v in row.items() if kept(k, v))) for row in rows]
    if len(tuples) == 1 and all(v == "0" for _, v in tuples[0]):
        tuples = [()]
    return sorted(tuples)


def test_the_build_is_served_by_the_engine(engine):
    settings, report = engine
    store, local = served(settings), GraphStore.current(settings)
    assert store.version()[0] == report.build_id == local.path.name
    assert store.named_graphs() == local.named_graphs() and len(local.named_graphs()) > 5
    counts = {r["g"]: int(r["n"]) for r in store.select(GRAPH_COUNTS)}
    assert counts == report.graphs   # every triple of every graph, none of the engine's own graphs
    # the default graph is the merge, a set: as many triples as the embedded store's, not the pointer's or staging ones
    every = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert store.select(every) == local.select(every)


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_every_question_of_queries_gets_the_embedded_stores_answer(engine, query):
    settings, _ = engine
    text = query.read_text(encoding="utf-8")
    concatenated = tuple(re.findall(r"GROUP_CONCAT\(.*?\bAS \?(\w+)", text, re.S))
    assert answers(served(settings).select(text), concatenated) == \
        answers(GraphStore.current(settings).select(text), concatenated)


def test_the_questions_on_these_sources_are_not_empty(engine):
    """Guard for the comparison above: on these sources the DECP and COG questions do have answers."""
    settings, _ = engine
    store = served(settings)
    for name in ("decp_contracts_by_departement", "decp_quality_by_source", "link_coverage"):
        assert store.select((PROJECT_ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")), name


def test_a_departement_page_and_the_sparql_endpoint_answer_from_the_engine(engine, monkeypatch):
    settings, report = engine
    with (DATA / "referentials/cog2025/cog2025_departments.csv").open(encoding="utf-8") as handle:
        var = next(r for r in csv.DictReader(handle) if r["code"] == "83")
    if settings.graph_store:
        monkeypatch.setenv("BERCY_GRAPH_STORE", settings.graph_store)
    with running_server(settings) as url:
        page = requests.get(f"{url}/id/departement/83.html", timeout=120)
        assert page.status_code == 200 and f"<h1>{var['name']}</h1>" in page.text
        assert var["capital_name"] in page.text

        ask = f'ASK {{ <{BASE}/id/departement/83> ?p "{var["name"]}"@fr }}'
        answer = requests.post(f"{url}/sparql", data={"query": ask}, timeout=60,
                               headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200 and answer.json()["boolean"] is True

        graphs = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        table = requests.post(f"{url}/sparql", data={"query": graphs}, timeout=60,
                              headers={"Accept": "text/tab-separated-values"})
        assert table.status_code == 200 and table.headers["content-type"].startswith("text/tab-separated-values")
        rows = [line.split("\t") for line in table.text.splitlines()[1:]]
        assert {g.strip("<>"): int(n.split("^^")[0].strip('"')) for g, n in rows} == report.graphs

        construct = f"CONSTRUCT {{ <{BASE}/id/departement/83> ?p ?o }} WHERE {{ <{BASE}/id/departement/83> ?p ?o }}"
        turtle = requests.post(f"{url}/sparql", data={"query": construct}, timeout=60,
                               headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
        assert f'"{var["name"]}"@fr' in turtle.text

        # the public endpoint stays read-only and fetches nothing: refused before the engine sees it
        for refused in (f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
                        f"SELECT * WHERE {{ SERVICE <{settings.graph_store or url}> {{ ?s ?p ?o }} }}"):
            assert requests.post(f"{url}/sparql", data={"query": refused}, timeout=60).status_code == 400
        update = requests.post(f"{url}/sparql", data={"update": f"DROP GRAPH <{POINTER}>"}, timeout=60)
        assert update.status_code in (400, 403, 405)
        assert served(settings).version()[0] == report.build_id   # the pointer is still there


def test_a_query_past_its_time_is_stopped_and_said_so(engine):
    """The HTTP call has the service's bound, and the engine its own (`LIMITS`): a query that
    would run for hours ends in an error (never in partial rows passed on as the answer)."""
    settings, _ = engine
    if settings.graph_store is None or "/sparql" in settings.graph_store:
        pytest.skip("the embedded store's bound is the worker's (tests/test_query_workers.py); Virtuoso's limit is "
                    f"{LIMITS['virtuoso']} s here (see LIMITS): a query left running that long would stall the "
                    "machine's other tests, and the HTTP bound is ours, the same code for every engine")
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with pytest.raises(TimeoutError):
        RemoteStore(settings.graph_store, timeout=1).select(endless)
    # the engine's limit: its error, its answer cut short or Virtuoso's partial answer, refused; a join
    # the engine does not interrupt (Oxigraph checks its limit between solutions) meets our HTTP bound
    with pytest.raises(OSError):
        RemoteStore(settings.graph_store, timeout=3 * LIMITS["oxigraph"]).select(endless)
    assert served(settings).version()[0]   # and the engine answers on


def test_a_second_build_switches_the_engine_to_it_and_leaves_no_staging_graph(engine):
    settings, first = engine
    if not settings.graph_store:
        pytest.skip("the embedded store's swap is tests/test_rebuild.py's")
    every = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    first_total = int(served(settings).select(every)[0]["n"])
    second = build(settings, SOURCES[:3], progress=False, validate=False)   # one feed fewer
    store = RemoteStore(settings.graph_store, settings.store_root)
    assert store.version()[0] == second.build_id != first.build_id
    assert {r["g"]: int(r["n"]) for r in store.select(GRAPH_COUNTS)} == second.graphs
    assert f"{BASE}/graph/{SOURCES[3].name}" not in store.named_graphs()   # the dropped feed's graph is gone
    own = "SELECT (COUNT(*) AS ?n) FROM <urn:x> WHERE { ?s ?p ?o }"   # an empty graph of the query's own dataset
    assert store.select(own) == [{"n": "0"}]   # not the served merge
    for graph in first.graphs:   # the switch moved every staging graph: none is left
        assert not store.ask(f"ASK FROM NAMED <{staging(graph)}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"), graph
    # the merge is read where the pointer says, the other place still holding the build before (whole
    # for a reader that read the pointer just before the switch); a third build empties it first
    merges = [f"SELECT (COUNT(*) AS ?n) FROM <{m}> WHERE {{ ?s ?p ?o }}" for m in MERGES]
    counts = {m: int(store.select(q)[0]["n"]) for m, q in zip(MERGES, merges)}
    every = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert counts[store.pointer().merge] == int(store.select(every)[0]["n"]) == \
        int(GraphStore.current(settings).select(every)[0]["n"])
    assert sorted(counts.values()) == sorted([counts[store.pointer().merge], first_total])
