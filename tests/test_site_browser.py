"""The built course site in a real browser: headless Chromium driven by Playwright.

Needs a built site (``make course COURSE_FLAGS=--fast && make site``) and Chromium (Debian:
``apt-get install chromium``; another binary with ``SEGEN_CHROMIUM=/path``). Without them
the tests skip and say why; with ``SEGEN_REQUIRE_BROWSER=1`` (``make test-site``, CI) they
fail instead. The site is served over HTTP from a local port, as a reader would open it.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

from segen_course.picture import serve

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "build" / "site"
SCREENSHOT = ROOT / "build" / "site-home.png"


@pytest.fixture(scope="module")
def site_url(unavailable):
    if not (SITE / "index.html").is_file():
        unavailable(f"no site in {SITE}: run `make course COURSE_FLAGS=--fast && make site` first")
    with serve(SITE) as url:
        yield url


def _open(browser, url: str):
    """Load ``url``; return the page and every console error, page error and failed request."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
            if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
    page.on("response", lambda response: problems.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400 else None)
    page.goto(url, wait_until="networkidle")
    return page, problems


def _pages() -> list[str]:
    chapters = sorted(p.relative_to(SITE).as_posix() for p in (SITE / "chapters").glob("*.html"))
    return ["index.html", "data.html", *chapters]


def _ids(path: Path) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', path.read_text(encoding="utf-8")))


def test_every_page_loads_without_errors_and_shows_its_figures(browser, site_url):
    pages = _pages()
    assert len(pages) >= 3, f"the site has no chapter pages: {pages}"
    for name in pages:
        page, problems = _open(browser, site_url + name)
        assert problems == [], f"{name}: {problems}"
        assert page.locator("h1").count() >= 1, f"{name} has no title"
        sizes = page.eval_on_selector_all(
            "article img", "imgs => imgs.map(i => [i.getAttribute('src'), i.naturalWidth, "
            "i.getBoundingClientRect().width])")
        if name.startswith("chapters/"):
            assert sizes, f"{name} shows no figure"
        broken = [src for src, natural, shown in sizes if natural == 0 or shown == 0]
        assert broken == [], f"{name}: figures that did not render: {broken}"
        page.close()


def test_internal_links_resolve(browser, site_url):
    checked = 0
    for name in _pages():
        page, _ = _open(browser, site_url + name)
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        page.close()
        for href in hrefs:
            parsed = urlparse(href)
            if not href.startswith(site_url):
                assert parsed.scheme in ("http", "https", "mailto"), f"{name}: odd link {href}"
                continue
            target = SITE / unquote(parsed.path[len(urlparse(site_url).path):] or "index.html")
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{name}: link to a missing page {href}"
            if parsed.fragment and target.suffix == ".html":
                assert unquote(parsed.fragment) in _ids(target), f"{name}: no anchor for {href}"
            checked += 1
    assert checked > 20


def test_home_page_lists_every_chapter_and_is_photographed(browser, site_url):
    page, problems = _open(browser, site_url)
    assert problems == []
    rows = page.eval_on_selector_all("article table tbody tr", "rows => rows.map(r => r.innerText)")
    chapters = sorted(p.stem for p in (SITE / "chapters").glob("*.html"))
    assert len(rows) == len(chapters)
    links = page.eval_on_selector_all("article table tbody tr a", "links => links.map(a => a.href)")
    assert [urlparse(link).path.rsplit("/", 1)[-1] for link in links] == [f"{c}.html" for c in chapters]
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=False)
    assert SCREENSHOT.stat().st_size > 10_000
    page.close()


def test_equations_render_offline(browser, site_url):
    with_math = [name for name in _pages() if "\\(" in (SITE / name).read_text(encoding="utf-8")]
    assert with_math, "no page holds an equation"
    page, problems = _open(browser, site_url + with_math[0])
    page.wait_for_selector("mjx-container", timeout=30_000)
    assert page.locator("mjx-container").count() > 0 and problems == []
    page.close()


def test_search_finds_a_chapter(browser, site_url):
    page, problems = _open(browser, urljoin(site_url, "search.html?q=convolution"))
    page.wait_for_selector("#search-results li, .search li", timeout=30_000)
    results = page.eval_on_selector_all("#search-results li a, .search li a", "links => links.map(a => a.href)")
    assert any("/chapters/" in link for link in results), results
    assert problems == []
    page.close()
