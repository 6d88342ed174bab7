"""What the two DECP JSON formats share (2019: mappings/decp_v1.py, 2024+: mappings/decp_v2.py).

Both are audited per file (mappings/decp_quality.py) and normalised to the one `decp.Contract`;
between the two, the records carrying their audit, the parties, the fields spelt the same way,
the identity check and the lift of one record (a duplicate is quarantined naming its first).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from . import decp_quality as quality
from .decp import Contract, Party, contract_triples
from .read import Record, Reject
from .source import Context
from .terms import Triple


def annotated(records: list[Record], audit: quality.Audit) -> Iterator[Record]:
    """Records carrying the file's audit and, for a duplicate, the record it duplicates."""
    by_line = {r.line: r.data for r in records}
    for record in records:
        if None in record.data:
            yield record
            continue
        first = audit.duplicate_of.get(record.line)
        yield Record(record.line, {"raw": record.data, "audit": audit,
                                   "first": (first, by_line[first]) if first else None})


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


def duplicate_reason(first: dict, raw: dict, first_line: int) -> str:
    differ = sorted(k for k in set(first) | set(raw) if first.get(k) != raw.get(k))
    what = f"; differs in: {', '.join(differ)}" if differ else "; identical record"
    return f"duplicate of record {first_line} (same buyer SIRET and id, the first is lifted){what}"


def lift_record(record: Record, ctx: Context, path: str, normaliser: Callable[[dict], Contract],
                identity_of: Callable[[dict], tuple[str, str]]) -> Iterable[Triple]:
    """Lift one audited record: a duplicate is rejected naming its first, else it is normalised."""
    raw, audit = record["raw"], record["audit"]
    if record["first"]:
        first_line, first = record["first"]
        raise Reject("id", duplicate_reason(first, raw, first_line), "/".join(identity_of(raw)))
    contract = normaliser(raw)
    contract.issues |= audit.flags.get(record.line, set())
    return contract_triples(contract, ctx, ctx.mint.resource(f"source/{path}"))
