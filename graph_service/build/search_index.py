"""Write the search index of a new store (read by graph_service/search.py): the names and codes of the things
people look for, gathered once per build so that the web never scans the graph per keystroke.

One entry per entity of the kinds of `search.KINDS`: every name it has (labels, titles, legal and declared
names, in French, without language or in English), its codes (the key of its IRI, `skos:notation`,
`dct:identifier`), and a weight, the number of statements pointing to it (a big city, a busy supplier
come first). The queries are fixed templates over our own IRIs: nothing typed by a user reaches them.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from itertools import groupby, islice
from operator import itemgetter
from pathlib import Path

from mappings.iri import Minter, Parsed
from mappings.namespaces import sparql_prologue

from graph_service import search
from graph_service.store import GraphStore

NAME_PROPERTIES = ("skos:prefLabel", "skos:altLabel", "rdfs:label", "dct:title", "igeo:nom", "foaf:name",
                   "rov:legalName", "bg:declaredName")
CODE_PROPERTIES = ("skos:notation", "dct:identifier")
_PREFIXES = sparql_prologue("skos", "rdfs", "dct", "igeo", "foaf", "rov", "bg")
NAMES = _PREFIXES + f"""
SELECT ?x ?name ?code WHERE {{
  {{ VALUES ?p {{ {' '.join(NAME_PROPERTIES)} }} ?x ?p ?name
     FILTER(ISLITERAL(?name) && LANG(?name) IN ("fr", "", "en")) }}
  UNION {{ VALUES ?p {{ {' '.join(CODE_PROPERTIES)} }} ?x ?p ?code FILTER(ISLITERAL(?code)) }}
  FILTER(ISIRI(?x) && ($searchable))
}}"""
#: Statements pointing to each of a batch of entities (the object index answers it, no scan).
WEIGHTS = "SELECT ?x (COUNT(*) AS ?n) WHERE { VALUES ?x { $things } ?s ?p ?x } GROUP BY ?x"
_BATCH = 500


class Stopped(Exception):
    """The caller no longer wants this index (`stop` said so): nothing was written."""


def never() -> bool:
    return False


def weights(store: GraphStore, things: list[str], stop: Callable[[], bool] = never) -> dict[str, int]:
    """How many statements point to each thing."""
    found: dict[str, int] = {}
    for start in range(0, len(things), _BATCH):
        if stop():
            raise Stopped
        values = " ".join(f"<{x}>" for x in things[start:start + _BATCH])
        found.update((r["x"], int(r["n"])) for r in store.select(WEIGHTS.replace("$things", values)))
    return found


def names_query(mint: Minter) -> str:
    """NAMES for the IRIs of the searchable kinds (`Minter.parse` reads them so): the engine leaves out
    every other thing (most rows of a build: contracts, sales, accounts) before they reach Python."""
    kinds = " || ".join(f'STRSTARTS(STR(?x), "{mint.base}/id/{kind}/")' for kind in search.KINDS)
    return NAMES.replace("$searchable", kinds)


def found(store: GraphStore, mint: Minter, stop: Callable[[], bool]) -> Iterator[tuple[str, str | None, str | None]]:
    """(iri, name, code) of the searchable things, as the store streams them, one of name and code set."""
    for n, row in enumerate(store.query(names_query(mint)).rows()):
        if n % _BATCH == 0 and stop():
            raise Stopped
        name, code = row.get("name"), row.get("code")
        yield row["x"].value, name and name.value, code and code.value


def entries(store: GraphStore, mint: Minter, stop: Callable[[], bool] = never) -> Iterator[tuple]:
    """The rows of the index, ordered by IRI: (names, codes, kind, iri, path, label, keys, weight);
    Stopped when `stop()`. Memory stays flat whatever the size of the graph: the names are staged in a
    private SQLite file (deleted when closed) and read back grouped by IRI, `_BATCH` things at a time."""
    with closing(sqlite3.connect("")) as staging:
        staging.execute("CREATE TABLE found (iri TEXT, name TEXT, code TEXT)")
        staging.executemany("INSERT INTO found VALUES (?, ?, ?)", found(store, mint, stop))
        grouped = groupby(staging.execute("SELECT iri, name, code FROM found ORDER BY iri, rowid"), key=itemgetter(0))
        while batch := [(iri, [row[1:] for row in rows]) for iri, rows in islice(grouped, _BATCH)]:
            things = [(iri, mint.parse(iri), rows) for iri, rows in batch]
            things = [(iri, parsed, rows) for iri, parsed, rows in things if parsed and parsed.kind in search.KINDS]
            weight = weights(store, [iri for iri, _, _ in things], stop)
            for iri, parsed, rows in things:
                yield entry(iri, parsed, rows, weight.get(iri, 0), mint)


def entry(iri: str, parsed: Parsed, rows: list[tuple[str | None, str | None]], weight: int, mint: Minter) -> tuple:
    """One row of the index from a thing's (name, code) pairs."""
    names = sorted({name for name, _ in rows if name is not None}, key=lambda n: (len(n), n))
    codes = list(dict.fromkeys([parsed.key, *(code for _, code in rows if code is not None)]))
    codes += [re.sub(r"\D", "", c) for c in codes if re.search(r"\d\D+\d", c)]
    label = names[0] if names else parsed.key
    return ("\n".join(names), " ".join(codes), parsed.kind, iri, iri[len(mint.base):], label,
            search.keys(names), weight)


def write(store_dir: Path, mint: Minter, stop: Callable[[], bool] = never) -> int | None:
    """Write the index into the store directory `store_dir` (a new store, not yet swapped in); the number
    of entries, or None if `stop()` became true first (then nothing is written)."""
    store = GraphStore(store_dir)
    target = search.index_path(store_dir)
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(partial)) as db:
            db.execute(search.SCHEMA)
            db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)", entries(store, mint, stop))
            db.execute("INSERT INTO entries(entries) VALUES ('optimize')")
            db.commit()
            written = db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    except Stopped:
        partial.unlink(missing_ok=True)
        return None
    partial.replace(target)
    return written
