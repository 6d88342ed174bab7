"""Link coverage: what "records linked" means when a record holds several codes of one kind."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from graph_service.build import coverage
from mappings.iri import Minter
from mappings.source import Context
from mappings.terms import nquad

BASE = "http://example.org"


def lifted(ctx: Context, tmp_path: Path, name: str, triples, rejected_lines=()) -> SimpleNamespace:
    """A lifted source as the build leaves it: its N-Quads file and its rejections."""
    path = tmp_path / f"{name}.nq"
    path.write_text("".join(nquad(t, ctx.mint.graph(name)) for t in triples), encoding="utf-8")
    return SimpleNamespace(source=SimpleNamespace(name=name), nquads=path,
                           rejected=[SimpleNamespace(line=n) for n in rejected_lines])


def test_records_linked_complete_and_rejected(tmp_path):
    ctx = Context(Minter(BASE), tmp_path)
    ctx.source = "sirene"
    known = ctx.define("entreprise", "111111111")
    ctx.source = "decp"
    triples = []
    # record 1: buyer and supplier both known; record 2: buyer known, supplier not;
    # record 3: nothing known; record 4: known but rejected afterwards (not in the graph)
    for line, codes in ((1, ["111111111", "111111111"]), (2, ["111111111", "999999999"]),
                        (3, ["888888888"]), (4, ["111111111"])):
        ctx.line = line
        for code in codes:
            if term := ctx.link("entreprise", code):
                triples.append((f"<{BASE}/c{line}>", "<http://ex/p>", term))
    results = [lifted(ctx, tmp_path, "decp", triples, rejected_lines=[4])]
    (figure,) = coverage.compute(results, ctx)
    assert (figure.records, figure.linked, figure.complete) == (3, 2, 1)
    assert figure.share == 2 / 3
    assert figure.unresolved_codes == [("888888888", 1), ("999999999", 1)]
    assert figure.targets == {"sirene"}
    # distinct link triples in the file: c1 (once), c2, and c4's, which the file still holds here
    assert figure.predicates == {"<http://ex/p>": 3}
    out = coverage.triples([figure], ctx)
    linkset = f"<{BASE}/graph/decp/linkset/entreprise>"
    assert (linkset, "<http://rdfs.org/ns/void#objectsTarget>", f"<{BASE}/graph/sirene>") in out
    assert (linkset, "<http://rdfs.org/ns/void#subjectsTarget>", f"<{BASE}/graph/decp>") in out
    assert known == f"<{BASE}/id/entreprise/111111111>"


def test_links_within_one_source_make_no_linkset(tmp_path):
    """A referential linking its own entities (a commune to its département, same graph) is not a join."""
    ctx = Context(Minter(BASE), tmp_path)
    ctx.source = "cog"
    ctx.line = 1
    ctx.define("departement", "83")
    ctx.line = 2
    assert ctx.link("departement", "83")
    (figure,) = coverage.compute([lifted(ctx, tmp_path, "cog", [])], ctx)
    assert figure.targets == set() and coverage.triples([figure], ctx) == []
