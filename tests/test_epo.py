"""Our ePO terms as the EU defines them, and a question asked the way TED's ePO data is queried.

The ontology is ePO 4.2.0 as the Publications Office publishes it (tests/epo/README.md: repository,
commit, licence). Every `epo:` class and property the build writes must be declared there, and every
triple using an `epo:` property must respect its `rdfs:domain` and `rdfs:range` (a union counts when one
member does; subclasses by ePO's own `rdfs:subClassOf`), on the real data of the session's build.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rdflib import OWL, RDF, RDFS, BNode, Graph, Namespace, URIRef
from rdflib.collection import Collection

from graph_service.config import PROJECT_ROOT
from mappings.namespaces import PREFIXES, sparql_prologue

EPO_DIR = Path(__file__).parent / "epo"
EPO = Namespace(PREFIXES["epo"])
XSD = Namespace(PREFIXES["xsd"])
FOAF = Namespace(PREFIXES["foaf"])
ORG = Namespace(PREFIXES["org"])
SKOS_CONCEPT = URIRef(PREFIXES["skos"] + "Concept")
#: What the W3C ORG ontology says of the classes our organisations carry (https://www.w3.org/TR/vocab-org/):
#: an organization is a foaf:Agent, an organizational unit an organization.
ORG_AXIOMS = [(ORG.OrganizationalUnit, ORG.Organization), (ORG.Organization, FOAF.Agent)]
#: IRIs of the EU's tables (CPV, currency...), published by the EU as skos:Concept: ePO's range for codes.
EU_CONCEPTS = ("http://data.europa.eu/cpv/cpv/", PREFIXES["eu"])
PLAIN_LITERAL = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#PlainLiteral")


@cache
def ontology() -> Graph:
    graph = Graph()
    for name in ("ePO_core.ttl", "ePO_core_restrictions.ttl", "eContract.ttl", "eContract_restrictions.ttl"):
        graph.parse(EPO_DIR / name, format="turtle")
    for sub, sup in ORG_AXIOMS:
        graph.add((sub, RDFS.subClassOf, sup))
    return graph


def members(graph: Graph, term) -> set[URIRef]:
    """A domain or range: one class, or the classes of an `owl:unionOf`."""
    if isinstance(term, BNode) and (union := graph.value(term, OWL.unionOf)) is not None:
        return set(Collection(graph, union))
    return {term}


def with_subclasses(graph: Graph, classes: set[URIRef]) -> set[URIRef]:
    """The classes and all their named subclasses (transitively)."""
    found, todo = set(classes), list(classes)
    while todo:
        for sub in graph.subjects(RDFS.subClassOf, todo.pop()):
            if isinstance(sub, URIRef) and sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def used(store, pattern: str) -> list[str]:
    return [r["t"] for r in store.select(f"SELECT DISTINCT ?t WHERE {{ {pattern} "
                                         f"FILTER(STRSTARTS(STR(?t), \"{EPO}\")) }}")]


def values(classes: set[URIRef]) -> str:
    return " ".join(f"<{c}>" for c in sorted(classes))


def test_every_epo_term_we_write_is_declared_in_epo_4_2(store):
    graph = ontology()
    properties = used(store, "?s ?t ?o")
    classes = used(store, "?s a ?t")
    assert {"hasPurpose", "hasContractValue", "bindsBuyer", "amendsContract", "hasLegalIdentifier"} <= \
        {p.rpartition("#")[2] for p in properties}
    for prop in properties:
        assert {(URIRef(prop), RDF.type, OWL.ObjectProperty), (URIRef(prop), RDF.type, OWL.DatatypeProperty)} & \
            set(graph.triples((URIRef(prop), RDF.type, None))), prop
    for cls in classes:
        assert (URIRef(cls), RDF.type, OWL.Class) in graph, cls


def test_epo_domains_and_ranges_hold_on_the_built_graph(store):
    graph = ontology()
    checked = 0
    for prop in used(store, "?s ?t ?o"):
        p = URIRef(prop)
        for domain in graph.objects(p, RDFS.domain):
            ok = with_subclasses(graph, members(graph, domain))
            wrong = store.select(f"SELECT ?s WHERE {{ ?s <{p}> ?o FILTER NOT EXISTS {{ ?s a ?c VALUES ?c {{ "
                                 f"{values(ok)} }} }} }} LIMIT 3")
            assert wrong == [], (prop, "domain", sorted(ok), wrong)
            checked += 1
        for range_ in graph.objects(p, RDFS.range):
            ok = with_subclasses(graph, members(graph, range_))
            if ok & {XSD.decimal, XSD.date, XSD.string, PLAIN_LITERAL}:
                datatypes = {XSD.string if d == PLAIN_LITERAL else d for d in ok}
                wrong = store.select(f"SELECT ?o WHERE {{ ?s <{p}> ?o FILTER(!ISLITERAL(?o) || "
                                     f"!(DATATYPE(?o) IN ({', '.join(f'<{d}>' for d in datatypes)}))) }} LIMIT 3")
            else:
                eu = " || ".join(f'STRSTARTS(STR(?o), "{ns}")' for ns in EU_CONCEPTS) \
                    if SKOS_CONCEPT in ok else "false"
                wrong = store.select(f"SELECT ?o WHERE {{ ?s <{p}> ?o FILTER NOT EXISTS {{ ?o a ?c VALUES ?c {{ "
                                     f"{values(ok)} }} }} FILTER(!({eu})) }} LIMIT 3")
            assert wrong == [], (prop, "range", sorted(ok), wrong)
            checked += 1
    assert checked >= 20


def test_amendments_are_epo_amendments_and_not_counted_as_contracts(store):
    """An amendment is an epo:ContractAmendment (a subclass of epo:Contract in ePO): never typed
    epo:Contract itself, so a count of `?c a epo:Contract` counts awards only."""
    q = sparql_prologue("epo", "bg") + """SELECT (COUNT(?m) AS ?n) (SUM(IF(EXISTS { ?m a epo:Contract }, 1, 0)) AS ?typed)
        WHERE { ?m a epo:ContractAmendment ; epo:amendsContract ?c ; bg:modificationOf ?c . ?c a epo:Contract }"""
    (row,) = store.select(q)
    assert int(row["n"]) > 0 and int(row["typed"]) == 0


#: The buyer's contracts by CPV division, as TED's ePO data is queried: the buyer by its legal identifier
#: (scheme SIRET), the contract binding a buyer role it plays, the CPV of the contract's purpose.
TED_STYLE = sparql_prologue("epo", "skos") + """SELECT ?division (COUNT(DISTINCT ?contract) AS ?contracts) WHERE {
  ?id skos:notation "21750001600019" ; epo:hasScheme "SIRET" .
  ?buyer epo:hasLegalIdentifier ?id .
  ?role a epo:Buyer ; epo:playedBy ?buyer .
  ?contract epo:bindsBuyer ?role ; epo:hasPurpose ?purpose .
  FILTER NOT EXISTS { ?contract a epo:ContractAmendment }
  ?purpose epo:hasMainClassification ?cpv .
  BIND(SUBSTR(STRAFTER(STR(?cpv), "http://data.europa.eu/cpv/cpv/"), 1, 2) AS ?division)
} GROUP BY ?division ORDER BY ?division"""


def test_a_ted_style_query_answers_as_our_own(store):
    ours = (PROJECT_ROOT / "queries" / "decp_contracts_by_cpv_division_of_buyer.rq").read_text(encoding="utf-8")
    expected = {r["division"]: int(r["contracts"]) for r in store.select(ours)}
    assert sum(expected.values()) > 100 and len(expected) > 5  # Ville de Paris: many contracts, many divisions
    assert {r["division"]: int(r["contracts"]) for r in store.select(TED_STYLE)} == expected
