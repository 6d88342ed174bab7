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
from collections import defaultdict
from collections.abc import Callable
from contextlib import closing
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
SELECT DISTINCT ?x ?name ?code WHERE {{
  {{ VALUES ?p {{ {' '.join(NAME_PROPERTIES)} }} ?x ?p ?name
     FILTER(ISLITERAL(?name) && LANG(?name) IN ("fr", "", "en")) }}
  UNION {{ VALUES ?p {{ {' '.join(CODE_PROPERTIES)} }} ?x ?p ?code FILTER(ISLITERAL(?code)) }}
  FILTER(ISIRI(?x))
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


def entries(store: GraphStore, mint: Minter, stop: Callable[[], bool] = never) -> list[tuple]:
    """The rows of the index: (names, codes, kind, iri, path, label, keys, weight); Stopped when `stop()`."""
    names: dict[str, list[str]] = defaultdict(list)
    codes: dict[str, list[str]] = defaultdict(list)
    kinds: dict[str, Parsed] = {}
    # the IRIs of the searchable kinds start so (`Minter.parse`): any other thing is left without parsing
    # its IRI (two thirds of the rows at 10k records, each parsed again before)
    searchable = tuple(f"{mint.base}/id/{kind}/" for kind in search.KINDS)
    for n, row in enumerate(store.select(NAMES)):
        if n % _BATCH == 0 and stop():
            raise Stopped
        iri = row["x"]
        if iri not in kinds:
            if not iri.startswith(searchable):
                continue
            parsed = mint.parse(iri)
            if parsed is None or parsed.kind not in search.KINDS:
                continue
            kinds[iri] = parsed
        if "name" in row:
            names[iri].append(row["name"])
        if "code" in row:
            codes[iri].append(row["code"])
    things = sorted(kinds)
    weight = weights(store, things, stop)
    rows = []
    for iri in things:
        parsed = kinds[iri]
        found = sorted(set(names[iri]), key=lambda n: (len(n), n))
        code_list = list(dict.fromkeys([parsed.key, *codes[iri]]))
        code_list += [re.sub(r"\D", "", c) for c in code_list if re.search(r"\d\D+\d", c)]
        label = found[0] if found else parsed.key
        rows.append(("\n".join(found), " ".join(code_list), parsed.kind, iri, iri[len(mint.base):], label,
                     search.keys(found), weight.get(iri, 0)))
    return rows


def write(store_dir: Path, mint: Minter, stop: Callable[[], bool] = never) -> int | None:
    """Write the index into the store directory `store_dir` (a new store, not yet swapped in); the number
    of entries, or None if `stop()` became true first (then nothing is written)."""
    store = GraphStore(store_dir)
    target = search.index_path(store_dir)
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    try:
        rows = entries(store, mint, stop)
    except Stopped:
        return None
    with closing(sqlite3.connect(partial)) as db:
        db.execute(search.SCHEMA)
        db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("INSERT INTO entries(entries) VALUES ('optimize')")
        db.commit()
    partial.replace(target)
    return len(rows)
