"""The SPARQL behind `/api`: fixed templates, filled only through `sparql_values.fill`.

Which optional fragments a query holds depends on WHICH parameters a request gives, never on their
values: a value only ever becomes one escaped term (`$name`). Each function returns the query text.
"""

from __future__ import annotations

from mappings.namespaces import sparql_prologue

from graph_service.web.documents import figures
from graph_service.web.documents.figures import identifier_of, located
from graph_service.web.documents.sparql_values import Term, fill, integer

PROLOGUE = sparql_prologue()


# ----------------------------------------------------------------------------------- datasets

#: One fragment per dataset filter (each turned on by the request parameter it is named after).
#: Flat joins, not FILTER EXISTS (Oxigraph plans those poorly); the queries select DISTINCT datasets.
DATASET_FILTERS = {
    "q": """?ds dct:title|dct:description|dcat:keyword ?text FILTER(CONTAINS(LCASE(STR(?text)), LCASE($q)))""",
    "keyword": "?ds dcat:keyword ?kw FILTER(LCASE(STR(?kw)) = LCASE($keyword))",
    "theme": "?ds dcat:theme $theme .",
    "publisher": """?ds dct:publisher ?pub . ?pub dct:identifier|foaf:name ?pv
                    FILTER(CONTAINS(LCASE(STR(?pv)), LCASE($publisher)))""",
    "min_score": """?ds dqv:hasQualityMeasurement ?qm . ?qm dqv:isMeasurementOf $score_metric ; dqv:value ?score
                    FILTER(?score >= $min_score)""",
}


def _dataset_where(filters: dict[str, Term]) -> str:
    fragments = "\n  ".join(DATASET_FILTERS[name] for name in DATASET_FILTERS if name in filters)
    return "?ds a dcat:Dataset ; dct:identifier ?id .\n  " + fragments


def datasets(filters: dict[str, Term], limit: int, offset: int) -> str:
    """One page of matching datasets, by identifier."""
    return fill(PROLOGUE + "SELECT DISTINCT ?ds ?id WHERE {\n  " + _dataset_where(filters)
                + "\n} ORDER BY ?id ?ds LIMIT $limit OFFSET $offset",
                **filters, limit=integer(limit), offset=integer(offset))


def datasets_count(filters: dict[str, Term]) -> str:
    return fill(PROLOGUE + "SELECT (COUNT(DISTINCT ?ds) AS ?n) WHERE {\n  " + _dataset_where(filters) + "\n}",
                **filters)


def properties(subjects: Term) -> str:
    """Every statement about the listed IRIs (a VALUES list): the caller keeps what it shows."""
    return fill("SELECT ?s ?p ?o WHERE {\n  VALUES ?s { $subjects }\n  ?s ?p ?o\n}", subjects=subjects)


def measurements(subjects: Term, metric: Term) -> str:
    """The value of one DQV metric for each listed dataset."""
    return fill(PROLOGUE + """SELECT ?s ?value WHERE {
  VALUES ?s { $subjects }
  ?s dqv:hasQualityMeasurement ?qm . ?qm dqv:isMeasurementOf $metric ; dqv:value ?value .
}""", subjects=subjects, metric=metric)


def dataset_quality(dataset: Term, dimension: Term) -> str:
    """The measurements of one dataset in one quality dimension (the charter): metric notation, English label,
    value."""
    return fill(PROLOGUE + """SELECT ?metric ?notation ?label ?value WHERE {
  $dataset dqv:hasQualityMeasurement ?qm . ?qm dqv:isMeasurementOf ?metric ; dqv:value ?value .
  ?metric skos:notation ?notation ; dqv:inDimension $dimension .
  OPTIONAL { ?metric skos:prefLabel ?label FILTER(LANG(?label) = "en") }
} ORDER BY ?notation""", dataset=dataset, dimension=dimension)


def dataset_distributions(dataset: Term) -> str:
    return fill(PROLOGUE + """SELECT ?dist ?format ?media ?access ?download WHERE {
  $dataset dcat:distribution ?dist .
  OPTIONAL { ?dist dct:format/skos:notation ?format }
  OPTIONAL { ?dist dcat:mediaType ?media }
  OPTIONAL { ?dist dcat:accessURL ?access }
  OPTIONAL { ?dist dcat:downloadURL ?download }
} ORDER BY ?format""", dataset=dataset)


# ----------------------------------------------------------------------------------- entities

def exists(subject: Term) -> str:
    """One row when the graph has a statement about or towards the subject."""
    return fill("SELECT ?x WHERE { { $subject ?p ?x } UNION { ?x ?p $subject } } LIMIT 1", subject=subject)


def statements(subject: Term) -> str:
    """An entity's own statements, with what JSON needs to tell values apart."""
    return fill("""SELECT ?p ?o ?isIri ?lang ?datatype WHERE {
  $subject ?p ?o .
  BIND(ISIRI(?o) AS ?isIri) BIND(LANG(?o) AS ?lang) BIND(IF(ISLITERAL(?o), STR(DATATYPE(?o)), "") AS ?datatype)
} ORDER BY ?p ?o""", subject=subject)


# ----------------------------------------------------------------------------------- territories

def territory(place: Term) -> str:
    """A COG territory's code, name and types, and the territories it belongs to."""
    return fill(PROLOGUE + """SELECT ?code ?name ?type ?parent ?parentCode ?parentName ?parentType WHERE {
  $place igeo:codeINSEE ?code ; igeo:nom ?name ; a ?type .
  OPTIONAL { $place igeo:subdivisionDe|igeo:subdivisionDirecteDe ?parent .
             ?parent igeo:codeINSEE ?parentCode ; igeo:nom ?parentName ; a ?parentType }
}""", place=place)


def chef_lieu(place: Term) -> str:
    return fill(PROLOGUE + """SELECT ?code ?name WHERE {
  $place igeo:chefLieu ?c . ?c igeo:codeINSEE ?code ; igeo:nom ?name }""", place=place)


#: How a territory's figures reach it: the commune itself, or a département through its communes; the
#: fragments of the entity pages (`documents/figures.py`), so that a page and `/api` count alike.
IN_COMMUNE = figures.IN_COMMUNE
IN_DEPARTEMENT = figures.IN_TERRITORY


def communes_count(place: Term) -> str:
    return fill(PROLOGUE + "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c igeo:subdivisionDe $place ; a igeo:Commune }",
                place=place)


def sales(place: Term, scope: str) -> str:
    """DVF sales located in the territory: how many, first and last date."""
    return fill(PROLOGUE + "SELECT (COUNT(DISTINCT ?m) AS ?n) (MIN(?d) AS ?first) (MAX(?d) AS ?last) WHERE {\n  "
                + scope + "\n  ?m a bg:Mutation . " + located("?m") + " OPTIONAL { ?m bg:dateMutation ?d }\n}",
                place=place)


def contracts_in(place: Term, scope: str) -> str:
    """DECP awards whose place of execution is the territory (`n`), and their contract identifiers (`ids`)."""
    return fill(PROLOGUE + "SELECT (COUNT(DISTINCT ?k) AS ?n) (COUNT(DISTINCT ?id) AS ?ids) WHERE {\n  " + scope
                + "\n  ?k a epo:Contract . " + located("?k") + "\n  " + identifier_of("?k") + "\n}", place=place)


def organisations(place: Term) -> str:
    """Legal entities whose jurisdiction or seat the graph gives as the territory (OFGL, collectivités)."""
    return fill(PROLOGUE + """SELECT ?org ?siren WHERE {
  ?org a org:Organization ; dct:spatial $place ; dct:identifier ?siren } ORDER BY ?siren""", place=place)


def accounts(place: Term) -> str:
    """OFGL amounts of the commune's budgets, added up per agrégat and year (within one agrégat only)."""
    return fill(PROLOGUE + """SELECT ?agregat ?label ?year (SUM(?amount) AS ?total) (COUNT(DISTINCT ?budget) AS ?budgets)
WHERE {
  ?o sdmx-dimension:refArea $place ; bg:agregat ?agregat ; bg:montant ?amount ; bg:budget ?budget .
  OPTIONAL { ?o bg:exercice ?year }
  OPTIONAL { ?agregat skos:prefLabel ?label }
} GROUP BY ?agregat ?label ?year ORDER BY ?year ?label""", place=place)


# ----------------------------------------------------------------------------------- contracts

#: How an organisation is matched: one establishment (SIRET), or every unit of a legal unit (SIREN).
PARTY = {"etablissement": "VALUES ?unit { $org }", "entreprise": "?unit org:unitOf $org ."}
ROLE = {"buyer": "?c bg:buyer ?unit .", "supplier": "?c bg:supplier|bg:currentSupplier ?unit .",
        "any": "?c bg:buyer|bg:supplier|bg:currentSupplier ?unit ."}


def _contracts_where(kind: str, role: str) -> str:
    return PARTY[kind] + "\n  " + ROLE[role] + "\n  ?c a epo:Contract ."


def contracts(org: Term, kind: str, role: str, limit: int, offset: int) -> str:
    """One page of an organisation's contracts, latest notification first (a contract two feeds date
    differently counts once, at its latest date)."""
    return fill(PROLOGUE + "SELECT ?c (MAX(?d) AS ?date) WHERE {\n  " + _contracts_where(kind, role)
                + "\n  OPTIONAL { ?c epo:hasContractConclusionDate ?d }\n} GROUP BY ?c ORDER BY DESC(?date) ?c"
                + " LIMIT $limit OFFSET $offset", org=org, limit=integer(limit), offset=integer(offset))


def contracts_count(org: Term, kind: str, role: str) -> str:
    """How many awards (`n`) and contract identifiers (`ids`) an organisation has."""
    return fill(PROLOGUE + "SELECT (COUNT(DISTINCT ?c) AS ?n) (COUNT(DISTINCT ?id) AS ?ids) WHERE {\n  "
                + _contracts_where(kind, role) + "\n  " + identifier_of("?c") + "\n}", org=org)
