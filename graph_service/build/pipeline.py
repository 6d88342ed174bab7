"""The build pipeline: read -> lift -> validate -> load into a new store -> swap it in.

Each source becomes one named graph written as N-Quads text (no rdflib on the hot path), bulk-loaded
by Oxigraph as the lift finishes it: a loader thread (`load.Loader`) takes file k while source k+1 is
lifted. The graphs are validated by the fast engine on the new store itself once they are loaded
(`Loader.wait`, each shape set's queries reading its graphs only: `shape_sets.run`), then provenance, link
sets and the rest are written and loaded. A blocking violation stops the build there: the new store is removed. Every input
record is either lifted or kept in the quarantine report with its reason: rows read = rows lifted + rows
rejected, per source.
"""

from __future__ import annotations

import csv
import gc
import json
import multiprocessing
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from tqdm import tqdm

from graph_service.build import (
    aggregates,
    binding,
    changes,
    coverage,
    freshness,
    lift_cache,
    load,
    provenance,
    search_index,
    vocabulary,
)
from graph_service.build.load import Loader, LoadError, swap_in
from graph_service.config import Settings
from graph_service.shacl import shape_sets
from graph_service.snapshot import SnapshotError, sha256
from graph_service import remote_store
from graph_service.store import CURRENT, GraphStore, new_build_id
from mappings import organisations, parcels
from mappings.iri import Minter
from mappings.read import Reject, SourceError
from mappings.source import Context, Source
from mappings.terms import nquad


class BuildError(Exception):
    """The build stopped; the previous store is untouched."""


@dataclass
class Rejection:
    """One quarantined record."""

    source: str
    file: str
    line: int
    field: str
    reason: str
    value: str = ""


@dataclass
class SourceResult:
    """What lifting one source produced."""

    source: Source
    file: Path
    nquads: Path
    sha256: str = ""
    rows: int = 0
    lifted: int = 0
    triples: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    reused: bool = False          # taken from the lift cache: its inputs had not changed
    #: its triples about parcels, in the shared `parcelles` graph (mappings/parcels.py); None: it names none
    parcels: Path | None = None

    @property
    def graph(self) -> str:
        return self.nquads.stem


@dataclass
class BuildReport:
    """The closing summary of a build."""

    build_id: str
    store: str
    started: str
    seconds: float
    sources: list[dict]
    validation: list[dict]
    unresolved: list[dict]
    coverage: list[dict] = field(default_factory=list)
    graphs: dict[str, int] = field(default_factory=dict)
    #: the snapshot read: its id, each file's graph and kind, the files lifted generically, the unreadable
    snapshot: dict = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    changes: list[dict] = field(default_factory=list)
    #: quads whose triple another named graph states too: 0, the default graph is the union of the named
    #: graphs (checked a set); more, the build stored their merge as the default graph (graph_service/build/load.py)
    shared_quads: int = 0
    #: the cubes of the graph `aggregats`: observations and the seconds their query took (aggregates.py)
    aggregates: list[dict] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return sum(s["rejected"] for s in self.sources)


def lift_source(source: Source, ctx: Context, out_dir: Path, progress: bool = True) -> SourceResult:
    """Lift one source into `out_dir/<name>.nq`, quarantining bad records; its triples about parcels go
    to `out_dir/<name>.parcelles.nq`, in the shared parcels graph (`result.parcels`)."""
    file = source.file(ctx.data_dir)
    result = SourceResult(source, file, out_dir / f"{source.name}.nq")
    graph = ctx.mint.graph(source.name)
    ctx.source = source.name
    ctx.line = 0
    records = source.read(file)
    parcel_file, parcel_graph = share_file(out_dir, source, parcels.GRAPH), ctx.mint.graph(parcels.GRAPH)
    with result.nquads.open("w", encoding="utf-8") as out, parcel_file.open("w", encoding="utf-8") as shared:
        ctx.parcels.sink = lambda t: shared.write(nquad(t, parcel_graph))
        try:
            for triple in source.preamble(ctx):
                if not ctx.share(triple, source.name):  # organisations, parcels: their one graph
                    out.write(nquad(triple, graph))
                    result.triples += 1
            bar = tqdm(records, desc=f"lift {source.name}", unit=" rows", disable=not progress, leave=False)
            for record in bar:
                result.rows += 1
                ctx.line = record.line
                try:
                    if None in record.data:
                        raise Reject("(row)", str(record.data[None]))
                    lifted = list(source.lift(record, ctx))
                except Reject as exc:
                    value = "" if exc.value is None else str(exc.value)
                    result.rejected.append(Rejection(source.name, source.path, record.line,
                                                     exc.field, exc.reason, value))
                    continue
                triples = [t for t in lifted if not ctx.share(t, source.name)]
                result.lifted += 1
                result.triples += len(triples)
                out.write("".join(nquad(t, graph) for t in triples))
        finally:
            ctx.parcels.sink = None
    if parcel_file.stat().st_size:
        result.parcels = parcel_file
    else:
        parcel_file.unlink()
    result.sha256 = sha256(file)
    return result


def lift_or_reuse(source: Source, ctx: Context, out_dir: Path, cache_dir: Path, reuse: bool,
                  progress: bool) -> tuple[SourceResult, str]:
    """Lift a source, or take its graph from the lift cache when `reuse` and nothing it depends on
    changed; either way the cache then holds it. Returns (the result, its cache key)."""
    entry_key = lift_cache.key(source, ctx)
    found = lift_cache.load(cache_dir, entry_key) if reuse else None
    if found:
        entry, cached = found
        result = SourceResult(source, source.file(ctx.data_dir), out_dir / f"{source.name}.nq", entry.sha256,
                              entry.rows, entry.lifted, entry.triples, entry.rejected, reused=True)
        os.link(cached, result.nquads)
        if (cached_parcels := lift_cache.parcels_of(cached)) is not None:
            result.parcels = share_file(out_dir, source, parcels.GRAPH)
            os.link(cached_parcels, result.parcels)
        lift_cache.restore(ctx, entry)
        return result, entry_key
    ctx.journal = []
    try:
        result = lift_source(source, ctx, out_dir, progress)
        entry = lift_cache.Entry(result.rows, result.lifted, result.triples, result.sha256, result.rejected,
                                 ctx.journal, lift_cache.per_source(ctx, source.name))
    finally:
        ctx.journal = None
    lift_cache.save(cache_dir, entry_key, entry, result.nquads, result.parcels)
    return result, entry_key


def write_organisations(ctx: Context, out_dir: Path) -> tuple[Path, int]:
    """The shared `organisations` graph, once all sources are lifted: its file and triple count."""
    path = out_dir / f"{organisations.GRAPH}.nq"
    graph = ctx.mint.graph(organisations.GRAPH)
    with path.open("w", encoding="utf-8") as out:
        out.writelines(nquad(t, graph) for t in ctx.organisations.triples())
    return path, ctx.organisations.written


def share_file(out_dir: Path, source: Source, graph: str) -> Path:
    """Where a source's lines in a shared graph are lifted to: `<source>.<shared graph>.nq` (`graph_of`)."""
    return out_dir / f"{source.name}.{graph}.nq"


def graph_of(nquads: Path) -> str:
    """The named graph a lifted file holds: a source's graph is `<graph>.nq`, its share of a shared graph
    `<source>.<shared graph>.nq` (`share_file`)."""
    return nquads.stem.rpartition(".")[2]


@contextmanager
def frozen() -> Iterator[None]:
    """The objects alive now kept out of the garbage collector's sight while the block runs: the processes
    forked in it (the change feed's, a pyshacl set's) share the lift's state, GBs at national size, instead of
    copying its pages when they collect."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def build(settings: Settings, sources: Sequence[Source] | None = None, *, progress: bool = True,
          validate: bool = True, reuse: bool = False) -> BuildReport:
    """Build a new store from the sources and swap it in; raise BuildError on failure.

    Without `sources`, the files of the snapshot `settings.data_dir` as its manifest binds them
    (`binding.py`); with them, exactly those (tests, benchmarks). `reuse`: take from the lift cache the
    graphs whose inputs did not change (`bercy-graph refresh`)."""
    plan = None
    if sources is None:
        try:
            plan = binding.plan(settings.data_dir)
        except SnapshotError as exc:
            raise BuildError(str(exc)) from None
        sources = plan.sources
    started = datetime.now(timezone.utc).replace(microsecond=0)
    build_id = new_build_id(started)
    settings.store_root.mkdir(parents=True, exist_ok=True)
    work = settings.home / "work" / build_id
    work.mkdir(parents=True)
    new_store = settings.store_root / build_id
    clock = time.perf_counter()
    ctx = Context(Minter(settings.base), settings.data_dir)
    loader: Loader | None = None
    try:
        cache_dir = settings.home / "lifted"
        loader = Loader(new_store)
        lifted = []
        for source in sources:
            lifted.append(lift_or_reuse(source, ctx, work, cache_dir, reuse, progress))
            loader.add(lifted[-1][0].nquads)
            if lifted[-1][0].parcels is not None:   # its share of the parcels graph: the store keeps a quad once
                loader.add(lifted[-1][0].parcels)
        results = [result for result, _ in lifted]
        shared_file, shared_triples = write_organisations(ctx, work)
        loader.add(shared_file)
        # the shared graphs (mappings/source.py, `SHARED`), each from its files
        shared = {organisations.GRAPH: [shared_file]}
        if parcel_files := [r.parcels for r in results if r.parcels]:
            shared[parcels.GRAPH] = parcel_files
        on_store = shape_sets.OnStore(loader.wait, lambda file: ctx.mint.graph(graph_of(file))[1:-1])
        served = settings.store_root / CURRENT
        with frozen(), multiprocessing.get_context("fork").Pool(1) as beside:
            # the change feed's fingerprints read the lifted files, not the store: a process takes them while the
            # data graphs are validated (on a core the validation leaves idle once its last set runs alone);
            # a failed build stops it (the pool's exit)
            recorded = beside.apply_async(changes.record, (
                settings.home, served.resolve() if served.exists() else None,
                {**{r.graph: [r.nquads] for r in results}, **shared}, ctx.mint, build_id, started, work,
                settings.change_retention_days))
            outcomes = shape_sets.run(results, shared=shape_sets.organisation_files(results, shared_file),
                                      parcels=parcel_files, store=on_store) if validate else []
            failed = [o for o in outcomes if o.blocking and o.violations]
            prov_file = work / "provenance.nq"
            documents = vocabulary.documents()   # the vocabulary and the shapes, as graphs of the build
            provenance.write(prov_file, results, outcomes, ctx, build_id, started, plan, documents, shared_triples)
            links = coverage.compute(results, ctx)
            links_file = work / "linksets.nq"
            coverage.write(links_file, links, ctx, results)
            report_dir = settings.reports_dir / build_id
            write_reports(report_dir, results, outcomes, ctx)
            write_csv(report_dir / "coverage.csv", [c.summary() for c in links])
            if failed:
                names = ", ".join(f"{o.name} ({o.violations} violations)" for o in failed)
                raise BuildError(f"validation failed: {names}; see {report_dir}")
            log, changed = recorded.get()
        fresh_file = work / "freshness.nq"
        freshness.write(fresh_file, next((r.nquads for r in results if r.source.name == "catalog"), None),
                        ctx.mint, started)
        for file in (prov_file, links_file, log, fresh_file):
            loader.add(file)
        for d in documents:
            loader.add(d.path, ctx.mint.graph(d.name)[1:-1])
        loader.finish()
        shared_quads, cubes = settle_and_derive(new_store, ctx, build_id, work, report_dir,
                                                outcomes if validate else None)
        if settings.graph_store:   # a remote engine serves the graph: send it there, switch it in
            remote_store.publish(settings.graph_store, new_store, build_id)
        swap_in(settings.store_root, new_store)
        changes.keep(settings.home, work, log, new_store)
        lift_cache.prune(cache_dir, {entry_key for _, entry_key in lifted})
    except (SourceError, OSError, LoadError) as exc:
        stop(loader)
        shutil.rmtree(new_store, ignore_errors=True)
        raise BuildError(str(exc)) from None
    except BaseException:
        stop(loader)
        shutil.rmtree(new_store, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = BuildReport(
        build_id=build_id,
        store=str(new_store),
        started=started.isoformat(),
        seconds=round(time.perf_counter() - clock, 1),
        sources=[source_summary(r) for r in results],
        validation=[o.summary() for o in outcomes],
        unresolved=[{"source": s, "kind": k, "code": c, "count": n, "first_line": ctx.first_line[(s, k, c)]}
                    for (s, k, c), n in sorted(ctx.unresolved.items())],
        coverage=[c.summary() for c in links],
        changes=[changes.summary(c) for c in changed],
        snapshot=plan.summary() if plan else {},
        shared_quads=shared_quads,
        aggregates=[asdict(c) for c in cubes],
    )
    add_store_figures(report, GraphStore(new_store))
    (report_dir / "summary.json").write_text(json.dumps(asdict(report), indent=2, ensure_ascii=False))
    return report


def settle_and_derive(store: Path, ctx: Context, build_id: str, work: Path, report_dir: Path,
                      outcomes: list | None) -> tuple[int, list[aggregates.Computed]]:
    """Settle the default graph (`load.settle_default_graph`) and add what the build derives from it: the
    graph `aggregats` and the search index (names and codes, for the search box: graph_service/search.py),
    cubes' names included. Both are computed beside the union check, over the union: the merge when the
    check passes (the usual case: each fact is stated once); when it fails, again over the stored merge. The
    check reads through a read-only handle, blind to later writes: the store is written (merge, cubes) only
    once it has ended. Returns the number of quads repeating a triple (0: the union is a set) and the cubes."""
    cubes_file = work / f"{aggregates.GRAPH}.nq"
    with ThreadPoolExecutor(1) as beside:
        checked = beside.submit(load.union_is_a_set, store)
        cubes = derive(store, ctx, cubes_file)
        shared_quads = load.settle_default_graph(store, checked.result())
    if shared_quads:
        cubes = derive(store, ctx, cubes_file)
    add_aggregates(store, ctx, build_id, cubes_file, report_dir, outcomes, merged=shared_quads > 0)
    return shared_quads, cubes


def derive(store: Path, ctx: Context, cubes_file: Path) -> list[aggregates.Computed]:
    """The cubes (written to `cubes_file`) and the search index, read from the store as it is."""
    cubes = aggregates.compute(store, ctx, cubes_file)
    search_index.write(store, ctx.mint, also=[cubes_file])
    return cubes


def add_aggregates(new_store: Path, ctx: Context, build_id: str, cubes_file: Path, report_dir: Path,
                   outcomes: list | None, *, merged: bool) -> None:
    """Validate the graph `aggregats` (`outcomes`: None, not validated; else its outcome is appended, and a
    violation stops the build), describe it in the provenance graph, and add both to the store."""
    triples = aggregates.provenance(ctx, build_id, cubes_file)
    if outcomes is not None:
        checked = shape_sets.run_graph(aggregates.GRAPH, cubes_file)
        outcomes += checked
        write_validation(report_dir, checked)
        triples += provenance.validation(ctx, checked)
        if failed := [o for o in checked if o.blocking and o.violations]:
            names = ", ".join(f"{o.name} ({o.violations} violations)" for o in failed)
            raise BuildError(f"validation failed: {names}; see {report_dir}")
    prov_file = cubes_file.with_name(f"{aggregates.GRAPH}-provenance.nq")
    prov_file.write_text("".join(nquad(t, ctx.mint.graph("provenance")) for t in triples), encoding="utf-8")
    load.add_graphs(new_store, [cubes_file, prov_file], merged=merged)


def stop(loader: Loader | None) -> None:
    """Stop the loader thread of a failed build (its store directory is then removed)."""
    if loader is not None:
        loader.abort()


def source_summary(result: SourceResult) -> dict:
    return {"source": result.source.name, "file": result.source.path, "rows": result.rows,
            "lifted": result.lifted, "rejected": len(result.rejected), "triples": result.triples,
            "reused": result.reused}


def write_reports(report_dir: Path, results: list[SourceResult], outcomes, ctx: Context) -> None:
    """The quarantine report (one CSV row per rejected record), the codes no referential
    resolved, and the validation reports."""
    report_dir.mkdir(parents=True, exist_ok=True)
    with (report_dir / "rejected.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "file", "line", "field", "reason", "value"])
        for result in results:
            for r in result.rejected:
                writer.writerow([r.source, r.file, r.line, r.field, r.reason, r.value])
    with (report_dir / "unresolved.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "kind", "code", "count", "first_line"])
        for (source, kind, code), n in sorted(ctx.unresolved.items()):
            writer.writerow([source, kind, code, n, ctx.first_line[(source, kind, code)]])
    write_validation(report_dir, outcomes)


def write_validation(report_dir: Path, outcomes) -> None:
    """One validation report per outcome."""


def write_csv(path: Path, rows: list[dict]) -> None:
    """Rows of dicts as CSV (lists joined by " | ")."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(rows[0].keys() if rows else [])
        for row in rows:
            writer.writerow([" | ".join(v) if isinstance(v, list) else v for v in row.values()])


CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n)
"""
GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


def add_store_figures(report: BuildReport, store: GraphStore) -> None:
    """Triples per graph and entities per class, read back from the loaded store."""
    report.graphs = {r["g"]: int(r["n"]) for r in store.select(GRAPH_COUNTS)}
    report.classes = {r["class"]: int(r["n"]) for r in store.select(CLASS_COUNTS)}
