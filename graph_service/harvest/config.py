"""What to harvest: portals, the datasets whose data we download, plain resources, and the policies.

Read from a TOML file (`harvest.toml` at the project root by default; see docs/HARVEST.md). The catalog
metadata of a portal is harvested whole; data only for the datasets listed here.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph_service.harvest.http import HttpPolicy


class ConfigError(Exception):
    """A harvest configuration that cannot be used; the message says which entry and why."""


@dataclass(frozen=True)
class OdsDataset:
    """An Opendatasoft dataset: by `uid` (stable) or by `slug` (resolved to its uid, then followed by uid)."""

    uid: str | None = None
    slug: str | None = None
    format: str = "csv"
    key: str | None = None        # the field that identifies a record (for "modified" counts)
    kind: str | None = None       # the mapping kind, copied to the manifest entry


@dataclass(frozen=True)
class UdataDataset:
    id: str
    resources: tuple[str, ...] = ()   # resource ids to download; empty = every resource
    key: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class PlainResource:
    """A file at a fixed URL (INSEE's "mouvements des communes"): downloaded like a resource, not parsed."""

    id: str
    url: str
    title: str
    format: str = "csv"
    page: str | None = None
    licence: str | None = None
    frequency: str | None = None
    key: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class HarvestConfig:
    ods_url: str | None = None
    ods_datasets: tuple[OdsDataset, ...] = ()
    ods_key_env: str = "BERCY_GRAPH_ODS_APIKEY"
    udata_url: str | None = None
    udata_datasets: tuple[UdataDataset, ...] = ()
    udata_organizations: tuple[str, ...] = ()
    udata_key_env: str = "BERCY_GRAPH_UDATA_APIKEY"
    resources: tuple[PlainResource, ...] = ()
    http: HttpPolicy = field(default_factory=HttpPolicy)
    grace_days: float = 7.0     # a dataset gone from its portal is kept (flagged) this long before removal
    keep: int = 5               # complete snapshots kept by pruning

    def api_key(self, portal: str) -> str | None:
        """The key from its environment variable (never from the file: files get committed and copied)."""
        return os.environ.get(self.ods_key_env if portal == "ods" else self.udata_key_env) or None


def load(path: Path) -> HarvestConfig:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no harvest configuration at {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return parse(raw, str(path))


def parse(raw: dict[str, Any], where: str = "configuration") -> HarvestConfig:
    try:
        ods = raw.get("opendatasoft") or {}
        udata = raw.get("udata") or {}
        policy = raw.get("policy") or {}
        ods_datasets = tuple(_ods(d) for d in ods.get("datasets", []))
        udata_datasets = tuple(UdataDataset(id=d, ) if isinstance(d, str) else UdataDataset(
            id=d["id"], resources=tuple(d.get("resources", ())), key=d.get("key"), kind=d.get("kind"))
            for d in udata.get("datasets", []))
        resources = tuple(PlainResource(**r) for r in raw.get("resources", []))
        http = HttpPolicy(**{k: policy[k] for k in HttpPolicy.__dataclass_fields__ if k in policy})
        config = HarvestConfig(
            ods_url=_base(ods.get("url")), ods_datasets=ods_datasets,
            ods_key_env=ods.get("api_key_env", HarvestConfig.ods_key_env),
            udata_url=_base(udata.get("url")), udata_datasets=udata_datasets,
            udata_organizations=tuple(udata.get("organizations", ())),
            udata_key_env=udata.get("api_key_env", HarvestConfig.udata_key_env),
            resources=resources, http=http,
            grace_days=float(policy.get("grace_days", HarvestConfig.grace_days)),
            keep=int(policy.get("keep", HarvestConfig.keep)))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {type(exc).__name__}: {exc}") from None
    if ods_datasets and not config.ods_url:
        raise ConfigError(f"{where}: [opendatasoft] datasets are listed but no url")
    if (udata_datasets or config.udata_organizations) and not config.udata_url:
        raise ConfigError(f"{where}: [udata] datasets are listed but no url")
    return config


def _ods(entry: str | dict) -> OdsDataset:
    if isinstance(entry, str):
        return OdsDataset(uid=entry)
    if not (entry.get("uid") or entry.get("slug")):
        raise ValueError(f"an [opendatasoft] dataset needs a uid or a slug: {entry}")
    return OdsDataset(**entry)


def _base(url: str | None) -> str | None:
    return url.rstrip("/") if url else None
