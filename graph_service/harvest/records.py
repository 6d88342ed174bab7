"""A canonical hash per record, so that a refresh can say what was added, modified or removed.

HTTP validators of Opendatasoft exports are unreliable (an ETag can stay the same over new content),
and a file's checksum only says "something changed". Hashing each record in a canonical form
(keys sorted, text NFC-normalised and trimmed, empty values dropped) says which records changed,
whatever the export's column order, quoting, BOM or line endings.

The hash file is plain text, one line per record, `<sha256>\t<key>` sorted, where key is the value of
the dataset's identifying field when one is configured (then a record whose key stays and hash changes
is "modified"), else empty (then a change shows as one removal plus one addition).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: formats whose records we can read; others (zip, parquet, xml) get no record hashes, only a file checksum
READABLE = {"csv", "json"}


def normalise(value: Any) -> Any:
    """The canonical form of one value: text NFC and trimmed, empty text as None, containers recursively."""
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value).strip()
        return text or None
    if isinstance(value, dict):
        return {k: v for k, v in ((str(k).strip(), normalise(v)) for k, v in value.items()) if v is not None}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def record_hash(record: dict) -> str:
    text = json.dumps(normalise(record), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_records(path: Path, fmt: str) -> Iterator[dict]:
    """The records of a CSV (';' or ',' sniffed from the header, BOM dropped) or JSON file (an array,
    or an object holding one array such as DECP's {"marches": [...]})."""
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            header = f.readline()
            delimiter = ";" if header.count(";") > header.count(",") else ","
            f.seek(0)
            yield from csv.DictReader(f, delimiter=delimiter)
    elif fmt == "json":
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        yield from _json_records(data)
    else:
        raise ValueError(f"no record reader for {fmt}")


def _json_records(data: Any) -> Iterable[dict]:
    if isinstance(data, list):
        return [r if isinstance(r, dict) else {"value": r} for r in data]
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        inner = [v for v in data.values() if isinstance(v, dict)]
        if len(lists) == 1:
            return _json_records(lists[0])
        if not lists and len(inner) == 1:
            return _json_records(inner[0])
        return [data]
    return [{"value": data}]


def write_hashes(path: Path, fmt: str, out: Path, key: str | None = None) -> int:
    """Write the sorted hash file of `path`'s records to `out`; returns the number of records."""
    lines = sorted(f"{record_hash(r)}\t{_key(r, key)}" for r in read_records(path, fmt))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)


def _key(record: dict, key: str | None) -> str:
    if not key:
        return ""
    value = normalise(record.get(key))
    return "" if value is None else str(value).replace("\t", " ").replace("\n", " ")


@dataclass(frozen=True)
class RecordDiff:
    added: int
    modified: int
    removed: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.modified or self.removed)


def read_hashes(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in io.StringIO(path.read_text(encoding="utf-8")):
        digest, _, key = line.rstrip("\n").partition("\t")
        rows.append((digest, key))
    return rows


def diff(old: list[tuple[str, str]], new: list[tuple[str, str]]) -> RecordDiff:
    """Added / modified / removed records between two hash lists (multisets: duplicates count)."""
    old_c, new_c = Counter(old), Counter(new)
    gone, came = old_c - new_c, new_c - old_c
    gone_keys = Counter(k for (_, k), n in gone.items() if k for _ in range(n))
    came_keys = Counter(k for (_, k), n in came.items() if k for _ in range(n))
    modified = sum((gone_keys & came_keys).values())
    return RecordDiff(added=sum(came.values()) - modified, modified=modified, removed=sum(gone.values()) - modified)
