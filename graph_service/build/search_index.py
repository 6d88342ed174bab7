"""Write the search index of a new store (read by graph_service/search.py): the names and codes of the things
people look for, gathered once per build so that the web never scans the graph per keystroke.

One entry per entity of the kinds of `search.KINDS`: every name it has (labels, titles, legal and declared
names, in French, without language or in English), its codes (the key of its IRI, `skos:notation`,
`dct:identifier`), and a weight, the number of statements of the loaded graphs pointing to it (a big city, a
busy supplier come first; the cubes the build derives from them are not counted). And the `labels` table of
`/api/labels`: every name (`search.NAMES`, any language) of every entity we mint, by (IRI, name), with its
kind and the name lowercased, in a trigram index; the cubes' names are read from their file, as the index is
written before they are added to the store (`pipeline.settle_and_derive`). The queries are fixed templates
over our own IRIs: nothing typed by a user reaches them.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from itertools import groupby, islice
from operator import itemgetter
from pathlib import Path

from graph_service import search
from graph_service.store import GraphStore, Term, read_nquads
from mappings.iri import Minter, Parsed
from mappings.namespaces import expand, sparql_prologue

NAME_PROPERTIES = ("skos:prefLabel", "skos:altLabel", "rdfs:label", "dct:title", "igeo:nom", "foaf:name",
                   "rov:legalName", "bg:declaredName")
CODE_PROPERTIES = ("skos:notation", "dct:identifier")
_PREFIXES = sparql_prologue("skos", "rdfs", "dct", "igeo", "foaf", "rov", "bg")
#: Every statement of a name or a code: the rows are sorted out here, in Python (`found`). Asked in SPARQL,
#: the filters (literal? language? an IRI of a searchable kind?) decode every term once per function:
#: 15 s at 10k generated records against 4 s for the plain scan, which `found` then filters.
NAMES = _PREFIXES + f"SELECT ?x ?p ?o WHERE {{ VALUES ?p {{ {' '.join(NAME_PROPERTIES + CODE_PROPERTIES)} }} " \
                    "?x ?p ?o }"
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


def statements(store: GraphStore, files: Iterable[Path]) -> Iterator[tuple[Term, str, Term]]:
    """(subject, predicate IRI, object) of every name or code the store states, then of every statement of
    `files` (N-Quads; `found` keeps their names and codes)."""
    for row in store.query(NAMES).rows():
        yield row["x"], row["p"].value, row["o"]
    for file in files:
        for s, p, o in read_nquads(file):
            yield s, p.value, o


def found(rows: Iterable[tuple[Term, str, Term]], mint: Minter) -> Iterator[tuple[str | None, ...]]:
    """(iri, name, code, label), one of name, code and label set, as the `statements` come: the names (in
    French, English or no language) and codes of the things of a searchable kind (`search.KINDS`), and
    the names of `search.NAMES` of every IRI we mint (the label table)."""
    minted = f"{mint.base}/id/"
    searchable = tuple(f"{minted}{kind}/" for kind in search.KINDS)
    naming, coding, labelling = (set(map(expand, properties))
                                 for properties in (NAME_PROPERTIES, CODE_PROPERTIES, search.NAMES))
    for x, p, o in rows:
        if x.kind != "iri" or o.kind != "literal" or not x.value.startswith(minted):
            continue
        if x.value.startswith(searchable):
            if p in coding:
                yield x.value, None, o.value, None
            elif p in naming and (o.language or "") in ("fr", "", "en"):
                yield x.value, o.value, None, None
        if p in labelling:
            yield x.value, None, None, o.value


def stage(staging: sqlite3.Connection, store: GraphStore, mint: Minter, files: Iterable[Path]) -> None:
    """Stage what the index is made of in `staging`, a private SQLite file (`sqlite3.connect("")`, deleted
    when closed), so that memory stays flat whatever the size of the graph."""
    staging.execute("CREATE TABLE found (iri TEXT, name TEXT, code TEXT, label TEXT)")
    staging.executemany("INSERT INTO found VALUES (?, ?, ?, ?)", found(statements(store, files), mint))


def entries(staging: sqlite3.Connection, store: GraphStore, mint: Minter) -> Iterator[tuple]:
    """The rows of the index, ordered by IRI: (names, codes, kind, iri, path, label, keys, weight). The
    staged names are read back grouped by IRI, `_BATCH` things at a time."""
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


def write(store_dir: Path, mint: Minter, also: Iterable[Path] = ()) -> int:
    """Write the index into the store directory `store_dir` (a new store, not yet swapped in) with the names
    of the N-Quads files `also` (the build's cubes, added to the store after: `pipeline.settle_and_derive`);
    the number of entries."""
    store, target = GraphStore(store_dir), search.index_path(store_dir)
    target.unlink(missing_ok=True)
    with closing(sqlite3.connect("")) as staging, closing(sqlite3.connect(target)) as db:
        stage(staging, store, mint, also)
        db.execute(search.SCHEMA)
        db.execute(search.LABELS_SCHEMA)
        db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)", entries(staging, store, mint))
        db.executemany("INSERT INTO labels VALUES (?, ?, ?, ?)", labels(staging, mint))
        db.execute("INSERT INTO entries(entries) VALUES ('optimize')")
        db.execute("INSERT INTO labels(labels) VALUES ('optimize')")
        db.commit()
        return db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
