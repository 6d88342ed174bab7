"""The base of our IRIs: the local server's by default, any trailing slash dropped, one slash between
the base and a path (found missing by mutation testing: `make mutate`)."""

from __future__ import annotations

from mappings.iri import DEFAULT_BASE, Minter, base_from_env


def test_default_base_is_the_local_server(monkeypatch):
    monkeypatch.delenv("BERCY_GRAPH_BASE", raising=False)
    assert base_from_env() == DEFAULT_BASE == "http://127.0.0.1:8000"


def test_trailing_slashes_of_a_configured_base_are_dropped(monkeypatch):
    monkeypatch.setenv("BERCY_GRAPH_BASE", "https://data.example.fr//")
    assert base_from_env() == "https://data.example.fr"
    assert Minter("https://data.example.fr/").graph("cog-regions") == "<https://data.example.fr/graph/cog-regions>"


def test_resources_take_one_slash_after_the_base():
    mint = Minter("https://data.example.fr/")
    assert mint.resource("/catalog") == mint.resource("catalog") == "<https://data.example.fr/catalog>"
