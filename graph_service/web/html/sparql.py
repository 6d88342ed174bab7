"""The query page people get at /sparql in a browser, in French: an editor that highlights the query and adds the
missing PREFIX lines, the example queries of `queries/`, a results table whose IRIs are links named by the label
policy, a permalink (`/sparql?query=...`), and syntax errors said in French with their line, column and a caret.

Plain HTML in the one layout of `layout.py` and a small inline script of our own, nothing from a CDN, so it works
offline. The highlighter is a `<pre>` drawn under a transparent `<textarea>` (one regular expression, one pass);
without JavaScript the textarea stays plain and the form still runs the query. The examples are the `.rq` files
of `queries/` (their first `#` comment line is the title). The names of the IRIs of a result come from `/names`
(routers/names.py: `documents/labels.py`, the one label policy).

The script is a constant (and the stylesheet is the layout's), so the Content-Security-Policy allows
exactly them by hash (graph_service/web/security_headers.py); the page's data (examples, prefixes, autorun)
travels in a JSON block the script reads. The form and the script talk to `/sparql` on the page's own origin: the
public URL of the endpoint (from the configured base) is only shown.
"""

from __future__ import annotations

import json
from pathlib import Path

from mappings.namespaces import PREFIXES

from graph_service.config import PROJECT_ROOT
from graph_service.web.html.layout import esc, page

QUERIES_DIR = PROJECT_ROOT / "queries"

FALLBACK = """SELECT ?graph (COUNT(*) AS ?triples)
WHERE { GRAPH ?graph { ?s ?p ?o } }
GROUP BY ?graph
ORDER BY DESC(?triples)"""


def examples(directory: Path = QUERIES_DIR) -> list[tuple[str, str]]:
    """(title, query text) of each example query file, sorted by file name."""
    out = []
    for path in sorted(directory.glob("*.rq")) if directory.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        comments = [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")]
        out.append((comments[0] if comments and comments[0] else path.stem, text))
    return out or [("Triplets par graphe nommé (un graphe par source)", FALLBACK)]


#: Where the page's form and script send queries: the endpoint on the page's own origin.
ENDPOINT_PATH = "/sparql"
#: Where the page asks for the names of the IRIs of a result (routers/names.py).
NAMES_PATH = "/names"


def _json_block(value: object) -> str:
    """JSON safe inside a <script type="application/json"> element (no `<` can end or open a tag)."""
    return json.dumps(value).replace("<", "\\u003c")


def render_page(endpoint: str, query: str | None = None) -> str:
    """The page; `endpoint` is the public URL shown; `query` prefills the editor and runs at once
    (a GET /sparql?query=... from a browser: the page's permalink)."""
    items = examples()
    first = query if query is not None else items[0][1]
    options = "\n".join(f'<option value="{i}">{esc(title)}</option>' for i, (title, _) in enumerate(items))
    data = _json_block({"examples": [q for _, q in items], "autorun": query is not None, "prefixes": PREFIXES,
                        "names": NAMES_PATH})
    known = "".join(f"<li><code>{esc(name)}:</code> <code>{esc(iri)}</code></li>" for name, iri in PREFIXES.items())
    body = BODY.format(endpoint=esc(endpoint), action=ENDPOINT_PATH, options=options, query=esc(first),
                       data=data, script=SCRIPT, known=known)
    return page("Requêtes SPARQL", body)


#: Only these IRIs become links in the results table (never `javascript:`, `data:`...).
LINK_RULE = r"""function linkable(iri) {
  try { const url = new URL(iri); return url.protocol === "http:" || url.protocol === "https:"; }
  catch (e) { return false; }
}"""

#: The editor's highlighter: one pass of one regular expression, each token in a span of its class (comments,
#: strings, IRIs, variables, prefixed names, numbers, keywords).
HIGHLIGHT = r"""
const KEYWORDS = new Set(("select distinct reduced where filter optional union minus graph service bind values " +
  "prefix base construct describe ask from named order by group having limit offset as asc desc not exists in " +
  "a count sum min max avg sample group_concat separator str lang langmatches datatype bound iri uri bnode " +
  "strlen substr ucase lcase strstarts strends contains concat regex replace year month day if coalesce " +
  "isiri isblank isliteral isnumeric true false undef").split(" "));
const TOKEN = /(#[^\n]*)|("{3}[\s\S]*?"{3}|'{3}[\s\S]*?'{3}|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(<[^<>"{}|^`\\\s]*>)|([?$][\w\u00C0-\uFFFF]+)|((?:[A-Za-z][\w.-]*)?:[\w\u00C0-\uFFFF.%-]*)|(\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)|([A-Za-z_]+)/g;
function escapeHtml(text) { return text.replace(/[&<>]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;"})[c]); }
function highlight(text) {
  let out = "", last = 0, m;
  TOKEN.lastIndex = 0;
  while ((m = TOKEN.exec(text)) !== null) {
    out += escapeHtml(text.slice(last, m.index));
    const kind = m[1] ? "comment" : m[2] ? "str" : m[3] ? "iri" : m[4] ? "var" : m[5] ? "prefix" : m[6] ? "num"
      : KEYWORDS.has(m[7].toLowerCase()) ? "kw" : null;
    out += kind ? '<span class="hl-' + kind + '">' + escapeHtml(m[0]) + "</span>" : escapeHtml(m[0]);
    last = TOKEN.lastIndex;
  }
  return out + escapeHtml(text.slice(last)) + "\n";
}
"""

SCRIPT = r"""
"use strict";
const page = JSON.parse(document.getElementById("page-data").textContent);
const examples = page.examples;
const form = document.getElementById("form"), query = document.getElementById("query");
const shadow = document.getElementById("query-highlight"), editor = document.getElementById("editor");
const endpoint = form.getAttribute("action");
const status = document.getElementById("status"), results = document.getElementById("results");
const permalink = document.getElementById("permalink");
""" + HIGHLIGHT + r"""
function paint() { shadow.innerHTML = highlight(query.value); shadow.scrollTop = query.scrollTop; }
editor.classList.remove("plain");
query.addEventListener("input", () => { paint(); links(); });
query.addEventListener("scroll", () => { shadow.scrollTop = query.scrollTop; });
document.getElementById("examples").addEventListener("change", e => {
  query.value = examples[e.target.value]; paint(); links();
});
document.getElementById("add-prefixes").addEventListener("click", () => {
  const declared = new Set([...query.value.matchAll(/PREFIX\s+([\w.-]*):/gi)].map(m => m[1]));
  const text = query.value.replace(/<[^>\n]*>|"[^"\n]*"|#[^\n]*/g, " ");
  const used = new Set([...text.matchAll(/(?:^|[\s(\/^|,;!])([A-Za-z][\w.-]*):/g)].map(m => m[1]));
  const missing = [...used].filter(p => !declared.has(p) && page.prefixes[p]);
  query.value = missing.map(p => "PREFIX " + p + ": <" + page.prefixes[p] + ">\n").join("") + query.value;
  status.className = "";
  status.textContent = missing.length ? "Préfixes ajoutés : " + missing.join(", ") : "Aucun préfixe à ajouter.";
  paint(); links();
});
function links() {
  for (const a of document.querySelectorAll("a[data-format]")) {
    a.href = endpoint + "?" + new URLSearchParams({query: query.value, format: a.dataset.format});
    a.setAttribute("download", "resultats." + a.dataset.format);
  }
  permalink.href = endpoint + "?" + new URLSearchParams({query: query.value});
}
""" + LINK_RULE + r"""
const numbers = new Intl.NumberFormat("fr-FR", {maximumFractionDigits: 2});
const NUMERIC = /#(integer|decimal|double|float|long|int|short|nonNegativeInteger|positiveInteger)$/;
function plural(n, word) { return numbers.format(n) + " " + word + (n > 1 ? "s" : ""); }
function shown(term) {
  if (!term) return "";
  if (term.datatype && NUMERIC.test(term.datatype) && term.value !== "" && !isNaN(Number(term.value)))
    return numbers.format(Number(term.value));
  if (term.datatype && term.datatype.endsWith("#date") && /^\d{4}-\d{2}-\d{2}$/.test(term.value))
    return new Date(term.value + "T00:00:00Z").toLocaleDateString("fr-FR",
      {day: "numeric", month: "long", year: "numeric", timeZone: "UTC"});
  return term.value;
}
async function names(iris) {
  if (!iris.length) return {};
  try {
    const response = await fetch(page.names, {method: "POST", headers: {"Content-Type": "text/plain"},
                                              body: iris.slice(0, 1000).join("\n")});
    return response.ok ? await response.json() : {};
  } catch (e) { return {}; }
}
async function table(data) {
  if ("boolean" in data) { results.textContent = data.boolean ? "Oui (vrai)" : "Non (faux)"; status.textContent = ""; return; }
  const vars = data.head.vars, rows = data.results.bindings;
  const iris = [...new Set(rows.flatMap(b => vars.map(v => b[v])).filter(t => t && t.type === "uri").map(t => t.value))];
  const labels = await names(iris);
  const t = document.createElement("table"), caption = t.createCaption(), head = t.createTHead().insertRow();
  caption.textContent = "Résultats : " + plural(rows.length, "ligne");
  for (const v of vars) { const th = document.createElement("th"); th.scope = "col"; th.textContent = v; head.appendChild(th); }
  const body = t.createTBody();
  for (const b of rows) {
    const row = body.insertRow();
    for (const v of vars) {
      const td = row.insertCell(), term = b[v];
      if (term && term.type === "uri" && linkable(term.value)) {
        const a = document.createElement("a"); a.href = term.value; a.title = term.value;
        a.textContent = labels[term.value] || term.value; td.appendChild(a);
      } else {
        td.textContent = shown(term);
        if (term && term.datatype && NUMERIC.test(term.datatype)) td.className = "num";
      }
    }
  }
  const wrap = document.createElement("div"); wrap.className = "wide"; wrap.appendChild(t);
  results.replaceChildren(wrap);
  status.textContent = plural(rows.length, "ligne");
}
const SYNTAX = /^query syntax error: error at (\d+):(\d+): ([\s\S]*)$/;
function explain(code, text) {
  const m = SYNTAX.exec(text.trim());
  if (!m) return "La requête a échoué (" + code + ") : " + text;
  const line = Number(m[1]), column = Number(m[2]);
  const source = query.value.split("\n")[line - 1] || "";
  const several = m[3].startsWith("expected one of");
  const expected = m[3].replace(/^expected (one of )?/, "");
  return "Erreur de syntaxe ligne " + line + ", colonne " + column + " : attendu " + (several ? "l'un de " : "") +
    expected + ".\n\n" + source + "\n" + " ".repeat(Math.max(0, column - 1)) + "^";
}
async function run(event) {
  if (event) event.preventDefault();
  status.className = ""; status.textContent = "Requête en cours…"; results.replaceChildren();
  history.replaceState(null, "", endpoint + "?" + new URLSearchParams({query: query.value}));
  const started = performance.now();
  try {
    const response = await fetch(endpoint, {method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json, text/turtle;q=0.9"},
      body: new URLSearchParams({query: query.value})});
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok) { status.className = "error"; status.textContent = explain(response.status, await response.text()); return; }
    if (type.includes("json")) await table(await response.json());
    else { const pre = document.createElement("pre"); pre.textContent = await response.text(); results.replaceChildren(pre); status.textContent = ""; }
    status.textContent += " (" + Math.round(performance.now() - started) + " ms)";
  } catch (e) { status.className = "error"; status.textContent = "La requête n'a pas abouti : " + e; }
}
form.addEventListener("submit", run);
paint(); links();
if (page.autorun) run();
"""

BODY = """<h1>Requêtes SPARQL</h1>
<p>Point d'accès : <code>{endpoint}</code> — protocole SPARQL 1.1 (GET, POST formulaire, POST direct), en lecture
seule. Sans <code>FROM</code>, le graphe par défaut est l'union de tous les graphes nommés (un par source).</p>
<form id="form" method="get" action="{action}">
<div class="bar"><label for="examples">Exemple :</label> <select id="examples">{options}</select></div>
<p><label for="query">Requête</label></p>
<div class="editor plain" id="editor"><pre id="query-highlight" aria-hidden="true"></pre>
<textarea id="query" name="query" spellcheck="false" autocapitalize="off">{query}</textarea></div>
<div class="bar">
<button type="submit">Exécuter la requête</button>
<button type="button" id="add-prefixes">Ajouter les préfixes manquants</button>
<a id="permalink" href="#">Lien permanent vers cette requête</a>
</div>
<p>Télécharger les résultats : <a data-format="csv" href="#">CSV</a> · <a data-format="tsv" href="#">TSV</a> ·
<a data-format="json" href="#">JSON</a> · <a data-format="xml" href="#">XML</a> ·
<a data-format="ttl" href="#">Turtle</a> · <a data-format="nt" href="#">N-Triples</a> ·
<a data-format="jsonld" href="#">JSON-LD</a></p>
</form>
<details><summary>Préfixes connus</summary><ul>{known}</ul></details>
<div id="status" role="status" aria-live="polite"></div>
<div id="results"></div>
<script type="application/json" id="page-data">{data}</script>
<script>{script}</script>
"""
