"""Our vocabulary is documented: every bg: term has French and English labels and comments, and every
property its domain and range; every bg: term the mappings write is declared."""

from __future__ import annotations

import re

from rdflib import OWL, RDF, RDFS, Graph, URIRef

from graph_service.config import PROJECT_ROOT
from mappings.namespaces import BG_ONTOLOGY

ONTOLOGY = Graph().parse(PROJECT_ROOT / "ontology" / "bercy.ttl")
PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property}


def declared() -> set[str]:
    return {str(s)[len(BG_ONTOLOGY):] for s in ONTOLOGY.subjects(RDF.type, None)
            if isinstance(s, URIRef) and str(s).startswith(BG_ONTOLOGY)}


def test_every_term_is_labelled_and_commented_in_french_and_english():
    for name in declared():
        term = URIRef(BG_ONTOLOGY + name)
        for prop in (RDFS.label, RDFS.comment):
            assert {v.language for v in ONTOLOGY.objects(term, prop)} >= {"fr", "en"}, (name, prop)


def test_every_property_has_a_domain_and_a_range():
    for name in declared():
        term = URIRef(BG_ONTOLOGY + name)
        if set(ONTOLOGY.objects(term, RDF.type)) & PROPERTY_TYPES:
            assert ONTOLOGY.value(term, RDFS.domain) is not None, name
            assert ONTOLOGY.value(term, RDFS.range) is not None, name


def test_every_term_the_code_writes_is_declared():
    used = set()
    for path in [*(PROJECT_ROOT / "mappings").glob("*.py"), *(PROJECT_ROOT / "graph_service").glob("*.py")]:
        used |= set(re.findall(r"\bBG\.([A-Za-z][A-Za-z0-9_]*)", path.read_text(encoding="utf-8")))
    assert used - declared() == set()


def test_every_term_is_defined_by_the_ontology_which_has_a_version_a_licence_and_a_prefix():
    ontology = URIRef(BG_ONTOLOGY.rstrip("#"))
    for name in declared():
        assert (URIRef(BG_ONTOLOGY + name), RDFS.isDefinedBy, ontology) in ONTOLOGY, name
    vann = "http://purl.org/vocab/vann/"
    assert ONTOLOGY.value(ontology, OWL.versionInfo) is not None
    assert ONTOLOGY.value(ontology, URIRef("http://purl.org/dc/terms/license")) is not None
    assert str(ONTOLOGY.value(ontology, URIRef(vann + "preferredNamespacePrefix"))) == "bg"
    assert str(ONTOLOGY.value(ontology, URIRef(vann + "preferredNamespaceUri"))) == BG_ONTOLOGY
