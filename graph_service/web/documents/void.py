"""The VoID description of the whole graph (`/.well-known/void`, RFC 5785 / VoID §6.2), and the
facts the landing page shares with it: the graphs of the build, example resources, linksets.

Everything comes from the served store: one `void:subset` per named graph with the triple count
the build recorded (graph `provenance`) and the shapes graphs it conforms to (`dct:conformsTo`), class
and property partitions of the whole (counted on the default graph: computed once per build, since
the router caches the document), a per-graph N-Quads dump, the linksets between our graphs
that the build recorded there too, and linksets to official IRIs counted from the `owl:sameAs` /
`skos:exactMatch` links (grouped by target namespace).
"""

from __future__ import annotations

from dataclasses import dataclass

from mappings.iri import Minter
from mappings.namespaces import DCT, FOAF, PREFIXES, RDF, VOID, XSD, sparql_prologue
from mappings.terms import Triple, fr, iri, literal, typed

from graph_service.web.documents.entity import exists
from graph_service.store import GraphStore

#: Where the description is served (RFC 5785 well-known path).
VOID_PATH = "/.well-known/void"
#: Where to start: (kind, key, why it is interesting, in French as the landing page). Shown only if
#: the build has them.
EXAMPLES = (
    ("commune", "83137", "des milliers de ventes immobilières (DVF), une liste paginée de liens entrants"),
    ("departement", "75", "le département où s'exécutent le plus de marchés publics (DECP)"),
    ("cpv", "45210000", "un code CPV (travaux de construction) et les marchés classés sous ce code"),
    ("dataset", "decp_augmente", "un jeu de données du catalogue du ministère, avec son score de qualité"),
    ("programme", "152", "un programme du budget de l'État"),
    ("naf", "62.01Z", "un code d'activité NAF"),
    ("catalog", "data-economie-gouv-fr", "le catalogue DCAT du ministère"),
)
LINK_PREDICATES = ("owl:sameAs", "skos:exactMatch")


@dataclass(frozen=True)
class GraphInfo:
    iri: str
    name: str
    title: str
    triples: int


def graphs(store: GraphStore) -> list[GraphInfo]:
    """The named graphs of the build, with the title and triple count recorded in `provenance`."""
    rows = store.select(sparql_prologue("dct", "void") +
                        "SELECT ?g ?title ?n WHERE { ?g a void:Dataset ; void:triples ?n . "
                        "OPTIONAL { ?g dct:title ?title } } ORDER BY ?g")
    return [GraphInfo(r["g"], r["g"].rsplit("/", 1)[-1], r.get("title", r["g"]), int(r["n"])) for r in rows]


def examples(store: GraphStore, minter: Minter) -> list[tuple[str, str]]:
    """(IRI, why) of the example resources present in this build."""
    found = [(minter.entity_iri(kind, key), why) for kind, key, why in EXAMPLES]
    return [(e, why) for e, why in found if exists(store, e)]


def linksets(store: GraphStore, base: str) -> list[tuple[str, str, int]]:
    """(link predicate, target namespace, number of links) for links to IRIs outside our base."""
    preds = " ".join(LINK_PREDICATES)
    ours = literal(base + "/")
    rows = store.select(sparql_prologue("owl", "skos") +
                        f"SELECT ?p ?target (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ "
                        f"VALUES ?p {{ {preds} }} ?s ?p ?o FILTER(isIRI(?o) && !STRSTARTS(STR(?o), {ours})) }} }} "
                        f"GROUP BY ?p (REPLACE(STR(?o), \"[^/#]*$\", \"\") AS ?target) ORDER BY ?p ?target")
    return [(r["p"], r["target"], int(r["n"])) for r in rows]


def internal_linksets(store: GraphStore) -> list[Triple]:
    """The linksets between our own graphs that the build recorded (graph `provenance`, with their
    coverage figures): each graph's `void:subset` linksets and their statements."""
    rows = store.terms(sparql_prologue("void") + "SELECT DISTINCT ?g ?ls ?p ?o WHERE { ?ls a void:Linkset ; ?p ?o . "
                                                "?g void:subset ?ls }")
    out: list[Triple] = []
    for r in rows:
        out += [(str(r["g"]), VOID.subset, str(r["ls"])), (str(r["ls"]), str(r["p"]), str(r["o"]))]
    return list(dict.fromkeys(out))


def conforms_to(store: GraphStore) -> list[tuple[str, str]]:
    """(graph, shapes graph) the build validated without a violation (graph `provenance`)."""
    return [(r["g"], r["s"]) for r in store.select(sparql_prologue("dct", "void") +
            "SELECT DISTINCT ?g ?s WHERE { ?g a void:Dataset ; dct:conformsTo ?s } ORDER BY ?g ?s")]


CLASS_PARTITIONS = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"
PROPERTY_PARTITIONS = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p"


def partitions(store: GraphStore, dataset: str, void_url: str) -> list[Triple]:
    """VoID §4.5: one class partition per class (`void:entities`: its distinct instances) and one
    property partition per property (`void:triples`), over the default graph (the merge, a set)."""
    out: list[Triple] = []
    for n, r in enumerate(store.select(CLASS_PARTITIONS), 1):
        part = iri(f"{void_url}#class-{n}")
        out += [(dataset, VOID.classPartition, part), (part, VOID["class"], iri(r["c"])),
                (part, VOID.entities, typed(r["n"], XSD.integer))]
    for n, r in enumerate(store.select(PROPERTY_PARTITIONS), 1):
        part = iri(f"{void_url}#property-{n}")
        out += [(dataset, VOID.propertyPartition, part), (part, VOID.property, iri(r["p"])),
                (part, VOID.triples, typed(r["n"], XSD.integer))]
    return out


def triples(store: GraphStore, minter: Minter, void_url: str) -> list[Triple]:
    """The VoID description: the dataset, its subsets (one per graph), examples, dumps, linksets."""
    base = minter.base
    dataset = iri(f"{void_url}#bercy-graph")
    doc = iri(void_url)
    all_graphs = graphs(store)
    out: list[Triple] = [
        (doc, RDF.type, VOID.DatasetDescription),
        (doc, DCT.title, fr("Description VoID de bercy-graph")),
        (doc, FOAF.primaryTopic, dataset),
        (dataset, RDF.type, VOID.Dataset),
        (dataset, DCT.title, fr("bercy-graph : données ouvertes du ministère de l'Économie et des Finances")),
        (dataset, DCT.description, fr("Graphe de connaissances (RDF) des données ouvertes du ministère : budget "
                                      "de l'État, données DGFiP, commande publique, référentiels partagés et "
                                      "catalogue DCAT-AP.")),
        (dataset, FOAF.homepage, iri(f"{base}/")),
        (dataset, VOID.sparqlEndpoint, iri(f"{base}/sparql")),
        (dataset, VOID.uriSpace, literal(f"{base}/id/")),
        (dataset, VOID.feature, iri("http://www.w3.org/ns/formats/Turtle")),
        (dataset, VOID.feature, iri("http://www.w3.org/ns/formats/JSON-LD")),
        (dataset, VOID.feature, iri("http://www.w3.org/ns/formats/N-Triples")),
        (dataset, VOID.feature, iri("http://www.w3.org/ns/formats/RDF_XML")),
        # the whole graph's triples: the default graph, where a triple several graphs state counts once
        (dataset, VOID.triples, typed(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"],
                                      XSD.integer)),
        (dataset, VOID.dataDump, iri(f"{base}/catalog/full")),
    ]
    for e, _ in examples(store, minter):
        out.append((dataset, VOID.exampleResource, iri(e)))
    for name in sorted({"rdf", "rdfs", "owl", "skos", "dct", "dcat", "foaf", "org", "rov", "qb", "prov", "dqv",
                        "igeo", "epo", "bg", "void", "adms", "vcard", "locn", "cpov"}):
        out.append((dataset, VOID.vocabulary, iri(PREFIXES[name])))
    for g in all_graphs:
        subset = iri(g.iri)
        out += [(dataset, VOID.subset, subset), (subset, RDF.type, VOID.Dataset), (subset, DCT.title, fr(g.title)),
                (subset, VOID.triples, typed(g.triples, XSD.integer)),
                (subset, VOID.dataDump, iri(f"{base}/dumps/{g.name}.nq")),
                (subset, VOID.sparqlEndpoint, iri(f"{base}/sparql"))]
    out += [(iri(g), DCT.conformsTo, iri(shapes)) for g, shapes in conforms_to(store)]
    out += partitions(store, dataset, void_url)
    out += internal_linksets(store)
    for n, (predicate, target, count) in enumerate(linksets(store, base), 1):
        linkset, other = iri(f"{void_url}#linkset-{n}"), iri(f"{void_url}#target-{n}")
        out += [(dataset, VOID.subset, linkset), (linkset, RDF.type, VOID.Linkset),
                (linkset, VOID.subjectsTarget, dataset), (linkset, VOID.objectsTarget, other),
                (linkset, VOID.linkPredicate, iri(predicate)), (linkset, VOID.triples, typed(count, XSD.integer)),
                (other, RDF.type, VOID.Dataset), (other, VOID.uriSpace, literal(target))]
    return out
