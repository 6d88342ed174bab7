"""DECP 2019 JSON (arrêté of 2019, schema 1.5): `{"marches": [...]}` of marchés and concessions.

Three real consolidated feeds. Their known defects are kept visible, not repaired silently:
records sharing buyer + id (each distinct one lifted as its own award under the shared identifier,
exact copies quarantined as "exact duplicate of record N"), U+FFFD mojibake, schema violations, CPV
codes with a check digit or a lost leading zero, time-zoned dates, junk place codes (counted as
unresolved).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

from . import decp_quality as quality
from .decp import Contract, Modification, Party
from .decp_json import audited, common_fields, feed_source, parties, reader, require_identity, schema_checker
from .kinds import like
from .read import Record, read_json_records

SCHEMA = "schema_decp_v1.5.0_marches.json"
CONCESSION = "Contrat de concession"


def is_concession(raw: dict) -> bool:
    return raw.get("_type") == CONCESSION or "autoriteConcedante" in raw


def buyer_of(raw: dict) -> dict:
    party = raw.get("autoriteConcedante") if is_concession(raw) else raw.get("acheteur")
    return party if isinstance(party, dict) else {}


def identity(raw: dict) -> tuple[str, str]:
    """(buyer id, contract id) as text, as DECP builds its `uid`."""
    return str(buyer_of(raw).get("id") or "").strip(), str(raw.get("id") or "").strip()


def amount_of(raw: dict):
    return raw.get("valeurGlobale") if is_concession(raw) else raw.get("montant")


def amendments_of(raw: dict) -> list:
    """The amounts the record's modifications set (concessions: `valeurGlobale`)."""
    key = "valeurGlobale" if is_concession(raw) else "montant"
    return [m.get(key) for m in raw.get("modifications") or [] if isinstance(m, dict)]


def dates_of(raw: dict):
    start = raw.get("dateSignature") if is_concession(raw) else raw.get("dateNotification")
    return start, raw.get("datePublicationDonnees")


def records(path: Path) -> Iterator[Record]:
    """The file's records, streamed."""
    return read_json_records(path, "marches")


def audit_file(path: Path) -> quality.Audit:
    """The file's audit (schema 1.5: each record against its `_type`'s definition), one pass over it."""
    return audited(records(path), schema_checker(path, SCHEMA, is_concession), identity, amount_of, dates_of,
                   amendments_of)


analyse = quality.cached_by_file(audit_file)
read = reader(records, analyse)


def normalise(raw: dict) -> Contract:
    """A 2019 record as a `Contract` (rejects a record without identity)."""
    buyer_id, contract_id = identity(raw)
    concession = is_concession(raw)
    require_identity(buyer_id, contract_id, concession)
    buyer = buyer_of(raw)
    mods = []
    for position, m in enumerate(raw.get("modifications") or [], start=1):
        if not isinstance(m, dict):
            continue
        mods.append(Modification(
            position=position,
            notified=m.get("dateNotificationModification") or m.get("dateSignatureModification"),
            published=m.get("datePublicationDonneesModification"),
            object=m.get("objetModification"),
            amount=m.get("valeurGlobale") if concession else m.get("montant"),
            duration=m.get("dureeMois"),
            suppliers=parties(m.get("concessionnaires") if concession else m.get("titulaires")) or None))
    return Contract(
        kind="concession" if concession else "marche",
        id=contract_id,
        buyer=Party("SIRET", buyer_id, buyer.get("nom") or None),
        **common_fields(raw, amount_of(raw), dates_of(raw)[0]),
        suppliers=parties(raw.get("concessionnaires") if concession else raw.get("titulaires")),
        modifications=mods,
        buyer_field="autoriteConcedante.id" if concession else "acheteur.id",
    )


#: source(name, title, path): a 2019 DECP file as a source
source = partial(feed_source, read=read, normalise=normalise, identity=identity, analyse=analyse, mapping=__name__)


SOURCES = [
    source("decp-2019-e-marchespublics", "DECP 2019 — flux e-marchespublics (2019-04-03)",
           "decp/decp_v1_e-marchespublics_2019-04-03.json"),
    source("decp-2019-pes", "DECP 2019 — flux data.gouv.fr PES Marché (DGFiP, 2019-04-05)",
           "decp/decp_v1_data.gouv.fr_pes_2019-04-05.json"),
    source("decp-2019-aife", "DECP 2019 — flux data.gouv.fr AIFE (PLACE, 2019-04-04, extrait de 1000)",
           "decp/decp_v1_data.gouv.fr_aife_2019-04-04_subset1000.json"),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(SOURCES[0], "decp-2019-json", format="json", keys=("marches",), schema=SCHEMA, make=source)]
