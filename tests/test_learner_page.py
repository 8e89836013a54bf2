"""What a learner sees of a chapter teaches; checks and prose feeders stay hidden.

A chapter is read in two ways: as the built book, which hides a code cell by its
tag (``remove-cell``, ``remove-input``, ``hide-input``), and in JupyterLab, which
collapses a cell whose ``jupyter`` metadata says ``source_hidden``.
``tools/execute_notebook.py`` derives the second from the first; these tests hold
every chapter to it, and to the rules for the code left in view:

- no visible ``assert`` against a typed number (R's or a paper's printed digits);
- no visible line whose only job is to prepare a number for the prose
  (``round(float(...))``, ``gl.inline(...)``);
- visible ``assert`` lines at most 5 % of a chapter's visible code lines (a SymPy
  identity that *is* the derivation may stay in view);
- prose that speaks to a learner, not about the book's own test machinery;
- exercise and solution blocks whose inner code fences cannot close them early
  (CommonMark, which JupyterLab follows, closes a fence at the first bare fence
  at least as long; the book's parser nests them, so only JupyterLab shows it).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))

BOOK_HIDES = {"remove-cell", "remove-input", "hide-input", "hide-cell"}
TYPED_NUMBER_ASSERT = re.compile(r"^\s*assert\b.*(?<![\w.])-?\d+\.\d{2,}")
FEEDER = re.compile(r"round\(float\(|\bgl\.inline\(|(?<![\w.])inline\(")
ASSERT = re.compile(r"\s*assert\b")
MAX_ASSERT_SHARE = 0.05
MACHINERY = re.compile(r"\b(nbval|fixtures?|unit tests?|test suite|pytest|source notes)\b", re.IGNORECASE)
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _visible(cell: dict, view: str) -> bool:
    meta = cell.get("metadata", {})
    if view == "book":
        return not set(meta.get("tags", [])) & BOOK_HIDES
    return not meta.get("jupyter", {}).get("source_hidden", False)


def _code_lines(path: Path, view: str) -> list[str]:
    lines = []
    for cell in _cells(path):
        if cell["cell_type"] == "code" and _visible(cell, view):
            lines += [ln for ln in _source(cell).splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return lines


def _ids(paths):
    return [p.name for p in paths]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_hidden_in_the_book_means_hidden_in_jupyterlab(path: Path) -> None:
    mismatched = [
        i for i, cell in enumerate(_cells(path))
        if cell["cell_type"] == "code" and _visible(cell, "book") != _visible(cell, "lab")
    ]
    assert not mismatched, (
        f"{path.name}: cells {mismatched} are hidden in one reading path only; "
        "re-run tools/execute_notebook.py, which collapses tagged cells in JupyterLab"
    )


@pytest.mark.parametrize("view", ["book", "lab"])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_visible_code_teaches(path: Path, view: str) -> None:
    lines = _code_lines(path, view)
    typed = [ln.strip() for ln in lines if TYPED_NUMBER_ASSERT.match(ln)]
    feeders = [ln.strip() for ln in lines if FEEDER.search(ln)]
    asserts = [ln for ln in lines if ASSERT.match(ln)]
    assert not typed, f"{path.name} ({view}): visible asserts against typed numbers: {typed[:5]}"
    assert not feeders, f"{path.name} ({view}): visible lines that only feed the prose: {feeders[:5]}"
    assert len(asserts) <= MAX_ASSERT_SHARE * max(len(lines), 1), (
        f"{path.name} ({view}): {len(asserts)} visible assert lines of {len(lines)} code lines; "
        "move checks into a cell tagged remove-cell"
    )


@pytest.mark.parametrize("path", NOTEBOOKS + [ROOT / "chapters" / "notation.md"], ids=_ids(NOTEBOOKS) + ["notation.md"])
def test_prose_speaks_to_the_learner(path: Path) -> None:
    if path.suffix == ".md":
        texts = [path.read_text(encoding="utf-8")]
    else:
        texts = [_source(c) for c in _cells(path) if c["cell_type"] == "markdown"]
        texts += [ln for c in _cells(path) if c["cell_type"] == "code" and _visible(c, "book")
                  for ln in _source(c).splitlines() if ln.strip().startswith("#")]
    found = sorted({m.group(0) for t in texts for m in MACHINERY.finditer(t)})
    assert not found, f"{path.name}: the prose or visible comments talk about the book's checks: {found}"


def fence_problems(markdown: str) -> list[str]:
    """Directive blocks that an inner code fence closes early under CommonMark."""
    problems = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m or not m.group(3).strip().startswith("{"):
            i += 1
            continue
        fence, name = m.group(2), m.group(3).strip()
        j = i + 1
        while j < len(lines):
            inner = FENCE.match(lines[j])
            if inner and inner.group(2)[0] == fence[0] and len(inner.group(2)) >= len(fence):
                if inner.group(3).strip():
                    problems.append(f"line {j + 1}: a fence inside {name} (line {i + 1}) is as long as its own; "
                                    f"lengthen the outer fence to {len(inner.group(2)) + 1} characters")
                break
            j += 1
        i += 1
    return problems


def test_fence_problems_are_found() -> None:
    nested = "```{solution} ex-a\n:class: dropdown\n\n```python\nx = 1\n```\n\nProse.\n```\n"
    assert fence_problems(nested)
    assert not fence_problems("````{solution} ex-a\n\n```python\nx = 1\n```\n\nProse.\n````\n")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_directive_fences_nest_in_jupyterlab(path: Path) -> None:
    problems = [f"cell {k}: {p}" for k, c in enumerate(_cells(path)) if c["cell_type"] == "markdown"
                for p in fence_problems(_source(c))]
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)
