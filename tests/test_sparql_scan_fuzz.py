"""The scanner against the store's own parser: whenever Oxigraph would call out, the scanner refuses.

Hypothesis writes queries and updates around `SERVICE` / `LOAD` aimed at a listener on 127.0.0.1, with
the disguises a lexer can miss: comments ended by LF, CR, CR LF or the end of the text, white space
SPARQL has and has not (\\x0b \\x0c \\xa0 \\u2028 are not SPARQL white space), strings with escapes,
IRIs with \\u escapes, random case, glued tokens, prefixed names, SILENT. The oracle is pyoxigraph
itself, run on an in-memory store: if the listener saw a connection, the scanner must have refused
the text (a `ScanError`, or a remote target to check against the allow-list).
"""

from __future__ import annotations

import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_service.web.sparql.scan import ScanError, remote_targets
from tests.listener import Listener, listening

PORT = "PORT"        # replaced by the listener's port once the text is drawn
TARGET = f"http://127.0.0.1:{PORT}/"
DATA = ("INSERT DATA { <http://a/s> <http://a/p> <http://a/o>, <http://a/o.a>, <%so>, <%so.a> . "
        "<http://a/s> <http://a/q> \"x\" }") % (TARGET, TARGET)
FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def scanner_refuses(text: str) -> bool:
    """What the endpoint does with the text: refuse it as no SPARQL, or check its remote targets."""
    try:
        return bool(remote_targets(text))
    except ScanError:
        return True


def calls_out(listener: Listener, text: str, update: bool) -> bool:
    """Whether pyoxigraph, running the text, connected to the listener (errors are expected)."""
    store = pyoxigraph.Store()
    store.update(DATA.replace(PORT, str(listener.port)))
    before = listener.connections
    try:
        if update:
            store.update(text, base_iri=listener.url)
        else:
            result = store.query(text, base_iri=listener.url)
            if not isinstance(result, pyoxigraph.QueryBoolean):
                list(result)
    except Exception:   # noqa: BLE001 - syntax errors, failed calls: only the connection counts
        pass
    return listener.connections > before


# ------------------------------------------------------------------------------ the text's parts

def cased(word: str) -> st.SearchStrategy[str]:
    """The keyword in any mix of upper and lower case."""
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda flags: "".join(c.lower() if f else c for c, f in zip(word, flags)))


NOISE_CHARS = st.sampled_from(list("ab #'\"<>{}()\\:.;?$_-%\n\r\t")
                             + ["SERVICE", "LOAD", "\x0b", "\xa0", "\u2028", "\\u000A", "\\u000D", "\\u0053"])
space = st.sampled_from([" ", "\t", "\n", "\r", "\r\n", "", "", "  ", "\x0b", "\x0c", "\xa0", "\u2028"])
comment = st.builds(lambda body, end: "#" + body + end,
                    st.lists(NOISE_CHARS, max_size=6).map("".join), st.sampled_from(["\n", "\r", "\r\n", ""]))
gap = st.lists(st.one_of(space, space, comment), max_size=3).map("".join)

ESCAPES = ["\\'", '\\"', "\\\\", "\\n", "\\r", "\\t", "\\u0027", "\\u0022", "\\U00000027", "\\u000A"]
WRONG_ESCAPES = ["\\q", "\\", "\\u12", "\\U0000002"]


def quoted(chars: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(lambda quote, parts: quote + "".join(parts) + quote,
                     st.sampled_from(["'", '"', "'''", '"""']), st.lists(chars, max_size=6))


string = st.one_of(  # mostly strings the grammar accepts (a quote or line break inside may still end them)
    quoted(st.one_of(st.sampled_from(list("ab #<>{}") + ["SERVICE"]), st.sampled_from(ESCAPES))),
    quoted(st.one_of(NOISE_CHARS, st.sampled_from(ESCAPES + WRONG_ESCAPES))))


def u_escaped(iri: str) -> st.SearchStrategy[str]:
    """The IRI with some characters written as \\u or \\U escapes."""
    return st.lists(st.booleans(), min_size=len(iri), max_size=len(iri)).map(
        lambda flags: "".join(f"\\u{ord(c):04X}" if f else c for c, f in zip(iri, flags)))


endpoint = st.one_of(
    st.just(f"<{TARGET}>"),
    u_escaped("http://127.0.0.1:").map(lambda head: f"<{head}{PORT}/>"),
    st.sampled_from(["<>", "<x>", "<#f>", "t:", "t:x", ":", ":x", "t:\\#x", "?e", "$e"]),
)
prologue = st.builds(lambda g1, g2, g3: f"PREFIX t:{g1}<{TARGET}>{g2}PREFIX :{g3}<{TARGET}> ", gap, gap, gap)


@st.composite
def service(draw) -> str:
    silent = draw(cased("SILENT")) + draw(gap) if draw(st.booleans()) else ""
    return (draw(cased("SERVICE")) + draw(gap) + silent + draw(endpoint) + draw(gap)
            + "{" + draw(gap) + draw(st.sampled_from(["", "?s ?p ?o", "?s ?p ?o ."])) + draw(gap) + "}")


# group elements that keep one solution (so a SERVICE joined to them is still called)
noise = st.one_of(
    st.builds(lambda s, g, n: f"BIND({s}{g}AS ?v{n})", string, gap, st.integers(0, 999)),
    st.builds(lambda s: f"VALUES ?w {{ {s} }}", string),
    st.builds(lambda g, op: f"FILTER(1{g}{op}{g}2)", gap, st.sampled_from(["<", "<=", "!="])),
    st.builds(lambda g, end: f"<http://a/s> <http://a/p> <http://a/o>{g}{end}", gap, st.sampled_from(["", "."])),
    st.builds(lambda end: f"<http://a/s> <http://a/p> <http://a/o.a>{end}", st.sampled_from(["", ".", ". "])),
    st.builds(lambda local: f"?s <http://a/q> ?x . ?s <http://a/p> :{local}", st.sampled_from(["o", "o.a"])),
    st.builds(lambda s: f"OPTIONAL {{ ?s ?p {s} }}", string),
    st.just("VALUES ?e { <" + TARGET + "> }"),
    comment,
)


@st.composite
def query(draw) -> str:
    parts = draw(st.lists(noise, max_size=3)) + [draw(service())] + draw(st.lists(noise, max_size=2))
    if draw(st.booleans()):
        parts.reverse()
    glue = [draw(gap) for _ in parts]
    body = "".join(g + p for g, p in zip(glue, parts))
    return (draw(prologue) + draw(cased("SELECT")) + draw(gap) + "*" + draw(gap) + draw(cased("WHERE"))
            + draw(gap) + "{" + body + draw(gap) + "}" + draw(gap))


@st.composite
def update(draw) -> str:
    load = draw(cased("LOAD")) + draw(gap)
    if draw(st.booleans()):
        load += draw(cased("SILENT")) + draw(gap)
    load += draw(st.one_of(st.just(f"<{TARGET}x>"), st.sampled_from(["<x>", "<>", "t:x", ":x", "t:"])))
    if draw(st.booleans()):
        load += draw(gap) + draw(cased("INTO")) + " " + draw(cased("GRAPH")) + draw(gap) + "<http://g/>"
    before = draw(st.one_of(st.just(""), st.just("CLEAR SILENT GRAPH <http://g/> ;"),
                            string.map(lambda s: f"INSERT DATA {{ <http://a/s> <http://a/p> {s} }} ;")))
    return draw(prologue) + before + draw(gap) + load + draw(gap)


# ----------------------------------------------------------------------------------------- tests

@pytest.fixture(scope="module")
def listener():
    with listening() as it:
        yield it


def assert_scanner_refuses_what_calls_out(listener, text: str, update: bool) -> None:
    text = text.replace(PORT, str(listener.port))
    if calls_out(listener, text, update=update):
        assert scanner_refuses(text), f"pyoxigraph reached the listener and the scanner let it through: {text!r}"


@FUZZ
@given(text=query())
def test_no_service_call_escapes_the_scanner(listener, text):
    assert_scanner_refuses_what_calls_out(listener, text, update=False)


@FUZZ
@given(text=update())
def test_no_load_escapes_the_scanner(listener, text):
    assert_scanner_refuses_what_calls_out(listener, text, update=True)


def test_the_oracle_sees_calls(listener):
    """The fuzz tests can fail: the listener does see what pyoxigraph sends it."""
    target = listener.url
    assert calls_out(listener, f"SELECT * WHERE {{ # x\rSERVICE <{target}> {{ ?s ?p ?o }} }}", update=False)
    assert calls_out(listener, f"PREFIX : <{target}> SELECT * {{ FILTER(1<2)SERVICE:x#>\n{{}} }}", update=False)
    assert calls_out(listener, "PREFIX : <http://a/> SELECT * { :s :p :o.a.SERVICE <%s> {} }" % target, update=False)
    assert calls_out(listener, f"LOAD SILENT <{target}x>", update=True)
