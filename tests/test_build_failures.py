"""A build that fails must leave the served graph as it was: the error said, `current` unchanged, no
half-built `build-*` store left behind. Four ways to fail after a first good build: data that violates
a blocking shape, a failure in the loader thread while it loads the new store, one once it is loaded, a
failure while swapping it in."""

from __future__ import annotations

import errno
import os
import shutil
import threading
from pathlib import Path

import pytest

from graph_service.build import load, pipeline
from graph_service.build.pipeline import BuildError, build
from graph_service.config import Settings
from graph_service.store import GraphStore
from mappings import naf

from .conftest import BASE, DATA

#: NAF row 3 (01.13Z) states its section A with another label than rows 1-2: section A gets two
#: French labels, which the blocking "referentials" shape set refuses (one skos:prefLabel per language)
SECTION_A = '"AGRICULTURE, SYLVICULTURE ET PÊCHE"'
SECTIONS = 'PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ' \
           'SELECT ?label WHERE { <' + BASE + '/id/naf/A> skos:prefLabel ?label }'


@pytest.fixture
def good_build(tmp_path: Path) -> Settings:
    """A home with one good, validated build of the NAF (a private copy of its file, to break)."""
    data = tmp_path / "data"
    (data / naf.FILE).parent.mkdir(parents=True)
    shutil.copy(DATA / naf.FILE, data / naf.FILE)
    settings = Settings(base=BASE, data_dir=data, home=tmp_path / "home")
    build(settings, naf.SOURCES, progress=False)
    return settings


def served(settings: Settings) -> tuple[Path, list[dict]]:
    """The store `current` points at, and what it says of NAF section A."""
    store = GraphStore.current(settings)
    return store.path, store.select(SECTIONS)


def stores(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.store_root.glob("build-*"))


def assert_untouched(settings: Settings, before: tuple[Path, list[dict]], kept: list[str]) -> None:
    """Same store served, same answer, no other `build-*` folder, no work folder left."""
    assert served(settings) == before
    assert stores(settings) == kept
    assert not any((settings.home / "work").iterdir())


def test_blocking_shape_violations_stop_the_build(good_build):
    before, kept = served(good_build), stores(good_build)
    assert before[1] == [{"label": "AGRICULTURE, SYLVICULTURE ET PÊCHE"}]
    path = good_build.data_dir / naf.FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert SECTION_A in lines[3]
    lines[3] = lines[3].replace(SECTION_A, '"AGRICULTURE"')
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(BuildError, match=r"validation failed: referentials \(\d+ violations\)"):
        build(good_build, naf.SOURCES, progress=False)
    assert_untouched(good_build, before, kept)


def disk_full(*args, **kwargs) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_failure_while_loading_leaves_the_graph_untouched(good_build, monkeypatch):
    """The disk fills while the loader thread streams a lifted file into the new store: the build stops
    with the one message naming the file, nothing of the new store stays."""
    before, kept = served(good_build), stores(good_build)
    monkeypatch.setattr(load.Loader, "_chunks", disk_full)
    with pytest.raises(BuildError, match=r"loading naf\.nq: .*No space left on device"):
        build(good_build, naf.SOURCES, progress=False)
    assert_untouched(good_build, before, kept)


def test_a_loader_that_cannot_open_its_fifo_stops_the_build(good_build, monkeypatch):
    """The process has no file descriptor left when the loader opens the FIFO Oxigraph reads: the build
    stops with the reason (it used to wait forever, Oxigraph blocked in its own open for a writer)."""
    before, kept = served(good_build), stores(good_build)
    real_open, refused = os.open, []

    def no_descriptor_for_writing(path, flags, *args, **kwargs):
        if flags & os.O_WRONLY and Path(path).name == "quads.nq" and not refused:
            refused.append(path)   # once: descriptors come free again
            raise OSError(errno.EMFILE, "Too many open files")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(load.os, "open", no_descriptor_for_writing)
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            build(good_build, naf.SOURCES, progress=False)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - asserted below
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(60)
    assert outcome, "the build hung"
    assert isinstance(outcome[0], BuildError) and "Too many open files" in str(outcome[0])
    assert_untouched(good_build, before, kept)


def test_a_failure_after_loading_leaves_the_graph_untouched(good_build, monkeypatch):
    before, kept = served(good_build), stores(good_build)

    def settle_then_fail(path: Path, union_is_set: bool) -> int:
        real_settle(path, union_is_set)  # the new store is whole on disk when the failure comes
        disk_full()
        return 0

    real_settle = load.settle_default_graph
    monkeypatch.setattr(load, "settle_default_graph", settle_then_fail)
    with pytest.raises(BuildError, match="No space left on device"):
        build(good_build, naf.SOURCES, progress=False)
    assert_untouched(good_build, before, kept)


def test_a_failure_while_swapping_leaves_the_graph_untouched(good_build, monkeypatch):
    before, kept = served(good_build), stores(good_build)
    monkeypatch.setattr(pipeline, "swap_in", disk_full)
    with pytest.raises(BuildError, match="No space left on device"):
        build(good_build, naf.SOURCES, progress=False)
    assert_untouched(good_build, before, kept)
