"""Killable worker processes that run SPARQL over the store, and the bounded pool the server uses.

Why processes: pyoxigraph has no query timeout and holds the GIL-free Rust evaluation where a
thread cannot be stopped. Each worker opens the store itself (read-only; writable only for the
operator-enabled update test store), runs one job at a time, serializes the results and sends them
back over a pipe: a small result in one message, a large one in chunks. A job past its time limit
gets its worker killed (SIGKILL) and replaced;
the other workers go on answering. Each worker first puts OS limits on itself (web/sparql/
sandbox.py): no network socket unless SERVICE is allow-listed, a bounded data segment (an
allocation past it aborts the worker: the client is told the query needed too much memory).

A client that gives up costs no respawn when it leaves before its results start: the worker
finishes in the background (until the deadline) and goes back to the pool. One that leaves in the
middle of the results, or stops reading them, has its worker killed: it may be producing a huge
result nobody reads. Messages from a worker, one per `send_bytes`:

    R{json}          once, when it starts: {"network_guard": bool, "problems": [its limits that failed]}
    A{json}\n<bytes> a whole answer: header {"status", "media_type", "message"} and the complete body (a
                     result under CHUNK bytes, an error, an update's 204): one pipe message, one wake-up
    H{json}          the header of a larger result, which follows in chunks:
    D<bytes>         a chunk of the serialized results
    E                end of the results
    X<text>          an error after some results were sent (the HTTP response is then cut short)

A small query thus costs one message each way; the pool waits on a pipe with the event loop's own
reader (no thread, no task), and the store is reopened only when `current` points at another build.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import multiprocessing as mp
import os
import select
import signal
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from graph_service.store import GraphStore

CHUNK = 256 * 1024   # bytes: a result under it comes in one message; a larger one in messages of this size
MID_STREAM_GRACE = 1.0   # s a worker whose client left mid-stream has to end its results, else killed
OUT_OF_MEMORY = b"memory allocation of "   # how Rust's allocation failure handler starts, before abort()
log = logging.getLogger("bercy_graph.query_workers")


@dataclass(frozen=True)
class Job:
    """One query or update, as the HTTP layer decided it (dataset, and the Accept it negotiates on: a
    `format=` choice arrives as that Accept)."""

    text: str
    update: bool = False
    accept: str | None = None            # the Accept header, negotiated once the result kind is known
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    union_default_graph: bool = True
    base_iri: str | None = None


class Saturated(Exception):
    """Every worker is busy and none became free in time (-> 503 + Retry-After)."""


class QueryTimeout(Exception):
    """The job ran past its time limit; its worker was killed."""


class WorkerFailed(Exception):
    """The worker died or reported an error in the middle of the results."""


class MemoryExceeded(WorkerFailed):
    """The worker passed its memory limit (Rust aborts on a failed allocation); it was replaced."""


# ----------------------------------------------------------------------------------- worker side

class _ChunkWriter:
    """A binary stream for the store's serializers that sends CHUNK-sized messages.

    The header goes out with the first full chunk, so an evaluation error that happens before
    any output still becomes a proper HTTP error status.
    """

    def __init__(self, conn: Connection, status: int, media_type: str | None) -> None:
        self.conn, self.status, self.media_type = conn, status, media_type
        self.buffer = bytearray()
        self.started = False

    def write(self, data) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self._send()
        return len(data)

    def flush(self) -> None:
        pass

    def _send(self) -> None:
        if not self.started:
            self.conn.send_bytes(b"H" + _head(self.status, self.media_type))
            self.started = True
        if self.buffer:
            self.conn.send_bytes(b"D" + bytes(self.buffer))
            self.buffer.clear()

    def close(self) -> None:
        if not self.started:   # all of it fits in one message
            _answer(self.conn, self.status, self.media_type, body=self.buffer)
            return
        self._send()
        self.conn.send_bytes(b"E")

    def fail(self, status: int, message: str) -> None:
        if self.started:
            self.conn.send_bytes(b"X" + message.encode("utf-8"))
        else:
            _answer(self.conn, status, None, message)


def _head(status: int, media_type: str | None, message: str | None = None) -> bytes:
    return json.dumps({"status": status, "media_type": media_type, "message": message}).encode("utf-8")


def _answer(conn: Connection, status: int, media_type: str | None, message: str | None = None,
            body: bytes | bytearray = b"") -> None:
    """A whole answer in one message (JSON escapes newlines: the first one ends the header)."""
    conn.send_bytes(b"A" + _head(status, media_type, message) + b"\n" + body)


class _Served:
    """The worker's store, reopened when `store_path` (a `current` link) points at a new build: one
    `stat` a job tells (the directory the link leads to). A URL: the remote engine
    (graph_service/remote_store.py), one client for the worker's life."""

    def __init__(self, store_path: str, writable: bool, timeout: float = 30.0) -> None:
        self.store_path, self.writable, self.timeout = store_path, writable, timeout
        self.store: GraphStore | None = None
        self.identity: tuple[int, int] | None = None

    def _identity(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.store_path)
        except OSError:
            return None
        return found.st_dev, found.st_ino

    def get(self) -> GraphStore:
        if self.store_path.startswith(("http://", "https://")):
            if self.store is None:
                from graph_service.remote_store import RemoteStore
                self.store = RemoteStore(self.store_path, timeout=self.timeout)  # type: ignore[assignment]
            return self.store  # type: ignore[return-value]
        identity = self._identity()
        if self.store is None or identity is None or identity != self.identity:
            self.store = None   # the old build's store closes before another opens
            self.store = GraphStore(Path(self.store_path).resolve(), writable=self.writable)
            self.identity = self._identity()
        return self.store


@functools.lru_cache(maxsize=256)
def _negotiate(accept: str | None, kind: str) -> tuple[str | None, tuple[str, ...]]:
    """The media type a job's Accept picks for a result kind (clients repeat the same few headers)."""
    from graph_service.web.conneg import negotiate
    from graph_service.web.sparql import results as rf

    offers = tuple(rf.offers(kind))
    return negotiate(accept, list(offers)), offers


def _run(store: GraphStore, job: Job, conn: Connection) -> None:
    if job.update:
        try:
            store.update(job.text, base_iri=job.base_iri)
        except SyntaxError as exc:
            return _answer(conn, 400, None, f"update syntax error: {exc}")
        except Exception as exc:  # noqa: BLE001 - reported to the client, the worker goes on
            return _answer(conn, 400, None, f"update failed: {exc}")
        return _answer(conn, 204, None)
    try:
        results = store.query(job.text, union_default_graph=job.union_default_graph,
                              default_graph=job.default_graphs, named_graphs=job.named_graphs,
                              base_iri=job.base_iri)
    except SyntaxError as exc:
        return _answer(conn, 400, None, f"query syntax error: {exc}")
    except Exception as exc:  # noqa: BLE001
        return _answer(conn, 400, None, f"query failed: {exc}")
    media, offers = _negotiate(job.accept, results.kind)
    if media is None:
        return _answer(conn, 406, None, f"this query's results are available as: {', '.join(offers)}")
    writer = _ChunkWriter(conn, 200, media)
    try:
        results.write(media, writer)
    except Exception as exc:  # noqa: BLE001
        writer.fail(400, f"query failed: {exc}")
        return
    writer.close()


def _limit_self(conn: Connection, network: bool, memory_limit: int) -> None:
    """Put the OS limits on this worker before it opens the store, and report them to the pool."""
    from graph_service.web.sparql.sandbox import forbid_network, limit_memory

    no_guard = None if network else forbid_network()
    problems = [p for p in (no_guard, limit_memory(memory_limit)) if p]
    conn.send_bytes(b"R" + json.dumps({"network_guard": not network and no_guard is None,
                                       "problems": problems}).encode("utf-8"))


def worker_main(conn: Connection, stderr: Connection, store_path: str, writable: bool, network: bool = False,
                memory_limit: int = 0, timeout: float = 30.0) -> None:
    """Loop of a worker process: receive a job, run it, send the results; exit when the pipe closes.

    `stderr`: the pipe the pool reads our stderr from; `network`: allow network sockets (SERVICE
    allow-listed); `memory_limit`: MiB, 0 = none; `timeout`: seconds a remote engine has to answer (the pool
    also kills the worker at its deadline)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C stops the server, which stops its workers
    os.dup2(stderr.fileno(), 2)
    _limit_self(conn, network, memory_limit)
    served = _Served(store_path, writable, timeout)
    try:
        served.get()   # open now, not in the first query's time
    except Exception:  # noqa: BLE001 - e.g. no build yet: reported to the first job
        pass
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            _run(served.get(), job, conn)
        except (BrokenPipeError, EOFError):
            return
        except Exception as exc:  # noqa: BLE001 - e.g. the store cannot be opened
            _answer(conn, 503, None, f"the graph store is not available: {exc}")


# ----------------------------------------------------------------------------------- server side

@dataclass
class _Worker:
    """A worker process, the pipe of its jobs, and the pipe of its stderr (passed on to ours)."""

    process: mp.process.BaseProcess
    conn: Connection
    stderr: Connection
    out_of_memory: bool = False   # it wrote Rust's allocation failure message (it then aborts)
    _tail: bytes = b""

    def read_stderr(self) -> bool:
        """Pass on what the worker wrote to stderr, watching for OUT_OF_MEMORY; False once closed."""
        try:
            data = os.read(self.stderr.fileno(), 65536)
        except OSError:
            return False
        sys.stderr.write(data.decode("utf-8", "replace"))
        self.out_of_memory = self.out_of_memory or OUT_OF_MEMORY in self._tail + data
        self._tail = (self._tail + data)[-len(OUT_OF_MEMORY):]
        return bool(data)


@dataclass
class Outcome:
    """A job's header and, for a success, its serialized results: the whole `body` when it came in one
    message (its worker is already back in the pool), else the stream of its `chunks`."""

    status: int
    media_type: str | None
    message: str | None
    chunks: Results | None = None
    body: bytes | None = None


class Results:
    """The serialized results of a job, read from its worker while the HTTP response is sent.

    Iterate it to the end, or `close()` it: closing decides what becomes of the worker (back to
    the pool at once, after a background drain, or killed and replaced), so it is synchronous and
    works in a cancelled task too.
    """

    def __init__(self, pool: QueryPool, worker: _Worker, deadline: float) -> None:
        self.pool, self.worker, self.deadline = pool, worker, deadline
        self.received = 0          # chunks handed to the caller
        self.closed = False

    def __aiter__(self) -> Results:
        return self

    async def __anext__(self) -> bytes:
        if self.closed:
            raise StopAsyncIteration
        try:
            message = await self.pool._receive(self.worker, self.deadline)
        except asyncio.CancelledError:   # its consumer was cancelled (e.g. the client left)
            self.close()
            raise
        except QueryTimeout:
            self._end(f"past the {self.pool.timeout:g} s time limit while sending results")
            raise
        except WorkerFailed as exc:
            self._end(str(exc))
            raise
        tag = message[:1]
        if tag == b"D":
            self.received += 1
            return message[1:]
        if tag == b"E":
            self._end(None)
            raise StopAsyncIteration
        if tag == b"X":                 # the query failed midway; the worker is fine
            self._end(None)
            raise WorkerFailed(message[1:].decode("utf-8", "replace"))
        self._end("unexpected message")
        raise WorkerFailed("unexpected message from the query worker")

    def _end(self, trouble: str | None) -> None:
        self.closed = True
        if trouble is None:
            self.pool._release(self.worker)
        else:
            self.pool._replace(self.worker, trouble)

    def send_limit(self) -> float:
        """Seconds the next send of these results to the client may take: the pool's send timeout
        (if > 0), never past the job's deadline (<= 0 once it has passed)."""
        left = self.deadline - time.monotonic()
        return min(self.pool.send_timeout, left) if self.pool.send_timeout > 0 else left

    def close(self) -> None:
        """Give the worker back: before the first chunk, once it finished in the background (up to
        the deadline); after, only if it ends within MID_STREAM_GRACE (a small result's tail)."""
        if self.closed:
            return
        self.closed = True
        until = self.deadline
        if self.received:
            until = min(until, time.monotonic() + MID_STREAM_GRACE)
        self.pool._abandon(self.worker, until)

    async def aclose(self) -> None:
        self.close()


@dataclass
class QueryPool:
    """A fixed number of worker processes; a request waits at most `queue_wait` s for one.

    `network`: workers may open network sockets (only when SERVICE has an allow-list);
    `memory_limit`: MiB of data segment per worker (0 = none); `send_timeout`: seconds one send of
    results to a client may take. `network_guard` says whether the workers could forbid themselves
    the network (None until one reported; a test asserts it).
    """

    store_path: Path | str   # a store directory, or a remote engine's URL
    size: int = 2
    timeout: float = 30.0
    queue_wait: float = 2.0
    writable: bool = False
    network: bool = False
    memory_limit: int = 2048
    send_timeout: float = 10.0
    network_guard: bool | None = field(default=None, init=False)
    _idle: asyncio.Queue | None = field(default=None, init=False)
    _all: list[_Worker] = field(default_factory=list, init=False)
    _draining: set[asyncio.Task] = field(default_factory=set, init=False)
    _reported: set[str] = field(default_factory=set, init=False)

    def start(self) -> None:
        """Start the workers (from the event loop that will use the pool)."""
        self._closed = False
        self._loop = asyncio.get_running_loop()
        self._ctx = mp.get_context("spawn")
        self._idle = asyncio.LifoQueue()   # the worker used last (its caches warm) goes first
        for _ in range(self.size):
            self._idle.put_nowait(self._spawn())

    def close(self) -> None:
        self._closed = True
        for task in list(self._draining):
            task.cancel()
        for w in list(self._all):
            self._kill(w)

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        stderr, child_stderr = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(target=worker_main, daemon=True, name="bercy-graph-query-worker",
                                    args=(child, child_stderr, str(self.store_path), self.writable,
                                          self.network, self.memory_limit, self.timeout))
        process.start()
        child.close()
        child_stderr.close()
        worker = _Worker(process, parent, stderr)
        self._loop.add_reader(stderr.fileno(), self._on_stderr, worker)
        self._all.append(worker)
        return worker

    def _on_stderr(self, worker: _Worker) -> None:
        if not worker.read_stderr():   # the worker exited
            self._loop.remove_reader(worker.stderr.fileno())

    def _kill(self, worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()
        if not worker.stderr.closed:
            self._loop.remove_reader(worker.stderr.fileno())
            worker.stderr.close()
        if worker in self._all:
            self._all.remove(worker)

    def _replace(self, worker: _Worker, why: str) -> None:
        """Kill a worker (stuck, timed out, dead or abandoned mid-stream) and put a fresh one in the pool."""
        log.warning("query worker %s killed and replaced: %s", worker.process.pid, why)
        self._kill(worker)
        if not self._closed:
            self._idle.put_nowait(self._spawn())

    def _release(self, worker: _Worker) -> None:
        """A worker that finished its job goes back to the pool."""
        if self._closed:
            self._kill(worker)
        else:
            self._idle.put_nowait(worker)

    def _abandon(self, worker: _Worker, until: float) -> None:
        """A job nobody waits for any more: let it end in the background, the worker then goes back
        to the pool (a respawn costs more than the wait); killed if still busy at `until`."""
        task = self._loop.create_task(self._drain(worker, until))
        self._draining.add(task)
        task.add_done_callback(self._draining.discard)

    async def _drain(self, worker: _Worker, until: float) -> None:
        try:
            while not _ends_job(await self._receive(worker, until)):
                pass
        except QueryTimeout:
            self._replace(worker, "its client left and it was still busy")
            return
        except WorkerFailed as exc:
            self._replace(worker, str(exc))
            return
        self._release(worker)

    def _started(self, report: dict) -> None:
        """A new worker's report on its OS limits: kept in `network_guard`, problems logged once."""
        guarded = report["network_guard"]
        self.network_guard = guarded if self.network_guard is None else self.network_guard and guarded
        for problem in report["problems"]:
            if problem not in self._reported:
                self._reported.add(problem)
                log.error("query worker limit not in force: %s%s", problem,
                          "" if self.network or guarded else
                          " (SERVICE/LOAD are then refused by the HTTP layer's check alone)")

    async def _receive(self, worker: _Worker, deadline: float) -> bytes:
        """The worker's next message (its start report is taken in passing).

        Raises QueryTimeout at the deadline, WorkerFailed (MemoryExceeded) when the worker died.
        Only the wait can be cancelled, never a half-read message: the pipe stays usable."""
        while True:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0 or not await _readable(worker.conn, remaining):
                    raise QueryTimeout()
                message = worker.conn.recv_bytes()
            except (EOFError, OSError):   # its end of the pipe closed (or ours, at shutdown)
                raise await self._death(worker) from None
            if not message.startswith(b"R"):
                return message
            self._started(json.loads(message[1:]))

    async def _death(self, worker: _Worker) -> WorkerFailed:
        """Why a worker's pipe closed. An allocation past the memory limit makes Rust print
        OUT_OF_MEMORY and abort (SIGABRT); other aborts (a panic) are not about memory."""
        for _ in range(100):   # its pipe closes as it exits: the exit code follows at once
            if worker.process.exitcode is not None:
                break
            await asyncio.sleep(0.01)
        code = worker.process.exitcode
        if code is not None and not worker.stderr.closed:
            while worker.read_stderr():   # the rest of its last words (it exited: no wait)
                pass
        if code == -signal.SIGABRT and worker.out_of_memory and self.memory_limit:
            return MemoryExceeded(f"the query needed more than {self.memory_limit} MiB and was stopped")
        return WorkerFailed(f"the query worker stopped (exit code {code})")

    async def run(self, job: Job) -> Outcome:
        """Run a job on a free worker. Raises Saturated, QueryTimeout or WorkerFailed."""
        if not self._idle.empty():
            worker = self._idle.get_nowait()
        else:
            try:
                worker = await asyncio.wait_for(self._idle.get(), self.queue_wait)
            except TimeoutError:
                raise Saturated() from None
        deadline = time.monotonic() + self.timeout
        try:
            worker.conn.send(job)
            message = await self._receive(worker, deadline)
        except asyncio.CancelledError:   # the request was given up before its results started
            self._abandon(worker, deadline)
            raise
        except QueryTimeout:
            self._replace(worker, f"past the {self.timeout:g} s time limit: {job.text[:200]!r}")
            raise
        except BaseException as exc:
            self._replace(worker, f"{type(exc).__name__} before the results: {exc}")
            raise
        tag = message[:1]
        if tag == b"A":   # the whole answer: the worker is free again
            self._release(worker)
            head, _, body = message[1:].partition(b"\n")
            header = json.loads(head)
            return Outcome(header["status"], header["media_type"], header["message"], body=body)
        if tag != b"H":
            self._replace(worker, "unexpected message")
            raise WorkerFailed("unexpected message from the query worker")
        header = json.loads(message[1:])
        return Outcome(header["status"], header["media_type"], None, Results(self, worker, deadline))


def _ends_job(message: bytes) -> bool:
    """Whether a message is a job's last: a whole answer, the end of a stream, or a mid-stream error."""
    return message[:1] in (b"A", b"E", b"X")


async def _readable(conn: Connection, timeout: float) -> bool:
    """Wait until the worker's pipe has something to read (a message or its end), up to `timeout` s.

    Nothing is read here: a wait cut short by a timeout or a cancellation leaves the pipe intact,
    so the worker can still be drained and reused. One future and one timer on the event loop
    (`asyncio.wait_for` would start a task for each wait)."""
    if select.select([conn], [], [], 0)[0]:   # already there (the next chunk of a stream, usually)
        return True
    loop, fd = asyncio.get_running_loop(), conn.fileno()
    ready = loop.create_future()

    def settle(value: bool) -> None:
        if not ready.done():
            ready.set_result(value)

    loop.add_reader(fd, settle, True)
    timer = loop.call_later(timeout, settle, False)
    try:
        return await ready
    finally:
        timer.cancel()
        loop.remove_reader(fd)
        os.set_blocking(fd, True)   # uvloop made it non-blocking: a message is then read whole
