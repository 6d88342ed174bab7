"""Mappings: each module describes one dataset (or referential) and how its records become RDF.

`SOURCES` is the build order: referentials first, so that datasets can link to them.
"""

from __future__ import annotations

from . import cog
from .source import Source

SOURCES: list[Source] = [
    *cog.SOURCES,
]


def source_named(name: str) -> Source:
    """The source with this graph name."""
    for source in SOURCES:
        if source.name == name:
            return source
    raise KeyError(name)
