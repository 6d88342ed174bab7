"""INSEE SIRENE legal units (StockUniteLegale layout) as registered organisations.

An `entreprise` (SIREN) is an `org:Organization` and `rov:RegisteredOrganization` with its legal
name, legal category (`rov:orgType`, the INSEE catégorie juridique concept) and main activity
(`rov:orgActivity`, the NAF rév. 2 concept). Its head office is the `etablissement` (SIRET = SIREN +
nicSiegeUniteLegale), an `org:OrganizationalUnit` `org:unitOf` the legal unit: DECP buyers and
suppliers and OFGL budgets with the same SIRET or SIREN land on the same IRIs.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from . import values
from .fields import Field, columns, literals
from .kinds import like
from .namespaces import A, BG, DCT, ORG, ROV, SCHEMA, SKOS, XSD
from .read import Record, Reject, read_csv
from .source import Context, Source
from .terms import Triple, literal, typed

#: What a legal unit states as it is, when the file gives it.
LITERALS = (
    Field("sigleUniteLegale", SKOS.altLabel, parser=values.label),
    Field("denominationUsuelle1UniteLegale", SKOS.altLabel, parser=values.label),
    Field("categorieEntreprise", BG.categorieEntreprise),
)
#: a legal person's denomination, else a natural person's first name(s) and name(s)
NAME_COLUMNS = ("denominationUniteLegale", "prenomUsuelUniteLegale", "prenom1UniteLegale",
                "nomUsageUniteLegale", "nomUniteLegale")
#: every column `lift` reads: what the reader checks in the file's header
COLUMNS = columns("siren", NAME_COLUMNS, LITERALS, "categorieJuridiqueUniteLegale",
                  "activitePrincipaleUniteLegale", "nomenclatureActivitePrincipaleUniteLegale",
                  "nicSiegeUniteLegale", "etatAdministratifUniteLegale", "dateCreationUniteLegale", "dateDebut")
#: INSEE writes 1900-01-01 when the creation date is unknown: not a date to publish.
UNKNOWN_DATE = "1900-01-01"


def legal_name(row: Record) -> str:
    """The denomination of a legal person, or `Prénom Nom` of a natural person."""
    if name := row.get("denominationUniteLegale", None):
        return values.label(name)
    person = " ".join(p for p in (row.get("prenomUsuelUniteLegale") or row.get("prenom1UniteLegale"),
                                  row.get("nomUsageUniteLegale") or row.get("nomUniteLegale")) if p)
    if not person:
        raise Reject("denominationUniteLegale", "neither a denomination nor a person's name")
    return values.label(person)


def lift(row: Record, ctx: Context) -> Iterable[Triple]:
    siren = row.parse("siren", values.siren, optional=False)
    name = legal_name(row)
    org = ctx.define("entreprise", siren)
    triples: list[Triple] = [
        (org, A, ORG.Organization), (org, A, ROV.RegisteredOrganization),
        (org, DCT.identifier, literal(siren)),
        (org, ROV.legalName, literal(name)),
        (org, SKOS.prefLabel, literal(name)),  # the naming rule of organisations (mappings/organisations.py)
    ]
    triples += literals(org, row, LITERALS)
    if category := ctx.link("categorie-juridique", row.get("categorieJuridiqueUniteLegale", None)):
        triples.append((org, ROV.orgType, category))
    if row.get("nomenclatureActivitePrincipaleUniteLegale") == "NAFRev2":
        if activity := ctx.link("naf", row.parse("activitePrincipaleUniteLegale", values.naf)):
            triples.append((org, ROV.orgActivity, activity))
    created = row.parse("dateCreationUniteLegale", values.date_)
    if created and created != UNKNOWN_DATE:
        triples.append((org, SCHEMA.foundingDate, typed(created, XSD.date)))
    if row.get("etatAdministratifUniteLegale") == "C":  # ceased: the current period starts at cessation
        if ceased := row.parse("dateDebut", values.date_):
            triples.append((org, SCHEMA.dissolutionDate, typed(ceased, XSD.date)))
    if row.get("nicSiegeUniteLegale", None):
        siret = row.parse("nicSiegeUniteLegale", lambda n: values.siret(siren + n.zfill(5)))
        head_office = ctx.define("etablissement", siret)
        triples += [(head_office, A, ORG.OrganizationalUnit), (head_office, ORG.unitOf, org),
                    (org, ORG.hasUnit, head_office), (org, BG.siege, head_office),
                    (head_office, DCT.identifier, literal(siret)),
                    (head_office, SKOS.prefLabel, literal(f"{name} (siège, SIRET {siret})"))]
    return triples


SOURCES = [
    Source(
        name="sirene-unites-legales",
        title="SIRENE — unités légales (extrait, 97 unités)",
        path="sirene/sirene_stock_unite_legale_2026_extrait_credit-bail_97.csv",
        read=partial(read_csv, columns=COLUMNS),
        lift=lift,
        mapping=__name__,
    ),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(SOURCES[0], "sirene-stock-unite-legale")]
