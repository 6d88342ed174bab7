"""The fuel-price feed (prix-carburants.gouv.fr flux instantané, issue 11): every station and every
price of the real zip is in the graph, postal codes reach La Poste's table, ids that lost their leading
zero are restored only where the postal code agrees, and defects are flagged, never dropped. Expected
values are read from the zip itself (the whole XML parsed at once, not the mapping's streaming reader)."""

from __future__ import annotations

import csv
import zipfile
from collections import Counter
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest

from graph_service.build.pipeline import lift_source
from graph_service.shacl import shape_sets as validation
from mappings import carburants, postal
from mappings.iri import Minter
from mappings.namespaces import sparql_prologue
from mappings.read import SourceError
from mappings.source import Context

from .conftest import BASE, DATA

FEED = DATA / carburants.SOURCES[0].path
POSTAL = DATA / "referentials" / "postal" / "laposte_hexasmal_datanova-ods-export_2023-06.csv"


def stations() -> list[ElementTree.Element]:
    with zipfile.ZipFile(FEED) as archive:
        return ElementTree.fromstring(archive.read("PrixCarburants_instantane.xml")).findall("pdv")


@pytest.fixture(scope="module")
def lifted(tmp_path_factory):
    """The postal codes, then the feed, lifted into one store (as a build orders them)."""
    out = tmp_path_factory.mktemp("carburants")
    ctx = Context(Minter(BASE), DATA)
    results = [lift_source(s, ctx, out, progress=False) for s in (*postal.SOURCES, *carburants.SOURCES)]
    store = ox.Store()
    for result in results:
        store.load(path=str(result.nquads), format=ox.RdfFormat.N_QUADS)
    return results, store


def select(store: ox.Store, where: str) -> list[dict[str, str]]:
    solutions = store.query(sparql_prologue() + f"SELECT * WHERE {{ GRAPH ?g {{ {where} }} }}")
    return [{v.value: s[v].value for v in solutions.variables if s[v] is not None} for s in solutions]


def count(store: ox.Store, where: str) -> int:
    (row,) = store.query(sparql_prologue() + f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ {where} }} }}")
    return int(row[0].value)


def test_every_station_and_price_of_the_file_is_lifted(lifted):
    results, store = lifted
    result = results[-1]
    xml = stations()
    assert len(xml) == 10_002 and result.rows == result.lifted == 10_002 and result.rejected == []
    assert count(store, "?s a bg:StationCarburant") == 10_002
    per_fuel = Counter(p.get("nom") for s in xml for p in s.findall("prix"))
    assert sum(per_fuel.values()) == 33_435
    assert per_fuel == {"Gazole": 9653, "SP98": 8034, "E10": 7276, "SP95": 3620, "E85": 3495, "GPLc": 1357}
    rows = select(store, "?p a bg:PrixCarburant ; bg:carburant ?fuel")
    assert Counter(r["fuel"] for r in rows) == per_fuel
    assert count(store, "?s bg:prixCarburant ?p") == 33_435


def test_a_price_keeps_its_value_fuel_and_local_time(lifted):
    _, store = lifted
    first = stations()[0]
    price = first.find("prix")
    iri = Minter(BASE).entity_iri("prix-carburant", first.get("id"), price.get("id"))
    (row,) = select(store, f"<{iri}> bg:carburant ?fuel ; bg:prixLitre ?value ; dct:modified ?at")
    assert (price.get("nom"), price.get("valeur"), price.get("maj")) == ("Gazole", "1.767", "2023-11-22 08:00:00")
    assert row == {"g": f"{BASE}/graph/{carburants.SOURCES[0].name}", "fuel": "Gazole", "value": "1.767",
                   "at": "2023-11-22T08:00:00+01:00"}  # 22 November: Paris is on UTC+1
    (wkt,) = select(store, f"<{Minter(BASE).entity_iri('station-carburant', first.get('id'))}> "
                           "geo:hasGeometry/geo:asWKT ?wkt")
    assert (first.get("longitude"), first.get("latitude")) == ("237800", "4711200")
    assert wkt["wkt"] == "POINT(2.378 47.112)"


def test_postal_codes_link_to_la_postes_table(lifted):
    _, store = lifted
    with POSTAL.open(encoding="utf-8-sig", newline="") as handle:
        listed = {r["code_postal"] for r in csv.DictReader(handle, delimiter=";")}
    xml = stations()
    expected = sum(1 for s in xml if s.get("cp") in listed)
    assert 0 < expected < len(xml)  # some stations give a code La Poste does not list (e.g. CEDEX)
    assert count(store, "?s a bg:StationCarburant ; bg:stationPostalCode ?p") == expected
    station = Minter(BASE).entity_iri("station-carburant", "18230001")
    (row,) = select(store, f"<{station}> bg:stationPostalCode ?p ; locn:postCode ?cp ; locn:postName ?town")
    assert row["p"] == Minter(BASE).entity_iri("code-postal", "18230") and "18230" in listed
    assert (row["cp"], row["town"]) == ("18230", "SAINT-DOULCHARD")
    # named for people by its address and town, as the feed gives them
    xml = next(s for s in stations() if s.get("id") == "18230001")
    (named,) = select(store, f"<{station}> rdfs:label ?label")
    assert named["label"] == f"Station-service {xml.findtext('adresse')}, SAINT-DOULCHARD"


def test_seven_digit_ids_are_restored_where_the_postal_code_agrees(lifted):
    _, store = lifted
    short = [s for s in stations() if len(s.get("id")) == 7]
    assert len(short) == 694
    repaired = {r["id"] for r in select(store, "?s bg:stationIssue bg:RepairedCode ; dct:identifier ?id")}
    unrestored = {r["id"] for r in select(store, "?s bg:stationIssue bg:UnrestoredStationId ; dct:identifier ?id")}
    # the restored id starts with a département the station's postal code serves (01200: Ain and Haute-Savoie)
    with POSTAL.open(encoding="utf-8-sig", newline="") as handle:
        served: dict[str, set[str]] = {}
        for r in csv.DictReader(handle, delimiter=";"):
            served.setdefault(r["code_postal"], set()).add(r["code_commune_insee"][:2])
    agree = {"0" + s.get("id") for s in short if ("0" + s.get("id"))[:2] in served.get(s.get("cp"), {s.get("cp")[:2]})}
    assert repaired == agree and unrestored == {s.get("id") for s in short} - {k[1:] for k in agree}
    assert "01200001" in repaired  # Bellegarde-sur-Valserine, 01200 serves communes of 01 and 74


def test_stations_without_price_are_flagged_not_dropped(lifted):
    _, store = lifted
    without = {s.get("id") for s in stations() if not s.findall("prix")}
    assert len(without) == 302
    flagged = {r["id"] for r in select(store, "?s bg:stationIssue bg:MissingPrice ; dct:identifier ?id")}
    assert {i.lstrip("0") for i in flagged} == {i.lstrip("0") for i in without}


def test_the_shapes_hold_on_the_feed(lifted):
    results, _ = lifted
    shapes = [s for s in validation.SHAPE_SETS if s.name == "carburants"]
    (outcome,) = validation.run(results, shape_sets=shapes)
    assert outcome.violations == 0 and outcome.graphs == [carburants.SOURCES[0].name]


def test_defects_in_a_station_are_flagged(tmp_path):
    """The first station of the feed with its latitude and its Gazole price emptied: still lifted, no
    point, no value for that price, flagged twice."""
    xml = zipfile.ZipFile(FEED).read("PrixCarburants_instantane.xml").decode("iso-8859-1")
    head, first = xml.split("<pdv ", 1)[0], "<pdv " + xml.split("<pdv ", 2)[1].rsplit("</pdv>", 1)[0]
    first = first.replace('latitude="4711200"', 'latitude=""').replace('valeur="1.767"', 'valeur=""')
    feed = tmp_path / "feed.zip"
    with zipfile.ZipFile(feed, "w") as archive:
        archive.writestr("PrixCarburants_instantane.xml", (head + first + "</pdv>\n</pdv_liste>\n").encode("iso-8859-1"))
    (record,) = carburants.read_feed(feed)
    triples = list(carburants.lift(record, Context(Minter(BASE), DATA)))
    issues = {o for _, p, o in triples if p.endswith("#stationIssue>")}
    assert {i.rsplit("#", 1)[1] for i in issues} == {"InvalidCoordinates>", "MissingPrice>"}
    assert not [t for t in triples if t[1].endswith("#hasGeometry>")]
    assert sum(1 for t in triples if t[1].endswith("#prixLitre>")) == 3  # the other three prices


@pytest.mark.parametrize("content", [b"not a zip", None])
def test_bad_input_is_one_clear_message(tmp_path, content):
    feed = tmp_path / "feed.zip"
    if content is not None:
        feed.write_bytes(content)
    with pytest.raises(SourceError, match="not a zip archive|file not found"):
        list(carburants.read_feed(feed))


def test_malformed_xml_names_its_line(tmp_path):
    feed = tmp_path / "feed.zip"
    with zipfile.ZipFile(feed, "w") as archive:
        archive.writestr("PrixCarburants_instantane.xml", '<?xml version="1.0"?>\n<pdv_liste>\n<pdv id="1">\n</pdv_liste>')
    with pytest.raises(SourceError, match=r"line 4: malformed XML"):
        list(carburants.read_feed(feed))
