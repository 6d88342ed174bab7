"""The HTML of a table of related items (documents/tables.py): a real `<table>` with its `<caption>` and
`<th scope>`, headers that sort on the server (links: the table works without JavaScript), a pager, and
the download links (CSV for a French spreadsheet, with a decimal point or comma; JSON).

The script (`SCRIPT`, served at `SCRIPT_PATH`, allowed by the Content-Security-Policy as 'self') is progressive
enhancement: when a table shows every one of its rows, a click on a header sorts them in place (and says so
through `aria-sort`) instead of reloading the page; when it shows a page of a longer list, the links reload.
"""

from __future__ import annotations

from urllib.parse import urlencode

from graph_service.web.documents import tables as td
from graph_service.web.html import layout as html
from graph_service.web.html.layout import esc, link
from graph_service.web.html.readable import text_html

SCRIPT_PATH = "/assets/tables.js"


def table_path(table: td.Table, entity: str) -> str:
    """The URL of a table of the entity IRI `entity` (`{base}/id/commune/83137` -> `{base}/tables/ventes/id/...`)."""
    base, _, rest = entity.partition("/id/")
    return f"{base}/tables/{table.name}/id/{rest}"


def query(sort: str, descending: bool, page: int = 1, **extra: str) -> str:
    params = {"sort": sort, "order": "desc" if descending else "asc", **extra}
    if page > 1:
        params["page"] = str(page)
    return "?" + urlencode(params)


def cell(column: td.Column, row: td.Row) -> str:
    value = row.get(column.key)
    if value is None:
        return '<td class="empty">—</td>'
    if column.kind == td.EUROS:
        return f'<td class="num" data-value="{value}">{esc(html.euros(float(value)))}</td>'   # type: ignore[arg-type]
    if column.kind == td.NUMBER:
        return f'<td class="num" data-value="{value}">{esc(html.number(float(value), 2).rstrip("0").rstrip(","))}</td>'  # type: ignore[arg-type]
    if column.kind == td.DATE:
        return f'<td data-value="{esc(value)}">{esc(html.date(str(value)))}</td>'
    if column.kind == td.LINK and row.get(column.key + "@iri"):   # text as readable.text_html says it (U+FFFD flagged)
        return f'<td><a href="{esc(row[column.key + "@iri"])}">{text_html(str(value))}</a></td>'
    return f"<td>{text_html(str(value))}</td>"


def downloads(table: td.Table, entity: str, v: td.View) -> str:
    """The download links of the whole list, in the order shown."""
    base = table_path(table, entity)
    order = {"sort": v.sort, "order": "desc" if v.descending else "asc"}
    files = ((".csv?" + urlencode({"decimal": "comma", **order}), "CSV pour Excel (virgule décimale)"),
             (".csv?" + urlencode(order), "CSV (point décimal)"), (".json?" + urlencode(order), "JSON"))
    return (f'<p class="downloads">Télécharger les {html.number(v.total)} lignes : '
            + " · ".join(link(base + suffix, text) for suffix, text in files) + "</p>")


def render_table(v: td.View, entity: str, *, preview: bool = False) -> str:
    """The table of a view; `preview`: the first rows on an entity page, its headers and a link leading to
    the table's own page."""
    table, base = v.table, table_path(v.table, entity)
    complete = len(v.rows) == v.total
    heads = []
    for c in table.columns:
        current = c.key == v.sort
        descending = not v.descending if current else c.kind in (td.DATE, td.EUROS, td.NUMBER)
        sort_state = f' aria-sort="{"descending" if v.descending else "ascending"}"' if current else ""
        arrow = (" ▼" if v.descending else " ▲") if current else ""
        heads.append(f'<th scope="col"{sort_state} data-kind="{c.kind}">'
                     f'<a href="{esc(base + query(c.key, descending))}">{esc(c.label)}</a>'
                     f'<span aria-hidden="true">{arrow}</span></th>')
    body = "".join("<tr>" + "".join(cell(c, r) for c in table.columns) + "</tr>" for r in v.rows)
    shown = (f"les {len(v.rows)} premières" if preview and not complete
             else f"page {v.page} sur {v.last}" if not complete else "toutes")
    order = "décroissant" if v.descending else "croissant"
    sort_label = table.column(v.sort).label if table.column(v.sort) else v.sort   # type: ignore[union-attr]
    caption = (f"{esc(table.caption)} — {html.number(v.total)} lignes ({shown}), triées par {esc(sort_label)} "
               f"({order})" + (f" ; liste limitée aux {html.number(td.MAX_ROWS)} premières" if v.truncated else ""))
    out = (f'<div class="wide"><table class="data" data-complete="{"true" if complete else "false"}">'
           f"<caption>{caption}</caption><thead><tr>{''.join(heads)}</tr></thead><tbody>{body}</tbody></table></div>")
    if preview and not complete:
        out += f'<p>{link(base + query(v.sort, v.descending), f"Voir les {html.number(v.total)} lignes, page par page")}</p>'
    return out


def pager(v: td.View, base: str, where: str) -> str:
    """Links to the first, previous, next and last pages; `where` names the pager (above or below the table)."""
    if v.last <= 1:
        return ""
    nav = []
    if v.page > 1:
        nav += [link(base + query(v.sort, v.descending, 1), "« première page"),
                link(base + query(v.sort, v.descending, v.page - 1), "‹ précédente")]
    if v.page < v.last:
        nav += [link(base + query(v.sort, v.descending, v.page + 1), "suivante ›"),
                link(base + query(v.sort, v.descending, v.last), "dernière page »")]
    first = (v.page - 1) * td.PAGE_SIZE + 1
    last = min(v.total, v.page * td.PAGE_SIZE)
    return (f'<nav class="pager" aria-label="Pages du tableau ({where})">Lignes {html.number(first)} à {html.number(last)} '
            f"sur {html.number(v.total)} (page {v.page} / {v.last}) {' '.join(nav)}</nav>")


def section(v: td.View, entity: str) -> str:
    """A table on its entity page: a heading, the first rows, the downloads."""
    return (f"<h3>{esc(v.table.caption)}</h3>{render_table(v, entity, preview=True)}"
            f"{downloads(v.table, entity, v)}")


def page(v: td.View, entity: str, entity_title: str) -> str:
    """The table's own page: every row, page by page, in the site layout."""
    base = table_path(v.table, entity)
    head = (f'<p class="kind">Tableau</p><h1>{esc(v.table.caption)} — {esc(entity_title)}</h1>'
            f"<p>{link(entity, '← ' + entity_title)}</p>")
    body = (head + pager(v, base, "haut") + render_table(v, entity) + pager(v, base, "bas")
            + downloads(v.table, entity, v))
    relations = []
    if v.page > 1:
        relations.append(("prev", base + query(v.sort, v.descending, v.page - 1)))
    if v.page < v.last:
        relations.append(("next", base + query(v.sort, v.descending, v.page + 1)))
    return html.page(f"{v.table.caption} — {entity_title}", body,
                     alternates=[(base + ".csv", "text/csv"), (base + ".json", "application/json")],
                     links=relations, scripts=[SCRIPT_PATH])


SCRIPT = """// Sort a table that shows all its rows in place (web/html/tables.py); other tables sort on the server.
(function () {
  "use strict";
  function value(cell, kind) {
    var v = cell.getAttribute("data-value");
    if (v === null) { return cell.classList.contains("empty") ? null : cell.textContent.trim().toLocaleLowerCase("fr"); }
    return (kind === "euros" || kind === "number") ? parseFloat(v) : v;
  }
  function sort(table, index, header) {
    var kind = header.getAttribute("data-kind");
    var state = header.getAttribute("aria-sort");   // first click: numbers and dates largest first, as the links
    var descending = state ? state === "ascending" : (kind === "euros" || kind === "number" || kind === "date");
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a.cells[index], kind), y = value(b.cells[index], kind);
      if (x === null || y === null) { return (x === null) - (y === null); }
      var c = typeof x === "number" ? x - y : String(x).localeCompare(String(y), "fr");
      return descending ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.removeAttribute("aria-sort");
      var mark = th.querySelector("span[aria-hidden]"); if (mark) { mark.textContent = ""; }
    });
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
    header.querySelector("span[aria-hidden]").textContent = descending ? " ▼" : " ▲";
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.data[data-complete=true]"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      var a = th.querySelector("a");
      if (!a) { return; }
      a.setAttribute("role", "button");
      a.addEventListener("click", function (event) { event.preventDefault(); sort(table, index, th); });
    });
  });
})();
"""
