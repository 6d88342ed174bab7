"""SPARQL engines the store-touching tests run against: an Oxigraph server (PyPI `oxigraph`, its `oxigraph`
command) and Virtuoso (Debian `virtuoso-opensource-7-bin`, its `virtuoso-t`), each started on free local
ports with a temporary database, and stopped after."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from graph_service.config import PROJECT_ROOT

from .serving import free_port, stop, wait_until

#: the venv's (test extra `oxigraph`), else the benchmarks' anchor environment's, else one on the PATH
OXIGRAPH = (shutil.which("oxigraph", path=str(Path(sys.executable).parent))
            or shutil.which("oxigraph", path=str(PROJECT_ROOT / ".venv-bench" / "bin")) or shutil.which("oxigraph"))
VIRTUOSO = shutil.which("virtuoso-t")
#: seconds an engine may take to start (Virtuoso creates its database first)
STARTUP = 120.0

VIRTUOSO_INI = """[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql}
ServerThreads = 10
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = {db}
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {db}
ServerThreads = 5
[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = {timeout}
MaxQueryCostEstimationTime = 0
"""


def ask(query_url: str) -> bool:
    """Whether the engine answers a SPARQL query."""
    return requests.post(query_url, data={"query": "ASK {}"}, timeout=5).status_code == 200


@contextmanager
def oxigraph_server(folder: Path, timeout: int = 30) -> Iterator[str]:
    """`oxigraph serve` on a free port over a new store in `folder`; yields its URL (BERCY_GRAPH_STORE)."""
    port, log = free_port(), folder / "oxigraph.log"
    with log.open("wb") as out:
        process = subprocess.Popen([OXIGRAPH, "serve", "--location", str(folder / "store"),
                                    "--bind", f"127.0.0.1:{port}", "--timeout-s", str(timeout)],
                                   stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(process, lambda: ask(url + "/query"), log, STARTUP)
        yield url
    finally:
        stop(process, 30)


@contextmanager
def virtuoso_server(folder: Path, timeout: int = 30) -> Iterator[str]:
    """`virtuoso-t` in the foreground on free ports with a new database in `folder`; yields its URL with
    the default administrator's credentials (the authenticated Graph Store and update endpoints)."""
    http = free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(db=folder, sql=free_port(), http=http, timeout=timeout))
    log = folder / "virtuoso.out"
    with log.open("wb") as out:
        process = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(ini)], cwd=folder,
                                   stdout=out, stderr=out)
    try:
        wait_until(process, lambda: ask(f"http://127.0.0.1:{http}/sparql"), log, STARTUP)
        yield f"http://dba:dba@127.0.0.1:{http}/sparql"
    finally:
        stop(process, 30)


ENGINES = {"oxigraph": (OXIGRAPH, oxigraph_server), "virtuoso": (VIRTUOSO, virtuoso_server)}
