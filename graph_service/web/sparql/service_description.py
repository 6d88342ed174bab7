"""The SPARQL 1.1 Service Description of the endpoint (returned by a bare GET with an RDF Accept)."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from graph_service.web.formats import BY_MEDIA_TYPE

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

RESULT_FORMATS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                  "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "N-Quads", "TriG"]


def description(endpoint: str, *, update: bool, federated: bool = False) -> Graph:
    """What the endpoint offers: languages, result formats, and its default-graph semantics."""
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
        "Without FROM or default-graph-uri, the default graph is the union of all named graphs "
        "(one named graph per source).", lang="en")))
    return g


def serialize(endpoint: str, media_type: str, *, update: bool, federated: bool = False) -> bytes:
    """The description in `media_type` (an RDF format of `graph_service.web.formats`)."""
    graph = description(endpoint, update=update, federated=federated)
    return graph.serialize(format=BY_MEDIA_TYPE[media_type].rdflib, encoding="utf-8")
