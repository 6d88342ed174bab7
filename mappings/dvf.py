"""The sale model shared by both DVF formats: one normalised line (`SaleLine`) -> triples.

A DVF line is one (disposition × parcel × premises or land) of a sale. The entities are keyed so
that every line of a sale states the same facts about the same IRIs, which makes repeated facts
(the price, repeated on every line of its mutation; exact duplicate lines of geo-DVF) idempotent:
- `mutation/{key}`: the sale (bg:Mutation), with ITS date, nature and price (stated once per sale,
  however many lines repeat it); linked to the COG commune(s) of its parcels (dct:spatial);
- `disposition/{mutation}/{n}`: a disposition of the deed (bg:Disposition);
- `parcelle/{id}`: the cadastral parcel (14-character id, stable across sales), with its centroid
  as a GeoSPARQL point when the source gives one;
- `local/{mutation}/{n}/{parcel}/{digest}`: a premises as sold (bg:Local): the digest covers the
  columns describing the premises (address, volume, lots, type, surface, rooms, and the raw
  format's `Identifiant local`), so the same premises repeated on several land lines is one entity;
  premises that share one description are told apart by their copy number (`{digest}-{k}`, k >= 2;
  `numbered`): the DGFiP file writes one line per premises x land part of its parcel, never twice
  the same line, so a line repeating another line exactly is another premises with the same
  description (rule and evidence: ontology/README.md, "Premises");
- `terrain/{mutation}/{n}/{parcel}/{digest}`: a land part (bg:Terrain) with its nature de culture
  (SKOS, kind `nature-culture`) and surface.
Premises types and natures de culture are concepts of mappings/nature_culture.py, linked by code.
Price per m2 is not stored: `queries/dvf_median_price_m2.rq` computes it (definition there and in
ontology/README.md).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import values
from .namespaces import A, BG, DCT, GEO, LOCN, XSD
from .read import Record, read_csv
from .source import Context, Reader
from .terms import Triple, fr, literal, point, typed

#: The field `numbered` adds to a line: how many identical lines came before it, plus one.
COPY = "(copy)"


def numbered(records: Iterable[Record]) -> Iterator[Record]:
    """Lines with their copy number among the lines identical to them (1 for the first).

    The DGFiP file has one line per premises x land part of its parcel and never twice the same
    line (its `Identifiant local` tells premises apart); geo-DVF drops that column, so a line that
    repeats another exactly is a second premises with the same description, not a duplicate.
    """
    seen: Counter[tuple] = Counter()
    for record in records:
        if None in record.data:
            yield record
            continue
        key = tuple(record.data.items())
        seen[key] += 1
        yield Record(record.line, {**record.data, COPY: seen[key]})


def reader(columns: tuple[str, ...], delimiter: str = ",") -> Reader:
    """A DVF file's reader: its delimited lines, each with its copy number."""
    def read(path: Path) -> Iterator[Record]:
        return numbered(read_csv(path, columns, delimiter))
    return read


@dataclass(frozen=True, slots=True)
class SaleLine:
    """One DVF line, normalised (codes, ISO dates, canonical decimals), whichever the format."""

    mutation: str
    date: str
    nature: str
    price: str | None
    disposition: int
    commune: str
    parcel: str
    address: str = ""
    postcode: str = ""
    volume: str = ""
    lots: tuple[str, ...] = ()
    type_code: str = ""
    built_surface: str | None = None
    rooms: str | None = None
    premises_id: str = ""
    culture: str = ""
    culture_speciale: str = ""
    land_surface: str | None = None
    longitude: str | None = None
    latitude: str | None = None
    copy: int = 1  # among the identical lines of its file (`numbered`): 2+ is another premises

    @property
    def has_premises(self) -> bool:
        return bool(self.type_code)

    @property
    def has_land(self) -> bool:
        return bool(self.culture)


def digest(*parts: object) -> str:
    """A short stable key for an entity that the source does not identify."""
    return hashlib.sha1("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:12]


def triples(line: SaleLine, ctx: Context) -> list[Triple]:
    """Everything one line says about its sale, disposition, parcel, premises and land."""
    mutation = ctx.entity("mutation", line.mutation)
    disposition = ctx.entity("disposition", line.mutation, str(line.disposition))
    parcel = ctx.entity("parcelle", line.parcel)
    commune = ctx.link("commune", line.commune, at=values.day(line.date))
    out: list[Triple] = [
        (mutation, A, BG.Mutation),
        (mutation, DCT.identifier, literal(line.mutation)),
        (mutation, BG.dateMutation, typed(line.date, XSD.date)),
        (mutation, BG.natureMutation, fr(line.nature)),
        (mutation, BG.disposition, disposition),
        (disposition, A, BG.Disposition),
        (disposition, BG.numeroDisposition, typed(line.disposition, XSD.integer)),
        (disposition, BG.parcelle, parcel),
        (parcel, A, BG.Parcelle),
        (parcel, A, GEO.Feature),
        (parcel, DCT.identifier, literal(line.parcel)),
    ]
    if line.price is not None:
        out.append((mutation, BG.valeurFonciere, typed(line.price, XSD.decimal)))
    if commune:
        out += [(mutation, DCT.spatial, commune), (parcel, DCT.spatial, commune)]
    if line.longitude is not None and line.latitude is not None:
        out += point(parcel, line.longitude, line.latitude)
    if line.has_premises:
        out += premises(line, ctx, disposition, parcel)
    if line.has_land:
        out += land(line, ctx, disposition, parcel)
    return out


def premises(line: SaleLine, ctx: Context, disposition: str, parcel: str) -> list[Triple]:
    key = digest(line.address, line.postcode, line.volume, line.lots, line.type_code,
                 line.built_surface, line.rooms, line.premises_id)
    key += f"-{line.copy}" if line.copy > 1 else ""
    local = ctx.entity("local", line.mutation, str(line.disposition), line.parcel, key)
    out: list[Triple] = [
        (disposition, BG.local, local),
        (local, A, BG.Local),
        (local, BG.parcelle, parcel),
    ]
    if kind := ctx.link("type-local", line.type_code):
        out.append((local, BG.typeLocal, kind))
    if line.built_surface is not None:
        out.append((local, BG.surfaceReelleBati, typed(line.built_surface, XSD.decimal)))
    if line.rooms is not None:
        out.append((local, BG.nombrePiecesPrincipales, typed(line.rooms, XSD.integer)))
    if line.premises_id:
        out.append((local, BG.identifiantLocal, literal(line.premises_id)))
    if line.address:
        out.append((local, LOCN.fullAddress, literal(line.address)))
    if line.postcode:
        out.append((local, LOCN.postCode, literal(line.postcode)))
    return out


def land(line: SaleLine, ctx: Context, disposition: str, parcel: str) -> list[Triple]:
    key = digest(line.culture, line.culture_speciale, line.land_surface)
    terrain = ctx.entity("terrain", line.mutation, str(line.disposition), line.parcel, key)
    out: list[Triple] = [(disposition, BG.terrain, terrain), (terrain, A, BG.Terrain),
                         (terrain, BG.parcelle, parcel)]
    if culture := ctx.link("nature-culture", line.culture):
        out.append((terrain, BG.natureCulture, culture))
    if line.culture_speciale and (special := ctx.link("nature-culture", line.culture_speciale)):
        out.append((terrain, BG.natureCultureSpeciale, special))
    if line.land_surface is not None:
        out.append((terrain, BG.surfaceTerrain, typed(line.land_surface, XSD.decimal)))
    return out
