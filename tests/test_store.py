"""The store interface: our own terms (never pyoxigraph's), results written by media type, the build id
and version read back from a store, and the loader's swap."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pytest

from graph_service.build.load import load_new_store, swap_in
from graph_service.store import CURRENT, GraphStore, StoreMissing, Term, build_time, new_build_id

G = "http://example.org/graph/g"
NQUADS = f"""<http://example.org/a> <http://example.org/p> "un"@fr <{G}> .
<http://example.org/a> <http://example.org/q> "2"^^<http://www.w3.org/2001/XMLSchema#integer> <{G}> .
<http://example.org/a> <http://example.org/r> _:b1 <{G}> .
_:b1 <http://example.org/p> <http://example.org/c> <{G}> .
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> GraphStore:
    root = tmp_path_factory.mktemp("store")
    data = root / "data.nq"
    data.write_text(NQUADS, encoding="utf-8")
    path = root / new_build_id(datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone.utc))
    load_new_store(path, [(data, "")])
    return GraphStore(path)


def test_terms_are_ours_with_their_n_triples_text(store):
    rows = store.terms("SELECT ?p ?o WHERE { <http://example.org/a> ?p ?o } ORDER BY ?p")
    assert all(type(t) is Term for row in rows for t in row.values())
    (label, number, blank) = [r["o"] for r in rows]
    assert (str(label), label.kind, label.value, label.language) == ('"un"@fr', "literal", "un", "fr")
    assert number.datatype == "http://www.w3.org/2001/XMLSchema#integer" and number.language is None
    assert blank.kind == "blank" and str(blank).startswith("_:")
    assert rows[0]["p"] == Term("<http://example.org/p>", "http://example.org/p", "iri")


def test_select_ask_and_named_graphs(store):
    assert store.select("SELECT ?o WHERE { ?s <http://example.org/q> ?o }") == [{"o": "2"}]
    assert store.select("SELECT ?x WHERE { OPTIONAL { ?s <http://example.org/none> ?x } }") == [{}]
    assert store.ask("ASK { <http://example.org/a> ?p ?o }")
    assert not store.ask("ASK { <http://example.org/none> ?p ?o }")
    assert store.named_graphs() == [G]


@pytest.mark.parametrize("query,kind,media", [
    ("SELECT ?o WHERE { ?s <http://example.org/q> ?o }", "solutions", "application/sparql-results+json"),
    ("ASK {}", "boolean", "application/json"),
    ("CONSTRUCT WHERE { ?s <http://example.org/q> ?o }", "graph", "application/n-triples"),
])
def test_results_are_written_by_media_type(store, query, kind, media):
    results = store.query(query)
    assert results.kind == kind
    out = io.BytesIO()
    results.write(media, out)
    text = out.getvalue().decode("utf-8")
    if kind == "graph":
        assert text.startswith('<http://example.org/a> <http://example.org/q> "2"^^<') and text.count("\n") == 1
    else:
        assert json.loads(text)["head"] is not None


def test_a_kind_written_in_a_media_type_that_cannot_carry_it_is_refused(store):
    with pytest.raises(ValueError):
        store.query("ASK {}").write("text/turtle", io.BytesIO())


def test_version_is_the_build_id_and_its_time(store):
    build_id, made = store.version()
    assert build_id == store.path.name and build_id.startswith("build-20250304T050607Z-")
    assert made == datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone.utc) == build_time(build_id)
    assert build_time("scratch") is None


def test_swap_in_points_current_at_the_new_store_and_keeps_one_older(tmp_path):
    data = tmp_path / "data.nq"
    data.write_text(NQUADS, encoding="utf-8")
    root = tmp_path / "stores"
    root.mkdir()
    with pytest.raises(StoreMissing):
        GraphStore(root / CURRENT)
    built = []
    for second in range(3):
        path = root / new_build_id(datetime(2025, 1, 1, 0, 0, second, tzinfo=timezone.utc))
        load_new_store(path, [(data, "")])
        swap_in(root, path)
        built.append(path)
    assert (root / CURRENT).resolve() == built[-1]
    assert sorted(p.name for p in root.iterdir()) == sorted([CURRENT, built[1].name, built[2].name])
    with pytest.raises(FileExistsError):
        load_new_store(built[-1], [(data, "")])
