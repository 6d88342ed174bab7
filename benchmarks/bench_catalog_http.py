"""Catalog documents for harvesters (`/catalog`): time to build a page, the full dump and one dataset
in each format, in-process (the work the router does per request, without HTTP).

Baseline (named, same run): the catalog and EU vocabulary graphs dumped whole by a plain
`CONSTRUCT { ?s ?p ?o }` in Turtle: what serializing the same triples costs with no selection of
datasets and no closure over what they reach. Needs a build (`bercy-graph build`, or
BERCY_GRAPH_HOME pointing at one). Run: `python -m benchmarks.bench_catalog_http`.
"""

from __future__ import annotations

import statistics
import time

from benchmarks import current_store
from graph_service.web.documents import catalog as pages
from graph_service.config import Settings
from graph_service.web import formats
from graph_service.web.routers.catalog import render

RUNS = 3


def best(fn) -> tuple[float, int]:
    """Median seconds of RUNS calls, and the size of what the call returned."""
    times, size = [], 0
    for _ in range(RUNS):
        start = time.perf_counter()
        size = len(fn())
        times.append(time.perf_counter() - start)
    return statistics.median(times), size


def main() -> None:
    store = current_store(Settings.from_env())
    if store is None:
        return
    rows = store.select(pages.datasets_query(None))
    graphs = pages.catalog_graphs(store.named_graphs())
    catalog, datasets = rows[0]["catalog"], [r["ds"] for r in rows]
    first = datasets[:pages.DEFAULT_PAGE_SIZE]
    page = pages.Paging("http://bench/catalog", pages.Request(1, pages.DEFAULT_PAGE_SIZE, None), len(datasets))
    page_query = pages.document_query(graphs[0], [catalog, *first], catalog, first)
    full_query = pages.document_query(graphs[0], [catalog, *datasets], catalog, datasets)

    listing, _ = best(lambda: store.select(pages.datasets_query(None)))
    print(f"dataset listing ({len(datasets)} datasets): {listing * 1000:.0f} ms")
    for media in formats.DOCUMENT_TYPES:
        seconds, size = best(lambda: render(store, page_query, media, page.hydra(catalog)))
        print(f"page of {len(first)} datasets, {media}: {seconds * 1000:.0f} ms, {size / 1024:.0f} KiB")
    dataset_query = pages.document_query(graphs[0], [datasets[0]])
    seconds, size = best(lambda: render(store, dataset_query, "text/turtle"))
    print(f"one dataset, text/turtle: {seconds * 1000:.0f} ms, {size / 1024:.0f} KiB")
    full, full_size = best(lambda: render(store, full_query, "text/turtle"))
    baseline, base_size = best(lambda: store.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "text/turtle",
                                                       default_graph=graphs, prefixes=pages.DOCUMENT_PREFIXES))
    print(f"full dump, text/turtle: {full:.2f} s, {full_size / 1024:.0f} KiB; "
          f"baseline (catalog + eu-* graphs dumped whole): {baseline:.2f} s, {base_size / 1024:.0f} KiB; "
          f"ratio {full / baseline:.1f}x")


if __name__ == "__main__":
    main()
