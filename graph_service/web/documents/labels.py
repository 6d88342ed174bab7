"""The one label policy: how the entity pages, the landing page, the catalog page and `/api` name a thing.

The best name is the value of the first property of `PROPERTIES` the thing has, in the first language
of `LANGUAGES` it has it in (then any other language); among equals, the first in code-point order, so
the same thing gets the same name on every page and in every JSON answer, build after build.
Codes (`skos:notation`, `dct:identifier`) name a thing only when it has no name.
"""

from __future__ import annotations

from collections.abc import Iterable

from graph_service.store import GraphStore
from graph_service.web.documents.sparql_values import fill, iris
from mappings.namespaces import PREFIXES, sparql_prologue

#: Properties that hold a thing's name, best first (`/api/labels` searches these).
NAMES = ("skos:prefLabel", "rdfs:label", "dct:title", "igeo:nom", "foaf:name", "rov:legalName")
#: Properties that hold a code, shown when a thing has no name.
CODES = ("skos:notation", "dct:identifier")
PROPERTIES = NAMES + CODES
#: Languages, preferred first ("" = no language tag); any other language comes after them.
LANGUAGES = ("fr", "", "en")
#: The names as a SPARQL property path (`skos:prefLabel|rdfs:label|...`).
NAME_PATH = "|".join(NAMES)

#: What each kind of IRI we mint (`/id/{kind}/...`, `/graph/...`) is called, in French.
KIND_NAMES = {"commune": "Commune", "departement": "Département", "region": "Région", "cpv": "Code CPV",
              "naf": "Code NAF", "entreprise": "Entreprise (SIREN)", "etablissement": "Établissement (SIRET)",
              "contrat": "Marché public", "dataset": "Jeu de données", "mutation": "Vente immobilière (DVF)",
              "mission": "Mission budgétaire", "programme": "Programme budgétaire",
              "graph": "Graphe nommé (une source)", "source": "Fichier source", "build": "Construction du graphe",
              "software": "Logiciel", "code-postal": "Code postal (La Poste)"}

_BATCH = 400
_RANK = {PREFIXES[c.partition(":")[0]] + c.partition(":")[2]: i for i, c in enumerate(PROPERTIES)}
_QUERY = sparql_prologue(*dict.fromkeys(c.partition(":")[0] for c in PROPERTIES)) + (
    "SELECT ?x ?p ?label (LANG(?label) AS ?lang) WHERE { VALUES ?x { $things } "
    f"?x ?p ?label FILTER(?p IN ({', '.join(PROPERTIES)}) && ISLITERAL(?label)) }}")
# (A second VALUES for ?p made Oxigraph scan every triple: 1.8 s for a page of 200 links, 10 ms this way.)


def rank(prop: str, lang: str, label: str) -> tuple[int, int, str]:
    """How good a name is (lower is better): property, then language, then the text itself."""
    order = LANGUAGES.index(lang) if lang in LANGUAGES else len(LANGUAGES)
    return _RANK[prop], order, label


def best_labels(store: GraphStore, things: Iterable[str]) -> dict[str, str]:
    """The best name of each IRI that has one (plain IRIs, without angle brackets)."""
    todo = sorted(set(things))
    found: dict[str, tuple[int, int, str]] = {}
    for start in range(0, len(todo), _BATCH):
        for row in store.select(fill(_QUERY, things=iris(todo[start:start + _BATCH]))):
            score = rank(row["p"], row.get("lang", ""), row["label"])
            if row["x"] not in found or score < found[row["x"]]:
                found[row["x"]] = score
    return {x: score[2] for x, score in found.items()}


def kind_name(kind: str) -> str:
    """What a kind of thing is called on the pages and in `/api` (the kind itself when unnamed)."""
    return KIND_NAMES.get(kind, kind)
