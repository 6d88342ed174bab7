"""Key figures of an entity page, per kind of entity: what a reader wants to know first.

One function per group of kinds, each a few SPARQL aggregates over the data the sources lift
(DECP contracts in the `epo:`/`bg:` model, DVF sales, the catalog's DQV measurements). A figure
whose data is absent from the graph (count 0, no value) is left out, never shown as 0 of nothing.
The entity IRI comes from `Minter` and is written with `mappings.terms.iri`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from mappings.namespaces import sparql_prologue
from mappings.terms import iri as iri_term

from graph_service.web.html import layout as html
from graph_service.store import GraphStore

PROLOGUE = sparql_prologue("rdf", "bg", "dct", "epo", "org", "skos", "dqv", "dcat", "igeo", "xsd")


@dataclass
class Figures:
    """Key figures (label, formatted value), inline SVG charts, and short notes (plain text)."""

    items: list[tuple[str, str]] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _rows(store: GraphStore, where: str, select: str, tail: str = "") -> list[dict[str, str]]:
    return store.select(PROLOGUE + f"SELECT {select} WHERE {{ {where} }} {tail}")


def _count_and_sum(store: GraphStore, pattern: str, item: str, amount: str) -> tuple[int, Decimal | None]:
    """Distinct `item`s matching `pattern`, and the sum of their `amount` (each item counted once)."""
    rows = _rows(store, f"SELECT DISTINCT {item} {amount} WHERE {{ {pattern} }}",
                 f"(COUNT(DISTINCT {item}) AS ?n) (SUM(COALESCE({amount}, 0)) AS ?total) (COUNT({amount}) AS ?priced)")
    if not rows or int(rows[0].get("n", 0)) == 0:
        return 0, None
    total = Decimal(rows[0]["total"]) if int(rows[0].get("priced", 0)) else None
    return int(rows[0]["n"]), total


def _per_period(store: GraphStore, pattern: str, item: str, date: str, length: int) -> list[tuple[str, float]]:
    """How many distinct `item`s per year (length 4) or month (length 7) of `date`."""
    rows = _rows(store, f"{pattern} BIND(SUBSTR(STR({date}), 1, {length}) AS ?period)",
                 f"?period (COUNT(DISTINCT {item}) AS ?n)", "GROUP BY ?period ORDER BY ?period")
    return [(r["period"], float(r["n"])) for r in rows if "period" in r]


def contracts(store: GraphStore, pattern: str, what: str) -> Figures:
    """Contracts matching `pattern` (over ?c): how many, their current amount, per year of notification."""
    out = Figures()
    pattern = f"{pattern} FILTER EXISTS {{ ?c a epo:Contract }} OPTIONAL {{ ?c bg:currentAmount ?amount }}"
    n, total = _count_and_sum(store, pattern, "?c", "?amount")
    if n:
        out.items.append((f"marchés publics {what} (DECP)", html.number(n)))
        if total is not None:
            out.items.append((f"montant actuel cumulé des marchés {what}", html.euros(float(total))))
        years = _per_period(store, pattern + " ?c epo:hasContractConclusionDate ?date", "?c", "?date", 4)
        if len(years) > 1:
            out.charts.append(html.bar_chart(years, title=f"Marchés {what}, par année de notification"))
    return out


def territory(store: GraphStore, t: str) -> Figures:
    """A commune, département, région...: contracts executed there, property sales, subdivisions."""
    out = contracts(store, f"?c dct:spatial {t} .", "exécutés sur ce territoire")
    sales = f"?m a bg:Mutation ; dct:spatial {t} . OPTIONAL {{ ?m bg:valeurFonciere ?price }}"
    n, total = _count_and_sum(store, sales, "?m", "?price")
    if n:
        out.items.append(("ventes immobilières (DVF)", html.number(n)))
        if total is not None:
            out.items.append(("valeur foncière cumulée des ventes", html.euros(float(total))))
        months = _per_period(store, sales + " ?m bg:dateMutation ?date", "?m", "?date", 7)
        if len(months) > 1:
            out.charts.append(html.bar_chart(months, title="Ventes immobilières par mois (DVF)"))
    communes = _rows(store, f"?x igeo:subdivisionDe {t} ; a igeo:Commune", "(COUNT(DISTINCT ?x) AS ?n)")
    if communes and int(communes[0]["n"]):
        out.items.append(("communes", html.number(int(communes[0]["n"]))))
    return out


def organisation(store: GraphStore, t: str) -> Figures:
    """A company (SIREN) or establishment (SIRET): contracts won and placed, itself or its units."""
    won = contracts(store, f"{{ ?c bg:supplier {t} }} UNION {{ ?u org:unitOf {t} . ?c bg:supplier ?u }}",
                    "remportés")
    bought = contracts(store, f"{{ ?c bg:buyer {t} }} UNION {{ ?u org:unitOf {t} . ?c bg:buyer ?u }}",
                       "passés comme acheteur")
    return Figures(won.items + bought.items, won.charts + bought.charts)


def cpv(store: GraphStore, t: str) -> Figures:
    """A CPV code: the contracts classified under it, exactly or under a finer code."""
    out = contracts(store, f"?c epo:hasMainClassification {t} .", "classés sous ce code")
    finer = contracts(store, f"?code skos:broader+ {t} . ?c epo:hasMainClassification ?code .",
                      "classés sous un code plus fin")
    out.items += finer.items
    narrower = _rows(store, f"?x skos:broader {t}", "(COUNT(DISTINCT ?x) AS ?n)")
    if narrower and int(narrower[0]["n"]):
        out.items.append(("codes plus fins directs", html.number(int(narrower[0]["n"]))))
    return out


def dataset(store: GraphStore, t: str) -> Figures:
    """A catalog dataset: charter quality score and rules passed, distributions, coverage."""
    out = Figures()
    score = _rows(store, f"?m dqv:computedOn {t} ; dqv:isMeasurementOf ?metric ; dqv:value ?v . "
                         f"?metric skos:notation \"score\"", "?v")
    if score:
        out.items.append(("score de qualité (charte du ministère)", f"{float(score[0]['v']) * 100:.0f}\u00a0%"))
    rules = _rows(store, f"?m dqv:computedOn {t} ; dqv:isMeasurementOf ?metric ; dqv:value ?v . "
                         f"FILTER(DATATYPE(?v) = xsd:boolean)",
                  "(COUNT(?m) AS ?n) (SUM(IF(?v, 1, 0)) AS ?passed)")
    if rules and int(rules[0]["n"]):
        out.items.append(("règles de la charte respectées", f"{rules[0]['passed']} / {rules[0]['n']}"))
        failed = _rows(store, f"?m dqv:computedOn {t} ; dqv:isMeasurementOf ?metric ; dqv:value false . "
                              f"?metric skos:prefLabel ?label FILTER(LANG(?label) = \"fr\")", "?label",
                       "ORDER BY ?label")
        if failed:
            out.notes.append("Règles non respectées : " + " ; ".join(r["label"] for r in failed) + ".")
    dists = _rows(store, f"{t} dcat:distribution ?d", "(COUNT(DISTINCT ?d) AS ?n)")
    if dists and int(dists[0]["n"]):
        out.items.append(("distributions (formats de téléchargement)", html.number(int(dists[0]["n"]))))
    period = _rows(store, f"{t} dct:temporal ?p . OPTIONAL {{ ?p dcat:startDate ?start }} "
                          f"OPTIONAL {{ ?p dcat:endDate ?end }}", "?start ?end")
    for row in period:
        if row:
            out.items.append(("couverture temporelle", f"{row.get('start', '…')} → {row.get('end', '…')}"))
    return out


def contract(store: GraphStore, t: str) -> Figures:
    """A contract: its amendments."""
    out = Figures()
    mods = _rows(store, f"?m bg:modificationOf {t}", "(COUNT(DISTINCT ?m) AS ?n)")
    if mods and int(mods[0]["n"]):
        out.items.append(("modifications (avenants)", html.number(int(mods[0]["n"]))))
    return out


FIGURES: dict[str, Callable[[GraphStore, str], Figures]] = {
    **dict.fromkeys(("commune", "departement", "region", "arrondissement", "collectivite", "pays",
                     "commune-associee", "commune-deleguee"), territory),
    "entreprise": organisation,
    "etablissement": organisation,
    "cpv": cpv,
    "dataset": dataset,
    "contrat": contract,
}


def figures(store: GraphStore, kind: str, iri: str) -> Figures:
    """The key figures of an entity of `kind` (none for kinds without figures)."""
    compute = FIGURES.get(kind)
    return compute(store, iri_term(iri)) if compute else Figures()
