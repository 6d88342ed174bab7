"""`RemoteStore`: the `Store` interface over a SPARQL 1.1 Protocol + Graph Store Protocol server (an
Oxigraph server, Virtuoso...), selected by `BERCY_GRAPH_STORE` (graph_service/config.py), and
`publish`, the build's upload of a finished store to it.

Where the graph lives. A build still loads its embedded store first (graph_service/build/load.py: the
`void:triples` counts, the search index, the change feed all read it; `publish` reads its named graphs), then
`publish` sends its graphs to the engine through the Graph Store Protocol (one streamed PUT per named
graph, as N-Triples) under *staging* names `urn:bercy-graph:staging:{graph}`, and builds the merge
(what a query's default graph is) on the engine with `ADD` (a set union: a triple stated by two graphs is
stored once, and a blank node is the same node in its graph and in the merge) into whichever of the two
`MERGES` the served build does not read (emptied first: it held the build before).

The swap. One SPARQL Update request then `MOVE`s every staging graph onto its served name (named graphs
keep their IRIs, which queries name), drops the served graphs the new build no longer has, and rewrites the
pointer graph `POINTER` (the build id, its merge, the list of served graphs): the merge, half the data, is
not moved, only pointed at, and the served build's stays whole until the next publication. An engine runs one update request as one
transaction (Oxigraph: always, readers see a snapshot from before or after it; Virtuoso: in its default,
transactional log mode), so a query sees the old build or the new one, never half of each. A failed
build leaves only staging graphs, replaced by the next `publish` (a staging graph of a source that
then leaves the build stays, unseen: no query's dataset names it).

Every query names its dataset: the default graph is the pointer's merge and the named graphs its list
(`default-graph-uri` / `named-graph-uri`), unless the query text has its own FROM. So the staging graphs,
the pointer and the merge are never seen as data, and the engine's own notion of the default graph (Virtuoso:
the union, a bag, of every graph) never applies. The pointer is read at most every `POINTER_TTL`
seconds: a query sent in the instant of a swap may pair the new data with the graph list of the build
before (the same list unless the new build adds or drops a graph).

What stays local: the search index (SQLite, graph_service/search.py) is the file the build wrote beside
its embedded store, `{store_root}/{build id}/`; an instance on another machine needs that folder (shared
or copied). SPARQL Update on the public endpoint is not offered with a remote store.

Engines differ (docs/ARCHITECTURE.md, "Remote store", lists what the tests found): an Oxigraph server's
results are passed on as it wrote them; Virtuoso's (`typed-literal`, `nodeID://` blank nodes, ASK as a
one-row table, IRIs quoted in TSV) are read as JSON and written again by pyoxigraph (`Endpoints.relays`).
DESCRIBE is the engine's own (the spec leaves its answer to the engine).
"""

from __future__ import annotations

import io
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit, urlunsplit

import pyoxigraph as ox
import requests
from requests.auth import HTTPDigestAuth

from graph_service import search
from graph_service.config import Settings
from graph_service.store import CURRENT, GraphStore, Shortcuts, Store, StoreMissing, Term, build_time, document, term

#: the two places of the merge, the served build's and the next one's (double buffering: no merge is moved)
MERGES = ("urn:bercy-graph:merge:a", "urn:bercy-graph:merge:b")
POINTER = "urn:bercy-graph:current"
STAGING = "urn:bercy-graph:staging:"
_NS = "urn:bercy-graph:vocabulary#"
POINTER_TTL = 1.0      # seconds a read of the pointer graph is reused
SOLUTIONS = "application/sparql-results+json"
TRIPLES = "application/n-triples"
_TEXT = re.compile(r'#[^\n]*|<[^>\s]*>|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                   r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', re.S)
_FORM = re.compile(r"\b(FROM)\b", re.I)
_ANSWER = ox.Store()   # empty: where queries are parsed and boolean results made to be serialized
#: Virtuoso's answer header when it stopped a query at its time limit and sent what it had (an "anytime" query)
PARTIAL = "X-SQL-State"


@dataclass(frozen=True)
class Endpoints:
    """Where an engine takes queries, updates and Graph Store requests, and the credentials for writes.

    `BERCY_GRAPH_STORE` is the engine's base URL: `http://host:7878` is Oxigraph's layout (`/query`,
    `/update`, `/store`); a URL ending in `/sparql` is Virtuoso's (`/sparql` to read, `/sparql-auth` and
    `/sparql-graph-crud-auth` to write, HTTP digest with the URL's user and password)."""

    query: str
    update: str
    store: str
    auth: tuple[str, str] | None = None
    relays: bool = True   # its serializations are passed on as they are (else re-serialized by pyoxigraph)

    @classmethod
    def of(cls, url: str) -> Endpoints:
        parts = urlsplit(url)
        auth = (unquote(parts.username or ""), unquote(parts.password or "")) if parts.username else None
        bare = urlunsplit((parts.scheme, parts.hostname + (f":{parts.port}" if parts.port else ""),
                           parts.path.rstrip("/"), "", ""))
        if bare.endswith("/sparql"):
            return cls(bare, bare + "-auth", bare + "-graph-crud-auth", auth, relays=False)
        return cls(bare + "/query", bare + "/update", bare + "/store", auth)


def query_form(sparql: str, base_iri: str | None = None) -> tuple[str, bool]:
    """The kind of results a query gives ("solutions", "boolean", "graph") and whether its text names
    its own dataset (FROM, read from its words outside comments, IRIs and strings).

    The text is parsed by pyoxigraph first, over an empty store (its results are never read): only
    standard SPARQL 1.1 reaches the engine, not an engine's extensions (Virtuoso's `define` pragmas,
    its sponger's `get:soft`), and a syntax error is the same 400 as on the embedded store."""
    parsed = _ANSWER.query(sparql, base_iri=base_iri) if base_iri else _ANSWER.query(sparql)
    kind = ("graph" if isinstance(parsed, ox.QueryTriples)
            else "boolean" if isinstance(parsed, ox.QueryBoolean) else "solutions")
    return kind, "FROM" in (m.group(1).upper() for m in _FORM.finditer(_TEXT.sub(" ", sparql)))


def _remote_term(cell: dict) -> Term:
    """A term of SPARQL JSON results as ours (N-Triples text built by pyoxigraph, so escaping is right)."""
    kind, value = cell["type"], cell["value"]
    if kind == "uri":
        return term(ox.NamedNode(value))
    if kind == "bnode":   # Virtuoso: "nodeID://b10006", not an N-Triples label
        return term(ox.BlankNode(re.sub(r"[^A-Za-z0-9_]", "_", value.removeprefix("nodeID://"))))
    if "xml:lang" in cell:
        return term(ox.Literal(value, language=cell["xml:lang"]))
    datatype = cell.get("datatype")
    return term(ox.Literal(value, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(value))


class RemoteResults:
    """`Results` of a remote query: sent when read, as the media type asked for (converted by pyoxigraph
    from what the engine gives when it does not offer that type)."""

    def __init__(self, store: RemoteStore, sparql: str, params: dict, kind: str) -> None:
        self._store, self._sparql, self._params, self.kind = store, sparql, params, kind
        self._json: dict | None = None

    def _send(self, accept: str) -> requests.Response:
        return self._store._post_query(self._sparql, self._params, accept)

    def _solutions(self) -> dict:
        if self._json is None:
            with self._send(SOLUTIONS) as response:
                try:
                    self._json = response.json()
                except ValueError:   # Oxigraph cancels at its limit mid-answer: a 200 whose body stops short
                    raise TimeoutError("the graph store's answer was cut short (its time limit)") from None
        return self._json

    def write(self, media_type: str, out: BinaryIO) -> None:
        """Serialize to `out` as `media_type` (ValueError if that type cannot carry this kind)."""
        graph = self.kind == "graph"
        fmt = (ox.RdfFormat if graph else ox.QueryResultsFormat).from_media_type(media_type)
        if fmt is None:
            raise ValueError(f"{self.kind} results cannot be written as {media_type}")
        if self.kind == "boolean":   # Virtuoso answers ASK as a one-row table: written from its value
            return _ANSWER.query("ASK {}" if self else "ASK { FILTER(false) }").serialize(out, fmt)
        ours = TRIPLES if graph else SOLUTIONS
        accept = f"{media_type}, {ours};q=0.5" if self._store.endpoints.relays else ours
        with self._send(accept) as response:
            given = response.headers.get("Content-Type", "").split(";")[0].strip()
            if given == media_type and self._store.endpoints.relays:
                for chunk in response.iter_content(1 << 16):
                    out.write(chunk)
                return
            response.raw.decode_content = True
            if graph:
                triples = ox.parse(response.raw, format=ox.RdfFormat.from_media_type(given) or ox.RdfFormat.N_TRIPLES)
                ox.serialize(triples, out, format=fmt)
            else:
                ox.parse_query_results(_BlankLabels(response.raw), format=ox.QueryResultsFormat.from_media_type(given)
                                       or ox.QueryResultsFormat.JSON).serialize(out, fmt)

    def variables(self) -> list[str]:
        return list(self._solutions()["head"].get("vars", [])) if self.kind == "solutions" else []

    def rows(self) -> Iterator[dict[str, Term]]:
        """SELECT rows as {variable: term}, unbound variables left out."""
        for row in self._solutions()["results"]["bindings"]:
            yield {name: _remote_term(cell) for name, cell in row.items()}

    def triples(self) -> Iterator[ox.Triple]:
        """A graph result's triples, read as they come."""
        with self._send(TRIPLES) as response:
            response.raw.decode_content = True
            given = response.headers.get("Content-Type", "").split(";")[0].strip()
            yield from ox.parse(response.raw, format=ox.RdfFormat.from_media_type(given) or ox.RdfFormat.N_TRIPLES)

    def __bool__(self) -> bool:
        if self.kind != "boolean":
            return any(True for _ in self.rows())
        answer = self._solutions()
        if "boolean" in answer:
            return bool(answer["boolean"])
        cells = [v for row in answer["results"]["bindings"] for v in row.values()]   # Virtuoso's form
        return bool(cells) and cells[0]["value"] not in ("0", "false")


class _BlankLabels(io.RawIOBase):
    """SPARQL JSON results read through, Virtuoso's blank node ids (`"nodeID://b1"`) made plain (`"b1"`),
    so pyoxigraph reads them. A chunk's last bytes wait for the next, in case the id is cut between them."""

    _ID = re.compile(rb'(?<!\\)"nodeID://')

    def __init__(self, raw: BinaryIO) -> None:
        self._raw, self._left, self._held = raw, b"", b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._left:
            chunk = self._raw.read(1 << 16)
            if not chunk:
                self._left, self._held = self._held, b""
                if not self._left:
                    return 0
                break
            text = self._ID.sub(b'"', self._held + chunk)
            self._left, self._held = text[:-10], text[-10:]
        size = min(len(buffer), len(self._left))
        buffer[:size] = self._left[:size]
        self._left = self._left[size:]
        return size


@dataclass(frozen=True)
class Pointer:
    """What the engine serves: the build id and its named graphs (the pointer graph)."""

    build_id: str
    graphs: tuple[str, ...]
    merge: str   # the graph holding their merge (one of `MERGES`)


class RemoteStore(Shortcuts):
    """A read-only view on the build an engine serves (see the module's docstring)."""

    def __init__(self, url: str, local_root: Path | None = None, *, timeout: float = 30.0) -> None:
        self.url, self.endpoints = url, Endpoints.of(url)
        self.local_root, self.timeout = local_root, timeout
        self.http = requests.Session()
        if self.endpoints.auth:
            self.http.auth = HTTPDigestAuth(*self.endpoints.auth)
        self._pointer: tuple[float, Pointer] | None = None

    # ---- plumbing
    def _post_query(self, sparql: str, params: dict, accept: str) -> requests.Response:
        """POST a query (form-encoded, dataset and engine timeout as protocol parameters); the
        response is streamed. SyntaxError for the engine's 400, OSError when it cannot answer."""
        try:
            response = self.http.post(self.endpoints.query, data={"query": sparql, **params},
                                      headers={"Accept": accept}, timeout=self.timeout, stream=True,
                                      auth=None)
        except requests.Timeout:
            raise TimeoutError(f"graph store {self.endpoints.query} did not answer in {self.timeout} s") from None
        except requests.RequestException as exc:
            raise OSError(f"graph store {self.endpoints.query} unreachable: {exc}") from None
        if response.status_code == 400:
            raise SyntaxError(response.text[:500])
        if response.status_code >= 300:
            raise OSError(f"graph store answered {response.status_code}: {response.text[:500]}")
        if PARTIAL in response.headers:   # partial results are refused, not passed on as if complete
            response.close()
            raise TimeoutError(f"the graph store stopped the query at its time limit ({response.headers[PARTIAL]})")
        return response

    def _write(self, method: str, url: str, **kwargs) -> None:
        try:
            response = self.http.request(method, url, timeout=max(self.timeout, 600), **kwargs)
        except requests.RequestException as exc:
            raise OSError(f"graph store {url} unreachable: {exc}") from None
        if response.status_code >= 300:
            raise OSError(f"graph store {method} {url}: {response.status_code} {response.text[:500]}")

    def update(self, sparql: str) -> None:
        """Run a SPARQL update on the engine (the build's publication only: never the public endpoint)."""
        self._write("POST", self.endpoints.update, data={"update": sparql})

    def pointer(self) -> Pointer:
        """The served build (cached `POINTER_TTL` s); StoreMissing before a first publication."""
        now = time.monotonic()
        if self._pointer and now - self._pointer[0] < POINTER_TTL:
            return self._pointer[1]
        rows = list(RemoteResults(self, f"SELECT ?p ?o WHERE {{ GRAPH <{POINTER}> {{ <{POINTER}> ?p ?o }} }}",
                                  {}, "solutions").rows())
        build = next((r["o"].value for r in rows if r["p"].value == _NS + "build"), None)
        if build is None:
            raise StoreMissing(f"no build published to {self.url}: run `bercy-graph build` with BERCY_GRAPH_STORE set")
        graphs = tuple(sorted(r["o"].value for r in rows if r["p"].value == _NS + "graph"))
        merge = next((r["o"].value for r in rows if r["p"].value == _NS + "merge"), MERGES[0])
        self._pointer = (now, Pointer(build, graphs, merge))
        return self._pointer[1]

    def _dataset(self, sparql: str, default_graph: list[str] | None, named_graphs: list[str] | None,
                 base_iri: str | None = None) -> tuple[str, dict]:
        kind, own = query_form(sparql, base_iri)
        if own and default_graph is None and named_graphs is None:
            return kind, {}
        served = self.pointer()
        return kind, {"default-graph-uri": default_graph if default_graph is not None else [served.merge],
                      "named-graph-uri": named_graphs if named_graphs is not None else list(served.graphs)}

    # ---- the Store interface
    @property
    def path(self) -> Path:
        """The served build's local folder (its search index): `{store_root}/{build id}`."""
        return (self.local_root or Path(".")) / self.pointer().build_id

    def query(self, sparql: str, *, union_default_graph: bool = True, default_graph: list[str] | None = None,
              named_graphs: list[str] | None = None, base_iri: str | None = None) -> RemoteResults:
        """Run a query; the default graph is the merge of the named graphs (`union_default_graph` is
        always so on a built graph). A base IRI goes in as a BASE declaration."""
        kind, params = self._dataset(sparql, default_graph, named_graphs, base_iri)
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        return RemoteResults(self, sparql, params, kind)

    def construct(self, sparql: str, media_type: str, *, default_graph: list[str] | None = None,
                  extra: str = "", prefixes: dict[str, str] | None = None) -> bytes:
        """As `GraphStore.construct`: the engine's triples plus `extra`, one readable document."""
        return document(list(self.query(sparql, default_graph=default_graph).triples()), media_type, extra, prefixes)

    def named_graphs(self) -> list[str]:
        return list(self.pointer().graphs)

    def version(self) -> tuple[str, datetime]:
        build = self.pointer().build_id
        return build, build_time(build) or datetime.fromtimestamp(0, tz=timezone.utc)

    def _graph_triples(self, graph: str | None) -> RemoteResults:
        return self.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graph=[graph or self.pointer().merge])

    def dump_graph(self, graph: str, path: Path) -> None:
        """Write one named graph as N-Quads, graph name kept."""
        named = ox.NamedNode(graph)
        ox.serialize((ox.Quad(t.subject, t.predicate, t.object, named) for t in self._graph_triples(graph).triples()),
                     str(path), format=ox.RdfFormat.N_QUADS)

    def write_graph(self, graph: str | None, media_type: str, out: BinaryIO,
                    prefixes: dict[str, str] | None = None) -> None:
        """One named graph (None: the merge) as `media_type`, streamed from the engine (re-serialized by
        pyoxigraph when prefixes are asked or the engine lacks the type)."""
        fmt = ox.RdfFormat.from_media_type(media_type)
        if fmt is None:
            raise ValueError(f"no RDF format for {media_type}")
        results = self._graph_triples(graph)
        if not prefixes:
            return results.write(media_type, out)
        with results._send(TRIPLES) as response:
            response.raw.decode_content = True
            ox.serialize(ox.parse(response.raw, format=ox.RdfFormat.N_TRIPLES), out, format=fmt, prefixes=prefixes)

    def search(self, text: str, limit: int = 10) -> list[search.Hit]:
        """Names and codes matching `text`, from the index the build wrote in its local folder."""
        return search.search(self.path, text, limit)

    def labels(self, text: str, kind: str | None, limit: int, offset: int) -> list[search.Label]:
        """Names containing `text` (any case), from the label index the build wrote in its local folder."""
        return search.labels(self.path, text, kind, limit, offset)

    # ---- publication (the build)
    def put_graph(self, graph: str, ntriples: Path) -> None:
        """Replace `graph` on the engine with an N-Triples file (Graph Store Protocol PUT, streamed)."""
        with ntriples.open("rb") as body:
            self._write("PUT", self.endpoints.store, params={"graph": graph}, data=body,
                        headers={"Content-Type": TRIPLES})


def staging(graph: str) -> str:
    """Where a build puts `graph` before the switch (builds are one at a time: graph_service/build/refresh.py)."""
    return STAGING + graph


def publish(url: str, store_dir: Path, build_id: str) -> None:
    """Send the built store `store_dir` to the engine at `url` and make it the served build (module
    docstring: staging graphs, then one update that switches)."""
    local, remote = GraphStore(store_dir), RemoteStore(url, timeout=600)
    graphs = local.named_graphs()
    try:
        served = remote.pointer()
    except StoreMissing:
        served = Pointer("", (), MERGES[1])
    merge = MERGES[1 - MERGES.index(served.merge)]   # the place the served build does not read
    remote.update(f"DROP SILENT GRAPH <{merge}>")   # the build before the served one's (or a failed publication's)
    with tempfile.TemporaryDirectory(prefix="publish-") as tmp:
        for graph in graphs:
            file = Path(tmp) / "graph.nt"
            with file.open("wb") as out:
                local.write_graph(graph, TRIPLES, out)
            remote.put_graph(staging(graph), file)
            remote.update(f"ADD SILENT GRAPH <{staging(graph)}> TO GRAPH <{merge}>")
    switch = [f"DROP SILENT GRAPH <{g}>" for g in served.graphs if g not in graphs]
    switch += [f"MOVE SILENT GRAPH <{staging(g)}> TO GRAPH <{g}>" for g in graphs]
    switch.append(f"DROP SILENT GRAPH <{POINTER}>")
    facts = [f'<{POINTER}> <{_NS}build> "{build_id}"', f"<{POINTER}> <{_NS}merge> <{merge}>"]
    facts += [f"<{POINTER}> <{_NS}graph> <{g}>" for g in graphs]
    switch.append(f"INSERT DATA {{ GRAPH <{POINTER}> {{ {' . '.join(facts)} }} }}")
    remote.update(" ;\n".join(switch))


def served(settings: Settings, path: Path | None = None) -> Store:
    """The store the commands and the web read: the remote engine when `BERCY_GRAPH_STORE` names one
    (`RemoteStore`), else the embedded store at `path` (default: the current build)."""
    if settings.graph_store and path is None:
        return RemoteStore(settings.graph_store, settings.store_root, timeout=settings.query_timeout)
    return GraphStore(path or settings.store_root / CURRENT)
