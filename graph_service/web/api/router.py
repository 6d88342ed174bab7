"""`/api`: JSON for developers who don't write SPARQL (OpenAPI document at `/docs`, `/openapi.json`).

    /api/datasets                      search the catalog: q, keyword, theme, publisher, min_score
    /api/datasets/{id}                 one dataset, its distributions and its charter quality
    /api/entities/{kind}/{key}         any entity the build mints (`{base}/id/{kind}/{key}`)
    /api/communes/{code}               a commune summary (territory, sales, contracts, accounts)
    /api/departements/{code}           a département summary
    /api/organisations/{id}/contracts  an organisation's DECP contracts (SIREN or SIRET; role)
    /api/labels                        entities whose name contains a text

Lists are paged with `limit` (1-100) and `offset`; `next` is an absolute link built from the
configured public base. Errors are RFC 9457 `application/problem+json` (400 bad parameter, 404
unknown entity, 503 no graph). User values reach SPARQL only through `sparql_values` (escaped terms
filled into the fixed templates of `api_queries`). Queries run in the app process on its read-only
view of the store, like the catalog's: they are bounded templates, not user-written SPARQL.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlencode

from fastapi import APIRouter, Depends, Path, Query, Request

from graph_service import search as index
from graph_service.store import GraphStore
from graph_service.web import deps, http
from graph_service.web.api import queries as aq
from graph_service.web.api.models import (
    DEFAULT_LIMIT,
    AccountLine,
    Amendment,
    CommuneSummary,
    Contract,
    ContractPage,
    Dataset,
    DatasetPage,
    DatasetSummary,
    DepartementSummary,
    Distribution,
    Entity,
    Freshness,
    FreshnessReport,
    KindName,
    LabelHit,
    LabelPage,
    Limit,
    Measurement,
    MedianPrice,
    Offset,
    Organisation,
    Property,
    Ref,
    Sales,
    SearchHit,
    SearchResults,
    Territory,
    Value,
)
from graph_service.web.api.problems import ERRORS, PROBLEM  # noqa: F401 (`api.PROBLEM`, for clients)
from graph_service.web.documents import figures
from graph_service.web.documents import freshness as fresh
from graph_service.web.documents import sparql_values as sv
from graph_service.web.documents.labels import best_labels, kind_name
from graph_service.web.documents.search import find
from mappings import catalog_quality, vocabularies
from mappings.iri import Minter, Parsed
from mappings.namespaces import PREFIXES, shorten

BG, DCAT, DCT, EPO = (PREFIXES[p] for p in ("bg", "dcat", "dct", "epo"))
RDF_TYPE = PREFIXES["rdf"] + "type"

#: Errors are `http.HttpError`, answered as problem+json by the app's one handler; no parameter is repeated.
router = APIRouter(prefix="/api", tags=["api"], responses=ERRORS, dependencies=[Depends(http.query_params)])


# ----------------------------------------------------------------------------------- helpers

def _iri(request: Request, kind: str, *keys: str) -> str:
    """Our IRI of an entity (`Minter`); a key it cannot mint is a bad parameter."""
    try:
        return deps.minter(request).entity_iri(kind, *keys)
    except ValueError as exc:
        raise http.HttpError(400, f"key: {exc}") from None


def _next(request: Request, limit: int, offset: int, has_more: bool) -> str | None:
    """The next page's absolute URL (public base + path + the same parameters, offset moved)."""
    if not has_more:
        return None
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("limit", "offset")]
    params += [("limit", str(limit)), ("offset", str(offset + limit))]
    return deps.settings(request).public_url(request.url.path + "?" + urlencode(params))


Fields = dict[str, list[str]]


def _properties(store: GraphStore, iris: list[str]) -> dict[str, Fields]:
    """subject -> property IRI -> its values (in the union of graphs, without repeats)."""
    out: dict[str, Fields] = {}
    if iris:
        for row in store.select(aq.properties(sv.iris(iris))):
            values = out.setdefault(row["s"], {}).setdefault(row["p"], [])
            if row["o"] not in values:
                values.append(row["o"])
    return out


def _first(fields: Fields, prop: str) -> str | None:
    values = fields.get(prop)
    return values[0] if values else None


def _parsed(minter: Minter, iri: str) -> Parsed:
    """What an IRI of the served graph names (its kind and keys)."""
    parsed = minter.parse(iri)
    if parsed is None:
        raise http.HttpError(500, f"{iri} is not an IRI minted under {minter.base}")
    return parsed


# ----------------------------------------------------------------------------------- datasets

THEMES = vocabularies.TABLES["data-theme"]
#: A theme: the EU table's code (any case) or its IRI.
THEME = "^(" + re.escape(THEMES.concept_iri("")) + ")?[A-Za-z_]{3,10}$"


def _dataset_filters(request: Request, q: str | None, keyword: str | None, theme: str | None,
                     publisher: str | None, min_score: float | None) -> dict[str, sv.Term]:
    filters: dict[str, sv.Term] = {}
    if q is not None:
        filters["q"] = sv.literal(q)
    if keyword is not None:
        filters["keyword"] = sv.literal(keyword)
    if theme is not None:
        code = theme.rsplit("/", 1)[-1].upper()
        filters["theme"] = sv.iri(THEMES.concept_iri(code))
    if publisher is not None:
        filters["publisher"] = sv.literal(publisher)
    if min_score is not None:
        filters["min_score"] = sv.decimal(min_score)
        filters["score_metric"] = sv.iri(deps.minter(request).entity_iri("metric", catalog_quality.DIMENSION,
                                                                     catalog_quality.SCORE))
    return filters


def _summaries(store: GraphStore, request: Request, iris: list[str],
               model: type[DatasetSummary] = DatasetSummary) -> dict[str, DatasetSummary]:
    """The summaries of the datasets that exist among `iris` (a few small queries for a page)."""
    if not iris:
        return {}
    props = _properties(store, iris)
    score_metric = deps.minter(request).entity_iri("metric", catalog_quality.DIMENSION, catalog_quality.SCORE)
    scores = {r["s"]: float(r["value"]) for r in store.select(aq.measurements(sv.iris(iris), sv.iri(score_metric)))}
    linked = [v for f in props.values() for p in (DCT + "publisher", DCAT + "theme", DCT + "accrualPeriodicity")
              for v in f.get(p, [])]
    publishers = _properties(store, sorted({v for f in props.values() for v in f.get(DCT + "publisher", [])}))
    labels = best_labels(store, linked)
    out = {}
    for iri, f in props.items():
        if DCAT + "Dataset" not in f.get(RDF_TYPE, []):
            continue
        publisher = _first(f, DCT + "publisher")
        extra = {}
        if model is Dataset:
            frequency = _first(f, DCT + "accrualPeriodicity")
            extra = dict(description=_first(f, DCT + "description"),
                         description_generated=_first(f, BG + "generatedDescription") == "true",
                         issued=_first(f, DCT + "issued"),
                         licence=_first(f, DCT + "license"), landing_page=_first(f, DCAT + "landingPage"),
                         frequency=Ref(iri=frequency, label=labels.get(frequency)) if frequency else None)
        out[iri] = model(
            id=_first(f, DCT + "identifier") or "", iri=iri, title=_first(f, DCT + "title"),
            publisher=Ref(iri=publisher, label=labels.get(publisher)) if publisher else None,
            publisher_id=_first(publishers.get(publisher, {}), DCT + "identifier") if publisher else None,
            keywords=sorted(f.get(DCAT + "keyword", [])),
            themes=[Ref(iri=t, label=labels.get(t)) for t in f.get(DCAT + "theme", [])],
            modified=_first(f, DCT + "modified"), quality_score=scores.get(iri), **extra)
    return out


@router.get("/datasets", response_model=DatasetPage, response_model_exclude_none=True)
def datasets(request: Request,
             q: Annotated[str | None, Query(min_length=1, max_length=200,
                                            description="text contained in the title, description or a keyword (any case)")] = None,
             keyword: Annotated[str | None, Query(min_length=1, max_length=200, description="a keyword, exactly (any case)")] = None,
             theme: Annotated[str | None, Query(pattern=THEME,
                                                description="EU data theme code (`ECON`, `GOVE`) or IRI")] = None,
             publisher: Annotated[str | None, Query(min_length=1, max_length=200,
                                                    description="publisher id (data.gouv.fr organisation id) or part of its name")] = None,
             min_score: Annotated[float | None, Query(ge=0, le=1, description="minimum charter quality score (0-1)")] = None,
             limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> DatasetPage:
    """Search the ministry's catalog; every filter given must hold. Sorted by dataset id."""
    filters = _dataset_filters(request, q, keyword, theme, publisher, min_score)
    store = deps.open_store(request)
    total = int(store.select(aq.datasets_count(filters))[0]["n"])
    iris = [r["ds"] for r in store.select(aq.datasets(filters, limit, offset))]
    summaries = _summaries(store, request, iris)
    items = [summaries[i] for i in iris]
    return DatasetPage(total=total, limit=limit, offset=offset, items=items,
                       next=_next(request, limit, offset, offset + limit < total))


@router.get("/datasets/{id}", response_model=Dataset, response_model_exclude_none=True)
def dataset(request: Request, id: Annotated[str, Path(max_length=300, description="the dataset's identifier")]) -> Dataset:
    """One dataset of the catalog, with its distributions and its quality against the publication charter."""
    store = deps.open_store(request)
    iri = _iri(request, "dataset", id)
    found = _summaries(store, request, [iri], Dataset).get(iri)
    if found is None:
        raise http.HttpError(404, f"no dataset {id!r} in the catalog")
    quality = [Measurement(metric=r["notation"], label=r.get("label"),
                           value=(r["value"] == "true") if r["value"] in ("true", "false") else float(r["value"]))
               for r in store.select(aq.dataset_quality(
                   sv.iri(iri), sv.iri(deps.minter(request).entity_iri("metric", catalog_quality.DIMENSION))))]
    dists = {}
    for r in store.select(aq.dataset_distributions(sv.iri(iri))):
        dists.setdefault(r["dist"], Distribution(iri=r["dist"], format=r.get("format"), media_type=r.get("media"),
                                                 access_url=r.get("access"), download_url=r.get("download")))
    defects = [m.metric for m in quality if m.value is False]
    return found.model_copy(update={"distributions": list(dists.values()), "quality": quality, "defects": defects})


@router.get("/freshness", response_model=FreshnessReport, response_model_exclude_none=True)
def freshness(request: Request, late: Annotated[bool, Query(description="only the late datasets")] = True
              ) -> FreshnessReport:
    """The freshness observatory: each dataset's last update against its declared frequency, the latest first."""
    measured = fresh.datasets(deps.open_store(request))
    items = [Freshness(dataset=f.dataset, title=f.title, modified=f.modified, frequency=f.frequency,
                       days_since_update=f.days_since_update, days_late=f.days_late)
             for f in measured if f.days_late is not None or not late]
    return FreshnessReport(measured=len(measured), late=sum(1 for f in measured if f.days_late is not None),
                           items=items)


# ----------------------------------------------------------------------------------- entities

def _entity(store: GraphStore, minter: Minter, iri: str, kind: str, key: str) -> Entity:
    rows = store.select(aq.statements(sv.iri(iri)))
    if not rows:
        raise http.HttpError(404, f"no entity {iri} in the graph")
    labels = best_labels(store, [r["o"] for r in rows if r["isIri"] == "true"] + [iri])
    grouped: dict[str, list[Value]] = {}
    for r in rows:
        is_iri = r["isIri"] == "true"
        value = Value(value=r["o"], iri=is_iri, label=labels.get(r["o"]) if is_iri else None,
                      lang=r.get("lang") or None,
                      datatype=None if is_iri or r.get("lang") else r.get("datatype") or None)
        values = grouped.setdefault(r["p"], [])
        if value not in values:
            values.append(value)
    types = [v.value for v in grouped.get(RDF_TYPE, [])]
    contract = awards = None
    if EPO + "Contract" in types:
        fields = {p: [v.value for v in values] for p, values in grouped.items()}
        contract = _contract(minter, iri, fields, figures.amendments(store, [iri]).get(iri, []))
    if BG + "ContractIdentifier" in types:
        awards = sorted(v.value for v in grouped.get(DCT + "hasPart", []))
    return Entity(iri=iri, kind=kind, key=key, label=labels.get(iri), types=types,
                  properties=[Property(property=p, name=shorten(p), values=v) for p, v in grouped.items()],
                  contract=contract, awards=awards)


@router.get("/entities/{kind}/{key:path}", response_model=Entity, response_model_exclude_none=True)
def entity(request: Request,
           kind: Annotated[KindName, Path(description="entity kind")],
           key: Annotated[str, Path(max_length=500, description="the key; a compound key is `a/b` "
                                    "(e.g. contrat/{SIRET}/{id}); a `/` inside a part is `%2F`")]) -> Entity:
    """The statements about one entity, the JSON twin of `/id/{kind}/{key}`."""
    # the key's parts come from the raw path, so that `%2F` stays inside its part
    raw = request.scope.get("raw_path", b"").decode("latin-1").split("?")[0]
    parts = [unquote(p) for p in raw.split(f"/entities/{kind}/", 1)[-1].split("/")] if raw else key.split("/")
    iri = _iri(request, kind, *parts)
    return _entity(deps.open_store(request), deps.minter(request), iri, kind, "/".join(parts))


# ----------------------------------------------------------------------------------- territories

def _territory(store: GraphStore, iri: str, what: str, code: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    rows = store.select(aq.territory(sv.iri(iri)))
    if not rows:
        raise http.HttpError(404, f"no {what} {code!r} in the graph (COG 2025)")
    return rows[0], rows


def _parent(rows: list[dict[str, str]], rdf_class: str) -> Territory | None:
    for r in rows:
        if r.get("parentType") == "http://rdf.insee.fr/def/geo#" + rdf_class:
            return Territory(code=r["parentCode"], name=r["parentName"], iri=r["parent"])
    return None


def _organisations(store: GraphStore, place: str) -> list[Organisation]:
    rows = store.select(aq.organisations(sv.iri(place)))
    orgs = list(dict.fromkeys((r["org"], r["siren"]) for r in rows))
    labels = best_labels(store, [o for o, _ in orgs])
    return [Organisation(siren=s, iri=o, name=labels.get(o)) for o, s in orgs]


def _sales(store: GraphStore, place: str, scope: str) -> Sales | None:
    row = store.select(aq.sales(sv.iri(place), scope))[0]
    if int(row["n"]) == 0:
        return None   # no DVF extract covers this territory
    return Sales(count=int(row["n"]), first_date=row.get("first"), last_date=row.get("last"))


def _executed(store: GraphStore, place: sv.Term, scope: str) -> dict[str, int]:
    """DECP awards executed in the territory, and their contract identifiers."""
    row = store.select(aq.contracts_in(place, scope))[0]
    return {"contracts_executed": int(row["n"]), "contract_identifiers_executed": int(row["ids"])}


def _medians(store: GraphStore, commune: str) -> list[MedianPrice]:
    """The median price per m2 under both definitions (`documents.figures`, from the queries of `queries/`)."""
    return [MedianPrice(definition=m.definition.key, name=m.definition.name, rule=m.definition.definition,
                        query="queries/" + m.definition.query_file, year=m.year, sales=m.sales, median=m.median,
                        sources=m.sources)
            for m in figures.median_prices(store, commune)]


@router.get("/communes/{code}", response_model=CommuneSummary, response_model_exclude_none=True)
def commune(request: Request, code: Annotated[str, Path(pattern=r"^[0-9][0-9AB][0-9]{3}$",
                                                        description="INSEE commune code (5 characters, e.g. 75056, 2A004)")]
            ) -> CommuneSummary:
    """A commune: its département and région, the legal units seated there, DECP contracts executed
    there, DVF sales and OFGL accounts (fields without data in the graph are left out)."""
    store, minter = deps.open_store(request), deps.minter(request)
    iri = minter.entity_iri("commune", code)
    first, rows = _territory(store, iri, "commune", code)
    place = sv.iri(iri)
    accounts = [AccountLine(agregat=Ref(iri=r["agregat"], label=r.get("label")), year=r.get("year"),
                            amount=Decimal(r["total"]), budgets=int(r["budgets"]))
                for r in store.select(aq.accounts(place))]
    types = [r["type"].rsplit("#", 1)[-1] for r in rows]
    sales = _sales(store, iri, aq.IN_COMMUNE)
    return CommuneSummary(code=first["code"], name=first["name"], iri=iri, type=types[0],
                          departement=_parent(rows, "Departement"), region=_parent(rows, "Region"),
                          organisations=_organisations(store, iri),
                          **_executed(store, place, aq.IN_COMMUNE), sales=sales,
                          median_price_m2=_medians(store, iri) if sales else None, accounts=accounts)


@router.get("/departements/{code}", response_model=DepartementSummary, response_model_exclude_none=True)
def departement(request: Request, code: Annotated[str, Path(pattern=r"^([0-9]{2}|2A|2B|97[1-6])$",
                                                            description="département code (01-95, 2A, 2B, 971-976)")]
                ) -> DepartementSummary:
    """A département: région, chef-lieu, number of communes, the collectivité, DECP contracts and DVF
    sales in it or its communes."""
    store, minter = deps.open_store(request), deps.minter(request)
    iri = minter.entity_iri("departement", code)
    first, rows = _territory(store, iri, "département", code)
    place = sv.iri(iri)
    chef = store.select(aq.chef_lieu(place))
    return DepartementSummary(
        code=first["code"], name=first["name"], iri=iri, region=_parent(rows, "Region"),
        chef_lieu=Territory(code=chef[0]["code"], name=chef[0]["name"],
                            iri=minter.entity_iri("commune", chef[0]["code"])) if chef else None,
        communes=int(store.select(aq.communes_count(place))[0]["n"]),
        organisations=_organisations(store, iri),
        **_executed(store, place, aq.IN_DEPARTEMENT),
        sales=_sales(store, iri, aq.IN_DEPARTEMENT))


# ----------------------------------------------------------------------------------- contracts

def _identifier(minter: Minter, iri: str) -> str:
    """An organisation's identifier, the last part of its key (etablissement/{SIRET}, operateur/{type}/{id})."""
    return _parsed(minter, iri).keys[-1]


def _contract(minter: Minter, iri: str, f: Fields, amendments: list[figures.Amendment]) -> Contract:
    def number(prop: str, kind: type) -> Any:
        value = _first(f, prop)
        return kind(value) if value is not None else None

    buyer = _first(f, BG + "buyer")
    return Contract(iri=iri, id=_first(f, DCT + "identifier"), title=_first(f, DCT + "title"),
                    buyer=_identifier(minter, buyer) if buyer else None,
                    suppliers=sorted(_identifier(minter, u) for u in f.get(BG + "currentSupplier", [])),
                    date=max(f.get(EPO + "hasContractConclusionDate", []), default=None),
                    initial_amount=number(BG + "initialAmount", Decimal),
                    current_amount=number(BG + "currentAmount", Decimal),
                    current_amount_if_increments=number(BG + "currentAmountIfIncrements", Decimal),
                    likely_increment=BG + "LikelyIncrement" in f.get(BG + "qualityIssue", []),
                    amendments=[Amendment(iri=a.iri, index=a.index, notification_date=a.notified, amount=a.amount,
                                          looks_like_increment=a.looks_like_increment) for a in amendments],
                    identifier=next((s for s in f.get(DCT + "isPartOf", [])
                                     if s.startswith(minter.base + "/id/contrat/")), None),
                    duration_months=number(BG + "currentDurationMonths", int), cpv=_first(f, BG + "cpvCode"),
                    nature=_first(f, BG + "nature"), procedure=_first(f, BG + "procedure"),
                    place=_first(f, BG + "executionPlaceCode"), source=_first(f, BG + "sourceFeed"))


@router.get("/organisations/{id}/contracts", response_model=ContractPage, response_model_exclude_none=True)
def organisation_contracts(
        request: Request,
        id: Annotated[str, Path(pattern=r"^[0-9]{9}([0-9]{5})?$",
                                description="SIREN (9 digits: all its establishments) or SIRET (14 digits)")],
        role: Annotated[Literal["buyer", "supplier", "any"],
                        Query(description="the organisation as buyer, as (initial or current) supplier, or either")] = "any",
        limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> ContractPage:
    """The DECP contracts of an organisation, latest notification first."""
    store, minter = deps.open_store(request), deps.minter(request)
    kind = "entreprise" if len(id) == 9 else "etablissement"
    iri = minter.entity_iri(kind, id)
    if not store.select(aq.exists(sv.iri(iri))):
        raise http.HttpError(404, f"no organisation with {'SIREN' if kind == 'entreprise' else 'SIRET'} {id} in the graph")
    org = sv.iri(iri)
    counts = store.select(aq.contracts_count(org, kind, role))[0]
    total = int(counts["n"])
    iris = [r["c"] for r in store.select(aq.contracts(org, kind, role, limit, offset))]
    fields = _properties(store, iris)
    amendments = figures.amendments(store, iris)
    return ContractPage(total=total, identifiers=int(counts["ids"]), limit=limit, offset=offset, role=role,
                        organisation=Ref(iri=iri, label=best_labels(store, [iri]).get(iri)),
                        items=[_contract(minter, i, fields.get(i, {}), amendments.get(i, [])) for i in iris],
                        next=_next(request, limit, offset, offset + limit < total))


# ----------------------------------------------------------------------------------- labels

@router.get("/search", response_model=SearchResults)
def search(request: Request,
           q: Annotated[str, Query(min_length=1, max_length=index.MAX_TEXT,
                                   description="a name or a code, or their beginning (any case, any accents)")],
           limit: Annotated[int, Query(ge=1, le=index.MAX_LIMIT, description=f"at most (1-{index.MAX_LIMIT})")] = 10
           ) -> SearchResults:
    """Communes, départements, régions, companies and establishments (name, SIREN, SIRET), budget missions and
    programmes, datasets and CPV codes whose name or code starts with the words of `q` (the search box's
    suggestions; an index built with the graph)."""
    hits = find(deps.open_store(request), q, limit)
    return SearchResults(query=q, items=[SearchHit(label=h.label, kind=h.kind, kind_label=kind_name(h.kind),
                                                   iri=h.iri, url=h.path) for h in hits])


@router.get("/labels", response_model=LabelPage, response_model_exclude_none=True)
def labels(request: Request,
           q: Annotated[str, Query(min_length=2, max_length=200, description="text contained in the name (any case)")],
           kind: Annotated[KindName | None, Query(description="only entities of this kind")] = None,
           limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> LabelPage:
    """Entities whose name (skos:prefLabel, rdfs:label, dct:title, igeo:nom, foaf:name, rov:legalName:
    `search.NAMES`) contains `q`, any case: exact names first, then names starting with it, then the shortest. Read from the
    label index built with the graph (no scan of the graph); an empty page on a store built before it. Not
    counted (`total` absent)."""
    rows = deps.open_store(request).labels(q, kind, limit + 1, offset)
    items = [LabelHit(iri=r.iri, kind=r.kind, label=r.label) for r in rows[:limit]]
    return LabelPage(limit=limit, offset=offset, items=items, next=_next(request, limit, offset, len(rows) > limit))
