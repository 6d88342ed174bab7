"""NAF rév. 2 (INSEE's French activity classification, 2008) as a SKOS concept scheme.

The file has one row per sous-classe (732) with the code and label of each upper level, so each
row states its whole branch: section (`K`) -> division (`64`) -> groupe (`64.1`) -> classe
(`64.19`) -> sous-classe (`64.19Z`). All levels share the kind `naf` (their keys never collide);
the store keeps one copy of the upper levels repeated across rows, and a code given two
different labels shows up at validation (one `skos:prefLabel` per language).
Each concept is `skos:exactMatch` INSEE's own IRI (`http://id.insee.fr/codes/nafr2/...`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial

from . import values
from .kinds import like
from .namespaces import SKOS
from .read import Record, Reject, read_csv
from .skos import concept, scheme
from .source import Context, Source
from .terms import Triple, iri

FILE = "referentials/naf_rev2_sous_classes_hierarchie.csv"
SCHEME = "naf"
INSEE_NAF = "http://id.insee.fr/codes/nafr2/"
#: level name in the file's columns -> INSEE's level name in its IRIs, top level first.
LEVELS = (("section", "section"), ("division", "division"), ("groupe", "groupe"),
          ("classe", "classe"), ("sous_classe", "sousClasse"))
COLUMNS = tuple(f"{level}_{part}" for level, _ in LEVELS for part in ("code", "libelle"))
_SECTION = re.compile(r"^[A-U]$")


def branch_codes(row: Record) -> list[str]:
    """The five codes of a row, top level first, checked to nest inside each other."""
    sous_classe = row.parse("sous_classe_code", values.naf, optional=False)
    section = row.require("section_code")
    if not _SECTION.match(section):
        raise Reject("section_code", "not a NAF section (one letter A-U)", section)
    expected = {"division_code": sous_classe[:2], "groupe_code": sous_classe[:4],
                "classe_code": sous_classe[:5]}
    for column, code in expected.items():
        if row.require(column) != code:
            raise Reject(column, f"does not match the sous-classe {sous_classe} (expected {code})",
                         row.get(column))
    return [section, expected["division_code"], expected["groupe_code"], expected["classe_code"], sous_classe]


def preamble(ctx: Context) -> Iterable[Triple]:
    _, triples = scheme(ctx, SCHEME, "Nomenclature d'activités française (NAF rév. 2)",
                        "French classification of activities (NAF rev. 2)")
    return triples


def lift(row: Record, ctx: Context) -> Iterable[Triple]:
    codes = branch_codes(row)
    labels = [row.parse(f"{level}_libelle", values.label, optional=False) for level, _ in LEVELS]
    in_scheme = ctx.entity("scheme", SCHEME)
    broader = None
    for (_, insee_level), code, label in zip(LEVELS, codes, labels):
        subject = ctx.define("naf", code)
        yield from concept(subject, in_scheme, code, label, broader, top=broader is None)
        yield subject, SKOS.exactMatch, iri(f"{INSEE_NAF}{insee_level}/{code}")
        broader = subject


SOURCES = [
    Source(name="naf", title="NAF rév. 2 — sections, divisions, groupes, classes et sous-classes",
           path=FILE, read=partial(read_csv, columns=COLUMNS), lift=lift, mapping=__name__,
           preamble=preamble),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(SOURCES[0], "naf-rev2-hierarchie")]
