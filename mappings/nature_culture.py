"""DVF nomenclatures as SKOS concept schemes: the "nature de culture" codes (two DGFiP tables as
published with DVF) and the four premises types of the DGFiP DVF notice.

Land lines of a sale carry a nature de culture (`S` sols, `J` jardins...) and sometimes a nature
de culture spéciale (`POTAG` potagers...). Both tables share the kind `nature-culture`: their codes
never collide (1-2 letters vs 5 letters), and each concept says which scheme it belongs to.
The premises types (`Code type local` 1-4) have no table file: they are stated once here, in the
graph of the first table, so that both DVF graphs link to one set of concepts (a concept stated
in two graphs would be counted twice by queries over the union of the graphs).
"""

from __future__ import annotations

from collections.abc import Iterable

from . import skos, values
from .kinds import like
from .read import Record
from .source import Context, csv_source
from .terms import Triple

CODE, LABEL = "Code Nature de Culture", "Libellé Nature de Culture"
CODE_SPECIALE, LABEL_SPECIALE = "Code Nature Culture Spéciale", "Libellé Nature Culture Spéciale"
SCHEME, SCHEME_SPECIALE = "nature-culture", "nature-culture-speciale"
#: `Code type local` -> `Type local`, as the DGFiP notice and the DVF files spell them.
TYPES_LOCAL = {"1": "Maison", "2": "Appartement", "3": "Dépendance",
               "4": "Local industriel. commercial ou assimilé"}


def scheme_preamble(name: str, title_fr: str, title_en: str):
    """The concept scheme of one table, stated once before its codes."""
    def preamble(ctx: Context) -> Iterable[Triple]:
        return skos.scheme(ctx, name, title_fr, title_en)[1]
    return preamble


def types_local(ctx: Context) -> list[Triple]:
    """The premises-type scheme and its four concepts."""
    in_scheme, out = skos.scheme(ctx, "type-local", "Types de local (DVF)", "Premises types (DVF)")
    for code, label in TYPES_LOCAL.items():
        out += skos.concept(ctx.define("type-local", code), in_scheme, code, label, top=True)
    return out


def first_preamble(ctx: Context) -> Iterable[Triple]:
    """The nature de culture scheme, and the premises types."""
    return [*scheme_preamble(SCHEME, "Natures de culture (DVF)", "Land-use types (DVF)")(ctx),
            *types_local(ctx)]


def concept_lifter(scheme_name: str, code_column: str, label_column: str):
    """A lifter turning one (code, label) row into a top concept of the scheme."""
    def lift(row: Record, ctx: Context) -> Iterable[Triple]:
        code = row.require(code_column).upper()
        label = row.parse(label_column, values.label, optional=False)
        in_scheme = ctx.entity("scheme", scheme_name)
        return skos.concept(ctx.define("nature-culture", code), in_scheme, code, label, top=True)
    return lift


SOURCES = [
    csv_source("dvf-nature-culture", "DVF — natures de culture (table DGFiP)", "dvf/dvf_table_nature_culture.csv",
               (CODE, LABEL), concept_lifter(SCHEME, CODE, LABEL), __name__, preamble=first_preamble),
    csv_source("dvf-nature-culture-speciale", "DVF — natures de culture spéciale (table DGFiP)",
               "dvf/dvf_table_nature_culture_speciale.csv", (CODE_SPECIALE, LABEL_SPECIALE),
               concept_lifter(SCHEME_SPECIALE, CODE_SPECIALE, LABEL_SPECIALE), __name__,
               preamble=scheme_preamble(SCHEME_SPECIALE, "Natures de culture spéciale (DVF)",
                                        "Special land-use types (DVF)")),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(s, s.name) for s in SOURCES]
