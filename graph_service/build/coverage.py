"""Link coverage: how well each dataset joins the referentials, as VoID linksets with counts.

Per source and referential kind (`commune`, `cpv`, `entreprise`...), over the records that were
lifted (rejected ones are left out):

- `records`: records holding at least one code of that kind (resolved or not);
- `linked`: records with at least one code resolved to a referential entity;
- `complete`: records whose codes of that kind all resolved (a contract whose buyer is in SIRENE
  but one supplier is not is linked, not complete);
- share = linked / records;
- `through_history`: linked records whose code resolved only through the commune history (a former
  code, linked to the version it named: `mappings/cog_history.py`).

A kind that other sources define (`ctx.define`) gets a `void:Linkset` from the dataset graph to
the referential graph(s), with its link predicates and `void:triples` counted from the lifted
N-Quads: distinct triples whose object is an entity another source defined. A kind defined by
several sources (`entreprise`: SIRENE and the OFGL budgets' legal units) has one
`void:objectsTarget` per graph its links reach.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from mappings.namespaces import BG, DCT, DQV, RDFS, VOID, XSD
from mappings.source import Context
from mappings.terms import Triple, is_a, literal, nquad, typed

#: unresolved codes listed per linkset in the graph and in the printed summary (all are in the CSV)
TOP_CODES = 10


@dataclass
class Coverage:
    """The link figures of one source for one referential kind."""

    source: str
    kind: str
    targets: set[str]           # the other sources defining the kind (empty: no referential does)
    records: int = 0
    linked: int = 0
    complete: int = 0
    unresolved: int = 0         # unresolved code occurrences
    through_history: int = 0    # linked records resolved only through the commune history
    unresolved_codes: list[tuple[str, int]] = field(default_factory=list)  # most frequent first
    predicates: Counter[str] = field(default_factory=Counter)  # link triples by predicate
    reached: Counter[str] = field(default_factory=Counter)     # link triples by target source

    @property
    def share(self) -> float:
        return self.linked / self.records if self.records else 0.0

    def summary(self) -> dict:
        return {"source": self.source, "kind": self.kind, "targets": sorted(self.reached or self.targets),
                "records": self.records, "linked": self.linked, "complete": self.complete,
                "through_history": self.through_history, "share": round(self.share, 4),
                "link_triples": sum(self.predicates.values()),
                "unresolved": self.unresolved, "distinct_unresolved": len(self.unresolved_codes),
                "top_unresolved": [c for c, _ in self.unresolved_codes[:TOP_CODES]]}


def compute(results, ctx: Context) -> list[Coverage]:
    """Coverage of every (source, kind) the mappings linked or failed to link."""
    figures: list[Coverage] = []
    kinds_of: dict[str, set[str]] = defaultdict(set)
    for source, kind in (*ctx.linked_lines, *ctx.unresolved_lines):
        kinds_of[source].add(kind)
    codes_of: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for (source, kind, code), n in ctx.unresolved.items():
        codes_of[(source, kind)][code] = n
    for result in results:
        name = result.source.name
        # bitmaps of line numbers (`Lines`): every line but the rejected ones and 0, the preamble
        kept = ~sum(1 << line for line in {r.line for r in result.rejected} | {0})
        for kind in sorted(kinds_of[name]):
            good, bad, history = (int(lines.get((name, kind), 0)) & kept
                                  for lines in (ctx.linked_lines, ctx.unresolved_lines, ctx.history_lines))
            codes = codes_of.get((name, kind), Counter())
            owners = {*ctx.owners.get(kind, {}).values(), *ctx.owners.get(f"{kind}-version", {}).values()}
            targets = owners - {name} if kind in ctx.owners else set()  # (a former commune: the history)
            figures.append(Coverage(name, kind, targets, records=(good | bad).bit_count(), linked=good.bit_count(),
                                    complete=(good & ~bad).bit_count(), unresolved=sum(codes.values()),
                                    through_history=history.bit_count(),
                                    unresolved_codes=sorted(codes.items(), key=lambda c: (-c[1], c[0]))))
        crossing = {c.kind: c for c in figures if c.source == name and c.targets}
        if crossing:
            count_links(result.nquads, ctx, crossing)
    return figures


def count_links(nquads: Path, ctx: Context, coverage: dict[str, Coverage]) -> None:
    """Distinct triples of a lifted file whose object is an entity a referential defines (each object
    IRI read once: a commune or a CPV code is the object of thousands of links)."""
    prefix = f"<{ctx.mint.base}/id/"
    marker = " " + prefix   # only an object (or a literal quoting one) starts with it after a space
    counted: dict[str, tuple[Coverage, str] | None] = {}   # object -> (its linkset, its owner), or not a link
    seen: set[tuple[str, str, str]] = set()
    with nquads.open(encoding="utf-8") as lines:
        for line in lines:
            if marker not in line:
                continue
            subject, predicate, rest = line.split(" ", 2)
            if not rest.startswith(prefix):
                continue
            obj = rest[:rest.index(">") + 1]
            if obj not in counted:
                counted[obj] = link_target(obj, ctx, coverage)
            target = counted[obj]
            if target is None or (subject, predicate, obj) in seen:
                continue
            seen.add((subject, predicate, obj))
            entry, owner = target
            entry.predicates[predicate] += 1
            entry.reached[owner] += 1


def link_target(obj: str, ctx: Context, coverage: dict[str, Coverage]) -> tuple[Coverage, str] | None:
    """The linkset a link to `obj` (an IRI in N-Quads syntax) counts in and the source defining `obj`;
    None for an unknown code or an entity of this same source."""
    parsed = ctx.mint.parse(obj[1:-1])
    entry = coverage.get(parsed.kind.removesuffix("-version")) if parsed else None  # a former commune
    if entry is None:
        return None
    owner = ctx.owners[parsed.kind].get(parsed.key)
    return (entry, owner) if owner in entry.targets else None


def triples(figures: list[Coverage], ctx: Context) -> list[Triple]:
    """The linksets (VoID) and their coverage measurements (DQV) of the dataset graphs."""
    mint = ctx.mint
    out: list[Triple] = []
    for c in figures:
        if not c.targets:
            continue
        subjects = mint.graph(c.source)
        targets = sorted(c.reached or c.targets)
        linkset = mint.resource(f"graph/{c.source}/linkset/{c.kind}")
        measure = mint.resource(f"graph/{c.source}/linkset/{c.kind}/coverage")
        out += [
            *is_a(linkset, VOID.Linkset),
            (linkset, RDFS.label, literal(f"{c.source} -> {' + '.join(targets)} ({c.kind})")),
            (subjects, VOID.subset, linkset),
            (linkset, VOID.subjectsTarget, subjects),
            *[(linkset, VOID.objectsTarget, mint.graph(t)) for t in targets],
            (linkset, BG.referentialKind, literal(c.kind)),
            (linkset, VOID.triples, typed(sum(c.predicates.values()), XSD.integer)),
            (linkset, BG.recordsWithCode, typed(c.records, XSD.integer)),
            (linkset, BG.recordsLinked, typed(c.linked, XSD.integer)),
            (linkset, BG.recordsFullyLinked, typed(c.complete, XSD.integer)),
            (linkset, BG.recordsLinkedThroughHistory, typed(c.through_history, XSD.integer)),
            (linkset, BG.unresolvedCodes, typed(len(c.unresolved_codes), XSD.integer)),
            *[(linkset, VOID.linkPredicate, p) for p in sorted(c.predicates)],
            *[(linkset, BG.unresolvedCode, literal(code)) for code, _ in c.unresolved_codes[:TOP_CODES]],
            *is_a(measure, DQV.QualityMeasurement),
            (linkset, DQV.hasQualityMeasurement, measure),
            (measure, DQV.computedOn, linkset),
            (measure, DQV.isMeasurementOf, BG.LinkCoverage),
            (measure, DQV.value, typed(f"{c.share:.4f}", XSD.decimal)),
        ]
    return out


#: Source graph -> the ministry catalog's dataset it is an export of (upstream stated in data/SOURCES.md).
CATALOG_DATASETS = {"budget-plf2025-depenses": "plf25-depenses-2025-selon-destination"}


def catalog_links(results, ctx: Context) -> list[Triple]:
    """`dct:source` from a lifted graph to its catalog `dcat:Dataset`, when the catalog lifted that entry."""
    catalog = next((r for r in results if r.source.name == "catalog"), None)
    if catalog is None:
        return []
    wanted = {ctx.entity("dataset", key): name for name, key in CATALOG_DATASETS.items()}
    found: set[str] = set()
    with catalog.nquads.open(encoding="utf-8") as lines:
        for line in lines:
            subject = line.split(" ", 1)[0]
            if subject in wanted and f" {DCT.identifier} " in line:
                found.add(subject)
    lifted = {r.source.name for r in results}
    return [(ctx.mint.graph(name), DCT.source, dataset) for dataset, name in wanted.items()
            if dataset in found and name in lifted]


def write(path: Path, figures: list[Coverage], ctx: Context, results=()) -> None:
    """The linksets and catalog links as N-Quads, in the provenance graph next to the graphs."""
    graph = ctx.mint.graph("provenance")
    with path.open("w", encoding="utf-8") as out:
        out.writelines(nquad(t, graph) for t in triples(figures, ctx) + catalog_links(results, ctx))


def table(rows: list[dict], top: int = 3) -> list[str]:
    """The coverage lines of the build summary (rows as in `Coverage.summary`)."""
    header = (f"{'source':32} {'kind':30} {'records':>8} {'linked':>8} {'complete':>8} {'history':>8} "
              f"{'share':>7}")
    lines = [header + "  unresolved (top)"]
    for r in rows:
        codes = ", ".join(r["top_unresolved"][:top])
        more = r["distinct_unresolved"] - min(top, len(r["top_unresolved"]))
        codes += f" (+{more})" if more > 0 else ""
        lines.append(f"{r['source']:32} {r['kind'][:30]:30} {r['records']:>8} {r['linked']:>8} "
                     f"{r['complete']:>8} {r.get('through_history', 0):>8} {r['share']:>7.1%}  {codes}")
    return lines
