"""A real browser on the served site: Debian's Chromium (`make test` installs it: `/usr/bin/chromium`) driven by
Playwright, never a browser Playwright downloads. No request leaves the machine: anything not addressed to
the local server is refused and counted as a failure, like console errors, page errors and HTTP errors.

`site` (a fixture) is a page object: `open(path)` loads a page and waits until it is idle; `problems` lists
what went wrong since the last `open`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, Response, Route, expect, sync_playwright

from .serving import running_server

CHROMIUM = "/usr/bin/chromium"
#: axe-core, the accessibility checker (npm, installed with the test clients by `make clients-env`).
AXE = Path(__file__).parent / "clients" / "node_modules" / "axe-core" / "axe.min.js"
#: The flags this machine's Chromium needs headless, as root, on a closed network.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
#: Generous deadlines (ms): a page of a big commune takes seconds on a busy 2-core machine; nothing is timed.
TIMEOUT = 180_000
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class Site:
    """One browser tab on the served site, and what went wrong in it."""

    page: Page
    base: str
    problems: list[str] = field(default_factory=list)

    def open(self, path: str) -> Response | None:
        self.problems.clear()
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return response

    @property
    def path(self) -> str:
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def search_box(self):
        return self.page.get_by_role("combobox", name="Rechercher")

    def axe(self) -> list[str]:
        """The serious and critical violations axe-core finds on the page (its WCAG 2 A/AA rules and best
        practices), one line each. axe-core comes from npm (tests/clients, `make clients-env`); it is evaluated
        through the driver, which the page's Content-Security-Policy does not apply to."""
        self.page.evaluate(AXE.read_text(encoding="utf-8"))
        found = self.page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
                for v in found["violations"] if v["impact"] in ("serious", "critical")]

    def overflow(self, selector: str = "html") -> int:
        """How many CSS pixels the element is wider than the viewport (0: no horizontal scrolling)."""
        return self.page.evaluate("(s) => document.querySelector(s).scrollWidth - window.innerWidth", selector)


@pytest.fixture(scope="module")
def server(served_build) -> Iterator[str]:
    """The session's build whose base is its own local URL (`served_build`), served there: the absolute links
    of the pages (entity IRIs, tables) are followed like a user would."""
    settings, _ = served_build
    with running_server(settings, port=int(settings.base.rsplit(":", 1)[-1])) as url:
        yield url


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    expect.set_options(timeout=TIMEOUT)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def browser(playwright: Playwright, tmp_path) -> Iterator[BrowserContext]:
    """Chromium with an empty profile (a new user-data-dir per test)."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=ARGS, viewport=DESKTOP,
        locale="fr-FR")
    context.set_default_timeout(TIMEOUT)
    context.set_default_navigation_timeout(TIMEOUT)
    yield context
    context.close()


@pytest.fixture
def site(browser: BrowserContext, server: str) -> Site:
    page = browser.pages[0] if browser.pages else browser.new_page()
    tab = Site(page, server)
    host = urlsplit(server).netloc

    def only_local(route: Route) -> None:
        if urlsplit(route.request.url).netloc == host:
            route.continue_()
        else:
            tab.problems.append(f"request leaving the machine: {route.request.url}")
            route.abort()

    browser.route("**/*", only_local)
    page.on("console", lambda m: m.type == "error" and tab.problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: tab.problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: tab.problems.append(f"failed: {r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and tab.problems.append(f"HTTP {r.status}: {r.url}"))
    return tab
