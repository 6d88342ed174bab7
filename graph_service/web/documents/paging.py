"""The one Hydra writer: a listing as a `hydra:Collection`, one page of it as a `hydra:PartialCollectionView`
with its first/last/previous/next links; and the page arithmetic shared by every paged document
(the catalog's datasets, the links pointing to an entity).

The view is the URL the client fetched: link-traversal clients (Comunica) read `hydra:next` only from
the document's own URL, so page 1 fetched as `/catalog.ttl` or as an entity's bare IRI must say
`</catalog.ttl> hydra:next <...?page=2>`. Page 1's URL is the listing's URL without `page`, so a
client walking first/previous/next meets each page under one URL only (and never counts it twice).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TypeVar
from urllib.parse import quote

from mappings.namespaces import A, PREFIXES, XSD, Namespace
from mappings.terms import Triple, iri, typed

HYDRA = Namespace(PREFIXES["hydra"])
#: What a query string keeps as sent in the view's IRI (the rest is percent-encoded, as clients send it).
_QUERY_SAFE = "/?:@!$&'()*+,;=%-._~"
T = TypeVar("T")


def last_page(total: int, size: int) -> int:
    """The number of pages of `total` items (an empty listing still has its page 1)."""
    return max(1, math.ceil(total / size))


def page_of(items: Sequence[T], number: int, size: int) -> list[T]:
    """The items of page `number` (1-based)."""
    return list(items[(number - 1) * size: number * size])


def collection(node: str, total: int) -> list[Triple]:
    """`node` (an IRI) as a Hydra collection of `total` items, without a view (an unpaged listing)."""
    return [(iri(node), A, HYDRA.Collection), (iri(node), HYDRA.totalItems, typed(total, XSD.integer))]


def fetched_url(public_url: str, query: str) -> str:
    """The URL a client fetched: the public URL of the request's path (from the configured base, never
    the Host header) and its query string as sent (what the client compares `hydra:view` with)."""
    return public_url + (f"?{quote(query, safe=_QUERY_SAFE)}" if query else "")


def paged_collection(node: str, total: int, page: int, last: int, url: Callable[[int], str],
                     fetched: str | None = None) -> list[Triple]:
    """The collection and page `page` as its view; `url(n)` is the absolute URL of page n, `fetched` the
    URL the client fetched this page at (the view's IRI; default `url(page)`)."""
    view = iri(fetched or url(page))
    out = [*collection(node, total), (iri(node), HYDRA.view, view), (view, A, HYDRA.PartialCollectionView),
           (view, HYDRA.first, iri(url(1))), (view, HYDRA.last, iri(url(last)))]
    if page > 1:
        out.append((view, HYDRA.previous, iri(url(page - 1))))
    if page < last:
        out.append((view, HYDRA.next, iri(url(page + 1))))
    return out


def ntriples(triples: Sequence[Triple]) -> str:
    """N-Triples text of term tuples (what `GraphStore.construct` takes as `extra`)."""
    return "".join(f"{s} {p} {o} .\n" for s, p, o in triples)
