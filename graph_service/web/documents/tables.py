"""Tables of the things related to an entity (the contracts of a buyer, a supplier or a territory; the DVF sales
and the OFGL accounts of a commune), sorted and paged on the server, and their downloads (CSV for a French spreadsheet, JSON).

A table is a fixed SPARQL template per kind of entity (the entity's IRI is the only value filled in, through
`sparql_values`), read whole once per build and entity (bounded by `MAX_ROWS`), then sorted and paged in
Python: a sort is a column key of the table (never text pasted into SPARQL), the paging is
`documents/paging.py`'s. The contract patterns are the ones `documents/figures.py` counts, so a table
has as many rows as its figure says.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from mappings.namespaces import sparql_prologue

from graph_service.store import GraphStore
from graph_service.web import page_cache
from graph_service.web.documents import figures, paging
from graph_service.web.documents import sparql_values as sv
from graph_service.web.documents.labels import best_labels

PROLOGUE = sparql_prologue("rdf", "bg", "dct", "epo", "org", "locn", "xsd", "sdmx-dimension", "igeo")
#: Rows of a table page (HTML and JSON pages alike); on an entity page, its first `PREVIEW` rows.
PAGE_SIZE = 50
PREVIEW = 10
#: The longest list a table reads (and a download sends): the tables of the embedded data stay far below.
MAX_ROWS = 20_000

DATE, TEXT, LINK, EUROS, NUMBER = "date", "text", "link", "euros", "number"


@dataclass(frozen=True)
class Column:
    """One column: its key (in URLs: `?sort=key`), its French header, what its values are."""

    key: str
    label: str
    kind: str


Row = dict[str, object]   # key -> str | Decimal | None; a LINK column's IRI under "key@iri"


@dataclass(frozen=True)
class Table:
    """A table of an entity page: `name` in its URL, its caption, its columns, how it reads its rows."""

    name: str
    caption: str
    columns: tuple[Column, ...]
    read: Callable[[GraphStore, str], list[Row]]
    sort: str          # the default sort column
    descending: bool   # and its order
    identity: str      # the LINK column whose IRI is the row's thing (ties are ordered by it)

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


# ---------------------------------------------------------------------------------------- contracts

CONTRACT_COLUMNS = (Column("date", "date de notification", DATE), Column("acheteur", "acheteur", LINK),
                    Column("titulaires", "titulaire(s)", TEXT), Column("objet", "objet", LINK),
                    Column("montant", "montant actuel (€)", EUROS))

_CONTRACTS = PROLOGUE + """SELECT ?c (MAX(?d) AS ?date) (SAMPLE(?b) AS ?buyer) (SAMPLE(?o) AS ?object)
  (MAX(?a) AS ?amount) (GROUP_CONCAT(DISTINCT STR(?s); separator=" ") AS ?suppliers)
WHERE { %s ?c a epo:Contract .
  OPTIONAL { ?c epo:hasContractConclusionDate ?d } OPTIONAL { ?c bg:buyer ?b } OPTIONAL { ?c dct:title ?o }
  OPTIONAL { ?c bg:currentAmount ?a } OPTIONAL { ?c bg:supplier ?s } }
GROUP BY ?c LIMIT """ + str(MAX_ROWS + 1)

#: Which contracts a table lists, over ?c and the entity $t: the patterns of documents/figures.py.
WON = figures.role_of("$t", "bg:supplier")
BOUGHT = figures.role_of("$t", "bg:buyer")
#: a territory's contracts: executed in it, or in its communes for a département (the scope figures.py counts)
EXECUTED_IN_COMMUNE = figures.IN_COMMUNE.replace("$place", "$t") + " " + figures.located("?c")
EXECUTED_IN_TERRITORY = figures.IN_TERRITORY.replace("$place", "$t") + " " + figures.located("?c")


def _contracts(pattern: str) -> Callable[[GraphStore, str], list[Row]]:
    def read(store: GraphStore, entity: str) -> list[Row]:
        found = store.select(sv.fill(_CONTRACTS % figures.each("?c", pattern), t=sv.iri(entity)))
        suppliers = {r["c"]: sorted(set(r.get("suppliers", "").split())) for r in found}
        names = best_labels(store, {r[k] for r in found for k in ("buyer",) if k in r}
                            | {s for found_ in suppliers.values() for s in found_})
        rows: list[Row] = []
        for r in found:
            rows.append({"date": r.get("date"), "acheteur": names.get(r.get("buyer", ""), _code(r.get("buyer"))),
                         "acheteur@iri": r.get("buyer"),
                         "titulaires": ", ".join(names.get(s, _code(s)) for s in suppliers[r["c"]]) or None,
                         "objet": r.get("object") or _code(r["c"]), "objet@iri": r["c"],
                         "montant": Decimal(r["amount"]) if "amount" in r else None})
        return rows
    return read


def _code(iri: str | None) -> str | None:
    return iri.rsplit("/", 1)[-1] if iri else None


# ---------------------------------------------------------------------------------------- DVF sales

SALE_COLUMNS = (Column("date", "date de la vente", DATE), Column("prix", "valeur foncière (€)", EUROS),
                Column("type", "type de local", TEXT), Column("surface", "surface réelle bâtie (m²)", NUMBER),
                Column("adresse", "adresse", TEXT), Column("vente", "vente", LINK))

_SALES = PROLOGUE + """SELECT ?m (MAX(?d) AS ?date) (MAX(?p) AS ?price) WHERE {
  ?m a bg:Mutation ; dct:spatial $t . OPTIONAL { ?m bg:dateMutation ?d } OPTIONAL { ?m bg:valeurFonciere ?p } }
GROUP BY ?m LIMIT """ + str(MAX_ROWS + 1)
_PREMISES = PROLOGUE + """SELECT ?m ?l ?type ?surface ?address WHERE {
  ?m a bg:Mutation ; dct:spatial $t ; bg:disposition/bg:local ?l .
  OPTIONAL { ?l bg:typeLocal ?type } OPTIONAL { ?l bg:surfaceReelleBati ?surface }
  OPTIONAL { ?l locn:fullAddress ?address } }"""


def _sales(store: GraphStore, entity: str) -> list[Row]:
    """Each sale once: its date and price, the types of its premises, the sum of their built surfaces (the
    premises without one add nothing), and the first of their addresses (in code-point order)."""
    t = sv.iri(entity)
    premises: dict[str, dict[str, dict[str, str]]] = {}
    for r in store.select(sv.fill(_PREMISES, t=t)):
        premises.setdefault(r["m"], {})[r["l"]] = r
    types = best_labels(store, {p["type"] for found in premises.values() for p in found.values() if "type" in p})
    rows: list[Row] = []
    for r in store.select(sv.fill(_SALES, t=t)):
        found = premises.get(r["m"], {}).values()
        surfaces = [Decimal(p["surface"]) for p in found if "surface" in p]
        addresses = sorted(p["address"] for p in found if "address" in p)
        rows.append({"date": r.get("date"), "prix": Decimal(r["price"]) if "price" in r else None,
                     "type": ", ".join(sorted({types.get(p["type"], _code(p["type"])) for p in found
                                               if "type" in p})) or None,
                     "surface": sum(surfaces) if surfaces else None,
                     "adresse": addresses[0] if addresses else None, "vente": _code(r["m"]), "vente@iri": r["m"]})
    return rows


# ---------------------------------------------------------------------------------------- local accounts

ACCOUNT_COLUMNS = (Column("exercice", "exercice", TEXT), Column("agregat", "agrégat (OFGL)", LINK),
                   Column("budget", "budget", TEXT), Column("montant", "montant (€)", EUROS),
                   Column("habitant", "par habitant (€)", EUROS))

_ACCOUNTS = PROLOGUE + """SELECT ?o (SAMPLE(?y) AS ?year) (SAMPLE(?a) AS ?agregat) (SAMPLE(?bt) AS ?budget)
  (MAX(?m) AS ?amount) (MAX(?ph) AS ?perInhabitant)
WHERE { ?o sdmx-dimension:refArea $t ; bg:agregat ?a . OPTIONAL { ?o bg:exercice ?y }
  OPTIONAL { ?o bg:budget/bg:typeBudget ?bt } OPTIONAL { ?o bg:montant ?m } OPTIONAL { ?o bg:montantParHabitant ?ph } }
GROUP BY ?o LIMIT """ + str(MAX_ROWS + 1)


def _accounts(store: GraphStore, entity: str) -> list[Row]:
    """The OFGL aggregates of a commune's accounts: one row per observation (year, aggregate, budget)."""
    found = store.select(sv.fill(_ACCOUNTS, t=sv.iri(entity)))
    names = best_labels(store, {r["agregat"] for r in found})
    return [{"exercice": r.get("year"), "agregat": names.get(r["agregat"], _code(r["agregat"])),
             "agregat@iri": r["agregat"], "budget": r.get("budget"), "observation@iri": r["o"],
             "montant": Decimal(r["amount"]) if "amount" in r else None,
             "habitant": Decimal(r["perInhabitant"]) if "perInhabitant" in r else None} for r in found]


# ---------------------------------------------------------------------------------------- which tables

def _table(name: str, caption: str, pattern: str) -> Table:
    return Table(name, caption, CONTRACT_COLUMNS, _contracts(pattern), "date", True, "objet")


SALES = Table("ventes", "Ventes immobilières (DVF)", SALE_COLUMNS, _sales, "date", True, "vente")
ACCOUNTS = Table("comptes", "Comptes de la commune (agrégats OFGL)", ACCOUNT_COLUMNS, _accounts, "montant", True,
                 "observation")
TABLES: dict[str, tuple[Table, ...]] = {
    **dict.fromkeys(("entreprise", "etablissement"), (
        _table("marches-remportes", "Marchés remportés (DECP)", WON),
        _table("marches-passes", "Marchés passés comme acheteur (DECP)", BOUGHT))),
    **dict.fromkeys(("departement", "region", "arrondissement", "collectivite"), (
        _table("marches-executes", "Marchés exécutés sur ce territoire ou dans ses communes (DECP)",
               EXECUTED_IN_TERRITORY),)),
    "commune": (_table("marches-executes", "Marchés exécutés sur ce territoire (DECP)", EXECUTED_IN_COMMUNE),
                SALES, ACCOUNTS),
}


def tables(kind: str) -> tuple[Table, ...]:
    """The tables an entity of `kind` has (none for most kinds)."""
    return TABLES.get(kind, ())


def find(kind: str, name: str) -> Table | None:
    return next((t for t in tables(kind) if t.name == name), None)


def rows(store: GraphStore, table: Table, entity: str) -> list[Row]:
    """Every row of `table` for `entity` (at most MAX_ROWS + 1: one more says the list was cut), read once per
    build: every page and order of the table, and its downloads, are cut from them."""
    return page_cache.cached(store, ("table", table.name, entity), lambda: table.read(store, entity))


def sorted_rows(found: list[Row], table: Table, sort: str, descending: bool) -> list[Row]:
    """`found` sorted by column `sort` (empty values last in either order), then by the row's link, so
    that every page of every order is stable."""
    column = table.column(sort) or table.column(table.sort)
    assert column is not None
    key = column.key
    ordered = sorted(found, key=lambda r: str(r.get(table.identity + "@iri")))
    present = [r for r in ordered if r.get(key) is not None]
    missing = [r for r in ordered if r.get(key) is None]
    if column.kind in (EUROS, NUMBER):
        present.sort(key=lambda r: r[key], reverse=descending)   # type: ignore[arg-type, return-value]
    else:
        present.sort(key=lambda r: str(r[key]).casefold(), reverse=descending)
    return present + missing


@dataclass(frozen=True)
class View:
    """One sorted page of a table (`page` of `last`), or the whole list (`page` 0) for a download."""

    table: Table
    entity: str
    total: int
    truncated: bool
    sort: str
    descending: bool
    page: int
    last: int
    rows: list[Row]


def view(store: GraphStore, table: Table, entity: str, sort: str | None, descending: bool | None,
         page: int, size: int = PAGE_SIZE) -> View:
    """Page `page` (1-based; 0: every row) of the table sorted by `sort` (a column key)."""
    sort = sort if sort and table.column(sort) else table.sort
    descending = table.descending if descending is None and sort == table.sort else bool(descending)
    found = rows(store, table, entity)
    truncated = len(found) > MAX_ROWS
    found = sorted_rows(found[:MAX_ROWS], table, sort, descending)
    last = paging.last_page(len(found), size)
    chosen = found if page == 0 else paging.page_of(found, page, size)
    return View(table, entity, len(found), truncated, sort, descending, page, last, chosen)


# ---------------------------------------------------------------------------------------- downloads

def _plain(value: object, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.replace(".", ",") if decimal_comma else text
    return str(value)


def to_csv(v: View, decimal_comma: bool = False) -> bytes:
    """CSV as a French spreadsheet opens it: UTF-8 with a byte order mark (Excel reads the encoding from it),
    `;` between fields, one header row; a link column also gives the IRI; amounts in plain digits, with a
    decimal comma when asked (`?decimal=comma`) and a point otherwise."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    header: list[str] = []
    for c in v.table.columns:
        header += [c.label, f"{c.label} (IRI)"] if c.kind == LINK else [c.label]
    writer.writerow(header)
    for r in v.rows:
        line: list[str] = []
        for c in v.table.columns:
            line.append(_plain(r.get(c.key), decimal_comma))
            if c.kind == LINK:
                line.append(_plain(r.get(c.key + "@iri"), False))
        writer.writerow(line)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def to_json(v: View, url: Callable[[int], str], fetched: str) -> bytes:
    """The rows as JSON objects keyed by column, and, for one page, its Hydra view (first/last/previous/next)."""
    doc: dict[str, object] = {
        "table": v.table.name, "caption": v.table.caption, "of": v.entity,
        "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in v.table.columns],
        "sort": v.sort, "order": "desc" if v.descending else "asc", "totalItems": v.total,
        "truncated": v.truncated,
        "member": [{k.replace("@iri", "_iri"): _json_value(x) for k, x in r.items()} for r in v.rows]}
    if v.page:
        links = {"@id": fetched, "@type": "hydra:PartialCollectionView", "first": url(1), "last": url(v.last)}
        if v.page > 1:
            links["previous"] = url(v.page - 1)
        if v.page < v.last:
            links["next"] = url(v.page + 1)
        doc["view"] = links
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
