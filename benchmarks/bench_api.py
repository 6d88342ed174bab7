"""`/api` response times, in-process through FastAPI's TestClient (routing, queries, JSON), median of
RUNS calls per request.

Baseline (named, same run): `/api/entities/commune/75056`, one small SELECT on an IRI, which shows the
fixed cost of a request; the label search scans every name in the graph (no text index) and is the
slow one. Needs a build (`bercy-graph build`, or BERCY_GRAPH_HOME pointing at one).
Run: `python -m benchmarks.bench_api`.
"""

from __future__ import annotations

import statistics
import time
import warnings

from benchmarks import current_store
from graph_service.config import Settings

RUNS = 3
REQUESTS = [
    "/api/entities/commune/75056",                       # baseline
    "/api/datasets?limit=20",
    "/api/datasets?limit=100",
    "/api/datasets?q=budget&limit=20",
    "/api/datasets?keyword=economie&theme=ECON&limit=20",
    "/api/datasets?publisher=minist&min_score=0.5&limit=20",
    "/api/datasets/2012-2024_balances_des_comptes_etat",
    "/api/communes/83137",
    "/api/communes/97101",
    "/api/departements/83",
    "/api/organisations/21750001600019/contracts?limit=100",
    "/api/organisations/217500016/contracts?role=buyer&limit=20&offset=1000",
    "/api/labels?q=toulon&kind=commune",
    "/api/labels?q=paris",
]


def main() -> None:
    settings = Settings.from_env()
    if current_store(settings) is None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

        from graph_service.web.app import create_app
        client = TestClient(create_app(settings))
    for url in REQUESTS:
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.text[:200])
        print(f"{statistics.median(times) * 1000:8.1f} ms  {len(response.content):8d} B  {url}")


if __name__ == "__main__":
    main()
