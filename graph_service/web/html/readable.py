"""Literal values as a French reader expects them: numbers with thin spaces and a decimal comma,
amounts in euros, dates in words, booleans as oui/non, text without its language tag, Markdown
descriptions rendered with raw HTML disabled, and text the source garbled (U+FFFD) flagged.

The datatype decides the form; a few properties say their numbers are euros (`EUROS`). Nothing here
queries the store: it turns one term into HTML (escaped).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from markdown_it import MarkdownIt

from graph_service.store import Term
from graph_service.web.documents.labels import french_date
from graph_service.web.html.layout import esc
from mappings.namespaces import PREFIXES

XSD = PREFIXES["xsd"]
BG = PREFIXES["bg"]
NUMBERS = {XSD + t for t in ("decimal", "integer", "int", "long", "short", "double", "float", "nonNegativeInteger",
                             "positiveInteger", "nonPositiveInteger", "negativeInteger", "unsignedInt")}
#: Properties whose numbers are amounts in euros.
EUROS = {BG + p for p in ("montant", "montantParHabitant", "valeurFonciere", "initialAmount", "currentAmount",
                          "currentAmountIfIncrements", "newAmount", "amount")}
#: Properties whose numbers are areas in square metres.
SQUARE_METRES = {BG + p for p in ("surfaceReelleBati", "surfaceTerrain", "surfaceCarrez")}
#: Properties whose text is Markdown (the portals' dataset descriptions).
MARKDOWN = {PREFIXES["dct"] + "description"}
#: What a reader sees for text the source file garbled (the build flags it, U+FFFD marks the lost characters).
GARBLED = {"fr": "texte altéré à la source", "en": "text garbled at the source"}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")


def french_number(text: str, decimals: int | None = None) -> str:
    """A decimal written as in French: `1234567.5` -> "1 234 567,5" (narrow no-break spaces), keeping the
    digits given, or rounded to `decimals`."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    if decimals is not None:
        value = round(value, decimals)
    sign, digits = ("-", str(abs(value))) if value < 0 else ("", str(value))
    if "E" in digits or "e" in digits:
        digits = f"{abs(value):f}"
    whole, dot, fraction = digits.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + "\u202f".join(groups) + ("," + fraction if dot and fraction else "")


def euros(text: str) -> str:
    """An amount: "1 234 567 €", cents shown when there are any."""
    try:
        cents = Decimal(text) % 1 != 0
    except InvalidOperation:
        return text
    return french_number(text, 2 if cents else 0) + "\u00a0€"


def french_datetime(value: str, lang: str = "fr") -> str:
    """`2025-01-15T15:40:38Z` as "15 janvier 2025 à 15 h 40 (UTC)"."""
    day = french_date(value) if lang == "fr" else value[:10]
    time = value[11:16]
    if len(value) < 16 or value[10] != "T" or not time.replace(":", "").isdigit():
        return day
    zone = " (UTC)" if value.endswith("Z") or value.endswith("+00:00") else ""
    return f"{day} à {time[:2]} h {time[3:]}{zone}" if lang == "fr" else f"{day} {time}{zone}"


def text_html(text: str, lang: str = "fr") -> str:
    """Plain text, escaped, line breaks kept; U+FFFD flagged rather than shown as is."""
    if "\ufffd" not in text:
        return esc(text).replace("\n", "<br>")
    marked = esc(text).replace("\n", "<br>").replace("\ufffd", '<mark title="caractère illisible">?</mark>')
    return f'{marked} <span class="note">({esc(GARBLED.get(lang, GARBLED["fr"]))})</span>'


def markdown_html(text: str) -> str:
    """A Markdown description rendered: raw HTML is escaped (never passed), images are not loaded."""
    rendered = _markdown.render(text)
    return f'<div class="markdown">{rendered.replace(chr(0xfffd), "?")}</div>' + (
        f' <span class="note">({esc(GARBLED["fr"])})</span>' if "\ufffd" in text else "")


def literal_html(term: Term, prop: str = "", lang: str = "fr") -> str:
    """A literal for a reader: no datatype suffix, no language tag (the text carries `lang=` when it is
    in another language than the page)."""
    value, datatype, tag = term.value, term.datatype or "", term.language
    if tag:
        shown = markdown_html(value) if prop in MARKDOWN else text_html(value, lang)
        return shown if tag == lang else f'<span lang="{esc(tag)}">{shown}</span>'
    if datatype in NUMBERS:
        if prop in EUROS:
            return esc(euros(value))
        return esc(french_number(value) + ("\u00a0m²" if prop in SQUARE_METRES else ""))
    if datatype == XSD + "date":
        return esc(french_date(value) if lang == "fr" else value)
    if datatype == XSD + "dateTime":
        return esc(french_datetime(value, lang))
    if datatype == XSD + "boolean":
        return {"true": "oui", "1": "oui", "false": "non", "0": "non"}.get(value, esc(value)) if lang == "fr" \
            else esc(value)
    if prop in MARKDOWN:
        return markdown_html(value)
    return text_html(value, lang)
