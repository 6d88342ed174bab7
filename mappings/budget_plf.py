"""PLF 2025 expenses by destination (Direction du budget export) as an RDF Data Cube.

One row of the export (sous-action or action x catégorie x titre) gives two observations: its
autorisations d'engagement (AE) and its crédits de paiement (CP), told apart by the `bg:creditType`
dimension. The budget (BG, BA, CAS, CCF) is the `bg:refBudgetType` dimension, so a sum restricted to
one budget and one credit type never mixes them. Destination dimensions link to the concepts of
the budget nomenclature (mappings/budget_nomenclature.py); `bg:refDestination` is the finest level
the row gives (its sous-action, or its action when the action has no sous-action breakdown), which
with the catégorie and the credit type identifies an observation.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from . import values
from .budget import PLF_DEPENSES_DATASETS, PLF_DEPENSES_KIND, linked, nature_codes
from .cube import Cube
from .kinds import like
from .namespaces import BG, QB, XSD
from .read import Record, read_csv
from .source import Context, Source
from .terms import Triple, typed

FILE = "budget/plf2025_depenses_selon_destination_ods_export.csv"
COLUMNS = ("exercice", "loi", "typebudget", "ministere", "mission", "programme", "action", "sous_action",
           "categorie", "titre", "autorisation_engagement", "credit_de_paiement")

CUBE = Cube(
    key="plf2025-depenses-destination",
    title_fr="PLF 2025 — dépenses de l'État selon leur destination",
    title_en="2025 finance bill — State expenditure by purpose",
    description_fr="Autorisations d'engagement et crédits de paiement du projet de loi de finances pour "
                   "2025, par budget, ministère, mission, programme, action, sous-action, titre et "
                   "catégorie de dépense, en euros. N'additionner qu'à type de crédit (AE ou CP) et "
                   "budget (BG, BA, CAS, CCF) fixés.",
    components=(
        (QB.dimension, BG.exercice), (QB.dimension, BG.financeLaw), (QB.dimension, BG.refBudgetType),
        (QB.dimension, BG.refMinistry), (QB.dimension, BG.refMission), (QB.dimension, BG.refProgramme),
        (QB.dimension, BG.refAction), (QB.dimension, BG.refDestination), (QB.dimension, BG.expenseTitle),
        (QB.dimension, BG.expenseCategory), (QB.dimension, BG.creditType), (QB.measure, BG.montant),
    ),
)
#: the portal dataset this export comes from (the ministry's catalog has it: `/id/dataset/<key>`)
CATALOG_DATASET = "plf25-depenses-2025-selon-destination"
#: amount column -> credit type
AMOUNTS = (("autorisation_engagement", "AE"), ("credit_de_paiement", "CP"))


def preamble(ctx: Context) -> Iterable[Triple]:
    return CUBE.structure(ctx, FILE, catalog_dataset=CATALOG_DATASET)


def lift(row: Record, ctx: Context) -> Iterable[Triple]:
    year = row.parse("exercice", values.year, optional=False)
    stage = linked(ctx, "loi-finances", row, "loi")
    titre, categorie = nature_codes(row)
    amounts = [(credit, row.parse(column, values.decimal, optional=False)) for column, credit in AMOUNTS]
    action = linked(ctx, "action", row, "action")
    sous_action = row.get("sous_action", None)
    dimensions = [
        (BG.exercice, typed(year, XSD.gYear)),
        (BG.financeLaw, stage),
        (BG.refBudgetType, linked(ctx, "budget-type", row, "typebudget")),
        (BG.refMinistry, linked(ctx, "ministere", row, "ministere")),
        (BG.refMission, linked(ctx, "mission", row, "mission")),
        (BG.refProgramme, linked(ctx, "programme", row, "programme")),
        (BG.refAction, action),
        (BG.refDestination, linked(ctx, "sous-action", row, "sous_action") if sous_action else action),
        (BG.expenseTitle, ctx.entity("budget-titre", titre)),
        (BG.expenseCategory, linked(ctx, "budget-categorie", row, "categorie")),
    ]
    destination = sous_action or row.require("action")
    out: list[Triple] = []
    for credit, amount in amounts:
        subject, triples = CUBE.observation(ctx, destination, categorie, credit)
        out += triples
        out += [(subject, p, o) for p, o in dimensions]
        out += [(subject, BG.creditType, ctx.entity("credit-type", credit)),
                (subject, BG.montant, typed(amount, XSD.decimal))]
    return out


SOURCES = [
    Source(name="budget-plf2025-depenses", title="PLF 2025 — dépenses selon destination (Direction du budget)",
           path=FILE, read=partial(read_csv, columns=COLUMNS, delimiter=";"), lift=lift, mapping=__name__,
           preamble=preamble),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(SOURCES[0], PLF_DEPENSES_KIND, datasets=PLF_DEPENSES_DATASETS)]
