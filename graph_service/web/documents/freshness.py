"""The freshness observatory as the pages and the API read it: per catalogued dataset, its declared
frequency, its last update, the days since, and the days late when late (graph `freshness`, computed by
the build: graph_service/build/freshness.py states the rule)."""

from __future__ import annotations

from dataclasses import dataclass

from graph_service.store import GraphStore
from graph_service.web.documents import sparql_values as sv
from mappings.namespaces import sparql_prologue

_QUERY = sparql_prologue("dqv", "dct", "skos") + """
SELECT ?ds ?title ?modified ?frequency ?frequencyLabel ?age ?late WHERE {
  ?m dqv:computedOn ?ds ; dqv:isMeasurementOf ?metric ; dqv:value ?age .
  ?metric skos:notation "jours-depuis-mise-a-jour" .
  OPTIONAL { ?l dqv:computedOn ?ds ; dqv:isMeasurementOf ?lm ; dqv:value ?late .
             ?lm skos:notation "jours-de-retard" }
  OPTIONAL { ?ds dct:title ?title FILTER(LANG(?title) = "fr" || LANG(?title) = "") }
  OPTIONAL { ?ds dct:modified ?modified }
  OPTIONAL { ?ds dct:accrualPeriodicity ?frequency
             OPTIONAL { ?frequency skos:prefLabel ?frequencyLabel FILTER(LANG(?frequencyLabel) = "fr") } }
  $filter
}"""


@dataclass(frozen=True)
class Freshness:
    dataset: str
    title: str
    modified: str
    frequency: str | None          # the EU frequency code (WEEKLY...)
    frequency_label: str | None
    days_since_update: int
    days_late: int | None          # None: on time, or no period to hold it to


def datasets(store: GraphStore, *, late_only: bool = False, dataset: str | None = None) -> list[Freshness]:
    """The measured datasets (or the one `dataset`, an IRI), the latest first (then the longest unchanged)."""
    query = _QUERY.replace("$filter", ("FILTER(BOUND(?late))" if late_only else "")
                           + (f" VALUES ?ds {{ {sv.iri(dataset)} }}" if dataset else ""))
    found = {}
    for r in store.select(query):
        found.setdefault(r["ds"], Freshness(
            r["ds"], r.get("title") or r["ds"].rsplit("/", 1)[-1], r.get("modified", ""),
            r["frequency"].rsplit("/", 1)[-1] if "frequency" in r else None, r.get("frequencyLabel"),
            int(r["age"]), int(r["late"]) if "late" in r else None))
    return sorted(found.values(), key=lambda f: (-(f.days_late or -1), -f.days_since_update, f.dataset))
