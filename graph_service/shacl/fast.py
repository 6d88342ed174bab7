"""The fast SHACL engine: SHACL Core shapes compiled to SPARQL SELECT queries run by Oxigraph.

pyshacl walks the data graph in Python (~25 s for the COG referentials); here each constraint
becomes one query run by Oxigraph, so the work happens in Rust. The build validates on its own store,
as loaded (`store_engine`): each query's default graph is the union of exactly the graphs a shape set
reads (`shape_sets.run` names them), so nothing is parsed twice and the memory does not grow with the
data; other callers (the CLI's `validate`, the tests) give files, parsed into an in-memory store
(`fast_engine`). The reports
are meant to be the same as pyshacl's (tests/test_shacl_fast.py checks it): same focus nodes,
paths, values, severities and constraint components. Where pyshacl's answer depends on rdflib's
reading of a literal (is "2023-13-45"^^xsd:date well formed?) we ask rdflib the same question on
the distinct lexical forms only. A constraint this engine does not know stops with
`UnsupportedShape` naming the shape (a `SourceError` naming the shapes file for the build and the
CLI): a shape must never pass silently.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
from pyshacl.rdfutil.compare import compare_literal  # pyshacl's own ordering of two literals
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node, XSDToPython

from mappings.read import SourceError

from graph_service.shacl.report import (UnsupportedShape, ValidationResult, focus_text, path_sparql, path_text,
                                         term_text)


#: shapes-graph predicates that are not constraints (or are read with the constraint they go with)
NOT_CONSTRAINTS = {
    SH.path, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.severity,
    SH.message, SH.deactivated, SH.name, SH.description, SH.order, SH.group, SH.defaultValue,
    SH.property, SH.flags, SH.declare, SH.prefixes,
    # not a SHACL term (DCAT-AP 3.0.1's shapes.ttl writes it beside sh:node): ignored, as pyshacl ignores it
    URIRef(f"{SH}shape"),
}
#: asks nothing (the DCAT-AP HVD shapes write it on every node shape); `sh:closed true` is not supported
NOT_CLOSED = (SH.closed, Literal(False))
NODE_KINDS = {  # sh:nodeKind -> SPARQL test that a value node does NOT have that kind
    SH.IRI: "!isIRI(?v)", SH.BlankNode: "!isBlank(?v)", SH.Literal: "!isLiteral(?v)",
    SH.BlankNodeOrIRI: "isLiteral(?v)", SH.BlankNodeOrLiteral: "isIRI(?v)",
    SH.IRIOrLiteral: "isBlank(?v)",
}
RANGES = {  # parameter -> (SPARQL comparison that must hold, message)
    SH.minInclusive: (">=", "Value is not >= {}"), SH.maxInclusive: ("<=", "Value is not <= {}"),
    SH.minExclusive: (">", "Value is not > {}"), SH.maxExclusive: ("<", "Value is not < {}"),
}
LOGICAL = {SH.node: "NodeConstraintComponent", SH["or"]: "OrConstraintComponent",
           SH["and"]: "AndConstraintComponent", SH["not"]: "NotConstraintComponent",
           SH.xone: "XoneConstraintComponent"}
#: the Python type rdflib gives a well-formed value of these datatypes (pyshacl checks it)
VALUE_TYPES: dict[URIRef, type | tuple[type, ...]] = {
    XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float,
    XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date, XSD.time: time, XSD.dateTime: datetime,
}
MAX_DEPTH = 8
#: a path of one predicate (or its inverse): looked up in one index on a store's scoped graphs (`Validator.triple`)
ONE_STEP = re.compile(r"\^?<[^<>\s]+>")

Focus = Callable[[str], str]
"""A SPARQL group pattern binding the given variable to the focus nodes (a node may come out more
than once: every query built on it is DISTINCT or grouped)."""


def sparql_term(term: Node) -> str:
    """An rdflib term from the shapes graph, written in a query."""
    if isinstance(term, BNode):
        raise UnsupportedShape(f"blank node {term} used as a constraint value")
    return term.n3()


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """An Oxigraph term as rdflib reads the same term from N-Quads (for reports and pyshacl's tests)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == str(XSD.string):
        return Literal(term.value)
    return quiet_literal(term.value, URIRef(term.datatype.value))


def quiet_literal(lexical: str, datatype: URIRef) -> Literal:
    """rdflib's reading of a typed literal, without its log line for an ill-formed one."""
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        return Literal(lexical, datatype=datatype)
    finally:
        logger.setLevel(level)


def rdflib_accepts(lexical: str, datatype: URIRef) -> bool:
    """pyshacl's sh:datatype test of a literal that carries `datatype`: rdflib must read it."""
    literal = quiet_literal(lexical, datatype)
    if getattr(literal, "ill_typed", None) is True:
        return False
    expected = VALUE_TYPES.get(datatype)
    return expected is None or isinstance(literal.value, expected)


def range_holds(value: Node, bound: Literal, operator: str) -> bool:
    """pyshacl's min/max test of a value node SPARQL cannot compare to the bound."""
    if not isinstance(value, Literal) or isinstance(value.value, str) != isinstance(bound.value, str):
        return False
    try:
        order = compare_literal(value, bound)
    except (TypeError, NotImplementedError):
        return False
    return {">=": order >= 0, "<=": order <= 0, ">": order > 0, "<": order < 0}[operator]


# ---------------------------------------------------------------------------------------------
# The shapes


@dataclass
class Shape:
    """A node or property shape as read from the shapes graph."""

    node: Node
    path: str | None  # SPARQL property path; None for a node shape
    path_label: str
    severity: str
    message: str
    deactivated: bool
    constraints: list[tuple[URIRef, Node]] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)


class Shapes:
    """The shapes graph, read once; shapes are parsed lazily and cached."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._cache: dict[Node, Shape] = {}

    def shape(self, node: Node) -> Shape:
        if node not in self._cache:
            self._cache[node] = self._read(node)
        return self._cache[node]

    def _read(self, node: Node) -> Shape:
        g = self.graph
        path_node = g.value(node, SH.path)
        severity = g.value(node, SH.severity) or SH.Violation
        messages = sorted(str(m) for m in g.objects(node, SH.message))
        shape = Shape(
            node=node,
            path=None if path_node is None else path_sparql(g, path_node, node),
            path_label=path_text(g, path_node, node),
            severity=str(severity).rsplit("#", 1)[-1],
            message=messages[0] if messages else "",
            deactivated=g.value(node, SH.deactivated) == Literal(True),
        )
        self._cache[node] = shape  # before the nested shapes, in case they point back
        for pred, obj in sorted(g.predicate_objects(node)):
            if pred == SH.property:
                shape.properties.append(self.shape(obj))
            elif pred in NOT_CONSTRAINTS or not str(pred).startswith(str(SH)) or (pred, obj) == NOT_CLOSED:
                continue
            elif pred in SUPPORTED:
                shape.constraints.append((pred, obj))
            else:
                raise UnsupportedShape(
                    f"shape {node}: constraint {pred.n3(g.namespace_manager)} is not supported by "
                    "the fast SHACL engine (use the pyshacl engine for this shape set)")
        return shape

    def targets(self, node: Node) -> list[tuple[URIRef, Node]]:
        """The (target kind, term) pairs of a shape, implicit class targets included (SHACL 2.1.3)."""
        g = self.graph
        out = [(kind, term) for kind in (SH.targetNode, SH.targetClass, SH.targetSubjectsOf,
                                         SH.targetObjectsOf) for term in sorted(g.objects(node, kind))]
        class_types = {RDFS.Class, *g.subjects(RDFS.subClassOf, RDFS.Class)}
        if any(t in class_types for t in g.objects(node, RDF.type)):
            out.append((SH.targetClass, node))
        return out

    def targeted(self) -> list[Node]:
        """Every shape with a target, in a stable order."""
        g = self.graph
        nodes = set()
        for pred in (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf):
            nodes.update(g.subjects(pred, None))
        class_types = {RDFS.Class, *g.subjects(RDFS.subClassOf, RDFS.Class)}
        for kind in (SH.NodeShape, SH.PropertyShape):
            nodes.update(s for s in g.subjects(RDF.type, kind)
                         if any(t in class_types for t in g.objects(s, RDF.type)))
        return sorted(nodes, key=str)


# ---------------------------------------------------------------------------------------------
# Compilation and evaluation


@dataclass
class Row:
    """One violation found by a query: focus node and value node (Oxigraph terms)."""

    focus: object
    value: object = None


class Validator:
    """Runs the compiled shapes on one Oxigraph store: on the union of `graphs`, or of all its graphs."""

    def __init__(self, shapes: Shapes, store: ox.Store, graphs: Sequence[str] | None = None) -> None:
        self.shapes = shapes
        self.store = store
        self.graphs = None if graphs is None else [ox.NamedNode(g) for g in graphs]
        self._graph_list = "" if graphs is None else ", ".join(str(g) for g in self.graphs)
        self._fresh = itertools.count()
        self._lexical_ok: dict[tuple[str, URIRef], bool] = {}
        self._subclasses: dict[Node, list[str]] = {}

    # -- plumbing -----------------------------------------------------------------------------

    def var(self) -> str:
        return f"x{next(self._fresh)}"

    def select(self, query: str) -> Iterator:
        if self.graphs is None:
            return iter(self.store.query(query, use_default_graph_as_union=True))
        return iter(self.store.query(query, default_graph=self.graphs))

    def triple(self, subject: str, path: str, obj: str, graph: str = "") -> str:
        """The pattern `subject path obj` on the validated graphs. On a store's `graphs`, a one-predicate path
        is looked up in the quads of any graph, kept if the graph is one of them (`graph`: its variable's
        name, else a fresh one): Oxigraph looks a `default_graph` list up graph by graph, one index seek per
        graph and lookup (a join over the referentials' 18 graphs: 12.8 s, against 2.0 s so). Any other
        path reads the default graph, the union of the `graphs` (its steps may cross graphs)."""
        if self.graphs is None or not ONE_STEP.fullmatch(path):
            return f"{subject} {path} {obj} ."
        g = graph or self.var()
        return f"GRAPH ?{g} {{ {subject} {path} {obj} }} FILTER(?{g} IN ({self._graph_list}))"

    def joined(self, subject: str, path: str, obj: str) -> str:
        """The pattern `subject path obj` (two variables) to join with the focus nodes: a one-predicate path
        as a sub-select, which Oxigraph evaluates once and hash-joins, instead of an index lookup per focus
        node (38,329 territories of the COG, a property's min, max and datatype: 2.65 s -> 0.30 s); any
        other path as `triple`."""
        if not ONE_STEP.fullmatch(path):
            return self.triple(subject, path, obj)
        return f"{{ SELECT {subject} {obj} WHERE {{ {self.triple(subject, path, obj)} }} }}"

    def values(self, focus: Focus, shape: Shape, f: str, v: str) -> str:
        """Group pattern binding ?f to each focus node and ?v to each of its value nodes."""
        if shape.path is None:
            return f"{focus(f)} BIND(?{f} AS ?{v})"
        return f"{focus(f)} {self.joined(f'?{f}', shape.path, f'?{v}')}"

    def value_nodes_as_focus(self, focus: Focus, shape: Shape) -> Focus:
        """The value nodes of a shape, as the focus nodes of the shapes nested in it."""
        if shape.path is None:
            return focus

        def nested(out: str) -> str:
            f = self.var()
            return f"{{ SELECT DISTINCT ?{out} WHERE {{ {self.values(focus, shape, f, out)} }} }}"
        return nested

    def pairs(self, focus: Focus, shape: Shape, condition: str) -> list[Row]:
        """(focus, value) pairs whose value node meets a SPARQL condition on ?v."""
        query = (f"SELECT DISTINCT ?f ?v WHERE {{ {self.values(focus, shape, 'f', 'v')} "
                 f"FILTER({condition}) }}")
        return [Row(r["f"], r["v"]) for r in self.select(query)]

    # -- shapes -------------------------------------------------------------------------------

    def validate(self) -> list[ValidationResult]:
        """Every result of every targeted shape."""
        out: list[ValidationResult] = []
        for node in self.shapes.targeted():
            targets = self.shapes.targets(node)
            classes = [term for kind, term in targets if kind == SH.targetClass]
            patterns = [self.target_pattern(kind, term) for kind, term in targets if kind != SH.targetClass]
            if classes:  # one scan of rdf:type for all the classes
                patterns.append(self.instance_of("?{v}", *classes, graph="{g}"))
            union = " UNION ".join("{ " + p + " }" for p in patterns)

            def focus(v: str, union: str = union) -> str:
                # inline (no sub-select), so that Oxigraph can start from the most selective
                # pattern; a focus node may come out twice, every query is DISTINCT or grouped;
                # a graph variable of its own at each use (`triple`)
                return union.replace("?{v}", f"?{v}").replace("?{g}", f"?{self.var()}")
            out += self.shape_results(self.shapes.shape(node), focus, 0)
        return out

    def target_pattern(self, kind: URIRef, term: Node) -> str:
        """A SPARQL pattern binding ?{v} to the targets of one sh:targetNode/SubjectsOf/ObjectsOf."""
        if kind == SH.targetNode:
            return f"VALUES ?{{v}} {{ {sparql_term(term)} }}"
        if kind == SH.targetSubjectsOf:
            return f"{{ SELECT DISTINCT ?{{v}} WHERE {{ {self.triple('?{v}', sparql_term(term), '[]')} }} }}"
        return f"{{ SELECT DISTINCT ?{{v}} WHERE {{ {self.triple('[]', sparql_term(term), '?{v}')} }} }}"

    def instance_of(self, node: str, *classes: Node, graph: str = "") -> str:
        """A pattern: `node` has rdf:type one of `classes` or of their rdfs:subClassOf* subclasses
        in the data graph (the subclasses are looked up once, then listed; `graph` as `triple`'s)."""
        below: set[str] = set()
        for cls in classes:
            if cls not in self._subclasses:
                query = f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* {sparql_term(cls)} }}"
                self._subclasses[cls] = [str(r["c"]) for r in self.select(query)]
            below.update(self._subclasses[cls])
        if any(c.startswith("_:") for c in below):  # VALUES cannot hold blank nodes
            return " UNION ".join(f"{{ {node} <{RDF.type}>/<{RDFS.subClassOf}>* {sparql_term(c)} }}"
                                  for c in classes)
        if len(below) == 1:
            return self.triple(node, f"<{RDF.type}>", below.pop(), graph)
        t = self.var()
        return f"VALUES ?{t} {{ {' '.join(sorted(below))} }} {self.triple(node, f'<{RDF.type}>', f'?{t}', graph)}"

    def shape_results(self, shape: Shape, focus: Focus, depth: int) -> list[ValidationResult]:
        """The results of one shape on the focus nodes of a pattern (nested property shapes too)."""
        if shape.deactivated:
            return []
        if depth > MAX_DEPTH:
            raise UnsupportedShape(f"shape {shape.node}: shapes nested deeper than {MAX_DEPTH}")
        out = []
        for pred, obj in shape.constraints:
            component, message, rows = self.constraint(shape, focus, pred, obj, depth)
            for row in rows:
                out.append(self.result(shape, component, shape.message or message, row))
        inner = self.value_nodes_as_focus(focus, shape)
        for prop in shape.properties:
            out += self.shape_results(prop, inner, depth + 1)
        return out

    def failing(self, shape: Shape, focus: Focus, depth: int) -> set:
        """The focus nodes that do not conform to a shape (for sh:node, sh:or...)."""
        return {r.focus for r in self.rows_of(shape, focus, depth)}

    def rows_of(self, shape: Shape, focus: Focus, depth: int) -> Iterator[Row]:
        if shape.deactivated:
            return
        if depth > MAX_DEPTH:
            raise UnsupportedShape(f"shape {shape.node}: shapes nested deeper than {MAX_DEPTH}")
        for pred, obj in shape.constraints:
            yield from self.constraint(shape, focus, pred, obj, depth)[2]
        inner = self.value_nodes_as_focus(focus, shape)
        for prop in shape.properties:
            failing_values = self.failing(prop, inner, depth + 1)
            if failing_values:
                for row in self.pairs(focus, shape, "true"):
                    if row.value in failing_values:
                        yield Row(row.focus)

    def result(self, shape: Shape, component: str, message: str, row: Row) -> ValidationResult:
        return ValidationResult(
            focus=focus_text(to_rdflib(row.focus)), path=shape.path_label, severity=shape.severity,
            message=message, shape=str(shape.node),
            value="" if row.value is None else term_text(to_rdflib(row.value)),
            component=component)

    # -- constraints --------------------------------------------------------------------------

    def constraint(self, shape: Shape, focus: Focus, pred: URIRef, obj: Node,
                   depth: int) -> tuple[str, str, list[Row]]:
        """(component name, generic message, violations) of one constraint parameter."""
        return SUPPORTED[pred](self, shape, focus, obj, depth)

    def min_count(self, shape: Shape, focus: Focus, obj: Node, depth: int):
        n = int(obj)
        message = f"Less than {n} values"
        if n == 0:
            return "MinCountConstraintComponent", message, []
        self.need_path(shape, SH.minCount)
        values = f"{focus('f')} OPTIONAL {{ {self.joined('?f', shape.path, '?v')} }}"
        query = f"SELECT DISTINCT ?f WHERE {{ {values} }} GROUP BY ?f HAVING (COUNT(DISTINCT ?v) < {n})"
        if n == 1:
            query = f"SELECT DISTINCT ?f WHERE {{ {values} FILTER(!BOUND(?v)) }}"
        return "MinCountConstraintComponent", message, [Row(r["f"]) for r in self.select(query)]

    def max_count(self, shape: Shape, focus: Focus, obj: Node, depth: int):
        n = int(obj)
        self.need_path(shape, SH.maxCount)
        query = (f"SELECT DISTINCT ?f WHERE {{ {focus('f')} {self.joined('?f', shape.path, '?v')} }} "
                 f"GROUP BY ?f HAVING (COUNT(DISTINCT ?v) > {n})")
        if n == 1:  # a self-join is cheaper than grouping every focus node
            query = (f"SELECT DISTINCT ?f WHERE {{ {focus('f')} {self.joined('?f', shape.path, '?v')} "
                     f"{self.joined('?f', shape.path, '?w')} FILTER(!sameTerm(?v, ?w)) }}")
        return ("MaxCountConstraintComponent", f"More than {n} values",
                [Row(r["f"]) for r in self.select(query)])

    def datatype(self, shape: Shape, focus: Focus, obj: Node, depth: int):
        message = f"Value is not Literal with datatype {obj}"
        if obj == RDFS.Literal:
            return "DatatypeConstraintComponent", message, self.pairs(focus, shape, "!isLiteral(?v)")
        same = f"COALESCE(datatype(?v) = {sparql_term(obj)}, false)"   # an IRI's datatype: an error, false
        rows = self.pairs(focus, shape, f"!({same})")
        if obj in (XSD.string, RDF.langString) or (XSDToPython.get(obj) is None and obj not in VALUE_TYPES):
            # rdflib reads any lexical form of these (or has no reader for them): nothing ill-formed
            return "DatatypeConstraintComponent", message, rows
        # literals of the right datatype: well formed as rdflib reads them (lexical forms once)
        f = self.var()
        query = (f"SELECT DISTINCT (STR(?v) AS ?l) WHERE {{ {self.values(focus, shape, f, 'v')} "
                 f"FILTER({same}) }}")
        lexicals = {r["l"].value for r in self.select(query)}
        bad = [lex for lex in lexicals if not self.lexical_ok(lex, obj)]
        if bad:
            listed = ", ".join(str(ox.Literal(lex)) for lex in bad)
            rows += self.pairs(focus, shape, f"{same} && STR(?v) IN ({listed})")
        return "DatatypeConstraintComponent", message, rows

    def lexical_ok(self, lexical: str, datatype: URIRef) -> bool:
        key = (lexical, datatype)
        if key not in self._lexical_ok:
            self._lexical_ok[key] = rdflib_accepts(lexical, datatype)
        return self._lexical_ok[key]

    def class_(self, shape: Shape, focus: Focus, obj: Node, depth: int):
        condition = f"NOT EXISTS {{ {self.instance_of('?v', obj)} }}"
        return ("ClassConstraintComponent", f"Value does not have class {obj}",
                self.pairs(focus, shape, condition))

    def node_kind(self, shape: Shape, focus: Focus, obj: Node, depth: int):
        if obj not in NODE_KINDS:
            raise UnsupportedShape(f"shape {shape.node}: unknown sh:nodeKind {obj}")
        return ("NodeKindConstraintComponent", f"Value is not of Node Kind {obj}",
                self.pairs(focus, shape, NODE_KINDS[obj]))

    def pattern(self, shape: Shape, focus: Focus, obj: Node, depth: int):
        flags = "".join(f for f in str(self.shapes.graph.value(shape.node, SH.flags) or "").lower()
                        if f in "im")  # the flags pyshacl honours
        regex = f"{Literal(str(obj)).n3()}, \"{flags}\""
        probe = next(self.select(f"SELECT (REGEX(\"\", {regex}) AS ?ok) WHERE {{}}"))
        if probe["ok"] is None:  # an error would drop every row: the pattern would always pass
            raise UnsupportedShape(f"shape {shape.node}: sh:pattern {obj!r} is not a regular "
                                   "expression Oxigraph's SPARQL REGEX accepts")
        condition = f"isBlank(?v) || !REGEX(STR(?v), {regex})"
        return ("PatternConstraintComponent", f"Value does not match pattern '{obj}'",
                self.pairs(focus, shape, condition))

    def min_length(self, shape: Shape, focus: Focus, obj: Node, depth: int):
        n = int(obj)
        rows = [] if n == 0 else self.pairs(focus, shape, f"isBlank(?v) || STRLEN(STR(?v)) < {n}")
        return "MinLengthConstraintComponent", f"String length not >= {n}", rows

    def max_length(self, shape: Shape, focus: Focus, obj: Node, depth: int):
        n = int(obj)
        return ("MaxLengthConstraintComponent", f"String length not <= {n}",
                self.pairs(focus, shape, f"isBlank(?v) || STRLEN(STR(?v)) > {n}"))

    def in_(self, shape: Shape, focus: Focus, obj: Node, depth: int):
        members = list(Collection(self.shapes.graph, obj))
        condition = " && ".join(f"!sameTerm(?v, {sparql_term(m)})" for m in members) or "true"
        listed = ", ".join(str(m) for m in members)
        return "InConstraintComponent", f"Value not in list [{listed}]", self.pairs(focus, shape, condition)

    def has_value(self, shape: Shape, focus: Focus, obj: Node, depth: int):
        if shape.path is None:
            query = f"SELECT DISTINCT ?f WHERE {{ {focus('f')} FILTER(!sameTerm(?f, {sparql_term(obj)})) }}"
        else:
            query = (f"SELECT DISTINCT ?f WHERE {{ {focus('f')} "
                     f"FILTER NOT EXISTS {{ {self.triple('?f', shape.path, sparql_term(obj))} }} }}")
        return ("HasValueConstraintComponent", f"Does not have the value {obj}",
                [Row(r["f"]) for r in self.select(query)])

    def range_(self, pred: URIRef):
        component = str(pred).rsplit("#", 1)[-1]
        component = component[0].upper() + component[1:] + "ConstraintComponent"
        operator, template = RANGES[pred]

        def check(shape: Shape, focus: Focus, obj: Node, depth: int):
            comparison = f"?v {operator} {sparql_term(obj)}"
            rows = self.pairs(focus, shape, f"!COALESCE({comparison}, true)")
            # the values SPARQL cannot compare (an error: an IRI, an ill-formed number...) are
            # decided as pyshacl decides them, by rdflib, once per distinct value
            errors = self.pairs(focus, shape, f"COALESCE(IF({comparison}, false, false), true)")
            verdicts: dict[str, bool] = {}
            for row in errors:
                key = str(row.value)
                if key not in verdicts:
                    verdicts[key] = range_holds(to_rdflib(row.value), obj, operator)
                if not verdicts[key]:
                    rows.append(row)
            return component, template.format(obj), rows
        return check

    def language_in(self, shape: Shape, focus: Focus, obj: Node, depth: int):
        tags = sorted({str(t).lower() for t in Collection(self.shapes.graph, obj)})
        if "*" in tags:
            condition = "!isLiteral(?v) || LANG(?v) = \"\""
        else:
            listed = ", ".join(Literal(t).n3() for t in tags) or '""'
            condition = (f"!isLiteral(?v) || LANG(?v) = \"\" || !(LCASE(LANG(?v)) IN ({listed}) || "
                         f"LCASE(STRBEFORE(CONCAT(LANG(?v), \"-\"), \"-\")) IN ({listed}))")
        return ("LanguageInConstraintComponent", f"String language is not in {tags}",
                self.pairs(focus, shape, condition))

    def unique_lang(self, shape: Shape, focus: Focus, obj: Node, depth: int):
        component, message = "UniqueLangConstraintComponent", "More than one String shares the same Language"
        if obj != Literal(True):
            return component, message, []
        self.need_path(shape, SH.uniqueLang)
        query = (f"SELECT ?f WHERE {{ {focus('f')} {self.joined('?f', shape.path, '?v')} FILTER(LANG(?v) != \"\") }} "
                 "GROUP BY ?f (LCASE(LANG(?v))) HAVING (COUNT(DISTINCT ?v) > 1)")
        return component, message, [Row(r["f"]) for r in self.select(query)]

    def logical(self, pred: URIRef):
        component = LOGICAL[pred]

        def check(shape: Shape, focus: Focus, obj: Node, depth: int):
            operands = ([obj] if pred in (SH.node, SH["not"]) else
                        list(Collection(self.shapes.graph, obj)))
            inner = self.value_nodes_as_focus(focus, shape)
            failing = [self.failing(self.shapes.shape(o), inner, depth + 1) for o in operands]
            if not any(failing) and pred != SH["not"] and pred != SH.xone:
                return component, "", []
            rows = []
            for row in self.pairs(focus, shape, "true"):
                conforms = [row.value not in bad for bad in failing]
                if not LOGICAL_RULES[pred](conforms):
                    rows.append(row)
            return component, LOGICAL_MESSAGES[pred].format(obj), rows
        return check

    @staticmethod
    def need_path(shape: Shape, pred: URIRef) -> None:
        if shape.path is None:
            raise UnsupportedShape(f"shape {shape.node}: {pred} on a node shape")


LOGICAL_RULES: dict[URIRef, Callable[[list[bool]], bool]] = {
    SH.node: all, SH["and"]: all, SH["or"]: any,
    SH["not"]: lambda conforms: not conforms[0],
    SH.xone: lambda conforms: sum(conforms) == 1,
}
LOGICAL_MESSAGES = {
    SH.node: "Value does not conform to Shape {}", SH["and"]: "Node does not conform to all shapes",
    SH["or"]: "Node does not conform to one or more shapes", SH["not"]: "Node conforms to shape {}",
    SH.xone: "Node does not conform to exactly one shape",
}
SUPPORTED: dict[URIRef, Callable] = {
    SH.minCount: Validator.min_count, SH.maxCount: Validator.max_count,
    SH.datatype: Validator.datatype, SH["class"]: Validator.class_, SH.nodeKind: Validator.node_kind,
    SH.pattern: Validator.pattern, SH.minLength: Validator.min_length,
    SH.maxLength: Validator.max_length, SH["in"]: Validator.in_, SH.hasValue: Validator.has_value,
    SH.languageIn: Validator.language_in, SH.uniqueLang: Validator.unique_lang,
    **{p: (lambda pred: lambda self, *a: self.range_(pred)(*a))(p) for p in RANGES},
    **{p: (lambda pred: lambda self, *a: self.logical(pred)(*a))(p) for p in LOGICAL},
}


# ---------------------------------------------------------------------------------------------
# Entry points


def load_store(data: Iterable[Path], store: ox.Store | None = None) -> ox.Store:
    """An in-memory Oxigraph store holding the data files (N-Quads keep their graphs)."""
    store = ox.Store() if store is None else store
    for path in data:
        if path.suffix == ".nq":
            store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        else:
            store.bulk_load(path=str(path), format=ox.RdfFormat.from_extension(path.suffix[1:]),
                            to_graph=ox.NamedNode(path.resolve().as_uri()))
    return store


@dataclass
class Base:
    """Files loaded once into a store that several validations start from (`keeping`)."""

    files: list[Path]
    store: ox.Store | None = None
    graphs: set = field(default_factory=set)
    size: int = 0


_base: Base | None = None


@contextmanager
def keeping(files: Sequence[Path]) -> Iterator[None]:
    """Within the block, `fast_engine` calls that read all of `files` (the organisations every DECP set
    reads, 200k quads at 10k records; the CLI's `validate` dumps them to files) start from one store
    holding them, parsed once: each call loads its other files, validates, and removes them again."""
    global _base
    _base = Base(list(files)) if files else None
    try:
        yield
    finally:
        _base = None


@contextmanager
def data_store(data: list[Path]) -> Iterator[ox.Store]:
    """A store holding exactly the data files: a new one, or the kept base plus the other files."""
    base = _base
    if base is None or not set(base.files) <= set(data):
        yield load_store(data)
        return
    if base.store is None:
        base.store = load_store(base.files)
        base.graphs, base.size = set(base.store.named_graphs()), len(base.store)
    store = base.store
    base.store = None   # until it holds the base files alone again
    load_store([p for p in data if p not in base.files], store)
    yield store
    for graph in set(store.named_graphs()) - base.graphs:
        store.remove_graph(graph)
    if len(store) == base.size:   # else a file wrote into a base graph: the next call starts afresh
        base.store = store


def validate_store(shapes_graph: Graph, store: ox.Store, graphs: Sequence[str] | None = None) -> list[ValidationResult]:
    """Validate the union of a store's `graphs` (IRIs; None: all its graphs) against a shapes graph."""
    results = Validator(Shapes(shapes_graph), store, graphs).validate()
    return sorted(results, key=lambda r: (r.focus, r.path, r.message, r.value))


def report_text(results: list[ValidationResult]) -> str:
    """A plain-text report in the spirit of pyshacl's."""
    lines = ["Validation Report", f"Conforms: {not any(r.severity == 'Violation' for r in results)}",
             f"Results ({len(results)}):"]
    for r in results:
        lines += [f"{r.severity}: {r.component}", f"\tFocus Node: {r.focus}",
                  f"\tResult Path: {r.path}", f"\tValue: {r.value}", f"\tMessage: {r.message}",
                  f"\tSource Shape: {r.shape}"]
    return "\n".join(lines) + "\n"


def fast_engine(shapes: list[Path], data: list[Path]) -> tuple[list[ValidationResult], str]:
    """The `fast` engine of `shape_sets.ENGINES`: same signature and results as pyshacl's."""
    with data_store(data) as store:
        return store_engine(shapes, store)


def store_engine(shapes: list[Path], store: ox.Store,
                 graphs: Sequence[str] | None = None) -> tuple[list[ValidationResult], str]:
    """The fast engine on a store, as it is: the union of `graphs` (IRIs; None: all of the store's graphs)
    validated against the shapes files."""
    graph = Graph()
    for path in shapes:
        graph.parse(path, format="turtle")
    try:
        results = validate_store(graph, store, graphs)
    except UnsupportedShape as exc:  # the build and the CLI report a SourceError as a message
        raise SourceError(", ".join(str(p) for p in shapes), str(exc)) from None
    return results, report_text(results)
