"""What a validation report says, whichever engine wrote it: `ValidationResult`, and the text of
its terms and paths in one canonical form, so that pyshacl's reports and the fast engine's compare
equal (tests/test_shacl_fast.py)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node


class UnsupportedShape(ValueError):
    """The shapes use a part of SHACL the fast engine does not compile (or a path that is no SHACL path)."""


@dataclass
class ValidationResult:
    """One constraint violation (or warning) in a report."""

    focus: str
    path: str
    severity: str
    message: str
    shape: str = ""
    #: the value node in N-Triples syntax ("" for results about the focus node as a whole)
    value: str = ""
    #: the local name of sh:sourceConstraintComponent, e.g. "MinCountConstraintComponent"
    component: str = ""


def term_text(term: Node | None) -> str:
    """A report value as N-Triples text ("" when there is none), in one canonical form whichever
    store held it: xsd:string literals are plain, language tags lower case (Oxigraph's form),
    decimals without trailing zeros ("1500.50" and Oxigraph's "1500.5" are the same value)."""
    if term is None:
        return ""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term)).n3()
    if isinstance(term, Literal) and term.datatype == XSD.decimal and isinstance(term.value, Decimal):
        return f'"{format(term.value.normalize(), "f")}"^^<{XSD.decimal}>'
    if isinstance(term, Literal) and term.language:
        return Literal(str(term), lang=term.language.lower()).n3()
    if isinstance(term, BNode):
        return "_:b"
    return term.n3()


def focus_text(term: Node) -> str:
    """A focus node as the report shows it: the IRI, or the lexical form of a literal."""
    return "_:b" if isinstance(term, BNode) else str(term)


def path_sparql(graph: Graph, path: Node, shape: Node) -> str:
    """A SHACL property path as a SPARQL property path."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    if graph.value(path, RDF.first) is not None:
        steps = [path_sparql(graph, p, shape) for p in Collection(graph, path)]
        return "(" + "/".join(steps) + ")"
    for pred, template in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"),
                           (SH.oneOrMorePath, "{}+"), (SH.zeroOrOnePath, "{}?")):
        inner = graph.value(path, pred)
        if inner is not None:
            return template.format("(" + path_sparql(graph, inner, shape) + ")")
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_sparql(graph, p, shape) for p in Collection(graph, alternatives)) + ")"
    raise UnsupportedShape(f"shape {shape}: sh:path {path} is not a SHACL property path")


def path_text(graph: Graph, path: Node | None, shape: Node = None) -> str:
    """How a report shows a path: the predicate IRI, or SPARQL path syntax for complex paths."""
    if path is None:
        return ""
    if isinstance(path, URIRef):
        return str(path)
    return path_sparql(graph, path, shape)
