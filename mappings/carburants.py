"""Prix des carburants, flux instantané (prix-carburants.gouv.fr, Ministère de l'Économie): one zip
holding one ISO-8859-1 XML file, one `<pdv>` per station with its `<prix>` (one per fuel sold).

Quirks handled here: coordinates are WGS84 degrees ×100000 (`4711200` = 47.112); 694 station ids
lost their leading zero (7 digits, départements 01-09): restored only where the restored id starts
with a département its postal code serves (`bg:RepairedCode`), else kept and flagged; times
are local (Europe/Paris) without offset. A defect (station without price, price without value,
unusable coordinates) is flagged on the station (`bg:stationIssue`), never dropped.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from . import values
from .kinds import like
from .namespaces import BG, DCT, LOCN, RDFS, XSD, A
from .read import Record, SourceError
from .source import Context, Source
from .terms import Triple, fr, literal, point, typed

#: the feed's coordinates are degrees times this
COORDINATE_SCALE = Decimal(100000)
PARIS = ZoneInfo("Europe/Paris")
ROUTES = {"R": "route", "A": "autoroute"}


def read_feed(path: Path) -> Iterator[Record]:
    """One record per `<pdv>` (its index in the file, 1-based): attributes, address, town, prices."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise SourceError(path, "file not found") from None
    except zipfile.BadZipFile as exc:
        raise SourceError(path, f"not a zip archive: {exc}") from None
    with archive:
        members = [n for n in archive.namelist() if n.lower().endswith(".xml")]
        if len(members) != 1:
            raise SourceError(path, f"expected one XML file in the zip, found {len(members)}")
        index = 0
        try:
            with archive.open(members[0]) as handle:   # the XML declaration says ISO-8859-1
                for _, element in ElementTree.iterparse(handle):
                    if element.tag != "pdv":
                        continue
                    index += 1
                    yield Record(index, {
                        **element.attrib,
                        "adresse": element.findtext("adresse") or "",
                        "ville": element.findtext("ville") or "",
                        "prix": [dict(p.attrib) for p in element.findall("prix")],
                    })
                    element.clear()
        except ElementTree.ParseError as exc:
            raise SourceError(f"{path}!{members[0]}", f"malformed XML: {exc}", exc.position[0]) from None


def local_time(text: str) -> str:
    """`2023-11-22 08:00:00` (Paris local time) as xsd:dateTime with its offset."""
    naive = datetime.fromisoformat(values.datetime_(text, default_tz=""))
    return naive.replace(tzinfo=PARIS).isoformat()


def station_key(raw: str, postcode: str | None) -> tuple[str, str | None]:
    """The station id and the flag it earns: a 7-digit id gets its leading zero back when the restored
    id starts with a département the postal code serves (La Poste's table: 01200 serves 01 and 74; a
    code it does not list: its digits, `values.departement_of_postal_code`), flagged `RepairedCode`;
    else it stays as given, flagged `UnrestoredStationId`."""
    if not (raw.isdigit() and len(raw) == 7):
        return raw, None
    full = "0" + raw
    if full[:2] in postal_departements(postcode):
        return full, "RepairedCode"
    return raw, "UnrestoredStationId"


def postal_departements(postcode: str | None) -> frozenset[str]:
    """The départements a postal code serves (none when it is absent or malformed)."""
    if not postcode:
        return frozenset()
    if (listed := values.postal_code_departements().get(postcode)) is not None:
        return listed
    try:
        departement = values.departement_of_postal_code(postcode)
    except ValueError:
        return frozenset()
    return frozenset({departement} if departement else ())


def coordinate(text: str | None, bound: int) -> str | None:
    """A degree from the feed's ×100000 integer (xsd:decimal text), None when absent, zero or out of range."""
    try:
        degrees = Decimal(values.decimal(text)) / COORDINATE_SCALE if text else None
    except ValueError:
        return None
    if degrees is None or degrees == 0 or abs(degrees) > bound:
        return None
    return values.decimal(str(degrees))


def lift(row: Record, ctx: Context) -> Iterable[Triple]:
    """A station, its address and position, and one `bg:PrixCarburant` per price it publishes."""
    postcode = row.get("cp") or None
    key, id_issue = station_key(row.require("id"), postcode)
    station = ctx.entity("station-carburant", key)
    issues = {id_issue} if id_issue else set()
    place = ", ".join(part for part in (row.get("adresse"), row.get("ville")) if part)
    out: list[Triple] = [(station, A, BG.StationCarburant), (station, DCT.identifier, literal(key)),
                         (station, RDFS.label, fr(f"Station-service {place or key}"))]
    if address := row.get("adresse"):
        out.append((station, LOCN.fullAddress, literal(address)))
    if town := row.get("ville"):
        out.append((station, LOCN.postName, literal(town)))
    if postcode:
        out.append((station, LOCN.postCode, literal(postcode)))
        if postal := ctx.link("code-postal", postcode):
            out.append((station, BG.stationPostalCode, postal))
    if route := ROUTES.get(row.get("pop")):
        out.append((station, BG.typeRoute, fr(route)))
    latitude, longitude = coordinate(row.get("latitude") or None, 90), coordinate(row.get("longitude") or None, 180)
    if latitude and longitude:
        out += point(station, longitude, latitude)
    else:
        issues.add("InvalidCoordinates")
    prices = row["prix"]
    if not prices:
        issues.add("MissingPrice")
    for price in prices:
        out += price_triples(ctx, station, key, price, issues)
    out += [(station, BG.stationIssue, BG[issue]) for issue in sorted(issues)]
    return out


def price_triples(ctx: Context, station: str, key: str, price: dict[str, str], issues: set[str]) -> list[Triple]:
    """One price record: fuel, € per litre, update time (a missing or unreadable value is flagged)."""
    fuel = price.get("nom", "").strip()
    node = ctx.entity("prix-carburant", key, price.get("id", "").strip() or fuel)
    out: list[Triple] = [(station, BG.prixCarburant, node), (node, A, BG.PrixCarburant),
                         (node, BG.carburant, literal(fuel)), (node, RDFS.label, fr(f"Prix du {fuel}, station {key}"))]
    try:
        out.append((node, BG.prixLitre, typed(values.decimal(price.get("valeur") or ""), XSD.decimal)))
    except ValueError:
        issues.add("MissingPrice")
    try:
        out.append((node, DCT.modified, typed(local_time(price.get("maj") or ""), XSD.dateTime)))
    except ValueError:
        pass
    return out


SOURCES = [
    Source(
        name="prix-carburants-instantane-2023-11-22",
        title="Prix des carburants — flux instantané du 22 novembre 2023 (10 002 stations)",
        path="tabular/prix-carburants_PrixCarburants_instantane_2023-11-22.zip",
        read=read_feed,
        lift=lift,
        mapping=__name__,
    ),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py): a zip whose one XML file's root is `pdv_liste`
KINDS = [like(SOURCES[0], "prix-carburants", format="xml-zip", keys=("pdv_liste",),
              datasets=("prix-des-carburants-en-france-flux-instantane-v2",))]
