"""Numbers and citations in the chapters' prose: correct wherever they are read.

Inline numbers (``{eval}`name```) are shown from values stored in each Markdown
cell's metadata, in JupyterLab and in the book alike; a fresh run of every
notebook must reproduce them exactly. Citations are author–year links checked
against references.bib (tools/citations.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from citations import citation_problems, load_bibliography, to_roles  # noqa: E402
from crossrefs import problems as crossref_problems, to_roles as crossref_roles  # noqa: E402
from execute_notebook import expressions_in  # noqa: E402
from notebook_sources import substitute  # noqa: E402
import api_links  # noqa: E402

NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
BIB = load_bibliography(ROOT / "references.bib")


def _markdown(path: Path) -> list[tuple[int, str]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [
        (i, "".join(c["source"]) if isinstance(c["source"], list) else c["source"])
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "markdown"
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_citations_match_the_bibliography(path: Path) -> None:
    problems = [f"cell {i}: {p}" for i, src in _markdown(path) for p in citation_problems(src, BIB)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_inline_number_has_a_stored_value(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    missing = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        stored = {e["expression"] for e in cell.get("metadata", {}).get("user_expressions", [])}
        wanted = expressions_in("".join(cell["source"]))
        missing += [f"cell {i}: {{eval}}`{e}`" for e in wanted if e not in stored]
    assert not missing, "no stored value (run tools/execute_notebook.py):\n" + "\n".join(missing)


def _notebook_with_number(stored: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 6 * 7", execution_count=1),
        nbformat.v4.new_markdown_cell("The answer is {eval}`x`."),
        nbformat.v4.new_code_cell("print(x)", execution_count=2,
                                  outputs=[nbformat.v4.new_output("stream", name="stdout", text="42\n")]),
    ]
    nb.cells[1].metadata["user_expressions"] = [
        {"expression": "x", "result": {"status": "ok", "data": {"text/plain": stored}, "metadata": {}}}]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


@pytest.mark.parametrize("stored, passes", [("42", True), ("41", False)])
def test_nbval_run_checks_the_stored_inline_numbers(tmp_path: Path, stored: str, passes: bool) -> None:
    """The chapters run once, under nbval; conftest.py's plugin checks the stored numbers in that run."""
    import os
    import subprocess

    path = tmp_path / "demo.ipynb"
    nbformat.write(_notebook_with_number(stored), path)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "conftest", "-p", "no:cacheprovider",
         "-q", str(path)],
        cwd=tmp_path, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")},
    )
    assert (run.returncode == 0) == passes, run.stdout[-2000:]
    if not passes:
        assert "stored '41', now '42'" in run.stdout


# --- the machinery itself ----------------------------------------------------


def test_citation_checker_catches_wrong_text_unknown_keys_and_roles() -> None:
    text = (
        "As [McCullagh and Nelder (1988)](#cite-mccullagh1989) and "
        "([Nobody, 2000](#cite-nokey)) say, {cite}`agresti2013`."
    )
    problems = citation_problems(text, BIB)
    assert any("should be 'McCullagh and Nelder (1989)'" in p for p in problems)
    assert any("nokey" in p for p in problems)
    assert any("{cite}" in p for p in problems)


def test_citation_links_become_sphinx_roles() -> None:
    text = (
        "[McCullagh and Nelder (1989)](#cite-mccullagh1989) showed it "
        "([Agresti, 2013](#cite-agresti2013); [Faraway, 2006](#cite-faraway2006))."
    )
    assert to_roles(text) == (
        "{cite:t}`mccullagh1989` showed it {cite:p}`agresti2013,faraway2006`."
    )


def test_inline_numbers_are_substituted_and_missing_ones_are_reported(caplog) -> None:
    cell = {
        "cell_type": "markdown",
        "source": "slope {eval}`b` and {eval}`c`",
        "metadata": {"user_expressions": [
            {"expression": "b", "result": {"status": "ok", "data": {"text/plain": "0.5*"}, "metadata": {}}}
        ]},
    }
    nb = {"cells": [cell]}
    substitute(nb, "demo")
    assert nb["cells"][0]["source"] == "slope 0.5\\* and {eval}`c`"
    assert "no stored value" in caplog.text


def test_cross_reference_links_become_the_roles_sphinx_numbers() -> None:
    text = (
        "[Figure 7.2](#fig-ships) and [(5.1)](irls.ipynb#eq-score), by "
        "[Definition 1.1](what_is_a_glm.ipynb#def-glm); see [Exercise 6.2](#ex-a) and "
        "[R's digits](irls.ipynb#irls-r-digits), not ([Agresti, 2013](#cite-agresti2013))."
    )
    assert crossref_roles(text) == (
        "{numref}`fig-ships` and {eq}`eq-score`, by {prf:ref}`def-glm`; see {ref}`ex-a` and "
        "{ref}`R's digits <irls-r-digits>`, not ([Agresti, 2013](#cite-agresti2013))."
    )


def test_cross_reference_checker_catches_stale_numbers_and_roles() -> None:
    nb = {"cells": [{"cell_type": "markdown", "metadata": {},
                     "source": "[Figure 7.1](#fig-ships) and {numref}`fig-other`"}]}
    found = crossref_problems(nb, {"fig-ships": "Figure 7.2"})
    assert any("should read 'Figure 7.2'" in p for p in found)
    assert any("{numref}" in p for p in found)


def test_inline_text_shows_the_number_without_quotes_and_refuses_bad_values() -> None:
    import math

    import numpy as np

    import glm_lib as gl

    assert repr(gl.inline(0.000123456, ".2e")) == "1.23e-04"
    assert repr(gl.inline(np.float64(2) / 3, ".3f")) == "0.667"   # numpy scalars print bare too
    assert repr(gl.inline(1234567, ",d")) == "1,234,567"
    with pytest.raises(TypeError, match="real number"):
        gl.inline("0.5")
    with pytest.raises(ValueError, match="finite"):
        gl.inline(math.nan)
    with pytest.raises(ValueError, match="spec"):
        gl.inline(0.5, "d")


def test_reference_links_become_roles_to_the_autodoc_entries() -> None:
    nb = {"cells": [{"cell_type": "markdown", "metadata": {},
                     "source": "See [`gl.glm`](../reference/api_models.md#glm_lib.glm) and "
                               "[`gl.diagnostics.qresid`](../reference/api_diagnostics.md#glm_lib.diagnostics.qresid)."}]}
    substitute(nb, "demo")
    assert nb["cells"][0]["source"] == (
        "See {py:obj}`gl.glm <glm_lib.glm>` and {py:obj}`gl.diagnostics.qresid <glm_lib.diagnostics.qresid>`.")


def test_every_chapter_links_the_reference_entries_its_code_uses() -> None:
    """tools/api_links.py keeps each chapter's last cell in step with its code."""
    assert api_links.main(["--check", *map(str, NOTEBOOKS)]) == 0


def test_reference_links_point_to_documented_objects() -> None:
    pages = api_links.documented()
    wrong = []
    for path in NOTEBOOKS:
        for i, source in _markdown(path):
            for _, page, target in api_links.API_LINK_RE.findall(source):
                if pages.get(target) != page:
                    wrong.append(f"{path.name} cell {i}: {target} is documented on {pages.get(target)}, not {page}")
    assert not wrong, "\n".join(wrong)
