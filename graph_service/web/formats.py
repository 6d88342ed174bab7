"""ONE media-type table: every format the service writes, with its URL extension and `format=` names.

Each row says what a format is for (`GRAPH`: RDF triples; `RESULTS`: SELECT/ASK results; `PAGE`:
HTML for people), its extension in our URLs (`/catalog.ttl`, `/id/commune/75056.jsonld`), the names
`?format=` accepts for it (the first one is its short name), its label on pages, the rdflib
serializer of documents built with rdflib, and whether its Content-Type names the charset (text
formats do; JSON and XML carry their encoding themselves).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

GRAPH, RESULTS, PAGE = "graph", "results", "page"


@dataclass(frozen=True)
class Format:
    media_type: str
    kind: str
    ext: str | None = None
    names: tuple[str, ...] = ()
    label: str = ""
    rdflib: str | None = None
    charset: bool = True

    @property
    def content_type(self) -> str:
        """The Content-Type header value (UTF-8 said out loud for text formats)."""
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


#: In the order offered to clients: among equal preferences of an Accept header, the first wins.
TABLE: tuple[Format, ...] = (
    Format("text/turtle", GRAPH, "ttl", ("ttl", "turtle"), "Turtle", "turtle"),
    Format("application/n-triples", GRAPH, "nt", ("nt", "ntriples", "n-triples"), "N-Triples", "nt"),
    Format("application/ld+json", GRAPH, "jsonld", ("jsonld", "json-ld"), "JSON-LD", "json-ld", charset=False),
    Format("application/rdf+xml", GRAPH, "rdf", ("rdf", "rdfxml", "xml", "rdf+xml"), "RDF/XML", "xml",
           charset=False),
    Format("application/n-quads", GRAPH, "nq", ("nq", "nquads"), "N-Quads", "nquads"),
    Format("application/trig", GRAPH, None, ("trig",), "TriG", "trig"),
    Format("text/n3", GRAPH, None, ("n3",), "N3", "n3"),
    Format("text/plain", GRAPH, None, (), "N-Triples", "nt"),          # what old clients call N-Triples
    Format("application/x-turtle", GRAPH, None, (), "Turtle", "turtle"),
    Format("application/sparql-results+json", RESULTS, None, ("json",), "SPARQL JSON", charset=False),
    Format("application/sparql-results+xml", RESULTS, None, ("xml",), "SPARQL XML", charset=False),
    Format("text/csv", RESULTS, None, ("csv",), "CSV"),
    Format("text/tab-separated-values", RESULTS, None, ("tsv",), "TSV"),
    Format("application/json", RESULTS, None, (), "SPARQL JSON", charset=False),
    Format("application/xml", RESULTS, None, (), "SPARQL XML", charset=False),
    Format("text/xml", RESULTS, None, (), "SPARQL XML", charset=False),
    Format("text/html", PAGE, "html", ("html",), "HTML"),
    Format("application/atom+xml", PAGE, None, ("atom",), "Atom", charset=False),
)
BY_MEDIA_TYPE = {f.media_type: f for f in TABLE}
BY_EXT = {f.ext: f for f in TABLE if f.ext}
HTML = BY_MEDIA_TYPE["text/html"]

#: The RDF documents the server builds (catalog, entities, VoID), in the order `*/*` and ties choose.
DOCUMENTS: tuple[Format, ...] = tuple(BY_EXT[ext] for ext in ("ttl", "rdf", "jsonld", "nt"))
DOCUMENT_TYPES: list[str] = [f.media_type for f in DOCUMENTS]
#: The downloads of an entity page's tables (documents/tables.py), by extension: CSV for spreadsheets (sent
#: with its byte order mark and `;`), plain JSON; and the table's own HTML page.
TABLE_FORMATS: dict[str, Format] = {"csv": BY_MEDIA_TYPE["text/csv"], "json": BY_MEDIA_TYPE["application/json"],
                                    "html": HTML}


def offers(kind: str) -> list[str]:
    """The media types of one kind, preferred first (SPARQL results, graphs)."""
    return [f.media_type for f in TABLE if f.kind == kind]


def by_name(name: str, among: Iterable[Format]) -> Format | None:
    """The format a `format=` value names among `among` (any case; the first match wins)."""
    name = name.lower()
    return next((f for f in among if name in f.names), None)


def named(value: str) -> list[Format]:
    """Every format a `format=` value names (`xml`: RDF/XML for graphs, SPARQL XML for results): by name,
    or by media type, alone or in a comma-separated list as some clients send their Accept."""
    name = value.strip().lower()
    media_types = {item.split(";")[0].strip() for item in name.split(",")}
    return [f for f in TABLE if name in f.names or f.media_type in media_types]


def names(among: Iterable[Format]) -> list[str]:
    """Every `format=` name of `among`, sorted (to list them in a 400)."""
    return sorted(n for f in among for n in f.names)


def content_type(media_type: str) -> str:
    """The Content-Type header value of a media type of the table (others are sent as they are)."""
    found = BY_MEDIA_TYPE.get(media_type)
    return found.content_type if found else media_type
