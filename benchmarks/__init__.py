"""Benchmarks: each bench_* module reports ratios against a named baseline in the same run."""
