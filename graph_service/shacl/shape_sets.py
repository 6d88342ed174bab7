"""Validation of the lifted graphs against the shapes in shapes/.

`SHAPE_SETS` says which shapes apply to which source graphs, with which engine, and whether a
violation stops the build. Metadata (the DCAT catalog) is checked by pyshacl, the reference;
large data graphs by the fast engine (SHACL Core compiled to SPARQL, run in Oxigraph).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mappings.catalog import is_catalog
from mappings.organisations import is_registry

from graph_service.config import PROJECT_ROOT
from graph_service.shacl.fast import fast_engine
from graph_service.shacl.pyshacl_engine import pyshacl_engine
from graph_service.shacl.report import ValidationResult

SHAPES_DIR = PROJECT_ROOT / "shapes"

#: An engine takes shapes files and data files, and returns (results, report text).
Engine = Callable[[list[Path], list[Path]], tuple[list[ValidationResult], str]]
ENGINES: dict[str, Engine] = {"pyshacl": pyshacl_engine, "fast": fast_engine}


@dataclass(frozen=True)
class ShapeSet:
    """Shapes files applied to the graphs of some sources."""

    name: str
    shapes: tuple[str, ...]
    applies_to: Callable[[str], bool]
    blocking: bool = True
    engine: str = "pyshacl"
    per_graph: bool = False  # validate each graph on its own (an outcome named after the graph)
    #: also read the organisations the graphs link to (the shared graph and the registries'), since
    #: a source's graph no longer describes them (mappings/organisations.py)
    organisations: bool = False

    def shape_files(self) -> list[Path]:
        return [SHAPES_DIR / name for name in self.shapes]


@dataclass
class Outcome:
    """The result of one shape set on its graphs."""

    name: str
    blocking: bool
    graphs: list[str]
    results: list[ValidationResult] = field(default_factory=list)
    text: str = ""
    shapes: list[Path] = field(default_factory=list)   # the shape files the graphs were validated against

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    @property
    def violations(self) -> int:
        return self.count("Violation")

    @property
    def warnings(self) -> int:
        return self.count("Warning")

    def summary(self) -> dict:
        by_path = Counter(f"{r.severity} {r.path}: {r.message}" for r in self.results)
        return {"name": self.name, "graphs": self.graphs, "violations": self.violations,
                "warnings": self.warnings, "infos": self.count("Info"),
                "top": [{"what": k, "count": n} for k, n in by_path.most_common(10)]}


def starts_with(*prefixes: str) -> Callable[[str], bool]:
    return lambda name: name.startswith(prefixes)


DCAT_AP = "dcat-ap-3.0.1/"


SHAPE_SETS: list[ShapeSet] = [
    ShapeSet("referentials", ("referentials.ttl", "cog_history.ttl"),
             starts_with("cog-", "cpv", "naf", "categories-juridiques", "collectivites-", "budget-nomenclature"),
             engine="fast"),
    # The tables lifted generically (mappings/generic.py): their records and CSVW descriptions.
    ShapeSet("generic", ("generic.ttl",), starts_with("tab-"), engine="fast"),
    # The State budget cubes, with the budget nomenclature and schemes their observations link to.
    ShapeSet("budget", ("budget.ttl",), starts_with("budget-"), engine="fast"),
    # DECP contracts, modifications, parties and audit measurements: each feed on its own graph
    # (one contract may be published, with other values, by two feeds: the graphs keep them apart).
    *(ShapeSet(name, ("decp.ttl",), starts_with(name), engine="fast", organisations=True)
      for name in ("decp-2019-e-marchespublics", "decp-2019-pes", "decp-2019-aife", "decp-2024-paris",
                   "decp-tabulaire")),
    # any other DECP feed of a snapshot (its graph is named after its kind, graph_service/build/binding.py)
    ShapeSet("decp-feed", ("decp.ttl",),
             starts_with("decp-2019-json-", "decp-2024-json-", "decp-consolide-tabulaire-"), engine="fast",
             per_graph=True, organisations=True),
    # DGFiP data: property sales (both DVF formats, with the DVF nomenclatures their links reach),
    # local-authority accounts, SIRENE legal units.
    ShapeSet("dvf", ("dvf.ttl",), starts_with("dvf-"), engine="fast"),
    ShapeSet("local-accounts", ("local_accounts.ttl",), starts_with("ofgl-"), engine="fast", organisations=True),
    ShapeSet("sirene", ("sirene.ttl",), starts_with("sirene-"), engine="fast"),
    # Fuel stations and their prices (prix-carburants.gouv.fr flux instantané).
    ShapeSet("carburants", ("carburants.ttl",), starts_with("prix-carburants"), engine="fast"),
    # La Poste's postal codes and the communes they serve.
    ShapeSet("codes-postaux", ("postal.ttl",), starts_with("codes-postaux"), engine="fast"),
    # The catalog and the EU vocabulary concepts it uses, against the official DCAT-AP 3.0.1 shapes
    # (the mandatory and range shapes block the build; the recommended ones only count warnings).
    ShapeSet("dcat-ap-3.0.1", (DCAT_AP + "shapes.ttl", DCAT_AP + "range.ttl",
                               DCAT_AP + "mdr-vocabularies.shape.ttl"), is_catalog),
    ShapeSet("dcat-ap-3.0.1-recommended", (DCAT_AP + "shapes_recommended.ttl",), is_catalog,
             blocking=False),
    # The high-value datasets (those with an HVD category) against the official DCAT-AP HVD 3.0.0
    # shapes, applied to them only (shapes/dcat-ap-hvd-3.0.0/hvd-targets.ttl).
    ShapeSet("dcat-ap-hvd-3.0.0", ("dcat-ap-hvd-3.0.0/hvd-shapes.ttl", "dcat-ap-hvd-3.0.0/hvd-targets.ttl"),
             is_catalog),
]


def organisation_files(results: Sequence, shared: Path) -> list[Path]:
    """The files describing organisations: the shared graph and the registries' graphs."""
    return [shared, *(r.nquads for r in results if is_registry(r.source.name))]


def run(results: Sequence, shape_sets: Sequence[ShapeSet] | None = None,
        shared: Sequence[Path] = ()) -> list[Outcome]:
    """Run every shape set on the N-Quads of the sources it applies to (with the `shared` files
    describing organisations, for the sets that read them)."""
    outcomes = []
    for shape_set in shape_sets or SHAPE_SETS:
        files = [r.nquads for r in results if shape_set.applies_to(r.source.name)]
        for group in ([[f] for f in files] if shape_set.per_graph else [files] if files else []):
            name = group[0].stem if shape_set.per_graph else shape_set.name
            outcome = Outcome(name, shape_set.blocking, [f.stem for f in group], shapes=shape_set.shape_files())
            extra = [f for f in shared if f not in group] if shape_set.organisations else []
            outcome.results, outcome.text = ENGINES[shape_set.engine](shape_set.shape_files(), group + extra)
            outcomes.append(outcome)
    return outcomes
