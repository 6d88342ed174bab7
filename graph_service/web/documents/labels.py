"""The one label policy: how the entity pages, the landing page, the catalog page and `/api` name a thing.

The best name is the value of the first property of `PROPERTIES` the thing has, in the first language
of `LANGUAGES` it has it in (then any other language); among equals, the first in code-point order, so
the same thing gets the same name on every page and in every JSON answer, build after build.
Codes (`skos:notation`, `dct:identifier`) name a thing only when it has no name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from rdflib import Graph, Literal
from rdflib.namespace import RDFS

from graph_service import search
from graph_service.config import PROJECT_ROOT
from graph_service.store import GraphStore
from graph_service.web.documents.sparql_values import fill, iris
from mappings.namespaces import PREFIXES, expand, shorten, sparql_prologue

RDFS_LABEL = RDFS.label

#: Properties that hold a thing's name, best first (one list, shared with the build's label index).
NAMES = search.NAMES
#: Properties that hold a code, shown when a thing has no name.
CODES = ("skos:notation", "dct:identifier")
PROPERTIES = NAMES + CODES
#: Languages, preferred first ("" = no language tag); any other language comes after them.
LANGUAGES = ("fr", "", "en")

@dataclass(frozen=True)
class KindName:
    """What a kind of IRI we mint (`/id/{kind}/...`, `/graph/...`) is called in French: as a page's
    heading, and as a noun in a sentence ("3 marchés ajoutés", "1 vente supprimée")."""

    title: str
    singular: str
    plural: str
    feminine: bool = False


def _kind(title: str, singular: str, plural: str | None = None, feminine: bool = False) -> KindName:
    return KindName(title, singular, plural or singular + "s", feminine)


KIND_NAMES = {
    "commune": _kind("Commune", "commune", feminine=True),
    "departement": _kind("Département", "département"),
    "region": _kind("Région", "région", feminine=True),
    "cpv": _kind("Code CPV", "code CPV", "codes CPV"),
    "naf": _kind("Code NAF", "code NAF", "codes NAF"),
    "entreprise": _kind("Entreprise (SIREN)", "entreprise", feminine=True),
    "etablissement": _kind("Établissement (SIRET)", "établissement"),
    "contrat": _kind("Marché public", "marché"),
    "dataset": _kind("Jeu de données", "jeu de données", "jeux de données"),
    "distribution": _kind("Distribution", "distribution", feminine=True),
    "publisher": _kind("Éditeur", "éditeur"),
    "catalog": _kind("Catalogue", "catalogue"),
    "mutation": _kind("Vente immobilière (DVF)", "vente", feminine=True),
    "mission": _kind("Mission budgétaire", "mission", feminine=True),
    "programme": _kind("Programme budgétaire", "programme"),
    "action": _kind("Action budgétaire", "action", feminine=True),
    "sous-action": _kind("Sous-action budgétaire", "sous-action", feminine=True),
    "ministere": _kind("Ministère", "ministère"),
    "graph": _kind("Graphe nommé (une source)", "graphe"),
    "source": _kind("Fichier source", "fichier source", "fichiers sources"),
    "build": _kind("Construction du graphe", "construction", feminine=True),
    "changes": _kind("Changement enregistré", "changement"),
    "snapshot": _kind("Instantané des données (snapshot)", "instantané"),
    "software": _kind("Logiciel", "logiciel"),
    "code-postal": _kind("Code postal (La Poste)", "code postal", "codes postaux"),
    "local": _kind("Local (DVF)", "local", "locaux"),
    "disposition": _kind("Disposition d'une vente (DVF)", "disposition", feminine=True),
    "parcelle": _kind("Parcelle cadastrale", "parcelle", feminine=True),
    "observation": _kind("Observation statistique", "observation", feminine=True),
    "modification": _kind("Modification de marché (avenant)", "modification", feminine=True),
    "station-carburant": _kind("Station-service (prix des carburants)", "station-service", "stations-service", True),
    "prix-carburant": _kind("Prix d'un carburant", "prix de carburant", "prix de carburants"),
    "type-procedure": _kind("Procédure de passation (DECP)", "procédure de passation", "procédures de passation",
                            True),
    # the rows, columns and table of a generically lifted file (`/graph/{name}/row/{n}`)
    "row": _kind("Ligne d'un fichier", "ligne", feminine=True),
    "column": _kind("Description de colonne", "description de colonne", "descriptions de colonnes", True),
}
#: A kind no entry names.
OTHER_KIND = KindName("", "autre enregistrement", "autres enregistrements")

_BATCH = 400
_RANK = {expand(c): i for i, c in enumerate(PROPERTIES)}
_QUERY = sparql_prologue(*dict.fromkeys(c.partition(":")[0] for c in PROPERTIES)) + (
    "SELECT ?x ?p ?label (LANG(?label) AS ?lang) WHERE { VALUES ?x { $things } "
    f"?x ?p ?label FILTER(?p IN ({', '.join(PROPERTIES)}) && ISLITERAL(?label)) }}")
# (A second VALUES for ?p made Oxigraph scan every triple: 1.8 s for a page of 200 links, 10 ms this way.)


def rank(prop: str, lang: str, label: str, languages: tuple[str, ...] = LANGUAGES) -> tuple[int, int, str]:
    """How good a name is (lower is better): property, then language, then the text itself."""
    order = languages.index(lang) if lang in languages else len(languages)
    return _RANK[prop], order, label


def best_labels(store: GraphStore, things: Iterable[str], lang: str = "fr") -> dict[str, str]:
    """The best name of each IRI that has one (plain IRIs, without angle brackets), in `lang` first.
    A thing without a name is named by a code (an EU code by its meaning, `CONTROLLED_LABELS`), and a sale
    or premises by what it is (`described_names`)."""
    languages = (lang, *(x for x in LANGUAGES if x != lang))
    todo = sorted(set(things))
    found: dict[str, tuple[int, int, str]] = {}
    for start in range(0, len(todo), _BATCH):
        for row in store.select(fill(_QUERY, things=iris(todo[start:start + _BATCH]))):
            score = rank(row["p"], row.get("lang", ""), row["label"], languages)
            if row["x"] not in found or score < found[row["x"]]:
                found[row["x"]] = score
    names = {x: score[2] for x, score in found.items()}
    coded = len(NAMES)
    for x in todo:
        if (x not in found or found[x][0] >= coded) and (meaning := controlled_label(x, lang)):
            names[x] = meaning
    unnamed = [x for x in todo if x not in found or found[x][0] >= coded]
    names.update(described_names(store, unnamed))
    return names


#: Sales and premises have no name: they are called by their date, kind and address. One query for each
#: kind: as the two branches of a UNION, Oxigraph read every sale before joining the VALUES (0.58 s for 380
#: of Toulon's sales, 0.04 s each way alone).
_DESCRIBED = [sparql_prologue("bg", "locn", "skos")
              + f"SELECT ?x ?date ?address ?type WHERE {{ VALUES ?x {{ $things }} {what} }}"
              for what in ("?x a bg:Mutation . OPTIONAL { ?x bg:dateMutation ?date } "
                           "OPTIONAL { ?x bg:disposition/bg:local/locn:fullAddress ?address }",
                           "?x a bg:Local . OPTIONAL { ?x locn:fullAddress ?address } "
                           "OPTIONAL { ?x bg:typeLocal ?t . ?t skos:prefLabel ?type }")]


#: Statistical observations (OFGL accounts, State budget) are called by what they measure.
_OBSERVATIONS = sparql_prologue("bg", "skos") + (
    "SELECT ?x ?measure ?year ?law ?credit ?budget ?destination ?category WHERE { VALUES ?x { $things } "
    "OPTIONAL { ?x bg:expenseCategory/skos:notation ?category } "
    "OPTIONAL { ?x bg:agregat/skos:prefLabel ?measure } OPTIONAL { ?x bg:exercice ?year } "
    "OPTIONAL { ?x bg:financeLaw/skos:notation ?law } OPTIONAL { ?x bg:creditType/skos:notation ?credit } "
    "OPTIONAL { ?x bg:budget ?b . ?b bg:typeBudget ?budget } "
    "OPTIONAL { ?x bg:refDestination|bg:refMission|bg:revenueLine ?d . ?d skos:notation ?destination } }")


def observation_names(store: GraphStore, things: list[str]) -> dict[str, str]:
    """"Annuité de la dette, Budget principal, 2024" for an OFGL account; "CP PLF 2025, 152-01-01, catégorie 21"
    for a budget amount (its credit type, stage, year, destination code and expense category)."""
    candidates = [x for x in things if "/id/observation/" in x]
    out: dict[str, str] = {}
    for start in range(0, len(candidates), _BATCH):
        for row in store.select(fill(_OBSERVATIONS, things=iris(candidates[start:start + _BATCH]))):
            stage = " ".join(row[k] for k in ("credit", "law", "year") if k in row and "measure" not in row)
            parts = [row.get("measure"), row.get("budget"), row["year"] if "measure" in row and "year" in row
                     else None, stage or None, row.get("destination"),
                     f"catégorie {row['category']}" if "category" in row else None]
            name = ", ".join(p for p in parts if p)
            if name and (row["x"] not in out or name < out[row["x"]]):
                out[row["x"]] = name
    return out


def described_names(store: GraphStore, things: list[str]) -> dict[str, str]:
    """"Vente du 5 février 2023, 12 RUE X" for a DVF sale, "Appartement, 12 RUE X" for premises
    (the first address in code-point order, so that a name never changes between pages), and statistical
    observations by what they measure (`observation_names`)."""
    candidates = [x for x in things if "/id/mutation/" in x or "/id/disposition/" in x or "/id/local/" in x]
    rows: dict[str, dict[str, str]] = {}
    for start, query in product(range(0, len(candidates), _BATCH), _DESCRIBED):
        for row in store.select(fill(query, things=iris(candidates[start:start + _BATCH]))):
            best = rows.setdefault(row["x"], {})
            for key in ("date", "address", "type"):
                if key in row and (key not in best or row[key] < best[key]):
                    best[key] = row[key]
    out = {}
    for x, row in rows.items():
        if "/id/mutation/" in x:
            head = f"Vente du {french_date(row['date'])}" if "date" in row else "Vente"
        else:
            head = row.get("type", "Local")
        out[x] = head + (f", {row['address']}" if "address" in row else "")
    out.update(observation_names(store, things))
    return out


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def french_date(value: str) -> str:
    """`2023-02-05` (or the date part of an xsd:dateTime) as "5 février 2023"; anything else as given."""
    head = value[:10]
    try:
        year, month, day = int(head[:4]), int(head[5:7]), int(head[8:10])
    except ValueError:
        return value
    if len(head) < 10 or head[4] != "-" or head[7] != "-" or not 1 <= month <= 12 or not 1 <= day <= 31:
        return value
    return f"{'1er' if day == 1 else day} {MONTHS[month - 1]} {year}"


def kind_name(kind: str) -> str:
    """What a kind of thing is called on the pages and in `/api` (the kind itself when unnamed)."""
    return KIND_NAMES[kind].title if kind in KIND_NAMES else kind


# ----------------------------------------------------------------------------------- languages

#: The languages the pages speak, the default first.
PAGE_LANGUAGES = ("fr", "en")


def page_language(asked: str | None, accept_language: str | None) -> str:
    """The one decision of a page's language: `?lang=` when it names one we speak, else the first of
    `Accept-Language` (by q-value) we speak, else French."""
    if asked in PAGE_LANGUAGES:
        return asked
    ranked = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if q > 0 and primary in PAGE_LANGUAGES:
            ranked.append((-q, i, primary))
    return min(ranked)[2] if ranked else PAGE_LANGUAGES[0]


# ----------------------------------------------------------------------------------- properties

#: Our ontology: its terms' rdfs:label (fr, en) name the properties on the pages.
ONTOLOGY = PROJECT_ROOT / "ontology" / "bercy.ttl"

#: Standard vocabularies' terms shown on the pages, in French and English (the vocabularies label
#: them in English only, when at all).
STANDARD_LABELS: dict[str, tuple[str, str]] = {
    "rdf:type": ("type", "type"), "rdfs:label": ("libellé", "label"), "rdfs:comment": ("commentaire", "comment"),
    "skos:prefLabel": ("nom", "name"), "skos:altLabel": ("autre nom", "other name"),
    "skos:notation": ("code", "code"), "skos:definition": ("définition", "definition"),
    "skos:inScheme": ("nomenclature", "scheme"), "skos:topConceptOf": ("premier niveau de", "top concept of"),
    "skos:hasTopConcept": ("premier niveau", "top concept"), "skos:broader": ("niveau supérieur", "broader"),
    "skos:narrower": ("niveau inférieur", "narrower"), "skos:exactMatch": ("équivalent exact", "exact match"),
    "skos:closeMatch": ("équivalent proche", "close match"),
    "dct:title": ("titre", "title"), "dct:description": ("description", "description"),
    "dct:identifier": ("identifiant", "identifier"), "dct:issued": ("publié le", "issued"),
    "dct:modified": ("modifié le", "modified"), "dct:created": ("créé le", "created"),
    "dct:publisher": ("éditeur", "publisher"), "dct:creator": ("auteur", "creator"),
    "dct:license": ("licence", "licence"), "dct:accessRights": ("droits d'accès", "access rights"),
    "dct:accrualPeriodicity": ("fréquence de mise à jour", "update frequency"),
    "dct:language": ("langue", "language"), "dct:spatial": ("territoire", "place"),
    "dct:temporal": ("période couverte", "period covered"), "dct:isPartOf": ("fait partie de", "part of"),
    "dct:hasPart": ("comprend", "has part"), "dct:isReferencedBy": ("référencé par", "referenced by"),
    "dct:format": ("format", "format"), "dct:conformsTo": ("conforme à", "conforms to"),
    "dct:type": ("type", "type"), "dct:source": ("source", "source"), "dct:subject": ("sujet", "subject"),
    "dcat:distribution": ("distribution (téléchargement)", "distribution"), "dcat:keyword": ("mot-clé", "keyword"),
    "dcat:landingPage": ("page du jeu de données", "landing page"), "dcat:theme": ("thème", "theme"),
    "dcat:downloadURL": ("adresse de téléchargement", "download URL"), "dcat:accessURL": ("adresse d'accès", "access URL"),
    "dcat:mediaType": ("type de média", "media type"), "dcat:startDate": ("début", "start"),
    "dcat:endDate": ("fin", "end"), "dcat:bbox": ("emprise", "bounding box"),
    "dcat:contactPoint": ("contact", "contact point"), "dcat:accessService": ("service d'accès", "access service"),
    "dcat:byteSize": ("taille (octets)", "byte size"), "dcat:dataset": ("jeu de données", "dataset"),
    "dcat:themeTaxonomy": ("taxonomie des thèmes", "theme taxonomy"),
    "dcatap:hvdCategory": ("catégorie de données de forte valeur", "high-value dataset category"),
    "dcatap:applicableLegislation": ("législation applicable", "applicable legislation"),
    "adms:status": ("statut", "status"), "foaf:name": ("nom", "name"), "foaf:homepage": ("site", "homepage"),
    "foaf:page": ("page", "page"), "foaf:primaryTopic": ("sujet principal", "primary topic"),
    "igeo:codeINSEE": ("code INSEE", "INSEE code"), "igeo:nom": ("nom", "name"),
    "igeo:chefLieu": ("chef-lieu", "seat"), "igeo:subdivisionDe": ("fait partie de", "subdivision of"),
    "igeo:subdivisionDirecteDe": ("subdivision directe de", "direct subdivision of"),
    "owl:sameAs": ("même entité que", "same as"), "rov:legalName": ("raison sociale", "legal name"),
    "rov:orgType": ("catégorie juridique", "legal form"), "rov:orgActivity": ("activité (NAF)", "activity (NAF)"),
    "org:unitOf": ("établissement de", "unit of"), "org:hasUnit": ("établissement", "unit"),
    "schema:foundingDate": ("date de création", "founding date"),
    "schema:dissolutionDate": ("date de cessation", "dissolution date"),
    "epo:hasContractConclusionDate": ("date de notification", "conclusion date"),
    "epo:hasMainClassification": ("code CPV principal", "main CPV code"),
    "locn:fullAddress": ("adresse", "address"), "locn:postCode": ("code postal", "postcode"),
    "locn:geometry": ("géométrie", "geometry"), "geo:hasGeometry": ("géométrie", "geometry"),
    "geo:asWKT": ("coordonnées (WKT)", "coordinates (WKT)"),
    "qb:dataSet": ("jeu de données (cube)", "data set"), "qb:structure": ("structure", "structure"),
    "sdmx-dimension:refArea": ("territoire", "area"), "sdmx-attribute:unitMeasure": ("unité", "unit"),
    "prov:wasDerivedFrom": ("tiré de", "derived from"), "prov:wasGeneratedBy": ("produit par", "generated by"),
    "dqv:hasQualityMeasurement": ("mesure de qualité", "quality measurement"),
    "dqv:computedOn": ("calculée sur", "computed on"), "dqv:isMeasurementOf": ("mesure de", "measurement of"),
    "dqv:value": ("valeur", "value"), "void:triples": ("triplets", "triples"), "void:subset": ("sous-ensemble", "subset"),
    "spdx:checksum": ("empreinte", "checksum"),
}

#: Rows a reader does not need first: types, codes and identifiers, provenance, quality measurements,
#: geometry. The pages fold them under "Données brutes".
TECHNICAL = {"rdf:type", "dct:identifier", "skos:notation", "skos:inScheme", "skos:topConceptOf",
             "skos:hasTopConcept", "skos:exactMatch", "owl:sameAs", "dct:conformsTo", "geo:hasGeometry",
             "qb:dataSet", "bg:sourceFeed", "bg:cpvCode", "bg:executionPlaceCode",
             "bg:executionPlaceCodeType", "bg:dataPublicationDate", "rdfs:label"}
#: Whole vocabularies that are technical (provenance, quality, VoID, checksums, CSVW).
TECHNICAL_PREFIXES = ("prov", "dqv", "void", "spdx", "csvw")

#: Where our own terms are defined (the ontology page: `/def#term`).
DEFINITIONS = "/def#"


@lru_cache(maxsize=1)
def ontology_labels() -> dict[str, dict[str, str]]:
    """rdfs:label of each term of our ontology, by language (read once from ontology/bercy.ttl)."""
    graph = Graph().parse(ONTOLOGY, format="turtle")
    out: dict[str, dict[str, str]] = {}
    for term, label in graph.subject_objects(RDFS_LABEL):
        if isinstance(label, Literal) and label.language:
            out.setdefault(str(term), {}).setdefault(label.language, str(label))
    return out


def property_label(prop: str, lang: str = "fr") -> str:
    """A property's name for the pages: our ontology's label, else the standard terms' table, else `prefix:name`."""
    own = ontology_labels().get(prop)
    if own:
        return own.get(lang) or own.get("fr") or next(iter(own.values()))
    short = shorten(prop)
    if short in STANDARD_LABELS:
        return STANDARD_LABELS[short][PAGE_LANGUAGES.index(lang) if lang in PAGE_LANGUAGES else 0]
    return short


def property_definition(prop: str) -> str:
    """Where a property is defined: our ontology page for `bg:` terms, else the vocabulary's IRI."""
    return DEFINITIONS + prop[len(PREFIXES["bg"]):] if prop.startswith(PREFIXES["bg"]) else prop


def is_technical(prop: str) -> bool:
    """The row goes under "Données brutes" (see `TECHNICAL`)."""
    short = shorten(prop)
    return short in TECHNICAL or short.partition(":")[0] in TECHNICAL_PREFIXES


# ----------------------------------------------------------------------------------- controlled values

EU = "http://publications.europa.eu/resource/authority/"
#: The EU authority codes the catalog uses whose staged tables (data/vocabularies/eu: frequency, language)
#: carry no labels: their meaning in the Publications Office's tables, in French and English.
CONTROLLED_LABELS: dict[str, tuple[str, str]] = {
    EU + "frequency/DAILY": ("quotidienne", "daily"), EU + "frequency/WEEKLY": ("hebdomadaire", "weekly"),
    EU + "frequency/MONTHLY": ("mensuelle", "monthly"), EU + "frequency/QUARTERLY": ("trimestrielle", "quarterly"),
    EU + "frequency/ANNUAL": ("annuelle", "annual"), EU + "frequency/ANNUAL_2": ("semestrielle", "semiannual"),
    EU + "frequency/BIENNIAL": ("tous les deux ans", "biennial"), EU + "frequency/IRREG": ("irrégulière", "irregular"),
    EU + "frequency/CONT": ("continue", "continuous"), EU + "frequency/UPDATE_CONT": ("mise à jour en continu",
                                                                                   "continuously updated"),
    EU + "frequency/NEVER": ("jamais", "never"), EU + "frequency/UNKNOWN": ("inconnue", "unknown"),
    EU + "frequency/OTHER": ("autre", "other"), EU + "frequency/HOURLY": ("toutes les heures", "hourly"),
    EU + "frequency/BIMONTHLY": ("tous les deux mois", "bimonthly"),
    EU + "frequency/TRIENNIAL": ("tous les trois ans", "triennial"),
    EU + "language/FRA": ("français", "French"), EU + "language/ENG": ("anglais", "English"),
}


def controlled_label(iri: str, lang: str = "fr") -> str | None:
    found = CONTROLLED_LABELS.get(iri)
    return found[PAGE_LANGUAGES.index(lang) if lang in PAGE_LANGUAGES else 0] if found else None
