"""The fast SHACL engine (SHACL Core compiled to SPARQL, run in Oxigraph) reports exactly what
pyshacl, the reference, reports: for every shapes file of shapes/ on the real graphs it applies to
(lifted from data/ by our mappings, sampled), and on an edge-case file that makes every compiled
constraint component fail."""

from __future__ import annotations

import math
import zlib
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from graph_service.config import PROJECT_ROOT
from graph_service.shacl import pyshacl_engine as shacl_engines
from graph_service.shacl.fast import SUPPORTED, UnsupportedShape, fast_engine, validate_store
from graph_service.shacl.shape_sets import ENGINES, SHAPE_SETS, SHAPES_DIR
from mappings.read import SourceError
from mappings.registry import SOURCES

HERE = Path(__file__).parent / "shacl"
EDGE_SHAPES, EDGE_DATA = HERE / "edge_shapes.ttl", HERE / "edge_cases.ttl"
#: pyshacl takes ~200 µs per triple here: the graphs validated with one shapes file are sampled to
#: about this many triples in all (whole subjects kept, so references may dangle: more results)
MAX_TRIPLES = 20_000


def key(result) -> tuple[str, str, str, str, str]:
    return (result.focus, result.path, result.severity, result.component, result.value)


def assert_same(shapes: list[Path], data: list[Path]) -> Counter:
    """Both engines on the same files; returns pyshacl's results (as keys) for further checks."""
    reference, _ = shacl_engines.pyshacl_engine(shapes, data)
    fast, _ = fast_engine(shapes, data)
    expected, got = Counter(map(key, reference)), Counter(map(key, fast))
    assert got - expected == Counter(), "the fast engine reports results pyshacl does not"
    assert expected - got == Counter(), "the fast engine misses results pyshacl reports"
    return expected


def sample(path: Path, out: Path, size: int) -> Path:
    """Keep the N-Quads of a deterministic share of the subjects (about `size` triples)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    keep_one_in = math.ceil(len(lines) / max(size, 1))
    if keep_one_in <= 1:
        return path
    kept = [line for line in lines
            if zlib.crc32(line.split(" ", 1)[0].encode()) % keep_one_in == 0]
    out.write_text("".join(kept), encoding="utf-8")
    return out


# ---------------------------------------------------------------------------------------------
# Edge cases


def test_edge_cases_same_results_as_pyshacl():
    expected = assert_same([EDGE_SHAPES], [EDGE_DATA])
    # the edge-case file is only worth something if it makes every compiled component fail
    components = {k[3] for k in expected}
    compiled = {str(p).rsplit("#", 1)[-1] for p in SUPPORTED}
    compiled = {c[0].upper() + c[1:] + "ConstraintComponent" for c in compiled}
    assert compiled <= components, f"not exercised: {sorted(compiled - components)}"
    severities = {k[2] for k in expected}
    assert severities == {"Violation", "Warning", "Info"}


def test_edge_cases_on_a_store_read_only_the_named_graphs():
    """The build's way: the data in a store's named graph, the queries scoped to the graphs a set reads
    (`validate_store`'s `graphs`). Same results as pyshacl on the file; a graph outside the scope giving
    every subject an extra value for each of its properties changes nothing."""
    reference, _ = shacl_engines.pyshacl_engine([EDGE_SHAPES], [EDGE_DATA])
    store, scoped, outside = ox.Store(), ox.NamedNode("urn:graph:scoped"), ox.NamedNode("urn:graph:outside")
    store.load(path=str(EDGE_DATA), format=ox.RdfFormat.TURTLE, to_graph=scoped)
    store.extend([ox.Quad(q.subject, q.predicate, ox.Literal("extra"), outside)
                  for q in store.quads_for_pattern(None, None, None, scoped)])
    shapes = Graph().parse(EDGE_SHAPES, format="turtle")
    got = validate_store(shapes, store, [scoped.value])
    assert Counter(map(key, got)) == Counter(map(key, reference))


def test_ill_formed_literals_are_violations():
    """"2023-13-45"^^xsd:date and "abc"^^xsd:decimal do not have their datatype (SHACL 4.1.1)."""
    results, _ = fast_engine([EDGE_SHAPES], [EDGE_DATA])
    bad = {(r.focus.rsplit("#", 1)[-1], r.value)
           for r in results if r.component == "DatatypeConstraintComponent"}
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert ("bob", f'"2023-13-45"^^<{xsd}date>') in bad
    assert ("bob", f'"abc"^^<{xsd}decimal>') in bad
    assert not any(focus == "alice" for focus, _ in bad)


def test_subclass_instances_are_targets_and_class_members():
    """ex:bob is an ex:Student (a subclass of ex:Person); ex:acme an ex:PublicBody (Organisation)."""
    results, _ = fast_engine([EDGE_SHAPES], [EDGE_DATA])
    foci = {r.focus.rsplit("#", 1)[-1] for r in results}
    assert "bob" in foci
    # alice's employer ex:acme is an ex:PublicBody, two rdfs:subClassOf steps below ex:Organisation
    assert not any(r.focus.endswith("#alice") and r.component == "ClassConstraintComponent"
                   for r in results)


def test_unsupported_constraint_names_the_shape(tmp_path):
    shapes = tmp_path / "closed.ttl"
    shapes.write_text(EDGE_SHAPES.read_text() + """
ex:ClosedShape a sh:NodeShape ; sh:targetClass ex:Person ; sh:closed true .
""")
    with pytest.raises(SourceError, match="closed.ttl: shape .*ClosedShape: constraint sh:closed"):
        fast_engine([shapes], [EDGE_DATA])
    with pytest.raises(UnsupportedShape, match="ClosedShape"):
        validate_store(Graph().parse(shapes), ox.Store())


def test_pattern_the_sparql_engine_cannot_run_is_refused(tmp_path):
    """A regex Oxigraph rejects (look-ahead) would make REGEX an error, so every value would pass."""
    shapes = tmp_path / "lookahead.ttl"
    shapes.write_text(EDGE_SHAPES.read_text() + """
ex:LookaheadShape a sh:NodeShape ; sh:targetClass ex:Person ;
    sh:property [ sh:path ex:code ; sh:pattern "^(?=AB)" ] .
""")
    with pytest.raises(SourceError, match="sh:pattern"):
        fast_engine([shapes], [EDGE_DATA])


def test_deactivated_shape_reports_nothing():
    store = ox.Store()
    store.load(path=str(EDGE_DATA), format=ox.RdfFormat.TURTLE)
    graph = Graph().parse(EDGE_SHAPES)
    assert not any("never" in r.path for r in validate_store(graph, store))


def test_fast_is_the_engine_of_the_data_shape_sets():
    assert ENGINES["fast"] is fast_engine
    assert any(s.engine == "fast" for s in SHAPE_SETS)


# ---------------------------------------------------------------------------------------------
# The real graphs, lifted from data/ by our mappings


@pytest.fixture(scope="module")
def lifted(settings, tmp_path_factory) -> dict[str, Path]:
    """Every source lifted to N-Quads, as the build lifts it (before validation, so that a shape
    set another test would find blocking does not hide the comparison)."""
    from graph_service.build.pipeline import lift_source
    from mappings.iri import Minter
    from mappings.source import Context

    out = tmp_path_factory.mktemp("lifted")
    ctx = Context(Minter(settings.base), settings.data_dir)
    return {s.name: lift_source(s, ctx, out, progress=False).nquads for s in SOURCES}


def own_shape_files() -> list[str]:
    """Our shapes files (shapes/*.ttl; the DCAT-AP shapes under shapes/dcat-ap-* are third-party)."""
    return sorted(p.name for p in SHAPES_DIR.glob("*.ttl"))


@pytest.mark.parametrize("shapes_file", own_shape_files())
def test_real_graphs_same_results_as_pyshacl(shapes_file, lifted, tmp_path):
    sets = [s for s in SHAPE_SETS if shapes_file in s.shapes]
    if not sets:
        pytest.skip(f"{shapes_file} is in no shape set of graph_service/validation.py yet")
    runs = [(shape_set, [path for name, path in lifted.items() if shape_set.applies_to(name)])
            for shape_set in sets]
    share = MAX_TRIPLES // max(1, sum(len(graphs) for _, graphs in runs))
    checked = 0
    for shape_set, graphs in runs:
        if not graphs:
            continue
        data = [sample(path, tmp_path / f"{path.stem}.sample.nq", share) for path in graphs]
        try:
            assert_same([SHAPES_DIR / shapes_file], data)
        except SourceError:  # a constraint the fast engine does not compile
            if shape_set.engine == "fast":
                raise
            continue  # a pyshacl-only shape set may use SHACL beyond what the fast engine compiles
        checked += 1
    if not checked:
        pytest.skip(f"no lifted graph is validated with {shapes_file}")


def test_sirene_shapes_same_results_as_pyshacl_on_units_that_break_them(tmp_path):
    """The real SIRENE graph conforms, so comparing the engines on it compares 0 results with 0: here
    the golden slice's units, each broken against one constraint of shapes/sirene.ttl, give both
    engines results to agree on."""
    from .golden import lift_slices
    from .test_dgfip_golden import CASES

    sources, known = CASES["sirene"]
    _, (result,) = lift_slices("sirene", sources, tmp_path, known)
    graph = "<http://127.0.0.1:8000/graph/sirene-unites-legales>"
    unit = "<http://127.0.0.1:8000/id/entreprise/{}>".format
    rov, dct, bg = "http://www.w3.org/ns/regorg#", "http://purl.org/dc/terms/", "https://w3id.org/bercy-graph/def#"
    lines = [line for line in result.nquads.read_text(encoding="utf-8").splitlines(keepends=True)
             if not line.startswith(f"{unit('016750697')} <{rov}legalName> ")]        # no legal name
    lines += [f"{s} {p} {o} {graph} .\n" for s, p, o in (
        (unit("057808172"), f"<{dct}identifier>", '"12345"'),                          # two SIRENs, one bad
        (unit("063802466"), "<https://schema.org/foundingDate>", '"1967"'),             # not an xsd:date
        (unit("054501754"), f"<{rov}orgType>", '"5710"'),                               # a literal, not a link
        (unit("054501754"), f"<{bg}siege>", "<http://127.0.0.1:8000/id/etablissement/1>"))]  # a second, bare siege
    data = tmp_path / "broken.nq"
    data.write_text("".join(lines), encoding="utf-8")
    results = assert_same([SHAPES_DIR / "sirene.ttl"], [data])
    assert {component for _, _, _, component, _ in results} >= {
        "MinCountConstraintComponent", "MaxCountConstraintComponent", "PatternConstraintComponent",
        "DatatypeConstraintComponent", "NodeKindConstraintComponent", "ClassConstraintComponent"}


# ---------------------------------------------------------------------------------------------
# The official DCAT-AP shapes, which the build runs on the fast engine too

CATALOG_SETS = [s for s in SHAPE_SETS if s.name.startswith("dcat-ap-")]
DCAT_AP_EXAMPLES = PROJECT_ROOT.parent / "shared/external/shacl"


@pytest.mark.parametrize("shape_set", CATALOG_SETS, ids=lambda s: s.name)
def test_dcat_ap_shapes_same_results_as_pyshacl_on_the_real_catalog(shape_set, lifted):
    """The catalog and the EU vocabulary graphs, whole, as the build validates them: about 5,000 warnings,
    the same ones."""
    data = [path for name, path in lifted.items() if shape_set.applies_to(name)]
    assert len(data) > 1
    assert_same(shape_set.shape_files(), data)


def test_dcat_ap_shapes_same_results_as_pyshacl_on_their_own_examples():
    """DCAT-AP 3.0.1's and DCAT-AP HVD's published examples (shared/external/shacl/*/examples), each against
    the three catalog sets: they break the shapes in other ways than our catalog does. Three of them are not
    Turtle (a '/' in a prefixed name): neither rdflib nor Oxigraph reads them."""
    examples = sorted(DCAT_AP_EXAMPLES.glob("dcat-ap-*/examples/*.ttl"))
    unreadable = {"example-bee-population-dataset-series-api.ttl", "example-bee-population-dataset-series-combined.ttl",
                  "example-bees_wasps_dataset.ttl"}
    assert unreadable < {p.name for p in examples} and len(examples) == 30
    reported = Counter()
    for example in (p for p in examples if p.name not in unreadable):
        for shape_set in CATALOG_SETS:
            reported += assert_same(shape_set.shape_files(), [example])
    assert {component for _, _, _, component, _ in reported} >= {
        "ClassConstraintComponent", "MinCountConstraintComponent", "NodeConstraintComponent",
        "NodeKindConstraintComponent"}
