"""The query workers' own walls (issue 7): no network, bounded memory, no worker held by a client.

Each test plays the attack: a SERVICE sent past the HTTP layer's check, a 1 KB query that builds
a string of gigabytes, clients that stop reading a large result, clients that hang up early.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from graph_service.web.sparql.workers import Job, MemoryExceeded, QueryPool, WorkerFailed
from graph_service.build.load import load_new_store
from tests.serving import running_server
from tests.test_query_workers import fetch

W3C = Path(__file__).parent / "w3c" / "protocol"
JSON_RESULTS = "application/sparql-results+json"
EMPTY_RESULTS = b'{"head":{"vars":["s","p","o"]},"results":{"bindings":[]}}'
# 3 triples joined with themselves 20 times: 3^20 rows to count, far past any limit used here
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(20)) + " }"


def concat_bomb(doublings: int) -> str:
    """Under 1 KB of query whose one value is 2 * 2^doublings bytes long (the issue's memory attack)."""
    binds = " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(doublings))
    return f'SELECT ?x{doublings} WHERE {{ BIND("ab" AS ?x0) {binds} }}'


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("limits") / "store"
    load_new_store(path, [(W3C / f"data{i}.nt", f"http://kasei.us/2009/09/sparql/data/data{i}.rdf")
                          for i in (1, 2, 3)])
    return path


async def _with_pool(pool: QueryPool, work):
    pool.start()
    try:
        return await work(pool)
    finally:
        pool.close()


def worker_pids(pool: QueryPool) -> list[int]:
    return sorted(w.process.pid for w in pool._all)


# ------------------------------------------------------------------------------------ network

@contextmanager
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A SPARQL endpoint on 127.0.0.1 that records every connection made to it (and answers
    empty results, so a job that does reach it ends at once)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    seen.append(conn.recv(65536))
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: " + JSON_RESULTS.encode()
                                 + b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(EMPTY_RESULTS)
                                 + EMPTY_RESULTS)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/sparql", seen
    finally:
        stop.set()
        thread.join(5)
        server.close()


REMOTE_CALLS = {
    "service": lambda url: Job(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", accept=JSON_RESULTS),
    "service silent": lambda url: Job(f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
                                      accept=JSON_RESULTS),
    "load": lambda url: Job(f"LOAD <{url}>", update=True),
}


def run_remote_call(store: Path, kind: str, network: bool) -> tuple[int, list[bytes], bool | None]:
    """Send a remote call straight to a pool (as if the HTTP layer's scanner had missed it):
    (status of the job, what the listener received, the pool's network_guard)."""
    with listener() as (url, seen):
        async def go(pool: QueryPool) -> int:
            outcome = await pool.run(REMOTE_CALLS[kind](url))
            if outcome.chunks is not None:
                async for _ in outcome.chunks:
                    pass
            return outcome.status

        pool = QueryPool(store, size=1, timeout=20, network=network, writable=kind == "load")
        status = asyncio.run(_with_pool(pool, go))
        return status, list(seen), pool.network_guard


@pytest.mark.parametrize("kind", sorted(REMOTE_CALLS))
def test_a_remote_call_past_the_scanner_reaches_no_server(store_path, tmp_path, kind):
    """The second wall: with federation off, a worker cannot open a network socket at all."""
    store = tmp_path / "scratch" if kind == "load" else store_path
    status, seen, guard = run_remote_call(store, kind, network=False)
    assert seen == []
    assert guard is True
    assert status == (200 if kind == "service silent" else 400)   # SILENT: the failure is swallowed


def test_with_federation_on_the_same_call_does_reach_the_server(store_path):
    """The counter-proof: an allow-listed deployment (network=True) lets the worker connect."""
    status, seen, guard = run_remote_call(store_path, "service", network=True)
    assert len(seen) == 1 and seen[0].split(b" ")[:2] in ([b"GET", b"/sparql"], [b"POST", b"/sparql"])
    assert status == 200 and guard is False


def test_the_filter_keeps_unix_sockets_and_refuses_network_and_io_uring():
    """In a throwaway process (a seccomp filter is for life): AF_UNIX works, AF_INET/AF_INET6,
    io_uring_setup and x32 system calls fail with EACCES."""
    script = """if True:
        import ctypes, json, socket
        from graph_service.web.sparql.sandbox import forbid_network
        out = {"problem": forbid_network()}
        a, b = socket.socketpair(); a.send(b"x"); out["unix"] = b.recv(1).decode()
        for name, family in (("inet", socket.AF_INET), ("inet6", socket.AF_INET6)):
            try:
                socket.socket(family).close(); out[name] = "opened"
            except OSError as exc:
                out[name] = exc.errno
        libc = ctypes.CDLL(None, use_errno=True)
        params = ctypes.create_string_buffer(120)
        for name, nr in (("io_uring_setup", 425), ("x32 getpid", 0x40000000 + 39)):
            failed = libc.syscall(ctypes.c_long(nr), ctypes.c_long(4), params) == -1
            out[name] = ctypes.get_errno() if failed else "ran"
        print(json.dumps(out))
    """
    if sys.platform != "linux" or os.uname().machine not in ("x86_64", "aarch64"):
        pytest.skip("the seccomp filter is for Linux x86_64/aarch64")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).parent.parent)
    out = json.loads(done.stdout)
    assert out == {"problem": None, "unix": "x", "inet": 13, "inet6": 13, "io_uring_setup": 13,
                   "x32 getpid": 13}, done.stderr


def test_a_worker_without_its_guard_is_logged_once(store_path, caplog):
    """Where seccomp is missing the workers still serve (the scanner is the first wall), but the
    pool says so once, and `network_guard` is False for a test or a health check to see."""
    pool = QueryPool(store_path)
    report = {"network_guard": False, "problems": ["no seccomp filter for darwin/arm64"]}
    with caplog.at_level("ERROR", logger="bercy_graph.query_workers"):
        pool._started({"network_guard": True, "problems": []})
        pool._started(report)
        pool._started(report)
    assert pool.network_guard is False
    assert [r.getMessage() for r in caplog.records] == [
        "query worker limit not in force: no seccomp filter for darwin/arm64 "
        "(SERVICE/LOAD are then refused by the HTTP layer's check alone)"]


# ------------------------------------------------------------------------------------- memory

def test_a_query_past_the_memory_limit_is_stopped_and_its_worker_replaced(store_path):
    """A 0.8 KB query that builds a 128 MiB string (and copies of it) against a 256 MiB limit:
    the client gets a clear error, a fresh worker takes over, the pool goes on answering."""
    async def go(pool: QueryPool):
        before = worker_pids(pool)
        with pytest.raises(MemoryExceeded) as failure:
            await fetch(pool, Job(concat_bomb(26), accept=JSON_RESULTS))
        _, body = await fetch(pool, Job("ASK {}", accept=JSON_RESULTS))
        return before, worker_pids(pool), str(failure.value), json.loads(body)

    before, after, message, doc = asyncio.run(_with_pool(QueryPool(store_path, size=1, timeout=60,
                                                                   memory_limit=256), go))
    assert message == "the query needed more than 256 MiB and was stopped"
    assert before != after and len(after) == 1
    assert doc["boolean"] is True


def test_a_crash_that_is_not_about_memory_is_not_reported_as_one(store_path):
    """A worker aborted for another reason (here SIGABRT from outside, as a Rust panic would) is
    a plain worker failure: only Rust's allocation failure message means "out of memory"."""
    async def go(pool: QueryPool):
        job = asyncio.create_task(pool.run(Job(SLOW, accept=JSON_RESULTS)))
        await asyncio.sleep(0.5)
        os.kill(worker_pids(pool)[0], signal.SIGABRT)
        with pytest.raises(WorkerFailed) as failure:
            await job
        return failure.value

    failure = asyncio.run(_with_pool(QueryPool(store_path, size=1, timeout=60, memory_limit=256), go))
    assert not isinstance(failure, MemoryExceeded)
    assert "exit code -6" in str(failure)


# ---------------------------------------------------------------------------- HTTP: the attacks

def server_workers(base: str) -> set[int]:
    """The PIDs of the query workers of the server listening at `base` (children of its process)."""
    port = base.rsplit(":", 1)[1]
    server = None
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"graph_service.cli" in args and b"serve" in args and port.encode() in args:
            server = pid
    workers = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[1] == server and b"spawn_main" in cmdline:
            workers.add(int(pid))
    return workers


def stalled_reader(port: int, query: str) -> socket.socket:
    """A client that asks for a large result, reads 64 KB of it and stops reading (keeps the socket)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(30)
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"GET /sparql?query={urllib.parse.quote(query)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Accept: application/n-triples\r\n\r\n".encode())
    received = 0
    while received < 64 * 1024:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection before 64 KB"
        received += len(chunk)
    return sock


def test_clients_that_stop_reading_do_not_hold_the_workers(built, settings):
    """Two clients take both workers with CONSTRUCT of everything and stop reading: past the send
    timeout their workers are freed, and another client's query answers while they still hang on."""
    with running_server(settings, "--workers", "2", "--timeout", "120", "--send-timeout", "2") as base:
        url, port = base + "/sparql", int(base.rsplit(":", 1)[1])
        assert requests.get(url, params={"query": "ASK {}"}, timeout=30).status_code == 200
        stalled = [stalled_reader(port, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }") for _ in range(2)]
        try:
            deadline, status = time.monotonic() + 60, None
            while status != 200 and time.monotonic() < deadline:
                status = requests.get(url, params={"query": "ASK {}"}, timeout=30).status_code
            assert status == 200
            for sock in stalled:   # still connected, with unread results waiting
                assert sock.recv(1, socket.MSG_PEEK)
        finally:
            for sock in stalled:
                sock.close()


def test_clients_that_leave_before_their_results_cost_no_respawn(built, settings):
    """30 POSTs whose clients hang up at once: their queries finish in the background and the
    workers go back to the pool; none is killed and respawned."""
    body = b"SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    request = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
               b"Accept: text/csv\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
    with running_server(settings, "--workers", "2", "--timeout", "60") as base:
        url, port = base + "/sparql", int(base.rsplit(":", 1)[1])
        assert requests.get(url, params={"query": "ASK {}"}, timeout=30).status_code == 200
        before = server_workers(base)
        for _ in range(30):
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(request)
            time.sleep(0.05)
        answers, deadline = two_at_once(url), time.monotonic() + 60
        while answers != [200, 200] and time.monotonic() < deadline:   # until both workers are free
            time.sleep(0.5)
            answers = two_at_once(url)
        assert answers == [200, 200]
        assert len(before) == 2 and server_workers(base) == before


def two_at_once(url: str) -> list[int]:
    """The statuses of two ASK queries sent together: [200, 200] when both workers are free."""
    with ThreadPoolExecutor(2) as threads:
        return list(threads.map(lambda _: requests.get(url, params={"query": "ASK {}"}, timeout=60).status_code,
                                range(2)))
