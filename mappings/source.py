"""What a mapping declares (`Source`) and what it may ask of the build while lifting (`Context`)."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

from . import organisations, parcels
from .iri import Minter
from .organisations import Organisations
from .parcels import Parcels
from .read import Record, read_csv
from .terms import Triple

_MASK = (1 << 64) - 1
#: The shared graphs: what several sources name is described once, in one graph, whatever source names it
#: (each module: GRAPH, TITLE, LICENCE; `Context.share` routes a triple to them).
SHARED = (organisations, parcels)


class Lines:
    """Record line numbers, one bit each: a million lines take 125 kB (a set of ints: tens of MB).
    `int(lines)` is the bitmap, for the set algebra of the link coverage (graph_service/build/coverage.py)."""

    __slots__ = ("_bits",)

    def __init__(self) -> None:
        self._bits = bytearray()

    def add(self, line: int) -> None:
        byte = line >> 3
        if byte >= len(self._bits):   # grows by doubling: amortised constant time
            self._bits.extend(bytes(max(byte + 1 - len(self._bits), len(self._bits))))
        self._bits[byte] |= 1 << (line & 7)

    def __int__(self) -> int:
        return int.from_bytes(self._bits, "little")

    def __len__(self) -> int:
        return int(self).bit_count()

    def __getstate__(self) -> bytes:
        return bytes(self._bits)

    def __setstate__(self, state: bytes) -> None:
        self._bits = bytearray(state)


@dataclass(frozen=True)
class Period:
    """When a former code named a version of an entity (None: not known), and that version's key."""

    start: date | None
    end: date | None
    version: str


@dataclass
class Context:
    """Shared state of one build: the IRI minter and the referential keys seen so far.

    Referential sources `define` their keys; later sources `link` codes to them, and a code
    that no referential defines is counted as unresolved (per source, kind and code) instead
    of producing a dangling IRI.
    """

    mint: Minter
    data_dir: Path
    known: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    unresolved: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    first_line: dict[tuple[str, str, str], int] = field(default_factory=dict)
    links: Counter[tuple[str, str]] = field(default_factory=Counter)
    # per (source, kind): the record lines with a resolved / an unresolved code (link coverage)
    linked_lines: dict[tuple[str, str], Lines] = field(default_factory=lambda: defaultdict(Lines))
    unresolved_lines: dict[tuple[str, str], Lines] = field(default_factory=lambda: defaultdict(Lines))
    # kind -> key -> the first source that defined it (the graph a link to it points to)
    owners: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    # (kind, key) -> the (kind, key) of the entities a referential relates it to (a postal code's communes)
    relations: dict[tuple[str, str], set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    # (kind, former code) -> its periods, declared by the history referential (`mappings/cog_history.py`)
    former: dict[tuple[str, str], list[Period]] = field(default_factory=lambda: defaultdict(list))
    # per (source, kind): the record lines whose code resolved only through the history
    history_lines: dict[tuple[str, str], Lines] = field(default_factory=lambda: defaultdict(Lines))
    source: str = ""
    line: int = 0
    # what later sources can read of the ones before (keys defined, relations): an order-independent
    # hash of it, and, while a source is lifted for the lift cache, the journal of what it added
    digest: int = 0
    journal: list[tuple[str, ...]] | None = None
    #: what the sources say of organisations, written once as the `organisations` graph
    organisations: Organisations = field(init=False)
    #: where the sources' parcel triples go: the `parcelles` graph
    parcels: Parcels = field(init=False)

    def __post_init__(self) -> None:
        self.organisations = Organisations(self.mint)
        self.parcels = Parcels(self.mint)

    def share(self, triple: Triple, source: str) -> bool:
        """Hand a triple to a shared graph (True: it is not written in `source`'s graph). The shared graphs
        (`SHARED`): a parcel's triple is written straight to the parcels graph (`mappings/parcels.py`, the
        lift cache keeps it with the source); an organisation's goes to the organisations collector,
        journaled, so that a source reused from the lift cache says the same to it again."""
        if self.parcels.take(triple):
            return True
        if self.journal is not None and self.organisations.is_organisation(triple[0]) \
                and not triple[2].startswith("_:"):
            self.journal.append(("share", *triple, source))
        return self.organisations.take(triple, source)

    def define(self, kind: str, *keys: str) -> str:
        """Declare an entity of a referential and return its IRI term."""
        key = "/".join(keys)
        if key not in self.known[kind]:
            self.known[kind].add(key)
            self.owners[kind][key] = self.source
            self._note("define", kind, key, self.source)
        return self.mint.entity(kind, *keys)

    def relate(self, kind: str, key: str, other_kind: str, other_key: str) -> None:
        """Record that a referential entity stands for another one (a postal code serves a commune),
        so that later sources can follow the relation without reading the referential again."""
        if (other_kind, other_key) not in self.relations[(kind, key)]:
            self.relations[(kind, key)].add((other_kind, other_key))
            self._note("relate", kind, key, other_kind, other_key)

    def formerly(self, kind: str, code: str, start: date | None, end: date | None, version: str) -> None:
        """Record that a former code named the version `version` from `start` to `end` (the history
        referential: `link` resolves old codes through it)."""
        self.former[(kind, code)].append(Period(start, end, version))
        self._note("former", kind, code, start.isoformat() if start else "", end.isoformat() if end else "",
                   version)

    def _note(self, *entry: str) -> None:
        self.digest = (self.digest + int.from_bytes(hashlib.blake2b("\x1f".join(entry).encode(),
                                                                    digest_size=8).digest(), "big")) & _MASK
        if self.journal is not None:
            self.journal.append(entry)

    def replay(self, journal: list[tuple[str, ...]]) -> None:
        """Do again what a source's lift did to the shared state (a source reused from the lift cache)."""
        for entry in journal:
            if entry[0] == "define":
                _, kind, key, owner = entry
                if key not in self.known[kind]:
                    self.known[kind].add(key)
                    self.owners[kind][key] = owner
                    self._note(*entry)
            elif entry[0] == "former":
                _, kind, code, start, end, version = entry
                self.formerly(kind, code, date.fromisoformat(start) if start else None,
                              date.fromisoformat(end) if end else None, version)
            elif entry[0] == "share":
                self.organisations.take(entry[1:4], entry[4])
            else:
                self.relate(*entry[1:])

    def related(self, kind: str, key: str, other_kind: str) -> list[str]:
        """The keys of `other_kind` that a referential entity was related to, sorted (none: [])."""
        return sorted(k for o, k in self.relations.get((kind, key), ()) if o == other_kind)

    def link(self, kind: str, key: str | None, at: date | None = None) -> str | None:
        """The IRI term of a known referential entity, or None (counted) when unknown.

        A former code (merged since) resolves through the history to the version it named at `at`
        (the record's date; None: its last version), whose `bg:communeActuelle` is today's entity;
        such links are counted apart (`history_lines`)."""
        if key is None:
            return None
        if key in self.known[kind]:
            self.links[(self.source, kind)] += 1
            self.linked_lines[(self.source, kind)].add(self.line)
            return self.mint.entity(kind, key)
        if version := self.version_at(kind, key, at):
            self.links[(self.source, kind)] += 1
            self.linked_lines[(self.source, kind)].add(self.line)
            self.history_lines[(self.source, kind)].add(self.line)
            return self.mint.entity(f"{kind}-version", *version.split("/"))
        self.unresolvable(kind, key)
        return None

    def version_at(self, kind: str, code: str, at: date | None) -> str | None:
        """The key of the version a former code named at a date (None: its last one), if any."""
        periods = self.former.get((kind, code))
        if not periods:
            return None
        if at is None:
            return max(periods, key=lambda p: (p.end is None, p.end or date.min)).version
        for p in periods:
            if (p.start is None or p.start <= at) and (p.end is None or at < p.end):
                return p.version
        return None

    def unresolvable(self, kind: str, code: str) -> None:
        """Count a code no referential or mapping table knows (reported with its first line)."""
        where = (self.source, kind, code)
        self.unresolved[where] += 1
        self.first_line.setdefault(where, self.line)
        self.unresolved_lines[(self.source, kind)].add(self.line)

    def entity(self, kind: str, *keys: str) -> str:
        """The IRI term of an entity of this source (no referential check)."""
        return self.mint.entity(kind, *keys)


Reader = Callable[[Path], Iterator[Record]]
Lifter = Callable[[Record, Context], Iterable[Triple]]
Preamble = Callable[[Context], Iterable[Triple]]


def no_preamble(ctx: Context) -> Iterable[Triple]:
    """Sources with nothing to say before their records."""
    return ()


@dataclass(frozen=True)
class Source:
    """One input file and how it becomes a named graph.

    `read` yields numbered records, `lift` turns one record into triples (or raises Reject),
    `preamble` states what the source declares once (a concept scheme, a cube structure...).
    `mapping` is the module that states these rules (its `__name__`), named by the build's
    provenance: `lift` is often a partial or a function shared by several modules, so its own
    `__module__` cannot say it.
    """

    name: str
    title: str
    path: str
    read: Reader
    lift: Lifter
    mapping: str
    preamble: Preamble = no_preamble
    licence: str = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    # other files of the snapshot its lift reads (a history built from several files): part of what it depends on
    reads_also: tuple[str, ...] = ()

    def file(self, data_dir: Path) -> Path:
        """The source file under a data directory."""
        return data_dir / self.path


def csv_source(name: str, title: str, path: str, columns: tuple[str, ...], lift: Lifter, mapping: str, *,
               delimiter: str = ",", preamble: Preamble = no_preamble) -> Source:
    """The usual source: a CSV file whose header must hold `columns` (the columns its lift reads)."""
    return Source(name=name, title=title, path=path, read=partial(read_csv, columns=columns, delimiter=delimiter),
                  lift=lift, mapping=mapping, preamble=preamble)
