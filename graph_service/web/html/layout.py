"""The HTML layout every human-facing page shares (landing, entity, catalog and SPARQL query pages).

Plain f-strings, one inline stylesheet, inline SVG charts: no template engine, no external asset, so a
page reads the same offline and in any browser. Every header has the search box (a form to `/search`,
which works without JavaScript; our own small script, graph_service/web/html/search.py, adds suggestions).
Every value that comes from the data goes through `esc` (or `link`, which escapes). The stylesheet is a
constant: the Content-Security-Policy allows it by its hash (graph_service/web/security_headers.py), and no
`style=` attribute or inline script would be allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2430;background:#fafbfc;line-height:1.45}
header{background:#000091;color:#fff;padding:.6rem 1.2rem;display:flex;flex-wrap:wrap;align-items:center;
gap:.4rem 1.2rem}
header nav{display:flex;flex-wrap:wrap;gap:.2rem 1.2rem}
header a{color:#fff;text-decoration:none}
header a.home{font-weight:700}
.skip{position:absolute;left:-999px}
.skip:focus{left:.5rem;top:.5rem;background:#fff;color:#000091;padding:.3rem .6rem;z-index:3}
form.search{position:relative;display:flex;flex-wrap:wrap;align-items:center;gap:.4rem;margin-left:auto;max-width:100%}
form.search label{font-size:.9rem}
form.search input{width:18rem;max-width:calc(100vw - 14rem);box-sizing:border-box;padding:.25rem .4rem;font-size:1rem}
#site-search-list{position:absolute;top:100%;right:0;z-index:2;list-style:none;margin:.2rem 0 0;padding:0;
width:26rem;max-width:calc(100vw - 2.4rem);background:#fff;border:1px solid #99a;box-shadow:0 2px 8px #0003}
#site-search-list li a{display:block;padding:.35rem .6rem;color:#1d2430}
#site-search-list li[aria-selected=true] a,#site-search-list li a:hover{background:#e3e3fd}
ol.results li{margin:.3rem 0}
.wide{overflow-x:auto;max-width:100%}
svg,textarea{max-width:100%}
svg{height:auto}
select{max-width:calc(100vw - 3rem)}
table.props,table.counts{table-layout:fixed}
table.props td,table.counts td,h3{overflow-wrap:break-word}
main{max-width:68rem;margin:0 auto;padding:1rem 1.2rem 3rem}
h1{font-size:1.6rem;margin:.6rem 0 .2rem}
h2{font-size:1.2rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #dde;padding-bottom:.2rem}
.kind{color:#555;font-size:.95rem}
.iri{font-family:ui-monospace,monospace;font-size:.85rem;color:#444;word-break:break-all}
table{border-collapse:collapse;width:100%;font-size:.93rem}
th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #e6e8ef}
th{background:#f0f2f7;font-weight:600}
table.props th{width:15rem;background:none}
ul.links{columns:3 14rem;padding-left:1.2rem}
h3{font-size:1rem;margin:1rem 0 .3rem}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.figures{display:flex;flex-wrap:wrap;gap:.8rem;margin:.6rem 0}
.figure{background:#fff;border:1px solid #dde;border-radius:6px;padding:.6rem .9rem;min-width:11rem}
.figure .value{font-size:1.35rem;font-weight:700}
.figure .label{font-size:.85rem;color:#555}
.formats a{margin-right:.7rem}
.pager{margin:.6rem 0}
.pager a{margin-right:1rem}
.note{color:#555;font-size:.88rem}
code{background:#eef0f5;padding:0 .2rem;border-radius:3px}
a{color:#000091}
textarea{width:100%;height:16rem;font:.9rem/1.4 ui-monospace,monospace;box-sizing:border-box}
.bar{display:flex;gap:.75rem;align-items:center;flex-wrap:wrap;margin:.5rem 0}
#results td{word-break:break-word}
#status{color:#555}
#status.error{color:#a00;white-space:pre-wrap}
pre{background:#f7f7f7;padding:.75rem;overflow:auto}
""" + """
/* issue 12 part B: tables, charts, maps, query page (one block) */
caption{text-align:left;font-weight:600;padding:.3rem 0}
table.data th a{color:inherit}
table.data td.num{white-space:nowrap}
table.data td.empty{color:#666}
.downloads a{margin:0 .2rem}
ul.links,.downloads{overflow-wrap:anywhere}
figure.chart{margin:.8rem 0;max-width:34rem}
figure.map{margin:.8rem 0;max-width:40rem}
figure.chart svg,figure.map svg{width:100%;height:auto;display:block}
figure figcaption{font-size:.88rem;color:#444}
details.numbers summary{cursor:pointer;font-size:.9rem}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.editor{position:relative;font:.9rem/1.4 ui-monospace,monospace}
.editor pre,.editor textarea{margin:0;padding:.5rem;border:1px solid #99a;box-sizing:border-box;width:100%;
min-height:16rem;font:inherit;white-space:pre-wrap;overflow-wrap:anywhere;tab-size:2}
.editor pre{position:absolute;inset:0;pointer-events:none;background:#fff;overflow:hidden;color:#1d2430}
.editor textarea{display:block;position:relative;background:transparent;color:transparent;caret-color:#000;
resize:vertical}
.editor.plain textarea{color:#1d2430}
.editor.plain pre{display:none}
.hl-kw{color:#000091;font-weight:600}.hl-var{color:#8a3a00}.hl-iri{color:#00603a}.hl-str{color:#7a1f6f}
.hl-num{color:#005a8c}.hl-comment{color:#555;font-style:italic}.hl-prefix{color:#006b6b}
#status.error{color:#a00;white-space:pre-wrap}
.error-at{background:#fde8e8;border:1px solid #d33;padding:.5rem}
"""

#: Where the search box's script is served (graph_service/web/html/search.py has it).
SEARCH_SCRIPT = "/assets/search.js"

NAV = (("/", "bercy-graph"), ("/sparql", "SPARQL"), ("/catalog", "Catalogue DCAT"), ("/def", "Vocabulaire"),
       ("/.well-known/void", "VoID"))


def esc(value: object) -> str:
    """Text or attribute value, escaped for HTML."""
    return escape(str(value), quote=True)


def link(href: str, text: str, title: str | None = None) -> str:
    """An escaped <a>; `title` shows the full IRI on hover."""
    extra = f' title="{esc(title)}"' if title else ""
    return f'<a href="{esc(href)}"{extra}>{esc(text)}</a>'


def search_box(query: str = "") -> str:
    """The header's search form (graph_service/web/html/search.py has its script and results page)."""
    return ('<form class="search" role="search" action="/search" method="get">'
            '<label for="site-search">Rechercher</label>'
            f'<input id="site-search" name="q" type="search" value="{esc(query)}" autocomplete="off" '
            'placeholder="Toulon, Colas, 329 338 883…" role="combobox" aria-autocomplete="list" '
            'aria-expanded="false" aria-controls="site-search-list">'
            '<button type="submit">Chercher</button>'
            '<ul id="site-search-list" role="listbox" aria-label="Suggestions" hidden></ul></form>'
            f'<script src="{SEARCH_SCRIPT}" defer></script>')


def page(title: str, body: str, *, alternates: Sequence[tuple[str, str]] = (), lang: str = "fr",
         query: str = "", links: Sequence[tuple[str, str]] = (), scripts: Sequence[str] = ()) -> str:
    """A whole document: header navigation and search box (`query` in it), `body` (already HTML),
    `alternates` as (href, media type), `links` as (rel, href) (a pager's prev/next), `scripts` the
    paths of our own scripts the page also loads."""
    alt = "".join(f'<link rel="alternate" type="{esc(m)}" href="{esc(h)}">' for h, m in alternates)
    alt += "".join(f'<link rel="{esc(r)}" href="{esc(h)}">' for r, h in links)
    alt += "".join(f'<script src="{esc(s)}" defer></script>' for s in scripts)
    nav = "".join(f'<a href="{h}"{" class=home" if h == "/" else ""}>{esc(t)}</a>' for h, t in NAV)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<link rel="icon" href="data:,">'   # no icon: browsers would ask for /favicon.ico (a 404) on each site
            f"<title>{esc(title)} — bercy-graph</title>{alt}<style>{CSS}</style></head>"
            f'<body><a class="skip" href="#contenu">Aller au contenu</a><header>'
            f'<nav aria-label="Navigation principale">{nav}</nav>{search_box(query)}</header>'
            f'<main id="contenu">{body}</main></body></html>')


def number(value: float | int, decimals: int = 0) -> str:
    """French number formatting: thin spaces between thousands, comma for decimals."""
    text = f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return text


def euros(value: float) -> str:
    return number(value) + "\u00a0€"


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def date(iso: str) -> str:
    """An ISO date (`2025-01-15`) the French way (15 janvier 2025); anything else as it is."""
    y, _, rest = iso.partition("-")
    m, _, d = rest.partition("-")
    if not (y.isdigit() and m.isdigit() and d[:2].isdigit() and 1 <= int(m) <= 12):
        return iso
    day = int(d[:2])
    return f"{'1er' if day == 1 else day} {MONTHS[int(m) - 1]} {y}"


def figures(items: Sequence[tuple[str, str]]) -> str:
    """Key figures as cards: (label, formatted value)."""
    cards = "".join(f'<div class="figure"><div class="value">{esc(v)}</div><div class="label">{esc(k)}</div></div>'
                    for k, v in items)
    return f'<div class="figures">{cards}</div>'


def bar_chart(bars: Sequence[tuple[str, float]], *, title: str, unit: str = "", left_out: str = "") -> str:
    """A horizontal bar chart as inline SVG (one bar per (label, value)), empty if no bars. It scales to the
    width of the screen (a viewBox, no fixed width); `left_out` says what the chart does not show; its
    numbers follow as a table (folded under a `<details>`), which screen readers read instead of the drawing."""
    bars = [(k, v) for k, v in bars if v is not None]
    if not bars:
        return ""
    top = max(v for _, v in bars) or 1
    row, label_w, bar_w, value_w = 26, 90, 250, 100
    height = row * len(bars) + 4
    full = label_w + bar_w + value_w
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" aria-hidden="true" focusable="false" '
             f'viewBox="0 0 {full} {height}" font-size="15" font-family="system-ui,sans-serif">']
    for i, (label, value) in enumerate(bars):
        y = 2 + i * row
        width = max(1, round(bar_w * value / top))
        shown = number(value) + (f" {unit}" if unit else "")
        parts.append(f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end">{esc(label)}</text>'
                     f'<rect x="{label_w}" y="{y + 4}" width="{width}" height="{row - 8}" fill="#6a6af4"/>'
                     f'<text x="{label_w + width + 5}" y="{y + 17}">{esc(shown)}</text>')
    parts.append("</svg>")
    rows = "".join(f'<tr><th scope="row">{esc(k)}</th><td class="num">{esc(number(v))}</td></tr>' for k, v in bars)
    numbers = (f'<details class="numbers"><summary>Les chiffres du graphique</summary><table>'
               f"<caption>{esc(title)}</caption><thead><tr><th scope=\"col\">période</th>"
               f"<th scope=\"col\">{esc(unit or 'nombre')}</th></tr></thead><tbody>{rows}</tbody></table></details>")
    note = f" {esc(left_out)}" if left_out else ""
    return (f'<figure class="chart"><figcaption><strong>{esc(title)}</strong>{note}</figcaption>'
            f'{"".join(parts)}{numbers}</figure>')
