"""The shapes of La Poste's postal codes (`shapes/postal.ttl`, shape set `codes-postaux`): a broken
postal-code node is flagged, by both engines alike, on each of the constraints it breaks; a sound
one (lifted by the real mapping from a line of the real file) passes."""

from __future__ import annotations

from pathlib import Path

from graph_service.shacl.shape_sets import ENGINES, SHAPE_SETS

BG = "https://w3id.org/bercy-graph/def#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
G = "<http://127.0.0.1:8000/graph/codes-postaux>"
SOUND = f"""<http://127.0.0.1:8000/id/code-postal/62000> <{TYPE}> <{BG}PostalCode> {G} .
<http://127.0.0.1:8000/id/code-postal/62000> <{SKOS}notation> "62000" {G} .
<http://127.0.0.1:8000/id/code-postal/62000> <{LABEL}> "code postal 62000"@fr {G} .
<http://127.0.0.1:8000/id/code-postal/62000> <{BG}libelleAcheminement> "ARRAS" {G} .
<http://127.0.0.1:8000/id/code-postal/62000> <{BG}postalCodeCommune> <http://127.0.0.1:8000/id/commune/62041> {G} .
"""
#: a code that lost its leading zero, minted and labelled as such, linked to a département
BROKEN = f"""<http://127.0.0.1:8000/id/code-postal/1400> <{TYPE}> <{BG}PostalCode> {G} .
<http://127.0.0.1:8000/id/code-postal/1400> <{SKOS}notation> "1400" {G} .
<http://127.0.0.1:8000/id/code-postal/1400> <{BG}postalCodeCommune> <http://127.0.0.1:8000/id/departement/01> {G} .
"""


def shape_set():
    (found,) = [s for s in SHAPE_SETS if s.name == "codes-postaux"]
    assert found.applies_to("codes-postaux") and found.blocking and found.engine == "fast"
    return found


def results(tmp_path: Path, text: str, engine: str) -> set[tuple[str, str, str]]:
    data = tmp_path / f"{engine}.nq"
    data.write_text(text, encoding="utf-8")
    found, _ = ENGINES[engine](shape_set().shape_files(), [data])
    return {(r.focus, r.path or "", r.severity) for r in found}


def test_a_sound_postal_code_passes(tmp_path):
    for engine in ("fast", "pyshacl"):
        assert results(tmp_path, SOUND, engine) == set()


def test_a_broken_postal_code_is_flagged(tmp_path):
    node = "http://127.0.0.1:8000/id/code-postal/1400"
    expected = {(node, "", "Violation"),                       # its IRI is not code-postal/{5 digits}
                (node, SKOS + "notation", "Violation"),        # "1400" is not 5 digits
                (node, LABEL, "Violation"),                    # no label
                (node, BG + "postalCodeCommune", "Violation")}  # a département is not a commune
    for engine in ("fast", "pyshacl"):
        assert results(tmp_path, BROKEN, engine) == expected, engine
