"""SHACL engines: each takes shapes files, data files (N-Quads of lifted graphs) and extra data
files, and returns (results, report text). pyshacl is the reference engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.namespace import SH

from graph_service.shacl.fast import fast_engine, focus_text, path_text, term_text
from graph_service.shacl.shape_sets import ValidationResult

Engine = Callable[[list[Path], list[Path], list[Path]], tuple[list[ValidationResult], str]]


def load_graph(data: list[Path], extra: list[Path]) -> Graph:
    """One rdflib graph holding the triples of every data file (graph names dropped)."""
    graph = Graph()
    for path in data:
        if path.suffix == ".nq":
            dataset = Dataset()
            dataset.parse(path, format="nquads")
            for s, p, o, _ in dataset.quads((None, None, None, None)):
                graph.add((s, p, o))
        else:
            graph.parse(path)
    for path in extra:
        graph.parse(path)
    return graph


def load_shapes(shapes: list[Path]) -> Graph:
    graph = Graph()
    for path in shapes:
        graph.parse(path, format="turtle")
    return graph


def pyshacl_engine(shapes: list[Path], data: list[Path], extra: list[Path]):
    """Validate with pyshacl (no inference, no owl:imports: everything is local)."""
    import pyshacl

    data_graph = load_graph(data, extra)
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


ENGINES: dict[str, Engine] = {
    "pyshacl": pyshacl_engine,
    "fast": fast_engine,
}
