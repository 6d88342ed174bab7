"""The search results page (`/search?q=`), and the script of the search box every page has in its header
(graph_service/web/html/layout.py): suggestions as you type, from `/api/search`.

The script is a constant served from here (`/assets/search.js`, allowed by the Content-Security-Policy as
'self'), written by hand without a framework. The box is an ARIA combobox: the suggestions are a listbox of
links, reachable with the arrow keys, Enter opens the chosen one; without the script the form still submits
to this page.
"""

from __future__ import annotations

from collections.abc import Sequence

from graph_service.search import Hit
from graph_service.web.documents.labels import kind_name
from graph_service.web.html import layout as html
from graph_service.web.html.layout import esc, link

SCRIPT_PATH = html.SEARCH_SCRIPT
SCRIPT = """// The search box of every page: suggestions from /api/search as you type (web/html/search.py).
(function () {
  "use strict";
  var input = document.getElementById("site-search");
  var list = document.getElementById("site-search-list");
  if (!input || !list) { return; }
  var timer = null, active = -1, shown = "";
  function options() { return list.querySelectorAll("[role=option]"); }
  function close() {
    list.hidden = true; active = -1; shown = "";
    input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant");
  }
  function show(items) {
    list.textContent = ""; active = -1; input.removeAttribute("aria-activedescendant");
    items.forEach(function (item, i) {
      var option = document.createElement("li"), a = document.createElement("a"), kind = document.createElement("span");
      option.id = "site-search-option-" + i; option.setAttribute("role", "option");
      a.href = item.url; a.textContent = item.label; a.tabIndex = -1;
      kind.className = "kind"; kind.textContent = " — " + item.kind_label;
      a.appendChild(kind); option.appendChild(a); list.appendChild(option);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
  }
  function suggest() {
    var q = input.value.trim();
    if (q.length < 2) { close(); return; }
    if (q === shown) { return; }
    fetch("/api/search?limit=8&q=" + encodeURIComponent(q), {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {items: []}; })
      .then(function (data) { if (input.value.trim() === q) { shown = q; show(data.items); } })
      .catch(close);
  }
  function move(step) {
    var all = options();
    if (!all.length) { return; }
    if (active >= 0) { all[active].removeAttribute("aria-selected"); }
    active = (active + step + all.length) % all.length;
    all[active].setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", all[active].id);
  }
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(suggest, 120); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { move(1); event.preventDefault(); }
    else if (event.key === "ArrowUp") { move(-1); event.preventDefault(); }
    else if (event.key === "Escape") { close(); }
    else if (event.key === "Enter" && active >= 0) {
      event.preventDefault(); window.location.href = options()[active].querySelector("a").href;
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target !== input && !list.contains(event.target)) { close(); }
  });
})();
"""


def code(hit: Hit) -> str:
    """The code shown beside a name (the key of its IRI: INSEE code, SIREN, CPV...)."""
    return hit.path.rsplit("/", 1)[-1]


def render(query: str, hits: Sequence[Hit]) -> str:
    """The results page of `query` (`hits` best first, names already chosen)."""
    if not query.strip():
        body = ("<h1>Recherche</h1><p>Tapez dans la case « Rechercher » en haut de la page un nom ou un code : "
                "commune, département, région, entreprise ou établissement (nom, SIREN ou SIRET, avec ou sans "
                "espaces), mission ou programme du budget, jeu de données, code CPV.</p>")
        return html.page("Recherche", body)
    if hits:
        items = "".join(f"<li>{link(h.path, h.label)} <span class=\"kind\">— {esc(kind_name(h.kind))} "
                        f"<code>{esc(code(h))}</code></span></li>" for h in hits)
        found = (f"<p>{len(hits)} résultat{'s' if len(hits) > 1 else ''} pour « {esc(query)} », les plus "
                 f"proches d'abord.</p><ol class=\"results\">{items}</ol>")
    else:
        found = (f"<p>Aucun résultat pour « {esc(query)} ». Essayez un autre nom, le début d'un nom, ou un code "
                 "(code INSEE, SIREN, SIRET, code CPV).</p>")
    return html.page(f"Recherche : {query}", f"<h1>Recherche</h1>{found}", query=query)
