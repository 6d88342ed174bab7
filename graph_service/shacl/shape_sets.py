"""Validation of the lifted graphs against the shapes in shapes/.

`SHAPE_SETS` says which shapes apply to which source graphs, with which engine, and whether a
violation stops the build. Every set of ours runs on the fast engine (SHACL Core compiled to SPARQL,
run in Oxigraph; pyshacl, the reference, is the engine of a set that needs more), in the build on the
build's own store, each set's queries reading exactly its graphs (`run` with `OnStore`):
no second copy of the data in memory. `run` is the one place that says which graphs a set reads (its
own, plus the organisations for the sets that read them).
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from mappings.catalog import is_catalog
from mappings.organisations import is_registry
from mappings.read import SourceError

from graph_service.config import PROJECT_ROOT
from graph_service.shacl.fast import fast_engine, keeping, store_engine
from graph_service.shacl.pyshacl_engine import parsed_once, pyshacl_engine
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
    #: also read the shared parcels graph (mappings/parcels.py): the sales' graphs link to the parcels
    parcels: bool = False

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
    engine: str = ""
    seconds: float = 0.0   # the engine's time on these graphs (the first of a shared parse pays for it)

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
    ShapeSet("dvf", ("dvf.ttl",), starts_with("dvf-"), engine="fast", parcels=True),
    ShapeSet("local-accounts", ("local_accounts.ttl",), starts_with("ofgl-"), engine="fast", organisations=True),
    ShapeSet("sirene", ("sirene.ttl",), starts_with("sirene-"), engine="fast"),
    # Fuel stations and their prices (prix-carburants.gouv.fr flux instantané).
    ShapeSet("carburants", ("carburants.ttl",), starts_with("prix-carburants"), engine="fast"),
    # La Poste's postal codes and the communes they serve.
    ShapeSet("codes-postaux", ("postal.ttl",), starts_with("codes-postaux"), engine="fast"),
    # The cubes the build computes from the loaded store (graph_service/build/aggregates.py, `run_graph`).
    ShapeSet("aggregats", ("aggregates.ttl",), starts_with("aggregats"), engine="fast"),
    # The catalog and the EU vocabulary concepts it uses, against the official DCAT-AP 3.0.1 shapes
    # (the mandatory and range shapes block the build; the recommended ones only count warnings). The fast
    # engine reports what pyshacl reports on them (the catalog and DCAT-AP's own examples:
    # tests/test_shacl_fast.py), in a twentieth of the time.
    ShapeSet("dcat-ap-3.0.1", (DCAT_AP + "shapes.ttl", DCAT_AP + "range.ttl",
                               DCAT_AP + "mdr-vocabularies.shape.ttl"), is_catalog, engine="fast"),
    ShapeSet("dcat-ap-3.0.1-recommended", (DCAT_AP + "shapes_recommended.ttl",), is_catalog,
             blocking=False, engine="fast"),
    # The high-value datasets (those with an HVD category) against the official DCAT-AP HVD 3.0.0
    # shapes, applied to them only (shapes/dcat-ap-hvd-3.0.0/hvd-targets.ttl).
    ShapeSet("dcat-ap-hvd-3.0.0", ("dcat-ap-hvd-3.0.0/hvd-shapes.ttl", "dcat-ap-hvd-3.0.0/hvd-targets.ttl"),
             is_catalog, engine="fast"),
]


def organisation_files(results: Sequence, shared: Path) -> list[Path]:
    """The files describing organisations: the shared graph and the registries' graphs."""
    return [shared, *(r.nquads for r in results if is_registry(r.source.name))]


#: processes (or threads, on the store) validating at once (the machine's cores): the sets are independent
WORKERS = 2
#: how much slower than the fast engine pyshacl is per byte of N-Quads, to start the longest work first
PYSHACL_WEIGHT = 20


@dataclass(frozen=True)
class Job:
    """One engine on one group of files with one set's shapes: an Outcome to fill."""

    engine: str
    shapes: tuple[Path, ...]
    data: tuple[Path, ...]
    shared: tuple[Path, ...] = ()   # those of `data` that describe organisations (several sets read them)


@dataclass(frozen=True)
class OnStore:
    """Where the build's fast sets validate: `ready()` returns the store once the graphs are loaded in it
    (the loader's `wait`); `graph(file)` is the IRI of the named graph a lifted file was loaded into."""

    ready: Callable[[], object]
    graph: Callable[[Path], str]


def run(results: Sequence, shape_sets: Sequence[ShapeSet] | None = None,
        shared: Sequence[Path] = (), workers: int = WORKERS, parcels: Sequence[Path] = (),
        store: OnStore | None = None) -> list[Outcome]:
    """Run every shape set on the graphs of the sources it applies to (with the `shared` files describing
    organisations and the `parcels` files, for the sets that read them). On files, in `workers` processes; with
    `store`, the fast sets on the store's graphs of those files, in `workers` threads, while pyshacl's sets run
    on their files in a process beside."""
    outcomes, jobs = [], []
    for shape_set in shape_sets or SHAPE_SETS:
        files = [r.nquads for r in results if shape_set.applies_to(r.source.name)]
        for group in ([[f] for f in files] if shape_set.per_graph else [files] if files else []):
            name = group[0].stem if shape_set.per_graph else shape_set.name
            outcomes.append(Outcome(name, shape_set.blocking, [f.stem for f in group], shapes=shape_set.shape_files(),
                                    engine=shape_set.engine))
            extra = [f for f in shared if f not in group] if shape_set.organisations else []
            extra += [f for f in parcels if f not in group] if shape_set.parcels else []
            jobs.append(Job(shape_set.engine, tuple(shape_set.shape_files()), tuple(group + extra), tuple(extra)))
    if store is None:
        answered = run_tasks(tasks(jobs), workers)
    else:
        answered = run_on_store(jobs, store, workers)
    for indexes, answers in answered:
        for i, (results_, text, seconds) in zip(indexes, answers):
            outcomes[i].results, outcomes[i].text, outcomes[i].seconds = results_, text, seconds
    return outcomes


def run_on_store(jobs: list[Job], store: OnStore, workers: int):
    """`run_tasks`'s answers, the fast jobs run on the store (each on the graphs of its files, the largest
    first), the others on their files in a forked process started first (it works while the loader ends)."""
    fast = [i for i, job in enumerate(jobs) if job.engine == "fast"]
    others = [i for i in range(len(jobs)) if i not in fast]
    units = [([others[k] for k in indexes], unit) for indexes, unit in tasks([jobs[i] for i in others])]
    fast.sort(key=lambda i: -sum(p.stat().st_size for p in jobs[i].data if p.exists()))

    def on_store(i: int) -> list[tuple[list[ValidationResult], str, float]]:
        start = time.perf_counter()
        graphs = list(dict.fromkeys(store.graph(p) for p in jobs[i].data))
        results, text = store_engine(list(jobs[i].shapes), loaded, graphs)
        return [(results, text, time.perf_counter() - start)]

    with ExitStack() as stack:
        beside = stack.enter_context(ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))) \
            if units else None
        pending = [(indexes, beside.submit(run_unit, unit)) for indexes, unit in units if beside]
        loaded = store.ready() if fast else None
        with ThreadPoolExecutor(max(1, workers)) as threads:
            answered = [([i], answer) for i, answer in zip(fast, threads.map(on_store, fast))]
        return answered + [(indexes, future.result()) for indexes, future in pending]


def run_graph(name: str, nquads: Path) -> list[Outcome]:
    """The shape sets of a graph the build writes from the loaded store (not lifted from a source), on its
    N-Quads file, in this process."""
    built = SimpleNamespace(nquads=nquads, source=SimpleNamespace(name=name))
    return run([built], workers=1)


def tasks(jobs: list[Job]) -> list[tuple[list[int], list[Job]]]:
    """The jobs grouped into the units a process runs, longest first: pyshacl's jobs on the same files go
    together (one parse for them all, `pyshacl_engine.parsed_once`), and so do the fast
    engine's jobs reading the same organisations (loaded once, `fast.keeping`)."""
    grouped: dict[tuple, list[int]] = {}
    for i, job in enumerate(jobs):
        together = (job.engine, job.data) if job.engine == "pyshacl" else (job.engine, job.shared) if job.shared \
            else (i,)
        grouped.setdefault(together, []).append(i)

    def cost(indexes: list[int]) -> int:
        size = sum(p.stat().st_size for i in indexes for p in jobs[i].data if p.exists())
        return size * (PYSHACL_WEIGHT if jobs[indexes[0]].engine == "pyshacl" else 1)
    units = sorted(grouped.values(), key=cost, reverse=True)
    return [(indexes, [jobs[i] for i in indexes]) for indexes in units]


def run_tasks(units: list[tuple[list[int], list[Job]]], workers: int):
    """Each unit's answers, in the units' order; in a pool of processes when there is more than one unit
    (forked: they see the engines as the caller set them)."""
    if workers <= 1 or len(units) <= 1:
        answers = [run_unit(jobs) for _, jobs in units]
    else:
        with ProcessPoolExecutor(min(workers, len(units)), mp_context=multiprocessing.get_context("fork")) as pool:
            answers = list(pool.map(run_unit, [jobs for _, jobs in units]))
    return [(indexes, answer) for (indexes, _), answer in zip(units, answers)]


def run_unit(jobs: list[Job]) -> list[tuple[list[ValidationResult], str, float]]:
    """The (results, text, seconds) of each job, one after the other."""
    out = []
    with parsed_once(), keeping(jobs[0].shared if jobs else ()):
        for job in jobs:
            start = time.perf_counter()
            try:
                results, text = ENGINES[job.engine](list(job.shapes), list(job.data))
            except SourceError as exc:   # as one that crosses a process boundary
                raise ShapesError(exc.path, exc.message, exc.line) from None
            out.append((results, text, time.perf_counter() - start))
    return out


class ShapesError(SourceError):
    """A SourceError a validating process can hand back (its constructor's arguments are pickled)."""

    def __reduce__(self):
        return ShapesError, (self.path, self.message, self.line)
