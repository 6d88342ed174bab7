"""The media types a SPARQL query's results can be sent in (the store writes them), from the one
format table (`graph_service.web.formats`). The first offer is the default (Accept: */* or none)."""

from __future__ import annotations

from graph_service.web import formats


def offers(result_kind: str) -> list[str]:
    """The media types a result of this kind ("graph", "solutions", "boolean") can be written in."""
    return formats.offers(formats.GRAPH if result_kind == "graph" else formats.RESULTS)


def forced(name: str) -> str:
    """The media type of a `format=` value: a name of the table (results first: `xml` is SPARQL XML),
    else the value itself as a media type (`format=text/csv`)."""
    found = formats.by_name(name, [f for f in formats.TABLE if f.kind == formats.RESULTS] +
                            [f for f in formats.TABLE if f.kind == formats.GRAPH])
    return found.media_type if found else name.lower()
