"""The query page people get at /sparql in a browser: an editor, the example queries, a results table.

Plain HTML in the one layout of `layout.py` and a small inline script, nothing from a CDN, so it works
offline. The examples are the `.rq` files of `queries/` (their leading `#` comment lines are the title).

The script is a constant (and the stylesheet is the layout's), so the Content-Security-Policy allows
exactly them by hash (graph_service/web/security_headers.py); the page's data (examples, autorun)
travels in a JSON block the script reads. The form and the script talk to `/sparql` on the page's own origin: the
public URL of the endpoint (from the configured base) is only shown.
"""

from __future__ import annotations

import json
from pathlib import Path

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
    return out or [("Triples per named graph (one graph per source)", FALLBACK)]


#: Where the page's form and script send queries: the endpoint on the page's own origin.
ENDPOINT_PATH = "/sparql"


def _json_block(value: object) -> str:
    """JSON safe inside a <script type="application/json"> element (no `<` can end or open a tag)."""
    return json.dumps(value).replace("<", "\\u003c")


def render_page(endpoint: str, query: str | None = None) -> str:
    """The page; `endpoint` is the public URL shown; `query` prefills the editor and runs at once
    (a GET /sparql?query=... from a browser)."""
    items = examples()
    first = query if query is not None else items[0][1]
    options = "\n".join(f'<option value="{i}">{esc(title)}</option>' for i, (title, _) in enumerate(items))
    data = _json_block({"examples": [q for _, q in items], "autorun": query is not None})
    body = BODY.format(endpoint=esc(endpoint), action=ENDPOINT_PATH, options=options, query=esc(first),
                       data=data, script=SCRIPT)
    return page("SPARQL endpoint", body, lang="en")


#: Only these IRIs become links in the results table (never `javascript:`, `data:`...).
LINK_RULE = """function linkable(iri) {
  try { const url = new URL(iri); return url.protocol === "http:" || url.protocol === "https:"; }
  catch (e) { return false; }
}"""

SCRIPT = """
"use strict";
const page = JSON.parse(document.getElementById("page-data").textContent);
const examples = page.examples;
const form = document.getElementById("form"), query = document.getElementById("query");
const endpoint = form.getAttribute("action");
const status = document.getElementById("status"), results = document.getElementById("results");
document.getElementById("examples").addEventListener("change", e => { query.value = examples[e.target.value]; links(); });
function links() {
  for (const a of document.querySelectorAll("a[data-format]")) {
    a.href = endpoint + "?" + new URLSearchParams({query: query.value, format: a.dataset.format});
    a.setAttribute("download", "results." + a.dataset.format);
  }
}
query.addEventListener("input", links);
""" + LINK_RULE + """
function cell(term) {
  if (!term) return "";
  if (term.type === "uri") return term.value;
  if (term["xml:lang"]) return term.value + " @" + term["xml:lang"];
  return term.value;
}
function table(data) {
  if ("boolean" in data) { results.textContent = data.boolean ? "true" : "false"; return; }
  const vars = data.head.vars, t = document.createElement("table"), head = t.insertRow();
  for (const v of vars) { const th = document.createElement("th"); th.textContent = v; head.appendChild(th); }
  for (const b of data.results.bindings) {
    const row = t.insertRow();
    for (const v of vars) {
      const td = row.insertCell(), term = b[v];
      if (term && term.type === "uri" && linkable(term.value)) {
        const a = document.createElement("a"); a.href = term.value; a.textContent = term.value; td.appendChild(a);
      }
      else td.textContent = cell(term);
    }
  }
  results.replaceChildren(t);
  status.textContent = data.results.bindings.length + " rows";
}
async function run(event) {
  if (event) event.preventDefault();
  status.className = ""; status.textContent = "running…"; results.replaceChildren();
  const started = performance.now();
  try {
    const response = await fetch(endpoint, {method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json, text/turtle;q=0.9"},
      body: new URLSearchParams({query: query.value})});
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok) { status.className = "error"; status.textContent = response.status + ": " + await response.text(); return; }
    if (type.includes("json")) table(await response.json());
    else { const pre = document.createElement("pre"); pre.textContent = await response.text(); results.replaceChildren(pre); status.textContent = ""; }
    status.textContent += " (" + Math.round(performance.now() - started) + " ms)";
  } catch (e) { status.className = "error"; status.textContent = String(e); }
}
form.addEventListener("submit", run);
links();
if (page.autorun) run();
"""

BODY = """<h1>SPARQL endpoint</h1>
<p>Endpoint: <code>{endpoint}</code> — SPARQL 1.1 Protocol (GET, POST form, POST direct).
Without <code>FROM</code>, the default graph is the union of all named graphs (one per source).</p>
<form id="form" method="get" action="{action}">
<div class="bar"><label>Example: <select id="examples">{options}</select></label></div>
<textarea id="query" name="query" spellcheck="false">{query}</textarea>
<div class="bar">
<button type="submit">Run query</button>
<span>Download: <a data-format="csv" href="#">CSV</a> · <a data-format="tsv" href="#">TSV</a> ·
<a data-format="json" href="#">JSON</a> · <a data-format="xml" href="#">XML</a> ·
<a data-format="ttl" href="#">Turtle</a> · <a data-format="nt" href="#">N-Triples</a> ·
<a data-format="jsonld" href="#">JSON-LD</a></span>
<span id="status"></span>
</div>
</form>
<div id="results"></div>
<script type="application/json" id="page-data">{data}</script>
<script>{script}</script>
"""
