"""Every chapter as a learner on Binder sees it: JupyterLab with the Binder environment.

Each notebook is opened once; its rendered Markdown must hold no raw MyST
markup, no raw TeX and no reference JupyterLab cannot resolve, and every
exercise solution must be collapsed until clicked. Screenshots (the top of each notebook, and one opened solution) go to
_build/screenshots/jupyterlab/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser_checks import (
    ROOT, NotebookView, block_the_network, dropped_roles, inspect_notebook, markdown_labels, open_lab,
    screenshot_dir, shut_down_kernels, solution_phrases,
)

CHAPTERS = sorted(p.name for p in (ROOT / "chapters").glob("*.ipynb"))


def solutions_in_source(notebook: dict) -> int:
    """How many {solution} directives the notebook's Markdown holds."""
    return sum("".join(c["source"]).count("{solution}") for c in notebook["cells"] if c["cell_type"] == "markdown")


@pytest.fixture(scope="module")
def lab(chromium, jupyterlab):
    """The findings for each notebook, inspected on first use, and the requests that tried to leave."""
    context = chromium.new_context()
    attempted = block_the_network(context)
    page = open_lab(context, jupyterlab.url)
    views: dict[str, NotebookView] = {}

    def view(path: str) -> NotebookView:
        if path not in views:
            name = Path(path).stem
            notebook = json.loads((jupyterlab.root / path).read_text(encoding="utf-8"))
            markdown = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
            # A phrase that also occurs outside its solution could be found there in plain view.
            phrases = [p for p in solution_phrases(markdown) if markdown.count(p) == 1]
            views[path] = inspect_notebook(page, path, screenshot_dir("jupyterlab") / name, phrases)
            shut_down_kernels(jupyterlab.url)
        return views[path]

    def source(path: str) -> dict:
        """The notebook as JupyterLab read it (the copy made when the server started)."""
        return json.loads((jupyterlab.root / path).read_text(encoding="utf-8"))

    yield view, attempted, source
    context.close()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_markdown_cell_is_rendered_without_raw_markup(lab, chapter):
    view, attempted, source = lab
    found = view(f"chapters/{chapter}")
    assert found.markdown_cells > 0
    assert not found.unrendered_cells, f"Markdown cells not rendered by jupyterlab-myst: {found.unrendered_cells}"
    assert not found.raw_markup, found.raw_markup
    assert not dropped_roles(source(f"chapters/{chapter}")), "shown as bare names in JupyterLab"
    assert not attempted, f"requests that left 127.0.0.1: {attempted}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_raw_tex(lab, chapter):
    assert not lab[0](f"chapters/{chapter}").raw_tex


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_references_to_the_notebooks_own_targets_resolve(lab, chapter):
    view, _, source = lab
    own = markdown_labels(source(f"chapters/{chapter}"))
    dangling = [label for label in view(f"chapters/{chapter}").unresolved_references if label in own]
    assert not dangling, "shown as bare labels behind a warning icon"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_reference_resolves(lab, chapter):
    assert not lab[0](f"chapters/{chapter}").unresolved_references


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solutions_are_collapsed_until_clicked(lab, chapter):
    view, _, source = lab
    found = view(f"chapters/{chapter}")
    assert found.solutions == solutions_in_source(source(f"chapters/{chapter}")), "every {solution} is rendered as one"
    assert not found.open_solutions, f"solutions shown without a click: {found.open_solutions}"
    assert not found.solution_prose_shown, f"solution prose in plain view: {found.solution_prose_shown}"
    assert not found.solution_prose_missing, f"solution prose not on the page: {found.solution_prose_missing}"
    if found.solutions:
        assert found.solution_opens_on_click
