"""The small concept schemes the State budget cubes use as dimension values.

- Nature of expense (`scheme/budget-nature-depense`): the seven titres of the LOLF (loi organique
  n° 2001-692, art. 5 I, labels as in the law) and, below them (skos:broader), the catégories met in
  the PLF 2025 export (`21`, `31`, `64`...). No official file of catégorie labels was staged, so a
  catégorie carries its code (skos:notation) and its titre, not a label: the law lists the
  catégories of each titre in words but does not number them.
- Credit types (`scheme/budget-type-credit`): autorisations d'engagement (AE) and crédits de paiement
  (CP), LOLF art. 8. Every expense observation has one, so that no sum mixes them.
- Each cube dimension taking a part of these schemes has its own collection (titres, catégories), the
  code list it declares (mappings/budget.py).
- Finance-law stages (`scheme/budget-loi-finances`): projet de loi de finances (PLF) and loi de
  finances initiale (LFI), so that a PLF amount is never added to an LFI one.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from .budget import (CREDIT_SCHEME, NATURE_SCHEME, PLF_DEPENSES_DATASETS, PLF_DEPENSES_KIND, STAGE_SCHEME, TITRES,
                     collection_of, dimension_lists, nature_codes)
from .kinds import like
from .namespaces import BG
from .read import Record, read_csv
from .skos import concept, member, scheme
from .source import Context, Source
from .terms import Triple

FILE = "budget/plf2025_depenses_selon_destination_ods_export.csv"
CREDIT_TYPES = {"AE": "Autorisations d'engagement", "CP": "Crédits de paiement"}
STAGES = {"PLF": "Projet de loi de finances", "LFI": "Loi de finances initiale"}


def preamble(ctx: Context) -> Iterable[Triple]:
    """The three schemes, the titres, the credit types and the stages."""
    nature, triples = scheme(ctx, NATURE_SCHEME, "Nature de la dépense de l'État (titres et catégories)",
                             "Nature of State expenditure (titles and categories)")
    for code, label in TITRES.items():
        titre = ctx.define("budget-titre", code)
        triples += concept(titre, nature, code, label, top=True)
        triples.append(member(ctx, collection_of(BG.expenseTitle), titre))
    for name, kind, table, title_fr, title_en in (
            (CREDIT_SCHEME, "credit-type", CREDIT_TYPES, "Types de crédits budgétaires", "Types of budget credits"),
            (STAGE_SCHEME, "loi-finances", STAGES, "Stades de la loi de finances", "Stages of the finance law")):
        subject, scheme_triples = scheme(ctx, name, title_fr, title_en)
        triples += scheme_triples
        for code, label in table.items():
            triples += concept(ctx.define(kind, code), subject, code, label, top=True)
    return triples + dimension_lists(ctx, BG.financeLaw, BG.creditType, BG.expenseTitle, BG.expenseCategory)


def lift(row: Record, ctx: Context) -> Iterable[Triple]:
    """A catégorie the first time it is met (later rows state nothing new)."""
    titre, categorie = nature_codes(row)
    if categorie in ctx.known["budget-categorie"]:
        return ()
    subject = ctx.define("budget-categorie", categorie)
    return [*concept(subject, ctx.entity("scheme", NATURE_SCHEME), categorie, None,
                     broader=ctx.entity("budget-titre", titre)),
            member(ctx, collection_of(BG.expenseCategory), subject)]


SOURCES = [
    Source(name="budget-nature", title="Budget de l'État — titres et catégories de dépense, types de crédits, "
                                       "stades de la loi de finances",
           path=FILE, read=partial(read_csv, columns=("titre", "categorie"), delimiter=";"), lift=lift,
           mapping=__name__, preamble=preamble),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(SOURCES[0], PLF_DEPENSES_KIND, datasets=PLF_DEPENSES_DATASETS,
              part="titres et catégories de dépense, types de crédits")]
