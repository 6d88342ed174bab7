"""The lexical checks the endpoint makes before a query or update reaches the store."""

from __future__ import annotations

import pytest

from graph_service.web.sparql.scan import ScanError, add_using, has_dataset_clause, has_own_dataset, is_iri, remote_targets, scan


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


def test_dataset_clause():
    assert has_dataset_clause("SELECT * FROM <http://g> WHERE { ?s ?p ?o }")
    assert has_dataset_clause("ASK FROM NAMED <http://g> { GRAPH ?g {} }")


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


# ------------------------------------------------------------------ issue 7: the lexer's gaps

def test_comments_end_at_cr_as_well_as_lf():
    """SPARQL ends a comment at CR or LF; `#[^\\n]*` hid a SERVICE after a bare CR (the critical SSRF)."""
    for end in ("\n", "\r", "\r\n"):
        assert remote_targets(f"SELECT * WHERE {{ # x{end}SERVICE <http://a/> {{}} }}") == ["http://a/"]
    assert remote_targets("PREFIX e: <http://e/> # x\rSELECT * { SERVICE <http://a/> {} }") == ["http://a/"]
    # a form feed (or any other character) does not end one: this SERVICE is commented out
    assert remote_targets("ASK { # x\x0cSERVICE <http://a/> {} \n}") == []


def test_only_space_tab_cr_lf_are_white_space():
    """\\x0b \\x0c \\xa0 \\u2028 are no SPARQL white space: they separate nothing the store accepts, and
    a keyword next to them is still seen."""
    for ws in ("\x0b", "\x0c", "\xa0", "\u2028"):
        assert remote_targets(f"SELECT * {{{ws}SERVICE <http://a/> {{}} }}") == ["http://a/"]


def test_less_than_read_as_an_iri_cannot_hide_a_call():
    """`<?b)SERVICE:x#>` looks like an IRI, but pyoxigraph reads `<` as less than and calls :x."""
    assert remote_targets("PREFIX : <http://a/> SELECT * { FILTER(1<2)SERVICE:x#>\n{} }") == [None]
    assert remote_targets("SELECT * { FILTER(?a<?b)servicesilent?e#>\n{} }") == [None]
    # an IRI with `)` but no call after it is an IRI
    assert remote_targets("SELECT * { <http://dbpedia.org/resource/Paris_(France)> ?p ?o }") == []


def test_local_names_take_one_dot_run_as_the_store_does():
    """Oxigraph's local name stops at a second `.`: `:o.a.SERVICE <x>` is `:o.a`, then a SERVICE call."""
    assert remote_targets("PREFIX : <http://a/> SELECT * { :s :p :o.a.SERVICE <http://b/> {} }") == ["http://b/"]
    assert remote_targets("PREFIX : <http://a/> SELECT * { :s :p :o..SERVICE }") == []   # one local name
    assert remote_targets("SELECT * { ?s ?p _:b.SERVICE }") == []                      # a blank node label


def test_text_the_store_would_refuse_is_refused_not_guessed():
    """Unterminated or badly escaped strings, and backslashes in the open, are errors: the store's
    parser refuses them too, and guessing where such a string ends is how text hides."""
    for text in ("ASK { FILTER('a\rSERVICE <http://a/> {}') }",      # no line break in a short string
                 'ASK { FILTER("a\\q") }',                            # not an escape SPARQL defines
                 "ASK { FILTER('''a) }",                              # never closed
                 "SELECT * { SERV\\u0049CE <http://a/> {} }",          # \\u escapes only in IRIs and strings
                 "SELECT * { ?s ?p ?o } \\"):
        with pytest.raises(ScanError):
            scan(text)
    assert remote_targets("SELECT * { BIND('''a\rb''' AS ?x) BIND('\\u0027' AS ?y) SERVICE <http://a/> {} }") \
        == ["http://a/"]


def test_the_quadratic_body_stops_at_its_first_string():
    """The issue's 100 KB body (`'''` LF backslash, repeated) took the regex lexer minutes: every quote
    started a new search to the end. A string that never closes now ends the scan where it starts."""
    body = ("'''\n\\" * 20_000)[:99_995]
    with pytest.raises(ScanError, match="line 1, column 1:"):
        scan(body)


def test_nesting_counts_braces_parentheses_and_brackets_together():
    assert scan("ASK {}").nesting == 1
    assert scan("ASK { FILTER((1)) ?s ?p [ <p:q> (1) ] }").nesting == 3
    assert scan("ASK { ?s ?p [ <p:q> ( [] ) ] }").nesting == 4
    assert scan("ASK { FILTER('((((') }").nesting == 2     # not inside strings
    assert scan("ASK " + "{" * 500 + "}" * 500).nesting == 500
