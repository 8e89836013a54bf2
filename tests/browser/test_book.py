"""The built book, read in a real browser with no network: every page, desktop and phone.

Each page is loaded once (at 1280 px, then resized to 400 px) and the findings
are shared by the tests below; a screenshot of each width goes to
_build/screenshots/book/.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from browser_checks import (
    BookPage, block_the_network, broken_links, citation_mismatches, inspect_book_page, screenshot_dir, toc_pages,
)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from crossrefs import harvest, problems as crossref_problems  # noqa: E402

PAGES = toc_pages() + ["search.html"]


@pytest.fixture(scope="module")
def book(chromium, book_url):
    """The findings for each page, inspected on first use, and the requests that tried to leave."""
    context = chromium.new_context()
    attempted = block_the_network(context)
    reports: dict[str, BookPage] = {}

    def report(page: str) -> BookPage:
        if page not in reports:
            name = page.removesuffix(".html").replace("/", "-")
            reports[page] = inspect_book_page(context, f"{book_url}/{page}", screenshot_dir("book") / name)
        return reports[page]

    yield report, attempted
    context.close()


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_only_from_the_site_without_errors(book, page):
    report, attempted = book
    found = report(page)
    assert not attempted, f"requests that left 127.0.0.1: {attempted}"
    assert not found.failed_requests, found.failed_requests
    assert not found.console_errors, found.console_errors


@pytest.mark.parametrize("page", PAGES)
def test_every_formula_is_typeset(book, page):
    found = book[0](page)
    assert not found.untypeset_maths, f"maths MathJax did not typeset: {found.untypeset_maths}"
    assert not found.maths_errors, f"TeX errors: {found.maths_errors}"
    assert not found.raw_tex, f"raw TeX in the text: {found.raw_tex}"


@pytest.mark.parametrize("page", PAGES)
def test_every_image_has_alt_text(book, page):
    assert not book[0](page).images_without_alt


@pytest.mark.parametrize("page", PAGES)
def test_nothing_sticks_out_at_phone_width(book, page):
    assert not book[0](page).phone_overflow


def test_internal_links_and_anchors_resolve(book_site):
    assert not broken_links(book_site)


def test_cross_references_read_as_the_book_numbers_them(book_site):
    """Chapters refer with links whose text JupyterLab shows as written ("Figure 7.2"):
    that text must be what the book prints for the same target (tools/crossrefs.py)."""
    rendered = harvest(book_site)
    wrong = {
        path.name: found
        for path in sorted((ROOT / "chapters").glob("*.ipynb"))
        if (found := crossref_problems(json.loads(path.read_text(encoding="utf-8")), rendered))
    }
    assert not wrong, f"run tools/crossrefs.py sync on the built book: {wrong}"


def test_chapters_link_to_their_glm_lib_reference_entries(book_site):
    """Each link of a chapter's reference-links cell (tools/api_links.py) is a working link
    to the autodoc entry in the built book, not plain text from an unresolved role."""
    import re

    from api_links import API_LINK_RE

    missing = {}
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        wanted = {target for cell in nb["cells"] if cell["cell_type"] == "markdown"
                  for _, _, target in API_LINK_RE.findall("".join(cell["source"]))}
        if not wanted:
            continue
        page = (book_site / "chapters" / f"{path.stem}.html").read_text(encoding="utf-8")
        linked = set(re.findall(r'href="\.\./reference/[\w-]+\.html#(glm_lib[\w.]*)"', page))
        if wanted - linked:
            missing[path.name] = sorted(wanted - linked)
    assert not missing, f"reference links that the book does not resolve: {missing}"
    reference = (book_site / "reference" / "api_models.html").read_text(encoding="utf-8")
    assert 'id="glm_lib.glm"' in reference


def test_citations_read_as_the_references_are_labelled(book_site):
    assert not citation_mismatches(book_site)


# Labels of the theme's buttons and menus that Sphinx's search used to quote as if
# they were the page's text (course.js removes them before quoting).
BUTTON_TEXT = ["Download", ".ipynb", ".pdf", "Show code cell", "Hide code cell", "Skip to main content", "Back to top"]


def test_search_results_quote_text_not_buttons(offline_context, book_url):
    page = offline_context.new_page()
    page.goto(f"{book_url}/search.html?q=deviance")
    page.wait_for_selector("#search-results p.context", timeout=60_000)
    page.wait_for_timeout(1000)  # the snippets arrive page by page
    snippets = page.locator("#search-results p.context").all_inner_texts()
    page.close()
    assert len(snippets) >= 3
    assert not [s for s in snippets if any(label in s for label in BUTTON_TEXT)]
    assert not offline_context.attempted_requests
