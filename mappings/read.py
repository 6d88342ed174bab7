"""Reading source files into numbered records, with clear errors for bad input.

A file that cannot be read at all (missing, wrong encoding, wrong separator, missing columns)
raises `SourceError`, naming the file and what is wrong. A single bad record raises `Reject`
from the mapping; the build keeps it in the quarantine report with file, line and field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

import ijson

csv.field_size_limit(10_000_000)
#: ijson's pure-Python parser: numbers of any size, as `json` reads them (slower than yajl)
_PYTHON_PARSER = ijson.get_backend("python")
BOM = b"\xef\xbb\xbf"


class SourceError(Exception):
    """A whole source file is unusable."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        where = f"{path}" + (f", line {line}" if line else "")
        super().__init__(f"{where}: {message}")
        self.path, self.line, self.message = str(path), line, message


class Reject(Exception):
    """One record is unusable: it goes to the quarantine report, never silently away."""

    def __init__(self, field: str, reason: str, value: object = None) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason, self.value = field, reason, value


@dataclass(frozen=True, slots=True)
class Record:
    """One input record: its line (CSV) or index (JSON, 1-based) and its fields."""

    line: int
    data: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.data[name]

    def get(self, name: str, default: Any = "") -> Any:
        """The field's value, stripped; `default` when absent or empty."""
        value = self.data.get(name)
        if isinstance(value, str):
            value = value.strip()
        return default if value in (None, "") else value

    def require(self, name: str) -> Any:
        """The field's value, or a rejection naming the field when it is empty."""
        value = self.get(name, None)
        if value is None:
            raise Reject(name, "missing value")
        return value

    def parse(self, name: str, parser: Any, optional: bool = True) -> Any:
        """The field parsed by `parser` (a function of mappings.values), rejecting bad values."""
        value = self.get(name, None) if optional else self.require(name)
        if value is None:
            return None
        try:
            return parser(value)
        except ValueError as exc:
            raise Reject(name, str(exc), value) from None


def read_csv(path: Path, columns: tuple[str, ...] = (), delimiter: str = ",",
             encoding: str = "utf-8-sig") -> Iterator[Record]:
    """Records of a delimited text file. `columns` are the fields the mapping needs.

    A row with the wrong number of fields is yielded with a `None` key saying so, and the
    build rejects it; the whole text is decoded first so an encoding error names its line.
    """
    text = read_text(path, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise SourceError(path, "empty file")
    _check_header(path, header, columns, delimiter)
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if not row or row == [""]:
                continue
            data: dict[str, Any] = dict(zip(header, row))
            if len(row) != len(header):
                data[None] = f"{len(row)} fields where the header has {len(header)}"  # type: ignore[index]
            yield Record(line, data)
    except csv.Error as exc:
        raise SourceError(path, f"malformed CSV: {exc}", line + 1) from None


def read_text(path: Path, encoding: str = "utf-8-sig") -> str:
    """The whole text of a file, or a SourceError naming the line of the first undecodable byte."""
    if not path.is_file():
        raise SourceError(path, "file not found")
    raw = path.read_bytes()
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceError(path, f"not {encoding} text ({exc.reason} at byte {exc.start})", line) from None


def _check_header(path: Path, header: list[str], columns: tuple[str, ...], delimiter: str) -> None:
    missing = [c for c in columns if c not in header]
    if not missing:
        return
    if len(header) == 1:
        for other in ";,|\t":
            if other != delimiter and other in header[0]:
                raise SourceError(path, f"wrong separator: expected {delimiter!r}, the header uses {other!r}", 1)
    raise SourceError(path, f"missing column(s) {', '.join(missing)} in the header", 1)


def read_json_records(path: Path, *keys: str) -> Iterator[Record]:
    """Records of a JSON array, found at `keys` inside the document (e.g. `marches`), streamed.

    A national file does not fit in memory as one document: the array is parsed one record at a
    time (ijson's C parser), numbers as `json.loads` gives them (int, float). The document's shape
    is checked first, so a missing key or a value that is not an array stops the build before any
    record; a syntax error stops it where it is found, with its line.
    """
    if not path.is_file():
        raise SourceError(path, "file not found")
    _check_array(path, keys)
    return _records(path, ".".join((*keys, "item")))


def _records(path: Path, prefix: str) -> Iterator[Record]:
    try:
        for index, item in enumerate(_items(path, prefix), start=1):
            yield Record(index, item if isinstance(item, dict) else {None: "record is not a JSON object"})
    except ijson.JSONError as exc:
        raise SourceError(path, f"invalid JSON: {_reason(exc)}", _error_line(path, prefix)) from None


def _items(path: Path, prefix: str) -> Iterator[Any]:
    """The values at `prefix`: yajl first; a number beyond 64 bits (which yajl cannot hold, `json`
    can) hands over to ijson's pure-Python parser, which resumes after the values already given."""
    given = 0
    with open_json(path) as handle:
        try:
            for item in ijson.items(handle, prefix, use_float=True):
                given += 1
                yield item
            return
        except ijson.JSONError as exc:
            if "overflow" not in str(exc):
                raise
    with open_json(path) as handle:
        yield from islice(_PYTHON_PARSER.items(handle, prefix, use_float=True), given, None)


def _check_array(path: Path, keys: tuple[str, ...]) -> None:
    """Follow `keys` from the document's root to an array, reading parser events only until the
    answer is known (at the start of the file, unless the key follows a large value)."""
    chain = [".".join(keys[:depth]) for depth in range(len(keys) + 1)]
    depth, opened = 0, False
    try:
        with open_json(path) as handle:
            for prefix, event, value in ijson.parse(handle, use_float=True):
                if prefix != chain[depth]:
                    continue
                if not opened:
                    if depth == len(keys):
                        if event == "start_array":
                            return
                        raise SourceError(path, "expected a JSON array of records")
                    if event != "start_map":
                        break
                    opened = True
                elif event == "map_key" and value == keys[depth]:
                    depth, opened = depth + 1, False
                elif event == "end_map":
                    break
    except ijson.JSONError as exc:
        raise SourceError(path, f"invalid JSON: {_reason(exc)}", _error_line(path, chain[-1])) from None
    raise SourceError(path, f"no {keys[depth]!r} key in the document")


def open_json(path: Path) -> BinaryIO:
    """A JSON file opened for the streaming parser, past a UTF-8 byte order mark if it starts with one."""
    handle = path.open("rb")
    if handle.read(3) != BOM:
        handle.seek(0)
    return handle


def first_json_record(path: Path) -> Any:
    """The first item of a file's top-level JSON array (None: the array is empty), read only that far;
    SourceError when the document is not an array."""
    _check_array(path, ())
    try:
        with open_json(path) as handle:
            return next(ijson.items(handle, "item", use_float=True), None)
    except ijson.JSONError as exc:
        raise SourceError(path, f"invalid JSON: {_reason(exc)}", _error_line(path, "item")) from None


def json_root_has(path: Path, keys: tuple[str, ...]) -> bool:
    """Whether a JSON document is an object with all of `keys` at its top, reading until they are found."""
    wanted = set(keys)
    try:
        with open_json(path) as handle:
            for prefix, event, value in ijson.parse(handle, use_float=True):
                if prefix != "":
                    continue
                if event == "map_key":
                    wanted.discard(value)
                    if not wanted:
                        return True
                elif event != "start_map":
                    return False
    except ijson.JSONError as exc:
        raise SourceError(path, f"invalid JSON: {_reason(exc)}", _error_line(path, "")) from None
    return False


def _reason(exc: Exception) -> str:
    """The parser's reason, without its excerpt of the text (yajl's first line)."""
    text = str(exc)
    if text[:2] in ("b'", 'b"'):  # yajl's message about bytes that are not UTF-8 comes as bytes
        text = text[2:-1].replace("\\n", "\n")
    return text.split("\n", 1)[0].rstrip(".") or "unreadable"


class _LineFeed:
    """A binary file handed to the parser one line at a time, counting lines: after a parse error,
    `line` is where it stopped."""

    def __init__(self, handle: Any) -> None:
        self.handle, self.line, self.newlines = handle, 1, 0

    def read(self, size: int = -1) -> bytes:
        self.line = self.newlines + 1
        chunk = self.handle.readline(size)
        self.newlines += chunk.count(b"\n")
        return chunk


def _error_line(path: Path, prefix: str) -> int | None:
    """The line of a file's first JSON error: yajl does not say where it stopped, so the file is
    parsed again fed line by line (on this error path only)."""
    with open_json(path) as handle:
        feed = _LineFeed(handle)
        try:
            for _ in ijson.items(feed, prefix, use_float=True):
                pass
        except ijson.JSONError:
            return feed.line
    return None
