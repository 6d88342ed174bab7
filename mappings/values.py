"""Parsing of French formats and normalisation of official codes, in one place.

Every function takes the raw text of a field and returns a normalised string (or raises
ValueError with a message meant for a person): the readers turn that error into a rejected
row naming the file, line and field.
"""

from __future__ import annotations

import csv
import os
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

_SPACES = re.compile(r"[\s\u00a0\u202f]")


def decimal(text: str) -> str:
    """A French or plain decimal (`1 234,50`, `1234.0`, `-3`) as a canonical xsd:decimal string."""
    raw = _SPACES.sub("", text)
    if "," in raw:
        if "." in raw:  # `1.234,50`: dots are thousands separators
            raw = raw.replace(".", "")
        raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def integer(text: str) -> str:
    """An integer, accepting a `.0` suffix as exported by spreadsheets (`12.0`)."""
    value = decimal(text)
    if "." in value:
        raise ValueError(f"not an integer: {text!r}")
    return value


def year(text: str) -> str:
    """A year as xsd:gYear text (`2025`, also `2025.0` from spreadsheets)."""
    value = integer(text)
    if not (len(value) == 4 and value.isdigit()):
        raise ValueError(f"not a year (4 digits): {text!r}")
    return value


_FR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?$")


def date_(text: str) -> str:
    """A date as xsd:date text: `dd/mm/yyyy`, `yyyy-mm-dd` (a time zone suffix is kept)."""
    raw = text.strip()
    if m := _FR_DATE.match(raw):
        day, month, year = (int(g) for g in m.groups())
        return _checked_date(year, month, day, text)
    if m := _ISO_DATE.match(raw):
        year, month, day = (int(x) for x in m.group(1).split("-"))
        return _checked_date(year, month, day, text) + (m.group(2) or "")
    raise ValueError(f"not a date (expected dd/mm/yyyy or yyyy-mm-dd): {text!r}")


def day(text: str | None) -> date | None:
    """The calendar day of a date value (`dd/mm/yyyy`, `yyyy-mm-dd`, a date-time), or None when it is not one:
    the date at which a record's codes are read (communes through time)."""
    try:
        return date.fromisoformat(date_(text)[:10]) if text else None
    except ValueError:
        return None


def _checked_date(year: int, month: int, day: int, text: str) -> str:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise ValueError(f"impossible date: {text!r}") from None


def datetime_(text: str, default_tz: str = "Z") -> str:
    """An ISO date-time as xsd:dateTime text, with a time zone (`default_tz` when none is given)."""
    raw = text.strip().replace(" ", "T")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"not a date-time: {text!r}") from None
    out = value.replace(microsecond=0).isoformat()
    return out if value.tzinfo else out + default_tz


# --- official codes -------------------------------------------------------------------------

_DEPT = re.compile(r"^(\d{2}|2[AB]|97[1-8]|98[4-9])$")
_COMMUNE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


def departement(text: str) -> str:
    """A COG département code: `1` -> `01`, `2a` -> `2A`, `971` kept."""
    raw = text.strip().upper()
    if raw.isdigit() and len(raw) == 1:
        raw = "0" + raw
    if not _DEPT.match(raw):
        raise ValueError(f"not a département code: {text!r}")
    return raw


_REGION = re.compile(r"^\d{2}$")


def region(text: str) -> str:
    """A COG région code (2 digits): `1` -> `01`, `94` kept."""
    raw = text.strip()
    if raw.isdigit() and len(raw) == 1:
        raw = "0" + raw
    if not _REGION.match(raw):
        raise ValueError(f"not a région code: {text!r}")
    return raw


def commune(text: str) -> str:
    """A COG commune code (5 characters): `1001` -> `01001`, `2a004` -> `2A004`."""
    raw = text.strip().upper()
    if raw.isdigit() and len(raw) == 4:
        raw = "0" + raw
    if not _COMMUNE.match(raw):
        raise ValueError(f"not a commune code: {text!r}")
    return raw


def departement_of_commune(code: str) -> str:
    """The département of a normalised commune code (3 digits overseas)."""
    return code[:3] if code.startswith("97") or code.startswith("98") else code[:2]


def luhn_ok(digits: str) -> bool:
    """The Luhn check used by SIREN and SIRET."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def siren(text: str) -> str:
    """A SIREN (9 digits, Luhn-checked)."""
    raw = _SPACES.sub("", text)
    if not (len(raw) == 9 and raw.isdigit()):
        raise ValueError(f"not a SIREN (9 digits): {text!r}")
    if not luhn_ok(raw):
        raise ValueError(f"SIREN fails its check digit: {text!r}")
    return raw


def siret(text: str) -> str:
    """A SIRET (14 digits). La Poste's SIRETs (SIREN 356000000) are exempt from the Luhn check."""
    raw = _SPACES.sub("", text)
    if not (len(raw) == 14 and raw.isdigit()):
        raise ValueError(f"not a SIRET (14 digits): {text!r}")
    if not (luhn_ok(raw) or raw.startswith("356000000")):
        raise ValueError(f"SIRET fails its check digit: {text!r}")
    return raw


_CPV = re.compile(r"^(\d{8})(?:-(\d))?$")


def cpv(text: str) -> str:
    """A CPV code without its check digit: `45216000-6` -> `45216000`."""
    m = _CPV.match(text.strip())
    if not m:
        raise ValueError(f"not a CPV code (8 digits, optional -check digit): {text!r}")
    return m.group(1)


_NAF = re.compile(r"^(\d{2})\.?(\d{2})([A-Z])$")


def naf(text: str) -> str:
    """A NAF rév. 2 sous-classe, dotted: `6419Z` -> `64.19Z`."""
    m = _NAF.match(text.strip().upper())
    if not m:
        raise ValueError(f"not a NAF sous-classe code: {text!r}")
    return f"{m.group(1)}.{m.group(2)}{m.group(3)}"


_RUNS_OF_SPACE = re.compile(r"[\s\u00a0\u202f]+")


def label(text: str) -> str:
    """A label with its spacing normalised: no-break and repeated spaces become one space, ends trimmed.

    Official lists differ only by such spacing (`SA coopérative de production  (SCOP)`, a trailing
    no-break space), which must not make two labels of one concept.
    """
    value = _RUNS_OF_SPACE.sub(" ", text).strip()
    if not value:
        raise ValueError("empty label")
    return value


_POSTAL = re.compile(r"^\d{5}$")
#: Overseas postal codes whose first three digits do not name their territory's département:
#: Saint-Barthélemy (97133) and Saint-Martin (97150) use 971 but left Guadeloupe in 2007.
_POSTAL_NOT_971 = frozenset({"97133", "97150"})
#: La Poste's "base officielle des codes postaux" under the data folder (lifted by mappings/postal.py)
POSTAL_CODES = "referentials/postal/laposte_hexasmal_datanova-ods-export_2023-06.csv"
_SHIPPED_DATA = Path(__file__).resolve().parent.parent / "data"
_OVERSEAS_DEPARTEMENTS = frozenset({"971", "972", "973", "974", "976"})


def postal_code(text: str) -> str:
    """A French postal code: 5 digits (`75008`)."""
    raw = text.strip()
    if not _POSTAL.match(raw):
        raise ValueError(f"not a postal code (5 digits): {text!r}")
    return raw


def is_departement(code: str) -> bool:
    """Whether a code of the département kind names a département (not 975, 977, 978, 98x, 99: the
    overseas collectivities, Monaco, foreign countries)."""
    if code in ("2A", "2B") or code in _OVERSEAS_DEPARTEMENTS:
        return True
    return len(code) == 2 and code.isdigit() and 1 <= int(code) <= 95 and code != "20"


@lru_cache(maxsize=1)
def postal_code_departements() -> dict[str, frozenset[str]]:
    """La Poste's table: postal code -> the départements (or collectivities) of the communes it
    serves; read from `BERCY_GRAPH_DATA` when the file is there, else from the project's copy, empty
    when neither has it (then only the digits tell)."""
    folders = [Path(os.environ["BERCY_GRAPH_DATA"])] if os.environ.get("BERCY_GRAPH_DATA") else []
    for path in (folder / POSTAL_CODES for folder in (*folders, _SHIPPED_DATA)):
        if path.is_file():
            found: dict[str, set[str]] = {}
            with path.open(encoding="utf-8-sig", newline="") as handle:
                for row in csv.DictReader(handle, delimiter=";"):
                    found.setdefault(row["code_postal"], set()).add(departement_of_commune(row["code_commune_insee"]))
            return {code: frozenset(found[code]) for code in found}
    return {}


def departement_of_postal_code(text: str) -> str | None:
    """The département of a French postal code, or None when it is not one département.

    A code La Poste lists: the département of the communes it serves (94390, Orly airport, serves
    Paray-Vieille-Poste: 91, not the 94 its digits suggest), None when they lie in several (16 codes)
    or in no département (97133 Saint-Barthélemy, 98000 Monaco). Only for a code La Poste does not
    list do its digits tell: metropolitan codes start with the département number (`75008` -> `75`);
    Corsica shares `20`: 200xx/201xx are Corse-du-Sud (2A), 202xx/206xx Haute-Corse (2B), other 20xxx
    are ambiguous; overseas départements use three digits (971xx..974xx, 976xx); 975xx
    (Saint-Pierre-et-Miquelon), 97133, 97150, 98xxx (Monaco, Pacific) are not départements: None.
    Raises ValueError when the text is not a 5-digit code.
    """
    raw = postal_code(text)
    head = raw[:2]
    if head == "00":
        raise ValueError(f"not a postal code (no département 00): {text!r}")
    if (listed := postal_code_departements().get(raw)) is not None:
        only = next(iter(listed)) if len(listed) == 1 else None
        return only if only and is_departement(only) else None
    if head == "20":
        return {"0": "2A", "1": "2A", "2": "2B", "6": "2B"}.get(raw[2])
    if head == "97":
        if raw in _POSTAL_NOT_971 or raw[2] not in "12346":
            return None
        return raw[:3]
    if head == "98":
        return None
    return head


def commune_in_departement(departement_code: str, number: str) -> str:
    """A COG commune code from a département code and the commune's number in it, as DGFiP files
    split them: `59` + `350` -> `59350`, `2A` + `4` -> `2A004`, `971` + `01` (or `101`) -> `97101`."""
    dept = departement(departement_code)
    raw = number.strip()
    if len(dept) == 3:  # overseas: two digits after the 3-character département
        if len(raw) == 3 and raw[0] == dept[2]:
            raw = raw[1:]
        raw = raw.zfill(2)
    else:
        raw = raw.zfill(3)
    return commune(dept + raw)


_PARCELLE = re.compile(r"^(\d{5}|2[AB]\d{3})(\d{3})([0-9A-Z]{2})(\d{4})$")


def parcelle(text: str) -> str:
    """A cadastral parcel id (14 characters: commune, section prefix, section, plan number)."""
    raw = text.strip().upper()
    if not _PARCELLE.match(raw):
        raise ValueError(f"not a cadastral parcel id (commune + 3-digit prefix + 2-character section"
                         f" + 4-digit number): {text!r}")
    return raw


def parcelle_of(commune_code: str, prefix: str, section: str, number: str) -> str:
    """The 14-character parcel id from its parts as DGFiP files give them (`0` padding, prefix `000`)."""
    return parcelle(commune_code + (prefix.strip() or "0").zfill(3) + section.strip().zfill(2)
                    + number.strip().zfill(4))


_PLAIN_CODE = re.compile(r"^[0-9A-Z]{1,10}$")


def plain_code(text: str) -> str:
    """A short nomenclature code kept as published (budget mission `SB`, programme `152`, legal category
    `5710`): upper-case letters and digits only, no normalisation beyond trimming and case."""
    raw = text.strip().upper()
    if not _PLAIN_CODE.match(raw):
        raise ValueError(f"not a nomenclature code (letters and digits): {text!r}")
    return raw
