"""`bercy-graph serve` as an operator runs it: new builds picked up live, update mode guarded, limits."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import requests

from graph_service.cli import main
from graph_service.build.load import load_new_store, swap_in
from tests.serving import running_server

W3C = Path(__file__).parent / "w3c" / "protocol"
DOC = "http://kasei.us/2009/09/sparql/data/data{}.rdf"
ASK = "ASK {{ <" + DOC + "> a ?type }}"


def _ask(url: str, n: int) -> bool:
    r = requests.get(url, params={"query": ASK.format(n)}, headers={"Accept": "application/sparql-results+json"})
    return r.json()["boolean"]


def test_a_new_build_is_served_without_restart(settings, tmp_path):
    """Workers follow the `current` link: after a swap every worker answers from the new store."""
    home = replace(settings, home=tmp_path / "home")
    home.store_root.mkdir(parents=True)
    first, second = home.store_root / "build-1", home.store_root / "build-2"
    load_new_store(first, [(W3C / "data1.nt", DOC.format(1))])
    swap_in(home.store_root, first)
    with running_server(home, "--workers", "2") as base:
        url = base + "/sparql"
        assert [_ask(url, 1) for _ in range(4)] == [True] * 4
        load_new_store(second, [(W3C / "data2.nt", DOC.format(2))])
        swap_in(home.store_root, second)
        assert [(_ask(url, 1), _ask(url, 2)) for _ in range(4)] == [(False, True)] * 4


@pytest.mark.parametrize("args,why", [
    (["--enable-update"], "--update-token"),
    (["--enable-update", "--update-token", "t"], "--store"),
])
def test_update_mode_needs_token_and_scratch_store(settings, monkeypatch, capsys, args, why):
    monkeypatch.setenv("BERCY_GRAPH_HOME", str(settings.home))
    monkeypatch.delenv("BERCY_GRAPH_UPDATE_TOKEN", raising=False)
    assert main(["serve", *args]) == 2
    assert why in capsys.readouterr().err


def test_update_mode_refuses_a_built_store(settings, monkeypatch, capsys, tmp_path):
    home = tmp_path / "home"
    built = home / "stores" / "build-1"
    built.parent.mkdir(parents=True)
    load_new_store(built, [(W3C / "data1.nt", DOC.format(1))])
    monkeypatch.setenv("BERCY_GRAPH_HOME", str(home))
    assert main(["serve", "--enable-update", "--update-token", "t", "--store", str(built)]) == 2
    assert "scratch store" in capsys.readouterr().err


def test_serve_without_a_build_says_so(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("BERCY_GRAPH_HOME", str(tmp_path / "empty"))
    assert main(["serve"]) == 2
    assert "bercy-graph build" in capsys.readouterr().err


def test_time_limit_cuts_a_response_already_streaming(store, settings):
    """A query that streams results for long is stopped at the limit: the transfer ends incomplete,
    so a client never takes a cut result for a whole one."""
    sizes = {g: int(store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")[0]["n"])
             for g in store.named_graphs()}
    small = min((g for g, n in sizes.items() if n >= 5), key=sizes.get)
    # (a small graph) x (every triple): millions of rows, streamed from the first one on
    endpoint = f"SELECT * WHERE {{ GRAPH <{small}> {{ ?a ?b ?c }} ?d ?e ?f }}"
    with running_server(settings, "--workers", "1", "--timeout", "8") as base:
        assert requests.get(base + "/sparql", params={"query": "ASK {}"}).status_code == 200   # worker ready
        received = 0
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            with requests.get(base + "/sparql", params={"query": endpoint},
                              headers={"Accept": "text/tab-separated-values"}, stream=True, timeout=30) as r:
                assert r.status_code == 200
                for chunk in r.iter_content(1 << 16):
                    received += len(chunk)
        assert received > 64 * 1024
        assert requests.get(base + "/sparql", params={"query": "ASK {}"}).status_code == 200


def test_serving_a_graph_built_with_another_base_warns(store, settings, capsys):
    from graph_service.cli import warn_on_other_base

    assert warn_on_other_base(store, settings.base) is False
    assert warn_on_other_base(store, "https://data.example.fr") is True
    err = capsys.readouterr().err
    assert f"built with the base {settings.base}" in err and "will not dereference" in err
