"""The media types the SPARQL endpoint serves, and serialization of a query's results into them.

Runs inside the query workers: results are written straight to a binary stream, so a large result
never sits whole in memory. The first offer of each list is the default (Accept: */* or none).
"""

from __future__ import annotations

from typing import BinaryIO

import pyoxigraph as ox

# SELECT and ASK results (W3C SPARQL 1.1 results formats).
TABULAR: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
}

# CONSTRUCT and DESCRIBE results (and the service description).
GRAPH: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "text/n3": ox.RdfFormat.N3,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/x-turtle": ox.RdfFormat.TURTLE,
}

# `format=` short names, for download links and clients that cannot set Accept.
SHORT_NAMES: dict[str, str] = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values",
    "ttl": "text/turtle", "turtle": "text/turtle", "nt": "application/n-triples",
    "jsonld": "application/ld+json", "rdfxml": "application/rdf+xml", "nq": "application/n-quads",
    "trig": "application/trig",
}

TEXT_TYPES = ("text/", "application/sparql-results+", "application/json", "application/xml",
              "application/n-", "application/trig", "application/ld+json", "application/rdf+xml")


def kind(results) -> str:
    """'graph' for CONSTRUCT/DESCRIBE, 'boolean' for ASK, 'solutions' for SELECT."""
    if isinstance(results, ox.QueryTriples):
        return "graph"
    if isinstance(results, ox.QueryBoolean):
        return "boolean"
    return "solutions"


def offers(result_kind: str) -> list[str]:
    """The media types a result of this kind can be written in, preferred first."""
    return list(GRAPH if result_kind == "graph" else TABULAR)


def serialize(results, media_type: str, out: BinaryIO) -> None:
    """Write the results in `media_type` (one of `offers(kind(results))`) to `out`."""
    if kind(results) == "graph":
        results.serialize(out, GRAPH[media_type])
    else:
        results.serialize(out, TABULAR[media_type])


def content_type(media_type: str) -> str:
    """The Content-Type header value (UTF-8 made explicit for text formats)."""
    return f"{media_type}; charset=utf-8" if media_type.startswith(TEXT_TYPES) else media_type
