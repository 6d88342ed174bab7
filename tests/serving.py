"""Start `bercy-graph serve` in a subprocess on a free local port, for tests that talk HTTP to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from graph_service.config import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(process: subprocess.Popen, ready: Callable[[], bool], log: Path, startup: float = 60.0) -> None:
    """Return once `ready()` (an HTTP probe) is true; fail with the process's log if it exits or never is."""
    deadline = time.monotonic() + startup
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}: {log.read_text(errors='replace')}")
        try:
            if ready():
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{process.args[0]} did not start: {log.read_text(errors='replace')}")
        time.sleep(0.2)


def wait_for(process: subprocess.Popen, url: str, log: Path, startup: float = 60.0) -> None:
    """Return once our server at `url` answers (any status)."""
    wait_until(process, lambda: bool(requests.get(f"{url}/sparql", headers={"Accept": "text/turtle"}, timeout=2)
                                      .status_code), log, startup)


def stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Terminate, then kill what is still running after `grace` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_server(settings: Settings, *args: str, startup: float = 60.0,
                   port: int | None = None) -> Iterator[str]:
    """Run the server (extra CLI `args`) with `settings`' home and base; yield its base URL; stop it.

    `port`: a port chosen beforehand, for a server whose public base must be its own URL."""
    port = port or free_port()
    env = {**os.environ, "BERCY_GRAPH_HOME": str(settings.home), "BERCY_GRAPH_DATA": str(settings.data_dir),
           "BERCY_GRAPH_BASE": settings.base}
    log = Path(settings.home) / f"serve-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "graph_service.cli", "serve", "--port", str(port),
                                    "--log-level", "warning", *args], env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(process, url, log, startup)
        yield url
    finally:
        stop(process)
