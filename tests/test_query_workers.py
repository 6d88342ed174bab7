"""The worker pool on its own (no HTTP): results, time limit, saturation, recovery."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
import uvloop

from graph_service.web.sparql.workers import Job, Outcome, QueryPool, QueryTimeout, Saturated
from graph_service.build.load import load_new_store

W3C = Path(__file__).parent / "w3c" / "protocol"
GRAPHS = {f"http://kasei.us/2009/09/sparql/data/data{i}.rdf": W3C / f"data{i}.nt" for i in (1, 2, 3)}
# 3 triples joined with themselves 20 times: 3^20 rows to count, far past any limit used here
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(20)) + " }"
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pool") / "store"
    load_new_store(path, [(file, iri) for iri, file in GRAPHS.items()])
    return path


def run(coro):
    return asyncio.run(coro)


async def fetch(pool: QueryPool, job: Job) -> tuple[Outcome, bytes]:
    """Run a job and read its whole body (empty for an error answer)."""
    outcome = await pool.run(job)
    if outcome.chunks is None:
        return outcome, outcome.body or b""
    return outcome, b"".join([chunk async for chunk in outcome.chunks])


def test_fetch_reads_the_store_with_union_default_graph(store_path):
    async def go():
        pool = QueryPool(store_path, size=1, timeout=20)
        pool.start()
        try:
            answer, body = await fetch(pool, Job("SELECT ?s WHERE { ?s a ?t }", accept=JSON))
            refused, _ = await fetch(pool, Job("SELECT ?s WHERE {", accept=JSON))
            return answer.media_type, json.loads(body), refused
        finally:
            pool.close()

    media, doc, refused = run(go())
    assert media == JSON
    assert sorted(b["s"]["value"] for b in doc["results"]["bindings"]) == sorted(GRAPHS)
    assert refused is not None and refused.status == 400 and "syntax" in refused.message


def test_time_limit_kills_and_replaces_the_worker(store_path):
    async def go():
        pool = QueryPool(store_path, size=1, timeout=1.5, queue_wait=5)
        pool.start()
        try:
            first_pid = pool._all[0].process.pid
            started = time.monotonic()
            with pytest.raises(QueryTimeout):
                await pool.run(Job(SLOW, accept=JSON))
            elapsed = time.monotonic() - started
            _, body = await fetch(pool, Job("ASK {}", accept=JSON))
            return elapsed, first_pid, [w.process.pid for w in pool._all], json.loads(body)
        finally:
            pool.close()

    elapsed, first_pid, pids, doc = run(go())
    # stopped by the limit, never before it; the query itself never ends, so any finite wait means the kill
    # worked (a generous ceiling: a loaded machine is slow to kill and respawn, not wrong)
    assert 1.5 <= elapsed < 60
    assert first_pid not in pids and len(pids) == 1
    assert doc["boolean"] is True


def test_saturated_pool_refuses_after_queue_wait(store_path):
    async def go():
        pool = QueryPool(store_path, size=1, timeout=3, queue_wait=0.3)
        pool.start()
        try:
            slow = asyncio.create_task(pool.run(Job(SLOW, accept=JSON)))
            await asyncio.sleep(0.2)
            started = time.monotonic()
            with pytest.raises(Saturated):
                await pool.run(Job("ASK {}", accept=JSON))
            waited = time.monotonic() - started
            with pytest.raises(QueryTimeout):
                await slow
            return waited
        finally:
            pool.close()

    # refused after the queue wait, and before the busy worker's own 3 s limit could have freed it
    assert 0.3 <= run(go()) < 3


# 3 triples joined with themselves 13 times: 1.6 million rows, about a second of work
MEDIUM = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(13)) + " }"
ROWS = "SELECT * WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(13)) + " }"
# its first 50,000 rows (about a second of work): more than one message, so they stream
SOME_ROWS = ROWS + " LIMIT 50000"


def test_a_job_given_up_before_its_results_keeps_its_worker(store_path):
    """A request cancelled while its query runs (its client left), or whose results are closed
    before their first chunk: the query ends in the background and the same worker goes on."""
    async def go():
        pool = QueryPool(store_path, size=1, timeout=30, queue_wait=30)
        pool.start()
        try:
            await fetch(pool, Job("ASK {}", accept=JSON))
            before = [w.process.pid for w in pool._all]
            task = asyncio.create_task(pool.run(Job(MEDIUM, accept=JSON)))
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            outcome = await pool.run(Job(SOME_ROWS, accept=JSON))   # once the first one has ended
            assert outcome.chunks is not None
            outcome.chunks.close()   # before its first chunk
            _, body = await fetch(pool, Job("ASK {}", accept=JSON))
            return before, [w.process.pid for w in pool._all], json.loads(body)
        finally:
            pool.close()

    before, after, doc = run(go())
    assert after == before
    assert doc["boolean"] is True


def test_a_small_result_comes_whole_and_frees_its_worker_at_once(store_path):
    """A result under one chunk, an error and an update's answer come in one message: the outcome
    carries the whole body, and the worker takes the next job without waiting for anyone to read."""
    async def go():
        pool = QueryPool(store_path, size=1, timeout=60, queue_wait=0.5)
        pool.start()
        try:
            small = await pool.run(Job("SELECT ?s WHERE { ?s a ?t }", accept="text/csv"))
            refused = await pool.run(Job("SELECT ?s WHERE {", accept=JSON))
            large = await pool.run(Job(SOME_ROWS, accept="text/tab-separated-values"))
            body = b"".join([chunk async for chunk in large.chunks])
            return small, refused, large, body
        finally:
            pool.close()

    small, refused, large, body = run(go())
    assert small.chunks is None and small.media_type == "text/csv"
    assert sorted(small.body.decode().split("\r\n")[1:-1]) == sorted(GRAPHS)
    assert refused.status == 400 and refused.body == b"" and "syntax" in refused.message
    assert large.body is None and body.count(b"\n") == 50_001   # header line + rows


def test_results_dropped_mid_stream_get_their_worker_replaced(store_path):
    """A client that leaves in the middle of a large result: its worker, still producing rows
    for nobody, is killed and replaced rather than left to run to the time limit."""
    async def go():
        pool = QueryPool(store_path, size=1, timeout=60, queue_wait=30)
        pool.start()
        try:
            before = [w.process.pid for w in pool._all]
            outcome = await pool.run(Job(ROWS, accept="text/tab-separated-values"))
            assert len(await outcome.chunks.__anext__()) > 0
            outcome.chunks.close()
            _, body = await fetch(pool, Job("ASK {}", accept=JSON))   # on the worker that took over
            return before, [w.process.pid for w in pool._all], json.loads(body)
        finally:
            pool.close()

    before, after, doc = run(go())
    assert len(after) == 1 and after != before
    assert doc["boolean"] is True


def test_large_results_arrive_whole_on_the_servers_event_loop(store_path):
    """`bercy-graph serve` runs uvloop, whose readers make the worker's pipe non-blocking: a message of
    several hundred KB must still be read whole (it was cut short: the response ended prematurely)."""
    async def go():
        pool = QueryPool(store_path, size=1, timeout=60, queue_wait=30)
        pool.start()
        try:
            outcome = await pool.run(Job(SOME_ROWS, accept="text/tab-separated-values"))
            return b"".join([chunk async for chunk in outcome.chunks])
        finally:
            pool.close()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        body = runner.run(go())
    assert body.count(b"\n") == 50_001 and body.startswith(b"?o0\t")
