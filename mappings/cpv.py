"""CPV 2008 (Common Procurement Vocabulary, Regulation (EC) 213/2008) as a SKOS concept scheme.

Two real files, two sources (each file its own graph, each row lifted or rejected):
- `cpv`: the French list, code WITH its check digit (`45216000-4`). The concept key is the
  8 digits; the code with its check digit is kept as a second `skos:notation` typed
  `bg:cpvCodeWithCheckDigit`; `skos:exactMatch` the EU Publications Office IRI.
- `cpv-en`: the English list adds the `@en` label to the concepts of `cpv` (built first).

The hierarchy follows the code structure set by the regulation (2 digits = division, 3 = group,
4 = class, 5 = category, further digits = finer levels): the parent is the nearest listed code
obtained by zeroing trailing significant digits. The French file's `parent` column is not used:
it gives 30000000 as parent of the divisions 31…39000000 and leaves 35 codes without one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from functools import partial

from . import procurement_codes, values
from .kinds import like
from .namespaces import BG, SKOS
from .read import Record, Reject, read_csv
from .skos import concept, scheme
from .source import Context, Source
from .terms import Triple, en, iri, typed

FR_FILE = "referentials/cpv/cpv2008_fr_avec_cle_et_parent.csv"
EN_FILE = "referentials/cpv/cpv2008_main_vocabulary_en.csv"
SCHEME = "cpv"
EU_CPV = "http://data.europa.eu/cpv/cpv/"
#: Commission Decision 2011/833/EU on the reuse of Commission documents (the CPV is EU law).
EU_REUSE = "https://eur-lex.europa.eu/eli/dec/2011/833/oj"
_WITH_CHECK_DIGIT = re.compile(r"^(\d{8})-\d$")


def parent_code(code: str, known: set[str]) -> str | None:
    """The nearest listed ancestor of a non-division code (`45216000` -> `45210000` if listed)."""
    significant = code.rstrip("0")
    for length in range(len(significant) - 1, 1, -1):
        candidate = significant[:length].ljust(8, "0")
        if candidate in known:
            return candidate
    return None


def preamble(ctx: Context) -> Iterable[Triple]:
    _, triples = scheme(ctx, SCHEME, "Vocabulaire commun pour les marchés publics (CPV 2008)",
                        "Common Procurement Vocabulary (CPV 2008)")
    return triples


def lift_fr(row: Record, ctx: Context) -> Iterable[Triple]:
    full = row.require("id")
    match = _WITH_CHECK_DIGIT.match(full)
    if not match:
        raise Reject("id", "not a CPV code with its check digit (8 digits, '-', 1 digit)", full)
    code = match.group(1)
    label = row.parse("name", values.label, optional=False)
    known = ctx.known["cpv"]
    if code in known:
        raise Reject("id", "code listed twice", full)
    division = code.endswith("000000")
    parent = None if division else parent_code(code, known)
    if not division and parent is None:
        raise Reject("id", "no listed parent code (parents must come before their children)", full)
    subject = ctx.define("cpv", code)
    in_scheme = ctx.entity("scheme", SCHEME)
    broader = ctx.entity("cpv", parent) if parent else None
    yield from concept(subject, in_scheme, code, label, broader, top=division)
    yield subject, SKOS.notation, typed(full, BG.cpvCodeWithCheckDigit)
    yield subject, SKOS.exactMatch, iri(EU_CPV + code)


def lift_en(row: Record, ctx: Context) -> Iterable[Triple]:
    code = row.parse("code", values.cpv, optional=False)
    label = row.parse("label_en", values.label, optional=False)
    subject = ctx.link("cpv", code)
    if subject is None:
        raise Reject("code", "not in the French CPV list", code)
    yield subject, SKOS.prefLabel, en(label)


SOURCES = [
    Source(name="cpv", title="CPV 2008 — vocabulaire principal (français, avec clé de contrôle)",
           path=FR_FILE, read=partial(read_csv, columns=("id", "name")), lift=lift_fr, mapping=__name__,
           preamble=preamble, licence=EU_REUSE),
    Source(name="cpv-en", title="CPV 2008 — main vocabulary (English labels)",
           path=EN_FILE, read=partial(read_csv, columns=("code", "label_en")), lift=lift_en, mapping=__name__,
           licence=EU_REUSE),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py); the procurement code lists the DECP
#: contracts link to (procedures, contract natures, NUTS 3: `procurement_codes`) come with the CPV, as
#: its support sources, so that they are built with the referentials, before any DECP feed
KINDS = [like(SOURCES[0], "cpv-2008-fr", make=lambda graph, title, path: [
             replace(SOURCES[0], name=graph, title=title, path=path), *procurement_codes.SOURCES]),
         like(SOURCES[1], "cpv-2008-en")]
