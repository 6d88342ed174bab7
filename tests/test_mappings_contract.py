"""The mappings' contract: a CSV mapping checks in the header exactly the columns it reads, each
graph names its mapping module, dataset modules stand alone, and importing one module of the
package loads nothing else."""

from __future__ import annotations

import ast
import csv
import importlib
import io
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from graph_service.build.pipeline import BuildError, build, lift_source
from graph_service.config import PROJECT_ROOT
from mappings import read
from mappings.iri import Minter
from mappings.read import Record, SourceError
from mappings.registry import SOURCES
from mappings.source import SHARED, Context, Source

from .conftest import BASE, DATA, fresh_settings

MAPPINGS = PROJECT_ROOT / "mappings"
#: the sources read from delimited text (the others are JSON or RDF: they have no header)
CSV_SOURCES = [s for s in SOURCES if Path(s.path).suffix in (".csv", ".txt")]
HEAD_LINES = 300


class EveryCodeKnown(Context):
    """A build context where every code resolves, so that each lift reads as far as its record goes."""

    def link(self, kind: str, key: str | None, at=None) -> str | None:
        return None if key is None else self.mint.entity(kind, key)


def head_copy(source: Source, data: Path, lines: int = HEAD_LINES) -> Path:
    """A data directory holding the first lines of the source's file and of its siblings (a
    reader may read a sibling file, as legal_categories does)."""
    folder = Path(source.path).parent
    (data / folder).mkdir(parents=True, exist_ok=True)
    for file in (DATA / folder).iterdir():
        if file.suffix in (".csv", ".txt"):
            (data / folder / file.name).write_bytes(b"\n".join(file.read_bytes().split(b"\n")[:lines]))
    return data


def rename_column(path: Path, column: str) -> None:
    """Rename one column of a file's header, as an upstream publisher might."""
    raw = path.read_bytes()
    try:
        encoding, text = "utf-8", raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # INSEE's historiq2017.txt is ISO-8859-1
        encoding, text = "latin-1", raw.decode("latin-1")
    header, _, rest = text.partition("\n")
    delimiter = max(",;|\t", key=header.count)
    names = next(csv.reader([header.rstrip("\r")], delimiter=delimiter))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerow(
        [f"{name}_renamed" if name == column else name for name in names])
    path.write_text(out.getvalue() + rest, encoding=encoding)


@dataclass
class Reading:
    """What lifting a source did: the columns checked and the header of each file it read, and
    each name its lift looked up in a record (with whether the record had it)."""

    checked: dict[str, tuple[str, ...]] = field(default_factory=dict)
    headers: dict[str, list[str]] = field(default_factory=dict)
    looked_up: dict[str, bool] = field(default_factory=dict)

    def unchecked(self) -> set[str]:
        """Names read without a header check: a header column nobody checks, or a name the
        record lacks (a renamed column, silently empty) that its reader did not add either."""
        checked = {c for columns in self.checked.values() for c in columns}
        header = {c for names in self.headers.values() for c in names}
        return {name for name, present in self.looked_up.items()
                if name not in checked and (name in header or not present)}


def lift_recording(source: Source, data: Path, out: Path) -> Reading:
    """Lift a source over a data directory, recording its header checks and its lookups."""
    reading = Reading()
    check_header, get, getitem = read._check_header, Record.get, Record.__getitem__

    def recording_check(path, header, columns, delimiter):
        reading.checked[Path(path).name], reading.headers[Path(path).name] = tuple(columns), list(header)
        return check_header(path, header, columns, delimiter)

    def recording_get(self, name, default=""):
        reading.looked_up[name] = reading.looked_up.get(name, False) or name in self.data
        return get(self, name, default)

    def recording_getitem(self, name):
        reading.looked_up[name] = reading.looked_up.get(name, False) or name in self.data
        return getitem(self, name)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(read, "_check_header", recording_check)
        patch.setattr(Record, "get", recording_get)
        patch.setattr(Record, "__getitem__", recording_getitem)
        lift_source(source, EveryCodeKnown(Minter(BASE), data), out, progress=False)
    return reading


@pytest.fixture(scope="module")
def readings(tmp_path_factory) -> dict[str, Reading]:
    """Each CSV source lifted over the first lines of its real file."""
    out = {}
    for source in CSV_SOURCES:
        work = tmp_path_factory.mktemp(source.name)
        out[source.name] = lift_recording(source, head_copy(source, work / "data"), work)
    return out


@pytest.mark.parametrize("source", CSV_SOURCES, ids=lambda s: s.name)
def test_a_csv_mapping_reads_only_columns_it_checks_in_the_header(readings, source):
    reading = readings[source.name]
    assert Path(source.path).name in reading.checked
    assert reading.unchecked() == set()


def literal_reads(module: Path) -> set[str]:
    """The column names a module reads literally from a record named `row`: `row["x"]`,
    `row.get("x")`, `row.require("x")`, `row.parse("x", ...)`."""
    names = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("get", "require", "parse") and node.args):
            receiver, key = node.func.value, node.args[0]
        elif isinstance(node, ast.Subscript):
            receiver, key = node.value, node.slice
        else:
            continue
        if isinstance(receiver, ast.Name) and receiver.id == "row" and isinstance(key, ast.Constant):
            names.add(key.value)
    return names


@pytest.mark.parametrize("mapping", sorted({s.mapping for s in CSV_SOURCES}))
def test_every_column_a_csv_mapping_names_is_checked_in_the_header(readings, mapping):
    """Static: the column names written in the mapping module are among its sources' checked columns."""
    checked = {c for s in CSV_SOURCES if s.mapping == mapping
               for columns in readings[s.name].checked.values() for c in columns}
    module = MAPPINGS / f"{mapping.removeprefix('mappings.')}.py"
    assert literal_reads(module) - checked == set()


@pytest.mark.parametrize("source", CSV_SOURCES, ids=lambda s: s.name)
def test_a_renamed_column_stops_its_source_with_one_error_naming_file_and_column(readings, source, tmp_path):
    """Each column a source checks, renamed in a copy of its file: one SourceError for the file
    (never a row-by-row rejection, never silently empty values)."""
    for file, columns in readings[source.name].checked.items():
        for column in columns:
            data = head_copy(source, tmp_path / f"{file}-{columns.index(column)}", lines=4)
            path = data / Path(source.path).parent / file
            rename_column(path, column)
            with pytest.raises(SourceError) as raised:
                lift_source(source, Context(Minter(BASE), data), tmp_path, progress=False)
            assert (raised.value.path, raised.value.line) == (str(path), 1)
            assert raised.value.message == f"missing column(s) {column} in the header"


def test_a_renamed_capital_code_stops_the_build_with_one_clear_error(settings, tmp_path):
    """The régions file with `capital_code` renamed: the build stops naming the file and the
    column (before, every région was rejected, and every link to one failed)."""
    regions = next(s for s in SOURCES if s.name == "cog-regions")
    data = head_copy(regions, tmp_path / "data", lines=HEAD_LINES)
    rename_column(data / regions.path, "capital_code")
    with pytest.raises(BuildError, match=r"cog2025_regions\.csv, line 1: missing column\(s\) capital_code"):
        build(replace(fresh_settings(settings, tmp_path), data_dir=data), [regions], progress=False,
              validate=False)


def test_every_graph_names_its_real_mapping_module(store):
    rows = store.select(f"""PREFIX bg: <https://w3id.org/bercy-graph/def#>
        SELECT ?graph ?mapping WHERE {{ GRAPH <{BASE}/graph/provenance> {{ ?graph bg:mapping ?mapping }} }}""")
    mapping = {r["graph"].removeprefix(f"{BASE}/graph/"): r["mapping"] for r in rows}
    shared = {module.GRAPH for module in SHARED}   # the shared graphs: organisations, parcels
    assert set(mapping) >= {s.name for s in SOURCES} | shared
    assert {mapping[g] for g in shared} == {module.__name__ for module in SHARED}
    # the others: files of the snapshot no mapping takes, lifted generically (graph_service/build/binding.py)
    assert {mapping[g] for g in set(mapping) - {s.name for s in SOURCES} - shared} <= {"mappings.generic"}
    for graph, module in mapping.items():
        assert module.startswith("mappings."), graph
        importlib.import_module(module)
    decp = {g: m for g, m in mapping.items() if g.startswith("decp-")}
    assert set(decp.values()) == {"mappings.decp_v1", "mappings.decp_v2", "mappings.decp_tabular"}
    assert decp["decp-2024-paris"] == "mappings.decp_v2"
    assert decp["decp-tabulaire-2024s2-travaux"] == "mappings.decp_tabular"
    assert {m for g, m in decp.items() if g.startswith("decp-2019-")} == {"mappings.decp_v1"}
    eu = {m for g, m in mapping.items() if g.startswith("eu-")}
    assert eu == {"mappings.vocabularies"}


def imported_mappings(module: str) -> set[str]:
    """The modules of the package a mapping module imports (`from . import x`, `from .x import y`)."""
    tree = ast.parse((MAPPINGS / f"{module}.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names |= {node.module} if node.module else {a.name for a in node.names}
    return names


#: The EU vocabulary graphs exist only to hold the codes the catalog's tables use: they are part
#: of the catalog's sources (catalog.SOURCES), the one dataset module allowed to import them.
CATALOG_VOCABULARIES = {("catalog", "vocabularies")}
#: Likewise the procurement code lists (procedures, contract natures, NUTS 3) are support sources of the CPV kind.
CPV_CODE_LISTS = {("cpv", "procurement_codes")}


def test_dataset_modules_do_not_import_each_other():
    """Shared rules live in shared modules (budget, decp, decp_json, dvf, catalog_entry...)."""
    datasets = {s.mapping.removeprefix("mappings.") for s in SOURCES}
    for module in sorted(datasets):
        siblings = {(module, other) for other in imported_mappings(module) & datasets}
        assert siblings - CATALOG_VOCABULARIES - CPV_CODE_LISTS == set(), module


def test_importing_one_mapping_module_loads_no_dataset_and_no_pyoxigraph():
    code = ("import sys, mappings.namespaces; "
            "print(sorted(m for m in sys.modules if m.startswith(('mappings', 'pyoxigraph'))))")
    loaded = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "['mappings', 'mappings.namespaces']"
