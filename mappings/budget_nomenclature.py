"""The State budget nomenclature by destination (PLF 2025) as SKOS, from the Direction du budget export.

One scheme holds ministères, missions, programmes, actions and sous-actions, each typed also
with its bg: class (`bg:Mission` ...) so they can be told apart. Hierarchy (skos:broader):
sous-action -> action -> programme -> mission; a programme also names its ministère
(`bg:ministry`): a mission may span several ministères, a programme has one. Missions and
ministères are the top concepts. A mission belongs to one budget (`bg:budgetType`: BG, BA, CAS,
CCF), a small scheme of its own stated in the preamble.

The file has one row per sous-action (or action) x catégorie x titre: 2,404 rows for far fewer
concepts. Every row is lifted (it states its branch of the nomenclature); the store keeps one
copy, and a code given two labels would show up at validation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial

from . import values
from .budget import (BUDGET_TYPE_SCHEME, DESTINATION_SCHEME, MISSION_LABELS, PLF_DEPENSES_DATASETS,
                     PLF_DEPENSES_KIND, collection_of, dimension_lists)
from .kinds import like
from .namespaces import BG
from .read import Record, Reject, read_csv
from .skos import concept, member, scheme
from .source import Context, Source
from .terms import Triple

FILE = "budget/plf2025_depenses_selon_destination_ods_export.csv"
#: The four budgets of the State in the LOLF (loi organique n° 2001-692, art. 16 to 24).
BUDGET_TYPES = {
    "BG": "Budget général",
    "BA": "Budgets annexes",
    "CAS": "Comptes d'affectation spéciale",
    "CCF": "Comptes de concours financiers",
}
COLUMNS = ("typebudget", "ministere", "libelle_ministere", "mission", "libelle_mission", "programme",
           "libelle_programme", "action", "libelle_action", "sous_action", "libelle_sous_action")
#: the cube dimensions whose values are concepts of this nomenclature (one collection each, mappings/budget.py)
DIMENSIONS = (BG.refMinistry, BG.refMission, BG.refProgramme, BG.refAction, BG.refDestination)
_MINISTERE = re.compile(r"^\d{1,3}$")
_MISSION = re.compile(r"^[A-Z]{2}$")
_PROGRAMME = re.compile(r"^\d{3}$")
_SUFFIX = re.compile(r"^-\d{2}$")


def preamble(ctx: Context) -> Iterable[Triple]:
    _, triples = scheme(ctx, DESTINATION_SCHEME,
                        "Nomenclature budgétaire de l'État par destination (PLF 2025)",
                        "State budget nomenclature by purpose (2025 finance bill)")
    types, type_triples = scheme(ctx, BUDGET_TYPE_SCHEME, "Budgets de l'État (LOLF)",
                                 "State budgets (LOLF)")
    triples += type_triples
    for code, label in BUDGET_TYPES.items():
        triples += concept(ctx.define(BUDGET_TYPE_SCHEME, code), types, code, label, top=True)
    return triples + dimension_lists(ctx, BG.refBudgetType, *DIMENSIONS)


def code(row: Record, column: str, pattern: re.Pattern[str], what: str) -> str:
    value = row.require(column)
    if not pattern.match(value):
        raise Reject(column, f"not a {what} code", value)
    return value


def child_code(row: Record, column: str, parent: str) -> str:
    """An action or sous-action code: its parent's code and two digits (`152-03`, `152-03-01`)."""
    value = row.require(column)
    if not (value.startswith(parent) and _SUFFIX.match(value[len(parent):])):
        raise Reject(column, f"expected {parent}-NN", value)
    return value


def lift(row: Record, ctx: Context) -> Iterable[Triple]:
    budget_type = row.require("typebudget")
    if budget_type not in BUDGET_TYPES:
        raise Reject("typebudget", f"unknown budget (expected {', '.join(BUDGET_TYPES)})", budget_type)
    ministere = code(row, "ministere", _MINISTERE, "ministère")
    mission = code(row, "mission", _MISSION, "mission (2 capital letters)")
    programme = code(row, "programme", _PROGRAMME, "programme (3 digits)")
    action = child_code(row, "action", programme)
    sous_action = row.get("sous_action", None) and child_code(row, "sous_action", action)
    if not sous_action and row.get("libelle_sous_action", None):
        raise Reject("sous_action", "a sous-action label without its code", row.get("libelle_sous_action"))
    levels = ("ministere", "mission", "programme", "action") + (("sous_action",) if sous_action else ())
    labels = {level: row.parse(f"libelle_{level}", values.label, optional=False) for level in levels}
    in_scheme = ctx.entity("scheme", DESTINATION_SCHEME)

    ministere_iri = ctx.define("ministere", ministere)
    yield from concept(ministere_iri, in_scheme, ministere, labels["ministere"], top=True,
                       classes=(BG.Ministry,))
    mission_iri = ctx.define("mission", mission)
    yield from concept(mission_iri, in_scheme, mission, labels["mission"], top=True, classes=(BG.Mission,))
    yield mission_iri, BG.budgetType, ctx.entity(BUDGET_TYPE_SCHEME, budget_type)
    ctx.known[MISSION_LABELS].add(f"{mission}/{labels['mission']}")
    programme_iri = ctx.define("programme", programme)
    yield from concept(programme_iri, in_scheme, programme, labels["programme"], mission_iri,
                       classes=(BG.Programme,))
    yield programme_iri, BG.ministry, ministere_iri
    action_iri = ctx.define("action", action)
    yield from concept(action_iri, in_scheme, action, labels["action"], programme_iri, classes=(BG.Action,))
    destination = action_iri
    if sous_action:
        destination = ctx.define("sous-action", sous_action)
        yield from concept(destination, in_scheme, sous_action, labels["sous_action"], action_iri,
                           classes=(BG.SubAction,))
    for dimension, value in ((BG.refMinistry, ministere_iri), (BG.refMission, mission_iri),
                             (BG.refProgramme, programme_iri), (BG.refAction, action_iri),
                             (BG.refDestination, destination)):
        yield member(ctx, collection_of(dimension), value)


SOURCES = [
    Source(name="budget-nomenclature", title="Nomenclature du budget de l'État par destination (PLF 2025)",
           path=FILE, read=partial(read_csv, columns=COLUMNS, delimiter=";"), lift=lift, mapping=__name__,
           preamble=preamble),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(SOURCES[0], PLF_DEPENSES_KIND, datasets=PLF_DEPENSES_DATASETS,
              part="nomenclature par destination")]
