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
from graph_service.web.documents import sparql_values as sv
from graph_service.web.documents.labels import best_labels
from graph_service.web.html import layout as html

PROLOGUE = sparql_prologue("rdf", "bg", "dct", "epo", "org", "skos", "dqv", "dcat", "igeo", "xsd")


@dataclass
class Figures:
    """Key figures (label, formatted value), inline SVG charts, short notes (plain text), and titled
    lists of linked things (title, [(IRI or None, text)])."""

    items: list[tuple[str, str]] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lists: list[tuple[str, list[tuple[str | None, str]]]] = field(default_factory=list)

    def add(self, other: Figures) -> Figures:
        """This and `other` together (a note said by both is kept once)."""
        return Figures(self.items + other.items, self.charts + other.charts,
                       list(dict.fromkeys(self.notes + other.notes)), self.lists + other.lists)


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


def contracts(store: GraphStore, pattern: str, what: str) -> Figures:
    """DECP awards matching `pattern` (over ?c): how many awards and contract identifiers, their current
    amount (each award once; the other reading when amendments look like increases), per year."""
    out = Figures()
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
    years = _per_period(store, f"{pattern} ?c a epo:Contract ; epo:hasContractConclusionDate ?date", "?c",
                        "?date", 4)
    if len(years) > 1:
        out.charts.append(html.bar_chart(years, title=f"Marchés {what} : attributions par année de notification"))
    return out


def territory(store: GraphStore, t: str) -> Figures:
    """A commune, département, région...: contracts executed there, property sales, subdivisions."""
    # a record under a former code (its dct:spatial a version whose bg:communeActuelle is `t`) counts for today's
    # commune (mappings/cog_history.py): one UNION branch, not a `?` path (Oxigraph runs the branches faster)
    here = f"{{ ?c dct:spatial {t} }} UNION {{ ?former bg:communeActuelle {t} . ?c dct:spatial ?former }}"
    out = contracts(store, here, "exécutés sur ce territoire")
    sales = (f"?m a bg:Mutation . {here.replace('?c ', '?m ')} OPTIONAL {{ ?m bg:valeurFonciere ?price }}")
    n, total = _count_and_sum(store, sales, "?m", "?price")
    if n:
        out.items.append(("ventes immobilières (DVF)", html.number(n)))
        if total is not None:
            out.items.append(("valeur foncière cumulée des ventes", html.euros(float(total))))
        months = _per_period(store, sales + " ?m bg:dateMutation ?date", "?m", "?date", 7)
        if len(months) > 1:
            out.charts.append(html.bar_chart(months, title="Ventes immobilières par mois (DVF)"))
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


#: Medians already computed, by (build id, commune): a build never changes, and the queries take seconds.
_MEDIANS: dict[tuple[str, str], list[Median]] = {}


def median_prices(store: GraphStore, commune: str) -> list[Median]:
    """The median price per m2 of each year with DVF sales in the commune (IRI), under every definition."""
    key = (store.version()[0], commune)
    if key not in _MEDIANS:
        if len(_MEDIANS) > 1000:
            _MEDIANS.clear()
        _MEDIANS[key] = _median_prices(store, commune)
    return _MEDIANS[key]


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
                out.append(Median(definition, year, len(values), median, sources))
    return out


def commune(store: GraphStore, t: str) -> Figures:
    """A commune: the figures of a territory, and the median price per m2 of its apartments under both
    definitions, each named, with its definition and the number of sales it is computed on."""
    out = territory(store, t)
    for m in median_prices(store, t[1:-1]):
        out.items.append((f"prix médian au m² des appartements, {m.year} ({m.definition.name}, "
                          f"{html.number(m.sales)} ventes)", html.euros(float(m.median))))
        out.notes.append(f"Prix médian au m², {m.definition.name} : {m.definition.definition} "
                         f"(requête queries/{m.definition.query_file}).")
        out.notes.append(f"Ventes {m.year} de : {m.sources}.")
    return out


def organisation(store: GraphStore, t: str) -> Figures:
    """A company (SIREN) or establishment (SIRET): contracts won and placed, itself or its units."""
    won = contracts(store, f"{{ ?c bg:supplier {t} }} UNION {{ ?u org:unitOf {t} . ?c bg:supplier ?u }}",
                    "remportés")
    bought = contracts(store, f"{{ ?c bg:buyer {t} }} UNION {{ ?u org:unitOf {t} . ?c bg:buyer ?u }}",
                       "passés comme acheteur")
    return won.add(bought)


def cpv(store: GraphStore, t: str) -> Figures:
    """A CPV code: the contracts classified under it, exactly or under a finer code."""
    out = contracts(store, f"?c epo:hasMainClassification {t} .", "classés sous ce code")
    finer = contracts(store, f"?code skos:broader+ {t} . ?c epo:hasMainClassification ?code .",
                      "classés sous un code plus fin")
    out = out.add(finer)
    narrower = _rows(store, f"?x skos:broader {t}", "(COUNT(DISTINCT ?x) AS ?n)")
    if narrower and int(narrower[0]["n"]):
        out.items.append(("codes plus fins directs", html.number(int(narrower[0]["n"]))))
    return out


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


def contract(store: GraphStore, t: str) -> Figures:
    """A DECP award: its amounts (both readings when an amendment looks like an increase), its amendments
    in notification order, and the shared identifier it is part of; or a shared identifier: its awards."""
    out = Figures()
    awards = _rows(store, f"{t} a bg:ContractIdentifier ; dct:hasPart ?c . OPTIONAL {{ ?c bg:initialAmount ?a }} "
                          f"OPTIONAL {{ ?c epo:hasContractConclusionDate ?d }}",
                   "?c (MAX(?a) AS ?amount) (MAX(?d) AS ?date)", "GROUP BY ?c")
    if awards:
        out.items.append(("attributions publiées sous cet identifiant", html.number(len(awards))))
        out.notes.append(AWARDS_NOTE)
        entries = sorted(awards, key=lambda r: (r.get("date", ""), r["c"]))
        out.lists.append(("Attributions publiées sous cet identifiant (chacune compte une fois)", [
            (r["c"], f"attribution {r['c'].rsplit('/', 1)[-1]} — notifiée le {r.get('date', '?')} — montant "
                     f"initial {cents(r['amount']) if 'amount' in r else 'non publié'}") for r in entries]))
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
            (m.iri, f"n° {m.index} — notifiée le {m.notified or '?'} — montant "
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
