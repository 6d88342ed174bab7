"""Load a build's files into a NEW store directory, then swap it in: `current` is repointed
atomically, so a failed build never touches the last good graph and readers never see half a store.

The default graph is stored, as the RDF merge of the named graphs. Each source keeps its own named
graph, exactly as lifted (what its dump, its validation and the Graph Store Protocol give). Sources
should not state the same triple twice (organisations are described once, in the graph `organisations`:
`mappings/organisations.py`; `tests/test_each_fact_once.py` lists the exceptions left), but the merge keeps
the default graph a set whatever they do. A
query's default graph must be an RDF graph, a set: Oxigraph's union of the named graphs is a bag
(1,178,025 rows for 1,174,741 distinct triples), so every COUNT would be inflated. Each file is
therefore loaded once as quads and once as triples into the default graph, where a triple stated
twice is stored once.

Why not keep each shared triple in the first graph stating it only? A graph would no longer hold
what its source said, and `bercy-graph validate` would miss the types its shapes read. For organisations
that is now the rule, done so that validation still sees them: they are a graph of their own, and the
shape sets of the graphs linking to them read it too (`shape_sets.ShapeSet.organisations`). The merge doubles the
loader's work (the build's 1.18M quads: 22-27 s before, 45-59 s with the default graph, on the shared
2-core machine; store 307 -> 454 MB), all of it in Oxigraph's bulk loader: each chunk of a file is
given twice, never a quad at a time through Python.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from graph_service.store import BUILD_PREFIX, CURRENT

#: Each `void:triples` stated about a named graph (graph `provenance`) becomes the number of triples the
#: store holds in it: the lift counts the lines it wrote, and a mapping may write one triple twice.
COUNTS = """PREFIX void: <http://rdfs.org/ns/void#>
DELETE { GRAPH ?in { ?g void:triples ?lines } ?g void:triples ?lines }
INSERT { GRAPH ?in { ?g void:triples ?n } ?g void:triples ?n }
WHERE { { SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g }
        GRAPH ?in { ?g void:triples ?lines } }
"""
#: bytes of N-Quads read at a time, then sent to the loader twice (with and without their graph name)
CHUNK = 1 << 22


def load_new_store(path: Path, files: Iterable[tuple[Path, str]]) -> None:
    """Bulk-load files into a new store directory (must not exist): N-Quads whose lines are all in one
    named graph (what the build writes), or a triple format (Turtle, N-Triples...) into the named graph
    `graph`. Every triple also goes to the default graph (the merge)."""
    if path.exists():
        raise FileExistsError(path)
    store = ox.Store(str(path))
    for file, graph in files:
        if file.suffix == ".nq":
            with file.open("rb") as handle:
                store.bulk_load(_Chunks(quads_and_triples(handle, str(file))), format=ox.RdfFormat.N_QUADS)
        else:
            store.bulk_load(_Chunks(quads_and_triples(io.BytesIO(as_nquads(file, graph)), str(file))),
                            format=ox.RdfFormat.N_QUADS)
    store.update(COUNTS)
    store.optimize()
    store.flush()
    del store


def as_nquads(file: Path, graph: str) -> bytes:
    """A triple file as N-Quads in `graph` (test fixtures and benchmarks; the build writes N-Quads)."""
    triples = ox.parse(path=str(file), format=ox.RdfFormat.from_extension(file.suffix[1:]))
    named = ox.NamedNode(graph)
    return ox.serialize((ox.Quad(t.subject, t.predicate, t.object, named) for t in triples),
                        format=ox.RdfFormat.N_QUADS)


def quads_and_triples(handle: BinaryIO, name: str) -> Iterator[bytes]:
    """N-Quads text in chunks of whole lines, each chunk followed by its lines without the graph name.

    One parse reads both, so a blank node is the same node in its named graph and in the default graph
    (each `bulk_load` names blank nodes afresh). Every line must end with the same graph name, as the
    lifted files do; otherwise ValueError (the copy into the default graph would be wrong).
    """
    suffix = b""
    while chunk := handle.read(CHUNK):
        chunk += handle.readline()
        if not suffix:
            graph = chunk.split(b"\n", 1)[0].rstrip().rsplit(b" ", 2)[-2]
            suffix = b" " + graph + b" .\n"
        if chunk.count(suffix) != chunk.count(b"\n") or not chunk.endswith(b"\n"):
            raise ValueError(f"{name}: every line must be a quad of graph {suffix[1:-3].decode()}")
        yield chunk
        yield chunk.replace(suffix, b" .\n")


class _Chunks(io.RawIOBase):
    """A readable binary stream over byte strings (what `Store.bulk_load` reads)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._left = chunks, memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._left:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._left = memoryview(chunk)
        size = min(len(buffer), len(self._left))
        buffer[:size] = self._left[:size]
        self._left = self._left[size:]
        return size


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
