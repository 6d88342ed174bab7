"""`python -m benchmarks`: every benchmarks/bench_*.py module in turn;
`python -m benchmarks harness --size 10k`: the harness against named anchors (benchmarks/harness/)."""

import importlib
import pkgutil
import sys

import benchmarks

if sys.argv[1:2] == ["harness"]:
    from benchmarks.harness.cli import main

    sys.exit(main(sys.argv[2:]))
for module in sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")):
    print(f"== {module}")
    importlib.import_module(f"benchmarks.{module}").main()
