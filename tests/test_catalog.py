"""The ministry's catalog in DCAT-AP 3 and its charter quality in DQV, checked against the CSV export.

Expected values are computed here from the CSV with the csv module and the charter's wording,
never copied from our own output.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import replace

import pytest

from graph_service.shacl import pyshacl_engine as shacl_engines
from graph_service.shacl import shape_sets as validation
from graph_service.config import PROJECT_ROOT
from graph_service.build.pipeline import lift_source
from mappings import catalog, catalog_quality, vocabularies
from mappings.iri import Minter
from mappings.namespaces import sparql_prologue
from mappings.read import SourceError
from mappings.source import Context

from .conftest import BASE, DATA
from .golden import GOLDEN, assert_golden

CSV = DATA / catalog.PATH
LO2 = "Licence Ouverte / Open Licence version 2.0"
LO1 = "Licence Ouverte / Open Licence"


def rows() -> list[dict[str, str]]:
    with CSV.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def described() -> list[dict[str, str]]:
    """The rows the catalog keeps: every one (a missing description gets a generated one, issue 9)."""
    return rows()


def items(text: str) -> set[str]:
    return {t.strip() for t in text.split(",") if t.strip()}


def portal_id(row: dict[str, str]) -> str | None:
    m = re.search(r"/explore/dataset/([^/]+)/$", row["harvest.remote_url"])
    return m.group(1) if m else None


def charter(row: dict[str, str]) -> dict[str, bool]:
    """The ten rules of the ministry's publication charter, as the issue states them."""
    name = portal_id(row) or row["slug"]
    title_words = [w for w in row["title"].split() if any(c.isalnum() for c in w)]
    return {
        "titre-5-10-mots": 5 <= len(title_words) <= 10,
        "description-300-500-caracteres": 300 <= len(row["description"].strip()) <= 500,
        "mots-cles-3-7": 3 <= len(items(row["tags"])) <= 7,
        "frequence": row["frequency"] not in ("", "unknown"),
        "licence": row["license"] in (LO2, LO1),
        "couverture-temporelle": bool(row["temporal_coverage.start"] or row["temporal_coverage.end"]),
        "couverture-spatiale": bool(row["spatial.zones"]),
        "identifiant-sans-copie": "copie" not in name.lower(),
        "identifiant-sans-chiffre-de-plateforme": not re.search(r"[a-z]\d$", name),
        "identifiant-tirets": "_" not in name,
    }


def count(store, where: str) -> int:
    q = sparql_prologue() + f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"
    return int(store.select(q)[0]["n"])


def test_golden_rows(tmp_path):
    [result] = assert_golden("catalog", catalog.SOURCE, out_dir=tmp_path)
    with (GOLDEN / "catalog" / "input.csv").open(encoding="utf-8", newline="") as handle:
        sample = list(csv.DictReader(handle, delimiter=";"))
    assert result.rows == len(sample) == 7
    assert result.rejected == []  # the row without description is kept (issue 9)


def test_every_row_is_lifted_or_rejected(built, store):
    all_rows, kept = rows(), described()
    assert len(all_rows) == 678
    summaries = {s["source"]: s for s in built.sources}
    for name in ("catalog", "catalog-quality"):
        summary = summaries[name]
        assert summary["rows"] == len(all_rows) == summary["lifted"] + summary["rejected"]
        assert summary["lifted"] == len(kept)
    assert count(store, "?d a dcat:Dataset") == len(kept)
    assert count(store, "?c a dcat:Catalog ; dcat:dataset ?d . ?d a dcat:Dataset") == len(kept)


def test_identifiers_are_the_portal_ids_else_the_datagouv_ids(store):
    expected = {portal_id(r) or r["id"] for r in described()}
    found = store.select(sparql_prologue() + "SELECT ?id WHERE { ?d a dcat:Dataset ; dct:identifier ?id }")
    assert {r["id"] for r in found} == expected
    fallback = sum(1 for r in described() if not r["harvest.remote_url"])
    assert count(store, """?d a dcat:Dataset ; dcat:landingPage ?p .
                          FILTER(STRSTARTS(STR(?p), "https://www.data.gouv.fr/datasets/"))""") == fallback


def test_licence_on_datasets_and_their_distributions(store):
    kept = described()
    licensed = sum(1 for r in kept if r["license"] in (LO2, LO1))
    assert count(store, "?d a dcat:Dataset ; dct:license ?l") == licensed
    assert count(store, """?d a dcat:Dataset ; dct:license ?l ; dcat:distribution ?x .
                          FILTER NOT EXISTS { ?x dct:license ?l }""") == 0
    q = sparql_prologue() + """SELECT ?title ?match WHERE {
      <https://www.etalab.gouv.fr/licence-ouverte-open-licence/> a dct:LicenseDocument ;
          dct:title ?title ; skos:exactMatch ?match }"""
    assert {(r["title"], r["match"]) for r in store.select(q)} == {
        (LO2, "http://publications.europa.eu/resource/authority/licence/ETALAB_2_0"),
        (LO2, "http://spdx.org/licenses/etalab-2.0")}
    assert count(store, "?d dct:license <https://www.etalab.gouv.fr/licence-ouverte-open-licence/> ; "
                        "a dcat:Dataset") == sum(1 for r in kept if r["license"] == LO2)


def test_frequencies_follow_the_eu_table(store):
    kept = described()
    annual = sum(1 for r in kept if r["frequency"] == "annual")
    assert count(store, "?d dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/"
                        "frequency/ANNUAL>") == annual
    assert count(store, "?d dct:accrualPeriodicity ?f") == sum(1 for r in kept if r["frequency"])
    assert count(store, """?d dct:accrualPeriodicity ?f . FILTER NOT EXISTS {
        ?f a dct:Frequency ; skos:inScheme <http://publications.europa.eu/resource/authority/frequency> }""") == 0


def test_distributions_have_eu_file_types_iana_media_types_and_access_urls(store):
    kept = described()
    csv_exports = sum(1 for r in kept if "csv" in items(r["resources_formats"]) and portal_id(r))
    q = """?x dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ;
               dcat:mediaType <https://www.iana.org/assignments/media-types/text/csv> ;
               dcat:downloadURL ?u .
           FILTER(STRSTARTS(STR(?u), "https://data.economie.gouv.fr/api/v2/catalog/datasets/")
                  && STRENDS(STR(?u), "/exports/csv"))"""
    assert count(store, q) == csv_exports
    assert count(store, "?x a dcat:Distribution . FILTER NOT EXISTS { ?x dcat:accessURL ?u }") == 0
    assert count(store, """?x a dcat:Distribution ; dct:format ?f . FILTER NOT EXISTS {
        ?f skos:inScheme <http://publications.europa.eu/resource/authority/file-type> }""") == 0


def test_themes_and_publishers_carry_their_labels(store):
    assert count(store, "?d dcat:theme ?t") > 0
    assert count(store, """?d dcat:theme ?t . FILTER NOT EXISTS {
        ?t skos:prefLabel ?l ; skos:inScheme <http://publications.europa.eu/resource/authority/data-theme>
        FILTER(lang(?l) = "fr") }""") == 0
    organisations = {r["organization_id"] for r in described()}
    q = sparql_prologue() + """SELECT DISTINCT ?p WHERE { ?d a dcat:Dataset ; dct:publisher ?p .
        ?p a foaf:Agent, foaf:Organization ; foaf:name ?n }"""
    assert {r["p"].rsplit("/", 1)[-1] for r in store.select(q)} == organisations


def test_spatial_coverage_uses_the_eu_country_table(store):
    france = sum(1 for r in described() if items(r["spatial.zones"]) & {"France", "France métropolitaine"})
    assert count(store, "?d a dcat:Dataset ; dct:spatial "
                        "<http://publications.europa.eu/resource/authority/country/FRA>") == france


def test_unknown_format_tokens_are_reported(built):
    tokens = Counter(t for r in described() for t in items(r["resources_formats"])
                     if t not in catalog.FORMATS)
    reported = {u["code"]: u["count"] for u in built.unresolved
                if u["source"] == "catalog" and u["kind"] == "resource format"}
    assert reported == dict(tokens)


def test_catalog_conforms_to_dcat_ap_3(built):
    outcomes = {v["name"]: v for v in built.validation}
    strict = outcomes["dcat-ap-3.0.1"]
    assert "catalog" in strict["graphs"] and "eu-frequency" in strict["graphs"]
    assert strict["violations"] == 0
    recommended = outcomes["dcat-ap-3.0.1-recommended"]
    assert recommended["violations"] == 0 and recommended["warnings"] > 0


def test_dcat_ap_shapes_catch_a_dataset_without_description(tmp_path):
    """The conformance check can fail: the golden rows pass, then one description is dropped."""
    ctx = Context(Minter(BASE), DATA)
    golden = replace(catalog.SOURCE, path=str(GOLDEN / "catalog" / "input.csv"))
    files = [lift_source(s, ctx, tmp_path, progress=False).nquads for s in [golden, *catalog.SOURCES[1:]]]
    [shape_set] = [s for s in validation.SHAPE_SETS if s.name == "dcat-ap-3.0.1"]

    def violations(data: list) -> list[tuple[str, str]]:
        results, _ = shacl_engines.pyshacl_engine(shape_set.shape_files(), data)
        return [(r.focus, r.path) for r in results if r.severity == "Violation"]

    assert violations(files) == []
    bofip = f"<{BASE}/id/dataset/bofip-impots>"
    description = "<http://purl.org/dc/terms/description>"
    lines = files[0].read_text(encoding="utf-8").splitlines(keepends=True)
    files[0].write_text("".join(x for x in lines if not x.startswith(f"{bofip} {description} ")),
                        encoding="utf-8")
    assert violations(files) == [(bofip[1:-1], description[1:-1])]


def test_vocabulary_codes_missing_from_the_eu_table_are_rejected(tmp_path):
    [source] = vocabularies.sources({"frequency": {"ANNUAL", "EVERY_FORTNIGHT"}})
    result = lift_source(source, Context(Minter(BASE), DATA), tmp_path, progress=False)
    assert (result.rows, result.lifted) == (2, 1)
    assert [(r.field, r.value) for r in result.rejected] == [("code", "EVERY_FORTNIGHT")]


@pytest.mark.parametrize("rule", ["mots-cles-3-7", "titre-5-10-mots", "licence", "frequence",
                                  "identifiant-sans-chiffre-de-plateforme", "identifiant-tirets"])
def test_quality_measurements_follow_the_charter(store, rule):
    passing = sum(1 for r in described() if charter(r)[rule])
    metric = f"<{BASE}/id/metric/charte/{rule}>"
    assert count(store, f"?m dqv:isMeasurementOf {metric} ; dqv:value true") == passing
    assert count(store, f"?m dqv:isMeasurementOf {metric} ; dqv:value false") == len(described()) - passing


def test_sparql_ranks_datasets_by_charter_score(store):
    """queries/catalog_quality_ranking.rq: best datasets first, with the rules they break."""
    checks = {portal_id(r) or r["id"]: charter(r) for r in described()}
    ranking = store.select((PROJECT_ROOT / "queries" / "catalog_quality_ranking.rq").read_text())
    assert len(ranking) == len(checks)
    expected_scores = sorted((sum(c.values()) / 10 for c in checks.values()), reverse=True)
    assert [float(r["score"]) for r in ranking] == expected_scores
    for row in ranking:
        failed = {rule for rule, ok in checks[row["id"]].items() if not ok}
        assert set(row.get("failed", "").split()) == failed, row["id"]


def test_golden_folder_is_a_real_slice():
    """The golden rows are verbatim rows of the real export."""
    with (GOLDEN / "catalog" / "input.csv").open(encoding="utf-8", newline="") as handle:
        sample = list(csv.DictReader(handle, delimiter=";"))
    real = {r["id"]: r for r in rows()}
    assert all(real[r["id"]] == r for r in sample)




def test_bad_rows_and_files_are_named_not_tracebacks(tmp_path):
    """A bad row is rejected by both catalog graphs with its field; a missing table names its file."""
    with (GOLDEN / "catalog" / "input.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        header, sample = reader.fieldnames, list(reader)
    sample[0]["harvest.remote_url"] = "https://example.org/dataset/x/"
    sample[1]["temporal_coverage.start"] = "31/02/2020"
    broken = tmp_path / "broken.csv"
    with broken.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, delimiter=";", quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(sample)
    ctx = Context(Minter(BASE), DATA)
    for source in (catalog.SOURCE, catalog_quality.SOURCES[0]):
        result = lift_source(replace(source, path=str(broken)), ctx, tmp_path, progress=False)
        assert [(r.line, r.field) for r in result.rejected] == [
            (2, "harvest.remote_url"), (3, "temporal_coverage.start")]  # no description: kept (issue 9)
    [frequency] = vocabularies.sources({"frequency": {"ANNUAL"}})
    with pytest.raises(SourceError, match=r"frequency\.rdf: file not found"):
        lift_source(frequency, Context(Minter(BASE), tmp_path), tmp_path, progress=False)


def test_every_dataset_is_public_and_in_french(store):
    eu = "http://publications.europa.eu/resource/authority/"
    assert count(store, f"""?d a dcat:Dataset ; dct:language <{eu}language/FRA> ;
                           dct:accessRights <{eu}access-right/PUBLIC>""") == len(described())
