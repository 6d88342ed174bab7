"""The procurement code lists DECP contracts are linked to, joined to the EU's (eForms SDK genericode files).

- `type-procedure-decp`: our SKOS scheme of the award procedures the DECP schemas list (the 6 marché values
  of schemas 1.5 and 2.0.x, the 4 concession values of 2.0.x), with the other spellings feeds publish as
  `skos:altLabel` / `skos:hiddenLabel`, each `skos:exactMatch` or `skos:closeMatch` to the EU authority
  table procurement-procedure-type (`PROCEDURES` says which and why, in each concept's `skos:scopeNote`).
- contract-nature: the EU table's concepts (works, supplies, services, combined); a contract's nature
  is derived from its main CPV code by the CPV's own division rule (`nature_of_cpv`).
- NUTS 3: the French level-3 list of the EU NUTS table joined by name to the COG 2025 départements
  (`nuts_by_departement`): each département `skos:exactMatch` its NUTS code.

The genericode files are the EU's, copied verbatim under `data/vocabularies/eforms/` (README there). They
are support files of the CPV kind: built with the referentials, before any DECP feed.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .cube import code_list
from .namespaces import A, BG, DCT, SKOS
from .read import Record, Reject, SourceError, read_csv
from .skos import scheme
from .source import Context, Source
from .terms import Triple, en, fr, iri, literal

GC_DIR = "vocabularies/eforms/"
PROCEDURE_FILE = GC_DIR + "procurement-procedure-type.gc"
NATURE_FILE = GC_DIR + "contract-nature.gc"
NUTS_FILE = GC_DIR + "nuts_nuts-fra-lvl3.gc"
DEPARTEMENTS = "referentials/cog2025/cog2025_departments.csv"
AUTHORITY = "http://publications.europa.eu/resource/authority/"
NUTS_CODE = "http://data.europa.eu/nuts/code/"
#: the scheme ePO 4.2's shapes want for `epo:hasNutsCode` (the eForms list is NUTS 2021)
NUTS_SCHEME = "http://data.europa.eu/nuts/scheme/2021"
#: the eForms SDK's licence (its LICENSE file: Creative Commons Attribution 4.0)
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
SCHEME = "type-procedure-decp"
KIND = "type-procedure"


# ---- genericode -------------------------------------------------------------------------------

@lru_cache(maxsize=16)
def genericode(path: Path) -> dict[str, dict[str, str]]:
    """code -> {column id: value} of a genericode (OASIS) code list, in file order."""
    if not path.is_file():
        raise SourceError(path, "file not found")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise SourceError(path, f"not a genericode XML file: {exc}") from None
    rows: dict[str, dict[str, str]] = {}
    for row in root.iter("Row"):
        values = {v.get("ColumnRef", ""): (v.findtext("SimpleValue") or "").strip() for v in row.findall("Value")}
        if values.get("code"):
            rows[values["code"]] = values
    return rows


def eu_labels(row: dict[str, str]) -> list[str]:
    """The French and English labels of a genericode row, as Turtle literals."""
    out = [fr(row["fra_label"])] if row.get("fra_label") else []
    english = row.get("eng_label") or row.get("Name")
    return out + ([en(english)] if english else [])


def eu_concept(subject: str, scheme_iri: str, code: str, row: dict[str, str]) -> list[Triple]:
    """An EU table's concept as the eForms file states it: scheme, notation, labels fr/en."""
    return [(subject, A, SKOS.Concept), (subject, SKOS.inScheme, iri(scheme_iri)),
            (subject, SKOS.notation, literal(code)), *((subject, SKOS.prefLabel, t) for t in eu_labels(row))]


def eu_scheme(scheme_iri: str, title: str) -> list[Triple]:
    return [(iri(scheme_iri), A, SKOS.ConceptScheme), (iri(scheme_iri), DCT.title, en(title))]


# ---- procedures -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProcedureType:
    """One award procedure as the DECP schemas name it, and the EU procedure type it corresponds to."""

    key: str
    label: str  # the DECP schemas' spelling
    eu: str  # code in the EU table procurement-procedure-type
    exact: bool  # skos:exactMatch (the same procedure of the directives) or skos:closeMatch
    why: str  # the scope note: the legal basis, and why close rather than exact
    alt: tuple[str, ...] = ()  # other names the law gave it, published by feeds
    hidden: tuple[str, ...] = ()  # spellings found in feeds, no schema's


PROCEDURES: tuple[ProcedureType, ...] = (
    ProcedureType("procedure-adaptee", "Procédure adaptée", "oth-single", False,
                  "Procédure dont l'acheteur fixe les modalités (code de la commande publique, L2123-1, R2123-1 à "
                  "R2123-7), sous les seuils européens ou pour certains services : elle n'est pas une procédure des "
                  "directives ; la plus proche est « autre procédure en une seule étape », mais un acheteur peut "
                  "aussi la conduire en plusieurs étapes ou avec négociation."),
    ProcedureType("appel-offres-ouvert", "Appel d'offres ouvert", "open", True,
                  "Procédure ouverte de la directive 2014/24/UE (art. 27 ; code, R2161-2 à R2161-5)."),
    ProcedureType("appel-offres-restreint", "Appel d'offres restreint", "restricted", True,
                  "Procédure restreinte de la directive 2014/24/UE (art. 28 ; code, R2161-6 à R2161-11)."),
    ProcedureType("procedure-avec-negociation", "Procédure avec négociation", "neg-w-call", True,
                  "Procédure concurrentielle avec négociation de la directive 2014/24/UE (art. 29) et procédure "
                  "négociée avec mise en concurrence préalable de la directive 2014/25/UE (art. 47), réunies sous "
                  "ce nom par le code de 2019 (R2161-21 à R2161-23) ; les deux anciens noms sont des altLabel.",
                  alt=("Procédure concurrentielle avec négociation",
                       "Procédure négociée avec mise en concurrence préalable")),
    ProcedureType("sans-publicite-ni-mise-en-concurrence",
                  "Marché passé sans publicité ni mise en concurrence préalable", "neg-wo-call", False,
                  "Marchés du code, R2122-1 à R2122-11 (ancien « marché négocié sans publicité ni mise en "
                  "concurrence préalable », décret 2016-360, art. 30) : ils comprennent la procédure négociée sans "
                  "publication préalable des directives (2014/24/UE, art. 32) mais aussi des cas propres au droit "
                  "français (petits montants, R2122-8), d'où closeMatch.",
                  alt=("Marché négocié sans publicité ni mise en concurrence préalable",),
                  hidden=("Marché public négocié sans publicité ni mise en concurrence préalable",)),
    ProcedureType("dialogue-competitif", "Dialogue compétitif", "comp-dial", True,
                  "Dialogue compétitif de la directive 2014/24/UE (art. 30 ; code, R2161-24 à R2161-31)."),
    ProcedureType("concession-negociee-ouverte", "Procédure négociée ouverte", "neg-w-call", False,
                  "Procédure de concession (schéma DECP 2.0, contrats de concession) : la directive 2014/23/UE ne "
                  "définit pas de types de procédure (art. 30, liberté d'organisation) ; une concession publiée "
                  "puis négociée est proche de la procédure négociée avec appel à la concurrence."),
    ProcedureType("concession-negociee-restreinte", "Procédure négociée restreinte", "neg-w-call", False,
                  "Procédure de concession, candidatures sélectionnées puis négociation : proche de la procédure "
                  "négociée avec appel à la concurrence (la directive 2014/23/UE ne définit pas de types)."),
    ProcedureType("concession-non-negociee-ouverte", "Procédure non négociée ouverte", "open", False,
                  "Procédure de concession sans négociation, ouverte à tout opérateur : proche de la procédure "
                  "ouverte (la directive 2014/23/UE ne définit pas de types)."),
    ProcedureType("concession-non-negociee-restreinte", "Procédure non négociée restreinte", "restricted", False,
                  "Procédure de concession sans négociation, candidatures sélectionnées : proche de la procédure "
                  "restreinte (la directive 2014/23/UE ne définit pas de types)."),
)


def fold(text: str) -> str:
    """A label as compared: NFC, lower case, typographic apostrophes as ', spaces collapsed."""
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


_BY_LABEL: dict[str, ProcedureType] = {fold(label): p for p in PROCEDURES
                                       for label in (p.label, *p.alt, *p.hidden)}


def procedure_type(text: str | None) -> ProcedureType | None:
    """The procedure a published value names (any of its labels, compared folded), or None."""
    return _BY_LABEL.get(fold(text)) if text else None


def procedure_concept(code: str) -> str:
    """The IRI term of a code of the EU table procurement-procedure-type."""
    return iri(AUTHORITY + "procurement-procedure-type/" + code)


def read_procedures(path: Path) -> Iterator[Record]:
    """One record per procedure of `PROCEDURES`, with the EU row it matches (None: not in the table) and
    whether it is the first to match it."""
    table, seen = genericode(path), set()
    for index, p in enumerate(PROCEDURES, start=1):
        yield Record(index, {"key": p.key, "procedure": p, "eu_row": table.get(p.eu), "first": p.eu not in seen})
        seen.add(p.eu)


def lift_procedure(row: Record, ctx: Context) -> Iterable[Triple]:
    p: ProcedureType = row["procedure"]
    if row["eu_row"] is None:
        raise Reject("eu", f"not in the EU table procurement-procedure-type ({PROCEDURE_FILE})", p.eu)
    subject = ctx.define(KIND, p.key)
    eu = procedure_concept(p.eu)
    yield from [(subject, A, SKOS.Concept), (subject, SKOS.inScheme, ctx.entity("scheme", SCHEME)),
                (subject, SKOS.topConceptOf, ctx.entity("scheme", SCHEME)),
                (ctx.entity("scheme", SCHEME), SKOS.hasTopConcept, subject),
                (subject, SKOS.notation, literal(p.key)), (subject, SKOS.prefLabel, fr(p.label)),
                (subject, SKOS.exactMatch if p.exact else SKOS.closeMatch, eu),
                (subject, SKOS.scopeNote, fr(p.why))]
    yield from ((subject, SKOS.altLabel, fr(t)) for t in p.alt)
    yield from ((subject, SKOS.hiddenLabel, fr(t)) for t in p.hidden)
    if row["first"]:  # the EU concept's description, once for the concepts that match it
        yield from eu_concept(eu, AUTHORITY + "procurement-procedure-type", p.eu, row["eu_row"])


def procedure_preamble(ctx: Context) -> Iterable[Triple]:
    _, triples = scheme(ctx, SCHEME, "Procédures de passation des données essentielles (DECP)",
                        "Award procedures of the French essential procurement data (DECP)")
    eu = AUTHORITY + "procurement-procedure-type"
    # the code lists of the aggregates cube's dimensions (graph_service/build/aggregates.py, decp-procedure)
    lists = code_list(BG.refProcedure, ctx.entity("scheme", SCHEME)) + code_list(BG.refEuProcedureType, iri(eu))
    return triples + eu_scheme(eu, "Procurement procedure type") + lists


# ---- contract nature --------------------------------------------------------------------------

#: The CPV 2008 main vocabulary's divisions by what they describe (Regulation (EC) 213/2008, and the
#: Commission's CPV guide): 03-44 and 48 supplies, 45 construction work, 49-98 services.
WORKS, SUPPLIES, SERVICES = "works", "supplies", "services"


def nature_of_cpv(code: str) -> str | None:
    """The EU contract-nature code of a main CPV code (8 digits), or None for a code outside 03-98."""
    division = int(code[:2]) if code[:2].isdigit() else -1
    if division == 45:
        return WORKS
    if 3 <= division <= 44 or division == 48:
        return SUPPLIES
    if 49 <= division <= 98:
        return SERVICES
    return None


def nature_concept(code: str) -> str:
    return iri(AUTHORITY + "contract-nature/" + code)


def read_natures(path: Path) -> Iterator[Record]:
    for index, (code, row) in enumerate(genericode(path).items(), start=1):
        yield Record(index, {"code": code, "row": row})


def lift_nature(row: Record, ctx: Context) -> Iterable[Triple]:
    return eu_concept(nature_concept(row["code"]), AUTHORITY + "contract-nature", row["code"], row["row"])


# ---- NUTS 3 -----------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def nuts_by_departement(data_dir: Path) -> dict[str, str]:
    """COG département code -> NUTS 2021 level-3 code, joined by name (`fold`): French NUTS 3 regions are
    the départements. A département or a NUTS code without a namesake is left out (tests list them)."""
    nuts = {fold(row.get("fra_label") or row.get("Name", "")): code
            for code, row in genericode(data_dir / NUTS_FILE).items()}
    out: dict[str, str] = {}
    for row in read_csv(data_dir / DEPARTEMENTS, columns=("code", "name")):
        if (code := nuts.get(fold(row.get("name")))) is not None:
            out[row.get("code")] = code
    return out


def nuts_concept(code: str) -> str:
    return iri(NUTS_CODE + code)


def read_nuts(path: Path) -> Iterator[Record]:
    for index, (code, row) in enumerate(genericode(path).items(), start=1):
        yield Record(index, {"code": code, "row": row})


@lru_cache(maxsize=4)
def departement_of_nuts(data_dir: Path) -> dict[str, str]:
    return {nuts: dept for dept, nuts in nuts_by_departement(data_dir).items()}


def lift_nuts(row: Record, ctx: Context) -> Iterable[Triple]:
    """A NUTS 3 code of the French list; the département of the same name `skos:exactMatch` it."""
    code = row["code"]
    subject = nuts_concept(code)
    yield from eu_concept(subject, NUTS_SCHEME, code, row["row"])
    dept = departement_of_nuts(ctx.data_dir).get(code)
    if dept and (departement := ctx.link("departement", dept)):
        ctx.relate("departement", dept, "nuts", code)  # what a DECP contract's place reads (`ctx.related`)
        yield departement, SKOS.exactMatch, subject


#: support sources of the CPV kind (`cpv.KINDS`): our procedure scheme with the EU types it matches,
#: the EU contract natures, the French NUTS 3 with the départements' matches
SOURCES = [
    Source(name="type-procedure-decp", title="Procédures de passation DECP et types de procédure de l'UE "
           "(eForms SDK, procurement-procedure-type)", path=PROCEDURE_FILE, read=read_procedures,
           lift=lift_procedure, mapping=__name__, preamble=procedure_preamble, licence=CC_BY),
    Source(name="contract-nature", title="Nature du marché — table de l'UE contract-nature (eForms SDK)",
           path=NATURE_FILE, read=read_natures, lift=lift_nature, mapping=__name__,
           preamble=lambda ctx: eu_scheme(AUTHORITY + "contract-nature", "Contract nature"), licence=CC_BY),
    Source(name="nuts3-departements", title="NUTS 2021 niveau 3 (France, eForms SDK) et départements du COG 2025",
           path=NUTS_FILE, read=read_nuts, lift=lift_nuts, mapping=__name__,
           preamble=lambda ctx: eu_scheme(NUTS_SCHEME, "NUTS 2021"), licence=CC_BY,
           reads_also=(DEPARTEMENTS,)),
]
