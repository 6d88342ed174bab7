"""The bounds of the paged documents and the API, which query the store in the app process.

No request skips more than `MAX_OFFSET` items, and page numbers stop at `MAX_PAGE`; the numbers of
a URL are ASCII digits only (`int()` would read `١` as 1, `+5`, ` 5 ` or `5_0` too). The bound on
concurrent store work is `graph_service.web.slots`.
"""

from __future__ import annotations

MAX_OFFSET = 10_000   # items a list request may skip (`offset`)
MAX_PAGE = 10_000     # page numbers (`page`)


def whole_number(raw: str, low: int, high: int) -> int:
    """A number written in a URL: ASCII digits only, between `low` and `high` (ValueError says why)."""
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError(f"not a whole number written with the digits 0-9: {raw[:40]!r}")
    digits = raw.lstrip("0") or "0"
    value = int(digits) if len(digits) <= len(str(high)) else high + 1   # never int() of a huge string
    if not low <= value <= high:
        raise ValueError(f"must be between {low} and {high}")
    return value
