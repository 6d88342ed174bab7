"""INSEE Code officiel géographique (COG) 2025: the territories every dataset is joined on.

Régions, départements, collectivités, arrondissements, communes (with the municipal
arrondissements of Paris, Lyon and Marseille), communes associées / déléguées and countries,
typed with the INSEE geo ontology and linked to INSEE's own IRIs (owl:sameAs).
Hierarchy: commune -> arrondissement -> département -> région (igeo:subdivisionDirecteDe), and
igeo:subdivisionDe from a commune to each of its département and région for simple joins.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from . import values
from .namespaces import A, IGEO, OWL, RDFS, SKOS
from .read import Record, Reject, read_csv
from .source import Context, Source
from .terms import Triple, fr, iri, literal

INSEE = "http://id.insee.fr/geo/"
DIR = "referentials/cog2025/"
TERRITORY_COLUMNS = ("code", "name")


def territory(subject: str, row: Record, cls: str, insee_kind: str | None) -> list[Triple]:
    """What every territory has: class, code, French name, label, INSEE IRI."""
    code, name = row.require("code"), row.require("name")
    triples = [
        (subject, A, cls),
        (subject, IGEO.codeINSEE, literal(code)),
        (subject, IGEO.nom, fr(name)),
        (subject, RDFS.label, fr(name)),
        (subject, SKOS.prefLabel, fr(name)),
    ]
    if insee_kind:
        triples.append((subject, OWL.sameAs, iri(f"{INSEE}{insee_kind}/{code}")))
    return triples


def lift_region(row: Record, ctx: Context) -> Iterable[Triple]:
    region = ctx.define("region", row.require("code"))
    yield from territory(region, row, IGEO.Region, "region")
    yield region, IGEO.chefLieu, ctx.entity("commune", row.require("capital_code"))


def lift_departement(row: Record, ctx: Context) -> Iterable[Triple]:
    code = row.parse("code", values.departement, optional=False)
    departement = ctx.define("departement", code)
    yield from territory(departement, row, IGEO.Departement, "departement")
    yield departement, IGEO.chefLieu, ctx.entity("commune", row.require("capital_code"))
    if region := ctx.link("region", row.require("region_code")):
        yield departement, IGEO.subdivisionDirecteDe, region


def lift_collectivite(row: Record, ctx: Context) -> Iterable[Triple]:
    collectivite = ctx.define("collectivite", row.require("code"))
    yield from territory(collectivite, row, IGEO.CollectiviteTerritoriale, None)
    if region := ctx.link("region", row.get("region_code", None)):
        yield collectivite, IGEO.subdivisionDe, region


def lift_arrondissement(row: Record, ctx: Context) -> Iterable[Triple]:
    arrondissement = ctx.define("arrondissement", row.require("code"))
    yield from territory(arrondissement, row, IGEO.Arrondissement, "arrondissement")
    yield arrondissement, IGEO.chefLieu, ctx.entity("commune", row.require("capital_code"))
    if departement := ctx.link("departement", row.require("department_code")):
        yield arrondissement, IGEO.subdivisionDirecteDe, departement


COMMUNE_TYPES = {
    "COM": (IGEO.Commune, "commune"),
    "ARM": (IGEO.ArrondissementMunicipal, "arrondissementMunicipal"),
    "COMA": (IGEO.CommuneAssociee, "communeAssociee"),
    "COMD": (IGEO.CommuneDeleguee, "communeDeleguee"),
}
#: Associated and delegated communes may share their code with their parent commune.
COMMUNE_KINDS = {"COM": "commune", "ARM": "commune", "COMA": "commune-associee", "COMD": "commune-deleguee"}


def lift_commune(row: Record, ctx: Context) -> Iterable[Triple]:
    type_code = row.require("type_code")
    if type_code not in COMMUNE_TYPES:
        raise Reject("type_code", f"unknown commune type {type_code!r} (expected COM, ARM, COMA, COMD)")
    code = row.parse("code", values.commune, optional=False)
    cls, insee_kind = COMMUNE_TYPES[type_code]
    commune = ctx.define(COMMUNE_KINDS[type_code], code)
    yield from territory(commune, row, cls, insee_kind)
    parent = ctx.link("commune", row.get("parent_code", None))
    if parent:  # municipal arrondissement -> its commune; associated commune -> its commune
        yield commune, IGEO.subdivisionDirecteDe, parent
    elif arrondissement := ctx.link("arrondissement", row.get("arrondissement_code", None)):
        yield commune, IGEO.subdivisionDirecteDe, arrondissement
    departement = ctx.link("departement", row.require("department_code"))
    region = ctx.link("region", row.require("region_code"))
    if departement is None or region is None:
        raise Reject("department_code", "unknown département or région code")
    if parent is None and row.get("arrondissement_code", None) is None:
        yield commune, IGEO.subdivisionDirecteDe, departement
    yield commune, IGEO.subdivisionDe, departement
    yield commune, IGEO.subdivisionDe, region


def lift_pays(row: Record, ctx: Context) -> Iterable[Triple]:
    pays = ctx.define("pays", row.require("code"))
    yield from territory(pays, row, IGEO.Pays, "pays")
    if official := row.get("official_name", None):
        yield pays, SKOS.altLabel, fr(official)
    if iso3 := row.get("iso3_code", None):
        yield pays, SKOS.notation, literal(iso3)
        yield pays, SKOS.exactMatch, iri(f"http://publications.europa.eu/resource/authority/country/{iso3}")
    if parent := row.get("parent_code", None):
        yield pays, IGEO.subdivisionDe, ctx.entity("pays", parent)


def _cog(name: str, title: str, file: str, lift, columns=TERRITORY_COLUMNS) -> Source:
    return Source(
        name=f"cog-{name}",
        title=f"COG 2025 — {title}",
        path=DIR + file,
        read=partial(read_csv, columns=columns),
        lift=lift,
        licence="https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    )


SOURCES = [
    _cog("regions", "régions", "cog2025_regions.csv", lift_region),
    _cog("departements", "départements", "cog2025_departments.csv", lift_departement),
    _cog("collectivites", "collectivités", "cog2025_collectivities.csv", lift_collectivite),
    _cog("arrondissements", "arrondissements", "cog2025_arrondissements.csv", lift_arrondissement),
    _cog("communes", "communes et arrondissements municipaux", "cog2025_communes.csv", lift_commune,
         ("code", "type_code", "name", "department_code", "region_code")),
    _cog("communes-associees-deleguees", "communes associées et déléguées",
         "cog2025_communes_associees_deleguees.csv", lift_commune,
         ("code", "type_code", "parent_code", "name", "department_code", "region_code")),
    _cog("pays", "pays et territoires", "cog2025_countries.csv", lift_pays),
]
