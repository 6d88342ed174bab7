"""`bercy-graph refresh`: harvest (when asked), then rebuild re-lifting only the graphs whose inputs
changed, load a new store and swap it in, while the service keeps answering from the old one.

With a harvest, the build reads the embedded snapshot overlaid with the newest complete harvested one
(`snapshot.overlay`: a harvested file takes the place of the file it is a newer copy of). One refresh at
a time: a lock file under the home directory (`flock`, released by the system if the process dies).
Exit codes, for cron: 0 done (the report says what changed), 3 done but the harvest was partial (the
build read the last complete snapshot), 1 the refresh failed and the served graph is as it was (the
message says why), 75 another refresh holds the lock (EX_TEMPFAIL: try later).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from graph_service.build.pipeline import BuildError, BuildReport, build
from graph_service.config import Settings
from graph_service.harvest.config import HarvestConfig
from graph_service.harvest.run import HarvestResult, harvest
from graph_service.harvest.snapshot_writer import latest
from graph_service.snapshot import SnapshotError, overlay
from mappings.source import Source

LOCK = "refresh.lock"
DONE, FAILED, PARTIAL, LOCKED = 0, 1, 3, 75
#: Where a harvest's snapshots go, and the snapshot a harvested refresh builds from.
SNAPSHOTS, OVERLAY = "snapshots", "snapshot-overlay"


class Locked(Exception):
    """Another refresh is running."""


@contextmanager
def exclusive(home: Path) -> Iterator[None]:
    """Hold the refresh lock of `home`, or raise Locked at once."""
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Locked(f"another refresh is running (lock {home / LOCK})") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)


@dataclass
class Refreshed:
    report: BuildReport
    harvest: HarvestResult | None = None


def refresh(settings: Settings, sources: Sequence[Source] | None = None, *, progress: bool = True,
            validate: bool = True, harvest_config: HarvestConfig | None = None) -> Refreshed:
    """A build that reuses the unchanged graphs, after a harvest when `harvest_config` is given; under the
    lock (Locked, or BuildError on failure: the served graph is then untouched)."""
    with exclusive(settings.home):
        harvested = None
        if harvest_config is not None:
            harvested = harvest(harvest_config, settings.home / SNAPSHOTS, progress=progress)
            newest = latest(settings.home / SNAPSHOTS)
            if newest is None:
                raise BuildError("no complete harvested snapshot yet: " + "; ".join(harvested.problems[:3]))
            try:
                overlay(settings.data_dir, newest, settings.home / OVERLAY)
            except SnapshotError as exc:
                raise BuildError(str(exc)) from None
            settings = replace(settings, data_dir=settings.home / OVERLAY)
        report = build(settings, sources, progress=progress, validate=validate, reuse=True)
        return Refreshed(report, harvested)
