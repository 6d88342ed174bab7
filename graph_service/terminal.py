"""Writing query results for the terminal and for scripts (W3C SPARQL results formats)."""

from __future__ import annotations

import io
from typing import TextIO

from graph_service.store import Results, Term
from graph_service.web import formats


def write_results(results: Results, fmt: str, out: TextIO) -> None:
    """Write SELECT/ASK results as csv, tsv, json or an aligned table; graphs as N-Triples."""
    if results.kind != "graph" and fmt == "table":
        out.write(table(results))
        return
    buffer = io.BytesIO()
    media = "application/n-triples" if results.kind == "graph" else formats.by_name(fmt, formats.TABLE).media_type
    results.write(media, buffer)
    out.write(buffer.getvalue().decode("utf-8"))


def table(results: Results, max_width: int = 60) -> str:
    """A plain text table: one column per variable, lexical values, cut at `max_width`."""
    if results.kind == "boolean":
        return f"{bool(results)}\n"
    names = results.variables()
    rows = [[_cell(row.get(n), max_width) for n in names] for row in results.rows()]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.append(f"({len(rows)} rows)")
    return "\n".join(lines) + "\n"


def _cell(term: Term | None, max_width: int) -> str:
    if term is None:
        return ""
    text = term.value.replace("\n", " ")
    return text if len(text) <= max_width else text[: max_width - 1] + "…"
