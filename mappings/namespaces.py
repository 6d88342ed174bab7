"""The one namespace table (prefix -> IRI) of bercy-graph.

Serializers, SPARQL queries, shapes loading and HTML labels all read this table, so a prefix
means the same thing everywhere. `Namespace` objects give N-Triples terms directly
(`DCT.title` -> `<http://purl.org/dc/terms/title>`), which keeps mappings short and fast.
"""

from __future__ import annotations

#: Our own vocabulary: only the terms no standard vocabulary has (see ontology/README.md).
BG_ONTOLOGY = "https://w3id.org/bercy-graph/def#"

PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcatap": "http://data.europa.eu/r5r/",
    "adms": "http://www.w3.org/ns/adms#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "org": "http://www.w3.org/ns/org#",
    "rov": "http://www.w3.org/ns/regorg#",
    "cpov": "http://data.europa.eu/m8g/",
    "locn": "http://www.w3.org/ns/locn#",
    "qb": "http://purl.org/linked-data/cube#",
    "sdmx-dimension": "http://purl.org/linked-data/sdmx/2009/dimension#",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
    "prov": "http://www.w3.org/ns/prov#",
    "dqv": "http://www.w3.org/ns/dqv#",
    "void": "http://rdfs.org/ns/void#",
    "sh": "http://www.w3.org/ns/shacl#",
    "igeo": "http://rdf.insee.fr/def/geo#",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "epo": "http://data.europa.eu/a4g/ontology#",
    "spdx": "http://spdx.org/rdf/terms#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "schema": "https://schema.org/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "csvw": "http://www.w3.org/ns/csvw#",
    "as": "https://www.w3.org/ns/activitystreams#",
    "ldes": "https://w3id.org/ldes#",
    "tree": "https://w3id.org/tree#",
    "time": "http://www.w3.org/2006/time#",
    "bg": BG_ONTOLOGY,
    # Official identifiers we link to (never used as our own entities' IRIs).
    "insee": "http://id.insee.fr/geo/",
    "cpv": "http://data.europa.eu/cpv/cpv/",
    "eu": "http://publications.europa.eu/resource/authority/",
}


class Namespace:
    """A namespace IRI whose attributes and items are N-Triples IRI terms (`DCT.title`).

    Not a `str` subclass on purpose: `DCT.title` must never resolve to `str.title`. An attribute is made
    once, then kept on the instance: the mappings read millions (3.2 M in a 10k build's lift), and going
    through `__getattr__` each time cost 0.9 us a read.
    """

    def __init__(self, iri: str) -> None:
        self.iri = iri
        self._terms: dict[str, str] = {}

    def __getattr__(self, local: str) -> str:
        if local.startswith("_"):   # a dunder, or `_terms` before __init__ set it (copy, pickle)
            raise AttributeError(local)
        term = self[local]
        setattr(self, local, term)   # found by plain attribute lookup from now on
        return term

    def __getitem__(self, local: str) -> str:
        # one string per term: the triples a build holds share it (at 10k records, 9 MiB of copies)
        term = self._terms.get(local)
        if term is None:
            term = self._terms[local] = f"<{self.iri}{local}>"
        return term

    def __str__(self) -> str:
        return self.iri


RDF = Namespace(PREFIXES["rdf"])
RDFS = Namespace(PREFIXES["rdfs"])
XSD = Namespace(PREFIXES["xsd"])
OWL = Namespace(PREFIXES["owl"])
SKOS = Namespace(PREFIXES["skos"])
DCT = Namespace(PREFIXES["dct"])
DCAT = Namespace(PREFIXES["dcat"])
DCATAP = Namespace(PREFIXES["dcatap"])
ADMS = Namespace(PREFIXES["adms"])
FOAF = Namespace(PREFIXES["foaf"])
VCARD = Namespace(PREFIXES["vcard"])
ORG = Namespace(PREFIXES["org"])
ROV = Namespace(PREFIXES["rov"])
CPOV = Namespace(PREFIXES["cpov"])
LOCN = Namespace(PREFIXES["locn"])
QB = Namespace(PREFIXES["qb"])
SDMX_DIMENSION = Namespace(PREFIXES["sdmx-dimension"])
SDMX_ATTRIBUTE = Namespace(PREFIXES["sdmx-attribute"])
PROV = Namespace(PREFIXES["prov"])
DQV = Namespace(PREFIXES["dqv"])
VOID = Namespace(PREFIXES["void"])
SH = Namespace(PREFIXES["sh"])
IGEO = Namespace(PREFIXES["igeo"])
GEO = Namespace(PREFIXES["geo"])
EPO = Namespace(PREFIXES["epo"])
SPDX = Namespace(PREFIXES["spdx"])
SCHEMA = Namespace(PREFIXES["schema"])
CSVW = Namespace(PREFIXES["csvw"])
AS = Namespace(PREFIXES["as"])
LDES = Namespace(PREFIXES["ldes"])
TREE = Namespace(PREFIXES["tree"])
TIME = Namespace(PREFIXES["time"])
#: the EU's CPV concepts and authority tables (`EU["currency/EUR"]`)
EU_CPV = Namespace(PREFIXES["cpv"])
EU = Namespace(PREFIXES["eu"])
BG = Namespace(BG_ONTOLOGY)

A = RDF.type


def sparql_prologue(*prefixes: str) -> str:
    """PREFIX lines for a SPARQL query (all prefixes when none are named)."""
    names = prefixes or tuple(PREFIXES)
    return "".join(f"PREFIX {name}: <{PREFIXES[name]}>\n" for name in names)


def expand(curie: str) -> str:
    """The IRI of a `prefix:local` name of a known namespace (the inverse of `shorten`)."""
    prefix, _, local = curie.partition(":")
    return PREFIXES[prefix] + local


def shorten(iri: str) -> str:
    """`prefix:local` for an IRI in a known namespace, else the IRI itself (for HTML labels)."""
    best = ""
    for name, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = name
    if best:
        return f"{best}:{iri[len(PREFIXES[best]):]}"
    return iri
