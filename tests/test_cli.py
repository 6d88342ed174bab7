"""`bercy-graph query`: results a script can read (W3C CSV/TSV/JSON) or a person can (table)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from graph_service.cli import main

QUERY = """PREFIX igeo: <http://rdf.insee.fr/def/geo#>
SELECT ?code ?nom WHERE { ?r a igeo:Region ; igeo:codeINSEE ?code ; igeo:nom ?nom } ORDER BY ?code LIMIT 3"""


@pytest.fixture
def cli_env(built, settings, monkeypatch):
    monkeypatch.setenv("BERCY_GRAPH_HOME", str(settings.home))


def run(capsys, *args: str) -> str:
    assert main(["query", *args]) == 0
    return capsys.readouterr().out


def test_csv_is_the_w3c_sparql_csv_format(cli_env, capsys):
    rows = list(csv.reader(io.StringIO(run(capsys, QUERY, "--format", "csv"))))
    assert rows == [["code", "nom"], ["01", "Guadeloupe"], ["02", "Martinique"], ["03", "Guyane"]]


def test_json_and_tsv(cli_env, capsys):
    doc = json.loads(run(capsys, QUERY, "--format", "json"))
    assert doc["head"]["vars"] == ["code", "nom"]
    assert doc["results"]["bindings"][0]["nom"] == {"type": "literal", "value": "Guadeloupe", "xml:lang": "fr"}
    tsv = run(capsys, QUERY, "--format", "tsv").splitlines()
    assert tsv[0] == "?code\t?nom" and tsv[1] == '"01"\t"Guadeloupe"@fr'


def test_table_and_query_from_file(cli_env, capsys, tmp_path):
    path = tmp_path / "q.rq"
    path.write_text(QUERY, encoding="utf-8")
    out = run(capsys, f"@{path}")
    assert out.splitlines()[2].split() == ["01", "Guadeloupe"] and "(3 rows)" in out


def test_errors_are_messages(cli_env, capsys, tmp_path, monkeypatch):
    assert main(["query", "SELECT WHERE {"]) == 2
    assert "query error" in capsys.readouterr().err
    monkeypatch.setenv("BERCY_GRAPH_HOME", str(tmp_path))
    assert main(["query", QUERY]) == 2
    assert "run `bercy-graph build` first" in capsys.readouterr().err
