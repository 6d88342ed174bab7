"""What the server says about one entity IRI: its own statements, the links pointing to it
(grouped by property, paged), and readable labels for everything shown.

The request path is checked against the IRI grammar of `mappings/iri.py` before any query is
written: the kind must be one of `KINDS`, each key segment only unreserved characters or %XX,
and the IRI is re-minted by `Minter` and written with `mappings.terms.iri`. User text never
reaches SPARQL any other way; the page number is an integer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import unquote

from mappings.iri import KINDS, Minter
from mappings.namespaces import PREFIXES, Namespace, sparql_prologue
from mappings.terms import iri as iri_term
from mappings.terms import literal

from graph_service.store import GraphStore

HYDRA = Namespace(PREFIXES["hydra"])
FOAF_TOPIC = f"<{PREFIXES['foaf']}primaryTopic>"
XSD_INTEGER = f"<{PREFIXES['xsd']}integer>"

#: Incoming links per page (RDF and HTML alike).
PAGE_SIZE = 200
#: Properties that name a thing, best first (a French label wins over others of the same property).
LABEL_PROPERTIES = ("skos:prefLabel", "rdfs:label", "dct:title", "igeo:nom", "foaf:name", "rov:legalName",
                    "skos:notation", "dct:identifier")
#: The other IRIs a build mints under the base (`Minter.graph`, `Minter.resource`): named graphs,
#: source files, build activities, the software agent. They dereference like entities.
RESOURCE_ROOTS = frozenset({"graph", "source", "build", "software"})
_SEGMENT = re.compile(r"^(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+$")


@dataclass(frozen=True)
class Candidate:
    """One reading of a request path: the entity IRI and the extension that was split off (if any)."""

    kind: str
    keys: tuple[str, ...]
    iri: str
    ext: str | None
    canonical: bool   # False when the path spelled the key with another (valid) percent-encoding


def candidates(raw_path: str, minter: Minter, extensions: set[str]) -> list[Candidate]:
    """The IRIs a raw request path (`/id/commune/75056.ttl`, `/graph/cpv`) may name, most literal first.

    A key may contain a dot (`naf/64.19Z`), so `x.ttl` is tried whole first, then as `x` + `.ttl`.
    An empty list means the path cannot be one of our IRIs (-> 404 without querying).
    """
    parts = raw_path.split("/")
    if len(parts) >= 4 and parts[:2] == ["", "id"] and parts[2] in KINDS:
        kind, segments = parts[2], parts[3:]
    elif len(parts) >= 3 and parts[0] == "" and parts[1] in RESOURCE_ROOTS:
        kind, segments = parts[1], parts[2:]
    else:
        return []
    readings = [(segments, None)]
    stem, dot, ext = segments[-1].rpartition(".")
    if dot and stem and ext in extensions:
        readings.append(([*segments[:-1], stem], ext))
    out = []
    for segs, extension in readings:
        if not all(_SEGMENT.match(s) for s in segs):
            continue
        try:
            keys = tuple(unquote(s, errors="strict") for s in segs)
            if parts[1] == "id":
                minted, written = minter.entity_iri(kind, *keys), f"{minter.base}/id/{kind}/" + "/".join(segs)
            else:   # not minted from codes: the path is the IRI
                minted = written = f"{minter.base}/{kind}/" + "/".join(segs)
        except (ValueError, UnicodeDecodeError):
            continue
        out.append(Candidate(kind, keys, minted, extension, canonical=minted == written))
    return out


def exists(store: GraphStore, iri: str) -> bool:
    """The IRI is the subject or the object of at least one triple (every minted IRI is)."""
    t = iri_term(iri)
    return bool(store.query(f"ASK {{ {{ {t} ?p ?o }} UNION {{ ?s ?p {t} }} }}"))


def terms(store: GraphStore, sparql: str) -> list[dict]:
    """SELECT rows as {variable: term}; `str(term)` is its N-Triples form (`<iri>`, `"text"@fr`, `_:b`)."""
    results = store.query(sparql)
    names = [v.value for v in results.variables]
    return [{n: row[n] for n in names if row[n] is not None} for row in results]


def is_iri(term) -> bool:
    return str(term).startswith("<")


def is_blank(term) -> bool:
    return str(term).startswith("_:")


def outgoing(store: GraphStore, iri: str) -> list[tuple]:
    """(property, value) of the entity's own statements over all graphs, without repeats."""
    rows = terms(store, f"SELECT DISTINCT ?p ?o WHERE {{ {iri_term(iri)} ?p ?o }}")
    return sorted(((r["p"], r["o"]) for r in rows), key=lambda po: (str(po[0]), str(po[1])))


def blank_details(store: GraphStore, iri: str) -> dict[str, list[tuple]]:
    """Statements of the blank nodes the entity points to (a period of time...), by node."""
    rows = terms(store, f"SELECT DISTINCT ?o ?p ?v WHERE {{ {iri_term(iri)} ?q ?o FILTER(isBlank(?o)) ?o ?p ?v }}")
    out: dict[str, list[tuple]] = {}
    for r in rows:
        out.setdefault(str(r["o"]), []).append((r["p"], r["v"]))
    return {node: sorted(pairs, key=lambda pv: (str(pv[0]), str(pv[1]))) for node, pairs in out.items()}


@dataclass
class Incoming:
    """The links pointing to an entity: (property, subject) pairs in a stable order (property, subject).

    Fetched whole and sorted here: Oxigraph's ORDER BY costs seconds on a few thousand rows, the
    unsorted DISTINCT milliseconds, and a page must never depend on an unordered result.
    """

    links: list[tuple]

    @property
    def total(self) -> int:
        return len(self.links)

    @property
    def last_page(self) -> int:
        return last_page(self.total)

    def counts(self) -> list[tuple]:
        """(property, number of subjects) in property order."""
        out: dict[str, list] = {}
        for p, _ in self.links:
            out.setdefault(str(p), [p, 0])[1] += 1
        return [(p, n) for p, n in out.values()]

    def page(self, number: int) -> list[tuple]:
        return self.links[(number - 1) * PAGE_SIZE: number * PAGE_SIZE]


def incoming(store: GraphStore, iri: str) -> Incoming:
    """Every distinct (property, subject) linking to the entity, over all graphs."""
    rows = terms(store, f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {iri_term(iri)} }}")
    return Incoming(sorted(((r["p"], r["s"]) for r in rows), key=lambda ps: (str(ps[0]), str(ps[1]))))


def sources(store: GraphStore, iri: str) -> list[tuple[str, str]]:
    """(graph IRI, title) of the named graphs (sources) that state something about the entity."""
    rows = store.select(sparql_prologue("dct") + f"SELECT DISTINCT ?g ?title WHERE {{ GRAPH ?g {{ {iri_term(iri)} ?p ?o }} "
                        f"OPTIONAL {{ ?g dct:title ?title }} }} ORDER BY ?g")
    return [(r["g"], r.get("title", r["g"])) for r in rows]


def labels(store: GraphStore, iris: set[str]) -> dict[str, str]:
    """A display label per IRI term that has one (best property, then French, untagged, English)."""
    found: dict[str, tuple[int, int, str]] = {}
    todo = sorted(t for t in iris if t.startswith("<"))
    lang_rank = {"fr": 0, "": 1, "en": 2}
    for start in range(0, len(todo), 400):
        values = " ".join(todo[start:start + 400])
        props = ", ".join(LABEL_PROPERTIES)
        rows = store.query(sparql_prologue("skos", "rdfs", "dct", "igeo", "foaf", "rov")
                           + f"SELECT ?x ?p ?l WHERE {{ VALUES ?x {{ {values} }} ?x ?p ?l FILTER(?p IN ({props})) }}")
        expanded = [_expand(p) for p in LABEL_PROPERTIES]
        for row in rows:
            x, p, label = str(row["x"]), row["p"].value, row["l"]
            lang = getattr(label, "language", None) or ""
            rank = (expanded.index(p), lang_rank.get(lang, 3), label.value)
            if x not in found or rank < found[x]:
                found[x] = rank
    return {x: r[2] for x, r in found.items()}


def _expand(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    return PREFIXES[prefix] + local


def last_page(total: int) -> int:
    return max(1, math.ceil(total / PAGE_SIZE))


def page_url(iri: str, page: int) -> str:
    return f"{iri}?page={page}"


def document(iri: str, links: Incoming, page: int) -> tuple[str, str]:
    """The RDF description: a CONSTRUCT of the entity's statements (and its blank nodes and hash IRIs), and the
    N-Triples of one page of incoming links with their Hydra paging description."""
    t = iri_term(iri)
    own = literal(iri + "#")   # hash IRIs (`source/x.csv#sha256`) are fetched with their document
    construct = (f"CONSTRUCT {{ {t} ?p ?o . ?o ?bp ?bo }} WHERE {{ {t} ?p ?o "
                 f"OPTIONAL {{ FILTER(isBlank(?o) || STRSTARTS(STR(?o), {own})) ?o ?bp ?bo }} }}")
    lines = [f"{s} {p} {t} ." for p, s in links.page(page)]
    return construct, "\n".join(lines) + "\n" + paging_triples(iri, links.total, page)


def paging_triples(iri: str, total: int, page: int) -> str:
    """Hydra description of the incoming links (N-Triples): how many, and the links between pages."""
    collection, view = iri_term(f"{iri}#incoming"), iri_term(page_url(iri, page))
    lines = [f"{collection} <{PREFIXES['rdf']}type> {HYDRA.Collection} .",
             f"{collection} {HYDRA.totalItems} \"{total}\"^^{XSD_INTEGER} .",
             f"{collection} {FOAF_TOPIC} {iri_term(iri)} ."]
    last = last_page(total)
    if last > 1:
        lines += [f"{collection} {HYDRA.view} {view} .",
                  f"{view} <{PREFIXES['rdf']}type> {HYDRA.PartialCollectionView} .",
                  f"{view} {HYDRA.first} {iri_term(page_url(iri, 1))} .",
                  f"{view} {HYDRA.last} {iri_term(page_url(iri, last))} ."]
        if page > 1:
            lines.append(f"{view} {HYDRA.previous} {iri_term(page_url(iri, page - 1))} .")
        if page < last:
            lines.append(f"{view} {HYDRA.next} {iri_term(page_url(iri, page + 1))} .")
    return "\n".join(lines) + "\n"


