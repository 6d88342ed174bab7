"""INSEE catégories juridiques (legal forms of Sirene units) as a SKOS concept scheme, 3 levels.

Two real files, two sources, built in this order:
- `categories-juridiques-2019`: the 2019 edition, all three levels (niveau I `5`, II `57`,
  III `5710`) with the hierarchy. Its level-III labels are kept only for the codes the current
  list no longer has (5498, 5720, 6588): its reader marks each row with whether the current
  list (the sibling file) still has the code.
- `categories-juridiques`: the current level-III list. Its labels win (8310 is now "Comité
  social économique d'entreprise"); its new codes (0000, 2800, 5310) are added under their
  level II when the 2019 edition has it (`53`), without a parent otherwise (`00`, `28` are then
  counted as unresolved codes in the build report).
Labels are spacing-normalised: the two lists differ by no-break and double spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path

from . import values
from .kinds import like
from .namespaces import SKOS
from .read import Record, Reject, read_csv
from .skos import concept, scheme
from .source import Context, Source
from .terms import Triple, fr

DIR = "referentials/categories_juridiques/"
EDITION_2019 = "cj_insee_3niveaux_2019_sirene-ld.csv"
CURRENT = "cj_insee_niveau3_decp-info.csv"
SCHEME = KIND = "categorie-juridique"  # the scheme and the IRI kind of its concepts
#: niveau -> length of its codes
LEVEL_LENGTH = {"I": 1, "II": 2, "III": 4}
#: column the 2019 reader adds: does the current list still have this code?
STILL_CURRENT = "still_current"
_CODE = re.compile(r"^\d{1,4}$")


def read_2019(path: Path) -> Iterator[Record]:
    """The 2019 rows, each marked with whether the current level-III list still has its code."""
    current = {record.get("code") for record in read_csv(path.with_name(CURRENT), columns=("code",))}
    for record in read_csv(path, columns=("code", "libelle", "niveau")):
        yield Record(record.line, {**record.data, STILL_CURRENT: record.get("code") in current})


def parent_key(code: str) -> str | None:
    """The code of the level above (`5710` -> `57`, `57` -> `5`, `5` -> None)."""
    return {1: None, 2: code[:1], 4: code[:2]}[len(code)]


def checked_code(row: Record, level: str) -> str:
    code = row.require("code")
    if not _CODE.match(code) or len(code) != LEVEL_LENGTH[level]:
        raise Reject("code", f"not a niveau {level} code ({LEVEL_LENGTH[level]} digits)", code)
    return code


def preamble(ctx: Context) -> Iterable[Triple]:
    _, triples = scheme(ctx, SCHEME, "Catégories juridiques (INSEE)", "Legal categories (INSEE)")
    return triples


def lift_2019(row: Record, ctx: Context) -> Iterable[Triple]:
    level = row.require("niveau")
    if level not in LEVEL_LENGTH:
        raise Reject("niveau", "expected I, II or III", level)
    code = checked_code(row, level)
    label = row.parse("libelle", values.label, optional=False)
    parent = parent_key(code)
    broader = ctx.link(KIND, parent)
    if parent is not None and broader is None:
        raise Reject("code", f"its level above ({parent}) is not listed before it", code)
    if row.data[STILL_CURRENT]:
        label = None  # the current list states it
    subject = ctx.define(KIND, code)
    return concept(subject, ctx.entity("scheme", SCHEME), code, label, broader, top=parent is None)


def lift_current(row: Record, ctx: Context) -> Iterable[Triple]:
    code = checked_code(row, "III")
    label = row.parse("libellé", values.label, optional=False)
    if code in ctx.known[KIND]:  # described by the 2019 edition, but for its label
        return [(ctx.entity(KIND, code), SKOS.prefLabel, fr(label))]
    subject = ctx.define(KIND, code)
    broader = ctx.link(KIND, parent_key(code))
    return concept(subject, ctx.entity("scheme", SCHEME), code, label, broader)


SOURCES = [
    Source(name="categories-juridiques-2019", title="Catégories juridiques INSEE, 3 niveaux (édition 2019)",
           path=DIR + EDITION_2019, read=read_2019, lift=lift_2019, mapping=__name__,
           preamble=preamble),
    Source(name="categories-juridiques", title="Catégories juridiques INSEE, niveau III (liste en vigueur)",
           path=DIR + CURRENT, read=partial(read_csv, columns=("code", "libellé")), lift=lift_current,
           mapping=__name__),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(SOURCES[0], "categories-juridiques-3-niveaux", columns=("code", "libelle", "niveau")),
         like(SOURCES[1], "categories-juridiques-niveau-3")]
