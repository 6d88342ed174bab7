"""DECP 2024+ JSON (arrêtés of 22/12/2022, schema 2.0.3).

Two layouts: the official `{"marches": {"marche": [...], "contrat-concession": [...]}}` and the
bare array of marchés of the consolidated feed (Ville de Paris file). Each party and modification
is wrapped (`{"titulaire": {...}}`, `{"modification": {...}}`). The consolidation adds a `source`
key that the official schema forbids: it is set aside before schema validation (it is the feed's
name, not the publisher's data).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

from . import decp_quality as quality
from .decp import Contract, Modification, Party
from .decp_json import audited, common_fields, feed_source, parties, reader, require_identity, schema_checker
from .kinds import like
from .read import Record, SourceError, read_json_records

SCHEMA = "schema_decp_v2.0.3.json"
#: keys added by the consolidation, not part of the publisher's record
CONSOLIDATION_KEYS = ("source",)
KIND = "_kind"  # set by the reader: "marche" | "contrat-concession"
#: 2024+ code lists kept as the published literals: field -> (item key, bg: property)
CODE_LISTS = {
    "techniques": ("technique", "procurementTechnique"),
    "modalitesExecution": ("modaliteExecution", "executionModality"),
    "typesPrix": ("typePrix", "priceType"),
    "considerationsSociales": ("considerationSociale", "socialConsideration"),
    "considerationsEnvironnementales": ("considerationEnvironnementale", "environmentalConsideration"),
}


def is_concession(raw: dict) -> bool:
    return raw.get(KIND) == "contrat-concession"


def published_record(raw: dict) -> dict:
    """The record as its publisher wrote it (without the reader's and consolidation's keys)."""
    return {k: v for k, v in raw.items() if k != KIND and k not in CONSOLIDATION_KEYS}


def identity(raw: dict) -> tuple[str, str]:
    party = raw.get("autoriteConcedante" if is_concession(raw) else "acheteur")
    buyer = party.get("id") if isinstance(party, dict) else None
    return str(buyer or "").strip(), str(raw.get("id") or "").strip()


def amount_of(raw: dict):
    return raw.get("valeurGlobale" if is_concession(raw) else "montant")


def modifications_of(raw: dict) -> list[dict]:
    """The record's modifications, unwrapped (`{"modification": {...}}`)."""
    items = (item.get("modification", item) if isinstance(item, dict) else None
             for item in raw.get("modifications") or [])
    return [m for m in items if isinstance(m, dict)]


def amendments_of(raw: dict) -> list:
    """The amounts the record's modifications set."""
    key = "valeurGlobale" if is_concession(raw) else "montant"
    return [m.get(key) for m in modifications_of(raw)]


def dates_of(raw: dict):
    return raw.get("dateSignature" if is_concession(raw) else "dateNotification"), raw.get("datePublicationDonnees")


def records(path: Path) -> Iterator[Record]:
    """Records of either layout, streamed and numbered in file order; each knows whether it is a
    concession. The layout is known before the first record (`read_json_records` checks it first)."""
    try:
        sections = [("marche", read_json_records(path))]
    except SourceError as exc:
        if "expected a JSON array" not in exc.message:
            raise
        sections = [(kind, _section(path, kind)) for kind in ("marche", "contrat-concession")]
    return _numbered(sections)


def _numbered(sections: list[tuple[str, Iterator[Record]]]) -> Iterator[Record]:
    number = 0
    for kind, section in sections:
        for record in section:
            number += 1
            yield Record(number, record.data if None in record.data else {**record.data, KIND: kind})


def _section(path: Path, kind: str) -> Iterator[Record]:
    try:
        return read_json_records(path, "marches", kind)
    except SourceError as exc:
        if f"no {kind!r} key" in exc.message:
            return iter(())
        raise


def audit_file(path: Path) -> quality.Audit:
    """The file's audit, one pass over it."""
    return audited(records(path), schema_checker(path, SCHEMA, is_concession, published_record), identity, amount_of,
                   dates_of, amendments_of)


analyse = quality.cached_by_file(audit_file)
read = reader(records, analyse)


def normalise(raw: dict) -> Contract:
    """A 2024+ record (schema 2.0.3) as a `Contract`, amendments in their `id` order (rejects a record
    without identity)."""
    buyer_id, contract_id = identity(raw)
    concession = is_concession(raw)
    require_identity(buyer_id, contract_id, concession)
    party_key = "concessionnaire" if concession else "titulaire"
    mods = []
    for position, m in enumerate(modifications_of(raw), start=1):
        mods.append(Modification(
            position=position,
            order=int(m["id"]) if str(m.get("id", "")).strip().isdigit() else None,
            notified=m.get("dateSignatureModification" if concession else "dateNotificationModification"),
            published=m.get("datePublicationDonneesModification"),
            amount=m.get("valeurGlobale" if concession else "montant"),
            duration=m.get("dureeMois"),
            suppliers=parties(m.get(party_key + "s"), party_key) or None))
    buyer_field = "autoriteConcedante" if concession else "acheteur"
    buyer = raw.get(buyer_field) or {}
    return Contract(
        kind="concession" if concession else "marche",
        id=contract_id,
        buyer=Party("SIRET", buyer_id, buyer.get("nom") if isinstance(buyer, dict) else None),
        **common_fields(raw, amount_of(raw), dates_of(raw)[0]),
        offers=raw.get("offresRecues") if isinstance(raw.get("offresRecues"), int) else None,
        framework_id=raw.get("idAccordCadre"),
        suppliers=parties(raw.get(party_key + "s"), party_key),
        modifications=mods,
        buyer_field=f"{buyer_field}.id",
        labels=code_lists(raw),
    )


def code_lists(raw: dict) -> list[tuple[str, str]]:
    """(property, value) pairs of the record's code lists (`{"techniques": {"technique": [...]}}`)."""
    out = [("ccag", str(raw["ccag"]))] if raw.get("ccag") else []
    for name, (item, prop) in CODE_LISTS.items():
        wrapper = raw.get(name)
        items = wrapper.get(item) if isinstance(wrapper, dict) else None
        out += [(prop, str(v)) for v in (items if isinstance(items, list) else [])]
    return out


#: source(name, title, path): a 2024+ DECP file as a source
source = partial(feed_source, read=read, normalise=normalise, identity=identity, analyse=analyse, mapping=__name__)


SOURCES = [
    source("decp-2024-paris", "DECP 2024 — Ville de Paris (format 2024, schéma 2.0.3)",
           "decp/decp_v2_2024_ville_de_paris_21750001600019.json"),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(SOURCES[0], "decp-2024-json", format="json", array=True, schema=SCHEMA, make=source,
              keys=("acheteur", "titulaires", "considerationsSociales", "typesPrix"),
              datasets=("5cd57bf68b4c4179299eb0e9",))]  # data.gouv.fr, DECP "fichiers consolidés" (data/SOURCES.md)
