"""N-Triples terms as plain strings: the lifting hot path writes text, not rdflib objects.

A triple is a tuple of three N-Triples terms; `nquad` adds the graph and the dot.
"""

from __future__ import annotations

from urllib.parse import quote

from .namespaces import GEO, RDF, XSD

Triple = tuple[str, str, str]

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})
# Characters N-Triples forbids inside <...>; percent-encoding them keeps any input IRI legal.
_IRI_SAFE = "!#$%&'()*+,-./:;=?@[]_~"


def iri(value: str) -> str:
    """An IRI term; characters not allowed in an N-Triples IRI are percent-encoded."""
    return f"<{quote(value, safe=_IRI_SAFE)}>"


def literal(value: object, datatype: str | None = None, lang: str | None = None) -> str:
    """A literal term. `datatype` is an IRI term (e.g. `XSD.decimal`), `lang` a BCP 47 tag."""
    text = str(value).translate(_ESCAPES)
    if lang:
        return f'"{text}"@{lang}'
    if datatype and datatype != XSD.string:
        return f'"{text}"^^{datatype}'
    return f'"{text}"'


def fr(value: str) -> str:
    """A French-language literal."""
    return literal(value, lang="fr")


def en(value: str) -> str:
    """An English-language literal."""
    return literal(value, lang="en")


def typed(value: object, datatype: str) -> str:
    """Shortcut for a typed literal."""
    return literal(value, datatype)


def nquad(triple: Triple, graph: str) -> str:
    """One N-Quads line (graph is an IRI term)."""
    s, p, o = triple
    return f"{s} {p} {o} {graph} .\n"


def is_a(subject: str, *classes: str) -> list[Triple]:
    """rdf:type triples for a subject."""
    return [(subject, RDF.type, cls) for cls in classes]


def point(feature: str, longitude: str, latitude: str) -> list[Triple]:
    """A feature's WGS84 position as a GeoSPARQL geometry `<feature#point>` (WKT: longitude first)."""
    geometry = feature[:-1] + "#point>"
    return [(feature, GEO.hasGeometry, geometry), (geometry, RDF.type, GEO.Geometry),
            (geometry, GEO.asWKT, literal(f"POINT({longitude} {latitude})", GEO.wktLiteral))]
