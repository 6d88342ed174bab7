"""DVF in the raw DGFiP format ('|'-separated, 43 columns, decimal comma, dd/mm/yyyy, CRLF), as
published by the DGFiP ("valeursfoncieres-YYYY.txt") and used by Cerema's tools.

The raw format has no sale identifier. We rebuild it as Cerema's DVF+ does (`idmutinvar`): the
code of the land registration office (`Code service CH`) and the reference of the registered deed
(`Reference document`) identify one mutation: key `{Code service CH}-{Reference document}`
(e.g. `5914P01-2015P00254`). A line lacking either is rejected (naming the field). Etalab's rule
for geo-DVF (consecutive lines with the same date and price) is not used: it cannot tell sales
apart when dates and prices are neutralised, as in the sample below.

Commune codes are rebuilt from `Code departement` + `Code commune` (overseas: 3 + 2 characters)
and parcel ids from commune + prefix + section + plan number (mappings/values.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from . import dvf, values
from .kinds import like
from .namespaces import DCT
from .read import Record, Reject
from .source import Context, Source
from .terms import Triple, en, fr

SERVICE, DOCUMENT = "Code service CH", "Reference document"
ADDRESS_COLUMNS = ("No voie", "B/T/Q", "Type de voie", "Voie")
LOT_COLUMNS = ("1er lot", "2eme lot", "3eme lot", "4eme lot", "5eme lot")
#: every column `sale_line` reads: what the reader checks in the file's header
COLUMNS = (SERVICE, DOCUMENT, "No disposition", "Date mutation", "Nature mutation", "Valeur fonciere",
           *ADDRESS_COLUMNS, "Code postal", "Code departement", "Code commune", "Prefixe de section", "Section",
           "No plan", "No Volume", *LOT_COLUMNS, "Code type local", "Identifiant local", "Surface reelle bati",
           "Nombre pieces principales", "Nature culture", "Nature culture speciale", "Surface terrain")


def mutation_key(row: Record) -> str:
    """Cerema's invariant sale id: registration office + deed reference."""
    service, document = row.get(SERVICE, None), row.get(DOCUMENT, None)
    if service is None or document is None:
        missing = SERVICE if service is None else DOCUMENT
        raise Reject(missing, "missing value: the sale cannot be identified without "
                              f"{SERVICE!r} and {DOCUMENT!r}")
    return f"{service}-{document}"


def address(row: Record) -> str:
    """`9102 RUE DE NORMANDIE` from the number, B/T/Q suffix, street type and street name."""
    return " ".join(p for p in (row.get(c) for c in ADDRESS_COLUMNS) if p)


def sale_line(row: Record) -> dvf.SaleLine:
    """A raw DGFiP line as the shared sale model."""
    departement = row.require("Code departement")
    commune = row.parse("Code commune", partial(values.commune_in_departement, departement),
                        optional=False)
    parcel_parts = (row.get("Prefixe de section"), row.require("Section"), row.require("No plan"))
    parcel = row.parse("No plan", lambda _: values.parcelle_of(commune, *parcel_parts), optional=False)
    return dvf.SaleLine(
        mutation=mutation_key(row),
        date=row.parse("Date mutation", values.date_, optional=False),
        nature=row.require("Nature mutation"),
        price=row.parse("Valeur fonciere", values.decimal),
        disposition=int(row.parse("No disposition", values.integer, optional=False)),
        commune=commune,
        parcel=parcel,
        address=address(row),
        postcode=row.get("Code postal"),
        volume=row.get("No Volume"),
        lots=tuple(row.get(c) for c in LOT_COLUMNS if row.get(c)),
        type_code=row.get("Code type local"),
        built_surface=row.parse("Surface reelle bati", values.decimal),
        rooms=row.parse("Nombre pieces principales", values.integer),
        premises_id=row.get("Identifiant local"),
        culture=row.get("Nature culture"),
        culture_speciale=row.get("Nature culture speciale"),
        land_surface=row.parse("Surface terrain", values.decimal),
        copy=row[dvf.COPY],
    )


def lift(row: Record, ctx: Context) -> Iterable[Triple]:
    return dvf.triples(sale_line(row), ctx)


NAME = "dvf-raw-nord-echantillon"
DESCRIPTION_FR = (
    "Échantillon de 2 500 lignes du fichier DVF brut de la DGFiP (format '|', virgule décimale), "
    "département du Nord (59), publié par le Cerema comme jeu de test « bouchonné » : l'éditeur a "
    "NEUTRALISÉ les dates et les prix (toutes les dates de mutation valent 01/01/2001, toutes les "
    "valeurs foncières 1,00 €, de même que les surfaces Carrez). Les parcelles, locaux et adresses "
    "sont réels. À utiliser pour la structure des ventes, jamais pour les prix ni les dates.")
DESCRIPTION_EN = (
    "A 2,500-line sample of the DGFiP raw DVF file ('|'-separated, decimal comma), département du "
    "Nord (59), published by Cerema as a neutralised test file: its publisher NEUTRALISED dates and "
    "prices (every sale date is 01/01/2001, every price 1.00 EUR, and so are the Carrez surfaces). "
    "Parcels, premises and addresses are real. Use it for the structure of sales, never for prices "
    "or dates.")


def preamble(ctx: Context) -> Iterable[Triple]:
    """The warning, on the graph itself, that this sample's dates and prices are not real."""
    graph = ctx.mint.graph(NAME)
    return [(graph, DCT.description, fr(DESCRIPTION_FR)),
            (graph, DCT.description, en(DESCRIPTION_EN))]


SOURCES = [
    Source(
        name=NAME,
        title="DVF brut (format DGFiP) — échantillon Nord (59), dates et prix neutralisés",
        path="dvf/dvf_raw_dgfip_format_sample_cerema_stubbed.txt",
        read=dvf.reader(COLUMNS, delimiter="|"),
        lift=lift,
        mapping=__name__,
        preamble=preamble,
        licence="https://cecill.info/licences/Licence_CeCILL_V2.1-en.html",
    ),
]

#: the kind(s) of file this mapping lifts (mappings/kinds.py)
KINDS = [like(SOURCES[0], "dvf-brut-dgfip", columns=COLUMNS, delimiter="|")]
