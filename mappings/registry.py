"""The sources of a build, in build order: referentials first, so that datasets can link to them.

A dataset module never imports another one (only shared modules such as `budget`, `decp`,
`dvf` or `catalog_entry`); this registry is the one place that knows them all.
"""

from __future__ import annotations

from . import budget_nomenclature, collectivites, cog, cpv, legal_categories, naf, postal
from . import dvf_geo, dvf_raw, local_accounts, nature_culture, sirene
from . import catalog, catalog_quality
from . import budget_lfi, budget_nature, budget_plf
from . import decp_tabular, decp_v1, decp_v2
from .source import Source

SOURCES: list[Source] = [
    *cog.SOURCES,
    *postal.SOURCES,
    *cpv.SOURCES,
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
]
