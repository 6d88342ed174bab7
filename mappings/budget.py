"""What the State budget mappings share: scheme names, the cubes' code lists, and two row checks.

Each budget mapping owns its file (nomenclature, nature of expense, PLF cube, LFI cubes); the
names and rules they must agree on live here, so that no dataset module imports another:
- the concept schemes, by name (`{base}/id/scheme/<name>`), and the scheme each coded dimension
  of the cubes takes its values from (qb:codeList);
- the titres of the LOLF, and the (titre, catégorie) of an expense row;
- `linked`: a code the cube links to must be a known concept, else the row is rejected.
"""

from __future__ import annotations

import re

from .namespaces import BG
from .read import Record, Reject
from .source import Context

DESTINATION_SCHEME = "budget-etat"
BUDGET_TYPE_SCHEME = "budget-type"
NATURE_SCHEME = "budget-nature-depense"
CREDIT_SCHEME = "budget-type-credit"
STAGE_SCHEME = "budget-loi-finances"

#: the kind of file the PLF mappings share (nomenclature, nature, cube: mappings/kinds.py), and its dataset:
#: data.gouv.fr's record of data.economie's `plf25-depenses-2025-selon-destination` (the catalog export)
PLF_DEPENSES_KIND = "budget-plf-depenses-selon-destination"
PLF_DEPENSES_DATASETS = ("6709bd95daeddce062e00b23",)

#: LOLF art. 5 I: "Les charges budgétaires de l'État sont regroupées sous les titres suivants".
TITRES = {
    "1": "Dotations des pouvoirs publics",
    "2": "Dépenses de personnel",
    "3": "Dépenses de fonctionnement",
    "4": "Charges de la dette de l'État",
    "5": "Dépenses d'investissement",
    "6": "Dépenses d'intervention",
    "7": "Dépenses d'opérations financières",
}
_CATEGORIE = re.compile(r"^\d{2}$")
#: the scheme holding the values of each coded dimension of the budget cubes (qb:codeList);
#: the destination concepts are those of mappings/budget_nomenclature.py
CODE_LISTS = {
    BG.financeLaw: STAGE_SCHEME, BG.creditType: CREDIT_SCHEME, BG.refBudgetType: BUDGET_TYPE_SCHEME,
    BG.refMinistry: DESTINATION_SCHEME, BG.refMission: DESTINATION_SCHEME, BG.refProgramme: DESTINATION_SCHEME,
    BG.refAction: DESTINATION_SCHEME, BG.refDestination: DESTINATION_SCHEME, BG.expenseTitle: NATURE_SCHEME,
    BG.expenseCategory: NATURE_SCHEME,
}


def nature_codes(row: Record) -> tuple[str, str]:
    """The (titre, catégorie) of an expense row, checked: a catégorie's first digit is its titre."""
    titre = row.require("titre")
    if titre not in TITRES:
        raise Reject("titre", "not a titre of the LOLF (expected 1 to 7)", titre)
    categorie = row.require("categorie")
    if not (_CATEGORIE.match(categorie) and categorie.startswith(titre)):
        raise Reject("categorie", f"expected two digits starting with its titre {titre}", categorie)
    return titre, categorie


def linked(ctx: Context, kind: str, row: Record, column: str) -> str:
    """The IRI of a known concept, or a rejection naming the column when no referential has it."""
    code = row.require(column)
    found = ctx.link(kind, code)
    if found is None:
        raise Reject(column, f"{kind} {code} is in neither the budget nomenclature nor its schemes", code)
    return found
