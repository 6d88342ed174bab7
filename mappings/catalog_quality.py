"""Metadata quality of the catalog against the ministry's publication charter, in W3C DQV.

Each rule of the charter is one `dqv:Metric` of our own small metric set (with its definition);
each dataset gets one `dqv:QualityMeasurement` per rule (`dqv:value` true/false) and one for its
score, the share of rules it passes (xsd:decimal), so SPARQL can rank datasets by quality.
The rows are checked by `catalog_entry.parse`, as for the catalog graph, so this graph measures
exactly the datasets the catalog graph holds, and rejects the same rows for the same reasons.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from .catalog_entry import COLUMNS, LICENCES, PATH, Entry, parse
from .kinds import like
from .namespaces import A, DQV, SKOS, XSD
from .read import Record
from .source import Context, csv_source
from .terms import Triple, en, fr, literal, typed

_PLATFORM_DIGIT = re.compile(r"[a-z]\d$")  # `impots-locaux0`: a copy numbered by the platform
DIMENSION = "charte"


def words(text: str) -> int:
    """Words of a title: whitespace-separated tokens holding a letter or a digit (not `-`, `&`)."""
    return sum(1 for token in text.split() if any(ch.isalnum() for ch in token))


@dataclass(frozen=True)
class Metric:
    """One rule of the charter."""

    key: str
    label_fr: str
    label_en: str
    definition_fr: str
    definition_en: str
    check: Callable[[Entry], bool]


METRICS: tuple[Metric, ...] = (
    Metric("titre-5-10-mots", "Titre de 5 à 10 mots", "Title of 5 to 10 words",
           "Le titre compte de 5 à 10 mots (suites de caractères séparées par des espaces et "
           "contenant au moins une lettre ou un chiffre).",
           "The title has 5 to 10 words (space-separated tokens holding a letter or a digit).",
           lambda e: 5 <= words(e.title) <= 10),
    Metric("description-300-500-caracteres", "Description de 300 à 500 caractères",
           "Description of 300 to 500 characters",
           "La description compte de 300 à 500 caractères (espaces de début et de fin exclus).",
           "The description has 300 to 500 characters (leading and trailing spaces excluded).",
           lambda e: 300 <= len(e.description) <= 500),
    Metric("mots-cles-3-7", "De 3 à 7 mots-clés", "3 to 7 keywords",
           "Le jeu de données a de 3 à 7 mots-clés distincts.",
           "The dataset has 3 to 7 distinct keywords.",
           lambda e: 3 <= len(e.keywords) <= 7),
    Metric("frequence", "Fréquence de mise à jour", "Update frequency",
           "Une fréquence de mise à jour est indiquée, autre que « inconnue » (unknown).",
           "An update frequency is stated, other than 'unknown'.",
           lambda e: e.frequency not in ("", "unknown")),
    Metric("licence", "Licence", "Licence",
           "Une licence identifiée est indiquée (ni « License Not Specified » ni « Other (Open) »).",
           "An identified licence is stated (neither 'License Not Specified' nor 'Other (Open)').",
           lambda e: e.licence in LICENCES),
    Metric("couverture-temporelle", "Couverture temporelle", "Temporal coverage",
           "La couverture temporelle est renseignée (date de début ou de fin).",
           "The temporal coverage is given (start or end date).",
           lambda e: bool(e.start or e.end)),
    Metric("couverture-spatiale", "Couverture spatiale", "Spatial coverage",
           "La couverture spatiale est renseignée (au moins une zone).",
           "The spatial coverage is given (at least one zone).",
           lambda e: bool(e.zones)),
    Metric("identifiant-sans-copie", "Identifiant sans « copie »", "Identifier without 'copie'",
           "L'identifiant du jeu de données ne contient pas « copie ».",
           "The dataset identifier does not contain 'copie'.",
           lambda e: "copie" not in e.name.lower()),
    Metric("identifiant-sans-chiffre-de-plateforme", "Identifiant sans chiffre ajouté par la plateforme",
           "Identifier without a platform digit",
           "L'identifiant ne se termine pas par un chiffre collé à une lettre, comme les copies que "
           "numérote la plateforme (impots-locaux0).",
           "The identifier does not end with a digit glued to a letter, as in the copies the platform "
           "numbers (impots-locaux0).",
           lambda e: not _PLATFORM_DIGIT.search(e.name)),
    Metric("identifiant-tirets", "Identifiant avec des tirets", "Identifier with hyphens",
           "L'identifiant sépare ses mots par « - », jamais par « _ ».",
           "The identifier separates its words with '-', never '_'.",
           lambda e: "_" not in e.name),
)
SCORE = "score"


def metric_iri(ctx: Context, key: str) -> str:
    return ctx.entity("metric", DIMENSION, key)


def preamble(ctx: Context) -> Iterable[Triple]:
    """The metric set: one dimension (the charter), its rules and the score."""
    dimension = ctx.entity("metric", DIMENSION)
    yield dimension, A, DQV.Dimension
    yield dimension, SKOS.prefLabel, fr("Charte de publication des données du ministère")
    yield dimension, SKOS.prefLabel, en("The ministry's data publication charter")
    yield dimension, SKOS.definition, fr("Règles de qualité des métadonnées d'un jeu de données publié "
                                         "sur data.economie.gouv.fr.")
    yield dimension, SKOS.definition, en("Quality rules for the metadata of a dataset published on "
                                         "data.economie.gouv.fr.")
    for m in METRICS:
        metric = metric_iri(ctx, m.key)
        yield metric, A, DQV.Metric
        yield metric, DQV.inDimension, dimension
        yield metric, DQV.expectedDataType, XSD.boolean
        yield metric, SKOS.notation, literal(m.key)
        yield metric, SKOS.prefLabel, fr(m.label_fr)
        yield metric, SKOS.prefLabel, en(m.label_en)
        yield metric, SKOS.definition, fr(m.definition_fr)
        yield metric, SKOS.definition, en(m.definition_en)
    score = metric_iri(ctx, SCORE)
    yield score, A, DQV.Metric
    yield score, DQV.inDimension, dimension
    yield score, DQV.expectedDataType, XSD.decimal
    yield score, SKOS.notation, literal(SCORE)
    yield score, SKOS.prefLabel, fr("Score de conformité à la charte")
    yield score, SKOS.prefLabel, en("Charter compliance score")
    yield score, SKOS.definition, fr(f"Part des {len(METRICS)} règles de la charte que le jeu de données "
                                     "respecte, de 0 à 1.")
    yield score, SKOS.definition, en(f"Share of the charter's {len(METRICS)} rules the dataset passes, "
                                     "from 0 to 1.")


def measurement(ctx: Context, dataset: str, key: str, metric: str, value: str) -> list[Triple]:
    """The measurement of one metric on one dataset (IRI: dataset key / metric key)."""
    m = ctx.entity("quality-measurement", key, metric)
    return [(m, A, DQV.QualityMeasurement), (m, DQV.computedOn, dataset),
            (m, DQV.isMeasurementOf, metric_iri(ctx, metric)), (m, DQV.value, value),
            (dataset, DQV.hasQualityMeasurement, m)]


def score(entry: Entry) -> Decimal:
    """The share of rules passed, exact to two decimals with ten rules."""
    passed = sum(m.check(entry) for m in METRICS)
    return (Decimal(passed) / Decimal(len(METRICS))).quantize(Decimal("0.01"))


def lift(row: Record, ctx: Context) -> Iterable[Triple]:
    entry = parse(row)
    dataset = ctx.entity("dataset", entry.key)
    for m in METRICS:
        value = typed("true" if m.check(entry) else "false", XSD.boolean)
        yield from measurement(ctx, dataset, entry.key, m.key, value)
    yield from measurement(ctx, dataset, entry.key, SCORE,
                           typed(str(score(entry)), XSD.decimal))


SOURCES = [csv_source("catalog-quality", "Qualité des métadonnées du catalogue (charte de publication, DQV)",
                      PATH, COLUMNS, lift, __name__, delimiter=";", preamble=preamble)]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(SOURCES[0], "catalog-datagouv-export", part="qualité des métadonnées (DQV)")]
