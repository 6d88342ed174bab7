"""Describe a folder of files as a snapshot: write (or refresh) its `manifest.json`.

`python -m graph_service.snapshot_describe describe data/` lists every data file with its size and SHA-256, keeps
what an existing manifest already says about it, and for the embedded files adds what `data/SOURCES.md`
and `data/tabular/README.md` state (portal, dataset, resource) and what the catalog export says of those
datasets (`data/catalog/...csv`: title, slug, page, dates, frequency, licence). Anything not stated there
stays null. The kind of an embedded file is the one of the mapping that lifted it before manifests
("generic" for the tables of the generic lift; null for a file nothing lifted).
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import datetime, timezone
from pathlib import Path

from mappings.registry import KINDS, SOURCES

from graph_service.snapshot import (Dataset, FileEntry, Manifest, Resource, SnapshotError, load, save, sha256)

#: files that are not data of the snapshot: documentation, and the support files mappings read beside the
#: data (the official DECP schemas and examples, read by the DECP audit; the EU vocabularies, read by the
#: catalog mapping for the codes it uses and by the DCAT-AP validation; the outlines the pages draw maps
#: from, read by the web layer; their provenance is in their README or data/SOURCES.md)
SUPPORT = ("decp/schema/", "vocabularies/", "geo/")
DOCUMENTATION = (".md", ".LICENSE")
MEDIA_TYPES = {".csv": "text/csv", ".json": "application/json", ".txt": "text/plain", ".xml": "application/xml",
               ".rdf": "application/rdf+xml", ".ttl": "text/turtle", ".zip": "application/zip"}

DATAGOUV, DATAECO = "https://www.data.gouv.fr", "https://data.economie.gouv.fr"
ODS_PUBLIC = "https://public.opendatasoft.com"
CATALOG = "catalog/datagouv_export_harvested_from_data-economie-gouv-fr.csv"

#: what data/SOURCES.md and data/tabular/README.md state of each embedded file's upstream (nothing more)
EMBEDDED: dict[str, dict] = {
    "decp/decp_v2_2024_ville_de_paris_21750001600019.json": {
        "portal": DATAGOUV, "dataset": {"id": "5cd57bf68b4c4179299eb0e9"}, "resource": {"format": "json"}},
    "decp/decp_consolide_tabulaire_2024S2_travaux_cpv4521_subset.csv": {
        "portal": DATAGOUV, "resource": {"id": "22847056-61df-452d-837d-8b8ceadbfc52", "format": "csv",
                                         "url": f"{DATAGOUV}/fr/datasets/r/22847056-61df-452d-837d-8b8ceadbfc52"}},
    "decp/decp_v1_e-marchespublics_2019-04-03.json": {"portal": DATAGOUV, "resource": {"format": "json"}},
    "decp/decp_v1_data.gouv.fr_pes_2019-04-05.json": {"portal": DATAGOUV, "resource": {"format": "json"}},
    "decp/decp_v1_data.gouv.fr_aife_2019-04-04_subset1000.json": {"portal": DATAGOUV, "resource": {"format": "json"}},
    "budget/plf2025_depenses_selon_destination_ods_export.csv": {
        "portal": DATAECO, "catalog": "6709bd95daeddce062e00b23",
        "dataset": {"slug": "plf25-depenses-2025-selon-destination",
                    "page": f"{DATAECO}/explore/dataset/plf25-depenses-2025-selon-destination/"},
        "resource": {"format": "csv"}},
    "budget/plf2025_budget_general_missions_programmes.csv": {
        "resource": {"title": "PLF 2025 — missions et programmes du budget général (table de citizen-budget-lab)",
                     "format": "csv"}},
    "catalog/datagouv_export_harvested_from_data-economie-gouv-fr.csv": {
        "portal": DATAGOUV, "resource": {"format": "csv"}},
    "tabular/signalconso_subset.csv": {
        "portal": DATAGOUV, "catalog": "61c0aa40f71e0c08fefa5a47",
        "resource": {"id": "106add51-e925-4121-b0e4-81489c26a43f", "format": "csv",
                     "url": f"{DATAGOUV}/fr/datasets/r/106add51-e925-4121-b0e4-81489c26a43f"}},
    "tabular/sirene-etablissements_marseille-5630Z_public-opendatasoft_export_2017.csv": {
        "portal": ODS_PUBLIC, "dataset": {"slug": "sirene", "page": f"{ODS_PUBLIC}/explore/dataset/sirene/"},
        "resource": {"format": "csv"}},
    "tabular/georef-france-departement_public-opendatasoft_export.json": {
        "portal": ODS_PUBLIC, "dataset": {"slug": "georef-france-departement"}, "resource": {"format": "json"}},
    "tabular/georef-france-departement_public-opendatasoft_export.csv": {
        "portal": ODS_PUBLIC, "dataset": {"slug": "georef-france-departement"}, "resource": {"format": "csv"}},
    "tabular/georef-france-commune_public-opendatasoft_export_2cols.csv": {
        "portal": ODS_PUBLIC, "dataset": {"slug": "georef-france-commune"}, "resource": {"format": "csv"}},
    "tabular/georef-france-commune_public-opendatasoft_export_bordeaux-metropole.csv": {
        "portal": ODS_PUBLIC, "dataset": {"slug": "georef-france-commune"}, "resource": {"format": "csv"}},
    "local_accounts/ofgl_base_communes_2024_dept971_guadeloupe.csv": {
        "portal": "https://data.ofgl.fr", "dataset": {"slug": "ofgl-base-communes"}, "resource": {"format": "csv"}},
    "referentials/postal/laposte_hexasmal_datanova-ods-export_2023-06.csv": {
        "portal": "https://datanova.laposte.fr", "dataset": {"slug": "laposte_hexasmal"},
        "resource": {"format": "csv"}},
}


def data_files(folder: Path) -> list[str]:
    """The data files of a snapshot folder (paths relative to it, sorted), support files and docs left out."""
    out = []
    for file in sorted(folder.rglob("*")):
        rel = file.relative_to(folder).as_posix()
        if (file.is_file() and not any(part.startswith(".") for part in Path(rel).parts)
                and rel != "manifest.json" and not rel.startswith(SUPPORT) and not rel.endswith(DOCUMENTATION)):
            out.append(rel)
    return out


def catalog_datasets(folder: Path) -> dict[str, dict[str, str]]:
    """The data.gouv.fr catalog export's rows by dataset id (empty when the export is not in the folder)."""
    path = folder / CATALOG
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle, delimiter=";")}


def kind_of(path: str) -> str | None:
    """The kind of the mapping that lifted an embedded file (None for a file no mapping took)."""
    for source in (s for s in SOURCES if s.path == path):
        own = [k for k in KINDS if k.mapping == source.mapping]
        match = own if len(own) == 1 else [k for k in own if k.template == source.name]
        if match:
            return match[0].name
        if source.mapping == "mappings.generic":
            return "generic"  # lifted generically, as before (a kind might recognise it: see binding.py)
    return None


def hand_title(path: str) -> tuple[str | None, str | None]:
    """The title and licence the mappings gave an embedded file (the one of its main mapping)."""
    parts = {k.mapping: k.part for k in KINDS}
    for source in SOURCES:
        if source.path == path and not parts.get(source.mapping):
            return source.title, source.licence
    return None, None


def embedded_entry(folder: Path, path: str, catalog: dict[str, dict[str, str]]) -> FileEntry:
    facts = EMBEDDED.get(path, {})
    dataset = Dataset(**facts.get("dataset", {}))
    row = catalog.get(facts.get("catalog", ""))
    if row:  # the data.gouv.fr record of the dataset (for data.economie datasets, the harvested copy)
        dataset.id = dataset.id or (row["id"] if facts.get("portal") == DATAGOUV else None)
        dataset.slug = dataset.slug or row["slug"]
        dataset.title, dataset.page = row["title"], dataset.page or row["url"]
        dataset.modified = row["last_modified"] or None
        dataset.frequency = row["frequency"] or None
    title, licence = hand_title(path)
    dataset.licence = dataset.licence or licence
    resource = Resource(**{"title": title, **facts.get("resource", {})})
    file = folder / path
    return FileEntry(path=path, sha256=sha256(file), size=file.stat().st_size,
                     media_type=MEDIA_TYPES.get(file.suffix.lower()), portal=facts.get("portal"),
                     dataset=dataset, resource=resource, kind=kind_of(path))


def describe(folder: Path, snapshot_id: str | None = None) -> Manifest:
    """The manifest of a folder: existing entries refreshed (size, checksum), new files described."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    try:
        old = {f.path: f for f in load(folder).files}
    except SnapshotError:
        old = {}
    catalog = catalog_datasets(folder)
    files = []
    for path in data_files(folder):
        entry = old.get(path) or embedded_entry(folder, path, catalog)
        entry.sha256, entry.size = sha256(folder / path), (folder / path).stat().st_size
        files.append(entry)
    return Manifest(id=snapshot_id or f"{folder.resolve().name}-{now:%Y%m%dT%H%M%SZ}", created=now.isoformat(),
                    complete=True, files=files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graph_service.snapshot_describe")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("describe", help="write the manifest.json of a snapshot folder")
    cmd.add_argument("folder", type=Path)
    cmd.add_argument("--id", help="the snapshot id (default: folder name and time)")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"{args.folder}: not a folder", file=sys.stderr)
        return 2
    manifest = describe(args.folder, args.id)
    path = save(args.folder, manifest)
    print(f"{path}: {len(manifest.files)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
