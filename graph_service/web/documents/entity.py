"""What the server says about one entity IRI: its own statements, the links pointing to it
(grouped by property, paged), and readable labels for everything shown.

The request path is checked against the IRI grammar of `mappings/iri.py` (`Minter.parse`) before
any query is written: the kind must be one of `KINDS`, each key segment only unreserved characters
or %XX, and the IRI is re-minted by `Minter` and written with `mappings.terms.iri`. User text never
reaches SPARQL any other way; the page number is an integer.
"""

from __future__ import annotations

from dataclasses import dataclass

from mappings.iri import KINDS, Minter
from mappings.namespaces import FOAF, sparql_prologue
from mappings.terms import iri as iri_term
from mappings.terms import literal

from graph_service.store import GraphStore
from graph_service.web import page_cache
from graph_service.web.documents import paging

#: Incoming links per page (RDF and HTML alike).
PAGE_SIZE = 200


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
    readings: list[tuple[str, str | None]] = [(raw_path, None)]
    stem, dot, ext = raw_path.rpartition(".")
    if dot and ext in extensions and not stem.endswith("/"):
        readings.append((stem, ext))
    out = []
    for path, extension in readings:
        written = minter.base + path
        parsed = minter.parse(written)
        if parsed is None:
            continue
        try:   # the path of a resource root is its IRI: only entity IRIs are minted from codes
            minted = minter.entity_iri(parsed.kind, *parsed.keys) if parsed.kind in KINDS else written
        except ValueError:
            continue
        out.append(Candidate(parsed.kind, parsed.keys, minted, extension, canonical=minted == written))
    return out


def exists(store: GraphStore, iri: str) -> bool:
    """The IRI is the subject or the object of at least one triple (every minted IRI is)."""
    t = iri_term(iri)
    return store.ask(f"ASK {{ {{ {t} ?p ?o }} UNION {{ ?s ?p {t} }} }}")


def is_iri(term) -> bool:
    return str(term).startswith("<")


def is_blank(term) -> bool:
    return str(term).startswith("_:")


def outgoing(store: GraphStore, iri: str) -> list[tuple]:
    """(property, value) of the entity's own statements over all graphs, without repeats."""
    rows = store.terms(f"SELECT DISTINCT ?p ?o WHERE {{ {iri_term(iri)} ?p ?o }}")
    return sorted(((r["p"], r["o"]) for r in rows), key=lambda po: (str(po[0]), str(po[1])))


def blank_details(store: GraphStore, iri: str) -> dict[str, list[tuple]]:
    """Statements of the blank nodes the entity points to (a period of time...), by node."""
    rows = store.terms(f"SELECT DISTINCT ?o ?p ?v WHERE {{ {iri_term(iri)} ?q ?o FILTER(isBlank(?o)) ?o ?p ?v }}")
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
        return paging.last_page(self.total, PAGE_SIZE)

    def counts(self) -> list[tuple]:
        """(property, number of subjects) in property order."""
        out: dict[str, list] = {}
        for p, _ in self.links:
            out.setdefault(str(p), [p, 0])[1] += 1
        return [(p, n) for p, n in out.values()]

    def page(self, number: int) -> list[tuple]:
        return paging.page_of(self.links, number, PAGE_SIZE)


def incoming(store: GraphStore, iri: str) -> Incoming:
    """Every distinct (property, subject) linking to the entity, over all graphs: read once per build, for
    every page of them, format and language (a commune's DVF sales alone: thousands)."""
    def read() -> Incoming:
        rows = store.terms(f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {iri_term(iri)} }}")
        return Incoming(sorted(((r["p"], r["s"]) for r in rows), key=lambda ps: (str(ps[0]), str(ps[1]))))
    return page_cache.cached(store, ("incoming", iri), read,
                             lambda found: sum(len(p.value) + len(s.value) + 150 for p, s in found.links) + 100)


def sources(store: GraphStore, iri: str) -> list[tuple[str, str]]:
    """(graph IRI, title) of the named graphs (sources) that state something about the entity."""
    rows = store.select(sparql_prologue("dct") + f"SELECT DISTINCT ?g ?title WHERE {{ GRAPH ?g {{ {iri_term(iri)} ?p ?o }} "
                        f"OPTIONAL {{ ?g dct:title ?title }} }} ORDER BY ?g")
    return [(r["g"], r.get("title", r["g"])) for r in rows]


def page_url(iri: str, page: int) -> str:
    """Page 1 of the links is the entity's IRI itself (one URL per page: see `paging`)."""
    return f"{iri}?page={page}" if page > 1 else iri


def document(iri: str, links: Incoming, page: int, fetched: str | None = None) -> tuple[str, str]:
    """The RDF description: a CONSTRUCT of the entity's statements (and its blank nodes and hash IRIs, two
    levels deep: a contract's `#terms` and their `#place`), and the
    N-Triples of one page of incoming links with their Hydra paging description (`fetched`: the URL the
    client fetched, the view's IRI)."""
    t = iri_term(iri)
    own = literal(iri + "#")   # hash IRIs (`source/x.csv#sha256`) are fetched with their document
    def inner(v: str) -> str:   # a node described in this document
        return f"isBlank(?{v}) || STRSTARTS(STR(?{v}), {own})"
    construct = (f"CONSTRUCT {{ {t} ?p ?o . ?o ?bp ?bo . ?bo ?cp ?co }} WHERE {{ {t} ?p ?o "
                 f"OPTIONAL {{ FILTER({inner('o')}) ?o ?bp ?bo "
                 f"OPTIONAL {{ FILTER({inner('bo')}) ?bo ?cp ?co }} }} }}")
    lines = [f"{s} {p} {t} ." for p, s in links.page(page)]
    return construct, "\n".join(lines) + "\n" + paging_triples(iri, links.total, page, fetched)


def paging_triples(iri: str, total: int, page: int, fetched: str | None = None) -> str:
    """Hydra description of the incoming links (N-Triples): how many, and the links between pages
    (no view when they fit on one page)."""
    collection = f"{iri}#incoming"
    last = paging.last_page(total, PAGE_SIZE)
    hydra = (paging.paged_collection(collection, total, page, last, lambda n: page_url(iri, n), fetched) if last > 1
             else paging.collection(collection, total))
    return paging.ntriples([*hydra, (iri_term(collection), FOAF.primaryTopic, iri_term(iri))])
