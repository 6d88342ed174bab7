"""The sources of a build, in build order: referentials first, so that datasets can link to them.

`KINDS` are the kinds of file the mappings lift, in the same order: a snapshot's files are bound to them
(`graph_service/build/binding.py`) and a file no kind takes is lifted generically, last. `SOURCES` are the
embedded snapshot's files as wired before manifests: they keep their graph names (`graph_name`).

A dataset module never imports another one (only shared modules such as `budget`, `decp`,
`dvf` or `catalog_entry`); this registry is the one place that knows them all.
"""

from __future__ import annotations

from . import budget_nomenclature, collectivites, cog, cog_history, cpv, legal_categories, naf, postal
from . import procurement_codes
from . import dvf_geo, dvf_raw, local_accounts, nature_culture, sirene
from . import catalog, catalog_quality
from . import budget_lfi, budget_nature, budget_plf
from . import decp_tabular, decp_v1, decp_v2
from . import carburants
from .generic import generic_source
from .kinds import Kind
from .source import Source

SOURCES: list[Source] = [
    *cog.SOURCES,
    *cog_history.SOURCES,  # former commune codes: after the COG, before every source that links communes
    *postal.SOURCES,
    *cpv.SOURCES,
    *procurement_codes.SOURCES,  # procedures, contract natures, NUTS 3: support sources of the CPV kind
    *naf.SOURCES,
    *legal_categories.SOURCES,
    *collectivites.SOURCES,
    *budget_nomenclature.SOURCES,
    *budget_nature.SOURCES,
    *sirene.SOURCES,
    *nature_culture.SOURCES,
    *dvf_geo.SOURCES,
    *dvf_raw.SOURCES,
    *local_accounts.SOURCES,
    *budget_plf.SOURCES,
    *budget_lfi.SOURCES,
    *catalog.SOURCES,
    *catalog_quality.SOURCES,
    *decp_v1.SOURCES,
    *decp_v2.SOURCES,
    *decp_tabular.SOURCES,
    *carburants.SOURCES,  # links postal codes: after postal
]

#: Tables without a hand mapping, lifted by `mappings/generic.py` (columns recognised from their values),
#: last: every referential is loaded by then. Files and provenance: data/tabular/README.md.
GENERIC_SOURCES: list[Source] = [
    generic_source("tab-signalconso", "SignalConso — signalements (extrait de 1 245)",
                   "tabular/signalconso_subset.csv", delimiter=";", dataset="signalconso"),
    generic_source("tab-georef-communes", "Opendatasoft georef-france-commune — codes et noms (35 281 communes)",
                   "tabular/georef-france-commune_public-opendatasoft_export_2cols.csv", delimiter=";"),
    generic_source("tab-georef-communes-bordeaux-metropole",
                   "Opendatasoft georef-france-commune — les 28 communes de Bordeaux Métropole",
                   "tabular/georef-france-commune_public-opendatasoft_export_bordeaux-metropole.csv", delimiter=";"),
    generic_source("tab-georef-departements-csv", "Opendatasoft georef-france-departement (export CSV)",
                   "tabular/georef-france-departement_public-opendatasoft_export.csv", delimiter=";"),
    generic_source("tab-georef-departements-json", "Opendatasoft georef-france-departement (export JSON)",
                   "tabular/georef-france-departement_public-opendatasoft_export.json", json_array=True),
    generic_source("tab-sirene-etablissements-marseille-5630z",
                   "SIRENE (Opendatasoft, 2017) — débits de boissons (5630Z) de Marseille et alentours",
                   "tabular/sirene-etablissements_marseille-5630Z_public-opendatasoft_export_2017.csv", delimiter=";"),
    generic_source("tab-sirene-v3-etablissements", "SIRENE v3 StockEtablissement (3 premières lignes)",
                   "tabular/sirene-v3_StockEtablissement_head3_sirene_as_api-fixture.csv"),
    generic_source("tab-sirene-v3-unites-legales", "SIRENE v3 StockUniteLegale (3 premières lignes)",
                   "tabular/sirene-v3_StockUniteLegale_head3_sirene_as_api-fixture.csv"),
]
SOURCES += GENERIC_SOURCES

#: every kind a mapping lifts, in build order (a kind lifted by several mappings is listed once per mapping)
KINDS: list[Kind] = [
    *cog.KINDS, *cog_history.KINDS, *postal.KINDS, *cpv.KINDS, *naf.KINDS, *legal_categories.KINDS, *collectivites.KINDS,
    *budget_nomenclature.KINDS, *budget_nature.KINDS, *sirene.KINDS, *nature_culture.KINDS, *dvf_geo.KINDS,
    *dvf_raw.KINDS, *local_accounts.KINDS, *budget_plf.KINDS, *budget_lfi.KINDS, *catalog.KINDS,
    *catalog_quality.KINDS, *decp_v1.KINDS, *decp_v2.KINDS, *decp_tabular.KINDS,
    *carburants.KINDS,
]

#: (file, mapping module) -> the source of an embedded file: its graph keeps the name queries use
_EMBEDDED = {(s.path, s.mapping): s for s in SOURCES}


def embedded(path: str, mapping: str) -> Source | None:
    """The source an embedded file had when lifted by a mapping (None for any other file)."""
    return _EMBEDDED.get((path, mapping))
