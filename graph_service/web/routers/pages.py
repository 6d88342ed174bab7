"""`/`: the landing page (what is here, where to start), and `/lookup`: a code typed in its form
leads to the entity's page (303 to `/id/{kind}/{code}`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from mappings.iri import KINDS, Minter

from graph_service.web.documents import entity as ed
from graph_service.web.html import layout as html
from graph_service.web.documents import void as vd
from graph_service.web.conneg import explicitly_wants
from graph_service.web.html.layout import esc, link
from graph_service.store import StoreMissing
from graph_service.web.routers.catalog import open_store
from graph_service.web.routers.entities import RDF_TYPES
from graph_service.web.routers.void import VOID_PATH

router = APIRouter()

#: The kinds offered in the lookup form: (kind, what its code is).
LOOKUP_KINDS = (("commune", "code INSEE, ex. 75056"), ("departement", "ex. 2A, 75, 971"), ("region", "ex. 93"),
                ("entreprise", "SIREN, 9 chiffres"), ("etablissement", "SIRET, 14 chiffres"),
                ("cpv", "8 chiffres, ex. 45210000"), ("naf", "ex. 62.01Z"), ("mission", "ex. SB"),
                ("programme", "ex. 152"), ("dataset", "identifiant du portail"))


def landing(request: Request) -> str:
    settings = request.app.state.settings
    minter = Minter(settings.base)
    store = open_store(request)
    examples = vd.examples(store, minter)
    labels = ed.labels(store, {f"<{e}>" for e, _ in examples})
    start = "".join(f"<li>{link(e, labels.get(f'<{e}>', e.rsplit('/', 1)[-1]))} — {esc(why)}</li>"
                    for e, why in examples)
    graphs = vd.graphs(store)
    rows = "".join(f"<tr><td>{esc(g.title)}</td><td>{link(g.iri, g.name)}</td>"
                   f'<td class="num">{html.number(g.triples)}</td><td>{link(f"/dumps/{g.name}.nq", "N-Quads")}</td></tr>'
                   for g in graphs)
    options = "".join(f'<option value="{k}">{esc(k)} ({esc(hint)})</option>' for k, hint in LOOKUP_KINDS)
    example = examples[0][0] if examples else f"{settings.base}/id/commune/75056"
    body = f"""
<h1>bercy-graph</h1>
<p>Les données ouvertes du ministère de l'Économie et des Finances (data.economie.gouv.fr) reliées en un seul
graphe de connaissances (RDF) : le budget de l'État, les données de la DGFiP (ventes immobilières DVF, comptes
des collectivités), la commande publique (DECP), le catalogue DCAT-AP du ministère, et les référentiels qui les
relient (communes et départements de l'INSEE, SIREN/SIRET, codes CPV et NAF, nomenclature budgétaire).
Toutes les valeurs viennent des fichiers publiés ; chaque ligne écartée l'est avec sa raison.</p>
<p class="note">The open data of the French Ministry of Economy and Finance as linked data: every entity has a
web address that works in a browser and in RDF tools alike.</p>
<h2>Par où commencer</h2><ul>{start}</ul>
<h2>Chercher un code</h2>
<form action="/lookup" method="get"><select name="kind">{options}</select>
<input name="code" placeholder="code" required> <button type="submit">Voir</button></form>
<h2>Pour les développeurs</h2>
<ul>
<li>Chaque entité a une adresse <code>{esc(settings.base)}/id/{{type}}/{{code}}</code> : une page lisible dans un
navigateur, ou sa description en Turtle, JSON-LD, N-Triples ou RDF/XML selon l'en-tête <code>Accept</code>,
l'extension (<code>.ttl</code>, <code>.jsonld</code>, <code>.nt</code>, <code>.rdf</code>) ou
<code>?format=</code>. Exemple : <code>curl -H 'Accept: text/turtle' {esc(example)}</code></li>
<li>{link("/sparql", "Point d'accès SPARQL")} (protocole SPARQL 1.1, avec des exemples de requêtes)</li>
<li>{link("/catalog", "Catalogue DCAT-AP")} pour les moissonneurs (data.gouv.fr, CKAN, data.europa.eu)</li>
<li>{link(VOID_PATH, "Description VoID")} du jeu de données : sources, volumes, liens vers l'INSEE et l'UE</li>
<li>API JSON sous <code>/api/</code> (jeux de données, entités, communes, départements, contrats) :
{link("/openapi.json", "description OpenAPI")}</li>
</ul>
<h2>Les sources ({len(graphs)} graphes nommés)</h2>
<table><tr><th>source</th><th>graphe</th><th>triplets</th><th>téléchargement</th></tr>{rows}</table>
"""
    return html.page("Accueil", body, alternates=[(VOID_PATH, "text/turtle")])


@router.api_route("/", methods=["GET", "HEAD"], tags=["pages"])
def home(request: Request) -> Response:
    """The landing page; RDF clients are sent to the VoID description."""
    accept = request.headers.get("accept")
    if not explicitly_wants(accept, "text/html", RDF_TYPES) and any(t in (accept or "") for t in RDF_TYPES):
        return RedirectResponse(VOID_PATH, status_code=303)
    try:
        page = landing(request)
    except StoreMissing as exc:
        return PlainTextResponse(f"{exc}\n", status_code=503)
    if request.method == "HEAD":
        return HTMLResponse(None, headers={"Content-Length": str(len(page.encode("utf-8")))})
    return HTMLResponse(page)


@router.get("/lookup", tags=["pages"])
def lookup(request: Request, kind: str = "", code: str = "") -> Response:
    """The entity page of a code typed in the landing page's form (303), or 400 naming the problem."""
    if kind not in KINDS:
        return PlainTextResponse(f"kind {kind!r} is not one of: {', '.join(sorted(KINDS))}\n", status_code=400)
    if not code.strip():
        return PlainTextResponse("code: give the code of the entity\n", status_code=400)
    return RedirectResponse(Minter(request.app.state.settings.base).entity_iri(kind, code.strip()), status_code=303)
