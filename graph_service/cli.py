"""The `bercy-graph` command: build, validate, query, serve, harvest."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from mappings.iri import Minter, split_base
from mappings.read import SourceError

from graph_service.config import Settings
from graph_service.remote_store import served
from graph_service.store import GraphStore, StoreMissing


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from graph_service.build.pipeline import BuildError, build

    if args.snapshot is not None:
        settings = replace(settings, data_dir=args.snapshot)
    try:
        report = build(settings, progress=not args.quiet)
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        print("the previous graph (if any) is unchanged", file=sys.stderr)
        return 1
    print(format_summary(report))
    return 0


def cmd_refresh(args: argparse.Namespace, settings: Settings) -> int:
    from graph_service.build.pipeline import BuildError
    from graph_service.build.refresh import DONE, FAILED, LOCKED, PARTIAL, Locked, refresh
    from graph_service.harvest import config as harvest_config

    if args.snapshot is not None:
        settings = replace(settings, data_dir=args.snapshot)
    try:
        config = harvest_config.load(Path(args.config)) if args.harvest else None
    except harvest_config.ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        done = refresh(settings, progress=not args.quiet, harvest_config=config)
    except Locked as exc:
        print(f"refresh not started: {exc}", file=sys.stderr)
        return LOCKED
    except BuildError as exc:
        print(f"refresh failed: {exc}", file=sys.stderr)
        print("the served graph is unchanged", file=sys.stderr)
        return FAILED
    report = done.report
    reused = sum(1 for s in report.sources if s["reused"])
    print(format_summary(report))
    print(f"\nre-lifted {len(report.sources) - reused} of {len(report.sources)} sources "
          f"(the others' inputs had not changed)")
    for change in report.changes:
        print(f"  {change['activity']:6} {change['graph']}: +{sum(change['added'].values())} "
              f"~{sum(change['modified'].values())} -{sum(change['removed'].values())} records")
    if done.harvest is not None and done.harvest.exit_code != 0:
        print("the harvest was partial: the build read the last complete snapshot", file=sys.stderr)
        return PARTIAL
    return DONE


def format_summary(report) -> str:
    lines = [f"build {report.build_id} done in {report.seconds} s -> {report.store}", "",
             f"{'source':40} {'rows':>8} {'lifted':>8} {'rejected':>8} {'triples':>9}"]
    for s in report.sources:
        lines.append(f"{s['source']:40} {s['rows']:>8} {s['lifted']:>8} {s['rejected']:>8} {s['triples']:>9}")
    lines += ["", f"graphs: {len(report.graphs)}, triples: {sum(report.graphs.values())}", default_graph_line(report),
              "", "entities per class:"]
    lines += [f"  {n:>8}  {cls}" for cls, n in list(report.classes.items())[:25]]
    lines += ["", "validation:"]
    for v in report.validation:
        lines.append(f"  {v['name']}: {v['violations']} violations, {v['warnings']} warnings")
        lines += [f"      {t['count']:>6} x {t['what']}" for t in v["top"][:5]]
    if report.coverage:
        from graph_service.build.coverage import table

        lines += ["", "link coverage (records linked to a referential / records with a code; "
                      "coverage.csv in the build report):"]
        lines += ["  " + line for line in table(report.coverage)]
    if report.unresolved:
        lines += ["", f"unresolved codes: {sum(u['count'] for u in report.unresolved)} "
                      f"({len(report.unresolved)} distinct), see the build report"]
    lines += snapshot_lines(report.snapshot)
    lines.append(f"\nrejected rows: {report.rejected} (see reports/{report.build_id}/rejected.csv)")
    return "\n".join(lines)


def default_graph_line(report) -> str:
    """What a query's default graph is in this build (graph_service/build/load.py)."""
    if not report.shared_quads:
        return "default graph: the union of the named graphs (checked: no triple is in two graphs)"
    return (f"default graph: their merge, stored ({report.shared_quads} quads repeat a triple another graph "
            "states: see tests/test_each_fact_once.py)")


def snapshot_lines(snapshot: dict) -> list[str]:
    """The snapshot's files no mapping took (lifted generically) and those nothing could read."""
    if not snapshot:
        return []
    lines = ["", f"snapshot {snapshot['id']}: {snapshot['files']} files"
                 + ("" if snapshot["complete"] else " (marked incomplete: its harvest did not finish)")]
    if snapshot["generic"]:
        lines.append(f"  lifted generically (no hand mapping takes them): {len(snapshot['generic'])}")
        lines += [f"    {g['file']} -> graph {g['graph']}" for g in snapshot["generic"]]
    if snapshot["unreadable"]:
        lines.append(f"  not lifted: {len(snapshot['unreadable'])}")
        lines += [f"    {u['file']}: {u['reason']}" for u in snapshot["unreadable"]]
    return lines


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    from graph_service.build.revalidate import revalidate

    store = GraphStore.current(settings)
    outcomes = revalidate(store, settings)
    bad = 0
    for outcome in outcomes:
        print(f"{outcome.name}: {outcome.violations} violations, {outcome.warnings} warnings "
              f"({', '.join(outcome.graphs)})")
        for r in outcome.results[: args.limit]:
            print(f"  {r.severity}: {r.focus} {r.path}: {r.message}")
        bad += outcome.violations if outcome.blocking else 0
    return 1 if bad else 0


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    from graph_service.terminal import write_results

    text = args.query
    if text.startswith("@"):
        text = Path(text[1:]).read_text(encoding="utf-8")
    store = served(settings, Path(args.store) if args.store else None)
    try:
        results = store.query(text)
    except SyntaxError as exc:
        print(f"query error: {exc}", file=sys.stderr)
        return 2
    write_results(results, args.format, sys.stdout)
    return 0


def warn_on_other_base(store: GraphStore, base: str) -> bool:
    """Entity IRIs dereference only when the store was built with the base being served: say so."""
    graphs = store.named_graphs()
    if not graphs or any(Minter(base).parse(g) for g in graphs):
        return False
    found = split_base(graphs[0])
    built_with = found[0] if found else graphs[0]
    print(f"warning: this graph was built with the base {built_with}, not BERCY_GRAPH_BASE={base}: "
          "its entity IRIs will not dereference here (rebuild, or serve with that base)", file=sys.stderr)
    return True


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the graph over HTTP (SPARQL endpoint and the other routers) until interrupted."""
    import dataclasses

    import uvicorn

    from graph_service.web.app import create_app
    from graph_service.web.server import server_config

    store = Path(args.store).resolve() if args.store else None
    token = None
    if args.enable_update:
        token = args.update_token or os.environ.get("BERCY_GRAPH_UPDATE_TOKEN")
        if not token or not store:
            print("error: --enable-update needs --update-token (or BERCY_GRAPH_UPDATE_TOKEN) and --store "
                  "(a scratch store: updates never touch a built graph)", file=sys.stderr)
            return 2
        if store.is_relative_to(settings.store_root.resolve()):
            print(f"error: {store} is a built store; updates need a separate scratch store", file=sys.stderr)
            return 2
    settings = dataclasses.replace(
        settings, host=args.host, port=args.port, query_workers=args.workers, query_timeout=args.timeout,
        queue_wait=args.queue_wait, max_query_length=args.max_query_length, max_nesting=args.max_nesting,
        service_allowlist=tuple(args.allow_service), store_path=store, update_token=token,
        worker_memory_limit=args.worker_memory, send_timeout=args.send_timeout,
        page_slots=args.page_slots, page_cache_mib=args.page_cache_mib, header_timeout=args.header_timeout, keep_alive=args.keep_alive,
        max_connections=args.max_connections,
        forwarded_allow_ips=tuple(ip.strip() for ip in args.forwarded_allow_ips.split(",") if ip.strip()))
    if not args.enable_update:
        warn_on_other_base(served(settings, settings.store_path), settings.base)
    uvicorn.Server(server_config(create_app(settings), settings, args.log_level)).run()
    return 0


def cmd_harvest(args: argparse.Namespace, settings: Settings) -> int:
    """Harvest the configured portals into a new snapshot; exit 0 ok, 3 partial, 1 failed, 2 bad configuration."""
    import dataclasses

    from graph_service.harvest import config as harvest_config
    from graph_service.harvest.run import EXIT_USAGE, harvest

    try:
        config = harvest_config.load(Path(args.config))
        if args.ods_url or args.udata_url:
            config = dataclasses.replace(config, ods_url=args.ods_url or config.ods_url,
                                         udata_url=args.udata_url or config.udata_url)
        if args.ods_dataset:
            config = dataclasses.replace(config, ods_datasets=tuple(
                harvest_config.OdsDataset(uid=uid) for uid in args.ods_dataset))
        if args.udata_dataset:
            config = dataclasses.replace(config, udata_datasets=tuple(
                harvest_config.UdataDataset(id=i) for i in args.udata_dataset))
    except harvest_config.ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    root = Path(args.snapshots) if args.snapshots else settings.home / "snapshots"
    try:
        result = harvest(config, root, progress=not args.quiet)
    except OSError as exc:      # the local disk, not a portal: nothing was promoted
        print(f"harvest failed: {exc}; the previous snapshots are unchanged", file=sys.stderr)
        return 1
    state = "complete" if result.complete else "INCOMPLETE (builds keep reading the last complete snapshot)"
    print(f"snapshot {result.snapshot.name}: {state} -> {result.snapshot}")
    for outcome in result.outcomes:
        print(f"  {outcome.line()}")
    for problem in result.problems:
        print(f"  problem: {problem}")
    if result.pruned:
        print(f"  pruned: {', '.join(result.pruned)}")
    return result.exit_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bercy-graph", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="build the graph from a snapshot (default: data/) into a new store")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--snapshot", type=Path, help="snapshot folder with its manifest.json (default: "
                                                    "BERCY_GRAPH_DATA or the embedded data/)")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("refresh", help="rebuild re-lifting only the sources whose inputs changed, then swap "
                                       "(exit 0 done, 3 harvest partial, 1 failed: served graph unchanged, 75 another refresh runs)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--snapshot", type=Path, default=None, help="the snapshot to build from (default: data/)")
    p.add_argument("--harvest", action="store_true", help="harvest the portals first and build from the "
                   "snapshot overlaid with the newest complete harvest (exit 3 when the harvest was partial)")
    p.add_argument("--config", default="harvest.toml", help="the harvest configuration (with --harvest)")
    p.set_defaults(func=cmd_refresh)
    p = sub.add_parser("validate", help="re-run the shapes on the current store")
    p.add_argument("--limit", type=int, default=20, help="results shown per shape set")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("query", help="run a SPARQL query (text or @file.rq) on the current store")
    p.add_argument("query")
    p.add_argument("--format", choices=["csv", "tsv", "json", "table"], default="table")
    p.add_argument("--store", help="store directory (default: the current build)")
    p.set_defaults(func=cmd_query)
    p = sub.add_parser("serve", help="serve the graph: SPARQL endpoint (and the other routers)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=2, help="query worker processes (queries at once)")
    p.add_argument("--timeout", type=float, default=30.0, help="query time limit in seconds")
    p.add_argument("--queue-wait", type=float, default=2.0,
                   help="seconds a request waits for a free worker before a 503")
    p.add_argument("--max-query-length", type=int, default=100_000,
                   help="characters (not bytes) per query/update, for GET and POST alike (413 past it)")
    p.add_argument("--max-nesting", type=int, default=Settings.max_nesting,
                   help="levels of braces, parentheses and brackets nested in a query/update, counted "
                        "together (400 past it; the store's parser crashes near 900)")
    p.add_argument("--allow-service", action="append", default=[], metavar="IRI",
                   help="an endpoint SERVICE/LOAD may reach (repeatable; default: none)")
    p.add_argument("--worker-memory", type=int, default=Settings.worker_memory_limit, metavar="MB",
                   help="MiB of memory a query worker may allocate; a query past it stops (0 = no limit)")
    p.add_argument("--send-timeout", type=float, default=Settings.send_timeout, metavar="S",
                   help="seconds a send of results may wait for a client that does not read, "
                        "within the query time limit (0: only that limit)")
    p.add_argument("--store", help="serve this store directory (default: the current build)")
    p.add_argument("--enable-update", action="store_true",
                   help="accept SPARQL Update (bearer token) on the scratch store given by --store")
    p.add_argument("--update-token", help="the bearer token updates need (or BERCY_GRAPH_UPDATE_TOKEN)")
    p.add_argument("--page-slots", type=int, default=Settings.page_slots,
                   help="page and API requests doing store work at once (others wait --queue-wait, then 503)")
    p.add_argument("--page-cache-mib", type=int, default=Settings.page_cache_mib,
                   help="MiB of pages and documents kept for the served build (least recently used out)")
    p.add_argument("--header-timeout", type=float, default=Settings.header_timeout,
                   help="seconds a client has to send its request headers before the connection is closed")
    p.add_argument("--keep-alive", type=float, default=Settings.keep_alive,
                   help="seconds an idle keep-alive connection stays open")
    p.add_argument("--max-connections", type=int, default=Settings.max_connections,
                   help="open connections (and requests in progress) before new requests get 503")
    p.add_argument("--forwarded-allow-ips", default="", metavar="IPS",
                   help="comma-separated proxy addresses whose X-Forwarded-For/-Proto are trusted (default: none)")
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("harvest", help="harvest the portals (Opendatasoft, udata) into a new dated snapshot")
    p.add_argument("--config", default=str(Path(__file__).resolve().parent.parent / "harvest.toml"),
                   help="the harvest configuration (TOML; see docs/HARVEST.md)")
    p.add_argument("--snapshots", help="snapshot directory (default: $BERCY_GRAPH_HOME/snapshots)")
    p.add_argument("--ods-url", help="Opendatasoft portal base URL (overrides the configuration)")
    p.add_argument("--udata-url", help="udata portal base URL (overrides the configuration)")
    p.add_argument("--ods-dataset", action="append", default=[], metavar="UID",
                   help="download data for this Opendatasoft dataset_uid only (repeatable; replaces the configured list)")
    p.add_argument("--udata-dataset", action="append", default=[], metavar="ID",
                   help="download data for this udata dataset only (repeatable; replaces the configured list)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_harvest)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    try:
        return args.func(args, settings)
    except (StoreMissing, SourceError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
