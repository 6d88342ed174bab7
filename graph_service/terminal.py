"""Writing query results for the terminal and for scripts (W3C SPARQL results formats)."""

from __future__ import annotations

import io
from typing import TextIO

import pyoxigraph as ox

FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
           "json": ox.QueryResultsFormat.JSON}


def write_results(results, fmt: str, out: TextIO) -> None:
    """Write SELECT/ASK results as csv, tsv, json or an aligned table; graphs as N-Triples."""
    if isinstance(results, ox.QueryTriples):
        out.write(results.serialize(format=ox.RdfFormat.N_TRIPLES).decode("utf-8"))
        return
    if fmt == "table":
        out.write(table(results))
        return
    buffer = io.BytesIO()
    results.serialize(buffer, FORMATS[fmt])
    out.write(buffer.getvalue().decode("utf-8"))


def table(results, max_width: int = 60) -> str:
    """A plain text table: one column per variable, lexical values, cut at `max_width`."""
    if isinstance(results, ox.QueryBoolean):
        return f"{bool(results)}\n"
    names = [v.value for v in results.variables]
    rows = [[_cell(row[n], max_width) for n in names] for row in results]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.append(f"({len(rows)} rows)")
    return "\n".join(lines) + "\n"


def _cell(term, max_width: int) -> str:
    if term is None:
        return ""
    text = term.value.replace("\n", " ")
    return text if len(text) <= max_width else text[: max_width - 1] + "…"
