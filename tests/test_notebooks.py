"""Checks on the committed chapter notebooks and the table of contents.

The book is built from the outputs stored in the notebooks (execution is off
in _config.yml), and nbval compares a fresh run against those same outputs.
So every chapter must be committed fully executed, top to bottom, clean.
The per-notebook run-time budget lives in the root conftest.py (it needs
hooks that see the nbval items under chapters/).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
TOC = ROOT / "_toc.yml"
SOURCE_SUFFIXES = (".ipynb", ".md")

NOTEBOOKS = sorted(CHAPTERS.glob("*.ipynb"))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _text(output: dict) -> str:
    txt = output.get("text", "")
    return "".join(txt) if isinstance(txt, list) else txt


def notebook_problems(nb: dict) -> list[str]:
    """Everything that makes a stored notebook unfit to publish; [] if none."""
    problems: list[str] = []
    code_cells = [
        (i, c) for i, c in enumerate(nb.get("cells", [])) if c.get("cell_type") == "code"
    ]
    filled = [(i, c) for i, c in code_cells if _source(c).strip()]
    if not filled:
        return ["no code cells with source"]

    counts = [c.get("execution_count") for _, c in filled]
    missing = [i for (i, c) in filled if c.get("execution_count") is None]
    if missing:
        problems.append(f"code cells never executed (cell index {missing})")
    expected = list(range(1, len(filled) + 1))
    if counts != expected:
        problems.append(
            f"execution counts are {counts}, expected {expected}: "
            "restart the kernel and run all cells (make execute)"
        )

    if not any(c.get("outputs") for _, c in code_cells):
        problems.append("no stored outputs at all")

    for i, cell in code_cells:
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "error":
                problems.append(
                    f"cell {i} stores an error: {out.get('ename')}: {out.get('evalue')}"
                )
            elif kind == "stream" and out.get("name") == "stderr":
                text = _text(out)
                if "warning" in text.lower():
                    first = text.strip().splitlines()[0] if text.strip() else ""
                    problems.append(f"cell {i} stores a warning on stderr: {first[:200]}")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_executed_cleanly_in_order(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    problems = notebook_problems(nb)
    assert not problems, f"{path.relative_to(ROOT)}:\n  " + "\n  ".join(problems)


# --- the checker itself must be able to fail -------------------------------


def _nb(*cells: dict) -> dict:
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _code(src: str, count, outputs=()) -> dict:
    return {
        "cell_type": "code",
        "source": src,
        "execution_count": count,
        "metadata": {},
        "outputs": list(outputs),
    }


_OK = {"output_type": "stream", "name": "stdout", "text": "1\n"}


@pytest.mark.parametrize(
    "nb, fragment",
    [
        (_nb(_code("a", 1, [_OK]), _code("b", None)), "never executed"),
        (_nb(_code("a", 2, [_OK]), _code("b", 1)), "execution counts"),
        (_nb(_code("a", 1, [_OK]), _code("b", 3)), "execution counts"),
        (_nb(_code("a", 1), _code("b", 2)), "no stored outputs"),
        (
            _nb(_code("a", 1, [{"output_type": "error", "ename": "E", "evalue": "x", "traceback": []}])),
            "stores an error",
        ),
        (
            _nb(_code("a", 1, [{"output_type": "stream", "name": "stderr", "text": "x.py:1: UserWarning: y\n"}])),
            "warning on stderr",
        ),
        (_nb({"cell_type": "markdown", "source": "# t", "metadata": {}}), "no code cells"),
    ],
)
def test_checker_rejects_bad_notebooks(nb: dict, fragment: str) -> None:
    assert any(fragment in p for p in notebook_problems(nb))


def test_checker_accepts_a_clean_notebook() -> None:
    nb = _nb(_code("a", 1, [_OK]), _code("", None), _code("b", 2))
    assert notebook_problems(nb) == []


# --- table of contents <-> chapters/ ---------------------------------------


def _toc_files(node) -> list[str]:
    """Every `root:` / `file:` entry of a Jupyter Book _toc.yml, in order."""
    found: list[str] = []
    if isinstance(node, dict):
        for key in ("root", "file"):
            if key in node:
                found.append(str(node[key]))
        for value in node.values():
            if isinstance(value, (dict, list)):
                found.extend(_toc_files(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_toc_files(item))
    return found


def _strip_suffix(entry: str) -> str:
    for suffix in SOURCE_SUFFIXES:
        if entry.endswith(suffix):
            return entry[: -len(suffix)]
    return entry


TOC_ENTRIES = _toc_files(yaml.safe_load(TOC.read_text(encoding="utf-8")))


def _source_exists(entry: str) -> bool:
    stem = _strip_suffix(entry)
    return any((ROOT / (stem + s)).is_file() for s in SOURCE_SUFFIXES)


def test_toc_has_no_duplicates() -> None:
    stems = [_strip_suffix(e) for e in TOC_ENTRIES]
    assert len(stems) == len(set(stems)), f"duplicate _toc.yml entries: {stems}"


@pytest.mark.parametrize("entry", TOC_ENTRIES)
def test_toc_entry_exists(entry: str) -> None:
    assert _source_exists(entry), (
        f"_toc.yml lists {entry!r} but neither {entry}.ipynb nor {entry}.md exists"
    )


def test_every_chapter_file_is_in_toc() -> None:
    listed = {_strip_suffix(e) for e in TOC_ENTRIES}
    chapter_files = sorted(
        p for p in CHAPTERS.iterdir() if p.is_file() and p.suffix in SOURCE_SUFFIXES
    )
    missing = [
        p.relative_to(ROOT).as_posix()
        for p in chapter_files
        if p.relative_to(ROOT).with_suffix("").as_posix() not in listed
    ]
    assert not missing, f"chapter files missing from _toc.yml: {missing}"


def test_no_chapter_has_both_a_notebook_and_a_markdown_source() -> None:
    stems = [p.stem for p in CHAPTERS.iterdir() if p.suffix in SOURCE_SUFFIXES]
    doubled = sorted({s for s in stems if stems.count(s) > 1})
    assert not doubled, f"both .ipynb and .md exist for: {doubled}"
