"""One row of the catalog export, checked and normalised: the `Entry` both catalog graphs describe.

`catalog` states each entry in DCAT-AP 3, `catalog_quality` measures it against the ministry's
charter: both parse the rows here, so they hold the same datasets and reject the same rows for
the same reasons (every rejection names its field). Decisions (also in ontology/README.md):
- the dataset's key and `dct:identifier` are the portal's dataset id, read from `harvest.remote_url`
  (`https://data.economie.gouv.fr/explore/dataset/<id>/`); the 41 rows without one (copies and
  tests made on data.gouv.fr, datasets not harvested from the portal) keep their data.gouv.fr id,
  with their data.gouv.fr page as landing page;
- a row without a description is kept (every dataset of the portal is in the catalog): DCAT-AP 3
  requires `dct:description`, so it gets `NO_DESCRIPTION`, a French sentence saying plainly that the
  publisher gave none, marked as generated (`bg:generatedDescription true`); the charter's
  description rule judges the publisher's text (none), so it fails;
- the licences data.gouv.fr names are identified by `LICENCES`; the others name no licence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import values
from .read import Record, Reject

PATH = "catalog/datagouv_export_harvested_from_data-economie-gouv-fr.csv"
PORTAL = "https://data.economie.gouv.fr"
COLUMNS = ("id", "title", "slug", "url", "organization", "organization_id", "description", "frequency",
           "license", "temporal_coverage.start", "temporal_coverage.end", "spatial.granularity",
           "spatial.zones", "created_at", "last_modified", "tags", "resources_formats",
           "harvest.remote_url")
_REMOTE = re.compile(r"^https://data\.economie\.gouv\.fr/explore/dataset/([^/?#]+)/?$")


@dataclass(frozen=True)
class Licence:
    """A licence as data.gouv.fr names it, and the IRIs that identify it."""

    iri: str
    title: str
    eu: str | None = None  # code in the EU licence table
    spdx: str | None = None


ETALAB_2 = Licence("https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
                   "Licence Ouverte / Open Licence version 2.0", "ETALAB_2_0", "etalab-2.0")
#: data.gouv.fr's `license` label -> the licence; "License Not Specified" and "Other (Open)"
#: name no licence, so the dataset gets none (the quality check reports it).
LICENCES = {
    "Licence Ouverte / Open Licence version 2.0": ETALAB_2,
    "Licence Ouverte / Open Licence": Licence(
        "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf",
        "Licence Ouverte / Open Licence"),
}
NO_LICENCE = {"License Not Specified", "Other (Open)"}
#: The description of a dataset whose publisher gave none (DCAT-AP 3 requires one), marked as generated.
NO_DESCRIPTION = ("Le producteur n'a fourni aucune description pour ce jeu de données ; ce texte, "
                  "généré par bercy-graph, le signale.")


@dataclass(frozen=True)
class Entry:
    """One row of the export, checked and normalised (stated by `catalog`, measured by `catalog_quality`)."""

    key: str  # our IRI key: the portal's dataset id, else the data.gouv.fr id
    portal_id: str | None
    datagouv_id: str
    datagouv_url: str
    name: str  # what the identifier rules check: the portal's dataset id, else the data.gouv.fr slug
    title: str
    description: str  # the publisher's, "" when none
    keywords: tuple[str, ...]
    frequency: str
    licence: str
    start: str | None
    end: str | None
    zones: tuple[str, ...]
    granularity: str
    issued: str | None
    modified: str | None
    formats: tuple[str, ...]
    org_id: str
    org_name: str

    @property
    def description_generated(self) -> bool:
        """Whether the publisher gave no description (the catalog states `NO_DESCRIPTION`)."""
        return not self.description

    @property
    def stated_description(self) -> str:
        """The description the catalog states: the publisher's, else `NO_DESCRIPTION`."""
        return self.description or NO_DESCRIPTION

    @property
    def landing_page(self) -> str:
        if self.portal_id:
            return f"{PORTAL}/explore/dataset/{self.portal_id}/"
        return self.datagouv_url


def split(text: str) -> tuple[str, ...]:
    """The non-empty items of a comma-separated field, in order, without repeats."""
    return tuple(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))


def parse(row: Record) -> Entry:
    """Check one row; every rejection names its field."""
    datagouv_id = row.require("id")
    portal_id = None
    if remote := row.get("harvest.remote_url", None):
        m = _REMOTE.match(remote)
        if not m:
            raise Reject("harvest.remote_url", "not a data.economie.gouv.fr dataset URL", remote)
        portal_id = m.group(1)
    start = row.parse("temporal_coverage.start", values.date_)
    end = row.parse("temporal_coverage.end", values.date_)
    if start and end and end < start:
        raise Reject("temporal_coverage.end", "ends before temporal_coverage.start", end)
    return Entry(
        key=portal_id or datagouv_id, portal_id=portal_id, datagouv_id=datagouv_id,
        datagouv_url=row.require("url"), name=portal_id or row.require("slug"),
        title=row.require("title"),
        description=row.get("description"), keywords=split(row.get("tags")),
        frequency=row.get("frequency"), licence=row.get("license"), start=start, end=end,
        zones=split(row.get("spatial.zones")), granularity=row.get("spatial.granularity"),
        issued=row.parse("created_at", values.datetime_),
        modified=row.parse("last_modified", values.datetime_),
        formats=split(row.get("resources_formats")),
        org_id=row.require("organization_id"), org_name=row.require("organization"),
    )
