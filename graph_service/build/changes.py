"""What changed since the last build, record by record: the facts behind the change feed.

A *record* is a subject of a lifted graph (an IRI: a contract, a sale, a dataset...), its parts
(`…/contrat/X#value`) included. Its fingerprint is an order-independent hash of its triples in that graph, so a record whose facts are the same in two
builds is unchanged whatever the order of the lines, and a changed amount, date or link is a
modification. Comparing the fingerprints of the served build with the new one gives, per graph and per
kind of record (`contrat`, `mutation`...), how many were added, modified and removed. Portal HTTP
validators are not trusted for this (an unchanged ETag over changed content is common): the content
decides.

Each graph that changed gets one Activity Streams activity (`as:Create` for a new graph, `as:Update`,
`as:Delete` for a graph gone) in the `changes` graph, the history kept across builds in
`{home}/changes/log.nq` and loaded into every store; the Atom feed and the Linked Data Event Stream
(graph_service/web/documents/changes.py) read it. Retention: `Settings.change_retention_days`.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from mappings import parcels
from mappings.iri import Minter
from mappings.namespaces import AS, BG, PROV, RDF, XSD
from mappings.terms import Triple, iri, literal, nquad, typed

#: Fingerprints of a store's records, beside its data (`{store}/records/{graph name}.tsv.gz`).
RECORDS = "records"
LOG = Path("changes") / "log.nq"
GRAPH = "changes"
#: The kind of record whose changes are also told one by one: a dataset's metadata (DCAT-AP Feeds).
DATASET = "dataset"
_MASK = (1 << 64) - 1
#: Graphs whose file repeats a line as often as sources name its record (a parcel: once per DVF line naming
#: it, `mappings/parcels.py`): a record's fingerprint hashes each of its distinct lines once, so a new sale of
#: a parcel does not modify it. (Memory: the parcels' distinct line hashes, during the comparison only.)
REPEATING = {parcels.GRAPH}


@dataclass
class Fingerprints:
    """subject IRI -> (hash of its triples, kind of record) for one graph."""

    records: dict[str, tuple[int, str]] = field(default_factory=dict)

    def add(self, subject: str, digest: int, kind: str) -> None:
        """One more triple of `subject` (hashes add up: the order of the lines does not matter)."""
        old = self.records.get(subject)
        self.records[subject] = ((old[0] if old else 0) + digest) & _MASK, kind


def fingerprint(files: Sequence[Path], mint: Minter, distinct: bool = False) -> Fingerprints:
    """The fingerprints of the IRI subjects of one named graph, lifted as N-Quads `files` (a shared graph:
    one file per source naming its records); `distinct`: a line repeated is hashed once (`REPEATING`).

    Blank nodes (a period of time, a checksum) are part of the record that points to them: their labels
    change from build to build, so a record's line naming one is hashed with the blank node's content
    instead of its label (one level deep; deeper labels are ignored; a label is a file's own).
    """
    prints = Fingerprints()
    kinds: dict[str, str] = {}
    seen: set[int] = set()
    for nquads in files:
        blanks = _blank_contents(nquads)
        with nquads.open("rb") as handle:
            for line in handle:
                if not line.startswith(b"<"):
                    continue
                # a record's parts (`…/contrat/X#value`) are hashed into the record they belong to
                subject = line[1:line.index(b">")].decode("utf-8").partition("#")[0]
                kind = kinds.get(subject)
                if kind is None:
                    kind = kinds[subject] = record_kind(mint, subject)
                triple = _triple(line)
                if b" _:" in triple:
                    triple = _BLANK.sub(lambda m, blanks=blanks: b"_:%x" % blanks.get(m.group(0), 0), triple)
                digest = _digest(triple)
                if distinct:
                    if digest in seen:
                        continue
                    seen.add(digest)
                prints.add(subject, digest, kind)
    return prints


def _blank_contents(nquads: Path) -> dict[bytes, int]:
    """The hash of each blank node's lines in a file, by label."""
    blanks: dict[bytes, int] = {}
    with nquads.open("rb") as handle:
        for line in handle:
            if line.startswith(b"_:"):
                label, _, rest = line.partition(b" ")
                blanks[label] = (blanks.get(label, 0) + _digest(_BLANK.sub(b"_:", _triple(rest)))) & _MASK
    return blanks


def record_kind(mint: Minter, subject: str) -> str:
    """The kind of a record: its IRI's kind (`contrat`, `mutation`...); for the rows, columns and table of
    a generically lifted graph (`/graph/{name}/row/{n}`), `row`, `column`, `table`; "" for other IRIs."""
    parsed = mint.parse(subject)
    if parsed is None:
        return ""
    if parsed.kind == "graph":
        parts = parsed.key.split("/")
        return parts[1] if len(parts) > 1 else "graph"
    return parsed.kind


_BLANK = re.compile(rb"_:[A-Za-z0-9_.-]+")


def _triple(line: bytes) -> bytes:
    """A lifted line without its graph name (the last term of every line)."""
    return line[:line.rindex(b"<")]


def _digest(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


def save(prints: Fingerprints, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
        for subject, (digest, kind) in prints.records.items():
            out.write(f"{subject}\t{digest:x}\t{kind}\n")


def load(path: Path) -> Fingerprints | None:
    """The saved fingerprints, or None when the graph did not exist (or the store predates them)."""
    if not path.exists():
        return None
    prints = Fingerprints()
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            subject, digest, kind = line.rstrip("\n").split("\t")
            prints.records[subject] = (int(digest, 16), kind)
    return prints


@dataclass
class GraphChange:
    """How one graph's records differ between two builds, per kind of record."""

    name: str
    activity: str                       # "Create", "Update" or "Delete"
    added: Counter[str] = field(default_factory=Counter)
    modified: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    datasets: dict[str, str] = field(default_factory=dict)   # catalogued dataset IRI -> its activity

    def __bool__(self) -> bool:
        return self.activity != "Update" or bool(self.added or self.modified or self.removed)


def compare(name: str, old: Fingerprints | None, new: Fingerprints | None) -> GraphChange:
    """The change from `old` to `new` (None: the graph is absent from that build)."""
    activity = "Create" if old is None else "Delete" if new is None else "Update"
    change = GraphChange(name, activity)
    before = old.records if old else {}
    after = new.records if new else {}
    for subject, (digest, kind) in after.items():
        if subject not in before:
            change.added[kind] += 1
            activity = "Create"
        elif before[subject][0] != digest:
            change.modified[kind] += 1
            activity = "Update"
        else:
            continue
        if kind == DATASET:
            change.datasets[subject] = activity
    for subject, (_, kind) in before.items():
        if subject not in after:
            change.removed[kind] += 1
            if kind == DATASET:
                change.datasets[subject] = "Delete"
    return change


def triples(change: GraphChange, mint: Minter, build_id: str, when: datetime) -> list[Triple]:
    """The activity saying what changed in one graph, with counts per kind of record."""
    activity = mint.resource(f"changes/{build_id}/{change.name}")
    out: list[Triple] = [
        (activity, RDF.type, AS[change.activity]),
        (activity, AS.object, mint.graph(change.name)),
        (activity, AS.published, typed(when.isoformat(), XSD.dateTime)),
        (activity, PROV.wasGeneratedBy, mint.resource(f"build/{build_id}")),
        (activity, BG.recordsAdded, typed(sum(change.added.values()), XSD.integer)),
        (activity, BG.recordsModified, typed(sum(change.modified.values()), XSD.integer)),
        (activity, BG.recordsRemoved, typed(sum(change.removed.values()), XSD.integer)),
    ]
    for kind in sorted(set(change.added) | set(change.modified) | set(change.removed)):
        part = iri(f"{activity[1:-1]}#{kind or 'autre'}")
        out += [(activity, BG.recordChange, part),
                (part, RDF.type, BG.RecordChange), (part, BG.recordKind, literal(kind)),
                (part, BG.recordsAdded, typed(change.added[kind], XSD.integer)),
                (part, BG.recordsModified, typed(change.modified[kind], XSD.integer)),
                (part, BG.recordsRemoved, typed(change.removed[kind], XSD.integer))]
    for dataset, kind in sorted(change.datasets.items()):
        parsed = mint.parse(dataset)
        member = mint.resource(f"changes/{build_id}/{change.name}/{DATASET}/{parsed.key if parsed else len(out)}")
        out += [(member, RDF.type, AS[kind]), (member, AS.object, iri(dataset)),
                (member, AS.published, typed(when.isoformat(), XSD.dateTime)),
                (member, PROV.wasGeneratedBy, mint.resource(f"build/{build_id}"))]
    return out


def record(home: Path, previous_store: Path | None, lifted: dict[str, list[Path]], mint: Minter, build_id: str,
           when: datetime, work: Path, retention_days: int) -> tuple[Path, list[GraphChange]]:
    """Compare the lifted graphs with the served store's records and write, under `work`, the new
    fingerprints (`work/records/`, moved into the new store with `keep`) and the new change log (the
    kept history plus this build's activities, pruned to the retention period).

    `lifted` maps each graph name to its N-Quads files. Returns (the new log, to load; the changes).
    """
    old_dir = previous_store / RECORDS if previous_store else None
    # a served store without fingerprints (built before them) cannot be compared: nothing is claimed
    comparable = old_dir is None or old_dir.exists()
    changes: list[GraphChange] = []
    for name, files in lifted.items():
        new = fingerprint(files, mint, distinct=name in REPEATING)
        save(new, work / RECORDS / f"{name}.tsv.gz")
        change = compare(name, load(old_dir / f"{name}.tsv.gz") if old_dir else None, new)
        if comparable and change:
            changes.append(change)
    if old_dir and comparable:
        for gone in sorted(p.name.removesuffix(".tsv.gz") for p in old_dir.glob("*.tsv.gz")):
            if gone not in lifted:
                changes.append(compare(gone, load(old_dir / f"{gone}.tsv.gz"), None))
    graph = mint.graph(GRAPH)
    new_log = work / LOG.name
    with new_log.open("w", encoding="utf-8") as out:
        out.writelines(_retained(home / LOG, when, retention_days))
        for change in changes:
            out.writelines(nquad(t, graph) for t in triples(change, mint, build_id, when))
    return new_log, changes


def keep(home: Path, work: Path, new_log: Path, new_store: Path) -> None:
    """Once the new store is served: its fingerprints beside it, its log as the history."""
    shutil.move(str(work / RECORDS), str(new_store / RECORDS))
    (home / LOG).parent.mkdir(parents=True, exist_ok=True)
    os.replace(new_log, home / LOG)


def summary(change: GraphChange) -> dict:
    """One line of the build report."""
    return {"graph": change.name, "activity": change.activity, "added": dict(change.added),
            "modified": dict(change.modified), "removed": dict(change.removed)}


def _retained(log: Path, when: datetime, days: int) -> Iterable[str]:
    """The lines of the log whose activity is younger than the retention period (activities are written
    whole, in time order: an activity's lines name its build, whose time is in its IRI)."""
    if not log.exists():
        return
    oldest = (when - timedelta(days=days)).strftime("%Y%m%dT%H%M%S")
    with log.open(encoding="utf-8") as handle:
        for line in handle:
            marker = line.find("/changes/build-")
            stamp = line[marker + len("/changes/build-"):][:15] if marker >= 0 else ""
            if stamp >= oldest:
                yield line
