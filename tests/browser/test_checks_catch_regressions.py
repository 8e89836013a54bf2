"""The browser checks fail when a page regresses.

Small synthetic pages and a synthetic notebook carry one known defect each
(a raw formula, a TeX error, raw or dropped MyST roles, a dangling reference, an image without alt text, a page wider than a
phone, a script error, a request to a CDN, broken links, a citation that does
not match its reference, an uncollapsed solution); every
check must flag its defect, and a clean page must pass them all.
"""

from __future__ import annotations

import json
import shutil

import pytest
from browser_checks import (
    ROOT, StaticServer, broken_links, citation_mismatches, dropped_roles, inspect_book_page, inspect_notebook, open_lab,
    solution_phrases,
)

MATHJAX = '<script defer src="mathjax/tex-chtml.js"></script>'
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000000030101001869dd8a0000000049454e44ae426082"
)


def page(body: str, head: str = "") -> str:
    return f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head><body><main role="main">{body}</main></body></html>'


@pytest.fixture(scope="module")
def synthetic_site(tmp_path_factory):
    site = tmp_path_factory.mktemp("synthetic-site")
    shutil.copytree(ROOT / "_vendor" / "mathjax", site / "mathjax")
    (site / "dot.png").write_bytes(PIXEL)
    (site / "clean.html").write_text(page(
        '<p id="top">A formula <span class="math">\\(\\frac{1}{2}\\)</span>, a picture '
        '<img src="dot.png" alt="a dot"> and a <a href="clean.html#top">link</a>.</p>', MATHJAX))
    (site / "tex-error.html").write_text(page('<p><span class="math">\\(\\frac{1}\\)</span></p>', MATHJAX))
    (site / "defects.html").write_text(page(
        '<p>Not typeset: <span class="math">\\(x^2\\)</span> and $$\\mu = e^\\eta$$.</p>'
        '<img src="dot.png">'
        '<div style="width: 900px">a table as wide as a desktop screen</div>'
        '<img src="https://cdn.example.org/logo.png" alt="from a CDN">'
        '<a href="missing.html">gone</a> <a href="clean.html#nowhere">no anchor</a>'
        '<script>notDefinedAnywhere();</script>'))
    server = StaticServer(site)
    yield site, server.url
    server.close()


def test_a_clean_page_passes_every_check(offline_context, synthetic_site):
    site, url = synthetic_site
    found = inspect_book_page(offline_context, f"{url}/clean.html")
    assert found.console_errors == found.failed_requests == found.untypeset_maths == found.maths_errors == []
    assert found.raw_tex == found.images_without_alt == found.phone_overflow == []
    assert offline_context.attempted_requests == []


def test_raw_formulas_and_tex_errors_are_caught(offline_context, synthetic_site):
    site, url = synthetic_site
    defects = inspect_book_page(offline_context, f"{url}/defects.html")
    assert defects.untypeset_maths == ["\\(x^2\\)"]
    assert any("$$" in s for s in defects.raw_tex)
    assert inspect_book_page(offline_context, f"{url}/tex-error.html").maths_errors


def test_missing_alt_wide_content_script_errors_and_cdn_requests_are_caught(offline_context, synthetic_site):
    site, url = synthetic_site
    defects = inspect_book_page(offline_context, f"{url}/defects.html")
    assert defects.images_without_alt == ["dot.png"]
    assert any("900px" in p or "reaches" in p for p in defects.phone_overflow)
    assert any("notDefinedAnywhere" in e for e in defects.console_errors)
    assert set(offline_context.attempted_requests) == {"https://cdn.example.org/logo.png"}


def test_broken_links_and_anchors_are_caught(synthetic_site):
    site, _ = synthetic_site
    problems = broken_links(site)
    assert any("missing.html (no such file)" in p for p in problems)
    assert any("clean.html#nowhere (no such anchor)" in p for p in problems)
    assert not any(p.startswith("clean.html") for p in problems)


def test_a_citation_that_does_not_match_its_reference_is_caught(tmp_path):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    (chapters / "references.html").write_text(page(
        '<div class="citation" id="id1"><span class="label"><span class="fn-bracket">[</span>'
        'Dobson, 1990<span class="fn-bracket">]</span></span></div>'))
    (chapters / "chapter.html").write_text(page(
        '<span class="bibtex-citation">(<a href="references.html#id1">Dobson, 1990</a>)</span> '
        '<span class="bibtex-citation">Dobson (<a href="references.html#id1">1990</a>)</span> '
        '<span class="bibtex-citation">(<a href="references.html#id1">Dobson, 1991</a>)</span>'))
    assert citation_mismatches(tmp_path) == ["chapter.html: '(Dobson, 1991)' but the reference is labelled '(Dobson, 1990)'"]


def _markdown(source: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


REGRESSIONS = {
    "cells": [
        _markdown("# Regressions\n\nA number left as a glue role: {glue:text}`dob_b0`."),
        _markdown("A formula without its dollar signs: \\frac{1}{2}."),
        _markdown("A role missing its closing backtick shows raw: {eval}`dob_b0."),
        _markdown("A figure that does not exist: {numref}`fig-nowhere`."),
        _markdown("```{exercise}\n:label: ex-open\n\nShow it.\n```\n\n```{solution} ex-open\n\nIn plain view.\n```"),
        _markdown("```{exercise}\n:label: ex-closed\n\nShow it.\n```\n\n"
                  "```{solution} ex-closed\n:class: dropdown\n\nThis answer stays hidden until clicked.\n```"),
        # An inner code fence as long as the outer one: CommonMark (JupyterLab) ends the
        # solution at the inner closing fence, so the prose after it shows in plain view.
        _markdown("```{exercise}\n:label: ex-nested\n\nShow it.\n```\n\n"
                  "```{solution} ex-nested\n:class: dropdown\n\n```python\nx = 1\n```\n\n"
                  "The closing words of this solution stay hidden.\n```"),
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_jupyterlab_checks_catch_raw_markup_raw_tex_and_an_open_solution(offline_context, jupyterlab):
    folder = jupyterlab.root / "synthetic"
    folder.mkdir(exist_ok=True)
    (folder / "regressions.ipynb").write_text(json.dumps(REGRESSIONS), encoding="utf-8")
    phrases = [p for cell in REGRESSIONS["cells"] for p in solution_phrases(cell["source"])]
    assert "The closing words of this solution stay hidden" in phrases
    view = inspect_notebook(open_lab(offline_context, jupyterlab.url), "synthetic/regressions.ipynb", phrases=phrases)
    assert view.markdown_cells == 7 and view.unrendered_cells == []
    assert dropped_roles(REGRESSIONS) == ["Markdown cell 0: {glue:text}`dob_b0`"]
    assert any("{eval}" in s for s in view.raw_markup)
    assert any("\\frac" in s for s in view.raw_tex)
    assert view.unresolved_references == ["fig-nowhere"]
    assert view.solutions == 3
    assert len(view.open_solutions) == 1
    assert "The closing words of this solution stay hidden" in view.solution_prose_shown
    assert "This answer stays hidden until clicked" in phrases
    assert "This answer stays hidden until clicked" not in view.solution_prose_shown
    assert view.solution_opens_on_click is True
