"""The consolidated tabular DECP of decp.info: one CSV row per award x supplier.

A row's award is its `uid` (buyer SIRET + id) with its own contract values (amount, date, CPV,
procedure, duration, offers): rows of one award only add its suppliers, and its amount is one
triple, counted ONCE. A file may publish several distinct awards under one uid (lots, subsequent
contracts under a framework, republished versions): none leaves the graph because another shares
its identifier. Each is its own contract `contrat/{SIRET}/{id}/{n}` (n: rank by notification date,
then line), linked to the shared identifier `contrat/{SIRET}/{id}` (`mappings/decp.py`), and the
audit counts the identifiers reused (`ReusedIdentifier`) and flags their rows (`DuplicateId`). A row
repeating another's award and supplier is an exact duplicate: reported as "exact duplicate of line
N", lifted once. The rule is the JSON feeds' too (`decp_quality.place_awards`). A buyer given by its
SIREN is the entreprise, and the contract is keyed by it (`SirenForSiret`). Rows in = rows lifted +
rows rejected.
The CSV has no publication date and no schema: those audit metrics are not measured here.
Its `montant` is the amount "à jour à la date de notification": the current one, amendments applied
(the export has no amendment of its own), so it is `bg:currentAmount`, never `bg:initialAmount`. A
contract a producer's JSON feed also publishes is spoken for by that feed; this feed's row is kept as
its record `<contract#decp-tabulaire-...>` (`decp.feed_record`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path

from . import decp_quality as quality
from .decp import Contract, Party, contract_triples
from .kinds import like
from .read import Record, Reject, read_csv
from .source import Context, Source
from .terms import Triple

PATH = "decp/decp_consolide_tabulaire_2024S2_travaux_cpv4521_subset.csv"
COLUMNS = ("uid", "id", "type", "codeCPV", "acheteur_id", "acheteur_nom", "titulaire_id",
           "titulaire_nom", "montant", "dateNotification", "procedure", "dureeMois", "offresRecues")
#: columns that describe the award (the same on every row of one award)
CONTRACT_COLUMNS = ("id", "acheteur_id", "type", "codeCPV", "montant", "dateNotification",
                    "procedure", "dureeMois", "offresRecues")
MEASURED = ("DuplicateId", "DuplicateRow", "MisencodedText", "AmountOutOfRange", "ZeroAmount", "SirenForSiret")


def award_key(row: Record) -> tuple:
    """What identifies an award: its uid and its contract values."""
    return (row.get("uid"), *(row.get(c) for c in CONTRACT_COLUMNS))


def audit_file(path: Path) -> tuple[list[Record], quality.Audit]:
    """Rows and their audit, which places each row (`decp_quality.place_awards`): its award, or the
    line it duplicates."""
    rows = list(read_csv(path, COLUMNS))
    audit = quality.Audit(records=len(rows), measured=MEASURED)
    published = []
    for row in rows:
        if None in row.data:
            continue
        if any("\ufffd" in str(v) for v in row.data.values()):
            audit.flag(row.line, "MisencodedText")
        quality.check_amount(audit, row.line, row.get("montant", None))
        quality.check_siren(audit, row.line, row.get("acheteur_id"))
        key = award_key(row)
        published.append(quality.Published(row.line, row.get("uid"), key, (*key, row.get("titulaire_id")),
                                           row.get("dateNotification")))
    quality.place_awards(audit, published)
    return rows, audit


analyse = quality.cached_by_file(audit_file)


def read(path: Path) -> Iterator[Record]:
    """Rows carrying the file's audit and where each goes."""
    rows, audit = analyse(path)
    for row in rows:
        if None in row.data:
            yield row
        else:
            yield Record(row.line, {"row": row, "audit": audit, "placed": audit.placement(row.line)})


def lift(record: Record, ctx: Context, path: str = PATH) -> Iterable[Triple]:
    """One row: its award (same triples on every row of it) and the row's supplier."""
    row: Record = record["row"]
    placed: quality.Placement = record["placed"]
    if placed.duplicate_of is not None:
        raise quality.exact_duplicate("(row)", "line", placed, "same uid, values and supplier", row.get("uid"))
    contract_id, buyer = row.get("id", None), row.get("acheteur_id", None)
    if not contract_id:
        raise Reject("id", "missing value: a contract without id cannot be identified")
    if not buyer:
        raise Reject("acheteur_id", "missing value: a contract without buyer cannot be identified")
    supplier_id = row.get("titulaire_id")
    contract = Contract(
        kind="marche", id=contract_id, buyer=Party("SIRET", buyer, row.get("acheteur_nom", None)),
        contract_type=row.get("type", None), cpv=row.get("codeCPV", None),
        procedure=row.get("procedure", None), duration=row.get("dureeMois", None),
        amount=row.get("montant", None), notified=row.get("dateNotification", None),
        offers=row.get("offresRecues", None), buyer_field="acheteur_id",
        suppliers=[Party("SIRET" if len(supplier_id) == 14 and supplier_id.isdigit() else "", supplier_id,
                         row.get("titulaire_nom", None))],
        award=placed.award, awards=placed.awards, amount_is_current=True,
    )
    contract.issues |= record["audit"].flags.get(row.line, set())
    return contract_triples(contract, ctx, ctx.mint.resource(f"source/{path}"))


def source(name: str, title: str, path: str) -> Source:
    """A tabular DECP file as a source (measurements of its audit in the preamble)."""
    return Source(name=name, title=title, path=path, read=read, lift=partial(lift, path=path),
                  mapping=__name__,
                  preamble=lambda ctx: quality.measurements(ctx, name, analyse(ctx.data_dir / path)[1]))


SOURCES = [
    source("decp-tabulaire-2024s2-travaux",
           "DECP consolidées tabulaires (decp.info) — travaux CPV 4521, 2e semestre 2024", PATH),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(SOURCES[0], "decp-consolide-tabulaire", columns=COLUMNS, make=source)]
