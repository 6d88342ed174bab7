"""Key figures of an entity page, per kind of entity: what a reader wants to know first.

One function per group of kinds, each a few SPARQL aggregates over the data the sources lift
(DECP contracts in the `epo:`/`bg:` model, DVF sales, the catalog's DQV measurements). A figure
whose data is absent from the graph (count 0, no value) is left out, never shown as 0 of nothing.
The entity IRI comes from `Minter` and is written with `mappings.terms.iri`.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from mappings.namespaces import sparql_prologue
from mappings.terms import iri as iri_term

from graph_service.config import PROJECT_ROOT
from graph_service.store import GraphStore
from graph_service.web import page_cache
from graph_service.web.documents import freshness
from graph_service.web.documents.changes import DATASET_VERBS as DATASET_CHANGES
from graph_service.web.documents import sparql_values as sv
from graph_service.web.documents.labels import best_labels, french_date
from graph_service.web.html import layout as html

PROLOGUE = sparql_prologue("rdf", "bg", "dct", "epo", "org", "skos", "dqv", "dcat", "igeo", "xsd", "qb",
                           "sdmx-dimension")


@dataclass(frozen=True)
class GraphRef:
    """A source graph of a figure: its page (the graph IRI), title and licence."""

    iri: str
    title: str
    licence: str | None


@dataclass(frozen=True)
class FigureSource:
    """What a group of figures counts, the graphs it is computed from, the period the data covers,
    and the SPARQL query that computes it (run as is at `/sparql`); `query_file` the related `queries/` file."""

    counts: str
    graphs: tuple[GraphRef, ...]
    period: str
    query: str
    query_file: str | None = None


@dataclass(frozen=True)
class FigureTable:
    """A titled table of figures; a cell is text or (IRI, text); `numeric` the columns of numbers."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple]
    numeric: frozenset[int] = frozenset()


@dataclass
class Figures:
    """Key figures (label, formatted value), inline SVG charts, short notes (plain text), titled
    lists of linked things (title, [(IRI or None, text)]), tables, and where each group comes from."""

    items: list[tuple[str, str]] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lists: list[tuple[str, list[tuple[str | None, str]]]] = field(default_factory=list)
    tables: list[FigureTable] = field(default_factory=list)
    sources: list[FigureSource] = field(default_factory=list)

    def add(self, other: Figures) -> Figures:
        """This and `other` together (a note said by both is kept once)."""
        return Figures(self.items + other.items, self.charts + other.charts,
                       list(dict.fromkeys(self.notes + other.notes)), self.lists + other.lists,
                       self.tables + other.tables, self.sources + other.sources)


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


def graph_refs(store: GraphStore, pattern: str, item: str) -> tuple[GraphRef, ...]:
    """The named graphs stating `item` of `pattern` (its type triple), with their title and licence."""
    rows = _rows(store, f"{{ SELECT DISTINCT ?g WHERE {{ {pattern} GRAPH ?g {{ {item} a ?type }} }} }} "
                        f"OPTIONAL {{ ?g dct:title ?title }} OPTIONAL {{ ?g dct:license ?licence }}",
                 "?g (SAMPLE(?title) AS ?t) (SAMPLE(?licence) AS ?l)", "GROUP BY ?g ORDER BY ?g")
    names = best_labels(store, [r["l"] for r in rows if "l" in r])
    return tuple(GraphRef(r["g"], r.get("t", r["g"]), names.get(r["l"], r["l"]) if "l" in r else None)
                 for r in rows if "g" in r)


def query_text(where: str, select: str, tail: str = "") -> str:
    """The SPARQL text `_rows` runs, for a figure's permalink."""
    return PROLOGUE + f"SELECT {select} WHERE {{ {where} }} {tail}"


def period(first: str | None, last: str | None) -> str:
    """"du 5 février 2019 au 27 août 2024" from two xsd:date values (either may be missing)."""
    if not first and not last:
        return ""
    if first == last or not last:
        return f"le {french_date(first)}"
    return f"du {french_date(first)} au {french_date(last)}" if first else f"jusqu'au {french_date(last)}"


#: What the DECP counts of the pages count (issue 9: awards vs contract identifiers, amounts once each).
AWARDS_NOTE = ("Marchés publics (DECP) : une attribution est un marché tel que publié (epo:Contract), comptée une "
               "fois, avec son montant une fois quel que soit le nombre de titulaires ; un identifiant de marché est "
               "l'acheteur (SIRET) + l'id du marché (l'uid DECP), sous lequel un fichier peut publier plusieurs "
               "attributions (lots, marchés subséquents, republications). Le montant actuel est celui que "
               "publient les avenants (le montant d'un avenant est le nouveau total, selon le schéma).")


def identifier_of(award: str, var: str = "?id") -> str:
    """SPARQL binding `var` to the contract identifier of `award` (a variable): the shared
    `bg:ContractIdentifier` it is part of, else the award itself (pages and `/api` count both so)."""
    return (f"OPTIONAL {{ {award} dct:isPartOf ?shared . ?shared a bg:ContractIdentifier }} "
            f"BIND(COALESCE(?shared, {award}) AS {var})")


def _award_totals(store: GraphStore, pattern: str) -> dict[str, str]:
    """Awards matching `pattern` (over ?c), their identifiers (`identifier_of`) and amounts: each award's
    amount once (MAX over feeds), never once per supplier."""
    awards = (f"SELECT ?c (MAX(?a) AS ?amount) (MAX(?i) AS ?ifIncrements) (SAMPLE(?id) AS ?identifier) WHERE {{ "
              f"{pattern} ?c a epo:Contract . OPTIONAL {{ ?c bg:currentAmount ?a }} "
              f"OPTIONAL {{ ?c bg:currentAmountIfIncrements ?i }} {identifier_of('?c')} }} GROUP BY ?c")
    rows = _rows(store, f"{{ {awards} }}",
                 "(COUNT(?c) AS ?awards) (COUNT(DISTINCT ?identifier) AS ?identifiers) "
                 "(SUM(COALESCE(?amount, 0)) AS ?total) (COUNT(?amount) AS ?priced) "
                 "(SUM(COALESCE(?ifIncrements, ?amount, 0)) AS ?totalIfIncrements) (COUNT(?ifIncrements) AS ?flagged)")
    return rows[0] if rows else {}


def _award_totals_query(pattern: str) -> tuple[str, str]:
    """(where, select) of `_award_totals`, for its permalink."""
    awards = (f"SELECT ?c (MAX(?a) AS ?amount) (MAX(?i) AS ?ifIncrements) (SAMPLE(?id) AS ?identifier) WHERE {{ "
              f"{pattern} ?c a epo:Contract . OPTIONAL {{ ?c bg:currentAmount ?a }} "
              f"OPTIONAL {{ ?c bg:currentAmountIfIncrements ?i }} {identifier_of('?c')} }} GROUP BY ?c")
    return (f"{{ {awards} }}", "(COUNT(?c) AS ?awards) (COUNT(DISTINCT ?identifier) AS ?identifiers) "
                               "(SUM(COALESCE(?amount, 0)) AS ?total) (COUNT(?amount) AS ?priced)")


def left_out(count: int, singular: str, plural: str, why: str) -> str:
    """What a chart leaves out, said with it: "30 marchés sans date de notification ne sont pas dans le
    graphique." (0 and 1 take the singular, as French does)."""
    noun, verb = (plural, "ne sont") if count > 1 else (singular, "n'est")
    return f"{html.number(count)} {noun} {why} {verb} pas dans le graphique."


def each(item: str, pattern: str) -> str:
    """The `item`s `pattern` binds, each once, as a sub-select, which Oxigraph evaluates first. Written beside
    `?c a epo:Contract`, a pattern may instead be joined after it, from every contract: a company's figures
    (its contracts or its establishments') took 2.5 s a query on the default build, milliseconds so."""
    return f"{{ SELECT DISTINCT {item} WHERE {{ {pattern} }} }}"


def contracts(store: GraphStore, pattern: str, what: str) -> Figures:
    """DECP awards matching `pattern` (over ?c): how many awards and contract identifiers, their current
    amount (each award once; the other reading when amendments look like increases), per year (the awards
    without a date said, not dropped silently), and where the figures come from."""
    out = Figures()
    pattern = each("?c", pattern)
    row = _award_totals(store, pattern)
    n = int(row.get("awards", 0))
    if not n:
        return out
    out.items.append((f"marchés {what} : attributions (DECP)", html.number(n)))
    out.items.append((f"marchés {what} : identifiants (acheteur + id)", html.number(int(row["identifiers"]))))
    if int(row.get("priced", 0)):
        out.items.append((f"marchés {what} : montant actuel cumulé, tel que publié",
                          html.euros(float(row["total"]))))
    if flagged := int(row.get("flagged", 0)):
        out.items.append((f"marchés {what} : attributions dont un avenant se lit comme une augmentation",
                          html.number(flagged)))
        out.items.append((f"marchés {what} : montant actuel cumulé si ces avenants sont des augmentations",
                          html.euros(float(row["totalIfIncrements"]))))
    out.notes.append(AWARDS_NOTE)
    dated = pattern + " ?c a epo:Contract ; epo:hasContractConclusionDate ?date ."
    span = (_rows(store, f"SELECT DISTINCT ?c ?date WHERE {{ {dated} }}",
                  "(COUNT(DISTINCT ?c) AS ?n) (MIN(?date) AS ?first) (MAX(?date) AS ?last)") or [{}])[0]
    where, select = _award_totals_query(pattern)
    out.sources.append(FigureSource(
        f"Marchés {what} : attributions publiées dans les données essentielles de la commande publique (DECP), "
        f"chacune comptée une fois.", graph_refs(store, pattern + " ?c a epo:Contract .", "?c"),
        period(span.get("first"), span.get("last")), query_text(where, select)))
    years = _per_period(store, dated, "?c", "?date", 4)
    if len(years) > 1:
        undated = n - int(span.get("n", 0))
        out.charts.append(html.bar_chart(years, title=f"Marchés {what} : attributions par année de notification",
                                         left_out=f"Marchés {what} : " + left_out(
                                             undated, "marché", "marchés", "sans date de notification")))
    return out


#: How a territory's figures reach it: a commune is itself, or a former commune (a version under an old code)
#: that is it today (mappings/cog_history.py); a département or région is itself or a commune (or département)
#: in it. `/api` and the tables count with the same fragments, so page, table and API agree. (Former codes are
#: counted for communes only: a département's branch for them made its page take seconds instead of 0.1 s.)
IN_COMMUNE = "{ VALUES ?where { $place } } UNION { ?where bg:communeActuelle $place }"
IN_TERRITORY = ("{ VALUES ?where { $place } } UNION "
                "{ ?where igeo:subdivisionDe $place ; a ?within FILTER(?within IN (igeo:Commune, igeo:Departement)) }")


def located(x: str) -> str:
    """`x` lies in one of the places the scope bound to ?where."""
    return f"{x} dct:spatial ?where ."


def scope(kind: str, t: str) -> str:
    """The fragment binding ?where to the places counted for the territory `t` (an IRI term) of `kind`."""
    return (IN_COMMUNE if kind == "commune" else IN_TERRITORY).replace("$place", t)


def territory(store: GraphStore, t: str, kind: str = "departement") -> Figures:
    """A commune, département, région...: contracts executed there (in its communes for a département), those
    its local authority (the legal unit whose jurisdiction it is) placed as a buyer, property sales, subdivisions."""
    where = scope(kind, t)
    inside = "" if kind == "commune" else " ou dans ses communes"
    out = contracts(store, f"{where} {located('?c')}", f"exécutés sur ce territoire{inside}")
    out = out.add(contracts(store, f"?org dct:spatial {t} ; a org:Organization . {role_of('?org', 'bg:buyer')}",
                            "passés par la collectivité (acheteur)"))
    sold = each("?m", f"{where} {located('?m')}") + " ?m a bg:Mutation ."
    sales = f"{sold} OPTIONAL {{ ?m bg:valeurFonciere ?price }}"
    n, total = _count_and_sum(store, sales, "?m", "?price")
    if n:
        out.items.append(("ventes immobilières (DVF)", html.number(n)))
        if total is not None:
            out.items.append(("valeur foncière cumulée des ventes", html.euros(float(total))))
        span = (_rows(store, f"{sold} ?m bg:dateMutation ?d", "(MIN(?d) AS ?first) (MAX(?d) AS ?last)") or [{}])[0]
        out.sources.append(FigureSource(
            "Ventes immobilières : mutations des demandes de valeurs foncières (DVF), chacune comptée une fois, "
            "sa valeur foncière une fois.", graph_refs(store, sold, "?m"), period(span.get("first"), span.get("last")),
            query_text(f"SELECT DISTINCT ?m ?price WHERE {{ {sales} }}",
                       "(COUNT(DISTINCT ?m) AS ?n) (SUM(COALESCE(?price, 0)) AS ?total)")))
        months = _per_period(store, sold + " ?m bg:dateMutation ?date", "?m", "?date", 7)
        if len(months) > 1:
            dated = _rows(store, sold + " ?m bg:dateMutation ?date", "(COUNT(DISTINCT ?m) AS ?n)")
            out.charts.append(html.bar_chart(months, title="Ventes immobilières par mois (DVF)",
                                             left_out=left_out(n - int(dated[0]["n"]), "vente", "ventes", "sans date")))
    former = _rows(store, f"?v bg:communeActuelle {t} . ?r ?p ?v . FILTER NOT EXISTS {{ ?r igeo:detruit ?v }}",
                   "(COUNT(DISTINCT ?r) AS ?n)")
    if former and int(former[0]["n"]):
        out.items.append(("enregistrements sous un ancien code (historique des communes)",
                          html.number(int(former[0]["n"]))))
    communes = _rows(store, f"?x igeo:subdivisionDe {t} ; a igeo:Commune", "(COUNT(DISTINCT ?x) AS ?n)")
    if communes and int(communes[0]["n"]):
        out.items.append(("communes", html.number(int(communes[0]["n"]))))
    return out


@dataclass(frozen=True)
class MedianDefinition:
    """One definition of the median price per m2: its name, what it keeps, and the query that computes it."""

    key: str
    name: str
    definition: str
    query_file: str

    def template(self) -> str:
        """The per-sale part of the query of `queries/` (the definition: which sales, their price per m2), for
        one commune and year: its Toulon 2023 example turned into `$code` and `$year`. The .rq stays the one
        place of the definition (a change of its wording fails here); the median of its values is taken in
        Python, as the .rq takes it (the mean of the two middle values), four times faster than its self-join."""
        text = (QUERIES_DIR / self.query_file).read_text(encoding="utf-8")
        prefixes = "".join(line + "\n" for line in text.splitlines() if line.startswith("PREFIX "))
        start = text.index("SELECT ?sale ")
        per_sale = text[start:text.index("} GROUP BY ?value", start)]
        for example, slot in (('igeo:codeINSEE "83137"', "igeo:codeINSEE $code"),
                              ("YEAR(?date) = 2023", "YEAR(?date) = $year")):
            if per_sale.count(example) != 1:
                raise ValueError(f"{self.query_file}: expected {example!r} once in its per-sale query")
            per_sale = per_sale.replace(example, slot)
        return prefixes + per_sale

    def query_for(self, code: str, year: int) -> str:
        """The whole query of `queries/` (per-sale values and their median) for one commune and year."""
        text = (QUERIES_DIR / self.query_file).read_text(encoding="utf-8")
        return text.replace('igeo:codeINSEE "83137"', f"igeo:codeINSEE {sv.literal(code)}").replace(
            "YEAR(?date) = 2023", f"YEAR(?date) = {int(year)}")


QUERIES_DIR = PROJECT_ROOT / "queries"
MEDIAN_DEFINITIONS = (
    MedianDefinition("bercy-graph", "définition bercy-graph",
                     "ventes (nature « Vente ») d'exactement un appartement, sans maison ni local d'activité "
                     "(dépendances admises), avec une surface réelle bâtie ; prix de la vente / cette surface",
                     "dvf_median_price_m2.rq"),
    MedianDefinition("etalab", "méthode Etalab « Statistiques DVF »",
                     "ventes, VEFA et adjudications d'un seul bien hors dépendances (doublons purs retirés), "
                     "un appartement avec une surface réelle bâtie ; prix / surface ; prix au m² au-delà de "
                     "100 000 € exclus", "dvf_median_price_m2_etalab.rq"),
)


@dataclass(frozen=True)
class Median:
    """The median price per m2 of the apartments sold in a commune in a year, under one definition."""

    definition: MedianDefinition
    year: int
    sales: int
    median: Decimal
    sources: str   # the titles of the graphs the sales come from (one says when its prices are neutralised)
    code: str = ""  # the commune's INSEE code


def median_prices(store: GraphStore, commune: str) -> list[Median]:
    """The median price per m2 of each year with DVF sales in the commune (IRI), under every definition:
    computed once per build (`page_cache`): a build never changes, and the queries take seconds."""
    return page_cache.cached(store, ("medians", commune), lambda: _median_prices(store, commune))


def _median_prices(store: GraphStore, commune: str) -> list[Median]:
    years = store.select(sv.fill(PROLOGUE + "SELECT ?code ?year (GROUP_CONCAT(DISTINCT ?title; separator=\" ; \") "
                                 "AS ?sources) WHERE { $place igeo:codeINSEE ?code . GRAPH ?g { ?m a bg:Mutation ; "
                                 "dct:spatial $place ; bg:dateMutation ?d } OPTIONAL { ?g dct:title ?title } "
                                 "BIND(YEAR(?d) AS ?year) } GROUP BY ?code ?year ORDER BY ?year",
                                 place=sv.iri(commune)))
    out = []
    for code, year, sources in ((r["code"], int(r["year"]), r.get("sources", "")) for r in years if "year" in r):
        for definition in MEDIAN_DEFINITIONS:
            rows = store.select(sv.fill(definition.template(), code=sv.literal(code), year=sv.integer(year)))
            values = [Decimal(r["value"]) for r in rows if "value" in r]
            if values and (median := statistics.median(values)) > 0:   # 0: a sample whose prices were neutralised
                out.append(Median(definition, year, len(values), median, sources, code))
    return out


def commune(store: GraphStore, t: str) -> Figures:
    """A commune: the figures of a territory, its local accounts (OFGL), and the median price per m2 of its
    apartments under both definitions, each named, with its definition and the number of sales it is computed on."""
    out = territory(store, t, "commune").add(accounts(store, t))
    for m in median_prices(store, t[1:-1]):
        out.items.append((f"prix médian au m² des appartements, {m.year} ({m.definition.name}, "
                          f"{html.number(m.sales)} ventes)", html.euros(float(m.median))))
        out.notes.append(f"Prix médian au m², {m.definition.name} : {m.definition.definition} "
                         f"(requête queries/{m.definition.query_file}).")
        out.notes.append(f"Ventes {m.year} de : {m.sources}.")
        out.sources.append(FigureSource(
            f"Prix médian au m² {m.year}, {m.definition.name} : médiane des prix au m² de {html.number(m.sales)} "
            f"ventes ({m.definition.definition}).",
            graph_refs(store, f"?m a bg:Mutation ; dct:spatial {t} ; bg:dateMutation ?d FILTER(YEAR(?d) = {m.year})",
                       "?m"), f"année {m.year}", m.definition.query_for(m.code, m.year), m.definition.query_file))
    return out


#: A commune's OFGL accounts: per agrégat and year, the amount of all its budgets added up (within one
#: agrégat only: agrégats overlap), and the per-inhabitant amount of its budget principal.
ACCOUNTS = ("?o a qb:Observation ; sdmx-dimension:refArea $place ; bg:agregat ?agregat ; bg:montant ?amount ; "
            "bg:budget ?budget . OPTIONAL { ?o bg:exercice ?year } "
            "OPTIONAL { ?budget bg:typeBudget \"Budget principal\"@fr . ?o bg:montantParHabitant ?perInhabitant }")
ACCOUNTS_SELECT = ("?agregat ?year (SUM(?amount) AS ?total) (COUNT(DISTINCT ?budget) AS ?budgets) "
                   "(SUM(COALESCE(?perInhabitant, 0)) AS ?principalPerInhabitant) (COUNT(?perInhabitant) AS ?principal)")
# (MAX over a group where the budgets annexes leave ?perInhabitant unbound is unbound in Oxigraph: one
# budget principal per commune, so the sum of the bound values is its amount.)


def accounts(store: GraphStore, t: str) -> Figures:
    """The commune's local accounts (OFGL agrégats) as a table, with their source."""
    out = Figures()
    where = ACCOUNTS.replace("$place", t)
    rows = _rows(store, where, ACCOUNTS_SELECT, "GROUP BY ?agregat ?year")
    if not rows:
        return out
    names = best_labels(store, [r["agregat"] for r in rows])
    rows.sort(key=lambda r: (r.get("year", ""), names.get(r["agregat"], r["agregat"])))
    years = sorted({r["year"] for r in rows if "year" in r})
    out.tables.append(FigureTable(
        f"Comptes de la commune (OFGL, exercice {', '.join(years) or 'non daté'}) : agrégats, tous budgets",
        ("agrégat", "exercice", "montant, tous budgets", "par habitant (budget principal)", "budgets"),
        [((r["agregat"], names.get(r["agregat"], r["agregat"].rsplit("/", 1)[-1])), r.get("year", "—"),
          html.euros(float(r["total"])),
          html.euros(float(r["principalPerInhabitant"])) if int(r.get("principal", 0)) else "—",
          html.number(int(r["budgets"]))) for r in rows], frozenset({2, 3, 4})))
    out.sources.append(FigureSource(
        "Comptes : agrégats de l'Observatoire des finances et de la gestion publique locales (OFGL), montants de "
        "tous les budgets de la commune (principal et annexes) additionnés par agrégat ; par habitant : celui du "
        "budget principal. Les agrégats se recouvrent (totaux et leurs parts) : ne pas les additionner entre eux.",
        graph_refs(store, where, "?o"), f"exercice {', '.join(years)}" if years else "",
        query_text(where, ACCOUNTS_SELECT, "GROUP BY ?agregat ?year ORDER BY ?year ?agregat"),
        "local_accounts_by_commune.rq"))
    return out


def role_of(org: str, role: str) -> str:
    """The pattern binding ?c to the contracts in which `org` (a company or establishment) or one of its units
    has `role` (bg:supplier, bg:buyer)."""
    return f"{{ ?c {role} {org} }} UNION {{ ?u org:unitOf {org} . ?c {role} ?u }}"


def organisation(store: GraphStore, t: str) -> Figures:
    """A company (SIREN) or establishment (SIRET): contracts won (by year, and by buyer) and placed, itself
    or its units."""
    won_pattern = role_of(t, "bg:supplier")
    won = contracts(store, won_pattern, "remportés")
    if won.items:
        won.tables.append(buyers_table(store, won_pattern))
    return won.add(contracts(store, role_of(t, "bg:buyer"), "passés comme acheteur"))


def buyers_table(store: GraphStore, pattern: str, limit: int = 20) -> FigureTable:
    """The buyers of the awards matching `pattern` (over ?c), most awards first: awards and their current
    amount, each award once."""
    per_award = (f"SELECT ?c (SAMPLE(?b) AS ?buyer) (MAX(?a) AS ?amount) WHERE {{ {each('?c', pattern)} "
                 f"?c a epo:Contract ; bg:buyer ?b . OPTIONAL {{ ?c bg:currentAmount ?a }} }} GROUP BY ?c")
    rows = _rows(store, f"{{ {per_award} }}", "?buyer (COUNT(?c) AS ?n) (SUM(COALESCE(?amount, 0)) AS ?total)",
                 f"GROUP BY ?buyer ORDER BY DESC(?n) ?buyer LIMIT {limit}")
    names = best_labels(store, [r["buyer"] for r in rows])
    return FigureTable(f"Marchés remportés, par acheteur (les {limit} premiers)",
                       ("acheteur", "attributions", "montant actuel cumulé"),
                       [((r["buyer"], names.get(r["buyer"], r["buyer"].rsplit("/", 1)[-1])),
                         html.number(int(r["n"])), html.euros(float(r["total"]))) for r in rows],
                       frozenset({1, 2}))


# ----------------------------------------------------------------------------------- State budget

#: The budget amounts of a mission or programme: per stage of the law (PLF/LFI), year and credit type.
BUDGET = ("?obs a qb:Observation ; $level $node ; bg:financeLaw ?lawConcept ; bg:exercice ?year ; "
          "bg:creditType ?creditConcept ; bg:montant ?amount . ?lawConcept skos:notation ?law . "
          "?creditConcept skos:notation ?credit .")
BUDGET_SELECT = "?law ?year ?credit (SUM(?amount) AS ?total) (COUNT(?obs) AS ?observations)"
CREDITS = {"AE": "autorisations d'engagement (AE)", "CP": "crédits de paiement (CP)"}
LAWS = {"PLF": "PLF", "LFI": "LFI"}


def budget(store: GraphStore, t: str, level: str, part_level: str | None, part_name: str) -> Figures:
    """A mission or programme (`level` its dimension, bg:refMission / bg:refProgramme): PLF and LFI amounts
    (AE and CP), each with its year, and its programmes or actions (`part_level`) in the PLF."""
    out = Figures()
    where = BUDGET.replace("$level", level).replace("$node", t)
    rows = _rows(store, where, BUDGET_SELECT, "GROUP BY ?law ?year ?credit ORDER BY ?year ?law ?credit")
    if not rows:
        return out
    for r in rows:
        out.items.append((f"{CREDITS.get(r['credit'], r['credit'])}, {LAWS.get(r['law'], r['law'])} {r['year']}",
                          html.euros(float(r["total"]))))
    stages = sorted({(r["year"], r["law"]) for r in rows})
    if len({y for y, _ in stages}) > 1:
        out.notes.append("Les étapes ne portent pas sur la même année : " + " ; ".join(
            f"{law} {year}" for year, law in stages) + ". Un PLF est le projet présenté au Parlement, une LFI la "
            "loi votée : comparer les deux compare aussi deux exercices.")
    credits_by_stage = {(r["year"], r["law"]): {x["credit"] for x in rows if (x["year"], x["law"]) == (r["year"], r["law"])}
                        for r in rows}
    for (year, law), credits in sorted(credits_by_stage.items()):
        if credits == {"CP"}:
            out.notes.append(f"{law} {year} : seuls les crédits de paiement sont publiés à ce niveau "
                             f"(l'état B de la loi ne donne pas les autorisations d'engagement).")
    files = {"bg:refMission": "budget_plf_vs_lfi_by_mission.rq"}
    out.sources.append(FigureSource(
        "Budget de l'État : somme des montants (euros) des observations du cube budgétaire par étape de la loi "
        "de finances, exercice et type de crédit ; AE et CP ne s'additionnent jamais.",
        graph_refs(store, where, "?obs"), ", ".join(f"{law} {year}" for year, law in stages),
        query_text(where, BUDGET_SELECT, "GROUP BY ?law ?year ?credit ORDER BY ?year ?law ?credit"),
        files.get(level)))
    if part_level:
        parts_where = where + f" ?obs {part_level} ?part ."
        select = "?part ?law ?year (SUM(IF(?credit = \"AE\", ?amount, 0)) AS ?ae) " \
                 "(SUM(IF(?credit = \"CP\", ?amount, 0)) AS ?cp)"
        parts = _rows(store, parts_where, select, "GROUP BY ?part ?law ?year")
        names = best_labels(store, [r["part"] for r in parts])
        parts.sort(key=lambda r: (r["year"], r["law"], r["part"]))
        if parts:
            out.tables.append(FigureTable(
                f"{part_name.capitalize()} : montants par étape de la loi de finances",
                (part_name, "étape", "AE", "CP"),
                [((r["part"], f"{r['part'].rsplit('/', 1)[-1]} — {names.get(r['part'], '')}"), f"{r['law']} {r['year']}",
                  html.euros(float(r["ae"])), html.euros(float(r["cp"]))) for r in parts], frozenset({2, 3})))
    return out


def mission(store: GraphStore, t: str) -> Figures:
    return budget(store, t, "bg:refMission", "bg:refProgramme", "programmes")


def programme(store: GraphStore, t: str) -> Figures:
    return budget(store, t, "bg:refProgramme", "bg:refAction", "actions")


def cpv(store: GraphStore, t: str) -> Figures:
    """A CPV code: the contracts classified under it, exactly or under a finer code."""
    out = contracts(store, f"?c bg:cpv {t} .", "classés sous ce code")
    finer = contracts(store, f"?code skos:broader+ {t} . ?c bg:cpv ?code .",
                      "classés sous un code plus fin")
    out = out.add(finer)
    narrower = _rows(store, f"?x skos:broader {t}", "(COUNT(DISTINCT ?x) AS ?n)")
    if narrower and int(narrower[0]["n"]):
        out.items.append(("codes plus fins directs", html.number(int(narrower[0]["n"]))))
    return out


AS = "https://www.w3.org/ns/activitystreams#"


def dataset(store: GraphStore, t: str) -> Figures:
    """A catalog dataset: charter quality score and rules passed, distributions, coverage."""
    out = Figures()
    if _rows(store, f"{t} bg:generatedDescription true", "?x"):
        out.items.append(("description", "générée : l'éditeur n'en a fourni aucune"))
        out.notes.append("L'éditeur n'a fourni aucune description pour ce jeu de données : la description affichée "
                         "est une phrase générée par bercy-graph qui le dit (DCAT-AP 3 en exige une), et la règle "
                         "de la charte sur la description échoue.")
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
    for fresh in freshness.datasets(store, dataset=t[1:-1]):
        out.items.append(("jours depuis la dernière mise à jour", html.number(fresh.days_since_update)))
        if fresh.days_late is not None:
            out.notes.append(f"En retard : pas de mise à jour depuis le {fresh.modified[:10]}, alors que "
                             f"l'éditeur annonce une fréquence « {fresh.frequency_label or fresh.frequency} » "
                             f"({html.number(fresh.days_late)} jours au-delà de deux périodes plus une semaine ; "
                             "voir la page Fraîcheur, /fraicheur).")
    changed = _rows(store, f"?a <{AS}object> {t} ; a ?type ; <{AS}published> ?when", "?type ?when",
                    "ORDER BY DESC(?when) LIMIT 20")
    if changed:   # what the builds saw change in its metadata (graph `changes`; all changes: /nouveautes)
        out.notes.append("Changements de sa description vus par les constructions du graphe : " + " ; ".join(
            f"{french_date(r['when'][:10])} : {DATASET_CHANGES[r['type'].rsplit('#', 1)[-1]]}" for r in changed)
            + " (toutes les nouveautés : /nouveautes).")
    return out


@dataclass(frozen=True)
class Amendment:
    """One amendment of a contract, `index` its rank in notification order (the order the current state is
    derived in); `looks_like_increment` when its amount reads as the increase rather than the new total."""

    iri: str
    index: int | None
    notified: str | None
    amount: Decimal | None
    looks_like_increment: bool


def amendments(store: GraphStore, contracts: list[str]) -> dict[str, list[Amendment]]:
    """The amendments of each contract (IRIs), in notification order."""
    if not contracts:
        return {}
    rows = store.select(sv.fill(PROLOGUE + """SELECT ?c ?m (MAX(?i) AS ?index) (MAX(?d) AS ?date) (MAX(?a) AS ?amount)
  (MAX(COALESCE(?inc, false)) AS ?increment) WHERE { VALUES ?c { $contracts } ?m bg:modificationOf ?c .
  OPTIONAL { ?m bg:modificationIndex ?i } OPTIONAL { ?m bg:notificationDate ?d } OPTIONAL { ?m bg:newAmount ?a }
  OPTIONAL { ?m bg:amountLooksLikeIncrement ?inc } } GROUP BY ?c ?m""", contracts=sv.iris(contracts)))
    out: dict[str, list[Amendment]] = {}
    for r in rows:
        out.setdefault(r["c"], []).append(Amendment(
            r["m"], int(r["index"]) if "index" in r else None, r.get("date"),
            Decimal(r["amount"]) if "amount" in r else None, r.get("increment") == "true"))
    for found in out.values():
        found.sort(key=lambda a: (a.index is None, a.index or 0, a.iri))
    return out


def cents(value: Decimal | str) -> str:
    return html.number(float(value), 2) + "\u00a0€"


def award_amount(row: dict) -> str:
    """An award's amount as its feed means it: the initial one, else (the tabular export) the current one."""
    if "amount" in row:
        return f"montant initial {cents(row['amount'])}"
    if "current" in row:
        return f"montant à jour des avenants {cents(row['current'])}"
    return "montant initial non publié"


def contract(store: GraphStore, t: str) -> Figures:
    """A DECP award: its amounts (both readings when an amendment looks like an increase), its amendments
    in notification order, and the shared identifier it is part of; or a shared identifier: its awards."""
    out = Figures()
    awards = _rows(store, f"{t} a bg:ContractIdentifier ; dct:hasPart ?c . OPTIONAL {{ ?c bg:initialAmount ?a }} "
                          f"OPTIONAL {{ ?c bg:currentAmount ?k }} OPTIONAL {{ ?c epo:hasContractConclusionDate ?d }}",
                   "?c (MAX(?a) AS ?amount) (MAX(?k) AS ?current) (MAX(?d) AS ?date)", "GROUP BY ?c")
    if awards:
        out.items.append(("attributions publiées sous cet identifiant", html.number(len(awards))))
        out.notes.append(AWARDS_NOTE)
        entries = sorted(awards, key=lambda r: (r.get("date", ""), r["c"]))
        out.lists.append(("Attributions publiées sous cet identifiant (chacune compte une fois)", [
            (r["c"], f"attribution {r['c'].rsplit('/', 1)[-1]} — notifiée le {french_date(r.get('date', '?'))} — "
                     + award_amount(r)) for r in entries]))
        return out
    row = (_rows(store, f"{t} a epo:Contract . OPTIONAL {{ {t} bg:initialAmount ?i }} "
                        f"OPTIONAL {{ {t} bg:currentAmount ?c }} OPTIONAL {{ {t} bg:currentAmountIfIncrements ?x }}",
                 "(MAX(?i) AS ?initial) (MAX(?c) AS ?current) (MAX(?x) AS ?ifIncrements)") or [{}])[0]
    if "initial" in row:
        out.items.append(("montant initial", cents(row["initial"])))
    if "ifIncrements" in row:
        out.items.append(("montant actuel, tel que publié (l'avenant donne le nouveau total)", cents(row["current"])))
        out.items.append(("montant actuel, lu comme une augmentation (l'avenant donne la hausse)",
                          cents(row["ifIncrements"])))
        out.notes.append("Avenant lu comme une augmentation : son montant est inférieur à 15 % du montant initial, "
                         "l'éditeur a probablement saisi la hausse là où le schéma DECP demande le nouveau total ; "
                         "les deux lectures sont données.")
    elif "current" in row:
        out.items.append(("montant actuel", cents(row["current"])))
    mods = amendments(store, [t[1:-1]]).get(t[1:-1], [])
    if mods:
        out.items.append(("modifications (avenants)", html.number(len(mods))))
        out.lists.append(("Modifications, dans l'ordre de notification", [
            (m.iri, f"n° {m.index} — notifiée le {french_date(m.notified or '?')} — montant "
                    f"{cents(m.amount) if m.amount is not None else 'inchangé'}"
                    + (" — lu comme une augmentation" if m.looks_like_increment else "")) for m in mods]))
    shared = _rows(store, f"{t} dct:isPartOf ?s . ?s a bg:ContractIdentifier ; bg:awardCount ?n", "?s ?n")
    if shared:
        out.lists.append(("Identifiant de marché partagé", [
            (r["s"], f"cet identifiant (acheteur + id) porte {r['n']} attributions distinctes") for r in shared]))
    return out


def postal_code(store: GraphStore, t: str) -> Figures:
    """A La Poste postal code: the communes it serves (ambiguous when several), their départements, and the
    contracts whose place of execution it is."""
    communes = _rows(store, f"{t} bg:postalCodeCommune ?c . ?c igeo:codeINSEE ?code . "
                            f"OPTIONAL {{ ?c igeo:subdivisionDe ?d . ?d a igeo:Departement }}", "?c ?code ?d",
                     "ORDER BY ?code")
    names = best_labels(store, {r[k] for r in communes for k in ("c", "d") if k in r})
    served = {r["c"]: r["code"] for r in communes}
    out = Figures()
    out.items.append(("communes desservies (La Poste)", html.number(len(served))))
    if len(served) > 1:
        out.notes.append(f"Code postal ambigu : il dessert {len(served)} communes ; un marché qui ne donne que ce "
                         f"code comme lieu d'exécution n'est rattaché qu'à leur département.")
    elif not served:
        out.notes.append("Aucune commune du COG 2025 pour ce code (collectivité d'outre-mer, commune disparue).")
    out.lists.append(("Communes desservies", [(c, f"{names.get(c, code)} ({code})") for c, code in served.items()]))
    departements = sorted({r["d"] for r in communes if "d" in r})
    if departements:
        out.lists.append(("Départements", [(d, names.get(d, d.rsplit("/", 1)[-1])) for d in departements]))
    return out.add(contracts(store, f"?c bg:executionPostalCode {t} .",
                             "dont le lieu d'exécution est ce code postal"))


FIGURES: dict[str, Callable[[GraphStore, str], Figures]] = {
    **dict.fromkeys(("departement", "region", "arrondissement", "collectivite", "pays",
                     "commune-associee", "commune-deleguee"), territory),
    "commune": commune,
    "mission": mission,
    "programme": programme,
    "code-postal": postal_code,
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
