"""What changed, build after build: fingerprints of records, the activities of the `changes` graph, the
Atom feed read by a feed reader's parser (feedparser) and the event stream read by a real LDES client
(npm `ldes-client`, default settings).

The builds lift the régions and the real catalog export; the second build's copy of the catalog loses
one dataset's row and retitles another, so what the feed must say is known from the file itself.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import feedparser
import pytest
import requests

from graph_service.build import changes
from graph_service.build.pipeline import build
from graph_service.config import PROJECT_ROOT, Settings
from graph_service.web.documents.changes import Activity, summary
from mappings import catalog, cog
from mappings.iri import Minter

from .conftest import DATA
from .serving import free_port, running_server

SOURCES = [cog.SOURCES[0], *catalog.SOURCES]
LDES_CLIENT = PROJECT_ROOT / "tests" / "clients" / "node_modules" / ".bin" / "ldes-client"
TURTLE = {"Accept": "text/turtle"}


def write_nq(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + " <http://g> .\n" for line in lines), encoding="utf-8")
    return path


def test_a_record_fingerprint_ignores_line_order_and_blank_node_labels(tmp_path):
    mint = Minter("http://example.org")
    s = "<http://example.org/id/contrat/1/2>"
    one = changes.fingerprint([write_nq(tmp_path / "a.nq", [
        f'{s} <http://p/a> "1"', f"{s} <http://p/b> _:x", '_:x <http://p/c> "2020"'])], mint)
    same = changes.fingerprint([write_nq(tmp_path / "b.nq", [
        '_:other <http://p/c> "2020"', f"{s} <http://p/b> _:other", f'{s} <http://p/a> "1"'])], mint)
    other = changes.fingerprint([write_nq(tmp_path / "c.nq", [
        f'{s} <http://p/a> "1"', f"{s} <http://p/b> _:x", '_:x <http://p/c> "2021"'])], mint)
    assert one.records == same.records
    assert one.records[s[1:-1]][1] == "contrat"
    change = changes.compare("g", one, other)
    assert dict(change.modified) == {"contrat": 1} and not change.added and not change.removed


def catalog_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def portal_id(row: dict[str, str]) -> str:
    return re.search(r"/explore/dataset/([^/]+)/$", row["harvest.remote_url"]).group(1)


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    """(settings, the deleted dataset's id, the retitled dataset's id and new title) after two builds whose
    base is the server's URL (so that the event stream's links dereference)."""
    tmp = tmp_path_factory.mktemp("changes")
    data = tmp / "data"
    for source in SOURCES:
        (data / source.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / source.path, data / source.path)
    settings = Settings(base=f"http://127.0.0.1:{free_port()}", data_dir=data, home=tmp / "home")
    first = build(settings, SOURCES, progress=False, validate=False)
    path = data / catalog.PATH
    text = path.read_text(encoding="utf-8-sig")
    rows = catalog_rows(path)
    gone, retitled = rows[3], rows[7]
    lines = text.splitlines(keepends=True)
    header = lines[0]
    body = [line for line in lines[1:] if portal_id_in(line) != portal_id(gone)]
    assert len(body) == len(lines) - 2          # one row (one line) removed
    new_title = retitled["title"] + " (titre corrigé)"
    body = [line.replace(retitled["title"], new_title, 1) if portal_id_in(line) == portal_id(retitled) else line
            for line in body]
    path.write_text("\ufeff" + header + "".join(body), encoding="utf-8")
    second = build(settings, SOURCES, progress=False, validate=False)
    return settings, first, second, portal_id(gone), portal_id(retitled), new_title


def portal_id_in(line: str) -> str | None:
    found = re.search(r"/explore/dataset/([^/]+)/", line)
    return found.group(1) if found else None


def test_a_first_build_creates_every_graph_and_the_next_one_reports_only_what_changed(two_builds):
    settings, first, second, gone, retitled, _ = two_builds
    created = {c["graph"]: c for c in first.changes}
    assert {c["activity"] for c in first.changes} == {"Create"}
    assert created["cog-regions"]["added"] == {"region": 18}
    assert created["catalog"]["added"]["dataset"] == len(catalog_rows(DATA / catalog.PATH))
    [update] = second.changes                       # the régions did not change: not a word about them
    assert update["graph"] == "catalog" and update["activity"] == "Update"
    assert update["removed"]["dataset"] == 1 and "dataset" not in update["added"]
    assert update["modified"].get("dataset") == 1   # the retitled one, and no other


def test_the_atom_feed_tells_each_change_in_french(two_builds):
    settings, _, second, gone, retitled, new_title = two_builds
    with running_server(settings, port=int(settings.base.rsplit(":", 1)[1])) as url:
        response = requests.get(f"{url}/feed", timeout=60)
        page = requests.get(f"{url}/id/dataset/{retitled}", headers={"Accept": "text/html"}, timeout=60).text
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    titles = [e.title for e in feed.entries]
    assert f"{new_title} : description modifiée" in titles
    assert f"{gone} : retiré du catalogue" in titles
    [catalog_entry] = [e for e in feed.entries if e.link.endswith("/graph/catalog") and "supprimé" in e.title]
    assert "1 jeu de données modifié, 1 supprimé" in catalog_entry.summary
    assert feed.entries[0].updated >= feed.entries[-1].updated    # newest first
    assert "Changements de sa description" in page and "description modifiée" in page   # the dataset's own page


def test_a_failed_build_leaves_the_change_history_as_it_was(two_builds, tmp_path):
    settings, *_ = two_builds
    log = settings.home / changes.LOG
    before = log.read_bytes()
    broken = [*SOURCES[:1], *SOURCES[1:]]
    missing = tmp_path / "empty"
    missing.mkdir()
    with pytest.raises(Exception):
        build(Settings(base=settings.base, data_dir=missing, home=settings.home), broken, progress=False,
              validate=False)
    assert log.read_bytes() == before


@pytest.mark.skipif(not LDES_CLIENT.exists(), reason="npm clients not installed: make clients-env")
def test_a_real_ldes_client_reads_every_member_once(two_builds):
    settings, *_ = two_builds
    with running_server(settings, port=int(settings.base.rsplit(":", 1)[1])) as url:
        done = subprocess.run([str(LDES_CLIENT), f"{url}/ldes"], capture_output=True, text=True, timeout=300)
        expected = requests.get(f"{url}/sparql", timeout=60, params={"query": (
            "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { GRAPH ?g { ?a <https://www.w3.org/ns/activitystreams#published> ?t } }")},
            headers={"Accept": "application/sparql-results+json"}).json()
    assert done.returncode == 0, done.stderr[-2000:]
    published = re.findall(r"^(<[^>]+>) <https://www\.w3\.org/ns/activitystreams#published>", done.stdout, re.M)
    assert 0 < len(published) == len(set(published)) == int(expected["results"]["bindings"][0]["n"]["value"])


def test_closed_pages_of_the_event_stream_are_immutable_and_the_newest_is_not(two_builds):
    settings, first, second, *_ = two_builds
    with running_server(settings, port=int(settings.base.rsplit(":", 1)[1])) as url:
        root = requests.get(f"{url}/ldes", headers=TURTLE, timeout=60)
        pages = re.findall(r"/ldes/(build-[0-9TZ-]+)", root.text)
        assert pages == [first.build_id]
        oldest = requests.get(f"{url}/ldes/{first.build_id}", headers=TURTLE, timeout=60)
        newest = requests.get(f"{url}/ldes/{second.build_id}", headers=TURTLE, timeout=60)
        again = requests.get(f"{url}/ldes/{first.build_id}", timeout=60,
                             headers={**TURTLE, "If-None-Match": oldest.headers["ETag"]})
    assert "immutable" in oldest.headers["Cache-Control"] and "immutable" not in newest.headers["Cache-Control"]
    assert f"/ldes/{second.build_id}" in oldest.text        # the relation to the next page
    assert again.status_code == 304


def test_a_change_is_told_in_french_with_the_kind_s_own_noun():
    """The feed's sentence names each kind of record as the pages do (one table of kind names), with
    French agreement: the counts come from a record's kind, the nouns from `labels.KIND_NAMES`."""
    activity = Activity("x", "Update", "g", "DVF Toulon", "2026-12-07",
                        {"mutation": (0, 0, 1), "contrat": (3, 1, 0), "": (0, 2, 0)})
    assert summary(activity) == ("DVF Toulon : 3 marchés ajoutés, 1 modifié; 1 vente supprimée; "
                                 "2 autres enregistrements modifiés")
