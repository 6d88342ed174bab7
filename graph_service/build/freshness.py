"""The freshness observatory: each catalogued dataset's declared update frequency
(`dct:accrualPeriodicity`) against its last update (`dct:modified`, the portal's date), measured on the
day of the build and stated in DQV (graph `freshness`).

The rule, one place: a dataset is late when its last update is older than twice its declared period
plus a week (a weekly dataset unchanged for 3 weeks, a monthly one for 69 days, a yearly one for two
years and a week). Datasets with no period to hold them to (irregular, continuous, unknown, never)
or no date are measured (days since update, when dated) but never called late.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from mappings.iri import Minter
from mappings.namespaces import DQV, PROV, RDF, SKOS, XSD
from mappings.terms import Triple, iri, literal, nquad, typed

GRAPH = "freshness"
DIMENSION = "fraicheur"
#: Days between two updates, per EU frequency code.
PERIOD_DAYS = {"HOURLY": 1, "DAILY": 1, "DAILY_2": 1, "WEEKLY": 7, "WEEKLY_2": 4, "WEEKLY_3": 3, "BIWEEKLY": 14,
               "MONTHLY": 31, "MONTHLY_2": 16, "MONTHLY_3": 11, "BIMONTHLY": 61, "QUARTERLY": 92,
               "ANNUAL_2": 183, "ANNUAL_3": 122, "ANNUAL": 366, "BIENNIAL": 731, "TRIENNIAL": 1096,
               "QUADRENNIAL": 1461, "QUINQUENNIAL": 1827, "DECENNIAL": 3653}
GRACE_DAYS = 7
#: (key, French label, English label, definition fr) of the two metrics.
METRICS = (("jours-depuis-mise-a-jour", "Jours depuis la dernière mise à jour", "Days since the last update",
            "Jours entre la dernière mise à jour déclarée par le portail (dct:modified) et la construction du graphe."),
           ("jours-de-retard", "Jours de retard sur la fréquence déclarée", "Days late on the declared frequency",
            ("Jours au-delà de deux périodes de mise à jour plus une semaine sans mise à jour ; mesuré seulement "
             "pour un jeu de données en retard.")))
_MODIFIED = re.compile(r'^<([^>]+)> <http://purl\.org/dc/terms/modified> "([^"]+)"')
_PERIODICITY = re.compile(r"^<([^>]+)> <http://purl\.org/dc/terms/accrualPeriodicity> "
                          r"<http://publications\.europa\.eu/resource/authority/frequency/([A-Z_0-9]+)>")


def late_after(period_days: int) -> int:
    """Days without an update after which a dataset of this period is late."""
    return 2 * period_days + GRACE_DAYS


def read_catalog(nquads: Path, mint: Minter) -> dict[str, tuple[str | None, str | None]]:
    """dataset IRI -> (last update, frequency code) from the lifted catalog graph."""
    found: dict[str, list[str | None]] = {}
    with nquads.open(encoding="utf-8") as handle:
        for line in handle:
            for pattern, slot in ((_MODIFIED, 0), (_PERIODICITY, 1)):
                if match := pattern.match(line):
                    parsed = mint.parse(match.group(1))
                    if parsed and parsed.kind == "dataset":
                        found.setdefault(match.group(1), [None, None])[slot] = match.group(2)
    return {ds: (values[0], values[1]) for ds, values in found.items()}


def triples(catalog: dict[str, tuple[str | None, str | None]], mint: Minter, when: datetime) -> list[Triple]:
    """The metrics, and per dataset its days since update and, when late, its days late."""
    dimension = mint.entity("metric", DIMENSION)
    out: list[Triple] = [(dimension, RDF.type, DQV.Dimension),
                         (dimension, SKOS.prefLabel, literal("Fraîcheur", lang="fr")),
                         (dimension, SKOS.prefLabel, literal("Timeliness", lang="en"))]
    for key, fr, en, definition in METRICS:
        metric = mint.entity("metric", DIMENSION, key)
        out += [(metric, RDF.type, DQV.Metric), (metric, DQV.inDimension, dimension),
                (metric, DQV.expectedDataType, XSD.integer), (metric, SKOS.notation, literal(key)),
                (metric, SKOS.prefLabel, literal(fr, lang="fr")), (metric, SKOS.prefLabel, literal(en, lang="en")),
                (metric, SKOS.definition, literal(definition, lang="fr"))]
    stamp = typed(when.isoformat(), XSD.dateTime)
    for dataset, (modified, frequency) in sorted(catalog.items()):
        if modified is None:
            continue
        age = (when - datetime.fromisoformat(modified.replace("Z", "+00:00"))).days
        key = mint.parse(dataset).key
        measured = [(METRICS[0][0], age)]
        period = PERIOD_DAYS.get(frequency or "")
        if period is not None and age > late_after(period):
            measured.append((METRICS[1][0], age - late_after(period)))
        for metric_key, value in measured:
            m = mint.entity("quality-measurement", key, metric_key)
            out += [(m, RDF.type, DQV.QualityMeasurement), (m, DQV.computedOn, iri(dataset)),
                    (m, DQV.isMeasurementOf, mint.entity("metric", DIMENSION, metric_key)),
                    (m, DQV.value, typed(value, XSD.integer)), (m, PROV.generatedAtTime, stamp),
                    (iri(dataset), DQV.hasQualityMeasurement, m)]
    return out


def write(path: Path, catalog_nquads: Path | None, mint: Minter, when: datetime) -> None:
    """The `freshness` graph as N-Quads (empty without a catalog)."""
    catalog = read_catalog(catalog_nquads, mint) if catalog_nquads else {}
    graph = mint.graph(GRAPH)
    with path.open("w", encoding="utf-8") as out:
        out.writelines(nquad(t, graph) for t in (triples(catalog, mint, when) if catalog else []))


