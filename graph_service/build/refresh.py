"""`bercy-graph refresh`: rebuild re-lifting only the graphs whose inputs changed, load a new store and
swap it in, while the service keeps answering from the old one.

One refresh at a time: a lock file under the home directory (`flock`, released by the system if the
process dies). Exit codes, for cron: 0 done (the report says what changed), 1 the refresh failed and
the served graph is as it was (the message says why), 75 another refresh holds the lock (EX_TEMPFAIL:
try later).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from mappings.source import Source

from graph_service.build.pipeline import BuildReport, build
from graph_service.config import Settings

LOCK = "refresh.lock"
DONE, FAILED, LOCKED = 0, 1, 75


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


def refresh(settings: Settings, sources: Sequence[Source] | None = None, *, progress: bool = True,
            validate: bool = True) -> BuildReport:
    """A build that reuses the unchanged graphs, under the lock (Locked, or BuildError on failure)."""
    with exclusive(settings.home):
        return build(settings, sources, progress=progress, validate=validate, reuse=True)
