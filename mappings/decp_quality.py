"""DECP data quality as the ministry's own DECP audit measures it, per source file.

`audit` looks at every record of a file once (before lifting): duplicate identities, mis-encoded
text (U+FFFD), schema violations (the official JSON schemas, validated with `jsonschema`, each
compiled once), amounts outside [200 EUR, 999,999,999 EUR] and, among them, zero amounts (their own
measure, as decp-qualite gives them), notification-to-publication delays over 62 days, publications
before notification, and amendments whose amount looks like an increment. Each defective record is
flagged in the graph (`bg:qualityIssue`, the metric's IRI), and each source graph gets one DQV
measurement per metric (plus the file-level figures, e.g. identifiers reused).

`place_awards` is the one rule, for every DECP format, of records sharing an identifier: none leaves
the graph for it. Each distinct award is its own contract (ranked by notification date under the
shared identifier, `decp.shared_identifier`), the identifiers holding several are counted
(`ReusedIdentifier`) and their records flagged (`DuplicateId`); only an exact duplicate (the same
record, or the same award and supplier row) is quarantined naming its first (`DuplicateRow`).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from hashlib import blake2b
from pathlib import Path
from typing import Any

from . import values
from .namespaces import A, BG, DQV, XSD
from .read import Reject, SourceError
from .source import Context
from .terms import Triple, typed

SHIPPED_SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "decp" / "schema"
MIN_AMOUNT, MAX_AMOUNT = Decimal(200), Decimal(999_999_999)
MAX_PUBLICATION_DELAY_DAYS = 62
#: An amendment amount under this share of the initial amount reads better as the increase than as
#: the new total the schema asks for: an increase of that size is what the code de la commande
#: publique allows without a new procedure (art. R2194-8: under 10 % of the initial amount for
#: services and supplies, 15 % for works), a total would mean the contract lost 85 % of its value.
INCREMENT_SHARE = Decimal("0.15")

#: The audit's metrics, as bg: local names (also the flags on defective contracts).
METRICS = ("DuplicateId", "DuplicateRow", "MisencodedText", "SchemaViolation", "AmountOutOfRange", "ZeroAmount",
           "LatePublication", "PublicationBeforeNotification", "LikelyIncrement", "SirenForSiret")


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a record goes: the rank of its award among its identifier's distinct awards (None: the
    identifier names one award) and their number, or the record it exactly duplicates."""

    award: int | None = None
    awards: int = 1
    duplicate_of: int | None = None


@dataclass
class Audit:
    """What the audit found in one file: flags per record line, duplicates, counts per metric."""

    records: int = 0
    flags: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: line -> where the record goes (`place_awards`); a line absent here is a lone award
    placed: dict[int, Placement] = field(default_factory=dict)
    measured: tuple[str, ...] = METRICS
    #: file-level figures that count something other than records (metric -> value)
    figures: dict[str, int] = field(default_factory=dict)

    def flag(self, line: int, metric: str) -> None:
        self.flags[line].add(metric)

    def placement(self, line: int) -> Placement:
        return self.placed.get(line, Placement())

    def counts(self) -> Counter[str]:
        """Records per metric (a record counts once per metric)."""
        out: Counter[str] = Counter({m: 0 for m in self.measured})
        for issues in self.flags.values():
            out.update(i for i in issues if i in self.measured)
        return out


def find_schema(data_file: Path, name: str) -> Path:
    """The official schema a data file follows: in `schema/` beside it or in a parent folder, else
    the copy shipped with the project (`data/decp/schema/`, for slices of files kept elsewhere)."""
    folders = (data_file.parent, *list(data_file.parents)[1:3], SHIPPED_SCHEMAS.parent)
    for folder in folders:
        for candidate in (folder / "schema" / name, folder / name):
            if candidate.is_file():
                return candidate
    raise SourceError(data_file, f"official schema {name} not found beside the file (decp/schema/)")


@lru_cache(maxsize=8)
def schema_validator(schema_file: Path, definition: str):
    """A compiled validator for one definition of an official schema (`marche`, ...)."""
    import jsonschema

    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls({"$ref": f"#/definitions/{definition}", "definitions": schema["definitions"]})


def misencoded(value: Any) -> bool:
    """True when a record holds U+FFFD, the mark of text decoded with the wrong encoding."""
    return "\ufffd" in (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(values.date_(str(text))[:10]) if text else None
    except ValueError:
        return None


def amount_value(amount: Any) -> Decimal | None:
    """An amount as published (number or text), or None when absent or unreadable."""
    if amount is None or amount == "":
        return None
    try:
        return Decimal(values.decimal(str(amount)))
    except ValueError:
        return None


def check_amount(audit: Audit, line: int, amount: Any) -> None:
    value = amount_value(amount)
    if value is None:
        return
    if not MIN_AMOUNT <= value <= MAX_AMOUNT:
        audit.flag(line, "AmountOutOfRange")
    if value == 0:
        audit.flag(line, "ZeroAmount")


def looks_like_increment(initial: Any, new: Any) -> bool:
    """True when an amendment's amount is above 0 and under `INCREMENT_SHARE` of the initial amount:
    the publisher probably typed the increase where the schema asks for the new total."""
    before, after = amount_value(initial), amount_value(new)
    return bool(before and after and before > 0 and 0 < after < before * INCREMENT_SHARE)


def check_increments(audit: Audit, line: int, initial: Any, amendments: Sequence[Any]) -> None:
    if any(looks_like_increment(initial, amount) for amount in amendments):
        audit.flag(line, "LikelyIncrement")


def check_delay(audit: Audit, line: int, notified: Any, published: Any) -> None:
    start, end = _day(notified), _day(published)
    if start is None or end is None:
        return
    if end < start:
        audit.flag(line, "PublicationBeforeNotification")
    elif (end - start).days > MAX_PUBLICATION_DELAY_DAYS:
        audit.flag(line, "LatePublication")


def check_duplicates(audit: Audit, keyed: Sequence[tuple[int, Hashable]]) -> None:
    """Flag every record whose identity key is shared (`DuplicateId`), as the DECP audit counts them.

    `keyed` holds (line, key): the key follows DECP's `uid` (buyer id + id as text), so records
    without an id share the key of their buyer too, as in the DECP audit.
    """
    counts = Counter(key for _, key in keyed)
    for line, key in keyed:
        if counts[key] > 1:
            audit.flag(line, "DuplicateId")


def check_siren(audit: Audit, line: int, buyer: Any) -> None:
    """Flag a buyer given by its SIREN (9 digits) where DECP asks for a SIRET (`SirenForSiret`)."""
    try:
        values.siren(str(buyer or ""))
    except ValueError:
        return
    audit.flag(line, "SirenForSiret")


@dataclass(frozen=True, slots=True)
class Published:
    """One record as `place_awards` sees it: its line, its identifier (None: it has none), what makes
    its award distinct, what makes the record itself distinct (an exact duplicate repeats it) and its
    notification date (ranks the awards of one identifier)."""

    line: int
    identifier: Hashable
    award: Hashable
    record: Hashable
    notified: str = ""


def place_awards(audit: Audit, published: Sequence[Published]) -> None:
    """Where each record goes (`audit.placed`): no record leaves the graph because another shares its
    identifier. The distinct awards of an identifier are ranked by notification date, then line, and
    each is its own contract; an identifier holding several is counted (`ReusedIdentifier`) and its
    records flagged (`DuplicateId`). A record repeating an earlier one is an exact duplicate
    (`DuplicateRow`), placed as such: lifted once."""
    awards: dict[Hashable, dict[Hashable, list[Published]]] = defaultdict(dict)
    seen: dict[Hashable, int] = {}
    for p in published:
        if p.identifier is None:
            continue
        if (first := seen.setdefault((p.identifier, p.record), p.line)) != p.line:
            audit.placed[p.line] = Placement(duplicate_of=first)
            audit.flag(p.line, "DuplicateRow")
        awards[p.identifier].setdefault(p.award, []).append(p)
    reused = 0
    for versions in awards.values():
        if len(versions) == 1:   # a lone award: `Audit.placement`'s default, not stored (one per record)
            continue
        reused += 1
        ranked = sorted(versions.values(), key=lambda ps: (ps[0].notified, ps[0].line))
        for rank, records in enumerate(ranked, start=1):
            for p in records:
                audit.flag(p.line, "DuplicateId")
                audit.placed.setdefault(p.line, Placement(rank, len(versions)))
    audit.figures["ReusedIdentifier"] = reused


def exact_duplicate(field_name: str, unit: str, placement: Placement, what: str, value: str | None = None) -> Reject:
    """The quarantine entry of an exact duplicate (`unit`: "line" or "record"), naming its first."""
    return Reject(field_name, f"exact duplicate of {unit} {placement.duplicate_of} ({what}): lifted once", value)


def record_digest(raw: dict) -> bytes:
    """What tells two records apart, in 16 bytes: the digest of the record's canonical JSON text
    (sorted keys), equal exactly when the texts are (a collision is beyond reach at 128 bits)."""
    return blake2b(json.dumps(raw, sort_keys=True, ensure_ascii=False).encode(), digest_size=16).digest()


def audit_json(records: Iterable[tuple[int, dict]], identity: Callable[[dict], tuple[str, str]],
               amount: Callable[[dict], Any],
               dates: Callable[[dict], tuple[Any, Any]],
               validate: Callable[[dict], bool],
               amendments: Callable[[dict], list[Any]]) -> Audit:
    """The audit of a JSON DECP file (both formats), given how to read its records (`amendments`:
    the amounts its modifications set). One pass over `records` (a stream: a national file is not
    held in memory), keeping per record its keys, a digest of its text and its notification date."""
    audit = Audit()
    keyed, published = [], []
    for line, raw in records:
        audit.records += 1
        buyer, ident = identity(raw)
        keyed.append((line, f"{buyer}{ident}"))
        digest = record_digest(raw)
        notified = dates(raw)[0]
        published.append(Published(line, (buyer, ident) if buyer and ident else None, digest, digest,
                                   str(notified or "")))
        check_siren(audit, line, buyer)
        if misencoded(raw):
            audit.flag(line, "MisencodedText")
        if not validate(raw):
            audit.flag(line, "SchemaViolation")
        check_amount(audit, line, amount(raw))
        check_increments(audit, line, amount(raw), amendments(raw))
        check_delay(audit, line, *dates(raw))
    check_duplicates(audit, keyed)
    place_awards(audit, published)
    return audit


def measurements(ctx: Context, source_name: str, audit: Audit) -> list[Triple]:
    """One dqv:QualityMeasurement per metric on the source graph, plus the records audited."""
    graph = ctx.mint.graph(source_name)
    out: list[Triple] = []
    counts = {"RecordsAudited": audit.records, **audit.counts(), **audit.figures}
    for metric, value in counts.items():
        m = ctx.entity("measure", source_name, metric)
        out += [(m, A, DQV.QualityMeasurement), (m, DQV.computedOn, graph),
                (m, DQV.isMeasurementOf, BG[metric]), (m, DQV.value, typed(value, XSD.integer))]
    return out


def cached_by_file(function: Callable[[Path], Any]) -> Callable[[Path], Any]:
    """Run a file analysis once per file version (path, size, mtime): reader and preamble share it."""
    @lru_cache(maxsize=16)
    def run(path: Path, stamp: tuple[int, int]) -> Any:
        return function(path)

    def wrapper(path: Path) -> Any:
        stat = path.stat() if path.is_file() else None
        return run(path, (stat.st_size, stat.st_mtime_ns) if stat else (0, 0))

    wrapper.__doc__ = function.__doc__
    return wrapper
