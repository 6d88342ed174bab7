"""The store interface: `Store`, what the commands and the web layer may ask of a built graph, and
`GraphStore`, its embedded Oxigraph implementation (with the build's loader, the only code that
talks to pyoxigraph).

Callers get rows of `Term` (ours, not the library's) and bytes in a media type, so that a remote
SPARQL 1.1 engine can replace the embedded one (graph_service/remote_store.py). A built store lives in a
directory named by its build id (`new_build_id`), which is also the served version (`Store.version`). A query's default graph
is the RDF merge of the named graphs, a set: a built store is read through Oxigraph's union of its named
graphs, which the build checked holds no triple twice (then the file `UNION_IS_A_SET` is in its directory),
or, should sources state a triple twice, holds the merge as its default graph (graph_service/build/load.py).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Iterator, NamedTuple, Protocol

import pyoxigraph as ox

from graph_service import search
from graph_service.config import Settings

CURRENT = "current"
#: in a store's directory: the build checked that no triple is in two named graphs (their union is a set)
UNION_IS_A_SET = "union-is-a-set"
BUILD_PREFIX = "build-"
_BUILD_TIME = "%Y%m%dT%H%M%SZ"


class StoreMissing(Exception):
    """No graph has been built yet where the command looked."""


def new_build_id(started: datetime) -> str:
    """The id of a build started at `started` (UTC): sortable, and unique within the second."""
    return f"{BUILD_PREFIX}{started.strftime(_BUILD_TIME)}-{time.monotonic_ns() % 100000:05d}"


def build_time(build_id: str) -> datetime | None:
    """When the build `build_id` started (None for a store directory not named by a build)."""
    stamp = build_id.removeprefix(BUILD_PREFIX).split("-")[0]
    try:
        return datetime.strptime(stamp, _BUILD_TIME).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


class Term(NamedTuple):
    """An RDF term of a result row. `str(term)` is its N-Triples text (`<iri>`, `"text"@fr`, `_:b1`);
    `kind` is "iri", "blank" or "literal"; `datatype` is an IRI (literals only). A named tuple, as it is made
    for every cell a caller reads: the search index reads its 379,000 rows (10k harness) in 5.4 s so, 7.9 s
    with a frozen dataclass and cells looked up by name (3.7 s iterating pyoxigraph's rows alone)."""

    nt: str
    value: str
    kind: str
    language: str | None = None
    datatype: str | None = None

    def __str__(self) -> str:
        return self.nt


class Results(Protocol):
    """A query's results before serialization: `kind` ("solutions", "boolean" or "graph") says
    which media types can carry them (SPARQL results formats, or RDF formats for a graph)."""

    kind: str

    def write(self, media_type: str, out: BinaryIO) -> None: ...
    def variables(self) -> list[str]: ...
    def rows(self) -> Iterator[dict[str, Term]]: ...
    def __bool__(self) -> bool: ...


class Store(Protocol):
    """What the commands and the web layer ask of a built graph."""

    path: Path

    def query(self, sparql: str, *, union_default_graph: bool = True, default_graph: list[str] | None = None,
              named_graphs: list[str] | None = None, base_iri: str | None = None) -> Results: ...
    def select(self, sparql: str) -> list[dict[str, str]]: ...
    def terms(self, sparql: str) -> list[dict[str, Term]]: ...
    def ask(self, sparql: str) -> bool: ...
    def construct(self, sparql: str, media_type: str, *, default_graph: list[str] | None = None,
                  extra: str = "", prefixes: dict[str, str] | None = None) -> bytes: ...
    def named_graphs(self) -> list[str]: ...
    def version(self) -> tuple[str, datetime]: ...
    def dump_graph(self, graph: str, path: Path) -> None: ...
    def write_graph(self, graph: str | None, media_type: str, out: BinaryIO,
                    prefixes: dict[str, str] | None = None) -> None: ...
    def search(self, text: str, limit: int = 10) -> list[search.Hit]: ...
    def labels(self, text: str, kind: str | None, limit: int, offset: int) -> list[search.Label]: ...


def term(node: ox.NamedNode | ox.BlankNode | ox.Literal) -> Term:
    """A pyoxigraph term as ours."""
    if isinstance(node, ox.NamedNode):
        return Term(str(node), node.value, "iri")
    if isinstance(node, ox.BlankNode):
        return Term(str(node), node.value, "blank")
    return Term(str(node), node.value, "literal", node.language, node.datatype.value)


def read_nquads(path: Path) -> Iterator[tuple[Term, Term, Term]]:
    """(subject, predicate, object) of each quad of an N-Quads file, as our terms (the build reads a file it
    writes before the file is loaded: the cubes' names, graph_service/build/search_index.py)."""
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
        yield term(quad.subject), term(quad.predicate), term(quad.object)


def document(triples: list[ox.Triple], media_type: str, extra: str = "", prefixes: dict[str, str] | None = None) -> bytes:
    """Triples plus `extra` (N-Triples text) as one document the server builds (catalog pages): duplicates
    dropped, grouped by subject so that Turtle comes out readable."""
    if extra:
        triples = triples + [q.triple for q in ox.parse(extra.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)]
    unique = sorted(dict.fromkeys(triples), key=lambda t: (str(t.subject), str(t.predicate)))
    return ox.serialize(unique, format=ox.RdfFormat.from_media_type(media_type), prefixes=prefixes)


class OxigraphResults:
    """`Results` of the embedded store (pyoxigraph's solutions, boolean or triples)."""

    def __init__(self, results: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> None:
        self._results = results
        self.kind = ("graph" if isinstance(results, ox.QueryTriples)
                     else "boolean" if isinstance(results, ox.QueryBoolean) else "solutions")

    def write(self, media_type: str, out: BinaryIO) -> None:
        """Serialize to `out` as `media_type` (ValueError if that type cannot carry this kind)."""
        formats = ox.RdfFormat if self.kind == "graph" else ox.QueryResultsFormat
        fmt = formats.from_media_type(media_type)
        if fmt is None:
            raise ValueError(f"{self.kind} results cannot be written as {media_type}")
        self._results.serialize(out, fmt)

    def variables(self) -> list[str]:
        return [v.value for v in self._results.variables] if self.kind == "solutions" else []

    def rows(self) -> Iterator[dict[str, Term]]:
        """SELECT rows as {variable: term}, unbound variables left out."""
        names = self.variables()
        for row in self._results:   # a row's terms in the variables' order (faster than by name)
            yield {n: term(node) for n, node in zip(names, row) if node is not None}

    def __bool__(self) -> bool:
        return bool(self._results)


class Shortcuts:
    """`select`, `terms` and `ask` over the subclass's `query`: written once for the embedded and the remote store."""

    def select(self, sparql: str) -> list[dict[str, str]]:
        """A SELECT query's rows as {variable: lexical value} (handy for summaries and tests)."""
        return [{n: t.value for n, t in row.items()} for row in self.query(sparql).rows()]

    def terms(self, sparql: str) -> list[dict[str, Term]]:
        """A SELECT query's rows as {variable: term}, for callers that tell IRIs from literals."""
        return list(self.query(sparql).rows())

    def ask(self, sparql: str) -> bool:
        return bool(self.query(sparql))


class GraphStore(Shortcuts):
    """A read-only view on a built store (the embedded Oxigraph `Store`)."""

    def __init__(self, path: Path, *, writable: bool = False) -> None:
        if not path.exists() and not writable:
            raise StoreMissing(f"no graph at {path}: run `bercy-graph build` first")
        self.path = path.resolve()
        # writable: only for the operator-enabled SPARQL Update test store, never a built store
        self._store = ox.Store(str(self.path)) if writable else ox.Store.read_only(str(self.path))
        # The default graph of a query: the merge a built store holds, else the union of the named graphs,
        # a set if the build checked it (`UNION_IS_A_SET`); a scratch store's (the update test store, or
        # one made by hand) may be a bag.
        self.merged = not writable and next(self._store.quads_for_pattern(None, None, None, ox.DefaultGraph()),
                                            None) is not None
        self.union_is_a_set = self.merged or (not writable and (self.path / UNION_IS_A_SET).exists())

    @classmethod
    def current(cls, settings: Settings) -> GraphStore:
        """The store the last successful build swapped in (its embedded copy, when an engine serves it)."""
        return cls(settings.store_root / CURRENT)

    def _query(self, sparql: str, *, union_default_graph: bool = True, default_graph: list[str] | None = None,
               named_graphs: list[str] | None = None, base_iri: str | None = None):
        kwargs: dict = {"base_iri": base_iri} if base_iri else {}
        if default_graph is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        elif union_default_graph and not self.merged:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        return self._store.query(sparql, **kwargs)

    def query(self, sparql: str, *, union_default_graph: bool = True, default_graph: list[str] | None = None,
              named_graphs: list[str] | None = None, base_iri: str | None = None) -> OxigraphResults:
        """Run a SPARQL query. By default the default graph is the merge of all named graphs."""
        return OxigraphResults(self._query(sparql, union_default_graph=union_default_graph,
                                           default_graph=default_graph, named_graphs=named_graphs,
                                           base_iri=base_iri))

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update (transactional); the store must have been opened writable."""
        self._store.update(sparql, base_iri=base_iri)

    def construct(self, sparql: str, media_type: str, *, default_graph: list[str] | None = None,
                  extra: str = "", prefixes: dict[str, str] | None = None) -> bytes:
        """A CONSTRUCT's triples plus `extra` (N-Triples text), serialized as `media_type` (`document`)."""
        return document(list(self._query(sparql, default_graph=default_graph)), media_type, extra, prefixes)

    def named_graphs(self) -> list[str]:
        """The IRIs of the named graphs."""
        return sorted(g.value for g in self._store.named_graphs())

    def version(self) -> tuple[str, datetime]:
        """The served build's id (its store directory) and when it was made (from the id, else the mtime)."""
        made = build_time(self.path.name)
        if made is None:
            made = datetime.fromtimestamp(self.path.stat().st_mtime, tz=timezone.utc).replace(microsecond=0)
        return self.path.name, made

    def dump_graph(self, graph: str, path: Path) -> None:
        """Write one named graph as N-Quads, graph name kept: the same file the build lifted.

        (`Store.dump(from_graph=...)` would write bare triples, landing in the default graph.)
        """
        quads = self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        ox.serialize(quads, str(path), format=ox.RdfFormat.N_QUADS)

    def search(self, text: str, limit: int = 10) -> list[search.Hit]:
        """Names and codes matching `text`, best first, from the index the build wrote in the store's folder."""
        return search.search(self.path, text, limit)

    def labels(self, text: str, kind: str | None, limit: int, offset: int) -> list[search.Label]:
        """Names containing `text` (any case), from the label index the build wrote in the store's folder."""
        return search.labels(self.path, text, kind, limit, offset)

    def write_graph(self, graph: str | None, media_type: str, out: BinaryIO,
                    prefixes: dict[str, str] | None = None) -> None:
        """Serialize one named graph (None: the default graph, the merge of all) to `out` as `media_type`,
        as it goes (the store writes in chunks: a graph is never held in memory; only the merge of a
        scratch store, unchecked, is made distinct in memory). ValueError for a media type that is not an
        RDF format."""
        fmt = ox.RdfFormat.from_media_type(media_type)
        if fmt is None:
            raise ValueError(f"no RDF format for {media_type}")
        if graph is not None or self.merged:
            source = ox.NamedNode(graph) if graph is not None else ox.DefaultGraph()
            self._store.dump(out, format=fmt, from_graph=source, prefixes=prefixes)
        elif self.union_is_a_set:   # the named graphs one after the other (2.28M triples: 112 MB, flat)
            triples = (q.triple for g in list(self._store.named_graphs())
                       for q in self._store.quads_for_pattern(None, None, None, g))
            ox.serialize(triples, out, fmt, prefixes=prefixes)
        else:
            merge = "CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
            self._store.query(merge).serialize(out, fmt)

