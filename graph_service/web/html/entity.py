"""The HTML page of one entity, for people: labels instead of IRIs, clickable links, key figures
with a small chart, the entity's statements, what points to it (grouped by property, paged), its
sources, and links to the machine-readable formats of the same description.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import quote

from graph_service.store import GraphStore
from graph_service.web.documents import entity as ed
from graph_service.web.documents import tables as td
from graph_service.web.documents.figures import FigureSource, FigureTable, figures
from graph_service.web.documents.labels import (best_labels, is_technical, kind_name, ontology_labels,
                                                property_definition, property_label)
from graph_service.web.formats import DOCUMENTS
from graph_service.web.html import layout as html
from graph_service.web.html import maps
from graph_service.web.html import tables as table_html
from graph_service.web.html.layout import esc, link
from graph_service.web.html.readable import GARBLED, literal_html
from mappings.namespaces import shorten


#: The page's own words, French first (the data's labels follow `lang` through `best_labels`).
WORDS = {
    "fr": {"figures": "Chiffres clés", "description": "Description", "raw": "Données brutes",
           "raw_note": "types, identifiants, provenance et mesures de qualité, tels que le graphe les enregistre",
           "incoming": "Ce qui pointe vers cette entité", "sources": "Sources", "data": "Données",
           "query": "requête SPARQL", "other": "English", "none": "Aucun lien ne pointe vers cette entité.",
           "property": "propriété", "links": "nombre de liens"},
    "en": {"figures": "Key figures", "description": "Description", "raw": "Raw data",
           "raw_note": "types, identifiers, provenance and quality measurements, as the graph records them",
           "incoming": "What points to this entity", "sources": "Sources", "data": "Data",
           "query": "SPARQL query", "other": "Français", "none": "Nothing points to this entity.",
           "property": "property", "links": "links"},
}


def _iri_link(term, labels: dict[str, str], lang: str = "fr") -> str:
    value = term.value
    own = ontology_labels().get(value, {})   # our classes and terms are named by the ontology
    text = labels.get(value) or own.get(lang) or own.get("fr") or shorten(value)
    if "\ufffd" in text:   # a name the source file garbled: flagged, not shown as is
        return link(value, text.replace("\ufffd", "?"), title=value) + f' <span class="note">({GARBLED[lang]})</span>'
    return link(value, text, title=value)


def property_link(prop: str, lang: str = "fr") -> str:
    """A property by its label, linked to its definition (our ontology page, or the vocabulary's IRI)."""
    return link(property_definition(prop), property_label(prop, lang), title=prop)


def value_html(term, labels: dict[str, str], blanks: dict[str, list[tuple]], prop: str = "", lang: str = "fr") -> str:
    """An IRI as a labelled link, a literal formatted for a reader, a blank node inline."""
    if ed.is_iri(term):
        return _iri_link(term, labels, lang)
    if ed.is_blank(term):
        inner = "; ".join(f"{esc(property_label(p.value, lang))} {value_html(v, labels, {}, p.value, lang)}"
                          for p, v in blanks.get(str(term), []))
        return f"[ {inner} ]"
    return literal_html(term, prop, lang)


def statements_table(rows: list[tuple], labels: dict[str, str], blanks: dict[str, list[tuple]],
                     lang: str = "fr") -> str:
    grouped: dict[str, list] = defaultdict(list)
    for p, o in rows:
        grouped[p.value].append(o)
    body = "".join(f"<tr><th>{property_link(prop, lang)}</th>"
                   f"<td>{'<br>'.join(value_html(o, labels, blanks, prop, lang) for o in values)}</td></tr>"
                   for prop, values in grouped.items())
    return f'<table class="props">{body}</table>'


def description_html(rows: list[tuple], labels: dict[str, str], blanks: dict[str, list[tuple]],
                     lang: str = "fr") -> str:
    """The statements a reader wants, then the technical ones folded under "Données brutes"."""
    words = WORDS[lang]
    plain = [(p, o) for p, o in rows if not is_technical(p.value)]
    raw = [(p, o) for p, o in rows if is_technical(p.value)]
    out = statements_table(plain, labels, blanks, lang) if plain else "<p>—</p>"
    if raw:
        out += (f'<details class="raw"><summary>{esc(words["raw"])} ({esc(words["raw_note"])})</summary>'
                f"{statements_table(raw, labels, blanks, lang)}</details>")
    return out


def incoming_html(iri: str, incoming: ed.Incoming, links: list[tuple], labels: dict[str, str], page: int,
                  lang: str = "fr") -> str:
    words = WORDS[lang]
    total = incoming.total
    if not total:
        return f"<p>{esc(words['none'])}</p>"
    summary = "".join(f"<tr><td>{property_link(p.value, lang)}</td>"
                      f'<td class="num">{html.number(n)}</td></tr>' for p, n in incoming.counts())
    first = (page - 1) * ed.PAGE_SIZE + 1
    last = min(total, page * ed.PAGE_SIZE)
    grouped: dict[str, list] = defaultdict(list)
    for p, s in links:
        grouped[p.value].append(s)
    lists = "".join(f"<h3>« {esc(property_label(p, lang))} » ({len(subjects)} sur cette page)</h3><ul class=\"links\">"
                    + "".join(f"<li>{value_html(s, labels, {}, lang=lang)}</li>" for s in subjects) + "</ul>"
                    for p, subjects in grouped.items())
    pages = incoming.last_page
    nav = []
    if page > 1:
        nav += [link(ed.page_url(iri, 1), "« première page"), link(ed.page_url(iri, page - 1), "‹ précédente")]
    if page < pages:
        nav += [link(ed.page_url(iri, page + 1), "suivante ›"), link(ed.page_url(iri, pages), "dernière page »")]
    pager = f'<p class="pager">Liens {html.number(first)} à {html.number(last)} sur {html.number(total)} ' \
            f"(page {page} / {pages}) {' '.join(nav)}</p>"
    return (f'<table class="counts"><tr><th>{esc(words["property"])}</th><th>{esc(words["links"])}</th></tr>'
            f"{summary}</table>{pager}{lists}{pager if pages > 1 else ''}")


def figure_list(title: str, entries: list[tuple[str | None, str]]) -> str:
    """A titled list of the key figures: each entry a link when it names an IRI."""
    items = "".join(f"<li>{link(href, text, title=href) if href else esc(text)}</li>" for href, text in entries)
    return f'<h3>{esc(title)}</h3><ul class="links">{items}</ul>'


def figure_table(table: FigureTable) -> str:
    """A titled table of figures (an account per row...): numbers right-aligned, a cell a link when it has one."""
    head = "".join(f'<th scope="col"{" class=num" if i in table.numeric else ""}>{esc(c)}</th>'
                   for i, c in enumerate(table.columns))
    rows = "".join("<tr>" + "".join(
        f'<td{" class=num" if i in table.numeric else ""}>'
        f"{link(cell[0], cell[1], title=cell[0]) if isinstance(cell, tuple) else esc(cell)}</td>"
        for i, cell in enumerate(row)) + "</tr>" for row in table.rows)
    return (f'<h3>{esc(table.title)}</h3><div class="wide"><table class="figures-table">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>")


def source_html(source: FigureSource) -> str:
    """Where a group of figures comes from: what it counts, its source graphs (their page, licence and
    period), and the SPARQL query that computes it."""
    graphs = "; ".join(link(g.iri, g.title, title=g.iri) + (f" — licence : {esc(g.licence)}" if g.licence else "")
                       for g in source.graphs)
    period = f" Période : {esc(source.period)}." if source.period else ""
    query = f'<a href="/sparql?query={quote(source.query)}">la requête SPARQL qui le calcule</a>'
    return (f'<p class="note source">{esc(source.counts)} Source : {graphs or "—"}.{period} '
            f"Voir {query}" + (f" (et <code>queries/{esc(source.query_file)}</code>)" if source.query_file else "")
            + ".</p>")


def render(store: GraphStore, iri: str, kind: str, page: int, incoming: ed.Incoming, lang: str = "fr") -> str:
    """The whole page of an entity, with one page of the links pointing to it, in `lang` (fr or en)."""
    words = WORDS[lang]
    rows = ed.outgoing(store, iri)
    blanks = ed.blank_details(store, iri)
    links = incoming.page(page)
    shown = [t for row in rows for t in row] + [s for _, s in links]
    shown += [v for details in blanks.values() for _, v in details]
    labels = best_labels(store, [iri, *(t.value for t in shown if ed.is_iri(t))], lang)
    title = labels.get(iri) or iri.rsplit("/", 1)[-1]
    formats = " ".join(link(f"{iri}.{f.ext}", f.label) for f in DOCUMENTS)
    describe = quote(f"DESCRIBE <{iri}>")
    facts = figures(store, kind, iri)
    key = ""
    if facts.items or facts.charts or facts.lists or facts.tables:
        key = (f"<h2>{esc(words['figures'])}</h2>" + html.figures(facts.items)
               + "".join(source_html(s) for s in facts.sources)
               + "".join(f'<p class="note">{esc(n)}</p>' for n in dict.fromkeys(facts.notes))
               + "".join(figure_table(t) for t in facts.tables)
               + "".join(f"<div>{c}</div>" for c in facts.charts)
               + "".join(figure_list(title, entries) for title, entries in facts.lists))
    views = [td.view(store, t, iri, None, None, 1, td.PREVIEW) for t in td.tables(kind)]
    views = [v for v in views if v.total]
    drawn = maps.map_for(store, kind, iri, title)
    key += f"<h2>Carte</h2>{drawn}" if drawn else ""
    tables = ("<h2>Tableaux</h2>" + "".join(table_html.section(v, iri) for v in views)) if views else ""
    sources = "".join(f"<li>{link(g, t, title=g)}</li>" for g, t in ed.sources(store, iri))
    other = "en" if lang == "fr" else "fr"
    switch = f'<a href="?lang={other}" hreflang="{other}" lang="{other}">{esc(words["other"])}</a>'
    body = (f'<p class="kind">{esc(kind_name(kind))}</p><h1>{esc(title)}</h1>'
            f'<p class="iri">{esc(iri)}</p>'
            f'<p class="formats">{esc(words["data"])} : {formats} · '
            f'<a href="/sparql?query={describe}">{esc(words["query"])}</a> · {switch}</p>'
            f"{key}{tables}<h2>{esc(words['description'])}</h2>"
            f"{description_html(rows, labels, blanks, lang) if rows else '<p>—</p>'}"
            f"<h2>{esc(words['incoming'])}</h2>{incoming_html(iri, incoming, links, labels, page, lang)}"
            + (f"<h2>{esc(words['sources'])}</h2><ul>{sources}</ul>" if sources else ""))
    alternates = [(f"{iri}.{f.ext}", f.media_type) for f in DOCUMENTS]
    return html.page(title, body, alternates=alternates, lang=lang,
                     scripts=[table_html.SCRIPT_PATH] if views else [])
