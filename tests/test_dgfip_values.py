"""The code builders DGFiP files need (mappings/values.py): commune codes split into département and
number, cadastral parcel ids; examples from the DVF files and the COG rules (Corsica, overseas)."""

from __future__ import annotations

import pytest

from mappings import values


@pytest.mark.parametrize(("departement", "number", "expected"), [
    ("59", "350", "59350"),     # Lille, as the raw DVF sample writes it
    ("1", "1", "01001"),        # leading zeros dropped by spreadsheets
    ("2A", "4", "2A004"),       # Corsica
    ("971", "01", "97101"),     # overseas: 3-character département, 2-digit number
    ("971", "101", "97101"),    # overseas number written with the département's last digit
])
def test_commune_in_departement(departement, number, expected):
    assert values.commune_in_departement(departement, number) == expected


@pytest.mark.parametrize(("departement", "number"), [("59", "3500"), ("599", "1"), ("971", "201")])
def test_impossible_commune_is_refused(departement, number):
    with pytest.raises(ValueError):
        values.commune_in_departement(departement, number)


def test_parcel_id_from_its_parts():
    assert values.parcelle_of("59350", "", "AI", "150") == "59350000AI0150"
    assert values.parcelle_of("59350", "298", "AD", "1015") == "59350298AD1015"
    assert values.parcelle_of("59386", "", "A", "3533") == "593860000A3533"  # one-letter section: "0A"


def test_parcel_id_is_checked():
    assert values.parcelle("83137000cy0616") == "83137000CY0616"
    assert values.parcelle("2A004000AB0012") == "2A004000AB0012"
    for bad in ("8313700CY0616", "83137000CY06160", "83137000C-0616"):
        with pytest.raises(ValueError, match="cadastral parcel id"):
            values.parcelle(bad)
