"""A rebuild while the server runs: clients revalidating with the ETag they hold get the new documents
(200, not 304) on entity, catalog and VoID URLs, and SPARQL answers from the new graph.

The second build differs visibly from the first: a région renamed and a dataset retitled in a copy of the
data, and one more source (the NAF), so that the VoID lists one more graph.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import requests

from graph_service.build.pipeline import build
from graph_service.config import Settings
from mappings import catalog, cog, naf

from .conftest import BASE, DATA
from .serving import running_server

REGIONS = cog.SOURCES[0]
FIRST = [REGIONS, *catalog.SOURCES]
SECOND = [*FIRST, *naf.SOURCES]
RENAMED = "Guadeloupe (région renommée)"
TURTLE = {"Accept": "text/turtle"}


def private_data(tmp_path: Path) -> Path:
    """A copy of the files the two builds read."""
    data = tmp_path / "data"
    for path in {s.path for s in SECOND}:
        (data / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / path, data / path)
    return data


def first_dataset(data: Path) -> tuple[str, str]:
    """(portal id, title) of the catalog's first row."""
    with (data / catalog.PATH).open(encoding="utf-8-sig", newline="") as handle:
        row = next(csv.DictReader(handle, delimiter=";"))
    return re.search(r"/explore/dataset/([^/]+)/$", row["harvest.remote_url"]).group(1), row["title"]


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def fetch(url: str, etag: str | None = None) -> requests.Response:
    headers = {**TURTLE, **({"If-None-Match": etag} if etag else {})}
    return requests.get(url, headers=headers, timeout=120)


def sparql_name(url: str) -> set[str]:
    query = f"SELECT ?n WHERE {{ <{BASE}/id/region/01> <http://rdf.insee.fr/def/geo#nom> ?n }}"
    response = requests.get(f"{url}/sparql", params={"query": query}, timeout=120,
                            headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text[:300]
    return {b["n"]["value"] for b in response.json()["results"]["bindings"]}


def test_a_rebuild_serves_the_new_graph_to_clients_holding_old_etags(tmp_path):
    data = private_data(tmp_path)
    settings = Settings(base=BASE, data_dir=data, home=tmp_path / "home")
    build(settings, FIRST, progress=False, validate=False)
    ident, title = first_dataset(data)
    urls = {"entity": "/id/region/01", "catalog": f"/catalog/datasets/{ident}", "void": "/.well-known/void"}
    with running_server(settings) as server:
        before = {name: fetch(server + path) for name, path in urls.items()}
        assert all(r.status_code == 200 for r in before.values())
        assert "Guadeloupe" in before["entity"].text and RENAMED not in before["entity"].text
        assert "/graph/naf" not in before["void"].text
        for name in ("entity", "catalog"):  # the ETags work: unchanged graph, 304
            assert fetch(server + urls[name], before[name].headers["ETag"]).status_code == 304
        assert sparql_name(server) == {"Guadeloupe"}

        replace_once(data / REGIONS.path, "\n01,Guadeloupe,", f"\n01,{RENAMED},")
        replace_once(data / catalog.PATH, f';"{title}";', f';"{title} (révisé)";')
        build(settings, SECOND, progress=False, validate=False)

        for name, path in urls.items():
            old = before[name].headers.get("ETag")
            after = fetch(server + path, old)
            assert after.status_code == 200, (name, after.status_code)
            if old:
                assert after.headers["ETag"] != old, name
        assert RENAMED in fetch(server + urls["entity"]).text
        assert f"{title} (révisé)" in fetch(server + urls["catalog"]).text
        assert "/graph/naf" in fetch(server + urls["void"]).text
        assert sparql_name(server) == {RENAMED}

