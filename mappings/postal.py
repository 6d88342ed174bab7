"""La Poste's "base officielle des codes postaux": which communes each postal code serves.

A postal code is not a territory of the COG: one code may serve several communes (4,207 of the
6,328 codes do) and a commune may have several codes. Each code is a `bg:PostalCode`
(`code-postal/{code}`) linked by `bg:postalCodeCommune` to every COG 2025 commune it serves, so that
a place given as a postal code (DECP) reaches its commune(s); the relation is also recorded in the
build context (`Context.relate`) for the datasets lifted after it.

The file is of 2023: an INSEE code that became a commune déléguée or associée since is linked to the
commune it now belongs to (COG 2025); other unknown codes (overseas collectivities, older mergers)
are counted as unresolved. Paris, Lyon and Marseille are served by arrondissement (75108...).
"""

from __future__ import annotations

from collections.abc import Iterable

from . import values
from .kinds import like
from .namespaces import A, BG, RDFS, SKOS
from .read import Record
from .source import Context, csv_source
from .terms import Triple, fr, literal

PATH = values.POSTAL_CODES
COLUMNS = ("code_postal", "code_commune_insee", "libelle_d_acheminement")
#: COG kinds of the former communes a 2023 INSEE code may name today (cog.COMMUNE_KINDS)
FORMER_COMMUNES = ("commune-deleguee", "commune-associee")


def current_commune(ctx: Context, code: str) -> str:
    """The COG 2025 commune of an INSEE code of 2023: itself, else the commune a former commune
    (now délégué or associé) belongs to; an unknown code is returned as given (to be counted)."""
    if code in ctx.known["commune"]:
        return code
    for kind in FORMER_COMMUNES:
        if parents := ctx.related(kind, code, "commune"):
            return parents[0]
    return code


def lift(row: Record, ctx: Context) -> Iterable[Triple]:
    code = row.parse("code_postal", values.postal_code, optional=False)
    insee = row.parse("code_commune_insee", values.commune, optional=False)
    postal = ctx.define("code-postal", code)
    out: list[Triple] = [(postal, A, BG.PostalCode), (postal, SKOS.notation, literal(code)),
                         (postal, RDFS.label, fr(f"code postal {code}"))]
    if name := row.get("libelle_d_acheminement", None):
        out.append((postal, BG.libelleAcheminement, literal(name)))
    commune_code = current_commune(ctx, insee)
    if commune := ctx.link("commune", commune_code):
        out.append((postal, BG.postalCodeCommune, commune))
        ctx.relate("code-postal", code, "commune", commune_code)
    return out


SOURCES = [
    csv_source("codes-postaux",
               "Base officielle des codes postaux (La Poste, 2023) — codes postaux et communes desservies",
               PATH, COLUMNS, lift, __name__, delimiter=";"),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(SOURCES[0], "codes-postaux-laposte")]
