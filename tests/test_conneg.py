"""Accept parsing and choice (RFC 9110 §12.5.1), shared by every router that negotiates."""

from __future__ import annotations

from graph_service.web.conneg import explicitly_wants, negotiate, parse_accept, quality

RESULTS = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_no_accept_or_any_gives_the_first_offer():
    assert negotiate(None, RESULTS) == RESULTS[0]
    assert negotiate("", RESULTS) == RESULTS[0]
    assert negotiate("*/*", RESULTS) == RESULTS[0]


def test_q_values_decide_and_ties_keep_server_order():
    assert negotiate("text/csv;q=0.9, application/sparql-results+xml;q=0.5", RESULTS) == "text/csv"
    assert negotiate("text/csv, application/sparql-results+xml", RESULTS) == "application/sparql-results+xml"


def test_most_specific_range_sets_the_quality():
    ranges = parse_accept("text/*;q=0.3, text/csv;q=0.7, */*;q=0.1")
    assert quality(ranges, "text/csv") == 0.7
    assert quality(ranges, "text/tab-separated-values") == 0.3
    assert quality(ranges, "application/json") == 0.1
    # an exact q=0 excludes a type even when a wildcard would accept it
    assert negotiate("*/*, application/sparql-results+json;q=0", RESULTS) == "application/sparql-results+xml"


def test_nothing_acceptable_is_none():
    assert negotiate("text/turtle", RESULTS) is None
    assert negotiate("text/csv;q=0", RESULTS) is None


def test_malformed_entries_are_skipped():
    assert negotiate("garbage, text/csv;q=abc, text/csv", RESULTS) == "text/csv"
    assert negotiate("text/csv;q=abc", RESULTS) == RESULTS[0]   # nothing readable: as if absent


def test_browsers_get_html_clients_with_wildcards_do_not():
    assert explicitly_wants(BROWSER, "text/html", RESULTS)
    assert not explicitly_wants("*/*", "text/html", RESULTS)
    assert not explicitly_wants(None, "text/html", RESULTS)
    assert not explicitly_wants("application/sparql-results+json, text/html;q=0.5", "text/html", RESULTS)
