"""Comunica, the JavaScript SPARQL engine, as its users run it against our server: `comunica-sparql`
(@comunica/query-sparql 5.x, which follows `hydra:next` within a source) and
`comunica-sparql-link-traversal` (0.5.0, which also follows the links of the answers it finds),
with their default settings, from tests/clients/ (installed by `make clients-env`).

Comunica reads `hydra:next` only from the view named by the URL it fetched: before the view was the
fetched URL, it read 100 of the 678 catalog datasets from `/catalog.ttl` and 200 of Toulon's ~6,350
incoming links. Expected values are SPARQL answers on the served store itself.
"""

from __future__ import annotations

import json
import subprocess

import pytest
import requests
from rdflib import Graph, URIRef

from graph_service.config import PROJECT_ROOT

from .serving import running_server

CLIENTS = PROJECT_ROOT / "tests" / "clients" / "node_modules" / ".bin"
DCAT = "http://www.w3.org/ns/dcat#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
DATASETS = f"SELECT ?d WHERE {{ ?d a <{DCAT}Dataset> }}"


def comunica(program: str, *args: str) -> list[dict[str, str]]:
    """Run a Comunica CLI (SELECT query), return its rows as {variable: value}; fail with its stderr."""
    binary = CLIENTS / program
    if not binary.exists():
        pytest.skip(f"Comunica is not installed in {CLIENTS.parent}: run `make clients-env`")
    done = subprocess.run([str(binary), *args, "-t", "application/sparql-results+json"], check=False,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "error" not in done.stderr.lower(), done.stderr[-3000:]   # Comunica logs failed requests there
    return [{name: term["value"] for name, term in row.items()}
            for row in json.loads(done.stdout)["results"]["bindings"]]


@pytest.fixture(scope="module")
def served(served_build):
    """(server URL, store) for a build whose IRIs are the server's URLs, so that they dereference.

    Link traversal fetches the datasets it meets all at once: on this shared 2-core machine, the default
    2 s wait for one of the 4 page slots ends in 503s (Comunica skips those documents with a warning)."""
    mine, store = served_build
    with running_server(mine, "--queue-wait", "120", port=int(mine.base.rsplit(":", 1)[1])) as url:
        yield url, store


def test_comunica_reads_every_catalog_page_from_the_harvest_url(served):
    base, store = served
    expected = {r["d"] for r in store.select(DATASETS)}
    assert len(expected) == 678
    found = [r["d"] for r in comunica("comunica-sparql", f"{base}/catalog.ttl", DATASETS)]
    assert len(found) == len(set(found)) and set(found) == expected   # every page once, each dataset once


def test_link_traversal_from_the_catalog_finds_every_dataset(served):
    base, store = served
    expected = {r["d"] for r in store.select(DATASETS)}
    # It also dereferences each dataset it meets, whose own document states `?d a dcat:Dataset` again
    # (the rule in the README, "Linked data"): a set of answers, hence DISTINCT.
    found = comunica("comunica-sparql-link-traversal", f"{base}/catalog.ttl", DATASETS.replace("?d", "DISTINCT ?d", 1))
    assert {r["d"] for r in found} == expected


def test_comunica_reads_every_incoming_link_of_toulon_once(served):
    base, store = served
    toulon = f"{base}/id/commune/83137"
    expected = {(r["s"], r["p"]) for r in store.select(f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p <{toulon}> }}")}
    assert len(expected) > 6000   # 32 pages of 200
    rows = comunica("comunica-sparql", toulon, f"SELECT ?s ?p WHERE {{ ?s ?p <{toulon}> }}")
    # the pages' own description points to the IRI too (page 1 is the IRI; the collection's topic)
    links = [(r["s"], r["p"]) for r in rows if not r["p"].startswith(HYDRA) and r["s"] != f"{toulon}#incoming"]
    assert len(links) == len(set(links)) and set(links) == expected


def test_a_link_between_two_entities_is_in_both_documents(served):
    """Toulon's `igeo:subdivisionDe` the Var: in Toulon's statements and among the Var's incoming links
    (README, "Linked data"). Comunica 5 merges the documents it reads as a set: once."""
    base, _ = served
    toulon, var = f"{base}/id/commune/83137", f"{base}/id/departement/83"
    fact = (URIRef(toulon), URIRef("http://rdf.insee.fr/def/geo#subdivisionDe"), URIRef(var))
    for document in (toulon, var):
        assert fact in Graph().parse(data=requests.get(f"{document}.ttl", timeout=60).text, format="turtle")
    rows = comunica("comunica-sparql", toulon, var, f"SELECT ?p WHERE {{ <{toulon}> ?p <{var}> }}")
    assert rows == [{"p": str(fact[1])}]


def test_comunica_queries_the_sparql_endpoint(served):
    """Comunica reads the Service Description first (it asks for N-Quads), then sends the query."""
    base, store = served
    query = f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d a <{DCAT}Dataset> }}"
    assert comunica("comunica-sparql", f"sparql@{base}/sparql", query) == store.select(query) == [{"n": "678"}]
