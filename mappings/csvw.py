"""The W3C Tabular Metadata (CSVW) description of a generically lifted table, as triples of its graph.

`{base}/graph/{source}/table` is a `csvw:Table` (`csvw:url` the source file as the build names it,
`dct:title`), its `csvw:tableSchema` `.../table/schema` (`csvw:aboutUrl` the row template) has one
`csvw:column` per header column `.../table/column/{n}` with `csvw:name`, `csvw:title`, `csvw:datatype`
(CSVW built-in names), `csvw:propertyUrl` (the template of the column's property) and, for a recognised
code, `csvw:valueUrl` (the template of the referential's IRIs, `{base}/id/{kind}/{column}`). The
recognition's evidence sits on the column: `bg:columnKind`, `bg:valuesChecked`, `bg:valuesResolved`,
`bg:resolvedShare`, `bg:recognitionNote`; `bg:columnProperty` names the property itself (an IRI, which a
query can follow, where `csvw:propertyUrl` is a template string).

A CSVW processor given this description rebuilds the record triples, with two stated differences:
codes are normalised first (`mappings/values.py`: `1001` -> `01001`), and a value that does not resolve
stays a literal instead of becoming a dangling IRI. The graph and the catalog dataset (when the portal's id
is known) state `dct:conformsTo` the table, which is also a `dct:Standard` (DCAT-AP's range).
Everything here is under `{base}/graph/...`: it dereferences like any named graph's description.
"""

from __future__ import annotations

from typing import Protocol

from .iri import encode_key
from .namespaces import BG, CSVW, DCT, RDF, RDFS, XSD, A
from .source import Context
from .terms import Triple, literal, typed


class Kind(Protocol):
    """What CSVW needs of a recognised kind (`generic.Kind`)."""

    name: str
    entity: str | None
    csvw_datatype: str


class Column(Protocol):
    """What CSVW needs of a column's decision (`generic.Decision`)."""

    number: int
    title: str
    name: str
    kind: Kind | None
    checked: int
    resolved: int
    share: float
    note: str
    titles: list[str]   # the header, then the portal's label and name when known
    description: str    # the portal's description of the field ("" when none)


class Table(Protocol):
    """What CSVW needs of a generically lifted table (`generic.GenericTable`; a protocol, so that this
    module does not import the one that calls it)."""

    name: str
    path: str
    dataset: str | None

    @property
    def decisions(self) -> list[Column]: ...
    def table(self, ctx: Context) -> str: ...
    def column_property(self, ctx: Context, d: Column) -> str: ...


def table_triples(table: Table, ctx: Context) -> list[Triple]:
    """The CSVW description of `table` from its decisions (made just before, in the preamble)."""
    base = ctx.mint.base
    graph_path = f"graph/{encode_key(table.name)}"
    node = table.table(ctx)
    schema = ctx.mint.resource(f"{graph_path}/table/schema")
    row_var = "{_row}" if table.path.endswith(".json") else "{_sourceRow}"
    out: list[Triple] = [
        (node, A, CSVW.Table), (node, A, DCT.Standard),
        (node, RDFS.label, literal(f"Schéma CSVW de {table.path}")),
        (node, CSVW.url, ctx.mint.resource(f"source/{table.path}")),
        (node, CSVW.tableSchema, schema), (schema, A, CSVW.Schema),
        (schema, CSVW.aboutUrl, literal(f"{base}/{graph_path}/row/{row_var}")),
        (ctx.mint.graph(table.name), DCT.conformsTo, node),
    ]
    if table.dataset:
        out.append((ctx.entity("dataset", table.dataset), DCT.conformsTo, node))
    for d in table.decisions:
        column = ctx.mint.resource(f"{graph_path}/table/column/{d.number}")
        prop = table.column_property(ctx, d)
        kind = d.kind
        out += [
            (schema, CSVW.column, column), (column, A, CSVW.Column),
            (column, CSVW.name, literal(d.name)), (column, CSVW.title, literal(d.title)),
            (column, BG.columnNumber, typed(d.number, XSD.integer)),
            (column, CSVW.datatype, literal(kind.csvw_datatype if kind else "string")),
            (column, CSVW.propertyUrl, literal(f"{base}/{graph_path}/column/{d.name}")),
            (column, BG.columnProperty, prop),
            (prop, A, RDF.Property), (prop, RDFS.label, literal(d.title)),
            (column, BG.valuesChecked, typed(d.checked, XSD.integer)),
            (column, BG.recognitionNote, literal(d.note)),
            *[(column, CSVW.title, literal(t)) for t in d.titles[1:]],
        ]
        if d.description:
            out += [(column, DCT.description, literal(d.description)), (prop, RDFS.comment, literal(d.description))]
        if kind is not None:
            out += [(column, BG.columnKind, literal(kind.name)),
                    (column, BG.valuesResolved, typed(d.resolved, XSD.integer)),
                    (column, BG.resolvedShare, typed(f"{d.share:.4f}", XSD.decimal))]
            if kind.entity:
                out.append((column, CSVW.valueUrl, literal(f"{base}/id/{kind.entity}/{{{d.name}}}")))
    return out
