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


@pytest.mark.parametrize("text, expected", [
    ("13/01/2024", "2024-01-13"),   # day > 12: swapping day and month would make it impossible
    ("01/12/2023", "2023-12-01"),   # both <= 12: swapping would silently give 12 January
    ("5/3/2021", "2021-03-05"),     # unpadded, as spreadsheets write it
    ("29/02/2024", "2024-02-29"),   # a leap day
    ("31/12/1999", "1999-12-31"),
])
def test_french_dates_are_day_first(text, expected):
    assert values.date_(text) == expected


@pytest.mark.parametrize("text", ["02/29/2024", "12/31/2023", "29/02/2023"])
def test_month_first_and_impossible_french_dates_are_refused(text):
    """A US-style date (month first) is not a French date: refused, not read with day and month swapped."""
    with pytest.raises(ValueError):
        values.date_(text)


@pytest.mark.parametrize("parse, text", [
    (values.decimal, "abc"), (values.integer, "12.5"), (values.year, "20250"), (values.date_, "hier"),
    (values.date_, "31/02/2023"), (values.date_, "30/02/2023"), (values.datetime_, "demain"),
    (values.departement, "100"), (values.region, "1A"), (values.commune, "750"), (values.siren, "22010001"),
    (values.siret, "2175000160001"), (values.cpv, "4521600"), (values.naf, "64Z"),
    (values.departement_of_postal_code, "7500"), (values.departement_of_postal_code, "00100"),
    (values.parcelle, "59410AI0150"),
])
def test_refusals_quote_the_value_refused(parse, text):
    """The quarantine report gives the reason to a person: it quotes the value it refused."""
    with pytest.raises(ValueError, match=repr(text)):
        parse(text)


def test_a_siren_has_nine_digits_and_a_year_four():
    with pytest.raises(ValueError, match="9 digits"):
        values.siren("22010001")
    with pytest.raises(ValueError, match="4 digits"):
        values.year("20250")


def test_region_codes_are_two_digits():
    assert (values.region("1"), values.region("94")) == ("01", "94")


@pytest.mark.parametrize("departement, number, expected", [
    ("59", "350", "59350"), ("2A", "4", "2A004"), ("971", "01", "97101"), ("971", "101", "97101"),
    ("974", "11", "97411"),
])
def test_dgfip_commune_numbers_join_their_departement(departement, number, expected):
    """DGFiP files split a commune code: overseas, the number may repeat the département's last digit."""
    assert values.commune_in_departement(departement, number) == expected


def test_la_poste_sirets_are_exempt_from_the_check_digit():
    assert values.siret("35600000000000") == "35600000000000"   # SIREN 356000000, Luhn fails
    with pytest.raises(ValueError, match="check digit"):
        values.siret("35700000000000")


def test_datetime_with_a_space_and_pacific_communes():
    assert values.datetime_("2025-09-11 12:00:14") == "2025-09-11T12:00:14Z"
    assert values.departement_of_commune("98735") == "987"
