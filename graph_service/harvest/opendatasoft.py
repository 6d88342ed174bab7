"""Opendatasoft Explore API v2.1: the catalog, paged within the API's bounds, and export URLs.

Datasets are keyed on `dataset_uid`: the `dataset_id` is a slug the publisher can rename. Data comes
through `/exports/{format}` only, never `/records` (paged, capped at 10,000 rows and quota-hungry).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from graph_service.harvest.http import Client, HarvestHTTPError

API = "/api/explore/v2.1"
PAGE_LIMIT = 100         # the largest `limit` the catalog endpoint accepts
OFFSET_CEILING = 10_000  # offset + limit may not exceed this: the listing stops there, flagged incomplete
EXPORT_FORMATS = ("csv", "json", "parquet")


@dataclass
class Listing:
    """The catalog as listed, and whether the listing can be trusted to say what was deleted."""

    datasets: dict[str, dict] = field(default_factory=dict)   # uid -> normalised entry, in listing order
    complete: bool = True
    problems: list[str] = field(default_factory=list)


def catalog_url(base: str, limit: int, offset: int) -> str:
    return f"{base}{API}/catalog/datasets?{urlencode({'limit': limit, 'offset': offset})}"


def export_url(base: str, dataset_id: str, fmt: str) -> str:
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"Opendatasoft export format {fmt!r} is not one of {', '.join(EXPORT_FORMATS)}")
    return f"{base}{API}/catalog/datasets/{quote(dataset_id, safe='')}/exports/{fmt}"


def page_url(base: str, dataset_id: str) -> str:
    return f"{base}/explore/dataset/{quote(dataset_id, safe='')}/"


def list_catalog(client: Client, base: str, log: Callable[[str], None] = lambda s: None,
                 page_limit: int = PAGE_LIMIT) -> Listing:
    """Page through `/catalog/datasets`, never past offset+limit = 10,000.

    A page already seen (same content hash: a server that ignores `offset`) aborts the listing; a
    `total_count` that changes while paging restarts it once (records shift between pages), then
    marks it incomplete. An incomplete listing never lets a dataset be declared deleted.
    """
    listing = Listing()
    seen: set[str] = set()
    offset, total, restarted = 0, None, False
    while True:
        limit = min(page_limit, PAGE_LIMIT, OFFSET_CEILING - offset)
        if limit <= 0:
            listing.complete = False
            listing.problems.append(f"the catalog holds {total} datasets; the API pages only the first "
                                    f"{OFFSET_CEILING} (offset + limit <= {OFFSET_CEILING}): listing truncated")
            break
        page = client.get_json(catalog_url(base, limit, offset))
        if not (isinstance(page, dict) and isinstance(page.get("results"), list)
                and isinstance(page.get("total_count"), int)):
            raise HarvestHTTPError(f"{catalog_url(base, limit, offset)}: not an Explore v2.1 catalog page "
                                   "(no total_count / results)")
        if total is not None and page["total_count"] != total:
            message = f"total_count changed during paging ({total} -> {page['total_count']})"
            if not restarted:
                listing.problems.append(f"{message}: listing restarted")
                listing.datasets.clear()
                seen.clear()
                offset, total, restarted = 0, None, True
                continue
            listing.complete = False
            listing.problems.append(f"{message} again: listing incomplete")
            break
        digest = hashlib.sha256(json.dumps(page["results"], sort_keys=True).encode()).hexdigest()
        if page["results"] and digest in seen:
            listing.complete = False
            listing.problems.append(f"paging loop: the page at offset {offset} repeats an earlier page; "
                                    "listing aborted")
            break
        seen.add(digest)
        total = page["total_count"]
        for raw in page["results"]:
            entry = normalise(raw, base)
            if entry["uid"]:
                listing.datasets[entry["uid"]] = entry
        offset += len(page["results"])
        if not page["results"] or offset >= total:
            break
    if listing.complete and total is not None and len(listing.datasets) < min(total, OFFSET_CEILING):
        listing.complete = False
        listing.problems.append(f"listed {len(listing.datasets)} of {total} datasets")
    return listing


def normalise(raw: dict[str, Any], base: str) -> dict[str, Any]:
    """The catalog entry we keep: identity, the portal's own dates and counts, and the field labels."""
    metas = raw.get("metas") or {}
    default = metas.get("default") or {}
    dcat = metas.get("dcat") or {}
    return {
        "uid": raw.get("dataset_uid"),
        "dataset_id": raw.get("dataset_id"),
        "title": default.get("title"),
        "page": page_url(base, raw.get("dataset_id") or ""),
        "modified": default.get("modified"),
        "data_processed": default.get("data_processed"),
        "metadata_processed": default.get("metadata_processed"),
        "records_count": default.get("records_count"),
        "license": default.get("license"),
        "frequency": dcat.get("accrualperiodicity"),
        "publisher": default.get("publisher"),
        "fields": [{k: f.get(k) for k in ("name", "label", "type", "description")} for f in raw.get("fields") or []],
    }
