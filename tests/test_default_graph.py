"""The default graph of a query is an RDF graph, a set: a triple stated by several sources (a DECP
establishment's type and name, published by two feeds; a cube's dimension, declared by each budget)
is one row, so COUNTs and rdflib's `len()` count what is there. The named graphs keep what each
source said (graph_service/build/load.py stores their merge as the default graph)."""

from __future__ import annotations

import pyoxigraph as ox

from graph_service.build.load import load_new_store
from graph_service.build.pipeline import lift_source
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
    assert store.select(SHARED.format(pattern=ANY)), "the build has triples stated by two sources"
    rows = count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")["n"]
    distinct = count(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g "
                            "{ ?s ?p ?o } } }")["n"]
    quads = count(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")["n"]
    assert rows == distinct < quads


def test_a_contract_published_by_two_feeds_counts_once(store):
    shared = store.select(SHARED.format(pattern="?s a epo:Contract"))
    assert shared, "some contract is published by two DECP feeds"
    figures = count(store, PREFIXES + "SELECT (COUNT(*) AS ?rows) (COUNT(DISTINCT ?c) AS ?contracts) "
                                      "WHERE { ?c a epo:Contract }")
    assert figures["rows"] == figures["contracts"] > 10000


def test_an_establishment_named_by_two_sources_has_its_name_once(store):
    found = store.select(SHARED.format(pattern="?s rdfs:label ?o FILTER(CONTAINS(STR(?s), '/etablissement/'))"))
    assert found, "some establishment's name is stated by two DECP feeds"
    establishment = found[0]["s"]
    labels = store.select(PREFIXES + f"SELECT ?label WHERE {{ <{establishment}> rdfs:label ?label }}")
    sources = store.select(PREFIXES + f"SELECT ?g WHERE {{ GRAPH ?g {{ <{establishment}> rdfs:label ?l }} }}")
    assert len(labels) == len({r["label"] for r in labels}) == 1 < len(sources)


def test_each_named_graph_keeps_every_triple_its_source_stated(store):
    """The merge takes a shared triple away from none of the sources' graphs."""
    shared = store.terms(SHARED.format(pattern=ANY))[0]
    s, p, o = (str(shared[k]) for k in "spo")
    graphs = store.select(f"SELECT ?g WHERE {{ GRAPH ?g {{ {s} {p} {o} }} }}")
    assert {r["g"] for r in graphs} >= {shared["a"].value, shared["b"].value}


def lifted(names: tuple[str, ...], out, settings) -> list:
    ctx = Context(Minter(settings.base), settings.data_dir)
    return [lift_source(source, ctx, out, progress=False) for source in SOURCES if source.name in names]


def test_the_loader_keeps_every_lifted_triple_once(settings, tmp_path):
    """Two DECP feeds that share establishments, and the catalog (blank nodes): every quad of the lifted
    files is in its named graph, and the default graph holds each of their triples exactly once, with the
    same blank nodes as the named graphs."""
    results = lifted(("decp-2019-pes", "decp-2024-paris", "catalog"), tmp_path, settings)
    assert len(results) == 3
    path = tmp_path / "store"
    load_new_store(path, [(r.nquads, "") for r in results])
    files = [q for r in results for q in ox.parse(path=str(r.nquads), format=ox.RdfFormat.N_QUADS)]
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


def test_void_counts_what_the_store_holds(store, settings):
    """VoID: each graph's `void:triples` is its size in the store (not the lines its lift wrote, some twice),
    and the whole dataset's is the default graph's (a triple stated by two graphs once)."""
    per_graph = {r["g"]: int(r["n"]) for r in
                 store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    described = void.graphs(store)
    assert described and all(g.triples == per_graph[g.iri] for g in described)
    url = settings.public_url(void.VOID_PATH)
    total = next(o for s, p, o in void.triples(store, Minter(settings.base), url)
                 if s == f"<{url}#bercy-graph>" and p == VOID.triples)
    assert total == typed(size(store), XSD.integer)
    assert size(store) < sum(per_graph.values())


def size(store: GraphStore) -> int:
    return int(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"])
