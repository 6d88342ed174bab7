"""LFI 2026 (loi n° 2026-103) états B and A as RDF Data Cubes.

État B: the crédits de paiement of the budget général per mission (one observation per mission,
credit type CP, budget BG). Its missions link to the mission concepts of the budget nomenclature
(PLF 2025) by their code; a code that nomenclature lacks is counted as unresolved and the mission
is described from état B itself (code and label), so that the observation keeps its dimension.

État A: the revenue lines of the budget général (`1101` Impôt net sur le revenu...). Each line is
a concept of the scheme `scheme/budget-recettes-etat-a`, below its section (recettes fiscales,
recettes non fiscales, prélèvements sur les recettes de l'État), and one observation. The section
is also a dimension: prélèvements sur recettes are deducted from the State's revenue, so a sum
across sections would be meaningless.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial

from . import values
from .budget import MISSION_LABELS, collection_of, dimension_lists, linked
from .cube import Cube
from .kinds import like
from .namespaces import A, BG, QB, SKOS, XSD
from .read import Record, Reject, read_csv
from .skos import concept, member, scheme
from .source import Context, Source
from .terms import Triple, fr, literal, typed

ETAT_B = "budget/lfi2026_etat_b_budget_general_missions_cp.csv"
ETAT_A = "budget/lfi2026_etat_a_recettes_budget_general_lignes.csv"
#: both files cover the budget général only (data/SOURCES.md)
BUDGET = "BG"
REVENUE_SCHEME = "budget-recettes-etat-a"
#: the law in the Journal officiel (both files give it in their `source_jo` column)
LAW = "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000053508155"
#: État A sections of the budget général (CSV code -> heading of the état).
SECTIONS = {
    "fiscal": "Recettes fiscales",
    "non_fiscal": "Recettes non fiscales",
    "prelevements_sur_recettes": "Prélèvements sur les recettes de l'État",
}
_LINE = re.compile(r"^\d{4}$")
_MISSION = re.compile(r"^[A-Z]{2}$")

ETAT_B_CUBE = Cube(
    key="lfi2026-etat-b",
    title_fr="LFI 2026 — état B : crédits de paiement du budget général par mission",
    title_en="2026 finance act — schedule B: payment credits of the general budget by mission",
    description_fr="Crédits de paiement ouverts par la loi de finances initiale pour 2026 (état B), par "
                   "mission du budget général, en euros.",
    components=((QB.dimension, BG.exercice), (QB.dimension, BG.financeLaw), (QB.dimension, BG.refBudgetType),
                (QB.dimension, BG.refMission), (QB.dimension, BG.creditType), (QB.measure, BG.montant)),
)
ETAT_A_CUBE = Cube(
    key="lfi2026-etat-a",
    title_fr="LFI 2026 — état A : recettes du budget général par ligne",
    title_en="2026 finance act — schedule A: general budget revenue by line",
    description_fr="Évaluation des recettes du budget général par ligne de l'état A de la loi de finances "
                   "initiale pour 2026, en euros. Les prélèvements sur recettes viennent en déduction : "
                   "n'additionner qu'au sein d'une section.",
    components=((QB.dimension, BG.exercice), (QB.dimension, BG.financeLaw), (QB.dimension, BG.refBudgetType),
                (QB.dimension, BG.revenueSection), (QB.dimension, BG.revenueLine), (QB.measure, BG.montant)),
)


def common(row: Record, ctx: Context) -> list[tuple[str, str]]:
    """The dimensions both états share: year, stage of the law, budget."""
    year = row.parse("exercice", values.year, optional=False)
    budget = ctx.link("budget-type", BUDGET)
    if budget is None:
        raise Reject("(file)", "the budget nomenclature (budget types) was not built before this source")
    return [(BG.exercice, typed(year, XSD.gYear)), (BG.financeLaw, linked(ctx, "loi-finances", row, "loi")),
            (BG.refBudgetType, budget)]


def preamble_etat_b(ctx: Context) -> Iterable[Triple]:
    return ETAT_B_CUBE.structure(ctx, ETAT_B, law=LAW)


def lift_etat_b(row: Record, ctx: Context) -> Iterable[Triple]:
    code = row.require("mission_code")
    if not _MISSION.match(code):
        raise Reject("mission_code", "not a mission code (2 capital letters)", code)
    label = row.parse("mission_libelle", values.label, optional=False)
    amount = row.parse("credits_paiement_eur", values.decimal, optional=False)
    dimensions = common(row, ctx)
    out: list[Triple] = []
    mission = ctx.link("mission", code)
    if mission is None:  # unresolved (counted): described here rather than left dangling
        mission = ctx.entity("mission", code)
        out += [(mission, A, SKOS.Concept), (mission, A, BG.Mission), (mission, SKOS.notation, literal(code)),
                (mission, SKOS.prefLabel, fr(label)), member(ctx, collection_of(BG.refMission), mission)]
    elif f"{code}/{label}" not in ctx.known[MISSION_LABELS]:  # renamed since the nomenclature's edition
        out += [(mission, SKOS.altLabel, fr(label)),
                (mission, SKOS.changeNote, fr(f"Intitulé dans la LFI 2026 (état B) : {label}"))]
    subject, triples = ETAT_B_CUBE.observation(ctx, code, "CP")
    out += triples
    out += [(subject, p, o) for p, o in dimensions]
    out += [(subject, BG.refMission, mission), (subject, BG.creditType, ctx.entity("credit-type", "CP")),
            (subject, BG.montant, typed(amount, XSD.decimal))]
    return out


def preamble_etat_a(ctx: Context) -> Iterable[Triple]:
    """The cube, the revenue scheme and its sections."""
    triples = ETAT_A_CUBE.structure(ctx, ETAT_A, law=LAW) + dimension_lists(ctx, BG.revenueSection, BG.revenueLine)
    revenue, scheme_triples = scheme(ctx, REVENUE_SCHEME, "Lignes de recettes du budget général (état A)",
                                     "General budget revenue lines (schedule A)")
    triples += scheme_triples
    for code, label in SECTIONS.items():
        section = ctx.define("recette-section", code)
        triples += concept(section, revenue, code, label, top=True)
        triples.append(member(ctx, collection_of(BG.revenueSection), section))
    return triples


def lift_etat_a(row: Record, ctx: Context) -> Iterable[Triple]:
    code = row.require("ligne_code")
    if not _LINE.match(code):
        raise Reject("ligne_code", "not an état A line code (4 digits)", code)
    section_code = row.require("section")
    section = ctx.link("recette-section", section_code)
    if section is None:
        raise Reject("section", f"unknown section (expected {', '.join(SECTIONS)})", section_code)
    label = row.parse("ligne_libelle", values.label, optional=False)
    amount = row.parse("montant_eur", values.decimal, optional=False)
    dimensions = common(row, ctx)
    line = ctx.define("recette", code)
    out = concept(line, ctx.entity("scheme", REVENUE_SCHEME), code, label, broader=section)
    out.append(member(ctx, collection_of(BG.revenueLine), line))
    subject, triples = ETAT_A_CUBE.observation(ctx, code)
    out += triples
    out += [(subject, p, o) for p, o in dimensions]
    out += [(subject, BG.revenueSection, section), (subject, BG.revenueLine, line),
            (subject, BG.montant, typed(amount, XSD.decimal))]
    return out


SOURCES = [
    Source(name="budget-lfi2026-etat-b", title="LFI 2026 — état B, crédits de paiement par mission (budget général)",
           path=ETAT_B, read=partial(read_csv, columns=("exercice", "loi", "mission_code", "mission_libelle",
                                                        "credits_paiement_eur")),
           lift=lift_etat_b, mapping=__name__, preamble=preamble_etat_b),
    Source(name="budget-lfi2026-etat-a", title="LFI 2026 — état A, recettes du budget général par ligne",
           path=ETAT_A, read=partial(read_csv, columns=("exercice", "loi", "ligne_code", "section", "ligne_libelle",
                                                        "montant_eur")),
           lift=lift_etat_a, mapping=__name__, preamble=preamble_etat_a),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(SOURCES[0], "budget-lfi-etat-b-missions"), like(SOURCES[1], "budget-lfi-etat-a-recettes")]
