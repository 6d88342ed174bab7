"""Pages and figures made once per build: the one cache of the web layer.

A page, an RDF document or what pages share (a commune's medians, the links to an entity, a table's rows, the
VoID triples, the sitemap's URLs) depends only on the build being served, so it is computed once per build and
served from here until the store is swapped: the key always starts with the build's store directory, so a new
build never sees an old entry (old entries age out of the LRU). The cache is bounded by bytes (least recently
used first out), and one key is made by one thread at a time: fifty readers arriving together on a cold page
wait for the one rendering it instead of rendering it fifty times.

An entry of a whole answer (`Answer`) keeps its `http.Version`, so a conditional request on a cached
page is answered 304 before any query.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graph_service.store import GraphStore

T = TypeVar("T")
DEFAULT_BYTES = 128 * 2**20   # `Settings.page_cache_mib`


@dataclass(frozen=True)
class Answer:
    """A document ready to send (`http.send`): its body, media type, headers and version."""

    body: bytes
    media_type: str
    headers: Mapping[str, str] = field(default_factory=dict)
    version: Any = None   # http.Version (not imported: http imports the documents, keep this module a leaf)
    status: int = 200     # or a redirect (body empty, `Location` in the headers)

    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers.items()) + 200


class PageCache:
    """An LRU cache bounded by the bytes of its values, thread-safe, one maker per key at a time."""

    def __init__(self, max_bytes: int = DEFAULT_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._making: dict[Hashable, threading.Lock] = {}
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        with self._lock:
            if key in self._items:
                self._bytes -= self._items.pop(key)[1]
            if size > self.max_bytes:   # bigger than the whole cache: served, not kept
                return
            self._items[key] = (value, size)
            self._bytes += size
            self._evict()

    def _evict(self) -> None:
        """Drop the least recently used entries down to the bound (the lock held)."""
        while self._bytes > self.max_bytes:
            _, (_, dropped) = self._items.popitem(last=False)
            self._bytes -= dropped

    def get_or_make(self, key: Hashable, make: Callable[[], T], size: Callable[[T], int]) -> T:
        """The cached value of `key`, else `make()` (by one thread; the others wait for it). An
        exception of `make` (a 404, a query error) is not cached: it reaches every caller that made it.
        A cache of 0 bytes is off: every call makes its value (what serving was before this cache)."""
        if self.max_bytes == 0:
            return make()
        found = self.get(key)
        if found is not None:
            return found
        with self._lock:
            maker = self._making.setdefault(key, threading.Lock())
        with maker:
            found = self.get(key)
            if found is not None:
                return found
            try:
                value = make()
                with self._lock:
                    self.misses += 1
                self.put(key, value, size(value))
                return value
            finally:
                with self._lock:
                    self._making.pop(key, None)

    def resize(self, max_bytes: int) -> None:
        with self._lock:
            self.max_bytes = max_bytes
            self._evict()

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)


#: The web layer's one cache (sized by `Settings.page_cache_mib` when the app is made).
PAGES = PageCache()


def cached(store: GraphStore, identity: tuple, make: Callable[[], T], size: Callable[[T], int] | None = None) -> T:
    """`make()` once per build of `store` and `identity` (what else the value depends on: the public
    base, the path, the query, the format...). The store's directory names its build."""
    return PAGES.get_or_make((str(store.path), *identity), make, size or approximate_size)


def answer(store: GraphStore, identity: tuple, make: Callable[[], Answer]) -> Answer:
    """A whole document (see `Answer`), once per build and identity."""
    return cached(store, identity, make, Answer.size)


def approximate_size(value: object) -> int:
    """Bytes a figure takes, roughly (its text form): enough for an LRU bound."""
    if isinstance(value, (bytes, str)):
        return len(value) + 50
    if isinstance(value, (list, tuple)):
        return 50 + sum(approximate_size(v) for v in value)
    return len(repr(value)) + 50
