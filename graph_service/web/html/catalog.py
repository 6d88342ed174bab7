"""The catalog for people (`/catalog` in a browser): one page of its datasets, by name, with links to
the same page in the RDF formats harvesters read, and to the previous and next pages.
"""

from __future__ import annotations

from urllib.parse import quote

from mappings.namespaces import sparql_prologue

from graph_service.store import GraphStore
from graph_service.web.documents import catalog as pages
from graph_service.web.documents import sparql_values as sv
from graph_service.web.documents.labels import best_labels
from graph_service.web.formats import DOCUMENTS
from graph_service.web.html.layout import esc, link, number, page


#: The datasets of a page whose publisher gave no description (theirs is generated, and says so).
GENERATED = sparql_prologue("bg") + "SELECT ?ds WHERE { VALUES ?ds { $datasets } ?ds bg:generatedDescription true }"
NO_DESCRIPTION = ' <span class="note">(sans description de l\'éditeur : description générée)</span>'


def render(store: GraphStore, catalog: str, paging: pages.Paging, members: list[str]) -> str:
    """The page `paging.request.page` of the catalog `catalog`, whose datasets are `members`."""
    current = paging.request.page
    rows = store.select(pages.identifiers_query(members)) if members else []
    names = best_labels(store, members)
    generated = {r["ds"] for r in store.select(sv.fill(GENERATED, datasets=sv.iris(members)))} if members else set()
    own = "".join(paging.page_url(current).partition("?")[1:])   # "?page=2...", "" on page 1
    formats = " ".join(link(f"/catalog.{f.ext}{own}", f".{f.ext}") for f in DOCUMENTS)
    pager = " ".join(link(paging.page_url(n), label) for n, label in (
        (current - 1, "← précédente"), (current + 1, "suivante →")) if 1 <= n <= paging.last)
    table = "".join(f"<tr><td>{link(r['ds'], names.get(r['ds'], r['id']))}"
                    f"{NO_DESCRIPTION if r['ds'] in generated else ''}</td><td>{esc(r['id'])}</td>"
                    f"<td>{link('/catalog/datasets/' + quote(r['id'], safe='') + '.ttl', 'ttl')}</td></tr>"
                    for r in rows)
    body = (f"<h1>Catalogue DCAT-AP</h1><p class=iri>{esc(catalog)}</p>"
            f"<p>{number(paging.total)} jeux de données — page {current} sur {paging.last}</p>"
            f"<p class=formats>Pour les moissonneurs : {formats} "
            f"{link('/catalog/full.ttl', 'catalogue complet')}</p><p class=pager>{pager}</p>"
            f'<div class="wide"><table><tr><th>Titre</th><th>Identifiant</th><th>RDF</th></tr>{table}</table></div>')
    alternates = [(f"/catalog.{f.ext}{own}", f.media_type) for f in DOCUMENTS]
    return page("Catalogue DCAT-AP", body, alternates=alternates)
