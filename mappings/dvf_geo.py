"""Geolocated DVF (geo-DVF, Etalab): Toulon 2023, comma-separated, one line per disposition ×
parcel × premises or land, with Etalab's `id_mutation` as the sale key.

Quirks handled here: the price is repeated on every line of its sale (stated once on the
mutation: see mappings/dvf.py); a line repeating another exactly (768 in Toulon 2023) is another
premises with the same description (geo-DVF dropped the DGFiP's `Identifiant local`: see
`dvf.numbered`); lines without price or coordinates are lifted without them.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import dvf, values
from .kinds import like
from .read import Record
from .source import Context, Source
from .terms import Triple

ADDRESS_COLUMNS = ("adresse_numero", "adresse_suffixe", "adresse_nom_voie")
LOT_COLUMNS = tuple(f"lot{i}_numero" for i in range(1, 6))
#: every column `sale_line` reads: what the reader checks in the file's header
COLUMNS = ("id_mutation", "date_mutation", "numero_disposition", "nature_mutation", "valeur_fonciere",
           *ADDRESS_COLUMNS, "code_postal", "code_commune", "id_parcelle", "numero_volume", *LOT_COLUMNS,
           "code_type_local", "surface_reelle_bati", "nombre_pieces_principales", "code_nature_culture",
           "code_nature_culture_speciale", "surface_terrain", "longitude", "latitude")


def address(row: Record) -> str:
    """`30 B RUE THIERS` from the number, suffix and street columns."""
    return " ".join(p for p in (row.get(c) for c in ADDRESS_COLUMNS) if p)


def sale_line(row: Record) -> dvf.SaleLine:
    """A geo-DVF line as the shared sale model."""
    longitude = row.parse("longitude", values.decimal)
    latitude = row.parse("latitude", values.decimal)
    return dvf.SaleLine(
        mutation=row.require("id_mutation"),
        date=row.parse("date_mutation", values.date_, optional=False),
        nature=row.require("nature_mutation"),
        price=row.parse("valeur_fonciere", values.decimal),
        disposition=int(row.parse("numero_disposition", values.integer, optional=False)),
        commune=row.parse("code_commune", values.commune, optional=False),
        parcel=row.parse("id_parcelle", values.parcelle, optional=False),
        address=address(row),
        postcode=row.get("code_postal"),
        volume=row.get("numero_volume"),
        lots=tuple(row.get(c) for c in LOT_COLUMNS if row.get(c)),
        type_code=row.get("code_type_local"),
        built_surface=row.parse("surface_reelle_bati", values.decimal),
        rooms=row.parse("nombre_pieces_principales", values.integer),
        culture=row.get("code_nature_culture"),
        culture_speciale=row.get("code_nature_culture_speciale"),
        land_surface=row.parse("surface_terrain", values.decimal),
        longitude=longitude if latitude is not None else None,
        latitude=latitude if longitude is not None else None,
        copy=row[dvf.COPY],
    )


def lift(row: Record, ctx: Context) -> Iterable[Triple]:
    return dvf.triples(sale_line(row), ctx)


SOURCES = [
    Source(
        name="dvf-geo-toulon-2023",
        title="DVF géolocalisées (geo-DVF) — Toulon (83137), mutations 2023",
        path="dvf/geodvf_2023_commune_83137_toulon.csv",
        read=dvf.reader(COLUMNS),
        lift=lift,
        mapping=__name__,
    ),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(SOURCES[0], "dvf-geo", columns=COLUMNS)]
