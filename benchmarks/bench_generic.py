"""Generic lift throughput vs the hand mappings, on the same files, same machine, same run.

Baseline (named): the hand mapping of each file (`decp_tabular`, `dvf_geo`, `local_accounts`), lifted with
the same referentials loaded. The generic lift's time includes its recognition pass (it reads the whole
file once more to decide the columns). Also the largest generic table of the build (35,282 communes).
Run: `python -m benchmarks.bench_generic`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks import timed
from graph_service.build.pipeline import lift_source
from graph_service.config import PROJECT_ROOT
from mappings import decp_tabular, dvf_geo, local_accounts, registry
from mappings.generic import generic_source
from mappings.iri import Minter
from mappings.source import Context, Source

#: the referential sources the generic lift checks values against (and the hand mappings link to)
REFERENTIALS = ("cog-", "codes-postaux", "cpv", "naf", "categories-juridiques", "collectivites-",
                "budget-nomenclature", "sirene-unites-legales", "dvf-nature-culture")


def referential_context(data: Path, out: Path) -> Context:
    """A build context with the referentials lifted, as a full build has it when it reaches the datasets."""
    ctx = Context(Minter("http://127.0.0.1:8000"), data)
    for source in registry.SOURCES:
        if source.name.startswith(REFERENTIALS):
            lift_source(source, ctx, out, progress=False)
    return ctx


def rate(ctx: Context, source: Source, out: Path) -> tuple[int, int, float]:
    """(rows, triples, seconds) of one lift."""
    result, seconds = timed(lambda: lift_source(source, ctx, out, progress=False))
    return result.rows, result.triples, seconds


def main() -> None:
    data = PROJECT_ROOT / "data"
    pairs = [(decp_tabular.SOURCES[0], ","), (dvf_geo.SOURCES[0], ","), (local_accounts.SOURCES[0], ";")]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        ctx = referential_context(data, out)
        for hand, delimiter in pairs:
            generic = generic_source(f"bench-generic-{hand.name}", hand.title, hand.path, delimiter=delimiter)
            rows, hand_triples, hand_s = rate(ctx, hand, out)
            _, generic_triples, generic_s = rate(ctx, generic, out)
            print(f"{hand.name}: {rows} rows; hand mapping {rows / hand_s:,.0f} rows/s ({hand_triples} triples), "
                  f"generic {rows / generic_s:,.0f} rows/s ({generic_triples} triples); "
                  f"generic/hand throughput {hand_s / generic_s:.2f}")
        big = next(s for s in registry.SOURCES if s.name == "tab-georef-communes")
        rows, triples, seconds = rate(ctx, big, out)
        print(f"{big.name}: {rows} rows, {triples} triples in {seconds:.2f} s = {rows / seconds:,.0f} rows/s")


if __name__ == "__main__":
    main()
