"""The HTML page of one entity, for people: labels instead of IRIs, clickable links, key figures
with a small chart, the entity's statements, what points to it (grouped by property, paged), its
sources, and links to the machine-readable formats of the same description.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import quote

from graph_service.store import GraphStore, Term
from graph_service.web.documents import entity as ed
from graph_service.web.documents.figures import figures
from graph_service.web.documents import tables as td
from graph_service.web.documents.labels import best_labels, kind_name
from graph_service.web.formats import DOCUMENTS
from graph_service.web.html import layout as html
from graph_service.web.html import maps
from graph_service.web.html import tables as table_html
from graph_service.web.html.layout import esc, link
from mappings.namespaces import shorten


def _iri_link(term, labels: dict[str, str]) -> str:
    value = term.value
    text = labels.get(value) or shorten(value)
    return link(value, text, title=value)


def _literal(term: Term) -> str:
    lang, datatype = term.language, term.datatype
    note = f"@{lang}" if lang else ""
    if datatype is not None and not lang and not datatype.endswith("#string"):
        note = shorten(datatype)
    value = esc(term.value).replace("\n", "<br>")
    return value + (f' <span class="note">{esc(note)}</span>' if note else "")


def value_html(term, labels: dict[str, str], blanks: dict[str, list[tuple]]) -> str:
    """An IRI as a labelled link, a literal with its language or datatype, a blank node inline."""
    if ed.is_iri(term):
        return _iri_link(term, labels)
    if ed.is_blank(term):
        inner = "; ".join(f"{esc(shorten(p.value))} {value_html(v, labels, {})}" for p, v in blanks.get(str(term), []))
        return f"[ {inner} ]"
    return _literal(term)


def statements_table(rows: list[tuple], labels: dict[str, str], blanks: dict[str, list[tuple]]) -> str:
    grouped: dict[str, list] = defaultdict(list)
    props = {}
    for p, o in rows:
        grouped[str(p)].append(o)
        props[str(p)] = p
    body = "".join(f"<tr><th>{link(props[k].value, shorten(props[k].value), title=props[k].value)}</th>"
                   f"<td>{'<br>'.join(value_html(o, labels, blanks) for o in values)}</td></tr>"
                   for k, values in grouped.items())
    return f'<table class="props">{body}</table>'


def incoming_html(iri: str, incoming: ed.Incoming, links: list[tuple], labels: dict[str, str], page: int) -> str:
    total = incoming.total
    if not total:
        return "<p>Aucun lien ne pointe vers cette entité.</p>"
    summary = "".join(f"<tr><td>{link(p.value, shorten(p.value), title=p.value)}</td>"
                      f'<td class="num">{html.number(n)}</td></tr>' for p, n in incoming.counts())
    first = (page - 1) * ed.PAGE_SIZE + 1
    last = min(total, page * ed.PAGE_SIZE)
    grouped: dict[str, list] = defaultdict(list)
    for p, s in links:
        grouped[p.value].append(s)
    lists = "".join(f"<h3>{esc(shorten(p))} ({len(subjects)} sur cette page)</h3><ul class=\"links\">"
                    + "".join(f"<li>{value_html(s, labels, {})}</li>" for s in subjects) + "</ul>"
                    for p, subjects in grouped.items())
    pages = incoming.last_page
    nav = []
    if page > 1:
        nav += [link(ed.page_url(iri, 1), "« première page"), link(ed.page_url(iri, page - 1), "‹ précédente")]
    if page < pages:
        nav += [link(ed.page_url(iri, page + 1), "suivante ›"), link(ed.page_url(iri, pages), "dernière page »")]
    pager = f'<p class="pager">Liens {html.number(first)} à {html.number(last)} sur {html.number(total)} ' \
            f"(page {page} / {pages}) {' '.join(nav)}</p>"
    return (f'<table class="counts"><tr><th>propriété</th><th>nombre de liens</th></tr>{summary}</table>'
            f"{pager}{lists}{pager if pages > 1 else ''}")


def figure_list(title: str, entries: list[tuple[str | None, str]]) -> str:
    """A titled list of the key figures: each entry a link when it names an IRI."""
    items = "".join(f"<li>{link(href, text, title=href) if href else esc(text)}</li>" for href, text in entries)
    return f'<h3>{esc(title)}</h3><ul class="links">{items}</ul>'


def render(store: GraphStore, iri: str, kind: str, page: int, incoming: ed.Incoming) -> str:
    """The whole page of an entity, with one page of the links pointing to it."""
    rows = ed.outgoing(store, iri)
    blanks = ed.blank_details(store, iri)
    links = incoming.page(page)
    shown = [t for row in rows for t in row] + [s for _, s in links]
    shown += [v for details in blanks.values() for _, v in details]
    labels = best_labels(store, [iri, *(t.value for t in shown if ed.is_iri(t))])
    title = labels.get(iri) or iri.rsplit("/", 1)[-1]
    formats = " ".join(link(f"{iri}.{f.ext}", f.label) for f in DOCUMENTS)
    describe = quote(f"DESCRIBE <{iri}>")
    facts = figures(store, kind, iri)
    key = ""
    if facts.items or facts.charts or facts.lists:
        key = ("<h2>Chiffres clés</h2>" + html.figures(facts.items)
               + "".join(f'<p class="note">{esc(n)}</p>' for n in dict.fromkeys(facts.notes))
               + "".join(f"<div>{c}</div>" for c in facts.charts)
               + "".join(figure_list(title, entries) for title, entries in facts.lists))
    views = [td.view(store, t, iri, None, None, 1, td.PREVIEW) for t in td.tables(kind)]
    views = [v for v in views if v.total]
    drawn = maps.map_for(store, kind, iri, title)
    key += f"<h2>Carte</h2>{drawn}" if drawn else ""
    tables = ("<h2>Tableaux</h2>" + "".join(table_html.section(v, iri) for v in views)) if views else ""
    sources = "".join(f"<li>{link(g, t, title=g)}</li>" for g, t in ed.sources(store, iri))
    body = (f'<p class="kind">{esc(kind_name(kind))}</p><h1>{esc(title)}</h1>'
            f'<p class="iri">{esc(iri)}</p>'
            f'<p class="formats">Données : {formats} · <a href="/sparql?query={describe}">requête SPARQL</a></p>'
            f"{key}{tables}<h2>Description</h2>{statements_table(rows, labels, blanks) if rows else '<p>—</p>'}"
            f"<h2>Ce qui pointe vers cette entité</h2>{incoming_html(iri, incoming, links, labels, page)}"
            + (f"<h2>Sources</h2><ul>{sources}</ul>" if sources else ""))
    alternates = [(f"{iri}.{f.ext}", f.media_type) for f in DOCUMENTS]
    return html.page(title, body, alternates=alternates, scripts=[table_html.SCRIPT_PATH] if views else [])
