"""The DCAT catalog as harvesters read it: paging parameters, the queries that make each page
self-contained, and the Hydra links between pages.

A page holds the catalog record (title, publisher, licence...), `dcat:dataset` links to the page's
datasets only, and everything those datasets reach in the catalog and EU vocabulary graphs: their
distributions, publishers, licences, periods, and the EU concepts with their scheme and labels
(DCAT-AP's vocabulary shapes check `skos:inScheme` in the document itself, and udata keeps a theme
only if its `skos:prefLabel` is there). User values never reach the query text raw: page numbers
are integers, dates are parsed and re-written, identifiers become escaped literals, dataset IRIs
come from the store and are written with `mappings.terms.iri`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlencode

from mappings.catalog import is_catalog
from mappings.iri import split_base
from mappings.namespaces import PREFIXES, XSD, sparql_prologue
from mappings.terms import Triple, iri, literal, typed

from graph_service.web.bounds import MAX_PAGE, whole_number
from graph_service.web.documents import paging

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
#: The prefixes written in Turtle / RDF/XML and in the JSON-LD @context.
DOCUMENT_PREFIXES = {name: PREFIXES[name] for name in (
    "rdf", "rdfs", "xsd", "owl", "skos", "dct", "dcat", "adms", "foaf", "vcard", "hydra")}


class BadParameter(ValueError):
    """A query parameter the catalog cannot use (-> 400 naming it)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"parameter `{name}`: {message}")


@dataclass(frozen=True)
class Request:
    """What a harvester asked for: a page (None = the unpaged dump), its size, a date filter."""

    page: int | None
    page_size: int
    modified_since: str | None  # xsd:dateTime lexical form, UTC


def _integer(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        return whole_number(raw, low, high)
    except ValueError as exc:
        raise BadParameter(name, str(exc)) from None


_UNENCODED_PLUS = re.compile(r" (\d\d:?\d\d)$")


def parse_since(raw: str) -> str:
    """A date (`2025-01-31`: midnight UTC) or date-time (`2025-01-31T12:00:00+01:00`; no zone:
    UTC) as a UTC xsd:dateTime lexical form. A `+` left unencoded in a URL arrives as a space."""
    try:
        moment = datetime.fromisoformat(_UNENCODED_PLUS.sub(r"+\1", raw.strip()))
    except ValueError:
        raise BadParameter("modified_since", f"not an ISO 8601 date or date-time: {raw!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_request(params: Mapping[str, str], paged: bool = True) -> Request:
    """The checked parameters of a catalog request (`paged=False`: the full dump, no page)."""
    since = params.get("modified_since")
    return Request(
        page=_integer(params, "page", 1, 1, MAX_PAGE) if paged else None,
        page_size=_integer(params, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
        modified_since=parse_since(since) if since else None,
    )


def catalog_graphs(named_graphs: list[str]) -> list[str]:
    """The store's graphs a catalog document is made of: the catalog and its EU vocabularies,
    the catalog graph first."""
    names = {g: found[1].key for g in named_graphs if (found := split_base(g)) and found[1].kind == "graph"}
    return sorted((g for g, name in names.items() if is_catalog(name)), key=lambda g: names[g] != "catalog")


def datasets_query(modified_since: str | None) -> str:
    """The catalog and its datasets (optionally those modified since a date), in identifier order."""
    since = ""
    if modified_since:
        since = (f"?ds dct:modified ?modified . "
                 f"FILTER(?modified >= {typed(modified_since, XSD.dateTime)})")
    return sparql_prologue("dcat", "dct") + (
        "SELECT ?catalog ?ds WHERE { ?catalog a dcat:Catalog ; dcat:dataset ?ds . "
        f"?ds dct:identifier ?id . {since} }} ORDER BY ?id ?ds")


def catalog_query() -> str:
    return sparql_prologue("dcat") + "SELECT ?catalog WHERE { ?catalog a dcat:Catalog } LIMIT 1"


def dataset_by_identifier(identifier: str) -> str:
    """The dataset whose dct:identifier is `identifier` (an escaped literal in the query)."""
    return sparql_prologue("dcat", "dct") + (
        f"SELECT ?ds WHERE {{ ?ds a dcat:Dataset ; dct:identifier {literal(identifier)} }} LIMIT 1")


def identifiers_query(datasets: list[str]) -> str:
    """The identifier of some datasets, in identifier order (for the HTML view of a page)."""
    values = " ".join(iri(d) for d in datasets)
    return sparql_prologue("dct") + (
        f"SELECT ?ds ?id WHERE {{ VALUES ?ds {{ {values} }} ?ds dct:identifier ?id }} ORDER BY ?id")


def document_query(graph: str, roots: list[str], catalog: str | None = None, members: list[str] = ()) -> str:
    """CONSTRUCT the triples of every node reachable from `roots` (IRIs) in the catalog `graph`
    except through `dcat:dataset`, and of those nodes' concept schemes; plus the `dcat:dataset`
    links from `catalog` to `members` only. Run it with the catalog and EU graphs as default graph.

    The walk stays in the catalog graph, whose links reach every node (EU concepts included, as
    objects): walking the union of the graphs gives the same nodes three times slower.
    """
    values = " ".join(iri(r) for r in roots)
    links = ""
    if catalog and members:
        links = (f" UNION {{ VALUES ?ds {{ {' '.join(iri(m) for m in members)} }} "
                 f"BIND({iri(catalog)} AS ?cat) ?cat dcat:dataset ?ds }}")
    reached = (f"SELECT DISTINCT ?n WHERE {{ VALUES ?root {{ {values} }} "
               f"GRAPH {iri(graph)} {{ ?root (!dcat:dataset)* ?n }} FILTER(!isLiteral(?n)) }}")
    return sparql_prologue("dcat", "skos") + (
        "CONSTRUCT { ?node ?p ?o . ?cat dcat:dataset ?ds } WHERE { "
        f"{{ {{ SELECT DISTINCT ?node WHERE {{ {{ {reached} }} ?n skos:inScheme? ?node }} }} "
        f"?node ?p ?o FILTER(?p != dcat:dataset) }}{links} }}")


@dataclass(frozen=True)
class Paging:
    """The pages of one listing, with absolute URLs built from the configured public base."""

    url: str  # public URL of the listing, without query string (e.g. {base}/catalog.ttl)
    request: Request
    total: int

    @property
    def last(self) -> int:
        return paging.last_page(self.total, self.request.page_size)

    def page_url(self, page: int) -> str:
        """The URL of page `page`; page 1's has no `page` (it is the harvest URL itself)."""
        params: dict[str, str | int] = {"page": page} if page > 1 else {}
        if self.request.page_size != DEFAULT_PAGE_SIZE:
            params["page_size"] = self.request.page_size
        if self.request.modified_since:
            params["modified_since"] = self.request.modified_since
        return f"{self.url}?{urlencode(params)}" if params else self.url

    def members(self, datasets: list[str]) -> list[str]:
        """The datasets of the requested page."""
        return paging.page_of(datasets, self.request.page, self.request.page_size)

    def hydra(self, catalog: str, fetched: str | None = None) -> list[Triple]:
        """The catalog as a Hydra collection and this page, fetched at `fetched`, as its partial view."""
        return paging.paged_collection(catalog, self.total, self.request.page, self.last, self.page_url, fetched)
