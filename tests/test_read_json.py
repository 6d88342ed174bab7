"""The streaming JSON reader (mappings/read.py): the records `json.loads` gives, read one at a time,
and one clear SourceError (with its line when the text is broken) for a file that is not the
expected JSON array."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mappings.read import SourceError, read_json_records

DECP = Path(__file__).resolve().parent.parent / "data" / "decp"


@pytest.mark.parametrize("name, keys", [
    ("decp_v1_data.gouv.fr_pes_2019-04-05.json", ("marches",)),
    ("decp_v1_e-marchespublics_2019-04-03.json", ("marches",)),
    ("decp_v2_2024_ville_de_paris_21750001600019.json", ()),
])
def test_records_are_what_json_loads_gives_numbers_included(name, keys):
    document = json.loads((DECP / name).read_text(encoding="utf-8"))
    for key in keys:
        document = document[key]
    records = list(read_json_records(DECP / name, *keys))
    assert [r.line for r in records] == list(range(1, len(document) + 1))
    assert [r.data for r in records] == document
    # same types too: an amount read as float stays a float (its N-Quads literal depends on it)
    assert [json.dumps(r.data, sort_keys=True) for r in records] == [json.dumps(d, sort_keys=True) for d in document]


def test_numbers_beyond_64_bits_are_read_as_json_reads_them(tmp_path):
    text = '{"marches": [{"id": 1, "montant": 2.50}, {"id": 123456789012345678901234567890, "montant": 1e5}, 7]}'
    (tmp_path / "f.json").write_text(text, encoding="utf-8")
    records = list(read_json_records(tmp_path / "f.json", "marches"))
    expected = json.loads(text)["marches"]
    assert [r.data for r in records[:2]] == expected[:2]
    assert [type(r.data["montant"]) for r in records[:2]] == [float, float]
    assert records[2].data == {None: "record is not a JSON object"}


@pytest.mark.parametrize("text, keys, message", [
    ('[\n{"id": "1"},\n{"id": x}\n]', (), r"f\.json, line 3: invalid JSON: lexical error"),
    ('{"marches": [\n{"id": "1"},\n', ("marches",), r"f\.json, line 3: invalid JSON: parse error: premature EOF"),
    ('[{"id": "\xff"}]', (), r"f\.json, line 1: invalid JSON: .*UTF8"),
    ('[{"id": "1"}] []', (), r"f\.json, line 1: invalid JSON: parse error: trailing garbage"),
    ('{"marche": []}', ("marches",), r"f\.json: no 'marches' key in the document"),
    ('[{"id": "1"}]', ("marches",), r"f\.json: no 'marches' key in the document"),
    ('{"marches": {"marche": []}}', ("marches",), r"f\.json: expected a JSON array of records"),
    ('{"marches": {"marche": [{"id": "1"}]}}', ("marches", "contrat-concession"),
     r"f\.json: no 'contrat-concession' key in the document"),
])
def test_a_file_that_is_not_the_expected_array_is_one_clear_error(tmp_path, text, keys, message):
    path = tmp_path / "f.json"
    path.write_bytes(text.encode("latin-1") if "\xff" in text else text.encode("utf-8"))
    with pytest.raises(SourceError, match=message):
        list(read_json_records(path, *keys))


def test_the_shape_is_checked_before_any_record(tmp_path):
    """A missing key stops the reader before it yields anything (nothing half-lifted)."""
    path = tmp_path / "f.json"
    path.write_text('{"marches": {"marche": [{"id": "1"}]}}', encoding="utf-8")
    with pytest.raises(SourceError, match="no 'contrat-concession' key"):
        read_json_records(path, "marches", "contrat-concession")
    assert [r.data for r in read_json_records(path, "marches", "marche")] == [{"id": "1"}]
