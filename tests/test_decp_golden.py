"""Golden-file tests of the DECP formats: small real slices (plus the official, fictitious, v2
examples) in tests/mappings/decp_*/, lifted through the build, compared with expected.ttl."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

from mappings import decp_tabular, decp_v1, decp_v2

from .conftest import DATA
from .golden import GOLDEN, assert_golden

REF = DATA / "referentials"


def codes(path, column: str = "code") -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def known() -> dict[str, Iterable[str]]:
    """The referential keys a real build defines before DECP (from the real COG and CPV files)."""
    cog = REF / "cog2025"
    return {"cpv": codes(REF / "cpv" / "cpv2008_main_vocabulary_en.csv"),
            "commune": codes(cog / "cog2025_communes.csv"),
            "departement": codes(cog / "cog2025_departments.csv"),
            "region": codes(cog / "cog2025_regions.csv"),
            "arrondissement": codes(cog / "cog2025_arrondissements.csv"),
            "pays": codes(cog / "cog2025_countries.csv")}


def json_records(dataset: str, name: str) -> int:
    document = json.loads((GOLDEN / dataset / name).read_text(encoding="utf-8"))
    if isinstance(document, list):
        return len(document)
    marches = document["marches"]
    return len(marches) if isinstance(marches, list) else sum(len(v) for v in marches.values())


def accounted(result) -> bool:
    return result.rows == result.lifted + len(result.rejected)


def test_decp_2019(tmp_path):
    sources = [decp_v1.source(s.name, s.title, Path(s.path).name) for s in decp_v1.SOURCES]
    results = assert_golden("decp_v1", *sources, out_dir=tmp_path, known=known())
    for source, result in zip(sources, results):
        assert result.rows == json_records("decp_v1", source.path) and accounted(result)
    emp, pes, aife = results
    # two distinct records sharing buyer + id (e-marchespublics, PES): both lifted, as two awards (issue 9)
    assert emp.rejected == pes.rejected == [] and emp.lifted == emp.rows and pes.lifted == pes.rows
    # the concession without id cannot be identified
    assert [(r.field, r.reason.split(":")[0]) for r in aife.rejected] == [("id", "missing value")]


def test_decp_2024(tmp_path):
    sources = [decp_v2.source(s.name, s.title, Path(s.path).name) for s in decp_v2.SOURCES]
    examples = decp_v2.source("decp-2024-exemples", "exemples officiels", "marches_concessions.json")
    paris, official = assert_golden("decp_v2", *sources, examples, out_dir=tmp_path, known=known())
    assert paris.rows == paris.lifted == json_records("decp_v2", "decp_v2_2024_ville_de_paris_21750001600019.json")
    assert official.rows == official.lifted == json_records("decp_v2", "marches_concessions.json")


def test_decp_tabular(tmp_path):
    sources = [decp_tabular.source(s.name, s.title, "input.csv") for s in decp_tabular.SOURCES]
    (result,) = assert_golden("decp_tabular", *sources, out_dir=tmp_path, known=known())
    with (GOLDEN / "decp_tabular" / "input.csv").open(encoding="utf-8") as handle:
        assert result.rows == sum(1 for _ in csv.DictReader(handle)) and accounted(result)
    assert result.rejected == []  # a uid's second distinct award is lifted as its own contract (issue 9)
