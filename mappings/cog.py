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
from .fields import Field, columns, literals
from .kinds import like
from .namespaces import A, IGEO, OWL, RDFS, SKOS
from .read import Record, Reject, read_csv
from .source import Context, Source
from .terms import Triple, fr, iri

INSEE = "http://id.insee.fr/geo/"
DIR = "referentials/cog2025/"
#: What every territory states as it is: its code and its French name.
TERRITORY = (
    Field("code", IGEO.codeINSEE, required=True),
    Field("name", IGEO.nom, fr, required=True),
    Field("name", RDFS.label, fr, required=True),
    Field("name", SKOS.prefLabel, fr, required=True),
)
#: What a country states besides: its official name and ISO 3166 alpha-3 code, when given.
COUNTRY = (
    Field("official_name", SKOS.altLabel, fr),
    Field("iso3_code", SKOS.notation),
)


def territory(subject: str, row: Record, cls: str, insee_kind: str | None) -> list[Triple]:
    """What every territory has: class, code, French name, label, INSEE IRI."""
    triples = [(subject, A, cls), *literals(subject, row, TERRITORY)]
    if insee_kind:
        triples.append((subject, OWL.sameAs, iri(f"{INSEE}{insee_kind}/{row.get('code')}")))
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
        if type_code in ("COMA", "COMD"):  # a former commune: where its old code leads today
            ctx.relate(COMMUNE_KINDS[type_code], code, "commune", row.get("parent_code"))
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
    yield from literals(pays, row, COUNTRY)
    if iso3 := row.get("iso3_code", None):
        yield pays, SKOS.exactMatch, iri(f"http://publications.europa.eu/resource/authority/country/{iso3}")
    if parent := row.get("parent_code", None):
        yield pays, IGEO.subdivisionDe, ctx.entity("pays", parent)


#: lifter -> every column it reads: what the reader checks in the file's header
COLUMNS = {
    lift_region: columns(TERRITORY, "capital_code"),
    lift_departement: columns(TERRITORY, "capital_code", "region_code"),
    lift_collectivite: columns(TERRITORY, "region_code"),
    lift_arrondissement: columns(TERRITORY, "capital_code", "department_code"),
    lift_commune: columns(TERRITORY, "type_code", "parent_code", "arrondissement_code", "department_code",
                          "region_code"),
    lift_pays: columns(TERRITORY, COUNTRY, "parent_code"),
}


def _cog(name: str, title: str, file: str, lift) -> Source:
    return Source(
        name=f"cog-{name}",
        title=f"COG 2025 — {title}",
        path=DIR + file,
        read=partial(read_csv, columns=COLUMNS[lift]),
        lift=lift,
        mapping=__name__,
        licence="https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    )


SOURCES = [
    _cog("regions", "régions", "cog2025_regions.csv", lift_region),
    _cog("departements", "départements", "cog2025_departments.csv", lift_departement),
    _cog("collectivites", "collectivités", "cog2025_collectivities.csv", lift_collectivite),
    _cog("arrondissements", "arrondissements", "cog2025_arrondissements.csv", lift_arrondissement),
    _cog("communes", "communes et arrondissements municipaux", "cog2025_communes.csv", lift_commune),
    _cog("communes-associees-deleguees", "communes associées et déléguées",
         "cog2025_communes_associees_deleguees.csv", lift_commune),
    _cog("pays", "pays et territoires", "cog2025_countries.csv", lift_pays),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(s, s.name) for s in SOURCES]
