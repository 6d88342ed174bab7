"""The default graph of a query is an RDF graph, a set: a triple stated by several graphs is one row, so
COUNTs and rdflib's `len()` count what is there. The named graphs keep what each source said; their union
is the default graph when the loader checked that no triple is in two of them, else the loader stores their
merge (graph_service/build/load.py). Organisations and contracts several feeds publish are stated once
(tests/test_each_fact_once.py)."""

from __future__ import annotations

import io
import multiprocessing
import sqlite3
import threading
import time
from contextlib import closing

import pyoxigraph as ox

from graph_service import search
from graph_service.build import aggregates, load
from graph_service.build.load import Loader, load_new_store
from graph_service.build.pipeline import lift_source, settle_and_derive
from graph_service.store import GraphStore
from graph_service.web.documents import void
from mappings.iri import Minter
from mappings.namespaces import VOID, XSD
from mappings.terms import typed
from mappings.registry import SOURCES
from mappings.source import Context

PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX epo: <http://data.europa.eu/a4g/ontology#>
"""
#: a triple matching `pattern` that two named graphs state
SHARED = PREFIXES + ("SELECT * WHERE {{ GRAPH ?a {{ {pattern} }} GRAPH ?b {{ {pattern} }} "
                      "FILTER(STR(?a) < STR(?b)) }} LIMIT 1")
ANY = "?s ?p ?o"


def count(store: GraphStore, query: str) -> dict[str, int]:
    return {k: int(v) for k, v in store.select(query)[0].items()}


def test_rows_of_the_default_graph_are_its_distinct_triples(store):
    """`SELECT (COUNT(*) AS ?n) { ?s ?p ?o }` counts triples, as many as the distinct ones over the graphs."""
    rows = count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")["n"]
    distinct = count(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g "
                            "{ ?s ?p ?o } } }")["n"]
    quads = count(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")["n"]
    assert rows == distinct <= quads


def test_a_contract_published_by_two_feeds_counts_once(store):
    """Paris 2024T03064 is in the 2024 JSON feed and the tabular export: one epo:Contract, in one graph."""
    assert not store.select(SHARED.format(pattern="?s a epo:Contract"))
    c = "<http://127.0.0.1:8000/id/contrat/21750001600019/2024T03064>"
    assert len(store.select(PREFIXES + f"SELECT ?g WHERE {{ GRAPH ?g {{ {c} a epo:Contract }} }}")) == 1
    figures = count(store, PREFIXES + "SELECT (COUNT(*) AS ?rows) (COUNT(DISTINCT ?c) AS ?contracts) "
                                      "WHERE { ?c a epo:Contract }")
    assert figures["rows"] == figures["contracts"] > 10000


def test_an_establishment_named_by_two_sources_has_its_name_once(store):
    """Ville de Paris (21750001600019) is a buyer in several DECP feeds: one prefLabel, in one graph."""
    establishment = "http://127.0.0.1:8000/id/etablissement/21750001600019"
    skos = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    labels = store.select(skos + f"SELECT ?label WHERE {{ <{establishment}> skos:prefLabel ?label }}")
    sources = store.select(skos + f"SELECT ?g WHERE {{ GRAPH ?g {{ <{establishment}> skos:prefLabel ?l }} }}")
    assert len(labels) == len(sources) == 1
    assert not store.select(PREFIXES + f"SELECT ?l WHERE {{ <{establishment}> rdfs:label ?l }}")


def lifted(names: tuple[str, ...], out, settings) -> list:
    ctx = Context(Minter(settings.base), settings.data_dir)
    return [lift_source(source, ctx, out, progress=False) for source in SOURCES if source.name in names]


def test_the_loader_keeps_every_lifted_triple_once(settings, tmp_path):
    """Two DECP feeds, a copy of one of them in another graph (sources no longer restate organisations:
    the copy makes every triple of that feed shared), and the catalog (blank nodes): every quad of the
    lifted files is in its named graph, and the default graph holds each of their triples exactly once,
    with the same blank nodes as the named graphs."""
    results = lifted(("decp-2019-pes", "decp-2024-paris", "catalog"), tmp_path, settings)
    assert len(results) == 3
    copy = tmp_path / "copy.nq"
    pes = next(r for r in results if r.source.name == "decp-2019-pes").nquads.read_text(encoding="utf-8")
    copy.write_text(pes.replace("/graph/decp-2019-pes> .", "/graph/copy> ."), encoding="utf-8")
    paths = [r.nquads for r in results] + [copy]
    path = tmp_path / "store"
    shared = load_new_store(path, [(p, "") for p in paths])
    files = [q for p in paths for q in ox.parse(path=str(p), format=ox.RdfFormat.N_QUADS)]
    # each quad of the copy repeats a triple of decp-2019-pes (the catalog's blank nodes are its own)
    assert shared == len(set(files)) - len({(q.subject, q.predicate, q.object) for q in files}) > 0
    ground = [q for q in files if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))]
    assert len(ground) < len(files)   # the catalog's periods and extents are blank nodes

    store = GraphStore(path)
    rows = store.terms("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    triples = [(str(r["s"]), str(r["p"]), str(r["o"])) for r in rows]
    expected = {(str(q.subject), str(q.predicate), str(q.object)) for q in ground}
    assert len(triples) == len(set(triples))
    assert {t for t in triples if not t[0].startswith("_:") and not t[2].startswith("_:")} == expected
    assert len({(q.subject, q.predicate, q.object) for q in files}) == len(triples)   # as many with blanks
    quads = count(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")["n"]
    assert quads == len({(q.subject, q.predicate, q.object, q.graph_name) for q in files}) > len(triples)
    assert not store.ask("ASK { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) "
                         "FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } }")


def test_graphs_stating_each_triple_once_are_read_through_their_union(settings, tmp_path):
    """Two DECP feeds and the catalog (blank nodes: a `bulk_load` call of its own), no triple in two of
    them: no merge is stored, the union is marked a set; a query's default graph and the Graph Store
    Protocol's (streamed graph after graph, no DISTINCT) hold each triple of the files once."""
    results = lifted(("decp-2019-pes", "decp-2024-paris", "catalog"), tmp_path, settings)
    path = tmp_path / "store"
    assert load_new_store(path, [(r.nquads, "") for r in results]) == 0
    store = GraphStore(path)
    assert not store.merged and store.union_is_a_set
    assert not store.ask("ASK { GRAPH ?a { ?s ?p ?o } GRAPH ?b { ?s ?p ?o } FILTER(?a != ?b) }")
    files = {q for r in results for q in ox.parse(path=str(r.nquads), format=ox.RdfFormat.N_QUADS)}
    triples = {(q.subject, q.predicate, q.object) for q in files}
    assert size(store) == len(triples) == len(files)
    out = io.BytesIO()
    store.write_graph(None, "application/n-triples", out)
    written = [q.triple for q in ox.parse(out.getvalue(), format=ox.RdfFormat.N_TRIPLES)]
    ground = {t for t in triples if not any(isinstance(x, ox.BlankNode) for x in t)}
    assert len(written) == len(triples) > len(ground)
    assert {t for t in written if not any(isinstance(x, ox.BlankNode) for x in t)} == \
        {ox.Triple(*t) for t in ground}


def test_the_default_build_stores_no_merge(built, store):
    """No triple of the default build is in two graphs (tests/test_each_fact_once.py), so the build stores
    no merge: its default graph is the union of the named graphs, marked checked, and says so."""
    assert built.shared_quads == 0
    assert store.union_is_a_set and not store.merged
    assert size(store) == count(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")["n"]


def test_void_counts_what_the_store_holds(store, settings):
    """VoID: each graph's `void:triples` is its size in the store (not the lines its lift wrote, some twice),
    and the whole dataset's is the default graph's. Each fact is stated in one graph (test_each_fact_once.py),
    so the default graph is the sum of the graphs; the loader's merge of shared triples is
    test_the_loader_keeps_every_lifted_triple_once's."""
    per_graph = {r["g"]: int(r["n"]) for r in
                 store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    described = void.graphs(store)
    assert described and all(g.triples == per_graph[g.iri] for g in described)
    url = settings.public_url(void.VOID_PATH)
    total = next(o for s, p, o in void.triples(store, Minter(settings.base), url)
                 if s == f"<{url}#bercy-graph>" and p == VOID.triples)
    assert total == typed(size(store), XSD.integer)
    assert size(store) == sum(per_graph.values())


def size(store: GraphStore) -> int:
    return int(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"])


def test_when_the_union_is_not_a_set_what_the_build_derives_reads_the_merge(tmp_path):
    """A triple two graphs state (a sale's link to Toulon): the check fails, the merge is stored, and what
    the build derives from the store is derived again over it: the search index, whose weights count the
    statements pointing to a thing (Toulon's is 1, not the union's 2), with the cubes' names in the label table
    (graph_service/build/pipeline.py, `settle_and_derive`)."""
    base = "http://127.0.0.1:8000"
    toulon, sale = f"<{base}/id/commune/83137>", f"<{base}/id/mutation/2023-1116745>"
    files = []
    for name, lines in (("a", [f'{toulon} <http://www.w3.org/2000/01/rdf-schema#label> "Toulon"@fr',
                               f"{sale} <http://purl.org/dc/terms/spatial> {toulon}"]),
                        ("b", [f"{sale} <http://purl.org/dc/terms/spatial> {toulon}"])):
        files.append(tmp_path / f"{name}.nq")
        files[-1].write_text("".join(f"{line} <{base}/graph/{name}> .\n" for line in lines), encoding="utf-8")
    path = tmp_path / "store"
    loader = Loader(path)
    for file in files:
        loader.add(file)
    loader.finish()
    ctx = Context(Minter(base), tmp_path)
    shared_quads, cubes = settle_and_derive(path, ctx, "b1", tmp_path, tmp_path / "reports", None)
    assert shared_quads == 1 and len(cubes) == len(aggregates.CUBES)
    with closing(sqlite3.connect(search.index_path(path))) as db:
        assert db.execute("SELECT iri, weight FROM entries").fetchall() == [(toulon[1:-1], 1)]
        cube_names = db.execute("SELECT COUNT(*) FROM labels WHERE kind = 'cube'").fetchone()[0]
    assert cube_names >= len(aggregates.CUBES)


def test_a_process_forked_while_the_loader_feeds_does_not_hold_the_load_open(tmp_path):
    """The build forks (the change feed's process, validation processes) while the loader streams files into
    Oxigraph through a FIFO: a child keeping the FIFO's write end open would keep the stream from ever ending.
    Here a child forked while the loader feeds sleeps on; the load still ends, whole."""
    base = "http://127.0.0.1:8000"
    files = [tmp_path / f"{name}.nq" for name in ("a", "b")]
    for file in files:
        file.write_text(f"<{base}/id/x/{file.stem}> <{base}/def#p> \"{file.stem}\" <{base}/graph/{file.stem}> .\n",
                        encoding="utf-8")
    loader = Loader(tmp_path / "store")
    loader.add(files[0])
    deadline = time.monotonic() + 60
    while not load._feeding and time.monotonic() < deadline:   # the stream is open, waiting for more files
        time.sleep(0.01)
    assert load._feeding
    child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(120,), daemon=True)
    child.start()
    try:
        loader.add(files[1])
        finishing = threading.Thread(target=loader.finish, daemon=True)
        finishing.start()
        finishing.join(60)
        assert not finishing.is_alive() and child.is_alive()
    finally:
        child.kill()
    assert len(ox.Store.read_only(str(tmp_path / "store"))) == 2
