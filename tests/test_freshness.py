"""The freshness observatory on the real catalog export: which datasets are late on the update frequency
their publisher declared, counted from the CSV's own `frequency` and `last_modified` columns with the
stated rule, and said the same way by the graph, /api/freshness, /fraicheur and the dataset page."""

from __future__ import annotations

import csv
import re
from datetime import datetime, timezone

import pytest
import requests

from graph_service.build import freshness
from graph_service.build.pipeline import build
from graph_service.config import Settings
from graph_service.store import GraphStore, build_time
from mappings import catalog

from .conftest import BASE, DATA
from .serving import running_server


def expected_late(when: datetime) -> dict[str, int]:
    """dataset slug -> days late, from the CSV (frequency names as udata writes them)."""
    late = {}
    with (DATA / catalog.PATH).open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            period = freshness.PERIOD_DAYS.get(catalog.FREQUENCIES.get(row["frequency"], ""))
            if not row["last_modified"] or period is None:
                continue
            modified = datetime.fromisoformat(row["last_modified"]).replace(tzinfo=timezone.utc) \
                if "+" not in row["last_modified"] and not row["last_modified"].endswith("Z") \
                else datetime.fromisoformat(row["last_modified"].replace("Z", "+00:00"))
            age = (when - modified).days
            if age > 2 * period + 7:
                # the key of our IRI: the portal's dataset id, else the data.gouv.fr id (mappings/catalog_entry.py)
                portal = re.search(r"/explore/dataset/([^/]+)/?$", row["harvest.remote_url"])
                late[portal.group(1) if portal else row["id"]] = age - 2 * period - 7
    return late


@pytest.fixture(scope="module")
def catalog_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fresh")
    settings = Settings(base=BASE, data_dir=DATA, home=tmp / "home")
    report = build(settings, catalog.SOURCES, progress=False, validate=False)
    return settings, report


def test_a_weekly_dataset_unchanged_for_five_weeks_is_late_and_one_for_two_weeks_is_not():
    assert freshness.late_after(freshness.PERIOD_DAYS["WEEKLY"]) < 35
    assert freshness.late_after(freshness.PERIOD_DAYS["WEEKLY"]) > 14
    assert freshness.late_after(freshness.PERIOD_DAYS["ANNUAL"]) > 366 * 2


def test_the_late_datasets_are_those_the_rule_finds_in_the_catalog_file(catalog_build):
    settings, report = catalog_build
    when = build_time(report.build_id)
    expected = expected_late(when)
    assert expected, "the real catalog has late datasets on the build day"
    with running_server(settings) as url:
        api = requests.get(f"{url}/api/freshness", timeout=60).json()
        page = requests.get(f"{url}/fraicheur", timeout=60)
        worst = api["items"][0]
        dataset_page = requests.get(worst["dataset"].replace(BASE, url), headers={"Accept": "text/html"}, timeout=60)
    found = {item["dataset"].rsplit("/", 1)[-1]: item["days_late"] for item in api["items"]}
    assert found == expected
    assert api["late"] == len(expected)
    assert page.status_code == 200 and f"{len(expected)} jeux de données sur" in page.text.replace("\u202f", "")
    assert "En retard" in dataset_page.text and worst["modified"][:10] in dataset_page.text
