"""Entity dereferencing: response time of `/id/...` documents (Turtle, HTML page 1) for entities of
growing degree, and the choice behind the incoming-link paging.

Baseline (named, same run): one page of incoming links ordered by SPARQL (`ORDER BY ?p ?s LIMIT 200`,
Oxigraph) against what the server does (fetch the distinct links unordered, sort in Python, slice).
Runs in-process through the ASGI app (no network, no worker processes). Needs a build
(`bercy-graph build`, or BERCY_GRAPH_HOME pointing at one). Run: `python -m benchmarks.bench_entities`.
"""

from __future__ import annotations

import statistics
import time

from fastapi.testclient import TestClient

from benchmarks import current_store
from graph_service.web.documents import entity as ed
from graph_service.web.app import create_app
from graph_service.config import Settings
from mappings.iri import Minter
from mappings.terms import iri as iri_term

ENTITIES = (("naf", "62.01Z"), ("dataset", "decp_augmente"), ("departement", "75"), ("cpv", "45210000"),
            ("commune", "83137"), ("scheme", "cpv"))
RUNS = 3


def timed(call) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    settings = Settings.from_env()
    store = current_store(settings)
    if store is None:
        return
    client = TestClient(create_app(settings))   # no `with`: the SPARQL worker pool is not needed here
    minter = Minter(settings.base)
    print(f"{'entity':28} {'links in':>9} {'ttl s':>7} {'html s':>7} {'ORDER BY s':>10} {'py sort s':>9}")
    for kind, key in ENTITIES:
        iri = minter.entity_iri(kind, key)
        if not ed.exists(store, iri):
            print(f"{kind}/{key:22} absent from this build")
            continue
        path = iri[len(settings.base):]
        ttl = timed(lambda: client.get(path + ".ttl").raise_for_status())
        page = timed(lambda: client.get(path + ".html").raise_for_status())
        order_by = timed(lambda: store.terms(f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {iri_term(iri)} }} "
                                            f"ORDER BY ?p ?s LIMIT {ed.PAGE_SIZE}"))
        python = timed(lambda: ed.incoming(store, iri).page(1))
        total = ed.incoming(store, iri).total
        print(f"{kind + '/' + key:28} {total:>9} {ttl:>7.3f} {page:>7.3f} {order_by:>10.3f} {python:>9.3f}")


if __name__ == "__main__":
    main()
