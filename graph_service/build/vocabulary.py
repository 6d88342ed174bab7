"""The vocabulary and the shapes as data: the Turtle files of `ontology/` and `shapes/` loaded into named
graphs of every build, so that a user reads a term's labels, comments and unit with the data (`/def`
serves the graph `vocabulary`), and each graph's `void:Dataset` names the shapes it conforms to.

Graphs: `vocabulary` (ontology/bercy.ttl) and one `shapes-<file>` per shapes file a shape set uses
(`shapes/budget.ttl` -> `shapes-budget`, `shapes/dcat-ap-3.0.1/range.ttl` -> `shapes-dcat-ap-3.0.1-range`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from graph_service.config import PROJECT_ROOT
from graph_service.shacl.shape_sets import SHAPE_SETS, SHAPES_DIR

VOCABULARY_GRAPH = "vocabulary"
ETALAB = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
#: the SEMIC DCAT-AP shapes copied under shapes/<folder>/ (shapes/README.md), but for our HVD targets
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
OURS_IN_FOLDERS = {"hvd-targets.ttl"}


@dataclass(frozen=True)
class Document:
    """A Turtle file of the project loaded as one named graph."""

    name: str
    title: str
    path: Path
    licence: str = ETALAB

    @property
    def relative(self) -> str:
        return self.path.relative_to(PROJECT_ROOT).as_posix()


def shapes_graph(file: Path) -> str:
    """The graph name of a shapes file: `shapes-` and its path under shapes/, without `.ttl`."""
    return "shapes-" + re.sub(r"[/_]", "-", file.relative_to(SHAPES_DIR).with_suffix("").as_posix())


def documents() -> list[Document]:
    """The vocabulary, then every shapes file of the shape sets (once each, in their order)."""
    out = [Document(VOCABULARY_GRAPH, "Vocabulaire bercy-graph (bg:)", PROJECT_ROOT / "ontology" / "bercy.ttl")]
    seen: set[Path] = set()
    for shape_set in SHAPE_SETS:
        for file in shape_set.shape_files():
            if file in seen:
                continue
            seen.add(file)
            ours = file.parent == SHAPES_DIR or file.name in OURS_IN_FOLDERS
            out.append(Document(shapes_graph(file), f"Formes SHACL {file.relative_to(SHAPES_DIR).as_posix()}",
                                file, ETALAB if ours else CC_BY))
    return out


def conforms_to(outcomes) -> dict[str, list[str]]:
    """Graph name -> the shapes graphs it was validated against without a violation (`dct:conformsTo`)."""
    out: dict[str, list[str]] = {}
    for outcome in outcomes:
        if outcome.violations:
            continue
        shapes = [shapes_graph(f) for f in outcome.shapes]
        for graph in outcome.graphs:
            out.setdefault(graph, []).extend(shapes)
    return out
