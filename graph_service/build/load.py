"""Load a build's files into a NEW store directory, then swap it in: `current` is repointed
atomically, so a failed build never touches the last good graph and readers never see half a store.

Each source keeps its own named graph, exactly as lifted (what its dump, its validation and the Graph
Store Protocol give). A query's default graph must be an RDF graph, a set, the merge of the named graphs.
Oxigraph's union of the named graphs (`use_default_graph_as_union`) is that merge when no triple is in
two graphs, and a bag otherwise (a triple in two graphs is two rows, so every COUNT is inflated). Sources
state each fact once (the shared graphs: organisations, `mappings/organisations.py`, and cadastral parcels,
`mappings/parcels.py`, whatever source names them; `tests/test_each_fact_once.py`,
`tests/test_parcels_once.py`), so the loader loads each named graph once and then *checks* that no
triple is in two graphs (`union_is_a_set`: index lookups, bounded memory). The parcels' file repeats a
parcel's lines as often as DVF lines name it: within one graph the store keeps each quad once, and `COUNTS`
makes every graph's `void:triples` the store's count. Checked, the store is marked (`UNION_IS_A_SET`, a file
in its directory) and read through the union; should a triple be stated twice, the merge is stored as the
default graph after all (each quad copied without its graph name, a set), as every store was before, and the
build's summary says how many quads repeated a triple (what the build derives from the store, cubes and
search index, is then computed over the merge: `pipeline.settle_and_derive`). At 100,000 generated records
the check failed before parcels were shared (one parcel in both DVF graphs: the merge took 116 s of a 562 s
build).

The default build's 80 files (2.28M quads, quiet 2-core machine): each file loaded
twice (quads, then the merge) 47.5 s + optimize 5.1 s, 899 MB; once each 24.7 s + 3.0 s, 612 MB; all in
one `bulk_load` stream 17.7 s, 392 MB (`oxigraph load` of the same files: 23.0 s, 589 MB). So the files go
to Oxigraph's bulk loader as ONE stream, from a thread (`Loader`: `bulk_load` releases the GIL) that takes
each lifted file as soon as the lift wrote it. The stream reaches Oxigraph through a FIFO, written by a
second thread: handed a Python stream, Oxigraph took the GIL back for each small read, and the lift, holding
it, starved the loader (10k harness: the build used 1.05 cores during the lift, the loader then ran 21 s on
its own; the same quads loaded beside a Python thread that never lets the GIL go: unfinished after 10
minutes through a Python stream, 27 s through the FIFO). Once the lift is done, `wait` ends the running
call so that the fast SHACL engine validates the data graphs there, on this store (`shape_sets.run`), while the loader
waits for the build's last files (provenance, link sets...). `bulk_load` gives each call's blank node labels their own
scope, so a file that may hold blank nodes (the bytes `_:` anywhere in it) gets a call of its own; all
others share one (a triple file is parsed with its blank nodes renamed at random: it shares too).

Measured here on the default build's store (2.28M quads, the shared 2-core machine, load average 7-9, so
ratios only): `optimize` pays: after it, a join + GROUP BY took 226 ms against 486, GROUP BY over types
255 against 303, 200 lookups 45 against 62, the full ASK check 34.5 s against 58 (the store grows, 440 ->
740 MB); the check per predicate (`union_is_a_set`) took 18 s against 34.5 s for the one ASK over all
quads (11.4 s at load average 4), in 75 MB peak. The whole default build's CPU time was 178 s before
and 198 s after (the check is new).
"""

from __future__ import annotations

import errno
import mmap
import os
import queue
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from graph_service.store import BUILD_PREFIX, CURRENT, UNION_IS_A_SET

#: Each `void:triples` stated about a named graph (graph `provenance`) becomes the number of triples the
#: store holds in it: the lift counts the lines it wrote, and a mapping may write one triple twice.
COUNTS = """PREFIX void: <http://rdfs.org/ns/void#>
DELETE { GRAPH ?in { ?g void:triples ?lines } }
INSERT { GRAPH ?in { ?g void:triples ?n } }
WHERE { { SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g }
        GRAPH ?in { ?g void:triples ?lines } }
"""
#: quads per predicate and graph: a triple stated in two graphs has its predicate in both
PREDICATE_GRAPHS = "SELECT ?p ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p ?g"
#: is a triple of predicate {p} in graph {a} stated by another graph too? (an index lookup per quad of {a})
ALSO_ELSEWHERE = "ASK {{ GRAPH {a} {{ ?s {p} ?o }} GRAPH ?b {{ ?s {p} ?o }} FILTER(?b != {a}) }}"
#: bytes of N-Quads read at a time
CHUNK = 1 << 22


class LoadError(Exception):
    """A file could not be loaded (its name and the loader's reason)."""


class Loader:
    """Bulk-loads files into a new store directory (must not exist) from a thread, as they are `add`ed.

    Files are N-Quads whose lines are in named graphs (what the build writes), or a triple format (Turtle,
    N-Triples...) given with the named graph to load it into. `wait` gives the store once the files added
    so far are in it (the build validates them there) and goes on taking files; `finish` waits for the
    loader and sets the `void:triples` counts; `abort` stops it. Then `settle_default_graph` (module
    docstring).
    """

    def __init__(self, path: Path) -> None:
        if path.exists():
            raise FileExistsError(path)
        self.path = path
        self._store: ox.Store | None = ox.Store(str(path))
        #: files to load; None: no more; an Event: set it once the files before it are loaded (`wait`)
        self._files: queue.Queue[tuple[Path, str] | threading.Event | None] = queue.Queue()
        self._stopped = threading.Event()
        self._error: LoadError | None = None
        self._current = path      # the file being read (named by errors)
        self._thread = threading.Thread(target=self._run, name="bulk-load", daemon=True)
        self._thread.start()

    def add(self, file: Path, graph: str = "") -> None:
        """Load `file` (`graph`: the named graph of a triple file) once the files before it are."""
        self._files.put((file, graph))

    def wait(self) -> ox.Store:
        """The store, once every file added so far is loaded (the running `bulk_load` call ends there, so
        that its quads can be read); files added afterwards are loaded as before. LoadError as `finish`."""
        loaded = threading.Event()
        self._files.put(loaded)
        while not loaded.wait(0.2):
            if not self._thread.is_alive():
                break
        if self._error is not None:
            raise self._error
        assert self._store is not None
        return self._store

    def abort(self) -> None:
        """Stop loading (a failed build): the loader stops at its next chunk; the directory is the caller's."""
        self._stopped.set()
        self._files.put(None)
        self._thread.join()
        self._store = None

    def finish(self) -> None:
        """Wait until every file is loaded, set the counts, compact, close the store. LoadError names the
        file that failed."""
        self._files.put(None)
        self._thread.join()
        store, self._store = self._store, None
        if self._error is not None:
            raise self._error
        assert store is not None
        if next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is not None:
            raise LoadError("lines in no named graph: the default graph is the merge of the named graphs")
        store.update(COUNTS)
        store.optimize()   # compacts what the loader wrote: lookups and joins afterwards are faster
        store.flush()

    # ---- the loader thread
    def _run(self) -> None:
        """One `bulk_load` per run of files that may share it (`_stream`). Oxigraph reads the run from a FIFO
        that `_feed` writes in another thread: read from a Python stream, it would need the GIL for each
        small read, and the lift holds it (module docstring)."""
        folder = Path(tempfile.mkdtemp(prefix="bercy-graph-load-"))
        fifo = folder / "quads.nq"
        os.mkfifo(fifo)
        try:
            item = self._next()
            while item is not None:
                if isinstance(item, threading.Event):   # the files before it are loaded
                    item.set()
                    item = self._next()
                    continue
                left: list[tuple[Path, str] | threading.Event | None] = []
                failed: list[BaseException] = []
                feeder = threading.Thread(target=_feed, args=(fifo, self._stream(item, left), failed),
                                          name="bulk-load-feed", daemon=True)
                feeder.start()
                assert self._store is not None
                try:
                    self._store.bulk_load(path=str(fifo), format=ox.RdfFormat.N_QUADS)
                except Exception:
                    if failed:   # the feeder's failure cut the stream short: it says why
                        raise failed[0] from None
                    raise
                feeder.join()
                if failed:
                    raise failed[0]
                item = left[0]
        except BaseException as exc:   # noqa: BLE001 - handed to the build by `finish`
            self._error = LoadError(f"loading {self._current.name}: {exc}")
            self._error.__cause__ = exc
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _next(self) -> tuple[Path, str] | threading.Event | None:
        item = self._files.get()
        if item is None or self._stopped.is_set():
            return None
        if not isinstance(item, threading.Event):
            self._current = item[0]
        return item

    def _stream(self, item: tuple[Path, str], left: list) -> Iterator[bytes]:
        """The chunks of `item`'s file, then of the files added after it, up to one that cannot share a call
        with them (put in `left`, or None: no more files; or a `wait`'s Event: the call ends there). An
        N-Quads file with blank nodes has its own call."""
        alone = item[0].suffix == ".nq" and may_have_blank_nodes(item[0])
        while True:
            yield from self._chunks(item)
            item = self._next()
            if alone or item is None or isinstance(item, threading.Event) or \
                    (item[0].suffix == ".nq" and may_have_blank_nodes(item[0])):
                left.append(item)
                return

    def _chunks(self, item: tuple[Path, str]) -> Iterator[bytes]:
        """A file as N-Quads in chunks of whole lines (a stream of several files must not join two lines)."""
        file, graph = item
        if file.suffix != ".nq":
            yield as_nquads(file, graph)
            return
        with file.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                if self._stopped.is_set():
                    raise LoadError("stopped")
                chunk += handle.readline()
                yield chunk if chunk.endswith(b"\n") else chunk + b"\n"


def load_new_store(path: Path, files: Iterable[tuple[Path, str]]) -> int:
    """Load `files` ((file, graph) as `Loader.add` takes them) into a new store at `path` and settle its
    default graph (the checks run one after the other); returns `settle_default_graph`'s count."""
    loader = Loader(path)
    try:
        for file, graph in files:
            loader.add(file, graph)
    except BaseException:
        loader.abort()
        raise
    loader.finish()
    return settle_default_graph(path, union_is_a_set(path))


def union_is_a_set(path: Path) -> bool:
    """Is no triple of the store at `path` stated in two named graphs? Only the predicates two graphs use
    are looked at, and each in all graphs but the one holding most of it: any triple in two graphs is in
    one of those. Memory: the (predicate, graph) pairs, not the data."""
    store = ox.Store.read_only(str(path))
    sizes: dict[ox.NamedNode, dict[ox.NamedNode, int]] = defaultdict(dict)
    for row in store.query(PREDICATE_GRAPHS):
        sizes[row["p"]][row["g"]] = int(row["n"].value)
    for predicate, graphs in sizes.items():
        largest = max(graphs, key=graphs.__getitem__)
        for graph in graphs:
            if graph != largest and store.query(ALSO_ELSEWHERE.format(a=graph, p=predicate)):
                return False
    return True


def settle_default_graph(path: Path, union_is_set: bool) -> int:
    """Mark the store at `path` when its union is a set; else store the merge of its named graphs as its
    default graph (each quad copied without its graph name, the same blank nodes). Returns how many quads
    repeat a triple another graph states (0 for a set)."""
    if union_is_set:
        (path / UNION_IS_A_SET).write_text("no triple is in two named graphs: their union is their merge\n")
        return 0
    store = ox.Store(str(path))
    quads = len(store)
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object)
                      for graph in list(store.named_graphs())
                      for q in store.quads_for_pattern(None, None, None, graph))
    store.optimize()
    store.flush()
    return quads - (len(store) - quads)


def add_graphs(path: Path, files: Iterable[Path], *, merged: bool) -> None:
    """Add small N-Quads `files` to the built store at `path` after its load (graphs the build computes from
    the store itself: graph_service/build/aggregates.py), and their triples to the stored merge when the
    store holds one (`merged`: `settle_default_graph` stored it)."""
    store = ox.Store(str(path))
    for file in files:
        quads = list(ox.parse(path=str(file), format=ox.RdfFormat.N_QUADS))
        store.bulk_extend(quads)
        if merged:
            store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    store.flush()


def may_have_blank_nodes(file: Path) -> bool:
    """Could `file` hold a blank node? (`_:` anywhere: in a literal too, which only costs a call.)"""
    if file.stat().st_size == 0:
        return False
    with file.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(b"_:") >= 0


def as_nquads(file: Path, graph: str) -> bytes:
    """A triple file as N-Quads in `graph` (the vocabulary and shapes documents, test fixtures), its blank
    nodes renamed at random: they cannot meet another file's in a shared `bulk_load`."""
    triples = ox.parse(path=str(file), format=ox.RdfFormat.from_extension(file.suffix[1:]), rename_blank_nodes=True)
    named = ox.NamedNode(graph)
    return ox.serialize((ox.Quad(t.subject, t.predicate, t.object, named) for t in triples),
                        format=ox.RdfFormat.N_QUADS)


#: the write ends of the loaders' FIFOs, open now. The build forks (the change feed's process, validation
#: processes) while a loader feeds: a child holding a write end open would keep the reader from ever seeing
#: the end of the stream, so children close them at once, and no fork happens between a FIFO's opening and
#: its entry here (`_forks`).
_feeding: set[int] = set()
_forks = threading.Lock()


def _close_feeds_in_child() -> None:
    for fd in _feeding:
        os.close(fd)
    _feeding.clear()


os.register_at_fork(before=_forks.acquire, after_in_parent=_forks.release,
                    after_in_child=lambda: (_forks.release(), _close_feeds_in_child()))


def _open_feed(fifo: Path) -> int:
    """The write end of `fifo`, once its reader opened it, entered in `_feeding` before any fork can happen
    (a non-blocking open: the lock is never held while waiting for the reader)."""
    while True:
        with _forks:
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:   # ENXIO: no reader yet
                    raise
            else:
                _feeding.add(fd)
                os.set_blocking(fd, True)
                return fd
        time.sleep(0.001)


def _open_feed_when_possible(fifo: Path) -> int:
    """`_open_feed`, tried again until the open succeeds (a descriptor freed)."""
    while True:
        try:
            return _open_feed(fifo)
        except OSError:
            time.sleep(0.01)


def _feed(fifo: Path, chunks: Iterator[bytes], failed: list[BaseException]) -> None:
    """Write `chunks` into the FIFO a `bulk_load` call reads; an error goes into `failed` before the FIFO
    closes (the reader then sees its end)."""
    try:
        fd = _open_feed(fifo)
    except OSError as exc:
        # (no file descriptor left...) the build fails with this error; Oxigraph, waiting in its own open
        # for a writer, must still see one come and go, or its load, and the build, would wait forever
        failed.append(exc)
        chunks, fd = iter(()), _open_feed_when_possible(fifo)
    try:
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
    except BrokenPipeError:   # the reader stopped (bulk_load failed): its own error says why
        pass
    except BaseException as exc:   # noqa: BLE001 - the loader thread raises it
        failed.append(exc)
    finally:
        with _forks:
            _feeding.discard(fd)
            os.close(fd)


def swap_in(store_root: Path, new_store: Path, keep: int = 2) -> None:
    """Point `store_root/current` at `new_store` atomically, then remove older stores."""
    link = store_root / CURRENT
    tmp = store_root / f".{CURRENT}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(new_store.name, tmp)
    os.replace(tmp, link)
    builds = sorted(p for p in store_root.glob(BUILD_PREFIX + "*") if p.is_dir() and p != new_store)
    for old in builds[: max(0, len(builds) - (keep - 1))]:
        shutil.rmtree(old, ignore_errors=True)
