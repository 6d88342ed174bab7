"""The DECP contract model: one normalised `Contract`, one function from it to triples.

The three DECP formats (2019 JSON, 2024+ JSON, consolidated CSV) are read and normalised by
`decp_v1`, `decp_v2` and `decp_tabular`; they all end here, so a contract means the same thing
whatever file it came from (vocabulary choices: ontology/README.md, section DECP).

Identity: a contract is `contrat/{buyer SIRET}/{id}` (an id is only unique per buyer). What a
modification sets lives on its own `modification/{buyer SIRET}/{id}/{n}` node; the contract keeps
the initial award (amount, duration, suppliers) and states the current values as derived ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import values
from .namespaces import A, BG, DCT, EPO, ORG, PROV, RDFS, XSD
from .read import Reject, read_csv
from .source import Context
from .terms import Triple, fr, literal, typed

#: DECP `typeCode` of a place of execution -> the referential kind it names (case-insensitive).
PLACE_KINDS = {
    "code commune": "commune",
    "code département": "departement",
    "code departement": "departement",
    "code région": "region",
    "code region": "region",
    "code pays": "pays",
    "code arrondissement": "arrondissement",
    "code postal": "postal",
}


@dataclass
class Party:
    """A buyer or a supplier as DECP states it: identifier type, identifier, name."""

    id_type: str
    id: str
    name: str | None = None


@dataclass
class Modification:
    """One amendment: its dates and the values it sets (None = not changed)."""

    index: int
    notified: str | None = None
    published: str | None = None
    object: str | None = None
    amount: object = None
    duration: object = None
    suppliers: list[Party] | None = None


@dataclass
class Contract:
    """A marché or a concession, normalised from any DECP format (raw values, parsed on output)."""

    kind: str  # "marche" | "concession"
    id: str
    buyer: Party
    feed: str | None = None
    nature: str | None = None
    contract_type: str | None = None  # tabular `type`: Travaux, Fournitures, Services
    object: str | None = None
    cpv: str | None = None
    procedure: str | None = None
    price_form: str | None = None
    duration: object = None
    amount: object = None
    notified: str | None = None
    published: str | None = None
    execution_start: str | None = None
    public_subsidy: object = None
    offers: object = None
    framework_id: str | None = None
    place: tuple[str, str, str | None] | None = None  # (code, typeCode, nom)
    suppliers: list[Party] = field(default_factory=list)
    modifications: list[Modification] = field(default_factory=list)
    issues: set[str] = field(default_factory=set)  # local names of bg: quality flags
    buyer_field: str = "acheteur.id"  # the buyer's field in the source, for rejection messages
    #: published code-list values as (bg: property local name, value): CCAG, techniques... (2024+)
    labels: list[tuple[str, str]] = field(default_factory=list)
    invalid_fields: list[str] = field(default_factory=list)  # unparseable values left out


_BLANKS = re.compile(r"\s")


def siret_key(text: object) -> tuple[str | None, bool]:
    """(the 14 digits of a SIRET or None, whether it passes its check digit)."""
    raw = _BLANKS.sub("", str(text or ""))
    if not (len(raw) == 14 and raw.isdigit()):
        return None, False
    try:
        return values.siret(raw), True
    except ValueError:
        return raw, False


def cpv_code(text: str) -> tuple[str, bool]:
    """(8-digit CPV code, whether it had to be repaired): 7 digits lost their leading zero."""
    raw = text.strip()
    if re.fullmatch(r"\d{7}(-\d)?", raw):
        return values.cpv("0" + raw), True
    return values.cpv(raw), False


def _parse(parser, value: object, name: str, c: Contract):
    """A field parsed by a `values` function; an unparseable value is left out and flagged on the
    contract (`bg:InvalidValue`, `bg:invalidField`): the record stays usable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parser(str(value))
    except ValueError:
        c.issues.add("InvalidValue")
        c.invalid_fields.append(name)
        return None


def _decimal(value: object, name: str, c: Contract) -> str | None:
    return _parse(values.decimal, value, name, c)


def _integer(value: object, name: str, c: Contract) -> str | None:
    return _parse(values.integer, value, name, c)


def _date(value: object, name: str, c: Contract) -> str | None:
    return _parse(values.date_, value, name, c)


def contract_iri(ctx: Context, buyer_siret: str, contract_id: str) -> str:
    """The IRI term of a contract (shared with every helper that links contracts)."""
    return ctx.entity("contrat", buyer_siret, contract_id)


def organisation(ctx: Context, party: Party, flags: set[str]) -> tuple[str | None, list[Triple]]:
    """The IRI of a buyer or supplier and what DECP says of it.

    A 14-digit SIRET is an establishment (org:OrganizationalUnit) unit of its entreprise (SIREN);
    any other identifier (TVA, TAHITI, HORS-UE, junk) is an `operateur` keyed by type and id.
    """
    ident = _BLANKS.sub("", party.id or "")
    if not ident:
        flags.add("InvalidIdentifier")
        return None, []
    siret, checked = siret_key(ident) if party.id_type.upper() in ("SIRET", "") else (None, False)
    out: list[Triple] = []
    if siret:
        if not checked:
            flags.add("InvalidIdentifier")
        unit = ctx.entity("etablissement", siret)
        out += [(unit, A, ORG.OrganizationalUnit), (unit, A, ORG.Organization),
                (unit, DCT.identifier, literal(siret)),
                (unit, BG.identifierType, literal("SIRET"))]
        siren = siret[:9]
        company = ctx.entity("entreprise", siren)
        out.append((unit, ORG.unitOf, company))
        if ctx.link("entreprise", siren) is None:  # not in SIRENE: say what DECP says
            out += [(company, A, ORG.Organization), (company, DCT.identifier, literal(siren))]
    else:
        if party.id_type.upper() in ("SIRET", ""):
            flags.add("InvalidIdentifier")
        id_type = party.id_type or "INCONNU"
        unit = ctx.entity("operateur", id_type, ident)
        out += [(unit, A, ORG.Organization), (unit, DCT.identifier, literal(ident)),
                (unit, BG.identifierType, literal(id_type))]
    if party.name:
        out.append((unit, RDFS.label, literal(party.name)))
    return unit, out


def place_triples(ctx: Context, subject: str, place: tuple[str, str, str | None]) -> list[Triple]:
    """The place of execution: its code, type and name as given, linked to its territory."""
    code, type_code, name = place
    out: list[Triple] = [(subject, BG.executionPlaceCode, literal(code)),
                         (subject, BG.executionPlaceCodeType, literal(type_code))]
    if name:
        out.append((subject, BG.executionPlaceName, fr(name)))
    kind = PLACE_KINDS.get(type_code.strip().lower())
    key: str | None = None
    try:
        if kind == "postal":
            kind, key = "departement", values.departement_of_postal_code(code)
        elif kind == "commune":
            key = values.commune(code)
        elif kind == "departement":
            key = values.departement(code)
        elif kind == "pays":
            key = ctx_country(ctx, code)
        elif kind:
            key = code.strip()
    except ValueError:
        key = None
    if kind is None or key is None:  # unknown type, malformed code or ambiguous postal code
        ctx.unresolvable(f"lieuExecution {type_code}", code)
    elif territory := ctx.link(kind, key):
        out.append((subject, DCT.spatial, territory))
    return out


COUNTRIES = "referentials/cog2025/cog2025_countries.csv"


@lru_cache(maxsize=4)
def _iso2_to_cog(data_dir: Path) -> dict[str, str]:
    """ISO 3166 alpha-2 -> COG country code (99xxx), current countries only, from the COG file."""
    table: dict[str, str] = {}
    for row in read_csv(data_dir / COUNTRIES, columns=("code", "iso2_code")):
        iso2 = row.get("iso2_code")
        if iso2 and iso2.upper() not in table:
            table[iso2.upper()] = row.get("code")
    return table


def ctx_country(ctx: Context, code: str) -> str | None:
    """A DECP country code (ISO 3166 alpha-2 as DECP gives it, or a COG 99xxx code) in COG form."""
    raw = code.strip().upper()
    if re.fullmatch(r"99\d{3}", raw):
        return raw
    return _iso2_to_cog(ctx.data_dir).get(raw)


def contract_triples(c: Contract, ctx: Context, derived_from: str) -> list[Triple]:
    """All triples of one contract: the initial award, its parties, modifications, current state."""
    buyer_siret, buyer_ok = siret_key(c.buyer.id)
    if buyer_siret is None:
        raise Reject(c.buyer_field, "not a 14-digit SIRET: the contract has no identity", c.buyer.id)
    if not buyer_ok:
        c.issues.add("InvalidIdentifier")
    s = contract_iri(ctx, buyer_siret, c.id)
    out: list[Triple] = [
        (s, A, EPO.Contract),
        (s, DCT.identifier, literal(c.id)),
        (s, PROV.wasDerivedFrom, derived_from),
    ]
    if c.kind == "concession":
        out.append((s, A, BG.ConcessionContract))
    buyer, described = organisation(ctx, Party("SIRET", buyer_siret, c.buyer.name), c.issues)
    out += described
    out.append((s, BG.buyer, buyer))
    text = {BG.sourceFeed: c.feed, BG.nature: c.nature, BG.contractType: c.contract_type,
            BG.procedure: c.procedure, BG.priceForm: c.price_form,
            BG.frameworkAgreementId: c.framework_id}
    out += [(s, p, literal(v)) for p, v in text.items() if v]
    out += [(s, BG[p], literal(v)) for p, v in c.labels if v]
    if c.object:
        out += [(s, DCT.title, fr(c.object)), (s, RDFS.label, fr(c.object))]
    if c.cpv:
        code = _parse(cpv_code, c.cpv, "codeCPV", c)
        if code:
            code, repaired = code
            if repaired:
                c.issues.add("RepairedCode")
            out.append((s, BG.cpvCode, literal(code)))
            if cpv := ctx.link("cpv", code):
                out.append((s, EPO.hasMainClassification, cpv))
    amount = _decimal(c.amount, "montant", c)
    duration = _integer(c.duration, "dureeMois", c)
    dates = {EPO.hasContractConclusionDate: _date(c.notified, "dateNotification", c),
             BG.dataPublicationDate: _date(c.published, "datePublicationDonnees", c),
             BG.executionStartDate: _date(c.execution_start, "dateDebutExecution", c)}
    out += [(s, p, typed(v, XSD.date)) for p, v in dates.items() if v]
    numbers = {BG.initialAmount: (amount, XSD.decimal), BG.initialDurationMonths: (duration, XSD.integer),
               BG.publicSubsidy: (_decimal(c.public_subsidy, "montantSubventionPublique", c), XSD.decimal),
               BG.offersReceived: (_integer(c.offers, "offresRecues", c), XSD.integer)}
    out += [(s, p, typed(v, dt)) for p, (v, dt) in numbers.items() if v is not None]
    if c.place:
        out += place_triples(ctx, s, c.place)
    suppliers = party_links(ctx, c, c.suppliers, s, BG.supplier, out)
    current = {"amount": amount, "duration": duration, "suppliers": suppliers}
    for m in c.modifications:
        out += modification_triples(ctx, s, buyer_siret, c, m, current)
    if current["amount"] is not None:
        out.append((s, BG.currentAmount, typed(current["amount"], XSD.decimal)))
    if current["duration"] is not None:
        out.append((s, BG.currentDurationMonths, typed(current["duration"], XSD.integer)))
    out += [(s, BG.currentSupplier, unit) for unit in current["suppliers"]]
    out += [(s, BG.qualityIssue, BG[issue]) for issue in sorted(c.issues)]
    out += [(s, BG.invalidField, literal(name)) for name in c.invalid_fields]
    return out


def modification_triples(ctx: Context, contract: str, buyer_siret: str, c: Contract,
                         m: Modification, current: dict) -> list[Triple]:
    """A dated modification node with the values it sets; updates `current` (in index order)."""
    node = ctx.entity("modification", buyer_siret, c.id, str(m.index))
    out: list[Triple] = [(node, A, BG.ContractModification), (contract, BG.modification, node),
                         (node, BG.modificationOf, contract),
                         (node, BG.modificationIndex, typed(m.index, XSD.integer))]
    if m.object:
        out.append((node, DCT.description, fr(m.object)))
    if notified := _date(m.notified, "modifications.dateNotificationModification", c):
        out.append((node, BG.notificationDate, typed(notified, XSD.date)))
    if published := _date(m.published, "modifications.datePublicationDonneesModification", c):
        out.append((node, BG.dataPublicationDate, typed(published, XSD.date)))
    if (amount := _decimal(m.amount, "modifications.montant", c)) is not None:
        out.append((node, BG.newAmount, typed(amount, XSD.decimal)))
        current["amount"] = amount
    if (duration := _integer(m.duration, "modifications.dureeMois", c)) is not None:
        out.append((node, BG.newDurationMonths, typed(duration, XSD.integer)))
        current["duration"] = duration
    if m.suppliers:
        current["suppliers"] = party_links(ctx, c, m.suppliers, node, BG.newSupplier, out)
    return out


def party_links(ctx: Context, c: Contract, parties: list[Party], node: str, prop: str,
                out: list[Triple]) -> list[str]:
    """Describe each identifiable party, link it from `node` by `prop` (into `out`); their IRIs."""
    units = []
    for party in parties:
        unit, described = organisation(ctx, party, c.issues)
        if unit:
            out += described
            out.append((node, prop, unit))
            units.append(unit)
    return units
