"""What `/def` says: the vocabulary (`bg:` terms) and the shapes, read from the graphs the build loaded
them into (graph_service/build/vocabulary.py), never from the files: the served store is the one truth.

A term is an IRI of the namespace `https://w3id.org/bercy-graph/def#`; its HTML is the `/def` page's
section `#<local name>` (hash IRIs: `bg:montant` is `/def#montant`, once w3id.org redirects the
namespace to `/def`, see ontology/README.md).
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field

from mappings.namespaces import BG_ONTOLOGY, PREFIXES

from graph_service.store import GraphStore

VOCABULARY_PATH = "/def"
SHAPES_PATH = "/def/shapes"
VOCABULARY_GRAPH = "vocabulary"
SHAPES_PREFIX = "shapes-"
ONTOLOGY_IRI = BG_ONTOLOGY.rstrip("#")


@dataclass
class Term:
    """One `bg:` term and what the vocabulary says of it: predicate IRI -> its values (IRIs bare,
    literals as (text, language))."""

    iri: str
    facts: dict[str, list[tuple[str, str | None, bool]]] = field(default_factory=lambda: defaultdict(list))

    @property
    def name(self) -> str:
        return self.iri[len(BG_ONTOLOGY):]

    def texts(self, predicate: str, lang: str) -> list[str]:
        return [v for v, language, is_iri in self.facts.get(predicate, ()) if not is_iri and language == lang]

    def iris(self, predicate: str) -> list[str]:
        return [v for v, _, is_iri in self.facts.get(predicate, ()) if is_iri]


def graph_iri(store: GraphStore, name: str) -> str | None:
    """The IRI of the build's graph `name` (`{base}/graph/<name>`, whatever base it was built with)."""
    return next((g for g in store.named_graphs() if g.endswith(f"/graph/{name}")), None)


def ntriples(store: GraphStore, name: str) -> bytes:
    """A loaded graph as N-Triples (empty when the build has no such graph)."""
    graph = graph_iri(store, name)
    if graph is None:
        return b""
    out = io.BytesIO()
    store.write_graph(graph, "application/n-triples", out)
    return out.getvalue()


def terms(store: GraphStore) -> list[Term]:
    """Every `bg:` term the vocabulary graph describes, with all it says of them, by name."""
    graph = graph_iri(store, VOCABULARY_GRAPH)
    if graph is None:
        return []
    rows = store.terms(f"SELECT ?t ?p ?o WHERE {{ GRAPH <{graph}> {{ ?t ?p ?o "
                       f"FILTER(STRSTARTS(STR(?t), \"{BG_ONTOLOGY}\")) }} }}")
    found: dict[str, Term] = {}
    for r in rows:
        value = r["o"]
        term = found.setdefault(r["t"].value, Term(r["t"].value))
        term.facts[r["p"].value].append((value.value, value.language, value.kind == "iri"))
    return sorted(found.values(), key=lambda t: t.name.lower())


def ontology_facts(store: GraphStore) -> list[tuple[str, str, str | None]]:
    """(predicate, value, language) of the ontology header (version, licence, preferred prefix...)."""
    graph = graph_iri(store, VOCABULARY_GRAPH)
    if graph is None:
        return []
    rows = store.terms(f"SELECT ?p ?o WHERE {{ GRAPH <{graph}> {{ <{ONTOLOGY_IRI}> ?p ?o }} }}")
    return [(r["p"].value, r["o"].value, r["o"].language) for r in rows]


def shapes_graphs(store: GraphStore) -> list[tuple[str, str]]:
    """(name, title) of the shapes graphs of the build (`shapes-budget`...), by name."""
    rows = store.select(f"PREFIX dct: <{PREFIXES['dct']}> SELECT ?g ?title WHERE {{ ?g dct:title ?title "
                        f"FILTER(CONTAINS(STR(?g), \"/graph/{SHAPES_PREFIX}\")) }} ORDER BY ?g")
    return [(r["g"].rsplit("/", 1)[-1], r["title"]) for r in rows]
