"""IRIs: readable, stable, percent-encoded, under the configured base."""

from __future__ import annotations

import pytest

from mappings.iri import Minter


def test_entity_iri_is_base_kind_and_official_code():
    mint = Minter("https://graph.example.org/")
    assert mint.entity("commune", "2A004") == "<https://graph.example.org/id/commune/2A004>"
    assert mint.entity("departement", "01") == "<https://graph.example.org/id/departement/01>"


def test_keys_are_percent_encoded_as_one_segment():
    mint = Minter("http://127.0.0.1:8000")
    assert mint.entity_iri("dataset", "a b/c") == "http://127.0.0.1:8000/id/dataset/a%20b%2Fc"
    assert mint.entity_iri("dataset", "déclaration") == "http://127.0.0.1:8000/id/dataset/d%C3%A9claration"


def test_compound_keys_and_unknown_kinds():
    mint = Minter("http://x")
    assert mint.entity_iri("contrat", "21750001600019", "2024/001") == \
        "http://x/id/contrat/21750001600019/2024%2F001"
    with pytest.raises(ValueError, match="unknown entity kind"):
        mint.entity("thing", "1")
    with pytest.raises(ValueError, match="empty"):
        mint.entity("commune", " ")


def test_base_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("BERCY_GRAPH_BASE", "https://data.example.fr/")
    assert Minter().entity_iri("region", "84") == "https://data.example.fr/id/region/84"
