"""The landing page (`/`): what is here, where to start (the build's example entities, by name), how to
search (the header's box) or look a code up, the ways in for developers, and the sources with their sizes
and dumps.
"""

from __future__ import annotations

from mappings.iri import Minter

from graph_service.store import GraphStore
from graph_service.web.documents import void as vd
from graph_service.web.documents.labels import best_labels
from graph_service.web.html import layout as html
from graph_service.web.html.layout import esc, link

#: The kinds offered in the lookup form: (kind, what its code is).
LOOKUP_KINDS = (("commune", "code INSEE, ex. 75056"), ("departement", "ex. 2A, 75, 971"), ("region", "ex. 93"),
                ("entreprise", "SIREN, 9 chiffres"), ("etablissement", "SIRET, 14 chiffres"),
                ("cpv", "8 chiffres, ex. 45210000"), ("naf", "ex. 62.01Z"), ("mission", "ex. SB"),
                ("programme", "ex. 152"), ("dataset", "identifiant du portail"))


def render(store: GraphStore, base: str) -> str:
    """The whole page, for a store built (and served) under `base`."""
    examples = vd.examples(store, Minter(base))
    labels = best_labels(store, [e for e, _ in examples])
    start = "".join(f"<li>{link(e, labels.get(e, e.rsplit('/', 1)[-1]))} — {esc(why)}</li>" for e, why in examples)
    graphs = vd.graphs(store)
    rows = "".join(f"<tr><td>{esc(g.title)}</td><td>{link(g.iri, g.name)}</td>"
                   f'<td class="num">{html.number(g.triples)}</td><td>{link(f"/dumps/{g.name}.nq", "N-Quads")}</td></tr>'
                   for g in graphs)
    options = "".join(f'<option value="{k}">{esc(k)} ({esc(hint)})</option>' for k, hint in LOOKUP_KINDS)
    example = examples[0][0] if examples else f"{base}/id/commune/75056"
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
<h2>Chercher</h2>
<p>La case « Rechercher » en haut de chaque page trouve, par leur nom ou leur code (sans souci des accents ni des
majuscules), les communes, départements et régions, les entreprises et établissements (nom, SIREN ou SIRET,
avec ou sans espaces), les missions et programmes du budget, les jeux de données et les codes CPV. Exemples :
{link("/search?q=Toulon", "Toulon")}, {link("/search?q=colas", "colas")},
{link("/search?q=329 338 883", "329 338 883")}.</p>
<form action="/lookup" method="get" class="bar"><label for="lookup-kind">Type</label>
<select id="lookup-kind" name="kind">{options}</select>
<label for="lookup-code">Code</label><input id="lookup-code" name="code" required>
<button type="submit">Voir</button></form>
<h2>Pour les développeurs</h2>
<ul>
<li>Chaque entité a une adresse <code>{esc(base)}/id/{{type}}/{{code}}</code> : une page lisible dans un
navigateur, ou sa description en Turtle, JSON-LD, N-Triples ou RDF/XML selon l'en-tête <code>Accept</code>,
l'extension (<code>.ttl</code>, <code>.jsonld</code>, <code>.nt</code>, <code>.rdf</code>) ou
<code>?format=</code>. Exemple : <code>curl -H 'Accept: text/turtle' {esc(example)}</code></li>
<li>{link("/sparql", "Point d'accès SPARQL")} (protocole SPARQL 1.1, avec des exemples de requêtes)</li>
<li>{link("/catalog", "Catalogue DCAT-AP")} pour les moissonneurs (data.gouv.fr, CKAN, data.europa.eu)</li>
<li>{link(vd.VOID_PATH, "Description VoID")} du jeu de données : sources, volumes, liens vers l'INSEE et l'UE</li>
<li>API JSON sous <code>/api/</code> (jeux de données, entités, communes, départements, contrats) :
{link("/openapi.json", "description OpenAPI")}</li>
</ul>
<h2>Les sources ({len(graphs)} graphes nommés)</h2>
<div class="wide"><table><tr><th>source</th><th>graphe</th><th>triplets</th><th>téléchargement</th></tr>{rows}
</table></div>
"""
    return html.page("Accueil", body, alternates=[(vd.VOID_PATH, "text/turtle")])
