"""Golden files of the budget cubes: real slices of the PLF 2025 export and LFI 2026 états B and A,
lifted and compared with their expected Turtle (isomorphism). The budget nomenclature is another
mapping's: its codes are pre-declared here from the slice itself, as the real build's earlier
source would declare them."""

from __future__ import annotations

import csv

from mappings import budget_lfi, budget_nature, budget_plf

from .golden import GOLDEN, assert_golden

PLF_SLICE = "plf2025_depenses_selon_destination_ods_export.csv"


def slice_rows(dataset: str, name: str, delimiter: str = ",") -> list[dict]:
    with (GOLDEN / dataset / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def nomenclature_of(rows: list[dict]) -> dict[str, set[str]]:
    """The nomenclature keys a build of these rows declares (kinds as in mappings/budget_nomenclature)."""
    return {
        "budget-type": {"BG", "BA", "CAS", "CCF"},
        "ministere": {r["ministere"] for r in rows},
        "mission": {r["mission"] for r in rows},
        "programme": {r["programme"] for r in rows},
        "action": {r["action"] for r in rows},
        "sous-action": {r["sous_action"] for r in rows if r["sous_action"]},
    }


def test_plf2025_cube(tmp_path):
    rows = slice_rows("budget_plf", PLF_SLICE, ";")
    nature, cube = assert_golden("budget_plf", *budget_nature.SOURCES, *budget_plf.SOURCES, out_dir=tmp_path,
                                 known=nomenclature_of(rows))
    assert nature.rows == cube.rows == cube.lifted == len(rows)
    assert not cube.rejected and not nature.rejected


def test_lfi2026_cubes(tmp_path):
    """MB is left out of the pre-declared missions: état B must count it as unresolved and still
    keep its observation, describing the mission from état B (code and label)."""
    etat_b = slice_rows("budget_lfi", "lfi2026_etat_b_budget_general_missions_cp.csv")
    etat_a = slice_rows("budget_lfi", "lfi2026_etat_a_recettes_budget_general_lignes.csv")
    known = {"budget-type": {"BG"}, "loi-finances": {"PLF", "LFI"}, "credit-type": {"AE", "CP"},
             "mission": {r["mission_code"] for r in etat_b} - {"MB"}}
    b, a = assert_golden("budget_lfi", *budget_lfi.SOURCES, out_dir=tmp_path, known=known)
    assert (b.rows, b.lifted, a.rows, a.lifted) == (len(etat_b), len(etat_b), len(etat_a), len(etat_a))
