"""The generic lift: any CSV/JSON table without a hand mapping, joined through the referentials by its values.

Recognition (`recognise`): each column's kind is decided from its **values** checked against the
referentials the build has already loaded (`Context.known`: COG communes, départements, régions, La Poste's
postal codes, NAF, CPV, budget missions and programmes, legal categories) or against their check digit
(SIREN, SIRET; La Poste's SIRETs are exempt, `values.siret`), then dates, years and numbers. The column's
name, label and description (the portal's field metadata when known) are hints only:

- a kind is a candidate when at least `THRESHOLD` (90 %) of the non-empty values of a sample (the first
  `SAMPLE` ones) resolve, and is kept only when 90 % of the whole column resolve too;
- short codes whose values alone cannot tell (`WEAK`: département, région, programme, mission, legal
  category: any column of small numbers passes) also need a name hint (`dep`, `region`, `programme`...);
- among the kinds kept, a name hint wins, then the higher share, then the smaller referential (a column
  of région codes is also a column of département codes: région wins).

Every decision is recorded with its evidence (values checked, values resolved, share, a note): the CSVW
description of the table carries it (`mappings/csvw.py`).

The lift (`GenericTable`): each row is a `bg:Record` `{base}/graph/{source}/row/{line}` in the source's
graph, `dct:isPartOf` the table `{base}/graph/{source}/table`; each non-empty cell is a triple whose
predicate is the column's property `{base}/graph/{source}/column/{name}` (minted per dataset); a recognised
code resolved to a referential entity is that entity's IRI (the same IRIs as the hand mappings), any other
value a literal (typed when the column is a date, year or number). Codes are linked through `Context.link`,
so unresolved ones are counted in the build's coverage like every source's. A row is rejected only when it
cannot be read at all (wrong number of fields, not a JSON object).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from . import values
from .csvw import table_triples
from .iri import encode_key
from .namespaces import BG, DCT, ORG, XSD, A
from .read import Record, read_csv, read_json_records
from .source import Context, Reader, Source
from .terms import Triple, literal, typed

#: share of the non-empty values that must resolve, in the sample and in the whole column
THRESHOLD = 0.9
#: the sample: the first non-empty values of a column (candidates are found on it, then checked on all)
SAMPLE = 500


@dataclass(frozen=True)
class Kind:
    """A kind of column: how its values are normalised and checked, and which names hint at it.

    `referential` is the `Context.known` kind a value must be in (None: the normaliser's own check, e.g. the
    Luhn digit of a SIREN); `entity` the kind of the IRI a value links to; `weak` kinds need a name hint.
    """

    name: str
    normalise: Callable[[str], str]
    hints: frozenset[str]
    referential: str | None = None
    entity: str | None = None
    weak: bool = False
    datatype: str | None = None  # literal kinds: the XSD datatype of the value
    csvw_datatype: str = "string"
    vetoes: frozenset[str] = frozenset()  # name words saying the column codes another thing (see `OTHER_ZONINGS`)


def _hints(*words: str) -> frozenset[str]:
    return frozenset(words)


def _commune(text: str) -> str:
    """A commune code written with its 5 characters: `values.commune` also restores a lost leading zero
    (`1001`), which would read every year (`2025` -> 02025) as a commune; that reading needs a name hint
    (kind `commune-sans-zero`)."""
    if len(text.strip()) != 5:
        raise ValueError(f"not a 5-character commune code: {text!r}")
    return values.commune(text)


COMMUNE_HINTS = _hints("commune", "com", "insee", "codgeo", "depcom", "codecommune")
#: Zonings whose codes are written as the code of their pole commune (INSEE: bassin de vie, zone d'emploi
#: before 2020, unité urbaine, aire d'attraction) or that group communes (canton, EPCI): a column so named holds
#: commune codes that are not the row's commune (georef's "Code Officiel Bassin vie 2022": 33063 for every
#: commune around Bordeaux), so it is never read as a commune even when its values all resolve.
OTHER_ZONINGS = _hints("bassin", "bv", "bv2012", "bv2022", "emploi", "ze", "uu", "uu2010", "uu2020", "au", "au2010",
                       "aav", "aav2020", "canton", "epci", "ept", "pole")


#: The referential codes, in the order ties are listed (the choice rule is in `choose`).
CODE_KINDS: tuple[Kind, ...] = (
    Kind("commune", _commune, COMMUNE_HINTS, "commune", "commune", vetoes=OTHER_ZONINGS),
    Kind("commune-sans-zero", values.commune, COMMUNE_HINTS, "commune", "commune", weak=True,
         vetoes=OTHER_ZONINGS),
    Kind("code-postal", values.postal_code, _hints("postal", "cp", "codepostal", "postcode"),
         "code-postal", "code-postal"),
    Kind("departement", values.departement, _hints("departement", "dep", "dept", "dpt"),
         "departement", "departement", weak=True),
    Kind("region", values.region, _hints("region", "reg"), "region", "region", weak=True),
    Kind("siren", values.siren, _hints("siren", "entreprise", "epci"), None, "entreprise"),
    Kind("siret", values.siret, _hints("siret", "etablissement"), None, "etablissement"),
    Kind("naf", values.naf, _hints("naf", "ape", "activite"), "naf", "naf"),
    Kind("cpv", values.cpv, _hints("cpv"), "cpv", "cpv"),
    Kind("mission", values.plain_code, _hints("mission"), "mission", "mission", weak=True),
    Kind("programme", values.plain_code, _hints("programme", "prog"), "programme", "programme", weak=True),
    Kind("categorie-juridique", values.plain_code, _hints("juridique", "cj"), "categorie-juridique",
         "categorie-juridique", weak=True),
)


def _year(text: str) -> str:
    value = values.year(text)
    if not 1800 <= int(value) <= 2100:
        raise ValueError(f"not a plausible year: {text!r}")
    return value


#: one number as tables write it: `1234`, `-3.5`, `1 234,50`, `1.234,50` (not `43.3, 5.4`, a pair)
_ONE_NUMBER = re.compile(r"^[-+]?(\d+([.,]\d+)?|\d{1,3}([ .\u00a0\u202f]\d{3})+(,\d+)?)$")


def _number(text: str) -> str:
    """A number, but not a code written with digits: a leading zero (`00034`, a NIC) keeps it a code."""
    raw = text.strip()
    if len(raw) > 1 and raw[0] == "0" and raw[1].isdigit():
        raise ValueError(f"a code, not a number: {text!r}")
    if not _ONE_NUMBER.match(raw):
        raise ValueError(f"not one number: {text!r}")
    return values.decimal(raw)


#: Literal kinds, tried in this order after the codes.
LITERAL_KINDS: tuple[Kind, ...] = (
    Kind("date", values.date_, _hints("date"), datatype=XSD.date, csvw_datatype="date"),
    Kind("datetime", values.datetime_, _hints("date"), datatype=XSD.dateTime, csvw_datatype="dateTime"),
    Kind("year", _year, _hints("annee", "year", "exercice", "millesime"), datatype=XSD.gYear,
         csvw_datatype="gYear"),
    Kind("amount", _number, _hints("montant", "prix", "amount", "valeur", "euros"), datatype=XSD.decimal,
         csvw_datatype="decimal", weak=True),
    Kind("number", _number, frozenset(), datatype=XSD.decimal, csvw_datatype="decimal"),
)
#: Names of columns that hold identifiers written with digits: never read as numbers.
CODE_WORDS = frozenset({"code", "id", "identifiant", "numero", "num", "nic", "siren", "siret", "cp", "insee"})
KINDS = {k.name: k for k in (*CODE_KINDS, *LITERAL_KINDS)}


@dataclass(frozen=True)
class FieldMeta:
    """What a portal says of a field (Opendatasoft `fields`: name, label, type, description)."""

    name: str
    label: str = ""
    type: str = ""
    description: str = ""


def ods_fields(fields: Iterable[dict | FieldMeta]) -> tuple[FieldMeta, ...]:
    """The field metadata of an Opendatasoft dataset (`dataset.fields` of the Explore API: name, label, type,
    description, which may be null; other keys ignored), as the generic lift takes it."""
    out = []
    for f in fields:
        if isinstance(f, FieldMeta):
            out.append(f)
        elif isinstance(f, dict) and f.get("name"):
            out.append(FieldMeta(str(f["name"]), str(f.get("label") or ""), str(f.get("type") or ""),
                                 str(f.get("description") or "")))
    return tuple(out)


@dataclass
class Decision:
    """A column and what it was recognised as, with the evidence."""

    number: int          # 1-based position in the header
    title: str           # the header as written
    kind: Kind | None = None
    checked: int = 0     # non-empty values checked (whole column)
    resolved: int = 0    # of which resolved as `kind`
    note: str = ""
    hints: frozenset[str] = field(default_factory=frozenset)
    meta: FieldMeta | None = None  # what the portal says of the field, when known

    @property
    def titles(self) -> list[str]:
        """The header, then the portal's label and name when they differ (CSVW titles)."""
        found = [self.title] + ([self.meta.label, self.meta.name] if self.meta else [])
        return list(dict.fromkeys(t for t in found if t and t.strip()))

    @property
    def description(self) -> str:
        return self.meta.description if self.meta else ""

    @property
    def name_words(self) -> frozenset[str]:
        """The words of the column's names (header, portal name and label; not its description)."""
        return tokens(*self.titles)

    @property
    def name(self) -> str:
        """The CSVW `name`: the title percent-encoded (a URI template variable)."""
        return encode_key(self.title) if self.title.strip() else f"_col.{self.number}"

    @property
    def share(self) -> float:
        return self.resolved / self.checked if self.checked else 0.0

    @property
    def links(self) -> bool:
        return self.kind is not None and self.kind.entity is not None


def tokens(*texts: str) -> frozenset[str]:
    """The words of a name or label, lower-case and without accents (`Code Officiel Département` ->
    code, officiel, departement; `dep_code` -> dep, code; `codeCommuneEtablissement` -> code, commune...)."""
    out: set[str] = set()
    for text in texts:
        text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text or "")
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
        out |= set(re.findall(r"[a-z0-9]+", plain))
    return frozenset(out)


def cell_values(value: object) -> list[str]:
    """The non-empty text values of a cell: a JSON array gives one per element, an object its JSON text."""
    if value is None:
        return []
    if isinstance(value, list):
        return [v for item in value for v in cell_values(item)]
    if isinstance(value, dict):
        return [json.dumps(value, ensure_ascii=False, separators=(",", ":"))]
    text = value if isinstance(value, str) else json.dumps(value)
    text = text.strip()
    return [text] if text else []


def resolve(kind: Kind, raw: str, known: dict[str, set[str]]) -> str | None:
    """The normalised key of a value when it resolves as `kind`, else None."""
    try:
        key = kind.normalise(raw)
    except ValueError:
        return None
    if kind.referential is not None and key not in known.get(kind.referential, ()):
        return None
    return key


def _resolved(kind: Kind, column: list[str], known: dict[str, set[str]]) -> int:
    """How many values resolve as `kind` (the evidence)."""
    return sum(1 for raw in column if resolve(kind, raw, known) is not None)


def _passes(kind: Kind, sample: list[str], known: dict[str, set[str]]) -> bool:
    """Whether `THRESHOLD` of the sample resolves; stops at the first failure too many (most kinds fail fast)."""
    allowed = len(sample) - THRESHOLD * len(sample)
    failed = 0
    for raw in sample:
        if resolve(kind, raw, known) is None:
            failed += 1
            if failed > allowed:
                return False
    return True


def recognise(header: list[str], rows: Iterable[dict], known: dict[str, set[str]],
              fields: Iterable[FieldMeta] = ()) -> list[Decision]:
    """The decision for every column of a table (see the module's docstring for the rule)."""
    meta = {}
    for f in fields:
        meta[f.name] = f
        if f.label:
            meta[f.label] = f
    columns: dict[str, list[str]] = {title: [] for title in header}
    for row in rows:
        for title in header:
            columns[title] += cell_values(row.get(title))
    decisions = []
    for number, title in enumerate(header, start=1):
        f = meta.get(title)
        decision = Decision(number, title, meta=f,
                            hints=tokens(title, *((f.name, f.label, f.description) if f else ())))
        decide(decision, columns[title], known, f.type if f else "")
        decisions.append(decision)
    return decisions


def decide(d: Decision, column: list[str], known: dict[str, set[str]], portal_type: str = "") -> None:
    """Fill `d` with the kind its values support (or none), its evidence and a note saying why."""
    d.checked = len(column)
    portal = f"; portal type: {portal_type} (a hint, not a proof)" if portal_type else ""
    if not column:
        d.note = "empty column" + portal
        return
    sample = column[:SAMPLE]
    code_words = bool(d.hints & CODE_WORDS) or portal_type == "text"
    kept: list[tuple[Kind, int]] = []
    refused: list[str] = []
    for kind in (*CODE_KINDS, *LITERAL_KINDS):
        if kind.datatype in (XSD.decimal,) and code_words:
            continue  # `Code ...`, `... id`: digits that name, not count
        if not _passes(kind, sample, known):
            continue
        if vetoed := d.name_words & kind.vetoes:
            refused.append(f"{kind.name}: the values resolve but the name says another zoning "
                           f"({', '.join(sorted(vetoed))})")
            continue
        resolved = _resolved(kind, column, known)
        if resolved < THRESHOLD * len(column):
            refused.append(f"{kind.name}: {resolved}/{len(column)} in the whole column")
            continue
        if kind.weak and not (d.hints & kind.hints):
            refused.append(f"{kind.name}: {resolved}/{len(column)} resolve but the name gives no hint")
            continue
        kept.append((kind, resolved))
    codes = [k for k in kept if k[0].datatype is None]
    chosen = choose(codes, d.hints, known) if codes else (kept[0] if kept else None)
    if chosen is None:
        d.note = "not recognised" + (f" ({'; '.join(refused)})" if refused else "") + portal
        return
    d.kind, d.resolved = chosen
    others = [k.name for k, _ in kept if k is not d.kind]
    d.note = (f"{d.kind.name}: {d.resolved}/{d.checked} values resolve ({d.share:.1%}, threshold "
              f"{THRESHOLD:.0%})" + (f"; also possible: {', '.join(others)}" if others else "")
              + (f"; refused: {'; '.join(refused)}" if refused else "") + portal)


def choose(kept: list[tuple[Kind, int]], hints: frozenset[str], known: dict[str, set[str]]) -> tuple[Kind, int]:
    """Among code kinds that all pass: a name hint first, then the higher share, then the smaller referential."""
    def rank(item: tuple[Kind, int]) -> tuple[bool, int, int]:
        kind, resolved = item
        size = len(known.get(kind.referential, ())) if kind.referential else 10**9
        return (bool(hints & kind.hints), resolved, -size)
    return max(kept, key=rank)


def header_of(records: list[Record]) -> list[str]:
    """The columns of a table: the keys of its records in first-seen order."""
    seen: dict[str, None] = {}
    for record in records:
        for key in record.data:
            if key is not None:
                seen.setdefault(key, None)
    return list(seen)


class GenericTable:
    """A table lifted generically: its decisions are made in the preamble (when the referentials are
    loaded, from the whole file), then every record is lifted by them. The decisions of the last build
    stay on the object (`decisions`) for the CSVW description and the tests."""

    def __init__(self, name: str, path: str, read: Reader, fields: tuple[FieldMeta, ...] = (),
                 dataset: str | None = None) -> None:
        self.name, self.path, self.read, self.fields, self.dataset = name, path, read, fields, dataset
        self.decisions: list[Decision] = []

    def recognise(self, ctx: Context) -> list[Decision]:
        """Read the whole file and decide every column."""
        records = list(self.read(ctx.data_dir / self.path))
        readable = [r.data for r in records if None not in r.data]
        self.decisions = recognise(header_of(records), readable, ctx.known, self.fields)
        return self.decisions

    def column_property(self, ctx: Context, d: Decision) -> str:
        """The predicate minted for a column of this dataset."""
        return ctx.mint.resource(f"graph/{encode_key(self.name)}/column/{d.name}")

    def row(self, ctx: Context, line: int) -> str:
        return ctx.mint.resource(f"graph/{encode_key(self.name)}/row/{line}")

    def table(self, ctx: Context) -> str:
        return ctx.mint.resource(f"graph/{encode_key(self.name)}/table")

    def preamble(self, ctx: Context) -> Iterator[Triple]:
        self.recognise(ctx)
        self._props = [(d, self.column_property(ctx, d)) for d in self.decisions]
        self._table = self.table(ctx)
        yield from table_triples(self, ctx)

    def lift(self, record: Record, ctx: Context) -> list[Triple]:
        subject = self.row(ctx, record.line)
        out: list[Triple] = [(subject, A, BG.Record), (subject, DCT.isPartOf, self._table)]
        for d, prop in self._props:
            for raw in cell_values(record.data.get(d.title)):
                out += cell(ctx, subject, prop, d, raw)
        return out


def cell(ctx: Context, subject: str, prop: str, d: Decision, raw: str) -> list[Triple]:
    """The triples of one cell: a link for a resolved code, else a literal (typed for the literal kinds)."""
    kind = d.kind
    if kind is None:
        return [(subject, prop, literal(raw))]
    key = resolve(kind, raw, ctx.known)
    if kind.datatype is not None:
        return [(subject, prop, typed(key, kind.datatype) if key is not None else literal(raw))]
    if kind.entity == "etablissement" and key is not None:
        unit, company = ctx.entity("etablissement", key), ctx.entity("entreprise", key[:9])
        ctx.link("entreprise", key[:9])  # counted against SIRENE, as DECP counts its parties
        return [(subject, prop, unit), (unit, ORG.unitOf, company)]
    if kind.entity == "entreprise" and key is not None:
        ctx.link("entreprise", key)
        return [(subject, prop, ctx.entity("entreprise", key))]
    if key is None and kind.referential is not None:
        key = normalised(kind, raw)  # a code no longer current may resolve through the history (`Context.link`)
    if key is None:
        ctx.unresolvable(kind.referential or kind.entity or kind.name, raw)
    elif target := ctx.link(kind.referential or kind.entity or "", key):  # (an unknown key is counted there)
        return [(subject, prop, target)]
    return [(subject, prop, literal(raw))]


def normalised(kind: Kind, raw: str) -> str | None:
    """A value in the form of its kind (not checked against the referential), or None."""
    try:
        return kind.normalise(raw)
    except ValueError:
        return None


def generic_source(name: str, title: str, path: str, *, delimiter: str = ",", json_array: bool = False,
                   fields: Iterable[FieldMeta | dict] = (), dataset: str | None = None) -> Source:
    """A source lifted generically from a CSV file (or a JSON array of objects). `fields`: the portal's field
    metadata when known (Opendatasoft `fields` as the harvester saves them: a list of dicts, `ods_fields`)."""
    read: Reader = read_json_records if json_array else partial(read_csv, delimiter=delimiter)
    table = GenericTable(name, path, read, ods_fields(fields), dataset)
    return Source(name=name, title=title, path=path, read=read, lift=table.lift, mapping=__name__,
                  preamble=table.preamble)


def table_of(source: Source) -> GenericTable | None:
    """The generic table behind a source (None for a hand-mapped source)."""
    owner = getattr(source.lift, "__self__", None)
    return owner if isinstance(owner, GenericTable) else None


def sniff_delimiter(path: Path) -> str:
    """`;` or `,`, whichever the header line holds more of (for tables nobody described)."""
    with path.open(encoding="utf-8-sig") as handle:
        head = handle.readline()
    return ";" if head.count(";") > head.count(",") else ","
