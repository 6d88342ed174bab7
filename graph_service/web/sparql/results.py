"""The media types a SPARQL query's results can be sent in (the store writes them), from the one
format table (`graph_service.web.formats`). The first offer is the default (Accept: */* or none)."""

from __future__ import annotations

from graph_service.web import formats
from graph_service.web.http import HttpError


def offers(result_kind: str) -> list[str]:
    """The media types a result of this kind ("graph", "solutions", "boolean") can be written in."""
    return formats.offers(formats.GRAPH if result_kind == "graph" else formats.RESULTS)


def requested(values: list[str]) -> list[str] | None:
    """The media types the `format=` values ask for (None: no value), as the query's kind will pick from.

    Clients repeat one choice: SPARQLWrapper sends `format`, `output` and `results`, by name and again by
    media type or empty (`format=tsv&format=text/tab-separated-values&output=tsv...`). Values that name
    the same format (the same kind and label: `json` and `application/json` too) are one choice; a name
    may mean a format of each kind (`xml`: SPARQL XML for SELECT/ASK, RDF/XML for CONSTRUCT/DESCRIBE).
    Unknown or different formats: 400."""
    given = [value for value in values if value.strip()]
    if not given:
        return None
    named = [formats.named(value) for value in given]
    for value, found in zip(given, named):
        if not found:
            known = sorted(set(formats.names(f for f in formats.TABLE if f.kind != formats.PAGE)))
            raise HttpError(400, f"format={value!r} names no format of this endpoint (names: {', '.join(known)}; "
                                 f"or a media type)")
    common = set.intersection(*({(f.kind, f.label) for f in found} for found in named))
    chosen = [f.media_type for f in named[0] if (f.kind, f.label) in common]
    if not chosen:
        raise HttpError(400, "more than one format asked for: " + ", ".join(sorted(set(given))))
    return chosen
