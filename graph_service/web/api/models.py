"""The JSON shapes of `/api` (pydantic models, written into the OpenAPI document) and the types of its
list parameters (`limit`, `offset`, entity kinds).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, BeforeValidator, Field

from mappings.iri import KINDS

from graph_service.web.bounds import MAX_OFFSET, whole_number

MAX_LIMIT = 100
DEFAULT_LIMIT = 20

#: The entity kinds our IRIs use (an enum in the OpenAPI document).
KindName = Literal[tuple(sorted(KINDS))]  # type: ignore[valid-type]


def _count(low: int, high: int) -> BeforeValidator:
    """A count read from the URL as every page reads one: ASCII digits, bounded (`bounds.whole_number`)."""
    return BeforeValidator(lambda raw: whole_number(raw, low, high) if isinstance(raw, str) else raw)


# (Query first: FastAPI writes its bounds into the OpenAPI schema only then)
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"page size (1-{MAX_LIMIT})"), _count(1, MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description=f"number of items to skip (0-{MAX_OFFSET})"),
                   _count(0, MAX_OFFSET)]


class Page(BaseModel):
    """Paging of a list: `next` is absent on the last page."""

    total: int | None = Field(None, description="number of matching items (absent when not counted)")
    limit: int
    offset: int
    next: str | None = Field(None, description="absolute URL of the next page")


class Ref(BaseModel):
    """A linked entity: its IRI and, when the graph names it, its label."""

    iri: str
    label: str | None = None


class DatasetSummary(BaseModel):
    id: str
    iri: str
    title: str | None = None
    publisher: Ref | None = None
    publisher_id: str | None = None
    keywords: list[str] = []
    themes: list[Ref] = []
    modified: str | None = None
    quality_score: float | None = Field(None, description="share of the publication charter's rules passed (0-1)")


class DatasetPage(Page):
    items: list[DatasetSummary]


class Measurement(BaseModel):
    metric: str = Field(description="the rule's notation (`score` = share of rules passed)")
    label: str | None = None
    value: bool | float


class Distribution(BaseModel):
    iri: str
    format: str | None = None
    media_type: str | None = None
    access_url: str | None = None
    download_url: str | None = None


class Dataset(DatasetSummary):
    description: str | None = None
    issued: str | None = None
    licence: str | None = None
    frequency: Ref | None = None
    landing_page: str | None = None
    distributions: list[Distribution] = []
    quality: list[Measurement] = []


class Value(BaseModel):
    """One value of a property: an IRI (with its label if any) or a literal (with language or datatype)."""

    value: str
    iri: bool
    label: str | None = None
    lang: str | None = None
    datatype: str | None = None


class Property(BaseModel):
    property: str
    name: str = Field(description="prefixed name, e.g. `dct:title`")
    values: list[Value]


class Entity(BaseModel):
    iri: str
    kind: str
    key: str
    label: str | None = None
    types: list[str]
    properties: list[Property]


class Territory(BaseModel):
    code: str
    name: str
    iri: str


class Sales(BaseModel):
    """DVF property sales located in the territory (in the graph's DVF extracts)."""

    count: int
    first_date: str | None = None
    last_date: str | None = None


class AccountLine(BaseModel):
    """OFGL amount of one agrégat, added up over the commune's budgets (principal and annexes)."""

    agregat: Ref
    year: str | None = None
    amount: Decimal
    budgets: int


class Organisation(BaseModel):
    siren: str
    iri: str
    name: str | None = None


class CommuneSummary(BaseModel):
    code: str
    name: str
    iri: str
    type: str
    departement: Territory | None = None
    region: Territory | None = None
    organisations: list[Organisation] = []
    contracts_executed: int = Field(description="DECP contracts whose place of execution is the commune")
    sales: Sales | None = None
    accounts: list[AccountLine] = []


class DepartementSummary(BaseModel):
    code: str
    name: str
    iri: str
    region: Territory | None = None
    chef_lieu: Territory | None = None
    communes: int
    organisations: list[Organisation] = []
    contracts_executed: int = Field(description="DECP contracts executed in the département or one of its communes")
    sales: Sales | None = None


class Contract(BaseModel):
    iri: str
    id: str | None = None
    title: str | None = None
    buyer: str | None = Field(None, description="the buyer's identifier (SIRET)")
    suppliers: list[str] = Field([], description="the current suppliers' identifiers")
    date: str | None = Field(None, description="notification (award) date (the latest, if feeds differ)")
    initial_amount: Decimal | None = None
    current_amount: Decimal | None = None
    duration_months: int | None = None
    cpv: str | None = None
    nature: str | None = None
    procedure: str | None = None
    place: str | None = Field(None, description="place of execution code, as published")
    source: str | None = None


class ContractPage(Page):
    organisation: Ref
    role: str
    items: list[Contract]


class LabelHit(BaseModel):
    iri: str
    kind: str
    label: str


class LabelPage(Page):
    items: list[LabelHit]
