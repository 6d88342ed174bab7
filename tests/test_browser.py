"""The site as a journalist uses it, in a real browser (tests/browser.py: Debian's Chromium, Playwright, no
request leaving the machine): search by name or SIREN from the header of any page, the API documentation
offline, no console error or failed request, no horizontal scrolling on a phone.
"""

from __future__ import annotations

import csv
import json
import re

import pytest
from playwright.sync_api import expect

from .browser import PHONE, Site, browser, playwright, server, site  # noqa: F401 (fixtures)
from .conftest import DATA

MAIN_PAGES = ["/", "/id/commune/83137", "/catalog", "/sparql"]


def decp_suppliers(word: str) -> set[str]:
    """SIRENs of the suppliers of the DECP files whose declared name contains `word` (any case)."""
    found = set()
    for path in (DATA / "decp").glob("decp_v1_*.json"):
        for contract in json.loads(path.read_text(encoding="utf-8"))["marches"]:
            found.update(t["id"][:9] for t in contract.get("titulaires") or []
                         if word in (t.get("denominationSociale") or "").lower())
    for path in (DATA / "decp").glob("*tabulaire*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            found.update(row["titulaire_id"][:9] for row in csv.DictReader(handle)
                         if word in row["titulaire_nom"].lower())
    return found


def test_typing_toul_in_the_header_suggests_toulon_and_opens_its_page(site: Site):
    site.open("/catalog")   # any page: the box is in the header
    site.search_box().press_sequentially("Toul")
    toulon = site.page.get_by_role("option", name=re.compile(r"^Toulon — Commune"))
    expect(toulon).to_be_visible()
    toulon.click()
    site.page.wait_for_url(re.compile(r"/id/commune/83137$"))
    expect(site.page.locator("h1")).to_contain_text("Toulon")
    assert site.problems == []


@pytest.mark.parametrize("typed", ["toulon", "TOULON", "Toulon"])
def test_any_case_finds_toulon_first(site: Site, typed: str):
    site.open("/")
    site.search_box().fill(typed)
    site.search_box().press("Enter")
    site.page.wait_for_url(re.compile(r"/search\?q="))
    first = site.page.locator("ol.results li a").first
    expect(first).to_have_text("Toulon")
    assert first.get_attribute("href") == "/id/commune/83137"


def test_a_supplier_found_by_name_reaches_its_company_page(site: Site):
    colas = decp_suppliers("colas")
    assert colas, "the DECP files name suppliers called Colas"
    site.open("/")
    site.search_box().fill("colas")
    site.search_box().press("Enter")
    company = site.page.locator("ol.results li", has_text="Entreprise").locator("a").first
    company.click()
    site.page.wait_for_url(re.compile(r"/id/entreprise/\d{9}$"))
    assert site.path.rsplit("/", 1)[-1] in colas
    assert site.problems == []


def test_a_siren_typed_with_spaces_reaches_the_company(site: Site):
    site.open("/")
    site.search_box().press_sequentially("329 338 883")
    suggestion = site.page.get_by_role("option").first
    expect(suggestion).to_contain_text("Entreprise")
    site.search_box().press("ArrowDown")
    site.search_box().press("Enter")
    site.page.wait_for_url(re.compile(r"/id/entreprise/329338883$"))
    assert site.problems == []


def test_saint_etienne_without_accent_finds_saint_etienne(site: Site):
    site.open("/search?q=Saint-Etienne")
    expect(site.page.locator("ol.results li a").first).to_have_text("Saint-Étienne")


def test_swagger_ui_lists_the_operations_offline(site: Site):
    site.open("/docs")
    operations = site.page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() >= 8   # every /api operation (and the SPARQL protocol's)
    expect(site.page.locator(".opblock", has_text="/api/search").first).to_be_visible()
    assert site.problems == []


#: ReDoc 2 always draws Redocly's logo from their CDN in its menu (no option turns it off): the
#: Content-Security-Policy blocks it, so the request never leaves the browser, but the browser says so.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_redoc_renders_offline(site: Site):
    site.open("/redoc")
    expect(site.page.locator("h1").first).to_contain_text("bercy-graph")
    expect(site.page.get_by_text("/api/search").first).to_be_attached()
    assert [p for p in site.problems if REDOC_LOGO not in p] == []
    assert not any(p.startswith("request leaving") for p in site.problems)


@pytest.mark.parametrize("path", MAIN_PAGES + ["/search?q=toulon"])
def test_no_console_error_and_no_failed_request(site: Site, path: str):
    response = site.open(path)
    assert response is not None and response.status == 200
    assert site.problems == []


@pytest.mark.parametrize("path", MAIN_PAGES + ["/search?q=toulon"])
def test_the_header_and_its_search_box_fit_a_phone(site: Site, path: str):
    site.page.set_viewport_size(PHONE)
    site.open(path)
    assert site.overflow("header") <= 0
    box = site.search_box().bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


#: Pages wider than a phone today (measured at 390 px: Toulon's chart 639 px wide, the catalog's table 727 px,
#: the query page's example list 767 px); the header is not the cause.
OVERFLOWING: set[str] = set()


@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.xfail(p in OVERFLOWING, strict=True,
                                                                        reason="page content wider than 390 px"))
                                  for p in MAIN_PAGES + ["/search?q=toulon"]])
def test_no_horizontal_scrolling_at_390_px(site: Site, path: str):
    site.page.set_viewport_size(PHONE)
    site.open(path)
    assert site.overflow() <= 0


def test_a_mission_page_shows_plf_and_lfi_figures(site: Site):
    """Sécurités (SB): the PLF 2025 AE and CP, and the LFI 2026 CP, as added up from the budget files."""
    from .test_reader_pages import euros, lfi_cp, plf_by
    plf, lfi = plf_by("mission")["SB"], lfi_cp()["SB"]
    site.open("/search?q=Sécurités")
    site.page.locator("ol.results li", has_text="Mission budgétaire").locator("a").first.click()
    site.page.wait_for_url(re.compile(r"/id/mission/SB$"))
    cards = site.page.locator(".figure")
    for value, label in ((euros(plf["AE"]), "autorisations d'engagement (AE), PLF 2025"),
                         (euros(plf["CP"]), "crédits de paiement (CP), PLF 2025"),
                         (euros(lfi), "crédits de paiement (CP), LFI 2026")):
        card = cards.filter(has_text=label)
        expect(card.locator(".value")).to_have_text(value)
    expect(site.page.get_by_text("Les étapes ne portent pas sur la même année")).to_be_visible()
    assert site.problems == []


def test_a_company_found_by_name_is_titled_by_its_name(site: Site):
    site.open("/")
    site.search_box().fill("colas")
    site.search_box().press("Enter")
    site.page.locator("ol.results li", has_text="Entreprise").locator("a").first.click()
    site.page.wait_for_url(re.compile(r"/id/entreprise/\d{9}$"))
    title = site.page.locator("h1").inner_text()
    assert "COLAS" in title.upper() and not title.isdigit()   # a name, not the SIREN
    expect(site.page.get_by_text("Marchés remportés, par acheteur")).to_be_visible()
    # (no check of site.problems: pressing Enter leaves the page while a suggestion request is in flight,
    # which the browser reports as aborted)
