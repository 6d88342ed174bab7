"""`pip install .` (a wheel, not the editable install of `make`) builds and serves the graph from any directory.

The wheel is built offline from a copy of the project (setuptools from the test environment, no build
isolation), installed with `--target` into a temporary folder put first on PYTHONPATH, and run from
another temporary folder: nothing can come from the checkout, so a module, shape, query or data file
left out of the package shows up here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import requests

from graph_service.config import PROJECT_ROOT

from .serving import free_port, wait_for

#: what a source distribution holds: the project files and the folders pyproject.toml packages
SHIPPED = ("pyproject.toml", "README.md", *(name.rstrip("*") for name in tomllib.loads(
    (PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]))


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The project installed from its wheel into a folder of its own."""
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    for name in SHIPPED:
        src = PROJECT_ROOT / name
        if src.is_dir():
            shutil.copytree(src, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy(src, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(root / "dist"), str(source)],
                   check=True, cwd=root)
    wheel = next((root / "dist").glob("bercy_graph-*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", str(root / "site"), str(wheel)], check=True)
    return root / "site"


def run_installed(site: Path, cwd: Path, *args: str, **kwargs) -> subprocess.Popen | subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERCY_GRAPH_")}
    env["PYTHONPATH"] = str(site)
    command = [sys.executable, "-m", "graph_service.cli", *args]
    if kwargs.pop("background", False):
        return subprocess.Popen(command, cwd=cwd, env=env, **kwargs)
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, **kwargs)


def test_the_installed_package_builds_and_serves_from_another_directory(installed: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    built = run_installed(installed, elsewhere, "build", "--quiet", timeout=900)
    assert built.returncode == 0, built.stderr[-2000:]
    assert (elsewhere / "var" / "stores" / "current").is_dir()   # the default home is the current directory
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = run_installed(installed, elsewhere, "serve", "--port", str(port), "--log-level", "warning",
                           background=True, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(server, url, tmp_path / "serve.log")
        ask = requests.get(f"{url}/sparql", params={"query": "ASK { ?s a <http://www.w3.org/ns/dcat#Dataset> }"},
                           headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert ask.status_code == 200 and ask.json()["boolean"] is True
        page = requests.get(f"{url}/sparql", headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200 and "SELECT" in page.text   # the examples of queries/ are shipped
        toulon = requests.get(f"{url}/id/commune/83137", headers={"Accept": "text/turtle"}, timeout=30)
        assert toulon.status_code == 200 and "Toulon" in toulon.text
        found = requests.get(f"{url}/api/search", params={"q": "toulon"}, timeout=30)   # the index was built
        assert found.status_code == 200 and found.json()["items"][0]["url"] == "/id/commune/83137"
        docs = requests.get(f"{url}/docs", headers={"Accept": "text/html"}, timeout=30)   # no node_modules in a wheel
        assert docs.status_code == 503 and "make assets" in docs.text
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_the_installed_code_is_not_the_checkout(installed: Path, tmp_path: Path):
    """The check above means something only if the installed copy is what ran."""
    where = subprocess.run([sys.executable, "-c", "import graph_service, mappings; "
                            "print(graph_service.__file__); print(mappings.__file__)"],
                           cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(installed)},
                           capture_output=True, text=True, check=True).stdout.split()
    assert all(Path(p).is_relative_to(installed) for p in where), where
