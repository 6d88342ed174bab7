"""Maps on entity pages, as inline SVG drawn from the geometry the project ships (documents/geo.py): a
département's or région's outline; a commune's geo-DVF sales as points over its département's outline. No
tile server, no request leaving the machine; each map has a text alternative (its title and caption say what
is drawn, what is not, where the outlines come from and how they are projected).
"""

from __future__ import annotations

from graph_service.store import GraphStore
from graph_service.web.documents import geo
from graph_service.web.html import layout as html
from graph_service.web.html.layout import esc

PROJECTION = ("projection équirectangulaire (longitudes × cosinus de la latitude moyenne), calculée sur le "
              "serveur ; contours simplifiés")


def svg(drawing: geo.Drawing, label: str, *, highlight: int = 0, radius: float = 1.3) -> str:
    """The drawing: outlines (the `highlight`-th filled), then the points; `label` is its text alternative."""
    paths = "".join(f'<path d="{d}" fill="{"#e3e3fd" if i == highlight else "#f4f4f4"}" stroke="#000091" '
                    f'stroke-width="0.8"/>' for i, d in enumerate(drawing.paths))
    dots = "".join(f'<circle cx="{x:g}" cy="{y:g}" r="{radius}"/>' for x, y in drawing.points)
    group = f'<g fill="#c9191e" fill-opacity="0.55">{dots}</g>' if dots else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{esc(label)}" '
            f'viewBox="0 0 {drawing.width} {drawing.height}">{paths}{group}</svg>')


def figure(drawing_svg: str, caption: str) -> str:
    return f'<figure class="map">{drawing_svg}<figcaption>{caption}</figcaption></figure>'


def departement(code: str) -> str:
    return outline(geo.departements().get(code), f"du département {{name}} ({code})", "Les communes ne sont pas tracées.",
                   f"Carte : aucun contour du département {esc(code)} dans les fichiers du projet (data/geo, "
                   "data/tabular) ; rien n'est dessiné.")


def region(code: str) -> str:
    return outline(geo.regions().get(code), f"de la région {{name}} ({code})", "Les départements ne sont pas tracés.",
                   f"Carte : les fichiers du projet n'ont pas de contour de la région {esc(code)} (les régions "
                   "d'outre-mer manquent dans data/geo) ; rien n'est dessiné.")


def outline(shape: geo.Shape | None, of: str, left_out: str, missing: str) -> str:
    """A territory's outline alone (`of`: "du département {name} (83)"), or the caption saying why not."""
    if shape is None:
        return figure("", missing)
    label = "Contour " + of.format(name=shape.name)
    return figure(svg(geo.project([shape]), label),
                  f"{esc(label)}. {left_out} Source : {esc(shape.source)} (IGN Admin Express, "
                  f"voir data/SOURCES.md) ; {PROJECTION}.")


def commune(store: GraphStore, iri: str, name: str) -> str:
    """The commune's sales placed by their geo-DVF coordinates, over its département's outline (nothing
    when none of its sales has coordinates)."""
    found = geo.sale_points(store, iri)
    code = geo.departement_of(store, iri)
    shape = geo.departements().get(code or "")
    if not found.points or shape is None:
        return ""
    drawing = geo.project([shape], found.points)
    label = (f"Carte des ventes immobilières de {name} : {html.number(len(drawing.points))} emplacements de "
             f"parcelles vendues, sur le contour du département {shape.name}")
    missing = found.sales - found.located
    caption = (f"{esc(label)}. {html.number(found.located)} ventes sur {html.number(found.sales)} ont des "
               f"coordonnées (geo-DVF, Etalab)" + (f" ; {html.number(missing)} sans coordonnées ne sont pas "
                                                   f"placées" if missing else "")
               + f". Un point par parcelle : une parcelle vendue plusieurs fois n'a qu'un point. Contour : "
               f"{esc(shape.source)} ; {PROJECTION}.")
    return figure(svg(drawing, label, radius=0.9), caption)


def map_for(store: GraphStore, kind: str, iri: str, name: str) -> str:
    """The map of an entity page ("" for kinds without one)."""
    code = iri.rsplit("/", 1)[-1]
    if kind == "departement":
        return departement(code)
    if kind == "region":
        return region(code)
    if kind == "commune":
        return commune(store, iri, name)
    return ""
