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
