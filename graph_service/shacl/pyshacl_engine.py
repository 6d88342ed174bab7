"""The pyshacl engine, the reference: shapes files and data files (N-Quads of lifted graphs) in,
(results, report text) out, like the fast engine (`shape_sets.ENGINES`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.namespace import SH

from graph_service.shacl.report import ValidationResult, focus_text, path_text, term_text


#: inside `parsed_once`: the data graphs parsed, by the files' identity
_parsed: dict[tuple, Graph] | None = None


@contextmanager
def parsed_once() -> Iterator[None]:
    """Within the block, the same unchanged files are parsed once (pyshacl sets on the same files run in a
    row, `shape_sets.tasks`: the catalog's parse was a fifth of each of its three DCAT-AP runs, when pyshacl
    ran them); pyshacl only reads them."""
    global _parsed
    _parsed = {}
    try:
        yield
    finally:
        _parsed = None


def load_graph(data: list[Path]) -> Graph:
    """One rdflib graph holding the triples of every data file (graph names dropped)."""
    if _parsed is None:
        return parse(data)
    identity = tuple((str(p.resolve()), p.stat().st_mtime_ns, p.stat().st_size) for p in data)
    if identity not in _parsed:
        _parsed[identity] = parse(data)
    return _parsed[identity]


def parse(data: list[Path]) -> Graph:
    graph = Graph()
    for path in data:
        if path.suffix == ".nq":
            dataset = Dataset()
            dataset.parse(path, format="nquads")
            for s, p, o, _ in dataset.quads((None, None, None, None)):
                graph.add((s, p, o))
        else:
            graph.parse(path)
    return graph


def load_shapes(shapes: list[Path]) -> Graph:
    graph = Graph()
    for path in shapes:
        graph.parse(path, format="turtle")
    return graph


def pyshacl_engine(shapes: list[Path], data: list[Path]) -> tuple[list[ValidationResult], str]:
    """Validate with pyshacl (no inference, no owl:imports: everything is local)."""
    import pyshacl

    data_graph = load_graph(data)
    conforms, report, text = pyshacl.validate(
        data_graph, shacl_graph=load_shapes(shapes), inference="none", do_owl_imports=False,
        allow_warnings=True, abort_on_first=False,
    )
    return results_of(report), text


def results_of(report: Graph) -> list[ValidationResult]:
    """The top-level sh:ValidationResult nodes of a report, flattened.

    Results nested under `sh:detail` (why an `sh:node`/`sh:and` failed) are not counted: their
    severity is the inner shape's, not the outer one's (a Warning may carry Violation details).
    """
    out = []
    for node in report.objects(None, SH.result):
        def one(prop):
            value = report.value(node, prop)
            return "" if value is None else str(value)

        out.append(ValidationResult(
            focus=focus_text(report.value(node, SH.focusNode)),
            path=path_text(report, report.value(node, SH.resultPath)),
            severity=one(SH.resultSeverity).rsplit("#", 1)[-1], message=one(SH.resultMessage),
            shape=one(SH.sourceShape), value=term_text(report.value(node, SH.value)),
            component=one(SH.sourceConstraintComponent).rsplit("#", 1)[-1]))
    return sorted(out, key=lambda r: (r.focus, r.path, r.message, r.value))
