"""Field tables: the columns a mapping states as they are, one (column, predicate, term) item each.

Where part of a mapping is flat (one column -> one literal of the record's subject), the mapping
lists it once as a table of `Field`s, like ckanext-dcat's `(key, predicate, type)` items. The same
table gives the columns the reader checks in the header (`columns`) and the triples of a record
(`literals`), so a column cannot be read without being checked: a renamed upstream column stops
the build with one error naming the file and the column, instead of silently empty values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .read import Record
from .terms import Triple, literal


@dataclass(frozen=True, slots=True)
class Field:
    """One column stated as one literal: `term(parser(value))` is the object of `predicate`.

    `parser` is a function of mappings.values (a bad value rejects the record, naming the
    column); an empty value states nothing, or rejects the record when the field is `required`.
    """

    column: str
    predicate: str
    term: Callable[[str], str] = literal
    parser: Callable[[str], Any] = str  # the text as it is (stripped by `Record.get`)
    required: bool = False


def columns(*parts: Field | str | Iterable[Field | str]) -> tuple[str, ...]:
    """The columns of field tables and of columns named one by one, in order, each once."""
    names: list[str] = []
    for part in parts:
        for item in (part,) if isinstance(part, (Field, str)) else part:
            names.append(item.column if isinstance(item, Field) else item)
    return tuple(dict.fromkeys(names))


def literals(subject: str, row: Record, fields: Iterable[Field]) -> list[Triple]:
    """The triples the fields of a table state about `subject` for one record."""
    out: list[Triple] = []
    for field in fields:
        value = row.parse(field.column, field.parser, optional=not field.required)
        if value is not None:
            out.append((subject, field.predicate, field.term(value)))
    return out
