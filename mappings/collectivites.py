"""The départements and régions as legal entities: their SIREN, linked to their COG territory.

A conseil départemental or régional is the legal person (SIREN) that buys, pays and publishes
accounts; the COG territory is where it has jurisdiction. Each becomes an `org:Organization`,
`rov:RegisteredOrganization` and `cpov:PublicOrganisation` (Core Public Organisation
Vocabulary) at `{base}/id/entreprise/{SIREN}`, with `dct:identifier` its SIREN, its name,
`dct:spatial` its territory (CPOV's jurisdiction link) and `rov:orgType` its catégorie
juridique where the category of the file states it (DEPT: 7220 Département, REG: 7230 Région).

The `CATEG` column also has PARIS (Ville de Paris, on département 75), ML (Métropole de Lyon:
INSEE code `691`, which is the COG collectivité `69M`) and CTU (the single territorial
collectivités of Corse, Guyane and Martinique, whose `Insee` column holds the région code).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from . import values
from .kinds import like
from .namespaces import A, CPOV, DCT, ORG, ROV, SKOS
from .read import Record, Reject, read_csv
from .source import Context, Source
from .terms import Triple, fr, literal

DIR = "referentials/siren_collectivites/"
COLUMNS = ("CATEG", "Siren", "Insee", "Nom")
#: the Métropole de Lyon's INSEE code in the file -> its COG collectivité
METROPOLE_DE_LYON = {"691": "69M"}


def metropole(text: str) -> str:
    if text.strip() not in METROPOLE_DE_LYON:
        raise ValueError(f"not the Métropole de Lyon's code (691): {text!r}")
    return METROPOLE_DE_LYON[text.strip()]


#: CATEG -> (COG kind of its territory, parser of the Insee column, catégorie juridique or None)
CATEGORIES: dict[str, tuple[str, Callable[[str], str], str | None]] = {
    "DEPT": ("departement", values.departement, "7220"),
    "PARIS": ("departement", values.departement, None),
    "ML": ("collectivite", metropole, None),
    "REG": ("region", values.region, "7230"),
    "CTU": ("region", values.region, None),
}


def lift(row: Record, ctx: Context) -> Iterable[Triple]:
    category = row.require("CATEG")
    if category not in CATEGORIES:
        raise Reject("CATEG", f"unknown category (expected {', '.join(CATEGORIES)})", category)
    kind, parse_code, legal_category = CATEGORIES[category]
    siren = row.parse("Siren", values.siren, optional=False)
    code = row.parse("Insee", parse_code, optional=False)
    name = row.parse("Nom", values.label, optional=False)
    territory = ctx.link(kind, code)
    if territory is None:
        raise Reject("Insee", f"no {kind} {code} in the COG", row.get("Insee"))
    organisation = ctx.define("entreprise", siren)
    yield organisation, A, ORG.Organization
    yield organisation, A, ROV.RegisteredOrganization
    yield organisation, A, CPOV.PublicOrganisation
    yield organisation, DCT.identifier, literal(siren)
    yield organisation, ROV.legalName, fr(name)  # the naming rule of organisations (mappings/organisations.py)
    yield organisation, SKOS.prefLabel, fr(name)
    yield organisation, DCT.spatial, territory
    if legal_category and (concept := ctx.link("categorie-juridique", legal_category)):
        yield organisation, ROV.orgType, concept


def _source(name: str, title: str, file: str) -> Source:
    return Source(name=f"collectivites-{name}", title=title, path=DIR + file,
                  read=partial(read_csv, columns=COLUMNS), lift=lift, mapping=__name__)


SOURCES = [
    _source("departements", "SIREN des départements (conseils départementaux, Paris, Métropole de Lyon)",
            "departements-siren.csv"),
    _source("regions", "SIREN des régions et collectivités territoriales uniques", "regions-siren.csv"),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(s, s.name) for s in SOURCES]
