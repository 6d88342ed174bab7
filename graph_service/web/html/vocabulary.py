"""The vocabulary page (`/def`): the ontology's header, then one section per `bg:` term, anchored by its
local name (`/def#montant`), with its labels and comments in French and English, its kind, domain,
range, parents and unit; and the shapes graphs of the build (`/def/shapes/<name>`)."""

from __future__ import annotations

from collections.abc import Sequence

from mappings.namespaces import BG_ONTOLOGY, PREFIXES

from graph_service.web import formats
from graph_service.web.documents.vocabulary import SHAPES_PATH, VOCABULARY_PATH, Term
from graph_service.web.html.layout import esc, link, page

RDF, RDFS, OWL = PREFIXES["rdf"], PREFIXES["rdfs"], PREFIXES["owl"]
#: the facts shown for a term, in this order (label, predicate)
SHOWN = (("type", RDF + "type"), ("domaine", RDFS + "domain"), ("portée (range)", RDFS + "range"),
         ("sous-classe de", RDFS + "subClassOf"), ("sous-propriété de", RDFS + "subPropertyOf"),
         ("unité", PREFIXES["sdmx-attribute"] + "unitMeasure"), ("défini par", RDFS + "isDefinedBy"))
HEADER = (("version", OWL + "versionInfo"), ("licence", PREFIXES["dct"] + "license"),
          ("préfixe", "http://purl.org/vocab/vann/preferredNamespacePrefix"),
          ("espace de noms", "http://purl.org/vocab/vann/preferredNamespaceUri"))


def short(iri: str) -> str:
    """`bg:montant`, `qb:Observation`: the prefixed name when a prefix of the table fits."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def term_link(iri: str) -> str:
    """Our terms link to their section of this page, others to their IRI."""
    if iri.startswith(BG_ONTOLOGY):
        return link(f"#{iri[len(BG_ONTOLOGY):]}", short(iri), iri)
    return link(iri, short(iri), iri)


def section(term: Term) -> str:
    rows = []
    for lang, name in (("fr", "français"), ("en", "English")):
        labels = ", ".join(esc(v) for v in term.texts(RDFS + "label", lang))
        comments = " ".join(esc(v) for v in term.texts(RDFS + "comment", lang))
        rows.append(f'<tr><th>{name}</th><td lang="{lang}"><strong>{labels}</strong><br>{comments}</td></tr>')
    for label, predicate in SHOWN:
        if values := term.iris(predicate):
            rows.append(f"<tr><th>{esc(label)}</th><td>{', '.join(term_link(v) for v in values)}</td></tr>")
    return (f'<section id="{esc(term.name)}"><h3>{esc("bg:" + term.name)}</h3>'
            f'<p class="iri">{esc(term.iri)}</p><table class="props">{"".join(rows)}</table></section>')


def render(terms: Sequence[Term], header: Sequence[tuple[str, str, str | None]],
           shapes: Sequence[tuple[str, str]]) -> str:
    facts = {p: v for p, v, _ in header}
    titles = [v for p, v, lang in header if p == PREFIXES["dct"] + "title" and lang == "fr"]
    meta = "".join(f"<tr><th>{esc(label)}</th><td>{term_link(facts[p]) if p.endswith('license') else esc(facts[p])}"
                   f"</td></tr>" for label, p in HEADER if p in facts)
    formats_links = " ".join(link(f"{VOCABULARY_PATH}.{f.ext}", f.label) for f in formats.DOCUMENTS)
    index = ", ".join(link(f"#{t.name}", t.name) for t in terms)
    shapes_list = "".join(f"<li>{link(f'{SHAPES_PATH}/{name}', name)} — {esc(title)} "
                          f"({link(f'{SHAPES_PATH}/{name}.ttl', 'Turtle')})</li>" for name, title in shapes)
    body = (f"<h1>{esc(titles[0] if titles else 'Vocabulaire bercy-graph')}</h1>"
            f'<p class="iri">{esc(BG_ONTOLOGY)}</p>'
            f'<p class="note">Chaque terme <code>bg:nom</code> est décrit ci-dessous à l\'ancre <code>#nom</code> '
            f"(IRI en dièse : <code>{esc(BG_ONTOLOGY)}montant</code> se lit à <code>{VOCABULARY_PATH}#montant</code>).</p>"
            f'<table class="props">{meta}</table>'
            f'<p class="formats">Le vocabulaire en RDF : {formats_links}</p>'
            f"<h2>Termes ({len(terms)})</h2><p>{index}</p>"
            + "".join(section(t) for t in terms)
            + f"<h2>Formes SHACL</h2><p>Les formes qui valident chaque graphe à la construction "
              f"(le <code>void:Dataset</code> de chaque graphe les nomme par <code>dct:conformsTo</code>).</p>"
              f"<ul>{shapes_list}</ul>")
    alternates = [(f"{VOCABULARY_PATH}.{f.ext}", f.media_type) for f in formats.DOCUMENTS]
    return page("Vocabulaire bercy-graph", body, alternates=alternates)


def render_shapes(name: str, turtle: str) -> str:
    """A shapes graph for people: its Turtle, with links to the other formats."""
    formats_links = " ".join(link(f"{SHAPES_PATH}/{name}.{f.ext}", f.label) for f in formats.DOCUMENTS)
    body = (f"<h1>Formes SHACL : {esc(name)}</h1><p>{link(VOCABULARY_PATH, 'Vocabulaire et formes')}</p>"
            f'<p class="formats">{formats_links}</p><pre>{esc(turtle)}</pre>')
    return page(f"Formes {name}", body)
