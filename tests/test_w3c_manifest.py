"""The W3C SPARQL 1.1 Protocol files under tests/w3c/protocol/ are verbatim copies of the staged ones
(shared/external/sparql-protocol/protocol/, beside the project): a test suite edited to pass is no test."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_service.config import PROJECT_ROOT

OURS = Path(__file__).parent / "w3c" / "protocol"
STAGED = PROJECT_ROOT.parent / "shared" / "external" / "sparql-protocol" / "protocol"


@pytest.mark.parametrize("name", ["manifest.ttl", "data1.nt", "data2.nt", "data3.nt"])
def test_protocol_files_are_byte_identical_to_the_staged_ones(name):
    if not STAGED.is_dir():
        pytest.skip(f"the staged W3C files are in the shared material ({STAGED}), absent here")
    assert (OURS / name).read_bytes() == (STAGED / name).read_bytes()
