"""OFGL accounts of the communes (built by the OFGL from the DGFiP comptes de gestion) as an RDF
Data Cube: one observation per budget × agrégat × exercice.

Dimensions: the budget (`bg:budget`, the budget's `etablissement` by its SIRET, `org:unitOf` the
commune's legal unit `entreprise` by its SIREN), the agrégat (`bg:agregat`, a concept of a small
SKOS scheme defined from the agrégats met), the commune (`sdmx-dimension:refArea`, the COG commune)
and the exercice (`bg:exercice`, xsd:gYear). Measures: `bg:montant` (xsd:decimal, euros) and
`bg:montantParHabitant` (xsd:decimal, euros per inhabitant): each measure's unit is stated on the measure
property in the vocabulary (`sdmx-attribute:unitMeasure`, mappings/cube.py). Agrégats overlap (totals and
their parts), so amounts add up only within one agrégat.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import partial

from . import skos, values
from .cube import Cube, code_list
from .kinds import like
from .namespaces import A, BG, DCT, ORG, QB, RDFS, SDMX_DIMENSION, XSD
from .read import Record, read_csv
from .source import Context, Source
from .terms import Triple, fr, literal, typed

COLUMNS = ("Exercice", "Code Insee 2024 Commune", "Code Siren Collectivité", "Siret Budget",
           "Libellé Budget", "Type de budget", "Nomenclature", "Agrégat", "Montant",
           "Montant en € par habitant")
FILE = "local_accounts/ofgl_base_communes_2024_dept971_guadeloupe.csv"
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(label: str) -> str:
    """`Dépenses d'investissement` -> `depenses-d-investissement`: the agrégat's IRI key."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")


CUBE = Cube(
    key="ofgl-communes-2024-971",
    title_fr="Comptes 2024 des communes de Guadeloupe (OFGL, agrégats)",
    title_en="2024 accounts of the communes of Guadeloupe (OFGL aggregates)",
    description_fr="Montants par budget (principal ou annexe) et par agrégat, en euros et en euros par "
                   "habitant, issus des comptes de gestion de la DGFiP retraités par l'OFGL. Les agrégats se "
                   "recoupent (totaux et parties) : n'additionner qu'au sein d'un même agrégat.",
    components=((QB.dimension, BG.budget), (QB.dimension, BG.agregat), (QB.dimension, SDMX_DIMENSION.refArea),
                (QB.dimension, BG.exercice), (QB.measure, BG.montant), (QB.measure, BG.montantParHabitant)),
)
SCHEME = "agregat-ofgl"


def preamble(ctx: Context) -> Iterable[Triple]:
    """The cube, its structure (DSD) and the agrégat scheme."""
    agregats, triples = skos.scheme(ctx, SCHEME, "Agrégats comptables OFGL", "OFGL accounting aggregates")
    return CUBE.structure(ctx, FILE) + triples + code_list(BG.agregat, agregats)


def lift(row: Record, ctx: Context) -> Iterable[Triple]:
    year = row.parse("Exercice", values.year, optional=False)
    siren = row.parse("Code Siren Collectivité", values.siren, optional=False)
    siret = row.parse("Siret Budget", values.siret, optional=False)
    code = row.parse("Code Insee 2024 Commune", values.commune, optional=False)
    label = row.parse("Agrégat", values.label, optional=False)
    amount = row.parse("Montant", values.decimal, optional=False)
    per_inhabitant = row.parse("Montant en € par habitant", values.decimal)
    budget_label = row.parse("Libellé Budget", values.label, optional=False)
    budget_type = row.require("Type de budget")

    agregat = ctx.define("agregat", slug(label))
    budget = ctx.define("etablissement", siret)
    legal_unit = ctx.define("entreprise", siren)
    observation, out = CUBE.observation(ctx, siret, slug(label))
    out += [
        *skos.concept(agregat, ctx.entity("scheme", SCHEME), slug(label), label, top=True),
        (budget, A, ORG.OrganizationalUnit),
        (budget, ORG.unitOf, legal_unit),
        (legal_unit, ORG.hasUnit, budget),
        (budget, DCT.identifier, literal(siret)),
        (budget, RDFS.label, fr(f"{budget_label} — {budget_type}")),
        (budget, BG.typeBudget, fr(budget_type)),
        (legal_unit, A, ORG.Organization),
        (legal_unit, DCT.identifier, literal(siren)),
        (observation, BG.budget, budget),
        (observation, BG.agregat, agregat),
        (observation, BG.exercice, typed(year, XSD.gYear)),
        (observation, BG.montant, typed(amount, XSD.decimal)),
    ]
    if nomenclature := row.get("Nomenclature", None):
        out.append((budget, BG.nomenclatureComptable, literal(nomenclature)))
    if per_inhabitant is not None:
        out.append((observation, BG.montantParHabitant, typed(per_inhabitant, XSD.decimal)))
    if commune := ctx.link("commune", code, at=values.day(f"{year}-01-01")):  # the COG of the year
        out += [(observation, SDMX_DIMENSION.refArea, commune), (legal_unit, DCT.spatial, commune)]
    return out


SOURCES = [
    Source(
        name="ofgl-comptes-communes-2024-971",
        title="OFGL — comptes 2024 des communes de Guadeloupe (agrégats, d'après les comptes de gestion DGFiP)",
        path=FILE,
        read=partial(read_csv, columns=COLUMNS, delimiter=";"),
        lift=lift,
        mapping=__name__,
        preamble=preamble,
    ),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(SOURCES[0], "ofgl-base-communes")]
