"""The consolidated tabular DECP of decp.info: one CSV row per contract x supplier.

Rows are grouped by `uid` (buyer SIRET + id): the first row of a uid (in file order) gives the
contract and its amount, counted ONCE; every later row with the same contract values only adds
its supplier. A later row whose contract values differ (another contract reusing the id, or a
republished version) is quarantined as "conflicts with line N", and an exact repeat of a row as
"duplicate of line N": nothing is merged silently, and rows in = rows lifted + rows rejected.
The CSV has no publication date and no schema: those audit metrics are not measured here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path

from . import decp_quality as quality
from .decp import Contract, Party, contract_triples
from .read import Record, Reject, read_csv
from .source import Context, Source
from .terms import Triple

PATH = "decp/decp_consolide_tabulaire_2024S2_travaux_cpv4521_subset.csv"
COLUMNS = ("uid", "id", "type", "codeCPV", "acheteur_id", "acheteur_nom", "titulaire_id",
           "titulaire_nom", "montant", "dateNotification", "procedure", "dureeMois", "offresRecues")
#: columns that describe the contract (the same on every row of one contract)
CONTRACT_COLUMNS = ("id", "acheteur_id", "type", "codeCPV", "montant", "dateNotification",
                    "procedure", "dureeMois", "offresRecues")
MEASURED = ("DuplicateId", "MisencodedText", "AmountOutOfRange")


def audit_file(path: Path) -> tuple[list[Record], quality.Audit, dict[int, tuple[str, int, str]]]:
    """Rows, their audit, and for each row not lifted: (kind, line it repeats, detail)."""
    rows = list(read_csv(path, COLUMNS))
    audit = quality.Audit(records=len(rows), measured=MEASURED)
    first_of: dict[str, Record] = {}
    seen: dict[tuple, int] = {}
    apart: dict[int, tuple[str, int, str]] = {}
    conflicted: set[str] = set()
    for row in rows:
        if None in row.data:
            continue
        if any("\ufffd" in str(v) for v in row.data.values()):
            audit.flag(row.line, "MisencodedText")
        quality.check_amount(audit, row.line, row.get("montant", None))
        uid = row.get("uid")
        first = first_of.setdefault(uid, row)
        key = tuple(row.get(c) for c in (*CONTRACT_COLUMNS, "titulaire_id"))
        if first is not row:
            differ = [c for c in CONTRACT_COLUMNS if row.get(c) != first.get(c)]
            if differ:
                apart[row.line] = ("conflict", first.line, ", ".join(
                    f"{c} {row.get(c)!r} vs {first.get(c)!r}" for c in differ))
                conflicted.add(uid)
                continue
        if key in seen:
            apart[row.line] = ("duplicate", seen[key], "")
        else:
            seen[key] = row.line
    for row in rows:  # every row of a uid holding conflicting versions
        if row.get("uid") in conflicted:
            audit.flag(row.line, "DuplicateId")
    return rows, audit, apart


analyse = quality.cached_by_file(audit_file)


def read(path: Path) -> Iterator[Record]:
    """Rows carrying the file's audit and, for a row not lifted, why."""
    rows, audit, apart = analyse(path)
    for row in rows:
        if None in row.data:
            yield row
        else:
            yield Record(row.line, {"row": row, "audit": audit, "apart": apart.get(row.line)})


def lift(record: Record, ctx: Context, path: str = PATH) -> Iterable[Triple]:
    """One row: the contract of its uid (same triples on every row of it) and the row's supplier."""
    row: Record = record["row"]
    if apart := record["apart"]:
        kind, line, detail = apart
        if kind == "duplicate":
            raise Reject("(row)", f"duplicate of line {line} (same uid, supplier and values)", row.get("uid"))
        raise Reject("uid", f"conflicts with line {line}, the contract lifted for this uid: {detail}",
                     row.get("uid"))
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
        suppliers=[Party("SIRET" if len(supplier_id) == 14 and supplier_id.isdigit() else "",
                         supplier_id, row.get("titulaire_nom", None))],
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
