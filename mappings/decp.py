"""The DECP contract model: one normalised `Contract`, one function from it to triples.

The three DECP formats (2019 JSON, 2024+ JSON, consolidated CSV) are read and normalised by
`decp_v1`, `decp_v2` and `decp_tabular`; they all end here, so a contract means the same thing
whatever file it came from (vocabulary choices: ontology/README.md, section DECP).

Identity: a contract is `contrat/{buyer SIRET}/{id}` (an id is only unique per buyer; a buyer given
by its SIREN keys it by the SIREN, `iri.contract_keys`). When a file publishes several distinct
awards under one identifier (lots, subsequent contracts, republished versions, in any DECP format:
`decp_quality.place_awards`), each award is its own contract `contrat/{buyer SIRET}/{id}/{n}` (n:
rank by notification date) and `contrat/{buyer SIRET}/{id}` is the shared identifier
(`bg:ContractIdentifier`, `dct:hasPart` each award). What a modification sets
lives on its own `modification/{buyer SIRET}/{id}/{n}` node, n its rank in notification order; the
contract keeps the initial award (amount, duration, suppliers) and states the current values as
derived ones.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from . import procurement_codes, values
from .decp_quality import looks_like_increment
from .iri import contract_keys
from .namespaces import A, BG, DCT, EPO, EU, EU_CPV, ORG, PROV, RDFS, TIME, XSD
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
    """One amendment: its position in the file, its published order (`modification.id` of the 2024+
    format, None when the format has none), its dates and the values it sets (None = not changed)."""

    position: int
    order: int | None = None
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
    repaired_fields: list[str] = field(default_factory=list)  # codes restored (a lost leading zero)
    #: rank of this award among the distinct awards a file publishes under its identifier, and their
    #: number (`decp_quality.place_awards`); None: the identifier names this one award
    award: int | None = None
    awards: int = 1
    #: the amount is the current one, amendments applied (the consolidated tabular export's `montant`,
    #: "à jour à la date de notification"), not the initial award's: stated as `bg:currentAmount` only
    amount_is_current: bool = False


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


def restored(raw: str, width: int) -> str | None:
    """`raw` with the leading zero a spreadsheet dropped (`"3200"` -> `"03200"`), when it is exactly
    one digit short of a `width`-digit code; else None. The caller says whether the result is known."""
    return "0" + raw if raw.isdigit() and len(raw) == width - 1 else None


def repaired_siret(ctx: Context, raw: str) -> str | None:
    """A 13-digit SIRET whose leading zero was lost, restored when the 14 digits pass the check digit
    and SIRENE knows their SIREN: the check digit alone cannot tell where a digit went missing
    (a leading zero changes no Luhn sum), so `5112193700000` stays as given."""
    full = restored(raw, 14)
    return full if full and values.luhn_ok(full) and full[:9] in ctx.known["entreprise"] else None


def siren_key(raw: str) -> str | None:
    """A SIREN (9 digits passing the check digit) given where a SIRET is expected, else None."""
    try:
        return values.siren(raw)
    except ValueError:
        return None


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


def contract_iri(ctx: Context, buyer: str, contract_id: str, award: int | None = None) -> str:
    """The IRI term of a contract (shared with every helper that links contracts); with `award`, the
    n-th of the distinct awards published under one identifier (`iri.contract_keys`)."""
    return ctx.entity("contrat", *contract_keys(buyer, contract_id, award))


def organisation(ctx: Context, party: Party, c: Contract, supplier: bool = True) -> tuple[str | None, list[Triple]]:
    """The IRI of a buyer or supplier and what DECP says of it (defects flagged on the contract).

    A 14-digit SIRET is an establishment (org:OrganizationalUnit) unit of its entreprise (SIREN); a
    13-digit one that lost its leading zero is restored (flagged `RepairedCode`); a SIREN given for a
    SIRET is the entreprise itself; any other identifier (TVA, TAHITI, HORS-UE, junk) is an
    `operateur` keyed by type and id. The name DECP declares labels the establishment or operator;
    a supplier's (`denominationSociale`, `titulaire_nom`) also names its entreprise
    (`bg:declaredName`; also its label when SIRENE, whose name comes first, does not define it). A
    buyer's name often names a budget ("BUDGET PRINCIPAL"), not the legal unit: it stays on the
    establishment.
    """
    ident = _BLANKS.sub("", party.id or "")
    if not ident:
        c.issues.add("InvalidIdentifier")
        return None, []
    as_siret = party.id_type.upper() in ("SIRET", "")
    if as_siret and (full := repaired_siret(ctx, ident)):
        ident = full
        repaired(c, "siret")
    siret, checked = siret_key(ident) if as_siret else (None, False)
    siren = siren_key(ident) if as_siret and not siret else None
    out: list[Triple] = []
    if siret:
        if not checked:
            c.issues.add("InvalidIdentifier")
        unit = ctx.entity("etablissement", siret)
        out += [(unit, A, ORG.OrganizationalUnit), (unit, A, ORG.Organization),
                (unit, DCT.identifier, literal(siret)),
                (unit, BG.identifierType, literal("SIRET"))]
        out.append((unit, ORG.unitOf, company_triples(ctx, siret[:9], party.name if supplier else None, out)))
    elif siren:  # the company itself, typed here for the shapes of this graph (SIRENE may describe it)
        company = company_triples(ctx, siren, party.name if supplier else None, out)
        return company, [*out, (company, A, ORG.Organization)]
    else:
        if as_siret:
            c.issues.add("InvalidIdentifier")
        id_type = party.id_type or "INCONNU"
        unit = ctx.entity("operateur", id_type, ident)
        out += [(unit, A, ORG.Organization), (unit, DCT.identifier, literal(ident)),
                (unit, BG.identifierType, literal(id_type))]
    if party.name:
        out.append((unit, RDFS.label, literal(party.name)))
    return unit, out


def company_triples(ctx: Context, siren: str, name: str | None, out: list[Triple]) -> str:
    """The entreprise of a SIREN (into `out`: what DECP says of it); its IRI term. SIRENE's
    description wins: DECP only adds the name it declares (`bg:declaredName`)."""
    company = ctx.entity("entreprise", siren)
    if name:
        out.append((company, BG.declaredName, literal(name)))
    if ctx.link("entreprise", siren) is None:  # not in SIRENE: say what DECP says
        out += [(company, A, ORG.Organization), (company, DCT.identifier, literal(siren))]
        if name:
            out.append((company, RDFS.label, literal(name)))
    return company


def place_triples(ctx: Context, subject: str, c: Contract) -> list[Triple]:
    """The place of execution: its code, type and name as given, linked to its territory."""
    code, type_code, name = c.place
    out: list[Triple] = [(subject, BG.executionPlaceCode, literal(code)),
                         (subject, BG.executionPlaceCodeType, literal(type_code))]
    if name:
        out.append((subject, BG.executionPlaceName, fr(name)))
    kind = PLACE_KINDS.get(type_code.strip().lower())
    if kind == "postal":
        return out + postal_place(ctx, subject, code.strip(), c)
    key: str | None = None
    try:
        if kind == "commune":
            key = values.commune(code)
            if len(code.strip()) == 4 and key in ctx.known["commune"]:  # `values.commune` restored a lost zero
                repaired(c, "lieuExecution.code")
        elif kind == "departement":
            key = values.departement(code)
        elif kind == "pays":
            key = ctx_country(ctx, code)
        elif kind:
            key = code.strip()
    except ValueError:
        key = None
    if kind is None or key is None:  # unknown type or malformed code
        ctx.unresolvable(f"lieuExecution {type_code}", code)
    elif territory := ctx.link(kind, key, at=values.day(c.notified)):
        out.append((subject, DCT.spatial, territory))
    return out


def territory_departement(ctx: Context, territory: str) -> str | None:
    """The département of a contract's territory (`dct:spatial`) when it is a département or a commune
    (today's or a former version), read back from its IRI; None for a region, a country..."""
    parsed = ctx.mint.parse(territory[1:-1])
    if parsed is None or not parsed.keys:
        return None
    if parsed.kind == "departement":
        return parsed.keys[0]
    if parsed.kind in ("commune", "commune-version"):
        return values.departement_of_commune(parsed.keys[0])
    return None


def procedure_triples(ctx: Context, s: str, c: Contract) -> list[Triple]:
    """The award procedure the ePO way: `<contract#procedure>` an `epo:Procedure` whose
    `epo:hasProcedureType` is the EU procedure type (ePO's shapes want a value of the EU table) and
    `bg:procedureType` the concept of our scheme the published value names (any of its spellings),
    which says whether the EU type is its exact or its close match; ePO links no contract to its
    procedure directly, hence `bg:awardProcedure`. A value the scheme lacks stays the literal
    `bg:procedure` only, flagged `bg:UnknownProcedure`."""
    if not (c.procedure or "").strip():
        return []
    found = procurement_codes.procedure_type(c.procedure)  # the scheme is this table (its graph: a support source)
    if found is None:
        c.issues.add("UnknownProcedure")
        ctx.unresolvable("procedure", c.procedure.strip())
        return []
    node = fragment(s, "procedure")
    return [(s, BG.awardProcedure, node), (node, A, EPO.Procedure),
            (node, BG.procedureType, ctx.entity(procurement_codes.KIND, found.key)),
            (node, EPO.hasProcedureType, procurement_codes.procedure_concept(found.eu))]


def contract_terms(ctx: Context, s: str, cpv: str | None, territory: str | None) -> list[Triple]:
    """ePO's contract term (`<contract#terms>`, `epo:ContractTerm`, the domain of both properties): the
    contract nature derived from the main CPV code (`procurement_codes.nature_of_cpv`; DECP publishes
    none: `bg:natureDerivedFrom` names the CPV division it comes from) and the place of performance
    as NUTS 3 (`<contract#place>`, a `dct:Location` with `epo:hasNutsCode`) when the place is a
    département or a commune."""
    terms, out = fragment(s, "terms"), []
    if cpv and (nature := procurement_codes.nature_of_cpv(cpv)):
        out += [(terms, EPO.hasContractNatureType, procurement_codes.nature_concept(nature)),
                (terms, BG.natureDerivedFrom, EU_CPV[cpv[:2] + "000000"])]
    departement = territory_departement(ctx, territory) if territory else None
    for nuts in ctx.related("departement", departement, "nuts") if departement else ():
        place = fragment(s, "place")
        out += [(terms, EPO.definesSpecificPlaceOfPerformance, place), (place, A, DCT.Location),
                (place, EPO.hasNutsCode, procurement_codes.nuts_concept(nuts))]
    if out:
        out[:0] = [(s, EPO.isSubjectToContractSpecificTerm, terms), (terms, A, EPO.ContractTerm)]
    return out


def postal_place(ctx: Context, subject: str, code: str, c: Contract) -> list[Triple]:
    """A place given as a postal code: La Poste's code (`bg:executionPostalCode`, whose
    `bg:postalCodeCommune` are the communes it serves) and, as the contract's territory, the commune
    when the code serves only one, else the département all its communes share (a code La Poste does
    not list: the département its digits tell, `values.departement_of_postal_code`)."""
    full = restored(code, 5)
    if full and full in ctx.known["code-postal"]:
        code = full
        repaired(c, "lieuExecution.code")
    out: list[Triple] = []
    if postal := ctx.link("code-postal", code):
        out.append((subject, BG.executionPostalCode, postal))
    communes = ctx.related("code-postal", code, "commune")
    if len(communes) == 1:
        territory = ctx.link("commune", communes[0], at=values.day(c.notified))
    else:
        departements = {values.departement_of_commune(k) for k in communes} or {postal_departement(code)}
        territory = ctx.link("departement", departements.pop()) if len(departements) == 1 else None
    if territory:
        out.append((subject, DCT.spatial, territory))
    return out


def postal_departement(code: str) -> str | None:
    """The département a postal code's digits tell, or None (ambiguous or malformed)."""
    try:
        return values.departement_of_postal_code(code)
    except ValueError:
        return None


def repaired(c: Contract, name: str) -> None:
    """Flag a code restored from what the file gave (`bg:RepairedCode`, `bg:repairedField`)."""
    c.issues.add("RepairedCode")
    c.repaired_fields.append(name)


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
    buyer_key, buyer_ok = siret_key(c.buyer.id)
    if buyer_key is None and (buyer_key := siren_key(_BLANKS.sub("", c.buyer.id or ""))):
        c.issues.add("SirenForSiret")  # the buyer is the entreprise (`organisation`), the key its SIREN
    elif buyer_key is None:
        raise Reject(c.buyer_field, "neither a 14-digit SIRET nor a 9-digit SIREN: the contract has no identity",
                     c.buyer.id)
    elif not buyer_ok:
        c.issues.add("InvalidIdentifier")
    s = contract_iri(ctx, buyer_key, c.id, c.award)
    out: list[Triple] = [
        (s, A, EPO.Contract),
        (s, DCT.identifier, literal(c.id)),
        (s, PROV.wasDerivedFrom, derived_from),
    ]
    if c.kind == "concession":
        out.append((s, A, EPO.ConcessionContract))
    if (c.nature or "").strip().lower() == "accord-cadre":
        out.append((s, A, EPO.FrameworkAgreement))
    buyer, described = organisation(ctx, Party("SIRET", buyer_key, c.buyer.name), c, supplier=False)
    out += described
    out.append((s, BG.buyer, buyer))
    out += role(s, EPO.bindsBuyer, EPO.Buyer, "buyer", buyer)
    if c.award is not None:
        out += shared_identifier(ctx, s, buyer_key, c)
    text = {BG.sourceFeed: c.feed, BG.nature: c.nature, BG.contractType: c.contract_type,
            BG.procedure: c.procedure, BG.priceForm: c.price_form,
            BG.frameworkAgreementId: c.framework_id}
    out += [(s, p, literal(v)) for p, v in text.items() if v]
    out += [(s, BG[p], literal(v)) for p, v in c.labels if v]
    out += ([(s, DCT.title, fr(c.object)), (s, RDFS.label, fr(c.object))] if c.object
            else [(s, RDFS.label, fr(title(c)))])
    out += procedure_triples(ctx, s, c)
    main_cpv = None
    if c.cpv:
        code = _parse(cpv_code, c.cpv, "codeCPV", c)
        if code:
            code, was_repaired = code
            if was_repaired:
                repaired(c, "codeCPV")
            out.append((s, BG.cpvCode, literal(code)))
            main_cpv = code
            if cpv := ctx.link("cpv", code):  # as TED: the contract's purpose, classified by the EU's CPV IRI
                purpose = fragment(s, "purpose")
                out += [(s, EPO.hasPurpose, purpose), (purpose, A, EPO.Purpose),
                        (purpose, EPO.hasMainClassification, EU_CPV[code]), (s, BG.cpv, cpv)]
    amount = _decimal(c.amount, "montant", c)
    duration = _integer(c.duration, "dureeMois", c)
    dates = {EPO.hasContractConclusionDate: _date(c.notified, "dateNotification", c),
             BG.dataPublicationDate: _date(c.published, "datePublicationDonnees", c),
             BG.executionStartDate: _date(c.execution_start, "dateDebutExecution", c)}
    out += [(s, p, typed(v, XSD.date)) for p, v in dates.items() if v]
    initial = None if c.amount_is_current else amount
    numbers = {BG.initialAmount: (initial, XSD.decimal), BG.initialDurationMonths: (duration, XSD.integer),
               BG.publicSubsidy: (_decimal(c.public_subsidy, "montantSubventionPublique", c), XSD.decimal),
               BG.offersReceived: (_integer(c.offers, "offresRecues", c), XSD.integer)}
    out += [(s, p, typed(v, dt)) for p, (v, dt) in numbers.items() if v is not None]
    if initial is not None:
        out += monetary_value(s, EPO.hasContractValue, initial)
    if duration is not None:
        out += months(s, EPO.hasEstimatedDuration, duration)
    territory = None
    if c.place:
        place = place_triples(ctx, s, c)
        out += place
        territory = next((o for _, p, o in place if p == DCT.spatial), None)
    out += contract_terms(ctx, s, main_cpv, territory)
    suppliers = party_links(ctx, c, c.suppliers, s, BG.supplier, out)
    out += contractors(s, suppliers)
    current = {"amount": amount, "duration": duration, "suppliers": suppliers, "if_increments": amount}
    for rank, m in enumerate(in_notification_order(c.modifications), start=1):
        out += modification_triples(ctx, s, (*contract_keys(buyer_key, c.id, c.award), str(rank)), rank, c, m,
                                    initial, current)
    if current["amount"] is not None:
        out.append((s, BG.currentAmount, typed(current["amount"], XSD.decimal)))
    if current["if_increments"] != current["amount"]:  # an amendment read as an increase: both readings
        out.append((s, BG.currentAmountIfIncrements, typed(current["if_increments"], XSD.decimal)))
    if current["duration"] is not None:
        out.append((s, BG.currentDurationMonths, typed(current["duration"], XSD.integer)))
    out += [(s, BG.currentSupplier, unit) for unit in current["suppliers"]]
    out += [(s, BG.qualityIssue, BG[issue]) for issue in sorted(c.issues)]
    out += [(s, BG.invalidField, literal(name)) for name in c.invalid_fields]
    out += [(s, BG.repairedField, literal(name)) for name in dict.fromkeys(c.repaired_fields)]
    if ctx.owners["contrat"].setdefault(s, ctx.source) != ctx.source:
        return feed_record(ctx, s, out)
    return out


def fragment(subject: str, name: str) -> str:
    """A node that only exists as part of `subject` (its purpose, value, a role): `<subject#name>`."""
    return f"{subject[:-1]}#{name}>"


def role(contract: str, binds: str, cls: str, name: str, agent: str) -> list[Triple]:
    """ePO's party in a role: the contract `binds` a role node (`cls`) `epo:playedBy` the organisation."""
    node = fragment(contract, name)
    return [(contract, binds, node), (node, A, cls), (node, EPO.playedBy, agent)]


def contractors(node: str, units: list[str]) -> list[Triple]:
    """The suppliers of a contract or an amendment as ePO contractors (`#contractor-1`, ...)."""
    return [t for n, unit in enumerate(units, start=1)
            for t in role(node, EPO.bindsContractor, EPO.Contractor, f"contractor-{n}", unit)]


def monetary_value(subject: str, prop: str, amount: str) -> list[Triple]:
    """An amount in euros as an `epo:MonetaryValue` (`<subject#value>`): DECP amounts are in euros."""
    node = fragment(subject, "value")
    return [(subject, prop, node), (node, A, EPO.MonetaryValue),
            (node, EPO.hasAmountValue, typed(amount, XSD.decimal)), (node, EPO.hasCurrency, EU["currency/EUR"])]


def months(subject: str, prop: str, duration: str) -> list[Triple]:
    """A duration in months as an `epo:SpecificDuration` (`time:numericDuration`, `time:unitMonth`)."""
    node = fragment(subject, "duration")
    return [(subject, prop, node), (node, A, EPO.SpecificDuration),
            (node, TIME.numericDuration, typed(duration, XSD.decimal)), (node, TIME.unitType, TIME.unitMonth)]


#: The rule when several feeds publish one contract (the same IRI): the first feed in build order
#: speaks for it (`mappings/registry.py`: the 2019 JSON feeds, the 2024+ producers' feeds, then the
#: consolidated tabular export decp.info derives from them). A later feed's record is kept, whole, as
#: its own node `<contract#{source}>` (`bg:ContractRecord`, `prov:specializationOf` the contract),
#: with its values as that feed publishes them, but without the ePO structure and the values bercy-graph
#: derives (`bg:current*`), which are the contract's: the amount the feed publishes is `bg:publishedAmount`.
#: So a query over every contract's current supplier and amount meets each contract once.
DERIVED = (BG.currentAmount, BG.currentAmountIfIncrements, BG.currentDurationMonths, BG.currentSupplier)


def feed_record(ctx: Context, contract: str, out: list[Triple]) -> list[Triple]:
    """A later feed's version of a contract another feed speaks for (see the rule above)."""
    record = fragment(contract, ctx.source)
    parts = contract[:-1] + "#"
    kept: list[Triple] = [(record, A, BG.ContractRecord), (record, PROV.specializationOf, contract)]
    for s, p, o in out:
        if s == contract:
            if p == BG.currentAmount and BG.initialAmount not in {q for _, q, _ in out}:
                kept.append((record, BG.publishedAmount, o))  # the feed's only amount (the tabular export's)
            elif p != A and not p.startswith(f"<{EPO.iri}") and p not in (BG.cpv, *DERIVED):
                kept.append((record, p, o))
        elif not s.startswith(parts):
            kept.append((s, p, o))
    return kept


def title(c: Contract) -> str:
    """A contract's name when the file gives no `objet`: its identifier, buyer and, for one of several
    awards published under one identifier, its rank."""
    kind = "Concession" if c.kind == "concession" else "Marché"
    name = f"{kind} {c.id}" + (f" — {c.buyer.name}" if c.buyer.name else "")
    return name + (f" (attribution {c.award} sur {c.awards})" if c.award is not None else "")


def shared_identifier(ctx: Context, award: str, buyer_key: str, c: Contract) -> list[Triple]:
    """The identifier a file gives to several distinct awards (`bg:ContractIdentifier`): the id
    they share, the awards as its parts (each has the shared buyer), and how many there are."""
    shared = contract_iri(ctx, buyer_key, c.id)
    kind = "Concession" if c.kind == "concession" else "Marché"
    name = f"{kind} {c.id}" + (f" — {c.buyer.name}" if c.buyer.name else "")
    return [(shared, A, BG.ContractIdentifier), (shared, DCT.identifier, literal(c.id)),
            (shared, DCT.hasPart, award), (award, DCT.isPartOf, shared),
            (shared, BG.awardCount, typed(c.awards, XSD.integer)),
            (shared, RDFS.label, fr(f"{name} : identifiant de {c.awards} attributions distinctes"))]


def in_notification_order(mods: list[Modification]) -> list[Modification]:
    """Amendments in the order they were notified: by their published order (`modification.id`,
    which the 2.0.3 schema increments at each amendment), then notification date, then position in the
    file (the array's order is not the notification order: Paris `2024T04401` lists id 2 first)."""
    def key(m: Modification) -> tuple:
        return (math.inf if m.order is None else m.order, str(m.notified or "9999"), m.position)
    return sorted(mods, key=key)


def modification_triples(ctx: Context, contract: str, keys: tuple[str, ...], rank: int, c: Contract,
                         m: Modification, initial: str | None, current: dict) -> list[Triple]:
    """A dated modification node with the values it sets; updates `current` (in notification order).

    An amount that looks like an increment (`decp_quality.looks_like_increment`) is flagged on the
    node, and `current["if_increments"]` adds it to the amount instead of replacing it: the other
    reading of the same record.
    """
    node = ctx.entity("modification", *keys)
    out: list[Triple] = [(node, A, BG.ContractModification), (contract, BG.modification, node),
                         (node, BG.modificationOf, contract),
                         (node, A, EPO.ContractAmendment), (node, EPO.amendsContract, contract),
                         (node, BG.modificationIndex, typed(rank, XSD.integer))]
    if m.object:
        out.append((node, DCT.description, fr(m.object)))
    if notified := _date(m.notified, "modifications.dateNotificationModification", c):
        out += [(node, BG.notificationDate, typed(notified, XSD.date)),
                (node, EPO.hasContractConclusionDate, typed(notified, XSD.date))]
    if published := _date(m.published, "modifications.datePublicationDonneesModification", c):
        out.append((node, BG.dataPublicationDate, typed(published, XSD.date)))
    if (amount := _decimal(m.amount, "modifications.montant", c)) is not None:
        out.append((node, BG.newAmount, typed(amount, XSD.decimal)))
        out += monetary_value(node, EPO.hasContractValue, amount)
        if initial is not None and looks_like_increment(initial, amount):
            c.issues.add("LikelyIncrement")
            out.append((node, BG.amountLooksLikeIncrement, typed("true", XSD.boolean)))
            before = current["if_increments"]
            current["if_increments"] = values.decimal(str(Decimal(before) + Decimal(amount)))
        else:
            current["if_increments"] = amount
        current["amount"] = amount
    if (duration := _integer(m.duration, "modifications.dureeMois", c)) is not None:
        out.append((node, BG.newDurationMonths, typed(duration, XSD.integer)))
        out += months(node, EPO.hasEstimatedDuration, duration)
        current["duration"] = duration
    if m.suppliers:
        current["suppliers"] = party_links(ctx, c, m.suppliers, node, BG.newSupplier, out)
        out += contractors(node, current["suppliers"])
    return out


def party_links(ctx: Context, c: Contract, parties: list[Party], node: str, prop: str,
                out: list[Triple]) -> list[str]:
    """Describe each identifiable party, link it from `node` by `prop` (into `out`); their IRIs."""
    units = []
    for party in parties:
        unit, described = organisation(ctx, party, c)
        if unit:
            out += described
            out.append((node, prop, unit))
            units.append(unit)
    return units
