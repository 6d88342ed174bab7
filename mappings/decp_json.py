"""What the two DECP JSON formats share (2019: mappings/decp_v1.py, 2024+: mappings/decp_v2.py).

Both are audited per file (mappings/decp_quality.py) and normalised to the one `decp.Contract`;
between the two, the records carrying their audit, the parties, the fields spelt the same way,
the identity check and the lift of one record. Records sharing buyer + id are placed by the rule
every DECP format follows (`decp_quality.place_awards`): each distinct record is its own award
under the shared identifier; only an exact duplicate is quarantined, naming its first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path

from . import decp_quality as quality
from .decp import Contract, Party, contract_triples
from .read import Record, Reject
from .source import Context, Source
from .terms import Triple


def schema_checker(path: Path, schema: str, is_concession: Callable[[dict], bool],
                   view: Callable[[dict], dict] = lambda raw: raw) -> Callable[[dict], bool]:
    """Whether a record (as `view` shows it) is valid against its kind's definition in the feed's schema."""
    schema_file = quality.find_schema(path, schema)
    marche = quality.schema_validator(schema_file, "marche")
    concession = quality.schema_validator(schema_file, "contrat-concession")
    return lambda raw: (concession if is_concession(raw) else marche).is_valid(view(raw))


def audited(records: Iterable[Record], validate: Callable[[dict], bool], identity, amount_of, dates_of,
            amendments_of) -> quality.Audit:
    """The feed's audit, from a first pass over its records (records unreadable as JSON objects are
    counted, not audited).

    Two passes over the file, not one: where a record goes (its award's rank, or the record it
    repeats) depends on records further on, and a national file is too large to hold; the audit
    keeps per record only its keys, a digest of its text and its flags, and the lift reads the file
    again (`annotated`)."""
    total = 0

    def objects() -> Iterator[tuple[int, dict]]:
        nonlocal total
        for record in records:
            total += 1
            if None not in record.data:
                yield record.line, record.data

    audit = quality.audit_json(objects(), identity, amount_of, dates_of, validate, amendments_of)
    audit.records = total
    return audit


def reader(records: Callable[[Path], Iterator[Record]],
           analyse: Callable[[Path], quality.Audit]) -> Callable[[Path], Iterator[Record]]:
    """A feed's reader: the file's audit first (`analyse`, cached per file: the preamble reuses it),
    then the records read again, each carrying it."""
    return lambda path: annotated(records(path), analyse(path))


def annotated(records: Iterable[Record], audit: quality.Audit) -> Iterator[Record]:
    """Records carrying the file's audit and where each goes (its award, or the record it repeats)."""
    for record in records:
        if None in record.data:
            yield record
            continue
        yield Record(record.line, {"raw": record.data, "audit": audit, "placed": audit.placement(record.line)})


def parties(items: object, key: str | None = None) -> list[Party]:
    """Titulaires / concessionnaires as parties (v2 wraps each in `{key: {...}}`)."""
    out = []
    for item in items if isinstance(items, list) else []:
        if key and isinstance(item, dict) and key in item:
            item = item[key]
        if isinstance(item, dict):
            out.append(Party(str(item.get("typeIdentifiant") or "").strip(), str(item.get("id") or "").strip(),
                             (item.get("denominationSociale") or None)))
    return out


def place_of(raw: dict) -> tuple[str, str, str | None] | None:
    place = raw.get("lieuExecution")
    if not isinstance(place, dict) or not place.get("code"):
        return None
    return str(place["code"]).strip(), str(place.get("typeCode") or "").strip(), place.get("nom") or None


def require_identity(buyer_id: str, contract_id: str, concession: bool) -> None:
    """A record without buyer SIRET or id cannot be identified: the only reason to reject it."""
    if not contract_id:
        raise Reject("id", "missing value: a contract without id cannot be identified")
    if not buyer_id:
        raise Reject("autoriteConcedante.id" if concession else "acheteur.id",
                     "missing value: a contract without buyer cannot be identified")


def common_fields(raw: dict, amount: object, notified: object) -> dict:
    """The contract fields both JSON formats (2019 and 2024+) spell the same way."""
    return dict(
        feed=raw.get("source"),
        nature=raw.get("nature"),
        object=raw.get("objet"),
        cpv=raw.get("codeCPV") or None,
        procedure=raw.get("procedure"),
        price_form=raw.get("formePrix"),
        duration=raw.get("dureeMois"),
        amount=amount,
        notified=notified,
        published=raw.get("datePublicationDonnees"),
        execution_start=raw.get("dateDebutExecution"),
        public_subsidy=raw.get("montantSubventionPublique"),
        place=place_of(raw),
    )


def lift_record(record: Record, ctx: Context, path: str, normaliser: Callable[[dict], Contract],
                identity_of: Callable[[dict], tuple[str, str]]) -> Iterable[Triple]:
    """Lift one audited record as its award; an exact duplicate is rejected naming its first."""
    raw, audit, placed = record["raw"], record["audit"], record["placed"]
    if placed.duplicate_of is not None:
        raise quality.exact_duplicate("id", "record", placed, "identical record", "/".join(identity_of(raw)))
    contract = normaliser(raw)
    contract.award, contract.awards = placed.award, placed.awards
    contract.issues |= audit.flags.get(record.line, set())
    return contract_triples(contract, ctx, ctx.mint.resource(f"source/{path}"))


def feed_source(name: str, title: str, path: str, *, read, normalise: Callable[[dict], Contract],
                identity, analyse, mapping: str) -> Source:
    """A DECP JSON file as a source: its records lifted as contracts, its audit measured in the preamble."""
    return Source(
        name=name, title=title, path=path, read=read,
        lift=partial(lift_record, path=path, normaliser=normalise, identity_of=identity), mapping=mapping,
        preamble=lambda ctx: quality.measurements(ctx, name, analyse(ctx.data_dir / path)),
    )
