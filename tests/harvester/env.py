"""The separate environment holding CKAN's DCAT parser, and a way to run it on our pages.

The environment is installed by the set-up, never by a test: `make harvester-env` (which `make test`,
hence CI, runs first) or `python -m tests.harvester.env install`. A test run without it skips the
harvester test, saying how to install it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ENV = HERE.parent.parent / ".venv-harvester"
REQUIREMENTS = HERE / "ckanext-dcat-parser-requirements.txt"
MARKER = ENV / ".installed"
INSTALL = "make harvester-env"


def installed() -> bool:
    """The environment holds exactly the pinned requirements."""
    return MARKER.exists() and MARKER.read_text() == REQUIREMENTS.read_text()


def install() -> Path:
    """Create the environment and install the pinned parser (`--no-deps`: the pins are complete)."""
    exe = ENV / "bin" / "python"
    if not exe.exists():
        venv.create(ENV, with_pip=True)
    subprocess.run([str(exe), "-m", "pip", "install", "--quiet", "--no-deps", "-r", str(REQUIREMENTS)],
                   check=True)
    MARKER.write_text(REQUIREMENTS.read_text())
    return exe


def python() -> Path:
    """The harvester environment's interpreter; the calling test skips when the set-up did not install it."""
    if not installed():
        pytest.skip(f"CKAN's DCAT parser is not installed in {ENV}: run `{INSTALL}`")
    return ENV / "bin" / "python"


def run_parser(script: str, *args: str, timeout: float = 300) -> dict:
    """Run a Python script in the harvester environment; it prints one JSON document."""
    done = subprocess.run([str(python()), "-c", script, *args], capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"harvester script failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


if __name__ == "__main__":
    if sys.argv[1:] != ["install"]:
        raise SystemExit("usage: python -m tests.harvester.env install")
    print(install() if not installed() else ENV / "bin" / "python", file=sys.stderr)
