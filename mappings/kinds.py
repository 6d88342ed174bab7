"""Kinds of data: what a mapping lifts, stated so that a file of a snapshot can be bound to it.

A mapping declares each kind it lifts: a name, the format, how a file of that kind is recognised (the
CSV columns its reader requires, or the keys of a JSON file) and the portal datasets it applies to. A
snapshot's file of a known kind is then lifted with no code: `Kind.make(graph name, title, path)` gives
its `Source`. Several mappings may lift the same kind (one PLF file feeds the budget nomenclature, the
nature of spending and the cube): each declares it under the same name.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from xml.etree import ElementTree

from .read import SourceError, first_json_record, json_root_has
from .source import Source

#: (graph name, title, path relative to the snapshot) -> the source(s) lifting that file
Maker = Callable[[str, str, str], "Source | list[Source]"]


@dataclass(frozen=True)
class Kind:
    """One kind of file a mapping lifts.

    `columns`: a CSV's header must hold them (the columns its reader checks, from its field table);
    `keys`: a JSON object's root must hold them, or, with `array`, the first object of a root array;
    for the format `xml-zip` (a zip holding one XML file), the XML root element's name;
    `datasets`: the portal dataset ids (udata id, Opendatasoft dataset_uid) whose files are of this kind.
    """

    name: str
    mapping: str
    make: Maker
    format: str = "csv"
    columns: tuple[str, ...] = ()
    delimiter: str = ","
    keys: tuple[str, ...] = ()
    array: bool = False
    schema: str | None = None
    datasets: tuple[str, ...] = ()
    template: str = ""  # the embedded source it was modelled on (`like`)
    part: str = ""  # what this mapping draws from a file that several mappings lift (added to its title)

    def recognises(self, file: Path) -> bool:
        """Whether the file's header (CSV) or root (JSON) holds what this kind requires."""
        try:
            if self.format == "json":
                return self._json_matches(file)
            if self.format == "xml-zip":
                return self._zipped_xml_matches(file)
            if self.format == "csv" and self.columns:
                return set(self.columns) <= set(header(file, self.delimiter))
        except (OSError, UnicodeDecodeError, ValueError, csv.Error, zipfile.BadZipFile, ElementTree.ParseError):
            return False
        return False

    def _json_matches(self, file: Path) -> bool:
        if not self.keys or file.suffix.lower() != ".json":
            return False
        try:   # read only as far as the answer: a national file is not loaded to recognise it
            if self.array:
                first = first_json_record(file)
                return isinstance(first, dict) and set(self.keys) <= first.keys()
            return json_root_has(file, self.keys)
        except SourceError:
            return False

    def _zipped_xml_matches(self, file: Path) -> bool:
        if not self.keys or not zipfile.is_zipfile(file):
            return False
        with zipfile.ZipFile(file) as archive:
            members = [n for n in archive.namelist() if n.lower().endswith(".xml")]
            if len(members) != 1:
                return False
            with archive.open(members[0]) as handle:
                return _xml_root(handle) == self.keys[0]


def _xml_root(handle) -> str:
    """The name of an XML document's root element (read up to its start tag only)."""
    for _, element in ElementTree.iterparse(handle, events=("start",)):
        return element.tag
    return ""


def header(file: Path, delimiter: str) -> list[str]:
    """The first line of a delimited text file, as fields (BOM removed)."""
    with file.open("rb") as handle:   # the first line only: a Latin-1 file (INSEE's) has an ASCII header
        line = handle.readline().decode("utf-8-sig", errors="replace")
    return next(csv.reader([line], delimiter=delimiter), [])


def like(template: Source, name: str, *, datasets: tuple[str, ...] = (), columns: tuple[str, ...] | None = None,
         delimiter: str | None = None, format: str = "csv", keys: tuple[str, ...] = (), array: bool = False,
         schema: str | None = None, part: str = "", make: Maker | None = None) -> Kind:
    """The kind of the files a template source reads: another file is read and lifted the same way.

    The columns and delimiter default to those its `read_csv` partial checks; `make` defaults to the
    template with another name, title and path (give one when the lift or preamble holds the path).
    """
    options = getattr(template.read, "keywords", {}) or {}
    return Kind(
        name=name, mapping=template.mapping, format=format,
        columns=tuple(columns if columns is not None else options.get("columns", ())),
        delimiter=delimiter or options.get("delimiter", ","), keys=keys, array=array, schema=schema,
        datasets=datasets, part=part, template=template.name,
        make=make or (lambda graph, title, path: replace(template, name=graph, title=title, path=path)))
