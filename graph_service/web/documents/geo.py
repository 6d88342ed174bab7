"""Maps without a tile server: the outlines of the départements and régions, and the geo-DVF points of a commune's
sales, projected on the server into the coordinates of an SVG drawing (html/maps.py draws it).

The geometry is shipped with the project (data/SOURCES.md, "geo/"): the simplified IGN Admin Express 2018
outlines of france-geojson for mainland France (`data/geo/`), and for the overseas départements the outlines
of Opendatasoft's `georef-france-departement` export (IGN Admin Express too), already in `data/tabular/`. Overseas
régions have no outline in either: a map says so. Nothing is fetched at run time.

Projection: equirectangular, longitudes scaled by the cosine of the drawing's middle latitude (at the size of
a département the distortion is under 1 %), north up. Points closer than `TOLERANCE` drawing units to the
previous kept point of a ring are dropped, so a page carries a few kilobytes of outline, not the whole file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache

from mappings.namespaces import sparql_prologue

from graph_service.config import PROJECT_ROOT
from graph_service.store import GraphStore
from graph_service.web import page_cache
from graph_service.web.documents import sparql_values as sv

GEO_DIR = PROJECT_ROOT / "data" / "geo"
DEPARTEMENTS = GEO_DIR / "departements-version-simplifiee.geojson"
REGIONS = GEO_DIR / "regions-version-simplifiee.geojson"
OVERSEAS = PROJECT_ROOT / "data" / "tabular" / "georef-france-departement_public-opendatasoft_export.json"
WIDTH = 400          # drawing units across
TOLERANCE = 0.6      # drawing units between two kept points of an outline

Ring = list[tuple[float, float]]


@dataclass(frozen=True)
class Shape:
    """An outline: its code, its name, its rings (lon, lat), the file it comes from."""

    code: str
    name: str
    rings: tuple[Ring, ...]
    source: str


def _rings(geometry: dict) -> tuple[Ring, ...]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return tuple([(float(x), float(y)) for x, y, *_ in ring] for polygon in polygons for ring in polygon)


def _geojson(path) -> dict[str, Shape]:
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["code"]: Shape(f["properties"]["code"], f["properties"]["nom"], _rings(f["geometry"]),
                                           f"data/geo/{path.name}") for f in features}


@lru_cache(maxsize=1)
def departements() -> dict[str, Shape]:
    """Every département with an outline: mainland from data/geo, the others from the Opendatasoft export."""
    found = _geojson(DEPARTEMENTS)
    for record in json.loads(OVERSEAS.read_text(encoding="utf-8")):
        code = record["dep_code"][0] if isinstance(record["dep_code"], list) else record["dep_code"]
        name = record["dep_name"][0] if isinstance(record["dep_name"], list) else record["dep_name"]
        if code not in found and record.get("geo_shape"):
            found[code] = Shape(code, name, _rings(record["geo_shape"]["geometry"]), f"data/tabular/{OVERSEAS.name}")
    return found


@lru_cache(maxsize=1)
def regions() -> dict[str, Shape]:
    return _geojson(REGIONS)


@dataclass(frozen=True)
class Drawing:
    """Outlines as SVG path data and points as (x, y), in a `width` x `height` box."""

    width: int
    height: int
    paths: list[str]
    points: list[tuple[float, float]]


def project(shapes: list[Shape], points: list[tuple[float, float]] = ()) -> Drawing:  # type: ignore[assignment]
    """The shapes and points (lon, lat) fitted into a drawing `WIDTH` wide (equirectangular, cos of the middle
    latitude), with a margin."""
    coords = [p for s in shapes for ring in s.rings for p in ring] + list(points)
    west, east = min(x for x, _ in coords), max(x for x, _ in coords)
    south, north = min(y for _, y in coords), max(y for _, y in coords)
    k = math.cos(math.radians((north + south) / 2))
    margin = 6
    scale = (WIDTH - 2 * margin) / max((east - west) * k, 1e-9)
    height = round((north - south) * scale + 2 * margin)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return round(margin + (lon - west) * k * scale, 1), round(margin + (north - lat) * scale, 1)

    paths = []
    for shape in shapes:
        parts = []
        for ring in shape.rings:
            kept: list[tuple[float, float]] = []
            for lon, lat in ring:
                p = xy(lon, lat)
                if not kept or math.dist(p, kept[-1]) >= TOLERANCE:
                    kept.append(p)
            if len(kept) >= 3:
                parts.append("M" + "L".join(f"{x:g} {y:g}" for x, y in kept) + "Z")
        paths.append("".join(parts))
    return Drawing(WIDTH, height, paths, sorted({xy(lon, lat) for lon, lat in points}))


PROLOGUE = sparql_prologue("bg", "dct", "geo", "igeo")
_DEPARTEMENT_OF = PROLOGUE + """SELECT ?code WHERE { $t igeo:subdivisionDe ?d . ?d a igeo:Departement ;
  igeo:codeINSEE ?code }"""
_SALE_POINTS = PROLOGUE + """SELECT ?m ?wkt WHERE { ?m a bg:Mutation ; dct:spatial $t .
  OPTIONAL { ?m bg:disposition/bg:parcelle/geo:hasGeometry/geo:asWKT ?wkt } }"""


def departement_of(store: GraphStore, commune: str) -> str | None:
    rows = store.select(sv.fill(_DEPARTEMENT_OF, t=sv.iri(commune)))
    return rows[0]["code"] if rows else None


@dataclass(frozen=True)
class SalePoints:
    """Where a commune's sales are: the points of their parcels, how many sales have one, how many in all."""

    points: list[tuple[float, float]]
    located: int
    sales: int


def sale_points(store: GraphStore, commune: str) -> SalePoints:
    """The (lon, lat) of the parcels of the commune's DVF sales (geo-DVF gives one per line), once per build."""
    return page_cache.cached(store, ("sale points", commune), lambda: _sale_points(store, commune))


def _sale_points(store: GraphStore, commune: str) -> SalePoints:
    points, located, sales = set(), set(), set()
    for r in store.select(sv.fill(_SALE_POINTS, t=sv.iri(commune))):
        sales.add(r["m"])
        wkt = r.get("wkt", "")
        if wkt.startswith("POINT(") and wkt.endswith(")"):
            lon, _, lat = wkt[6:-1].partition(" ")
            points.add((float(lon), float(lat)))
            located.add(r["m"])
    return SalePoints(sorted(points), len(located), len(sales))
