"""The separate environment holding CKAN's DCAT parser, and a way to run it on our pages."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENV = HERE.parent.parent / ".venv-harvester"
REQUIREMENTS = HERE / "ckanext-dcat-parser-requirements.txt"


def python() -> Path:
    """The harvester environment's interpreter, created and filled on first use."""
    exe = ENV / "bin" / "python"
    marker = ENV / ".installed"
    if marker.exists() and marker.read_text() == REQUIREMENTS.read_text():
        return exe
    if not exe.exists():
        venv.create(ENV, with_pip=True)
    subprocess.run([str(exe), "-m", "pip", "install", "--quiet", "--no-deps", "-r", str(REQUIREMENTS)],
                   check=True)
    marker.write_text(REQUIREMENTS.read_text())
    return exe


def run_parser(script: str, *args: str, timeout: float = 300) -> dict:
    """Run a Python script in the harvester environment; it prints one JSON document."""
    done = subprocess.run([str(python()), "-c", script, *args], capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"harvester script failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


if __name__ == "__main__":
    print(python(), file=sys.stderr)
