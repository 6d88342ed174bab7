"""Each parcel described once (mappings/parcels.py): a parcel named by several DVF graphs, of both formats,
is described in the shared `parcelles` graph only, once, and a reused DVF source still describes it.

The data are real lines of the embedded samples (data/dvf/): the two files name no common parcel
(Toulon, Lille area), so each format's file is split in two, the lines of one sale of a parcel in one
file and those of another sale of the same parcel in the other (as two years of one format would be):
four DVF graphs, two naming a Toulon parcel, two naming a Lille-area parcel.
"""

from __future__ import annotations

import csv
import operator
import shutil
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pytest

from graph_service.build.pipeline import build
from graph_service.config import Settings
from graph_service.store import GraphStore
from mappings import cog, dvf_geo, dvf_raw, nature_culture, parcels
from mappings.dvf import COPY
from mappings.namespaces import PREFIXES
from mappings.read import Record, Reject
from mappings.source import no_preamble

from .conftest import BASE, DATA

GEO, RAW = dvf_geo.SOURCES[0], dvf_raw.SOURCES[0]


def read(sale_line, n: int, row: dict):
    """A line as the mapping reads it (None: a line it rejects)."""
    try:
        return sale_line(Record(n, {**row, COPY: 1}))
    except Reject:
        return None


def two_sales_of_one_parcel(path: Path, delimiter: str, sale_line) -> tuple[str, list[str], list[str]]:
    """The first parcel of a real DVF file named by two sales (with a point, when the format gives one): its
    id (as the mapping's `sale_line` reads it) and the lines of each sale, as they are in the file."""
    with path.open(encoding="utf-8", newline="") as handle:
        lines = handle.read().splitlines(keepends=True)
    rows = [read(sale_line, n, row) for n, row in enumerate(csv.DictReader(lines, delimiter=delimiter))]
    sales: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row is not None and (row.longitude is not None or sale_line is dvf_raw.sale_line):
            sales[row.parcel].append(row.mutation)
    found, names = next((p, list(dict.fromkeys(s))) for p, s in sales.items() if len(set(s)) >= 2)
    first, second = ([line for line, row in zip(lines[1:], rows) if row and row.mutation == name]
                     for name in names[:2])
    return found, [lines[0], *first], [lines[0], *second]


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    """A data folder with the referentials the sales link to and the four DVF files; the sources."""
    data = tmp_path_factory.mktemp("parcels") / "data"
    referentials = [*cog.SOURCES[:5], *nature_culture.SOURCES]
    for source in referentials:
        (data / source.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / source.path, data / source.path)
    geo_id, *geo_files = two_sales_of_one_parcel(DATA / GEO.path, ",", dvf_geo.sale_line)
    raw_id, *raw_files = two_sales_of_one_parcel(DATA / RAW.path, "|", dvf_raw.sale_line)
    dvf = []
    for base, files, suffix in ((GEO, geo_files, "csv"), (RAW, raw_files, "txt")):
        for part, lines in zip("ab", files):
            path = f"dvf/{base.name}-{part}.{suffix}"
            (data / path).write_text("".join(lines), encoding="utf-8", newline="")
            # the source's notes about its own file (its preamble) are said by the first part only
            dvf.append(replace(base, name=f"{base.name}-{part}", path=path,
                               **({"preamble": no_preamble} if part == "b" else {})))
    return data, [*referentials, *dvf], {"geo": geo_id, "raw": raw_id}


@pytest.fixture(scope="module")
def built(split, tmp_path_factory):
    data, sources, ids = split
    settings = Settings(base=BASE, data_dir=data, home=tmp_path_factory.mktemp("home"))
    report = build(settings, sources, progress=False, reuse=True)
    return settings, sources, ids, report


def parcel_iri(key: str) -> str:
    return f"{BASE}/id/parcelle/{key}"


def graph_name(iri: str) -> str:
    return iri.removeprefix(f"{BASE}/graph/")


def statements(store: GraphStore, subject: str) -> list[tuple[str, str, str]]:
    """(graph, predicate, object) of every quad about `subject` (its point included)."""
    rows = store.select(f"""SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
        FILTER(?s IN (<{subject}>, <{subject}#point>)) }}""")
    return sorted((graph_name(r["g"]), r["p"], r["o"]) for r in rows)


@pytest.mark.parametrize("fmt", ["geo", "raw"])
def test_a_parcel_two_dvf_graphs_name_is_described_once_in_the_parcels_graph(built, fmt):
    _, _, ids, report = built
    store = GraphStore(Path(report.store))
    parcel = parcel_iri(ids[fmt])
    base = GEO.name if fmt == "geo" else RAW.name
    naming = store.select(f"""PREFIX bg: <{PREFIXES['bg']}>
        SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?d bg:parcelle <{parcel}> }} }}""")
    assert {graph_name(r["g"]) for r in naming} >= {f"{base}-a", f"{base}-b"}   # each sale keeps its link
    said = statements(store, parcel)
    assert {g for g, _, _ in said} == {parcels.GRAPH}
    predicates = sorted(p.rsplit("/", 1)[-1].rsplit("#", 1)[-1] for _, p, _ in said)
    expected = ["identifier", "spatial", "type", "type"]
    if fmt == "geo":   # the point geo-DVF gives (the same centroid on both sales' lines)
        expected = sorted([*expected, "hasGeometry", "type", "asWKT"])
    assert predicates == expected
    assert (parcels.GRAPH, f"{PREFIXES['dct']}identifier", ids[fmt]) in said
    assert (parcels.GRAPH, f"{PREFIXES['dct']}spatial", f"{BASE}/id/commune/{ids[fmt][:5]}") in said


def test_no_triple_in_two_graphs_and_every_line_lifted_or_rejected(built, split):
    _, sources, _, report = built
    assert report.shared_quads == 0   # the union check passed: the default graph is the union
    for summary in report.sources:
        assert summary["rows"] == summary["lifted"] + summary["rejected"]
    data = split[0]
    for source in sources[-4:]:
        summary = next(s for s in report.sources if s["source"] == source.name)
        assert summary["rows"] == len((data / source.path).read_text(encoding="utf-8").splitlines()) - 1


def test_the_dvf_shapes_read_the_parcels_graph(built):
    """The dispositions' `bg:parcelle` must reach a `bg:Parcelle` (shapes/dvf.ttl): it does, in the
    shared graph the dvf set reads; and the graph's size is the store's count, each triple once."""
    _, _, _, report = built
    (dvf,) = [v for v in report.validation if v["name"] == "dvf"]
    assert dvf["violations"] == 0
    store = GraphStore(Path(report.store))
    graph = f"{BASE}/graph/{parcels.GRAPH}"
    (row,) = store.select(f"""PREFIX void: <{PREFIXES['void']}>
        SELECT ?n WHERE {{ GRAPH ?in {{ <{graph}> void:triples ?n }} }}""")
    (count,) = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert int(row["n"]) == int(count["n"]) == report.graphs[graph]
    derived = store.select(f"""PREFIX prov: <{PREFIXES['prov']}>
        SELECT ?g WHERE {{ GRAPH ?in {{ <{graph}> prov:wasDerivedFrom ?g }} }}""")
    assert {graph_name(r["g"]) for r in derived} == {f"{GEO.name}-a", f"{GEO.name}-b", f"{RAW.name}-a",
                                                    f"{RAW.name}-b"}


def test_a_reused_dvf_source_still_describes_its_parcels(built):
    """A second build with nothing changed takes every graph from the lift cache: the parcels graph
    is the same, quad for quad."""
    settings, sources, ids, first = built
    before = GraphStore(Path(first.store)).select(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH <{BASE}/graph/{parcels.GRAPH}> {{ ?s ?p ?o }} }}")
    again = build(settings, sources, progress=False, validate=False, reuse=True)
    assert all(s["reused"] for s in again.sources)
    after = GraphStore(Path(again.store)).select(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH <{BASE}/graph/{parcels.GRAPH}> {{ ?s ?p ?o }} }}")
    key = operator.itemgetter("s", "p", "o")
    assert sorted(map(key, after)) == sorted(map(key, before))
    assert any(r["s"] == parcel_iri(ids["geo"]) for r in after)
    assert again.shared_quads == 0
