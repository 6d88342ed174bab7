"""Benchmarks: each bench_* module reports ratios against a named baseline in the same run."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """(value, wall seconds) of one call."""
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def current_store(settings, what: str = "skipped"):
    """The store of the last build, or None after saying why the benchmark skips it."""
    from graph_service.store import GraphStore, StoreMissing

    try:
        return GraphStore.current(settings)
    except StoreMissing as exc:
        print(f"{what}: {exc}")
        return None
