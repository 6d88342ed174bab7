"""Killable worker processes that run SPARQL over the store, and the bounded pool the server uses.

Why processes: pyoxigraph has no query timeout and holds the GIL-free Rust evaluation where a
thread cannot be stopped. Each worker opens the store itself (read-only; writable only for the
operator-enabled update test store), runs one job at a time, serializes the results and sends them
back in chunks over a pipe. A job past its time limit gets its worker killed (SIGKILL) and replaced;
the other workers go on answering. Messages from a worker, one per `send_bytes`:

    H{json}   header: {"status", "media_type", "message"}; only for status < 300 does more follow
    D<bytes>  a chunk of the serialized results
    E         end of the results
    X<text>   an error after some results were sent (the HTTP response is then cut short)
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing as mp
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import anyio

CHUNK = 64 * 1024
log = logging.getLogger("bercy_graph.query_workers")


@dataclass(frozen=True)
class Job:
    """One query or update, as the HTTP layer decided it (dataset, Accept, forced format)."""

    text: str
    update: bool = False
    accept: str | None = None            # the Accept header, negotiated once the result kind is known
    media_type: str | None = None        # a format forced with `format=` (wins over Accept)
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


class JobRefused(Exception):
    """The job was answered with an error status (syntax error, nothing acceptable, too large)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status, self.message = status, message


# ----------------------------------------------------------------------------------- worker side

class _ChunkWriter:
    """A binary stream for pyoxigraph's serializers that sends CHUNK-sized messages.

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
            _header(self.conn, self.status, self.media_type)
            self.started = True
        if self.buffer:
            self.conn.send_bytes(b"D" + bytes(self.buffer))
            self.buffer.clear()

    def close(self) -> None:
        self._send()
        self.conn.send_bytes(b"E")

    def fail(self, status: int, message: str) -> None:
        if self.started:
            self.conn.send_bytes(b"X" + message.encode("utf-8"))
        else:
            _header(self.conn, status, None, message)


def _header(conn: Connection, status: int, media_type: str | None, message: str | None = None) -> None:
    conn.send_bytes(b"H" + json.dumps({"status": status, "media_type": media_type,
                                       "message": message}).encode("utf-8"))


def _open(current, store_path: str, writable: bool):
    """The worker's store, reopened when `store_path` (a `current` link) points at a new build."""
    from .store import GraphStore

    target = Path(store_path).resolve()
    if current is None or current.path != target:
        current = GraphStore(target, writable=writable)
    return current


def _run(store, job: Job, conn: Connection) -> None:
    from . import result_formats as rf
    from .conneg import negotiate

    if job.update:
        try:
            store.update(job.text, base_iri=job.base_iri)
        except SyntaxError as exc:
            return _header(conn, 400, None, f"update syntax error: {exc}")
        except Exception as exc:  # noqa: BLE001 - reported to the client, the worker goes on
            return _header(conn, 400, None, f"update failed: {exc}")
        _header(conn, 204, None)
        conn.send_bytes(b"E")
        return
    try:
        results = store.query(job.text, union_default_graph=job.union_default_graph,
                              default_graph=job.default_graphs, named_graphs=job.named_graphs,
                              base_iri=job.base_iri)
    except SyntaxError as exc:
        return _header(conn, 400, None, f"query syntax error: {exc}")
    except Exception as exc:  # noqa: BLE001
        return _header(conn, 400, None, f"query failed: {exc}")
    offers = rf.offers(rf.kind(results))
    if job.media_type:
        media = job.media_type if job.media_type in offers else None
    else:
        media = negotiate(job.accept, offers)
    if media is None:
        return _header(conn, 406, None, f"this query's results are available as: {', '.join(offers)}")
    writer = _ChunkWriter(conn, 200, media)
    try:
        rf.serialize(results, media, writer)
    except Exception as exc:  # noqa: BLE001
        writer.fail(400, f"query failed: {exc}")
        return
    writer.close()


def worker_main(conn: Connection, store_path: str, writable: bool) -> None:
    """Loop of a worker process: receive a job, run it, send the results; exit when the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C stops the server, which stops its workers
    store = None
    try:
        store = _open(None, store_path, writable)   # open now, not in the first query's time
    except Exception:  # noqa: BLE001 - e.g. no build yet: reported to the first job
        store = None
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            store = _open(store, store_path, writable)
            _run(store, job, conn)
        except (BrokenPipeError, EOFError):
            return
        except Exception as exc:  # noqa: BLE001 - e.g. the store cannot be opened
            _header(conn, 503, None, f"the graph store is not available: {exc}")


# ----------------------------------------------------------------------------------- server side

@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection


@dataclass
class Outcome:
    """A job's header and, for a success, the stream of its serialized results."""

    status: int
    media_type: str | None
    message: str | None
    chunks: AsyncIterator[bytes] | None = None


@dataclass
class QueryPool:
    """A fixed number of worker processes; a request waits at most `queue_wait` s for one."""

    store_path: Path
    size: int = 2
    timeout: float = 30.0
    queue_wait: float = 2.0
    writable: bool = False
    _idle: asyncio.Queue | None = field(default=None, init=False)
    _all: list[_Worker] = field(default_factory=list, init=False)

    def start(self) -> None:
        self._closed = False
        self._ctx = mp.get_context("spawn")
        self._idle = asyncio.Queue()
        for _ in range(self.size):
            self._idle.put_nowait(self._spawn())

    def close(self) -> None:
        self._closed = True
        for w in list(self._all):
            self._kill(w)

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=worker_main, args=(child, str(self.store_path), self.writable),
                                    daemon=True, name="bercy-graph-query-worker")
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self._all.append(worker)
        return worker

    def _kill(self, worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()
        if worker in self._all:
            self._all.remove(worker)

    def _replace(self, worker: _Worker, why: str) -> None:
        """Kill a worker (stuck, timed out or abandoned mid-stream) and put a fresh one in the pool."""
        log.warning("query worker %s killed and replaced: %s", worker.process.pid, why)
        self._kill(worker)
        if not self._closed:
            self._idle.put_nowait(self._spawn())

    @property
    def busy(self) -> int:
        return self.size - self._idle.qsize()

    async def run(self, job: Job) -> Outcome:
        """Run a job on a free worker. Raises Saturated, QueryTimeout or WorkerFailed."""
        try:
            worker = await asyncio.wait_for(self._idle.get(), self.queue_wait)
        except TimeoutError:
            raise Saturated() from None
        deadline = time.monotonic() + self.timeout
        try:
            worker.conn.send(job)
            message = await _receive(worker, deadline)
        except QueryTimeout:
            self._replace(worker, f"past the {self.timeout:g} s time limit: {job.text[:200]!r}")
            raise
        except BaseException as exc:
            self._replace(worker, f"{type(exc).__name__} before the results")
            raise
        if not message.startswith(b"H"):
            self._replace(worker, "unexpected message")
            raise WorkerFailed("unexpected message from the query worker")
        header = json.loads(message[1:])
        if header["status"] >= 300:
            self._idle.put_nowait(worker)
            return Outcome(header["status"], None, header["message"])
        return Outcome(header["status"], header["media_type"], None, self._chunks(worker, deadline))

    async def fetch(self, job: Job, limit: int = 16 * 2**20) -> tuple[str, bytes]:
        """Run a job and return (media type, whole body): for routers that read a small result.

        Raises JobRefused for an error answer (syntax, 406...) and when the body passes `limit`.
        """
        outcome = await self.run(job)
        if outcome.chunks is None:
            raise JobRefused(outcome.status, outcome.message or "error")
        body = bytearray()
        async for chunk in outcome.chunks:
            body += chunk
            if len(body) > limit:
                await outcome.chunks.aclose()
                raise JobRefused(413, f"result over {limit} bytes")
        return outcome.media_type or "", bytes(body)

    async def _chunks(self, worker: _Worker, deadline: float) -> AsyncIterator[bytes]:
        finished = False
        why = "the client left before the end of the results"
        try:
            while True:
                message = await _receive(worker, deadline)
                tag = message[:1]
                if tag == b"D":
                    yield message[1:]
                elif tag == b"E":
                    finished = True
                    return
                else:
                    finished = tag == b"X"   # the worker is fine, the query failed midway
                    raise WorkerFailed(message[1:].decode("utf-8", "replace"))
        except QueryTimeout:
            why = f"past the {self.timeout:g} s time limit while sending results"
            raise
        finally:
            if finished:
                self._idle.put_nowait(worker)
            else:
                self._replace(worker, why)


def _poll_receive(conn: Connection, wait: float) -> bytes | None:
    return conn.recv_bytes() if conn.poll(wait) else None


async def _receive(worker: _Worker, deadline: float) -> bytes:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise QueryTimeout()
    try:
        message = await anyio.to_thread.run_sync(_poll_receive, worker.conn, remaining)
    except (EOFError, OSError) as exc:
        raise WorkerFailed(f"the query worker stopped ({exc or 'crashed'})") from None
    if message is None:
        raise QueryTimeout()
    return message
