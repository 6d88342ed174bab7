"""Search by name or code: the index file a build writes beside the graph (graph_service/build/search_index.py)
and its reader for the web (`search`).

The index is SQLite FTS5 (stdlib `sqlite3`), built once per build, so that a keystroke is one indexed
lookup, not a scan of the graph: tokens are accent- and case-folded (`unicode61 remove_diacritics 2`), every
word typed is a prefix ("toul" finds Toulon), and codes are kept as digits, so that a SIREN typed
"329 338 883" finds the company. The user's text never becomes FTS syntax: it is cut into words, each one
quoted. Ranking: a name equal to the text, then a name starting with it, then the entity's weight (links
pointing to it), then FTS relevance.

A second table, `labels`, answers `/api/labels` (a name containing a text, any case): one row per distinct
(IRI, name) of every entity we mint that has a name (a property of `NAMES`), with the name lowercased as
SPARQL LCASE does, indexed by trigrams (FTS5 `trigram`), so that a text of 3 characters or more is an
indexed lookup, not a scan of every name of the graph; a text of 2 characters (shorter than a trigram) is a
scan of this table, still far cheaper than the graph's.

The file lives in the store directory (`INDEX_FILE`), so it is swapped in, served and removed with the graph
it indexes; the web reads it through the store (`GraphStore.search`).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

INDEX_FILE = "search.sqlite"
#: The kinds of things the index holds, in the order a tie shows them.
KINDS = ("commune", "departement", "region", "entreprise", "etablissement", "mission", "programme", "dataset",
         "cpv")
SCHEMA = ("CREATE VIRTUAL TABLE entries USING fts5(names, codes, kind UNINDEXED, iri UNINDEXED, "
          "path UNINDEXED, label UNINDEXED, keys UNINDEXED, weight UNINDEXED, "
          "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')")
#: Properties that hold a thing's name, best first: the label policy (web/documents/labels.py) ranks by
#: this order, and `/api/labels` searches them.
NAMES = ("skos:prefLabel", "rdfs:label", "dct:title", "igeo:nom", "foaf:name", "rov:legalName")
LABELS_SCHEMA = ("CREATE VIRTUAL TABLE labels USING fts5(lowered, kind UNINDEXED, iri UNINDEXED, "
                 "label UNINDEXED, tokenize = 'trigram case_sensitive 1')")
MAX_LIMIT = 50
MAX_TEXT = 200   # characters of a search text
_WORD = re.compile(r"\w+")
#: A code typed with spaces, dots or dashes between its digits ("329 338 883", "329.338.883").
_DIGITS = re.compile(r"\d[\d\s.\-]*")


@dataclass(frozen=True)
class Hit:
    """One thing found: its IRI, the path of its page on our server, its kind, and its name."""

    iri: str
    path: str
    kind: str
    label: str


def fold(text: str) -> str:
    """Text without accents, case or punctuation, words separated by one space: the form names are compared in
    ("Saint-Étienne" -> "saint etienne")."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_WORD.findall(plain.casefold())).replace("_", " ").strip()


def keys(names: list[str]) -> str:
    """The folded names of an entry, each between bars, so that SQL `instr` tells an equal name or a prefix."""
    return "|" + "|".join(dict.fromkeys(fold(n) for n in names)) + "|"


def fts_query(text: str) -> str | None:
    """The FTS5 query of what a user typed (None if nothing searchable): every word as a quoted prefix,
    and, for digits typed with separators, the code they spell."""
    words = [w for w in fold(text).split() if w]
    if not words:
        return None
    query = " ".join(f'"{w}"*' for w in words)
    if _DIGITS.fullmatch(text.strip()):
        digits = re.sub(r"\D", "", text)
        query = f'({query}) OR (codes : "{digits}"*)'
    return query


def index_path(store_dir: Path) -> Path:
    return store_dir / INDEX_FILE


def search(store_dir: Path, text: str, limit: int = 10) -> list[Hit]:
    """What matches `text` in the index of the store at `store_dir`, best first; [] if the store has no
    index (a store built before the index existed) or the text has no word."""
    query = fts_query(text)
    path = index_path(store_dir)
    if query is None or not path.exists():
        return []
    folded = fold(text)
    sql = ("SELECT iri, path, kind, label FROM entries WHERE entries MATCH ? ORDER BY "
           "instr(keys, '|' || ? || '|') > 0 DESC, instr(keys, '|' || ?) > 0 DESC, "
           "CAST(weight AS INTEGER) DESC, rank LIMIT ?")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        rows = db.execute(sql, (query, folded, folded, max(1, min(limit, MAX_LIMIT)))).fetchall()
    return [Hit(*row) for row in rows]


@dataclass(frozen=True)
class Label:
    """One name containing the text asked: the thing's IRI, its kind, and the name as written."""

    iri: str
    kind: str
    label: str


def lowered(text: str) -> str:
    """Text in lower case, character by character (Unicode), as SPARQL LCASE writes it (accents kept)."""
    return text.lower()


def labels(store_dir: Path, text: str, kind: str | None, limit: int, offset: int) -> list[Label]:
    """Names containing `text` (any case), of things of `kind` if given: names equal to the text first, then
    names starting with it, then the shortest, then by name and IRI; [] if the store has no `labels` table
    (built before it). 3 characters or more: a trigram lookup, the text quoted as one FTS5 string (nothing
    typed is FTS syntax); fewer: a scan of the table (a trigram index cannot hold them)."""
    path = index_path(store_dir)
    if not path.exists():
        return []
    text = lowered(text)
    if len(text) >= 3:
        where, found = "labels MATCH ?", '"' + text.replace('"', '""') + '"'
    else:
        where, found = "instr(lowered, ?) > 0", text
    if kind is not None:
        where += " AND kind = ?"
    sql = (f"SELECT iri, kind, label FROM labels WHERE {where} ORDER BY lowered != ?, instr(lowered, ?) != 1, "
           "length(label), label, iri LIMIT ? OFFSET ?")
    params = (found, *((kind,) if kind is not None else ()), text, text, limit, offset)
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        try:
            rows = db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                return []
            raise
    return [Label(*row) for row in rows]
