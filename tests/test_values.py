"""French formats and official codes: what users paste in must be read the way they mean it."""

from __future__ import annotations

import pytest

from mappings import values


@pytest.mark.parametrize("text, expected", [
    ("1 234,50", "1234.5"), ("1\u202f234,5", "1234.5"), ("1.234,50", "1234.5"), ("1303329155.0", "1303329155"),
    ("-3", "-3"), ("0,07", "0.07"), ("12", "12"),
])
def test_decimal_reads_french_and_plain_numbers(text, expected):
    assert values.decimal(text) == expected


@pytest.mark.parametrize("text", ["abc", "1,2,3", "", "NaN", "inf"])
def test_decimal_refuses_what_is_not_a_number(text):
    with pytest.raises(ValueError):
        values.decimal(text)


def test_integer_accepts_spreadsheet_suffix_only_when_whole():
    assert values.integer("12.0") == "12"
    with pytest.raises(ValueError):
        values.integer("12.5")


@pytest.mark.parametrize("text, expected", [
    ("01/01/2001", "2001-01-01"), ("2018-12-17+01:00", "2018-12-17+01:00"), ("2023-01-02", "2023-01-02"),
])
def test_dates(text, expected):
    assert values.date_(text) == expected


@pytest.mark.parametrize("text", ["31/02/2023", "2023-13-01", "2023/01/01", "hier"])
def test_impossible_or_unknown_dates_are_refused(text):
    with pytest.raises(ValueError):
        values.date_(text)


def test_datetime_gets_a_time_zone():
    assert values.datetime_("2025-09-11T12:00:14") == "2025-09-11T12:00:14Z"
    assert values.datetime_("2025-09-11T12:00:14+02:00") == "2025-09-11T12:00:14+02:00"


@pytest.mark.parametrize("text, expected", [("1", "01"), ("2a", "2A"), ("2B", "2B"), ("971", "971"), ("83", "83")])
def test_departement_codes_stay_strings(text, expected):
    assert values.departement(text) == expected


@pytest.mark.parametrize("text, expected", [("1001", "01001"), ("2a004", "2A004"), ("97105", "97105")])
def test_commune_codes(text, expected):
    assert values.commune(text) == expected


@pytest.mark.parametrize("code, dept", [("01001", "01"), ("2A004", "2A"), ("97105", "971"), ("83137", "83")])
def test_departement_of_commune(code, dept):
    assert values.departement_of_commune(code) == dept


def test_siren_and_siret_check_digits():
    assert values.siren("220 100 010") == "220100010"      # Conseil départemental de l'Ain
    assert values.siret("21750001600019") == "21750001600019"  # Ville de Paris
    with pytest.raises(ValueError, match="check digit"):
        values.siren("220100011")
    with pytest.raises(ValueError, match="14 digits"):
        values.siret("2175000160001")


def test_cpv_check_digit_is_stripped():
    assert values.cpv("45216000-6") == "45216000"
    assert values.cpv("34430000") == "34430000"
    with pytest.raises(ValueError):
        values.cpv("4521600")


def test_naf_codes_are_dotted():
    assert values.naf("6419Z") == "64.19Z"
    assert values.naf("64.19z") == "64.19Z"
