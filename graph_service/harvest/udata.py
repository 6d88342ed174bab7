"""udata API v1 (data.gouv.fr): datasets, an organisation's datasets, and "has this resource changed?".

The change test follows data.gouv.fr's own checker (udata-hydra, `analysis/resource.py`): the
resource's `harvest.modified_at` first, then the `Last-Modified` header, then `Content-Length`, and
only when none of them can tell, the content checksum.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin

from graph_service.harvest.http import Client, HarvestHTTPError

API = "/api/1"
CHANGED, UNCHANGED, UNKNOWN = "changed", "unchanged", "unknown"


@dataclass
class OrgListing:
    datasets: list[dict] = field(default_factory=list)
    complete: bool = True
    problems: list[str] = field(default_factory=list)


def dataset_url(base: str, dataset_id: str) -> str:
    return f"{base}{API}/datasets/{quote(dataset_id, safe='')}/"


def get_dataset(client: Client, base: str, dataset_id: str) -> dict:
    """One dataset document; raises NotFound when the portal says it is gone."""
    document = client.get_json(dataset_url(base, dataset_id))
    if not isinstance(document, dict) or not isinstance(document.get("resources"), list):
        raise HarvestHTTPError(f"{dataset_url(base, dataset_id)}: not a udata dataset (no resources)")
    return document


def list_organization(client: Client, base: str, org: str, log: Callable[[str], None] = lambda s: None,
                      page_size: int = 100) -> OrgListing:
    """Follow `next_page` through an organisation's datasets; a next URL or a page seen before aborts."""
    listing = OrgListing()
    url: str | None = f"{base}{API}/organizations/{quote(org, safe='')}/datasets/?page_size={page_size}"
    seen_urls: set[str] = set()
    seen_pages: set[str] = set()
    while url:
        if url in seen_urls:
            listing.complete = False
            listing.problems.append(f"paging loop: next_page {url} was already fetched; listing aborted")
            break
        seen_urls.add(url)
        page = client.get_json(url)
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise HarvestHTTPError(f"{url}: not a udata page (no data)")
        digest = hashlib.sha256(json.dumps(page["data"], sort_keys=True).encode()).hexdigest()
        if page["data"] and digest in seen_pages:
            listing.complete = False
            listing.problems.append(f"paging loop: {url} repeats an earlier page; listing aborted")
            break
        seen_pages.add(digest)
        listing.datasets.extend(summary(d) for d in page["data"] if isinstance(d, dict))
        nxt = page.get("next_page")
        url = urljoin(url, nxt) if nxt else None
    total = None
    if listing.complete and isinstance(page.get("total"), int):
        total = page["total"]
        if len(listing.datasets) < total:
            listing.complete = False
            listing.problems.append(f"listed {len(listing.datasets)} of {total} datasets")
    return listing


def summary(d: dict[str, Any]) -> dict[str, Any]:
    """The catalog entry we keep for a udata dataset."""
    harvest = d.get("harvest") or {}
    return {
        "id": d.get("id"), "slug": d.get("slug"), "title": d.get("title"), "page": d.get("page"),
        "last_modified": d.get("last_modified"), "frequency": d.get("frequency"), "license": d.get("license"),
        "harvest": {k: harvest.get(k) for k in ("backend", "domain", "remote_url", "modified_at") if k in harvest},
        "resources": [{k: r.get(k) for k in ("id", "title", "format", "filesize", "last_modified", "url")}
                      for r in d.get("resources") or []],
    }


def state_of(resource: dict[str, Any], headers: Any) -> dict[str, Any]:
    """The signals the change test compares, as recorded from one harvest to the next."""
    harvest = resource.get("harvest") or {}
    length = headers.get("Content-Length") if headers is not None else None
    return {
        "harvest_modified_at": harvest.get("modified_at"),
        "last_modified": headers.get("Last-Modified") if headers is not None else None,
        "content_length": int(length) if length and str(length).isdigit() else None,
        "checksum": (resource.get("checksum") or {}).get("value"),
    }


def decide(previous: dict[str, Any] | None, current: dict[str, Any]) -> tuple[str, str]:
    """(changed | unchanged | unknown, which signal said so), in udata-hydra's order.

    A same Content-Length counts as unchanged, as hydra does ("not 100% certainly no change, but a good
    tradeoff to prevent many downloads"); "unknown" means: download and compare the content's hash.
    """
    if not previous:
        return CHANGED, "new"
    if current.get("harvest_modified_at"):
        same = current["harvest_modified_at"] == previous.get("harvest_modified_at")
        return (UNCHANGED if same else CHANGED), "harvest.modified_at"
    if current.get("last_modified") and previous.get("last_modified"):
        same = current["last_modified"] == previous["last_modified"]
        return (UNCHANGED if same else CHANGED), "Last-Modified"
    if current.get("content_length") and previous.get("content_length"):
        same = current["content_length"] == previous["content_length"]
        return (UNCHANGED if same else CHANGED), "Content-Length"
    if current.get("checksum") and previous.get("checksum"):
        same = current["checksum"] == previous["checksum"]
        return (UNCHANGED if same else CHANGED), "checksum"
    return UNKNOWN, "no hint: content hash"
