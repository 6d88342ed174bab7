"""The lexical checks the endpoint makes before a query or update reaches the store."""

from __future__ import annotations

import pytest

from graph_service.sparql_scan import (add_using, has_dataset_clause, has_own_dataset, is_iri, query_form,
                                       remote_targets)


def test_service_and_load_targets():
    assert remote_targets("SELECT * { SERVICE <http://a/sparql> { ?s ?p ?o } }") == ["http://a/sparql"]
    assert remote_targets("select * { service silent <http://a/> {} }") == ["http://a/"]
    assert remote_targets("SELECT * { SERVICE ?e {} }") == [None]
    assert remote_targets("PREFIX e: <http://a/> SELECT * { SERVICE e:x {} }") == [None]
    assert remote_targets("LOAD SILENT <http://a/x.ttl> INTO GRAPH <http://g>") == ["http://a/x.ttl"]


def test_forms_the_store_parser_accepts_cannot_hide_a_call():
    """Each of these makes pyoxigraph fetch the URL (checked by hand against pyoxigraph 0.5.13)."""
    assert remote_targets("SELECT * WHERE { SERVICESILENT <http://a/1> { ?s ?p ?o } }") == ["http://a/1"]
    assert remote_targets("SELECT*WHERE{SERVICE<http://a/3>{?s ?p ?o}}") == ["http://a/3"]
    # a `#` escaped in a local name, or in an IRI written with \u escapes, starts no comment
    assert remote_targets("PREFIX e: <http://a/> SELECT * { ?s e:x\\# ?o SERVICE <http://a/4> {} }") == ["http://a/4"]
    assert remote_targets("SELECT * { ?s <http://x/\\u0062#> ?o SERVICE <http://a/5> {} }") == ["http://a/5"]
    assert remote_targets("PREFIX : <http://a/> SELECT * { SERVICE:x {} }") == [None]
    assert remote_targets("LOADSILENT <http://a/6>") == ["http://a/6"]


def test_words_in_literals_iris_comments_and_names_are_not_keywords():
    text = '''PREFIX ex: <http://ex/service/>
    SELECT ?service ("SERVICE <http://a/>" AS ?x) ("""LOAD
    <http://b/>""" AS ?y) WHERE { ?service ex:SERVICE ex:load ; dcat:accessService ?d ; dcat:downloadURL ?u }
    # SERVICE <http://c/>'''
    assert remote_targets(text) == []
    assert not has_dataset_clause('SELECT ("FROM" AS ?f) WHERE { ?from ?p ?o }')


def test_dataset_clause_and_form():
    assert has_dataset_clause("SELECT * FROM <http://g> WHERE { ?s ?p ?o }")
    assert has_dataset_clause("ASK FROM NAMED <http://g> { GRAPH ?g {} }")
    assert query_form("PREFIX a: <http://a/> construct { ?s ?p ?o } WHERE { ?s ?p ?o }") == "CONSTRUCT"
    assert query_form('ASK { FILTER("SELECT" != "") }') == "ASK"


def test_add_using_before_each_modify_where_only():
    update = """PREFIX ex: <http://ex/>
    CLEAR ALL ;
    INSERT DATA { GRAPH <http://g1> { ex:a ex:b ex:c } } ;
    INSERT { GRAPH <http://out> { ?s a ex:T } } WHERE { ?s ?p ?o { SELECT ?s WHERE { ?s ?q ?r } } } ;
    DELETE WHERE { ?x ex:gone ?y } ;
    DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"""
    out = add_using(update, ["http://d"], ["http://n"])
    assert out.count("USING <http://d> USING NAMED <http://n> WHERE") == 2
    assert "DELETE WHERE { ?x" in out                 # the short form takes no USING
    assert "SELECT ?s WHERE { ?s ?q ?r }" in out      # nor does a sub-query


def test_add_using_refuses_iris_that_would_break_out():
    with pytest.raises(ValueError):
        add_using("INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", ["http://x> } ; DROP ALL ; #"], [])
    assert is_iri("http://kasei.us/2009/09/sparql/data/data1.rdf")
    assert not is_iri("data1.rdf") and not is_iri("http://a b")


def test_own_dataset():
    assert has_own_dataset("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert has_own_dataset("DELETE { ?s ?p ?o } USING <http://g> WHERE { ?s ?p ?o }")
    assert not has_own_dataset('INSERT DATA { <http://a> <http://b> "WITH USING" }')
