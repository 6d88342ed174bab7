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

from .cube import code_list
from .namespaces import BG
from .read import Record, Reject
from .skos import collection
from .source import Context
from .terms import Triple

DESTINATION_SCHEME = "budget-etat"
BUDGET_TYPE_SCHEME = "budget-type"
NATURE_SCHEME = "budget-nature-depense"
CREDIT_SCHEME = "budget-type-credit"
STAGE_SCHEME = "budget-loi-finances"

#: the kind of file the PLF mappings share (nomenclature, nature, cube: mappings/kinds.py), and its dataset:
#: data.gouv.fr's record of data.economie's `plf25-depenses-2025-selon-destination` (the catalog export)
PLF_DEPENSES_KIND = "budget-plf-depenses-selon-destination"
PLF_DEPENSES_DATASETS = ("6709bd95daeddce062e00b23",)

#: `Context.known` key of the (code/label) pairs of the missions of the nomenclature, so that a finance
#: law giving a mission another label (MB, renamed in LFI 2026) says so instead of a second prefLabel
MISSION_LABELS = "mission-label"
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
#: The code list of each coded dimension of the budget cubes (qb:codeList): a scheme when the dimension
#: takes all of its concepts, else one collection per dimension (`{base}/id/collection/<name>`) so that
#: the missions dimension does not admit a ministère nor the titres dimension a catégorie. Each list and
#: its `qb:codeList` statement live in the graph of the mapping that builds the list.
SCHEME_CODE_LISTS = {BG.financeLaw: STAGE_SCHEME, BG.creditType: CREDIT_SCHEME, BG.refBudgetType: BUDGET_TYPE_SCHEME}
#: dimension -> (collection name, French title, English title)
COLLECTIONS = {
    BG.refMinistry: ("budget-ministeres", "Ministères du budget de l'État", "State budget ministries"),
    BG.refMission: ("budget-missions", "Missions du budget de l'État", "State budget missions"),
    BG.refProgramme: ("budget-programmes", "Programmes du budget de l'État", "State budget programmes"),
    BG.refAction: ("budget-actions", "Actions des programmes du budget de l'État", "State budget actions"),
    BG.refDestination: ("budget-destinations", "Destinations de la dépense (sous-actions, sinon actions)",
                        "Expenditure purposes (sub-actions, else actions)"),
    BG.expenseTitle: ("budget-titres", "Titres de la dépense de l'État (LOLF)", "State expenditure titles (LOLF)"),
    BG.expenseCategory: ("budget-categories", "Catégories de la dépense de l'État",
                         "State expenditure categories"),
    BG.revenueSection: ("budget-recettes-sections", "Sections de l'état A (recettes du budget général)",
                        "Sections of schedule A (general budget revenue)"),
    BG.revenueLine: ("budget-recettes-lignes", "Lignes de recettes de l'état A", "Revenue lines of schedule A"),
}


def collection_of(dimension: str) -> str:
    """The name of the collection a dimension takes its values from."""
    return COLLECTIONS[dimension][0]


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


def dimension_lists(ctx: Context, *dimensions: str) -> list[Triple]:
    """The code lists of these dimensions (a scheme, else their collection) and their qb:codeList."""
    out: list[Triple] = []
    for dimension in dimensions:
        if dimension in SCHEME_CODE_LISTS:
            out += code_list(dimension, ctx.entity("scheme", SCHEME_CODE_LISTS[dimension]))
            continue
        name, title_fr, title_en = COLLECTIONS[dimension]
        subject, triples = collection(ctx, name, title_fr, title_en)
        out += triples + code_list(dimension, subject)
    return out
