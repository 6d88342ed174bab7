"""Write the search index of a new store (read by graph_service/search.py): the names and codes of the things
people look for, gathered once per build so that the web never scans the graph per keystroke.

One entry per entity of the kinds of `search.KINDS`: every name it has (labels, titles, legal and declared
names, in French, without language or in English), its codes (the key of its IRI, `skos:notation`,
`dct:identifier`), and a weight, the number of statements pointing to it (a big city, a busy supplier
come first). And the `labels` table of `/api/labels`: every name (`search.NAMES`, any language) of every
entity we mint, by (IRI, name), with its kind and the name lowercased, in a trigram index. The queries are fixed templates over our own IRIs: nothing typed by a user reaches them.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from itertools import groupby, islice
from operator import itemgetter
from pathlib import Path

from graph_service import search
from graph_service.store import GraphStore
from mappings.iri import Minter, Parsed
from mappings.namespaces import sparql_prologue

NAME_PROPERTIES = ("skos:prefLabel", "skos:altLabel", "rdfs:label", "dct:title", "igeo:nom", "foaf:name",
                   "rov:legalName", "bg:declaredName")
CODE_PROPERTIES = ("skos:notation", "dct:identifier")
_PREFIXES = sparql_prologue("skos", "rdfs", "dct", "igeo", "foaf", "rov", "bg")
NAMES = _PREFIXES + f"""
SELECT ?x ?name ?code ?label WHERE {{
  {{ VALUES ?p {{ {' '.join(NAME_PROPERTIES)} }} ?x ?p ?name
     FILTER(ISLITERAL(?name) && LANG(?name) IN ("fr", "", "en") && ($searchable)) }}
  UNION {{ VALUES ?p {{ {' '.join(CODE_PROPERTIES)} }} ?x ?p ?code FILTER(ISLITERAL(?code) && ($searchable)) }}
  UNION {{ VALUES ?p {{ {' '.join(search.NAMES)} }} ?x ?p ?label
           FILTER(ISLITERAL(?label) && STRSTARTS(STR(?x), $minted)) }}
  FILTER(ISIRI(?x))
}}"""
#: Statements pointing to each of a batch of entities (the object index answers it, no scan).
WEIGHTS = "SELECT ?x (COUNT(*) AS ?n) WHERE { VALUES ?x { $things } ?s ?p ?x } GROUP BY ?x"
_BATCH = 500


def weights(store: GraphStore, things: list[str]) -> dict[str, int]:
    """How many statements point to each thing."""
    found: dict[str, int] = {}
    for start in range(0, len(things), _BATCH):
        values = " ".join(f"<{x}>" for x in things[start:start + _BATCH])
        found.update((r["x"], int(r["n"])) for r in store.select(WEIGHTS.replace("$things", values)))
    return found


def names_query(mint: Minter) -> str:
    """NAMES for the IRIs of the searchable kinds (`Minter.parse` reads them so): the engine leaves out
    every other thing (most rows of a build: contracts, sales, accounts) before they reach Python; and the
    names of `search.NAMES` of every IRI we mint, for the label table."""
    kinds = " || ".join(f'STRSTARTS(STR(?x), "{mint.base}/id/{kind}/")' for kind in search.KINDS)
    return NAMES.replace("$searchable", kinds).replace("$minted", f'"{mint.base}/id/"')


def found(store: GraphStore, mint: Minter) -> Iterator[tuple[str | None, ...]]:
    """(iri, name, code, label) as the store streams them, one of name, code and label set."""
    for row in store.query(names_query(mint)).rows():
        yield row["x"].value, *(term and term.value for term in (row.get(k) for k in ("name", "code", "label")))


def stage(staging: sqlite3.Connection, store: GraphStore, mint: Minter) -> None:
    """Stage what the index is made of in `staging`, a private SQLite file (`sqlite3.connect("")`, deleted
    when closed), so that memory stays flat whatever the size of the graph."""
    staging.execute("CREATE TABLE found (iri TEXT, name TEXT, code TEXT, label TEXT)")
    staging.executemany("INSERT INTO found VALUES (?, ?, ?, ?)", found(store, mint))


def entries(staging: sqlite3.Connection, store: GraphStore, mint: Minter) -> Iterator[tuple]:
    """The rows of the index, ordered by IRI: (names, codes, kind, iri, path, label, keys, weight). The staged names are read back grouped by IRI, `_BATCH` things at a time."""
    rows = staging.execute("SELECT iri, name, code FROM found WHERE label IS NULL ORDER BY iri, rowid")
    grouped = groupby(rows, key=itemgetter(0))
    while batch := [(iri, [row[1:] for row in rows]) for iri, rows in islice(grouped, _BATCH)]:
        things = [(iri, mint.parse(iri), rows) for iri, rows in batch]
        things = [(iri, parsed, rows) for iri, parsed, rows in things if parsed and parsed.kind in search.KINDS]
        weight = weights(store, [iri for iri, _, _ in things])
        for iri, parsed, rows in things:
            yield entry(iri, parsed, rows, weight.get(iri, 0), mint)


def labels(staging: sqlite3.Connection, mint: Minter) -> Iterator[tuple]:
    """The rows of the label table: (lowered name, kind, iri, name), one per distinct (IRI, name text) of a
    thing we mint; a fragment IRI (a DECP feed's record of a contract, `...#decp-...`) has the kind of the IRI
    it is a part of; an IRI `Minter.parse` does not read names no kind: left out."""
    for iri, label in staging.execute("SELECT DISTINCT iri, label FROM found WHERE label IS NOT NULL"):
        if parsed := mint.parse(iri.partition("#")[0]):
            yield search.lowered(label), parsed.kind, iri, label


def entry(iri: str, parsed: Parsed, rows: list[tuple[str | None, str | None]], weight: int, mint: Minter) -> tuple:
    """One row of the index from a thing's (name, code) pairs."""
    names = sorted({name for name, _ in rows if name is not None}, key=lambda n: (len(n), n))
    codes = list(dict.fromkeys([parsed.key, *(code for _, code in rows if code is not None)]))
    codes += [re.sub(r"\D", "", c) for c in codes if re.search(r"\d\D+\d", c)]
    label = names[0] if names else parsed.key
    return ("\n".join(names), " ".join(codes), parsed.kind, iri, iri[len(mint.base):], label,
            search.keys(names), weight)


def write(store_dir: Path, mint: Minter) -> int:
    """Write the index into the store directory `store_dir` (a new store, not yet swapped in); the number
    of entries."""
    store = GraphStore(store_dir)
    with closing(sqlite3.connect("")) as staging, closing(sqlite3.connect(search.index_path(store_dir))) as db:
        stage(staging, store, mint)
        db.execute(search.SCHEMA)
        db.execute(search.LABELS_SCHEMA)
        db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)", entries(staging, store, mint))
        db.executemany("INSERT INTO labels VALUES (?, ?, ?, ?)", labels(staging, mint))
        db.execute("INSERT INTO entries(entries) VALUES ('optimize')")
        db.execute("INSERT INTO labels(labels) VALUES ('optimize')")
        db.commit()
        return db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
