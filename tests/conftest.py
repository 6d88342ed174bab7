"""Shared fixtures: one full build of the embedded data per test session, in a temporary home."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from graph_service.build.pipeline import BuildReport, build
from graph_service.config import PROJECT_ROOT, Settings
from graph_service.store import GraphStore

DATA = PROJECT_ROOT / "data"
BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    """Settings of the session's default build: embedded data, default base, temporary home."""
    return Settings(base=BASE, data_dir=DATA, home=tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="session")
def built(settings: Settings) -> BuildReport:
    """The report of a full default build (done once per session)."""
    return build(settings, progress=False)


@pytest.fixture(scope="session")
def store(built: BuildReport, settings: Settings) -> GraphStore:
    """The store of the session's default build."""
    return GraphStore.current(settings)


@pytest.fixture(scope="session")
def served_build(settings: Settings, tmp_path_factory) -> tuple[Settings, GraphStore]:
    """A full build whose base is `http://127.0.0.1:{a free port}`, for the tests that dereference our IRIs
    with real clients (a server for it listens on that port): built once per session, shared. Not validated:
    the session's build (`built`) is, from the same files, and these tests read pages and links, not reports."""
    from .serving import free_port
    mine = replace(settings, base=f"http://127.0.0.1:{free_port()}", home=tmp_path_factory.mktemp("served-home"))
    build(mine, progress=False, validate=False)
    return mine, GraphStore.current(mine)


def fresh_settings(settings: Settings, tmp_path: Path) -> Settings:
    """Same data and base as the session, another home (for builds a test breaks on purpose)."""
    return replace(settings, home=tmp_path / "home")
