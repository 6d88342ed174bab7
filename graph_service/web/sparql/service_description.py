"""The SPARQL 1.1 Service Description of the endpoint (returned by a bare GET with an RDF Accept)."""

from __future__ import annotations

from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS

from graph_service.web.formats import BY_MEDIA_TYPE

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
#: The SPARQL 1.1 Graph Store HTTP Protocol (graph_service/web/routers/store.py serves it, read-only).
GRAPH_STORE_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-http-rdf-update/")

RESULT_FORMATS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                  "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "N-Quads", "TriG"]


def description(endpoint: str, *, update: bool, federated: bool = False) -> Graph:
    """What the endpoint offers: languages, result formats, its default-graph semantics, and the
    read-only Graph Store Protocol endpoint beside it (`/store`, next to `/sparql`)."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("formats", FORMATS)
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if update:
        g.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    if federated:  # SERVICE only towards the operator's allow-listed endpoints
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    for name in RESULT_FORMATS:
        g.add((service, SD.resultFormat, FORMATS[name]))
    dataset, default = BNode(), BNode()
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, RDFS.comment, Literal(
        "Without FROM or default-graph-uri, the default graph is the RDF merge of all named graphs "
        "(one named graph per source): a set, where a triple stated by several sources is one triple.",
        lang="en")))
    store = URIRef(endpoint.removesuffix("/sparql") + "/store")
    g.add((service, RDFS.seeAlso, store))
    g.add((store, RDF.type, DCAT.DataService))
    g.add((store, DCAT.endpointURL, store))
    g.add((store, DCTERMS.conformsTo, GRAPH_STORE_PROTOCOL))
    g.add((store, RDFS.comment, Literal(
        "SPARQL 1.1 Graph Store HTTP Protocol, read-only: GET or HEAD ?graph=<IRI> for a named graph, "
        "?default for the default graph.", lang="en")))
    return g


#: rdflib serializers that write a dataset: rdflib refuses (N-Quads) or names a blank graph (TriG) for a Graph.
QUAD_SERIALIZERS = ("nquads", "trig")


def serialize(endpoint: str, media_type: str, *, update: bool, federated: bool = False) -> bytes:
    """The description in `media_type` (an RDF format of `graph_service.web.formats`).

    In a quad format (N-Quads, TriG: what Comunica asks for first) it is the default graph of a dataset."""
    graph = description(endpoint, update=update, federated=federated)
    serializer = BY_MEDIA_TYPE[media_type].rdflib
    if serializer in QUAD_SERIALIZERS:
        dataset = Dataset()
        for prefix, namespace in graph.namespaces():
            dataset.bind(prefix, namespace, override=False)
        dataset.default_graph += graph
        return dataset.serialize(format=serializer, encoding="utf-8")
    return graph.serialize(format=serializer, encoding="utf-8")
