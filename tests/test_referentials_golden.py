"""Golden-file tests of the referential mappings: real slices in tests/mappings/<dataset>/."""

from __future__ import annotations

import csv

import pytest

from mappings import budget_nomenclature, collectivites, cpv, legal_categories, naf

from .golden import GOLDEN, assert_golden


def data_rows(dataset: str, name: str, delimiter: str = ",") -> int:
    with (GOLDEN / dataset / name).open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle, delimiter=delimiter))


def accounted(result) -> bool:
    return result.rows == result.lifted + len(result.rejected)


def test_cpv(tmp_path):
    fr, en = assert_golden("cpv", *cpv.SOURCES, out_dir=tmp_path)
    assert fr.rows == data_rows("cpv", "cpv2008_fr_avec_cle_et_parent.csv") and accounted(fr)
    assert en.rows == data_rows("cpv", "cpv2008_main_vocabulary_en.csv") and accounted(en)
    # 45216000's parent (45210000) is not in the slice; 45216100 is not in the French slice.
    assert [(r.field, r.value) for r in fr.rejected] == [("id", "45216000-4")]
    assert "parent" in fr.rejected[0].reason
    assert [(r.field, r.value) for r in en.rejected] == [("code", "45216100")]


def test_naf(tmp_path):
    (result,) = assert_golden("naf", *naf.SOURCES, out_dir=tmp_path)
    assert result.rows == result.lifted == data_rows("naf", "input.csv")


def test_legal_categories(tmp_path):
    edition_2019, current = assert_golden("categories_juridiques", *legal_categories.SOURCES, out_dir=tmp_path)
    assert edition_2019.rows == edition_2019.lifted == data_rows(
        "categories_juridiques", legal_categories.EDITION_2019)
    assert current.rows == current.lifted == data_rows("categories_juridiques", legal_categories.CURRENT)


def test_collectivites(tmp_path):
    known = {"departement": ["01", "971", "75"], "collectivite": ["69M"], "region": ["44", "94"],
             "categorie-juridique": ["7220", "7230"]}
    departements, regions = assert_golden("collectivites", *collectivites.SOURCES, out_dir=tmp_path, known=known)
    assert departements.lifted == data_rows("collectivites", "departements-siren.csv")
    assert regions.lifted == data_rows("collectivites", "regions-siren.csv")


def test_collectivite_on_an_unknown_territory_is_rejected(tmp_path):
    """Without the COG, no organisation is published with a dangling territory."""
    from .golden import lift_slices

    graph, results = lift_slices("collectivites", collectivites.SOURCES, tmp_path, known={"region": ["44"]})
    departements, regions = results
    assert departements.lifted == 0 and accounted(departements)
    assert {r.field for r in departements.rejected} == {"Insee"}
    assert regions.lifted == 1 and [r.value for r in regions.rejected] == ["94"]


def test_budget_nomenclature(tmp_path):
    (result,) = assert_golden("budget_nomenclature", *budget_nomenclature.SOURCES, out_dir=tmp_path)
    assert result.rows == result.lifted == data_rows("budget_nomenclature", "input.csv", ";")


def test_a_code_with_two_labels_fails_validation(tmp_path):
    """Rows restate their concepts; if they disagree on a label, validation says so (one label per language)."""
    from graph_service.shacl import shape_sets as validation

    from .golden import lift_slices

    source = GOLDEN / "budget_nomenclature" / "input.csv"
    lines = source.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    assert ";152;Gendarmerie nationale;" in lines[3]
    changed = tmp_path / "slice"
    changed.mkdir()
    (changed / "input.csv").write_text("".join(lines[:3]) + lines[3].replace(
        ";152;Gendarmerie nationale;", ";152;Gendarmerie;"), encoding="utf-8")
    _, results = lift_slices(str(changed), budget_nomenclature.SOURCES, tmp_path)
    referentials = [s for s in validation.SHAPE_SETS if s.name == "referentials"]
    (outcome,) = validation.run(results, shape_sets=referentials)
    assert {(r.focus, r.path) for r in outcome.results if r.severity == "Violation"} == {
        ("http://127.0.0.1:8000/id/programme/152", "http://www.w3.org/2004/02/skos/core#prefLabel")}


# --- bad records: a real row with one field spoiled is rejected, naming the field -------------

def first_row(dataset: str, name: str = "input.csv", delimiter: str = ",") -> dict:
    with (GOLDEN / dataset / name).open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.DictReader(handle, delimiter=delimiter))


def rejection(lift, data: dict, known: dict | None = None):
    """The Reject raised by lifting one record (fails if the record is lifted)."""
    from mappings.iri import Minter
    from mappings.read import Record, Reject
    from mappings.source import Context

    from .golden import BASE

    ctx = Context(Minter(BASE), GOLDEN)
    for kind, keys in (known or {}).items():
        ctx.known[kind].update(keys)
    try:
        list(lift(Record(2, data), ctx))
    except Reject as exc:
        return exc
    raise AssertionError("record was lifted")


@pytest.mark.parametrize(("dataset", "name", "delimiter", "lift", "field", "value", "known"), [
    ("cpv", "cpv2008_fr_avec_cle_et_parent.csv", ",", cpv.lift_fr, "id", "30000000", None),
    ("cpv", "cpv2008_fr_avec_cle_et_parent.csv", ",", cpv.lift_fr, "name", "  ", None),
    ("naf", "input.csv", ",", naf.lift, "classe_code", "01.12", None),
    ("naf", "input.csv", ",", naf.lift, "section_code", "Z", None),
    ("categories_juridiques", legal_categories.CURRENT, ",", legal_categories.lift_current, "code", "28", None),
    ("collectivites", "departements-siren.csv", ",", collectivites.lift, "Siren", "220100011",
     {"departement": ["01"]}),
    ("collectivites", "departements-siren.csv", ",", collectivites.lift, "CATEG", "EPCI", {"departement": ["01"]}),
    ("budget_nomenclature", "input.csv", ";", budget_nomenclature.lift, "action", "153-03", None),
    ("budget_nomenclature", "input.csv", ";", budget_nomenclature.lift, "typebudget", "BX", None),
    ("budget_nomenclature", "input.csv", ";", budget_nomenclature.lift, "mission", "sb", None),
])
def test_a_spoiled_field_is_rejected_by_name(dataset, name, delimiter, lift, field, value, known):
    data = first_row(dataset, name, delimiter)
    assert field in data
    data[field] = value
    assert rejection(lift, data, known).field == field


def test_a_sous_action_label_without_its_code_is_rejected():
    data = first_row("budget_nomenclature", "input.csv", ";")
    data["sous_action"] = ""
    exc = rejection(budget_nomenclature.lift, data)
    assert exc.field == "sous_action" and "label" in exc.reason


def test_the_2019_legal_categories_need_the_current_list_next_to_them(tmp_path):
    """The 2019 source reads its sibling file; without it the build stops naming that file."""
    from mappings.read import SourceError

    copy = tmp_path / legal_categories.EDITION_2019
    copy.write_bytes((GOLDEN / "categories_juridiques" / legal_categories.EDITION_2019).read_bytes())
    with pytest.raises(SourceError, match=f"{legal_categories.CURRENT}: file not found"):
        list(legal_categories.read_2019(copy))
