"""Golden-file tests of the DGFiP mappings (DVF both formats, DVF nomenclatures, OFGL accounts,
SIRENE): real slices in tests/mappings/<dataset>/ with their edge cases, compared by isomorphism."""

from __future__ import annotations

import csv

from mappings import dvf_geo, dvf_raw, local_accounts, nature_culture, sirene

from .golden import GOLDEN, assert_golden

#: referential keys the slices link to, as the COG, NAF, legal categories and DVF nomenclature
#: sources of a real build would have defined them
DVF_CODES = {"nature-culture": ["S", "J", "T", "AB", "AG", "POTAG", "IMM"], "type-local": ["1", "2", "3", "4"]}
CASES = {
    "dvf_geo": (dvf_geo.SOURCES, {"commune": ["83137"], **DVF_CODES}),
    "dvf_raw": (dvf_raw.SOURCES, {"commune": ["59410", "59350", "59328", "59386", "59636"], **DVF_CODES}),
    "nature_culture": (nature_culture.SOURCES, {}),
    "local_accounts": (local_accounts.SOURCES, {"commune": ["97102", "97103"]}),
    "sirene": (sirene.SOURCES, {"naf": ["77.39Z", "66.22Z", "64.19Z"],
                                "categorie-juridique": ["5710", "5599"]}),
}


def data_rows(dataset: str, name: str = "input.csv", delimiter: str = ",") -> list[dict]:
    with (GOLDEN / dataset / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def golden(name: str, tmp_path):
    sources, known = CASES[name]
    return assert_golden(name, *sources, out_dir=tmp_path, known=known)


def test_geo_dvf(tmp_path):
    """Duplicate lines, a line without price, lines without coordinates, two dispositions, land
    with a special culture: every line lifted, the duplicates into the same entities."""
    (result,) = golden("dvf_geo", tmp_path)
    rows = data_rows("dvf_geo")
    assert result.rows == result.lifted == len(rows) and not result.rejected


def test_raw_dgfip_dvf(tmp_path):
    """'|', decimal comma, CRLF, dd/mm/yyyy, section prefixes, one-letter sections, a sale over
    two dispositions and one over two communes."""
    (result,) = golden("dvf_raw", tmp_path)
    rows = data_rows("dvf_raw", delimiter="|")
    assert result.rows == result.lifted == len(rows) and not result.rejected


def test_nature_culture(tmp_path):
    cultures, special = golden("nature_culture", tmp_path)
    assert cultures.lifted == len(data_rows("nature_culture", "dvf_table_nature_culture.csv"))
    assert special.lifted == len(data_rows("nature_culture", "dvf_table_nature_culture_speciale.csv"))


def test_local_accounts(tmp_path):
    """A budget principal and a budget annexe of one commune, and another commune's DETR."""
    (result,) = golden("local_accounts", tmp_path)
    assert result.rows == result.lifted == len(data_rows("local_accounts", delimiter=";"))


def test_sirene(tmp_path):
    """An active unit, a ceased one (dissolution date), an unknown creation date (1900-01-01, not
    published), a sigle, a NAF code the NAF graph lacks (64.20Z here: no link, counted as unresolved)."""
    (result,) = golden("sirene", tmp_path)
    assert result.rows == result.lifted == len(data_rows("sirene"))
